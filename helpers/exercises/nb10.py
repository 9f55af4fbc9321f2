"""Checkers for the exercises of notebook 10 · Async iterators and context managers.

1. ``items`` (main): an async generator that yields items one by one and fetches
   a page only when its first item is wanted; judged by the number of requests
   (the lab server's count, and the check's own session's count).
2. ``LabSession`` (main): an async context manager class whose ``__aexit__``
   always closes its ``aiohttp.ClientSession`` and never swallows an exception;
   judged by ``session.closed`` and the connections the lab server holds open.

With ``COURSE_BASE_URL`` set (a server without counters), the checks count the
requests where the check's session sends them, judge closing by
``session.closed``, and say which counter they could not read.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import inspect
import warnings

from helpers import checks
from helpers.checks import Feedback, attempt_async, describe_error, is_stub
from helpers.i18n import N_, _
from helpers.lab import measurable, start_server

NOTEBOOK = "10"
LATENCY = 0.1  # the notebook's lab server
TOTAL, PER_PAGE, TAKE = 10, 3, 6  # exercise 1: take 6 of 10 items, 3 a page: pages 0 and 1
TIMEOUT = 30.0  # seconds before a check gives up on the learner's code


def solution(name: str):
    """The solution to exercise ``name``, folded away until the reader opens it."""
    return checks.solution(NOTEBOOK, name)


async def _stats(server) -> dict:
    """The server's counters (each ``n/a`` on a server that keeps none), without a printed note."""
    return await asyncio.to_thread(server.stats, note=False)


async def _reset(server) -> None:
    await asyncio.to_thread(server.reset_stats)


def _pages_needed(take: int, per_page: int) -> int:
    return -(-take // per_page)  # ceil


# ---------------------------------------------------------------- exercise 1: items


def _counting_session():
    """An aiohttp session that counts the requests it sends (any server), and the pages asked for."""
    import aiohttp

    sent: list[str] = []

    async def on_request_start(session, context, params):
        sent.append(params.url.query.get("page", "?"))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_request_start)
    return aiohttp.ClientSession(trace_configs=[trace]), sent


async def _take(fn, url: str, total: int, per_page: int, take: int | None):
    """Run ``fn`` as an async generator, take ``take`` items (all if None); close it. Returns
    (items, pages requested by the session, requests counted by the server)."""
    session, sent = _counting_session()
    got: list = []
    try:
        gen = fn(session, url, total, per_page)
        if not hasattr(gen, "__aiter__"):
            if inspect.iscoroutine(gen):
                gen.close()  # not run: no "never awaited" warning
            raise TypeError(_("items(...) returned a {name}, not an async iterator", name=type(gen).__name__))
        closing = contextlib.aclosing(gen) if hasattr(gen, "aclose") else contextlib.nullcontext(gen)
        async with closing as items:
            async for item in items:
                got.append(item)
                if take is not None and len(got) >= take:
                    break
                if len(got) > total + 5:  # a generator that never ends
                    break
    finally:
        await session.close()
    return got, sent


