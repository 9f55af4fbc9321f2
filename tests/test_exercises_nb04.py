"""The checkers of notebook 04's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

import asyncio
import re

import aiohttp

from helpers import checks
from helpers.exercises import nb04 as check

# ---------------------------------------------------------------- exercise 1: download_many


async def starter_download_many(urls):
    """One ClientSession (default connector) for all the urls; return the answers, in order."""
    ...  # your code


async def session_per_request(urls):  # the seed's way: no connector caps the requests in flight
    async def fetch(url):
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return await response.json()

    return await asyncio.gather(*(fetch(url) for url in urls))


def test_download_many_reference_passes():
    ns = checks.load_solution("04", "download_many")
    fb = asyncio.run(
        check.download_many(ns["download_many"], ns["predicted_round_trips"], ns["predicted_peak"])
    )
    assert fb.status == "passed", fb
    assert "peak of 100" in fb.text


def test_download_many_starter_is_not_started():
    fb = asyncio.run(check.download_many(starter_download_many, None, None))
    assert fb.status == "not started", fb
    fb = asyncio.run(check.download_many(starter_download_many, 3, 100))
    assert fb.status == "not started" and "download_many(urls)" in fb.text, fb


def test_download_many_rejects_a_session_per_request():
    fb = asyncio.run(check.download_many(session_per_request, 3, 100))
    assert fb.status == "failed"
    assert any("250 requests were in flight at once; the limit was 100" in f for f in fb.failures), fb


def test_download_many_rejects_n_over_limit_as_a_prediction():
    ns = checks.load_solution("04", "download_many")
    fb = asyncio.run(check.download_many(ns["download_many"], 2.5, 250))
    assert fb.status == "failed"
    assert any("you predicted 2.5 round trips" in f and "3 waves" in f for f in fb.failures), fb
    assert any("you predicted a peak of 250" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 2: download_rounds


async def starter_download_rounds(urls, rounds):
    """ONE ClientSession for every round; each round gathers a request per URL and ends before the
    next one starts. Return the last round's answers (response.json()), in the order of urls."""
    ...  # your code


async def _get(session, url):
    async with session.get(url) as response:
        return await response.json()


async def rounds_session_per_request(urls, rounds):  # the seed's way, round after round
    async def fetch(url):
        async with aiohttp.ClientSession() as session:
            return await _get(session, url)

    for _ in range(rounds):
        answers = await asyncio.gather(*(fetch(url) for url in urls))
    return answers


async def rounds_session_per_round(urls, rounds):  # one pool per round: none reused across rounds
    for _ in range(rounds):
        async with aiohttp.ClientSession() as session:
            answers = await asyncio.gather(*(_get(session, url) for url in urls))
    return answers


async def rounds_at_once(urls, rounds):  # one session, but every round started together
    async with aiohttp.ClientSession() as session:

        async def one_round():
            return await asyncio.gather(*(_get(session, url) for url in urls))

        return (await asyncio.gather(*(one_round() for _ in range(rounds))))[-1]


async def rounds_at_once_per_round(urls, rounds):  # a session per round, the rounds started together
    async def one_round():
        async with aiohttp.ClientSession() as session:
            return await asyncio.gather(*(_get(session, url) for url in urls))

    return (await asyncio.gather(*(one_round() for _ in range(rounds))))[-1]


async def one_round_only(urls, rounds):  # forgets the rounds
    async with aiohttp.ClientSession() as session:
        return await asyncio.gather(*(_get(session, url) for url in urls))


def _download_rounds():
    return checks.load_solution("04", "download_rounds")["download_rounds"]


def test_download_rounds_reference_passes():
    fb = asyncio.run(check.download_rounds(_download_rounds()))
    assert fb.status == "passed", fb
    assert (
        "300 requests: 3 rounds × 100 URLs" in fb.text
        and "carried the requests (expected at most 100)" in fb.text
    )


def test_download_rounds_starter_is_not_started():
    fb = asyncio.run(check.download_rounds(starter_download_rounds))
    assert fb.status == "not started" and "download_rounds(urls, rounds)" in fb.text, fb


