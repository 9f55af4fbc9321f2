"""The checkers of notebook 05's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

import asyncio
import random

import aiohttp

from helpers import checks
from helpers.exercises import nb05 as check

# ---------------------------------------------------------------- exercise 1: strict_download


class DownloadFailed(Exception):
    def __init__(self, statuses):
        super().__init__(f"requests failed with statuses {statuses}")
        self.statuses = statuses


async def starter_strict_download(urls):
    """A TaskGroup of GETs: the JSON answers in order, or DownloadFailed(sorted statuses)."""
    ...  # your code


async def _get(session, url):
    async with session.get(url) as response:
        response.raise_for_status()
        return await response.json()


async def gather_leaves_them_running(urls):  # the first error is raised; the slow requests run on
    async with aiohttp.ClientSession() as session:
        try:
            return await asyncio.gather(*(_get(session, url) for url in urls))
        except aiohttp.ClientResponseError as exc:
            raise DownloadFailed([exc.status]) from None


async def group_not_caught(urls):  # a TaskGroup, but its ExceptionGroup escapes as it is
    async with aiohttp.ClientSession() as session, asyncio.TaskGroup() as tg:
        tasks = [tg.create_task(_get(session, url)) for url in urls]
    return [task.result() for task in tasks]


def _reference():
    return checks.load_solution("05", "strict_download")["strict_download"]  # raises its own DownloadFailed


def test_strict_download_reference_passes():
    fb = asyncio.run(check.strict_download(_reference(), DownloadFailed))
    assert fb.status == "passed", fb
    assert "none left running" in fb.text, fb


def test_strict_download_reference_passes_with_the_class_it_raises():
    ns = checks.load_solution("05", "strict_download")
    fb = asyncio.run(check.strict_download(ns["strict_download"], ns["DownloadFailed"]))
    assert fb.status == "passed", fb


def test_strict_download_starter_is_not_started():
    fb = asyncio.run(check.strict_download(starter_strict_download, DownloadFailed))
    assert fb.status == "not started", fb


def test_strict_download_rejects_gather_that_leaves_requests_running():
    fb = asyncio.run(check.strict_download(gather_leaves_them_running, DownloadFailed))
    assert fb.status == "failed", fb
    assert any("still running when it returned" in f for f in fb.failures), fb


def test_strict_download_rejects_an_uncaught_exception_group():
    fb = asyncio.run(check.strict_download(group_not_caught, DownloadFailed))
    assert fb.status == "failed", fb
    assert any("not DownloadFailed" in f and "ExceptionGroup" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 2: polite_download


async def starter_polite_download(urls, limit=10):
    """One ClientSession, one asyncio.Semaphore(limit); return the answers, in order."""
    ...  # your code


async def semaphore_per_request(urls, limit=10):
    async def fetch(session, url):
        async with asyncio.Semaphore(limit), session.get(url) as response:  # a new one each time
            return await response.json()

    async with aiohttp.ClientSession() as session:
        return await asyncio.gather(*(fetch(session, url) for url in urls))


async def session_per_request_with_semaphore(urls, limit=10):
    semaphore = asyncio.Semaphore(limit)

    async def fetch(url):
        async with semaphore, aiohttp.ClientSession() as session, session.get(url) as response:
            return await response.json()

    return await asyncio.gather(*(fetch(url) for url in urls))


async def forgets_to_return(urls, limit=10):
    semaphore = asyncio.Semaphore(limit)

    async def fetch(session, url):
        async with semaphore, session.get(url) as response:
            return await response.json()

    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(fetch(session, url) for url in urls))


def test_polite_download_reference_passes():
    ns = checks.load_solution("05", "polite_download")
    fb = asyncio.run(check.polite_download(ns["polite_download"]))
    assert fb.status == "passed", fb


def test_polite_download_starter_is_not_started():
    fb = asyncio.run(check.polite_download(starter_polite_download))
    assert fb.status == "not started", fb
    assert "Semaphore" in fb.text


def test_polite_download_rejects_a_semaphore_per_request():
    fb = asyncio.run(check.polite_download(semaphore_per_request))
    assert fb.status == "failed"
    assert any("100 requests were in flight at once; the limit was 10" in f for f in fb.failures), fb


def test_polite_download_rejects_a_session_per_request():
    fb = asyncio.run(check.polite_download(session_per_request_with_semaphore))
    assert fb.status == "failed"
    assert any("100 TCP connections carried the requests; expected at most 10" in f for f in fb.failures), fb


def test_polite_download_rejects_no_return():
    fb = asyncio.run(check.polite_download(forgets_to_return))
    assert any("got None instead of 100 answers" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 3: fetch_with_retries


async def starter_fetch_with_retries(session, url, attempts=3, attempt_timeout=0.32, backoff=0.05):
    """GET url and return its JSON; retry 5xx answers and timeouts, up to `attempts` tries."""
    ...  # your code: start from get_with_retries above


async def retries_everything(session, url, attempts=3, attempt_timeout=0.32, backoff=0.05):
    """The notebook's get_with_retries: any ClientError is retried, and no timeout of its own."""
    for attempt in range(1, attempts + 1):
        try:
            async with session.get(url) as response:
                response.raise_for_status()
                return await response.json()
        except (aiohttp.ClientError, TimeoutError):
            if attempt == attempts:
                raise
            await asyncio.sleep(backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))


