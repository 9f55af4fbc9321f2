"""The checkers of notebook 04's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

import asyncio

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
