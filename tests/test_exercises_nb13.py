"""The checkers of notebook 13's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

import asyncio

import aiohttp

from helpers import checks
from helpers.exercises import nb13 as check

# ---------------------------------------------------------------- exercise 1: fetch_with_deadline


async def starter_fetch_with_deadline(session, url, seconds):
    """GET url; its JSON, or None when no answer came within `seconds`."""
    ...  # your code


async def waits_in_full(session, url, seconds):  # times the request, but never cuts it
    start = asyncio.get_running_loop().time()
    async with session.get(url) as response:
        body = await response.json()
    return body if asyncio.get_running_loop().time() - start <= seconds else None


async def lets_timeout_through(session, url, seconds):
    async with asyncio.timeout(seconds), session.get(url) as response:
        return await response.json()


async def waits_without_cancelling(session, url, seconds):  # asyncio.wait(timeout=) cancels nothing
    async def get():
        async with session.get(url) as response:
            return await response.json()

    task = asyncio.create_task(get())
    done, _ = await asyncio.wait({task}, timeout=seconds)
    return task.result() if done else None


def test_fetch_with_deadline_reference_passes():
    ns = checks.load_solution("13", "fetch_with_deadline")
    fb = asyncio.run(check.fetch_with_deadline(ns["fetch_with_deadline"]))
    assert fb.status == "passed", fb
    assert "no request was left running" in fb.text and "in flight" in fb.text, fb


def test_fetch_with_deadline_starter_is_not_started():
    fb = asyncio.run(check.fetch_with_deadline(starter_fetch_with_deadline))
    assert fb.status == "not started", fb
    assert "asyncio.timeout(seconds)" in fb.text


def test_fetch_with_deadline_rejects_waiting_in_full():
    fb = asyncio.run(check.fetch_with_deadline(waits_in_full))
    assert fb.status == "failed"
    assert any("were not cut off at `seconds`" in f for f in fb.failures), fb


def test_fetch_with_deadline_rejects_a_timeout_let_through():
    fb = asyncio.run(check.fetch_with_deadline(lets_timeout_through))
    assert fb.status == "failed"
    assert any("raised TimeoutError" in f and "return None" in f for f in fb.failures), fb


def test_fetch_with_deadline_rejects_requests_left_running():
    fb = asyncio.run(check.fetch_with_deadline(waits_without_cancelling))
    assert fb.status == "failed"
    assert any("3 task(s) were still running" in f for f in fb.failures), fb


def test_fetch_with_deadline_remote_verdicts(remote):
    ns = checks.load_solution("13", "fetch_with_deadline")
    fb = asyncio.run(check.fetch_with_deadline(ns["fetch_with_deadline"]))
    assert fb.status == "passed", fb
    assert "not measurable on this server" in fb.text, fb
    fb = asyncio.run(check.fetch_with_deadline(waits_without_cancelling))
    assert any("still running" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 2: worker


async def starter_worker(urls, results, on_cancel):
    """GET each url in turn (one session of its own), appending the JSON to results."""
    ...  # your code


async def swallows(urls, results, on_cancel):
    async with aiohttp.ClientSession() as session:
        try:
            for url in urls:
                async with session.get(url) as response:
                    results.append(await response.json())
        except asyncio.CancelledError:
            on_cancel(len(results))  # cleans up, then returns: the cancellation is lost
    return len(results)


async def no_cleanup(urls, results, on_cancel):
    async with aiohttp.ClientSession() as session:
        try:
            for url in urls:
                async with session.get(url) as response:
                    results.append(await response.json())
        except Exception:  # CancelledError is a BaseException: never caught here
            on_cancel(len(results))
            raise
    return len(results)


async def leaves_the_session_open(urls, results, on_cancel):
    session = aiohttp.ClientSession()
    try:
        for url in urls:
            async with session.get(url) as response:
                results.append(await response.json())
    except asyncio.CancelledError:
        on_cancel(len(results))
        raise
    return len(results)


async def cleans_up_always(urls, results, on_cancel):
    async with aiohttp.ClientSession() as session:
        try:
            for url in urls:
                async with session.get(url) as response:
                    results.append(await response.json())
        finally:
            on_cancel(len(results))
    return len(results)


def test_worker_reference_passes():
    ns = checks.load_solution("13", "worker")
    fb = asyncio.run(check.worker(ns["worker"]))
    assert fb.status == "passed", fb


def test_worker_starter_is_not_started():
    fb = asyncio.run(check.worker(starter_worker))
    assert fb.status == "not started", fb
    assert "CancelledError" in fb.text


def test_worker_rejects_swallowing():
    fb = asyncio.run(check.worker(swallows))
    assert fb.status == "failed"
    assert any("it swallowed the CancelledError" in f for f in fb.failures), fb


def test_worker_rejects_no_cleanup():
    fb = asyncio.run(check.worker(no_cleanup))
    assert fb.status == "failed"
    assert any("on_cancel was called 0 times" in f for f in fb.failures), fb


def test_worker_rejects_an_open_session():
    fb = asyncio.run(check.worker(leaves_the_session_open))
    assert fb.status == "failed"
    assert any("Unclosed client session" in f for f in fb.failures), fb


def test_worker_rejects_cleanup_when_not_cancelled():
    fb = asyncio.run(check.worker(cleans_up_always))
    assert fb.status == "failed"
    assert any("call it only when cancelled" in f for f in fb.failures), fb


def test_worker_remote_verdicts(remote):
    ns = checks.load_solution("13", "worker")
    fb = asyncio.run(check.worker(ns["worker"]))
    assert fb.status == "passed", fb
    fb = asyncio.run(check.worker(swallows))
    assert any("swallowed" in f for f in fb.failures), fb


def test_waiting_in_full_fails_even_on_a_busy_machine(monkeypatch):
    """A busy machine makes a time claim "not judged", but waiting out the slow requests' whole
    delay is no busy machine's doing: it still fails (this ran 'passed' with three suites at once)."""
    monkeypatch.setattr(check, "starved", lambda stats: True)
    fb = asyncio.run(check.fetch_with_deadline(waits_in_full))
    assert fb.status == "failed", fb
    assert any("were not cut off at `seconds`" in f for f in fb.failures), fb