async def items(fn) -> Feedback:
    """Exercise 1: ``fn(session, url, total, per_page)`` yields 0..total-1, fetching page k lazily."""
    fb = Feedback(_("Exercise 1 · items, a page at a time"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write items(session, url, total, per_page) in the starter cell: for each page "
                "k, await one GET of url?page=k, then yield its items one by one.",
            )
        )
    if inspect.iscoroutinefunction(fn) or not inspect.isasyncgenfunction(fn):
        kind = _("an async def without yield") if inspect.iscoroutinefunction(fn) else _("not an async def")
        fb.fail(
            _(
                "items is {kind}: it should be an async generator (async def with yield)",
                kind=kind,
            )
        )
        return fb.hint(_("Yield each item in turn; do not build and return a list."))
    server = start_server(latency=LATENCY)
    url = f"{server.url}/get"
    expected_pages = _pages_needed(TAKE, PER_PAGE)
    await _reset(server)
    run = await attempt_async(_take, fn, url, TOTAL, PER_PAGE, TAKE, timeout=TIMEOUT)
    if not run.ok:
        fb.fail(
            _(
                "taking {TAKE} items of items(session, url, {TOTAL}, {PER_PAGE}) {describe}",
                TAKE=TAKE,
                TOTAL=TOTAL,
                PER_PAGE=PER_PAGE,
                describe=run.describe(TIMEOUT),
            )
        )
        return fb.hint(
            _(
                "Fetch a page with `async with session.get(url, params={'page': k})`.",
            )
        )
    got, sent = run.value
    counted = (await _stats(server))["requests"]
    want = list(range(TAKE))
    if not fb.require(
        got == want,
        _("the first {TAKE} items were {got}", TAKE=TAKE, got=got),
        _(
            "the first {TAKE} items were {got}; expected {want}",
            TAKE=TAKE,
            got=got[:12],
            want=want,
        ),
    ):
        fb.hint(
            _(
                "Page k holds the items k * per_page, k * per_page + 1, ... (fewer on the last page).",
            )
        )
    _judge_requests(
        fb,
        counted,
        sent,
        expected_pages,
        _("for {TAKE} items, {PER_PAGE} a page", TAKE=TAKE, PER_PAGE=PER_PAGE),
    )
    if fb.failures:
        return fb
    await _reset(server)
    run = await attempt_async(_take, fn, url, TOTAL, PER_PAGE, None, timeout=TIMEOUT)
    if not run.ok:
        fb.fail(
            _(
                "taking every item of items(session, url, {TOTAL}, {PER_PAGE}) {describe}",
                TOTAL=TOTAL,
                PER_PAGE=PER_PAGE,
                describe=run.describe(TIMEOUT),
            )
        )
        return fb
    got, sent = run.value
    counted = (await _stats(server))["requests"]
    fb.require(
        got == list(range(TOTAL)),
        _("all {TOTAL} items, and then the generator ended", TOTAL=TOTAL),
        _(
            "all of it gave {got}{value}; expected 0 to {value2}, then the end",
            got=got[:14],
            value=" …" if len(got) > 14 else "",
            value2=TOTAL - 1,
        ),
    )
    _judge_requests(
        fb, counted, sent, _pages_needed(TOTAL, PER_PAGE), _("for all {TOTAL} items", TOTAL=TOTAL)
    )
    return fb


def _judge_requests(fb: Feedback, counted, sent: list[str], needed: int, what: str) -> None:
    if not measurable(counted):
        fb.note(
            _(
                "requests at the server: not measurable on this server (it keeps no counters)",
            )
        )
        counted, by = len(sent), _("the session sent")
    else:
        by = _("the server counted")
    if counted == needed:
        fb.ok(
            _(
                "{by} {counted} requests {what}: exactly the {needed} pages needed",
                by=by,
                counted=counted,
                what=what,
                needed=needed,
            )
        )
    elif counted > needed:
        fb.fail(
            _(
                "{by} {counted} requests {what}; {needed} pages hold them: items fetched pages "
                "before they were needed (pages asked for: {join})",
                by=by,
                counted=counted,
                what=what,
                needed=needed,
                join=", ".join(sent[:12]),
            )
        )
        fb.hint(
            _(
                "Fetch page k only when the consumer asks for its first item: await inside the loop.",
            )
        )
    else:
        fb.fail(
            _(
                "{by} {counted} requests {what}; {needed} pages hold them",
                by=by,
                counted=counted,
                what=what,
                needed=needed,
            )
        )


# ---------------------------------------------------------------- exercise 2: LabSession


class _Boom(Exception):
    """Raised inside the learner's async with block by the check."""


async def _open_connections(server, within: float = 1.5):
    """The connections the lab server holds open, besides the one asking (``/stats``), after
    waiting up to ``within`` s for closed ones to go (an abandoned ``/delay`` ends first)."""
    deadline = asyncio.get_running_loop().time() + within
    while True:
        held = (await _stats(server))["open_connections"] - 1  # n/a stays n/a
        if not (measurable(held) and held) or asyncio.get_running_loop().time() > deadline:
            return held
        await asyncio.sleep(0.05)


async def _use(cls, server, inside: str):
    """One ``async with cls() as session`` block doing ``inside``; returns (session, error out)."""
    seen = {}
    try:
        async with cls() as session:
            seen["session"] = session
            async with session.get(f"{server.url}/get", params={"check": inside}) as response:
                await response.read()
            if inside == "error":
                raise _Boom("raised inside the block by the check")
            if inside == "timeout":
                async with asyncio.timeout(0.2):
                    async with session.get(f"{server.url}/delay/0.6") as response:
                        await response.read()
    except (_Boom, TimeoutError) as exc:
        return seen.get("session"), exc
    return seen.get("session"), None


