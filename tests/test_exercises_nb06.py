"""The checkers of notebook 06's exercises: the reference passes, the starter is "not started",
the mistakes a student would make fail with the right message, and a server without counters
gets a verdict on what can be measured."""

from __future__ import annotations

import asyncio
import time

import aiohttp

from helpers import checks
from helpers.exercises import nb06 as check

# ---------------------------------------------------------------- exercise 1: worker_pool


async def starter_worker_pool(urls, workers=10):
    """`workers` tasks, one asyncio.Queue(maxsize=workers), one ClientSession; the answers, in order."""
    ...  # your code


async def task_per_url(urls, workers=10):  # a semaphore and a task per URL: limited, but no pool
    semaphore = asyncio.Semaphore(workers)

    async def fetch(session, url):
        async with semaphore, session.get(url) as response:
            return await response.json()

    async with aiohttp.ClientSession() as session:
        return await asyncio.gather(*(fetch(session, url) for url in urls))


def _pool(stop: bool, in_order: bool):
    """A worker pool that may forget to stop its workers, or keep the answers in completion order."""

    async def pool(urls, workers=10):
        results = [None] * len(urls) if in_order else []
        q = asyncio.Queue(maxsize=workers)

        async def worker(session):
            while (item := await q.get()) is not None:
                i, url = item
                try:
                    async with session.get(url) as response:
                        answer = await response.json()
                    if in_order:
                        results[i] = answer
                    else:
                        results.append(answer)
                finally:
                    q.task_done()

        async with aiohttp.ClientSession() as session:
            tasks = [asyncio.create_task(worker(session), name=f"worker {k}") for k in range(workers)]
            for item in enumerate(urls):
                await q.put(item)
            await q.join()
            if stop:
                for _ in tasks:
                    await q.put(None)
                await asyncio.gather(*tasks)
        return results

    return pool


def _mine() -> set:
    return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}


def test_worker_pool_reference_passes():
    ns = checks.load_solution("06", "worker_pool")
    fb = asyncio.run(check.worker_pool(ns["worker_pool"]))
    assert fb.status == "passed", fb
    assert "a pool of 10 workers" in fb.text and "no task left running" in fb.text


def test_worker_pool_starter_is_not_started():
    fb = asyncio.run(check.worker_pool(starter_worker_pool))
    assert fb.status == "not started", fb
    assert "Queue(maxsize=workers)" in fb.text


def test_worker_pool_rejects_a_task_per_url():
    fb = asyncio.run(check.worker_pool(task_per_url))
    assert fb.status == "failed"
    assert any("100 tasks were alive at once" in f for f in fb.failures), fb


def test_worker_pool_rejects_workers_left_running_and_cancels_them():
    async def scenario():
        fb = await check.worker_pool(_pool(stop=False, in_order=True))
        return fb, _mine()

    fb, left = asyncio.run(scenario())
    assert fb.status == "failed"
    assert any("10 tasks still running after worker_pool returned" in f for f in fb.failures), fb
    assert not left, f"the check left {left} running"


def test_worker_pool_rejects_answers_in_completion_order():
    fb = asyncio.run(check.worker_pool(_pool(stop=True, in_order=False)))
    assert fb.status == "failed"
    assert any("out of order" in f for f in fb.failures), fb


def test_worker_pool_on_a_server_without_counters(remote):
    ns = checks.load_solution("06", "worker_pool")
    fb = asyncio.run(check.worker_pool(ns["worker_pool"]))
    assert fb.status == "passed", fb
    assert "requests in flight: not measurable on this server" in fb.text
    assert "connections: not measurable on this server" in fb.text
    fb = asyncio.run(check.worker_pool(task_per_url))  # the tasks are counted on the client
    assert fb.status == "failed" and any("100 tasks were alive at once" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 2: rate_limited_download


async def starter_rate_limited_download(urls, rate=10):
    """One ClientSession; at most `rate` requests started per second; the answers, in order."""
    ...  # your code: the TokenBucket above will help


async def with_semaphore(urls, rate=10):  # `rate` in flight: not `rate` per second
    semaphore = asyncio.Semaphore(rate)

    async def fetch(session, url):
        async with semaphore, session.get(url) as response:
            response.raise_for_status()
            return await response.json()

    async with aiohttp.ClientSession() as session:
        return await asyncio.gather(*(fetch(session, url) for url in urls))


async def full_bucket(urls, rate=10):  # the solution's bucket, starting with `rate` tokens: a burst
    ns = checks.load_solution("06", "rate_limited_download")
    bucket = ns["TokenBucket"](rate, capacity=rate)

    async def fetch(session, url):
        await bucket.acquire()
        async with session.get(url) as response:
            return await response.json()

    async with aiohttp.ClientSession() as session:
        return await asyncio.gather(*(fetch(session, url) for url in urls))


async def loop_with_pauses(urls, rate=10):  # polite, but one at a time: far too slow
    answers = []
    async with aiohttp.ClientSession() as session:
        for url in urls:
            async with session.get(url) as response:
                answers.append(await response.json())
            await asyncio.sleep(1 / rate)
    return answers


def test_rate_limited_download_reference_passes():
    ns = checks.load_solution("06", "rate_limited_download")
    fb = asyncio.run(check.rate_limited_download(ns["rate_limited_download"]))
    assert fb.status == "passed", fb
    assert "0 answered 429" in fb.text


def test_rate_limited_download_starter_is_not_started():
    fb = asyncio.run(check.rate_limited_download(starter_rate_limited_download))
    assert fb.status == "not started", fb
    assert "TokenBucket" in fb.text


def test_rate_limited_download_rejects_a_semaphore():
    fb = asyncio.run(check.rate_limited_download(with_semaphore))
    assert fb.status == "failed"
    assert any("with 429 Too Many Requests" in f for f in fb.failures), fb


def test_rate_limited_download_rejects_a_burst():
    fb = asyncio.run(check.rate_limited_download(full_bucket))
    assert fb.status == "failed"
    assert any("with 429 Too Many Requests" in f for f in fb.failures), fb
    assert any("arrived within one second; the limit was 10" in f for f in fb.failures), fb


def test_rate_limited_download_rejects_a_loop_with_pauses():
    start = time.perf_counter()
    fb = asyncio.run(check.rate_limited_download(loop_with_pauses))
    assert fb.status == "failed"
    # counted, so that a busy machine cannot excuse it: one request at a time
    assert any("in flight at once: one after another" in f for f in fb.failures), fb
    assert "allowed is 1.5×" in fb.text  # too slow: a ✗, or a note where the machine was too busy
    assert "0 answered 429" in fb.text  # polite: only too slow
    assert time.perf_counter() - start < 20


def test_rate_limited_download_on_a_server_without_counters(remote):
    ns = checks.load_solution("06", "rate_limited_download")
    fb = asyncio.run(check.rate_limited_download(ns["rate_limited_download"]))
    assert fb.status == "passed", fb
    assert "429 answers: not measurable on this server" in fb.text
    fb = asyncio.run(check.rate_limited_download(with_semaphore))  # no 429 there: the time tells
    assert fb.status == "failed"
    assert any("need at least" in f and "more than 10 started within one second" in f for f in fb.failures), (
        fb
    )