async def no_jitter(session, url, attempts=3, attempt_timeout=0.32, backoff=0.05):
    for attempt in range(1, attempts + 1):
        try:
            async with asyncio.timeout(attempt_timeout), session.get(url) as response:
                response.raise_for_status()
                return await response.json()
        except aiohttp.ClientResponseError as exc:
            if exc.status < 500 or attempt == attempts:
                raise
        except TimeoutError:
            if attempt == attempts:
                raise
        await asyncio.sleep(backoff * 2 ** (attempt - 1))  # every client waits exactly as long


async def swallows_the_last_error(session, url, attempts=3, attempt_timeout=0.32, backoff=0.05):
    for attempt in range(1, attempts + 1):
        try:
            async with asyncio.timeout(attempt_timeout), session.get(url) as response:
                response.raise_for_status()
                return await response.json()
        except aiohttp.ClientResponseError as exc:
            if exc.status < 500:
                raise
        except TimeoutError:
            pass
        await asyncio.sleep(backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))
    return None  # gave up, quietly: the request is lost


def test_fetch_with_retries_reference_passes():
    ns = checks.load_solution("05", "fetch_with_retries")
    fb = asyncio.run(check.fetch_with_retries(ns["fetch_with_retries"]))
    assert fb.status == "passed", fb
    assert "all 100 requests ended once" in fb.text


def test_fetch_with_retries_starter_is_not_started():
    fb = asyncio.run(check.fetch_with_retries(starter_fetch_with_retries))
    assert fb.status == "not started", fb


def test_fetch_with_retries_rejects_retrying_a_404_and_no_timeout():
    fb = asyncio.run(check.fetch_with_retries(retries_everything))
    assert fb.status == "failed"
    assert any("a 404 was sent 3 times" in f for f in fb.failures), fb
    assert any("takes 0.5 s, with attempt_timeout=0.1 s" in f for f in fb.failures), fb


def test_fetch_with_retries_rejects_a_backoff_without_jitter():
    fb = asyncio.run(check.fetch_with_retries(no_jitter))
    assert fb.failures and all("add random jitter" in f for f in fb.failures), fb


def test_fetch_with_retries_rejects_a_lost_request():
    fb = asyncio.run(check.fetch_with_retries(swallows_the_last_error))
    assert any("ended with None, neither an answer nor an error" in f for f in fb.failures), fb
    assert any("URL that always answers 503 it returned None" in f for f in fb.failures), fb
    assert any("then it returned None; when it gives up, it should raise" in f for f in fb.failures), fb


def test_fetch_with_retries_reports_a_wrong_signature_in_one_line():
    async def two_args(session, url):
        async with session.get(url) as response:
            return await response.json()

    fb = asyncio.run(check.fetch_with_retries(two_args))
    assert len(fb.failures) == 1, fb
    assert "raised TypeError" in fb.failures[0] and "unexpected keyword argument 'attempts'" in fb.failures[0]


# ---------------------------------------------------------------- with COURSE_BASE_URL: no counters


async def answers_reversed(urls):
    async with aiohttp.ClientSession() as session:

        async def fetch(url):
            async with session.get(url) as response:
                return await response.json()

        return list(reversed(await asyncio.gather(*(fetch(url) for url in urls))))


def test_strict_download_remote_verdicts(remote):
    fb = asyncio.run(check.strict_download(_reference(), DownloadFailed))
    assert fb.status == "passed", fb
    fb = asyncio.run(check.strict_download(answers_reversed, DownloadFailed))
    assert fb.status == "failed" and any("out of order" in f for f in fb.failures), fb


def test_polite_download_remote_verdicts(remote):
    ns = checks.load_solution("05", "polite_download")
    fb = asyncio.run(check.polite_download(ns["polite_download"]))
    assert fb.status == "passed", fb
    assert "not measurable" in fb.text and "N × latency / limit" in fb.text, fb
    assert asyncio.run(check.polite_download(starter_polite_download)).status == "not started"


def test_polite_download_remote_fails_all_at_once_by_its_time(distant):
    """Without counters, all at once is told by its time: under half what 10 at a time needs. On a
    server as far away as httpbin.org (10 rounds of 200 ms against one), so that a crowded machine's
    CPU cannot make up the difference (400 requests on a 27 ms round trip passed under 6 busy loops)."""
    fb = asyncio.run(check.polite_download(semaphore_per_request))
    assert fb.status == "failed"
    assert any("more than 10 requests were in flight" in f for f in fb.failures), fb


def test_fetch_with_retries_remote_verdicts(remote):
    ns = checks.load_solution("05", "fetch_with_retries")
    fb = asyncio.run(check.fetch_with_retries(ns["fetch_with_retries"]))
    assert fb.status == "passed", fb
    assert "all 100 requests ended once" in fb.text and "not measurable" in fb.text, fb
    assert "/status/503" in fb.text, fb  # the stand-ins for the faults this server does not inject
    fb = asyncio.run(check.fetch_with_retries(retries_everything))  # attempts counted by the client
    assert any("a 404 was sent 3 times" in f for f in fb.failures), fb
    fb = asyncio.run(check.fetch_with_retries(swallows_the_last_error))
    assert any("ended with None, neither an answer nor an error" in f for f in fb.failures), fb