async def LabSession(cls) -> Feedback:  # noqa: N802 - named after the class the learner writes
    """Exercise 2: ``async with cls() as session`` gives a ClientSession, always closed, errors kept."""
    fb = Feedback(_("Exercise 2 · LabSession, always closed"))
    if cls is None or is_stub(getattr(cls, "__aenter__", None)) or is_stub(getattr(cls, "__aexit__", None)):
        return fb.not_started(
            _(
                "Write LabSession's __aenter__ (create an aiohttp.ClientSession, keep it on "
                "self, return it) and __aexit__ (await its close(); return None or False).",
            )
        )
    server = start_server(latency=LATENCY)
    sessions = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            for inside in ("requests", "error", "timeout"):
                if not await _case(fb, cls, server, inside, sessions):
                    break
        finally:
            for session in sessions:  # never leave a learner's session open
                close = getattr(session, "close", None)
                if not getattr(session, "closed", True) and close is not None:
                    with contextlib.suppress(Exception):
                        await close()
            gc.collect()
    never_awaited = [w for w in caught if "never awaited" in str(w.message)]
    if never_awaited:
        fb.fail(_("Python warned: {message}", message=never_awaited[0].message))
        fb.hint(_("session.close() is a coroutine: `await self.session.close()`."))
    return fb


async def _case(fb: Feedback, cls, server, inside: str, sessions: list) -> bool:
    what, during = {  # during: the same, as said of a block that failed
        "requests": (N_("after a request"), N_("with a request")),
        "error": (N_("after an exception in the block"), N_("with an exception in the block")),
        "timeout": (N_("after a timeout in the block"), N_("with a timeout in the block")),
    }[inside]
    what = _(what)
    await _reset(server)
    run = await attempt_async(_use, cls, server, inside, timeout=TIMEOUT)
    if not run.ok:
        session = None
        err = run.error
        if isinstance(err, AttributeError) and "get" in str(err):
            fb.fail(
                _(
                    "inside `async with LabSession() as session`, session.get raised {err}",
                    err=describe_error(err),
                )
            )
            fb.hint(
                _(
                    "__aenter__ returns what `as` receives: return the ClientSession, not self.",
                )
            )
        else:
            fb.fail(
                _(
                    "`async with LabSession() as session` {during} {describe}",
                    during=_(during),
                    describe=run.describe(TIMEOUT),
                )
            )
        return False
    session, error = run.value
    sessions.append(session)
    import aiohttp

    if not isinstance(session, aiohttp.ClientSession):
        fb.fail(
            _(
                "`as` received a {name}, not an aiohttp.ClientSession",
                name=type(session).__name__,
            )
        )
        fb.hint(
            _(
                "__aenter__ returns what `as` receives: return the ClientSession, not self.",
            )
        )
        return False
    if inside != "requests":
        kind = _("the exception") if inside == "error" else _("the TimeoutError")
        if not fb.require(
            error is not None,
            _("{kind} came out of the block", kind=kind),
            _(
                "{kind} raised inside the block did not come out: __aexit__ swallowed it",
                kind=kind,
            ),
        ):
            fb.hint(
                _(
                    "__aexit__ swallows the exception when it returns a true value: return None or False.",
                )
            )
    closed = bool(getattr(session, "closed", False))
    open_at_server = await _open_connections(server, within=1.5 if closed else 0.0)
    if not fb.require(
        closed, _("{what}: session closed", what=what), _("{what}: the session was still open", what=what)
    ):
        fb.hint(
            _(
                "__aexit__ runs on every way out of the block: close the session there, with await.",
            )
        )
        return False
    if not measurable(open_at_server):
        fb.note(
            _(
                "open connections at the server: not measurable on this server (it keeps no counters)",
            )
        )
    else:
        fb.require(
            open_at_server == 0,
            _("{what}: the server holds no connection open", what=what),
            _(
                "{what}: the server still holds {open_at_server} connection(s) open",
                what=what,
                open_at_server=open_at_server,
            ),
        )
    return True
