"""The checkers of notebook 10's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

import asyncio

import aiohttp

from helpers import checks
from helpers.exercises import nb10 as check

# ---------------------------------------------------------------- exercise 1: items


async def starter_items(session, url, total, per_page):
    """Yield 0, 1, ..., total - 1; fetch page k (GET url?page=k) when its first item is wanted."""
    raise NotImplementedError  # your code: a loop over pages, an await, a yield per item
    yield  # (a yield anywhere makes this an async generator)


async def _page(session, url, k):
    async with session.get(url, params={"page": k}) as response:
        return int((await response.json())["args"]["page"])


async def eager_items(session, url, total, per_page):
    firsts = [await _page(session, url, k) * per_page for k in range(-(-total // per_page))]  # all pages
    for first in firsts:
        for item in range(first, min(first + per_page, total)):
            yield item


async def item_per_request(session, url, total, per_page):
    for item in range(total):
        await _page(session, url, item // per_page)  # a GET for every item, not every page
        yield item


async def prefetching_items(session, url, total, per_page):
    pages = -(-total // per_page)
    first = await _page(session, url, 0) * per_page
    for k in range(pages):
        following = await _page(session, url, k + 1) * per_page if k + 1 < pages else None  # too early
        for item in range(first, min(first + per_page, total)):
            yield item
        first = following


async def returns_a_list(session, url, total, per_page):
    return [item async for item in eager_items(session, url, total, per_page)]


async def never_ends(session, url, total, per_page):
    k = 0
    while True:  # forgot the last page
        first = await _page(session, url, k) * per_page
        for item in range(first, first + per_page):
            yield item
        k += 1


def test_items_reference_passes():
    fb = asyncio.run(check.items(checks.load_solution("10", "items")["items"]))
    assert fb.status == "passed", fb
    assert "the server counted 2 requests for 6 items" in fb.text, fb


def test_items_starter_is_not_started():
    assert asyncio.run(check.items(starter_items)).status == "not started"
    assert asyncio.run(check.items(None)).status == "not started"


def test_items_rejects_eager_and_prefetching_versions():
    for wrong, count in ((eager_items, 4), (prefetching_items, 3), (item_per_request, 6)):
        fb = asyncio.run(check.items(wrong))
        assert fb.status == "failed", (wrong.__name__, fb)
        assert any(f"the server counted {count} requests for 6 items" in f for f in fb.failures), fb


def test_items_rejects_a_coroutine_and_an_endless_generator():
    fb = asyncio.run(check.items(returns_a_list))
    assert fb.failures == [
        "items is an async def without yield: it should be an async generator (async def with yield)"
    ]
    fb = asyncio.run(check.items(never_ends))
    assert fb.status == "failed"
    assert any("expected 0 to 9, then the end" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 2: LabSession


class StarterLabSession:
    """async with LabSession() as session: an aiohttp.ClientSession, always closed on the way out."""

    async def __aenter__(self):
        raise NotImplementedError  # your code: create the session, keep it, return it

    async def __aexit__(self, exc_type, exc, tb):
        raise NotImplementedError  # your code: close it (awaiting); do not swallow exceptions


class Swallows:
    async def __aenter__(self):
        self.session = aiohttp.ClientSession()
        return self.session

    async def __aexit__(self, exc_type, exc, tb):
        await self.session.close()
        return True  # swallows every exception


class ForgetsAwait:
    async def __aenter__(self):
        self.session = aiohttp.ClientSession()
        return self.session

    async def __aexit__(self, exc_type, exc, tb):
        self.session.close()  # noqa: RUF006 - the mistake: a coroutine, never awaited


class ReturnsSelf:
    async def __aenter__(self):
        self.session = aiohttp.ClientSession()
        return self  # `as` gets the LabSession, not the ClientSession

    async def __aexit__(self, exc_type, exc, tb):
        await self.session.close()


class ClosesOnlyWithoutError:
    async def __aenter__(self):
        self.session = aiohttp.ClientSession()
        return self.session

    async def __aexit__(self, exc_type, exc, tb):
        if exc_type is None:  # the mistake: an error leaves the session open
            await self.session.close()


def test_lab_session_reference_passes():
    fb = asyncio.run(check.LabSession(checks.load_solution("10", "LabSession")["LabSession"]))
    assert fb.status == "passed", fb
    assert "after a timeout in the block: the server holds no connection open" in fb.text, fb


def test_lab_session_starter_is_not_started():
    assert asyncio.run(check.LabSession(StarterLabSession)).status == "not started"
    assert asyncio.run(check.LabSession(None)).status == "not started"


def test_lab_session_rejects_the_mistakes():
    fb = asyncio.run(check.LabSession(Swallows))
    assert "the exception raised inside the block did not come out: __aexit__ swallowed it" in fb.failures, fb
    fb = asyncio.run(check.LabSession(ForgetsAwait))
    assert "after a request: the session was still open" in fb.failures, fb
    assert any("never awaited" in f for f in fb.failures), fb
    fb = asyncio.run(check.LabSession(ReturnsSelf))
    assert any("session.get raised AttributeError" in f for f in fb.failures), fb
    fb = asyncio.run(check.LabSession(ClosesOnlyWithoutError))
    assert "after an exception in the block: the session was still open" in fb.failures, fb


# ---------------------------------------------------------------- with COURSE_BASE_URL: no counters


def test_items_remote_verdicts(remote):
    fb = asyncio.run(check.items(checks.load_solution("10", "items")["items"]))
    assert fb.status == "passed", fb
    assert "not measurable" in fb.text and "the session sent 2 requests for 6 items" in fb.text, fb
    fb = asyncio.run(check.items(eager_items))  # counted where the check's session sends them
    assert any("the session sent 4 requests for 6 items" in f for f in fb.failures), fb


def test_lab_session_remote_verdicts(remote):
    fb = asyncio.run(check.LabSession(checks.load_solution("10", "LabSession")["LabSession"]))
    assert fb.status == "passed", fb
    assert "open connections at the server: not measurable" in fb.text, fb
    fb = asyncio.run(check.LabSession(ClosesOnlyWithoutError))
    assert "after an exception in the block: the session was still open" in fb.failures, fb