def test_download_rounds_rejects_a_session_per_request():
    fb = asyncio.run(check.download_rounds(rounds_session_per_request))
    assert fb.status == "failed"
    assert any("300 TCP connections carried the requests; expected at most 100" in f for f in fb.failures), fb
    assert "Open the session ONCE" in fb.text, fb


def test_download_rounds_rejects_a_session_per_round():
    fb = asyncio.run(check.download_rounds(rounds_session_per_round))
    assert fb.status == "failed"
    assert any("300 TCP connections carried the requests; expected at most 100" in f for f in fb.failures), fb


def test_download_rounds_rejects_rounds_at_once():
    fb = asyncio.run(check.download_rounds(rounds_at_once_per_round))
    assert fb.status == "failed"
    overlapped = r"URLs × \d+ rounds: \d+ requests were in flight at once, more than the \d+ URLs"
    assert any(re.match("100 " + overlapped, f) for f in fb.failures), fb  # up to 300 (a busy machine: fewer)
    assert "Await each round before the next one starts" in fb.text, fb
    # in one session, the connector's 100 hide the overlap of 100 URLs; the run on 10 URLs shows it
    fb = asyncio.run(check.download_rounds(rounds_at_once))
    assert fb.status == "failed"
    assert any(re.match("10 " + overlapped, f) for f in fb.failures), fb
    assert not any("connections" in f or "server saw" in f for f in fb.failures), fb


def test_download_rounds_rejects_a_single_round():
    fb = asyncio.run(check.download_rounds(one_round_only))
    assert fb.status == "failed"
    assert any("the server saw 100 requests; 3 rounds of 100 URLs are 300" in f for f in fb.failures), fb


# ---------------------------------------------------------------- with COURSE_BASE_URL: no counters


async def answers_reversed(urls):
    async with aiohttp.ClientSession() as session:

        async def fetch(url):
            async with session.get(url) as response:
                return await response.json()

        return list(reversed(await asyncio.gather(*(fetch(url) for url in urls))))


def test_download_many_remote_verdicts(remote):
    ns = checks.load_solution("04", "download_many")
    fb = asyncio.run(
        check.download_many(ns["download_many"], ns["predicted_round_trips"], ns["predicted_peak"])
    )
    assert fb.status == "passed", fb
    assert "requests in flight: not measurable" in fb.text and "connections: not measurable" in fb.text, fb
    fb = asyncio.run(check.download_many(answers_reversed, 3, 100))
    assert fb.status == "failed" and any("out of order" in f for f in fb.failures), fb
    fb = asyncio.run(check.download_many(ns["download_many"], 2.5, 250))
    assert any("you predicted 2.5 round trips" in f for f in fb.failures), fb


def test_download_rounds_remote_verdicts(remote):
    fb = asyncio.run(check.download_rounds(_download_rounds()))
    assert fb.status == "passed", fb
    assert "connections: not measurable" in fb.text and "requests in flight: not measurable" in fb.text, fb
    fb = asyncio.run(check.download_rounds(answers_reversed_rounds))
    assert fb.status == "failed" and any("out of order" in f for f in fb.failures), fb
    fb = asyncio.run(check.download_rounds(rounds_session_per_round))  # not measurable here: not failed
    assert "connections: not measurable" in fb.text, fb


def test_download_rounds_remote_fails_rounds_that_overlap_by_their_time(distant):
    """Without counters, rounds at once (or one round) are told by their time: under what the rounds
    take one after the other. On a server as far away as httpbin.org, where the round trip, not the
    client's CPU, sets the time; the correct solution still passes there."""
    fb = asyncio.run(check.download_rounds(_download_rounds()))
    assert fb.status == "passed", fb
    for overlapping in (rounds_at_once, one_round_only):  # faster than rounds one after the other
        fb = asyncio.run(check.download_rounds(overlapping))
        assert fb.status == "failed" and any("faster than" in f for f in fb.failures), (overlapping, fb)


async def answers_reversed_rounds(urls, rounds):
    answers = await _download_rounds()(urls, rounds)
    return list(reversed(answers))
