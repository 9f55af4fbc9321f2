"""Checkers of notebook 16 (showdown): a pool of 20 threads, 500 connections, httpx keeping its connections.

Each checker runs the learner's code against the exercises' lab server
(``start_server(latency=0.05)``, the first comparison's) and judges it by the
server's counters: requests in flight at once, TCP connections opened. With
``COURSE_BASE_URL`` set, that server keeps no counters: the checkers judge the
answers, their order and the time against its measured round trip, say which
counter they could not read, and count exercise 3's connections at this end.

Exercise 2 holds 500 connections open at once, on both ends: :func:`helpers.lab.start_server`
and the lab server raise their open-file limits to 4,096 first (macOS allows 256 by
default). On Windows, sockets are not files and the kernel's loop (ipykernel 7) is
asyncio's proactor, which has no cap; a ``SelectorEventLoop`` there would stop at 512.

>>> check.pool_of_20(pool_of_20)                 # doctest: +SKIP
>>> await check.aiohttp_500(aiohttp_500)         # doctest: +SKIP
>>> await check.make_client(make_client)         # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import inspect
import math

from helpers.checks import (
    Attempt,
    Feedback,
    attempt,
    attempt_async,
    check_answers,
    check_connections,
    check_peak,
    check_time,
    describe_error,
    is_stub,
    unmeasured,
)
from helpers.i18n import N_, _
from helpers.platforms import open_file_limit

NOTEBOOK = "16"

LATENCY = 0.05  # the exercises' lab server: start_server(latency=0.05), as in the starter cells


def solution(name: str):
    """The solution to exercise ``name`` of this notebook, folded away."""
    from helpers import checks

    return checks.solution(NOTEBOOK, name)


def _server():
    from helpers import start_server

    server = start_server(latency=LATENCY)
    server.reset_stats()
    return server


def _sockets_to(url: str):
    """A function counting this process's established TCP connections to ``url``'s host and port,
    leaving out those already open when it was made (another session's, for instance).

    What a server without counters cannot tell: the connections a client holds, seen at this end.
    """
    import socket
    from urllib.parse import urlsplit

    import psutil

    parts = urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    addresses = {info[4][0] for info in socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)}
    me = psutil.Process()
    listing = getattr(me, "net_connections", None) or me.connections  # psutil < 6 names it connections

    def established() -> set[tuple]:  # the local ends of the connections to the server
        return {
            tuple(c.laddr)
            for c in listing("tcp")
            if c.status == psutil.CONN_ESTABLISHED and c.raddr and tuple(c.raddr)[:2] in addresses_ports
        }

    addresses_ports = {(address, port) for address in addresses}
    before = established()
    return lambda: len(established() - before)


class _PeakSockets:
    """``with _PeakSockets(url) as seen:`` samples :func:`_sockets_to` in a thread; ``seen.peak``."""

    def __init__(self, url: str, every: float = 0.01):
        import threading

        self.count, self.every, self.peak = _sockets_to(url), every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="check-sockets", daemon=True)

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self.count())
            if self._stop.wait(self.every):
                return

    def __enter__(self) -> _PeakSockets:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _root_error(error: BaseException | None) -> BaseException | None:
    """The first real error inside exception groups and ``raise ... from`` chains' outermost layer."""
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    return error


def _why(result: Attempt, timeout: float | None = None) -> str:
    error = _root_error(result.error)
    if error is not None and error is not result.error:
        return _("raised {error}", error=describe_error(error))
    return result.describe(timeout)


def _queries(n: int) -> list[str]:
    return [str(i) for i in range(n)]


# --- exercise 1: a pool of 20 threads -----------------------------------------------------------


def pool_of_20(fn, *, n: int = 100, workers: int = 20) -> Feedback:
    """Check ``fn(url, n)``: the n answers in order, exactly ``workers`` requests in flight at once.

    The check calls ``pool_of_20(server.url, 100)`` and verifies: the 100
    answers (``response.json()``) came back, in order; the server saw exactly
    20 requests in flight at its peak (never more: 20 threads; not fewer: all
    20 used); and it took at most 2.5 × 5 round trips (100 requests, 20 at a
    time, is 5 round trips; one at a time would be 100).
    """
    fb = Feedback(_("Exercise 1 · pool_of_20"))
    if is_stub(fn):
        return fb.not_started(
            _(
                'Write `def pool_of_20(url, n)` in the cell above: n GETs of f"{url}/get?{i}" on '
                "a pool of 20 threads, returning the n answers (response.json()) in order.",
            )
        )
    server = _server()
    result = attempt(fn, server.url, n, timeout=30)
    if result.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in pool_of_20 with your code.",
            )
        )
    if not result.ok:
        fb.fail(_("pool_of_20(url, {n}) {why}", n=n, why=_why(result, 30)))
        return fb.hint(
            _(
                "ThreadPoolExecutor(max_workers=20) and its map(get_one, range(n)), as in notebook 02.",
            )
        )
    stats = server.stats(note=False)
    if not check_answers(fb, result.value, _queries(n)):
        fb.hint(
            _(
                "Return a list of response.json(), one per i in range(n): pool.map keeps the order.",
            )
        )
    if not check_peak(fb, stats, workers, exactly=True):
        fb.hint(
            _(
                "ThreadPoolExecutor(max_workers={workers}): {workers} threads, so {workers} "
                "requests at a time (without max_workers, a pool has min(32, CPUs + 4) threads).",
                workers=workers,
            )
        )
    rounds = math.ceil(n / workers)
    # requests.get opens a connection per request: on a far server that costs more than a round trip
    ideal, what = rounds * server.cold_latency, _("{rounds} round trips", rounds=rounds)
    check_time(fb, result.elapsed, ideal, factor=2.5, what=what, stall=stats)
    return fb


# --- exercise 2: up to 500 connections ----------------------------------------------------------


async def aiohttp_500(fn, *, n: int = 1000, limit: int = 500) -> Feedback:
    """Check ``fn(url, n)``: the n answers in order, more than 100 and at most 500 requests in flight.

    The check calls ``await aiohttp_500(server.url, 1000)`` and verifies: the
    1,000 answers came back, in order; the server saw more than 100 requests
    in flight at once (the default ``TCPConnector`` stops at 100), and at most
    500; at most 500 TCP connections carried them (one session, its
    connections reused). The time is reported beside ⌈1000 / 500⌉ round trips.
    """
    fb = Feedback(_("Exercise 2 · aiohttp_500"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write `async def aiohttp_500(url, n)` in the cell above: n GETs of "
                'f"{url}/get?{i}" over one ClientSession with '
                "connector=aiohttp.TCPConnector(limit=500); return the n answers in order.",
            )
        )
    server = _server()
    with _PeakSockets(server.url) if not server.has_stats else contextlib.nullcontext() as seen:
        result = await attempt_async(fn, server.url, n, timeout=60)
    if result.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in aiohttp_500 with your code.",
            )
        )
    if not result.ok:
        fb.fail(_("aiohttp_500(url, {n}) {why}", n=n, why=_why(result, 60)))
        error = _root_error(result.error)
        while error is not None and not isinstance(error, OSError):
            error = error.__cause__ or error.__context__
        if isinstance(error, OSError) and error.errno == errno.EMFILE:
            fb.hint(
                _(
                    "Too many open files: this kernel may open {open_file_limit} files, sockets "
                    "included, and its hard limit allows no more. Start Jupyter from a shell with a "
                    "higher limit (`ulimit -n 4096` first), or try limit=200.",
                    open_file_limit=open_file_limit(),
                )
            )
        else:
            fb.hint(
                _(
                    "Start from asyncio_gather (printed at the top); give the session its own connector.",
                )
            )
        return fb
    stats = server.stats(note=False)
    if not check_answers(fb, result.value, _queries(n)):
        fb.hint(
            _(
                "asyncio.gather keeps the order; return await response.json() for each.",
            )
        )
    peak = stats["peak_in_flight"]
    if unmeasured(fb, stats, "peak_in_flight", N_("requests in flight at the server")):
        # each request in flight holds one connection: count them at this end instead
        peak = seen.peak
        fb.note(
            _(
                "counted at this end instead: at most {peak} open connections to the server at once",
                peak=peak,
            )
        )
    if peak <= 100:
        fb.fail(
            _(
                "at most {peak} requests were in flight at once: the default connector's limit "
                "is 100; with limit=500, hundreds go at once",
                peak=peak,
            )
        )
        fb.hint(
            _(
                "ClientSession(connector=aiohttp.TCPConnector(limit=500)): the connector sets the limit.",
            )
        )
    elif peak > limit:
        check_peak(fb, {"peak_in_flight": peak}, limit)  # says how many were in flight, and the limit
    else:
        fb.ok(
            _(
                "{peak} requests were in flight at once: more than the default connector's 100, "
                "at most {limit}",
                peak=peak,
                limit=limit,
            )
        )
    if not check_connections(fb, stats, limit, at_most=True):
        fb.hint(
            _(
                "One session for all the requests: a session per request opens a connection per request.",
            )
        )
    elif peak > limit:
        fb.hint(_("TCPConnector(limit=0) means no limit at all: use limit=500."))
    rounds, latency = math.ceil(n / limit), server.latency
    fb.note(
        _(
            "took {elapsed:.3f} s = {value:.1f} × {rounds} round trips ({value2:.2f} s, the "
            "limit with {limit} in flight; with 100 in flight it is {value3:.2f} s). What is "
            "left is CPU: the client's and the server's work per request.",
            elapsed=result.elapsed,
            value=result.elapsed / (rounds * latency),
            rounds=rounds,
            value2=rounds * latency,
            limit=limit,
            value3=math.ceil(n / 100) * latency,
        )
    )
    return fb


# --- exercise 3: httpx, keeping every connection ------------------------------------------------


WARM_DELAY = 0.5  # s: the first run asks /delay/0.5, so that all n requests are in flight at once


async def _httpx_second_run(client, url: str, n: int) -> tuple[list, int, int, int, float]:
    """n GETs that open n connections, then n more, timed.

    Returns the second run's answers and the connections it opened, the TCP connections the
    first run opened and how many of them were still open after it (what the
    client kept), and the second run's time. The first run asks ``/delay/0.5``:
    however slow the machine, all n requests are in flight at once, so the client
    opens n connections, and what it closes afterwards is its own choice (its
    keep-alive limit), not a matter of speed. (The second run, at the lab's 50 ms,
    does not get all n in flight on a busy machine: httpx spends CPU per request.)
    A server without counters: the connections are counted at this end (:func:`_sockets_to`).
    """
    import time

    from helpers import start_server

    async def get(i, path="/get"):
        response = await client.get(f"{url}{path}?{i}")
        return response.json()

    server = start_server(latency=LATENCY)
    if not server.has_stats:
        return await _httpx_runs_counted_here(get, url, n)
    server.reset_stats()
    await asyncio.gather(*(get(i, f"/delay/{WARM_DELAY}") for i in range(n)))
    opened, kept = await _opened_and_kept(server)
    server.reset_stats()
    start = time.perf_counter()
    answers = await asyncio.gather(*(get(i) for i in range(n)))
    elapsed = time.perf_counter() - start
    return answers, _new_connections(server.stats()), opened, kept, elapsed


async def _httpx_runs_counted_here(get, url: str, n: int) -> tuple[list, int, int, int, float]:
    """:func:`_httpx_second_run` on a server without counters: this process's sockets, counted."""
    import time

    with _PeakSockets(url) as first:
        await asyncio.gather(*(get(i, f"/delay/{WARM_DELAY}") for i in range(n)))
    kept = first.count()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:  # closed connections take a moment to go
        await asyncio.sleep(0.1)
        again = first.count()
        if again == kept:
            break
        kept = again
    start = time.perf_counter()
    with _PeakSockets(url, every=0.05) as second:  # counts only sockets the kept ones did not cover
        answers = await asyncio.gather(*(get(i) for i in range(n)))
    elapsed = time.perf_counter() - start
    return answers, second.peak, first.peak, kept, elapsed


def _new_connections(stats: dict) -> int:
    """TCP connections opened during a run: ``accepted`` less the one that asked for the stats."""
    return max(0, stats["accepted"] - 1)


async def _opened_and_kept(server) -> tuple[int, int]:
    """TCP connections the client opened since the last reset, and how many are still open.

    Both leave out the lab's own ``/stats`` connection. A connection the client closes
    reaches the server a moment later, so this waits until the count stops changing.
    """
    import time

    stats = server.stats()
    deadline = time.monotonic() + 1.0
    while time.monotonic() < deadline:
        await asyncio.sleep(0.1)  # the client's loop runs: it may still be closing connections
        again = server.stats()
        if again["open_connections"] == stats["open_connections"]:
            break
        stats = again
    return _new_connections(stats), max(0, stats["open_connections"] - 1)


async def make_client(fn, *, n: int = 100) -> Feedback:
    """Check ``fn()``: an ``httpx.AsyncClient`` that keeps all its connections between two runs.

    The check makes a client with ``make_client()`` and sends 100 GETs, all in
    flight at once (they ask ``/delay/0.5``), so the client opens 100 TCP
    connections; the server then counts how many of them the client kept open: a
    client that keeps every connection alive keeps all 100 (the default one keeps
    20). Then 100 more GETs, timed and counted. It does the same with a default
    ``httpx.AsyncClient()`` and reports both times: keeping every connection is
    not free (see the notebook's notes).
    """
    import httpx

    fb = Feedback(_("Exercise 3 · make_client"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write `def make_client()` in the cell above: return an httpx.AsyncClient whose "
                "limits=httpx.Limits(...) keep all 100 connections alive between runs.",
            )
        )
    made = attempt(fn)
    if made.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in make_client with your code.",
            )
        )
    if not made.ok:
        return fb.fail(_("make_client() {why}", why=_why(made)))
    client = made.value
    if inspect.iscoroutine(client):
        client.close()
        return fb.fail(
            _(
                "make_client must be a plain `def` that returns the client, not an `async def`",
            )
        )
    if not isinstance(client, httpx.AsyncClient):
        if isinstance(client, httpx.Client):
            client.close()
        fb.fail(
            _(
                "make_client() returned {name!s}, not an httpx.AsyncClient",
                name=type(client).__name__,
            )
        )
        return fb.hint(
            _(
                "return httpx.AsyncClient(limits=httpx.Limits(...)): the async client, with limits.",
            )
        )
    server = _server()

    async def runs():
        async with client:
            return await _httpx_second_run(client, server.url, n)

    result = await attempt_async(runs, timeout=60)
    if not result.ok:
        if not client.is_closed:
            await client.aclose()
        return fb.fail(_("the client made by make_client() {why}", why=_why(result, 60)))
    answers, new, opened, kept, elapsed = result.value
    check_answers(fb, answers, _queries(n))
    if not server.has_stats:
        fb.note(
            _(
                "open connections at the server: not measurable on this server (it keeps no counters)",
            )
        )
        fb.note(
            _(
                "so the connections below are this kernel's open sockets to it, counted at this end",
            )
        )
    if opened <= 20:
        fb.fail(
            _(
                "the first {n} GETs opened only {opened} TCP connections (all {n} should be in "
                "flight at once): the client limits them, or this machine is too busy to tell; "
                "run the check again",
                n=n,
                opened=opened,
            )
        )
        return fb.hint(
            _(
                "httpx.Limits(max_connections=...) caps how many connections are open at once.",
            )
        )
    if not fb.require(
        kept == opened,
        _(
            "after the first run the client kept all {opened} of its TCP connections open "
            "(the second run opened {new} new)",
            opened=opened,
            new=new,
        ),
        _(
            "after the first run the client kept {kept} of its {opened} TCP connections: it "
            "had closed {value}, so later requests must open new TCP connections",
            kept=kept,
            opened=opened,
            value=opened - kept,
        ),
    ):
        fb.hint(
            _(
                "httpx.Limits has two knobs: max_connections (how many at once) and "
                "max_keepalive_connections (how many it keeps, idle, for later: 20 by default).",
            )
        )
    default = await attempt_async(_default_run, server.url, n, timeout=60)
    if default.ok:
        d_opened, d_kept, d_elapsed = default.value
        fb.note(
            _(
                "the default client kept {d_kept} of its {d_opened} connections after the first run",
                d_kept=d_kept,
                d_opened=d_opened,
            )
        )
        fb.note(
            _(
                "the second run took {elapsed:.3f} s with your client, {d_elapsed:.3f} s with "
                "the default one",
                elapsed=elapsed,
                d_elapsed=d_elapsed,
            )
        )
        if new == 0 and elapsed > 1.5 * d_elapsed:
            fb.note(
                _(
                    "surprised? Keeping every connection made it slower, not faster: httpcore scans "
                    "its whole pool for each request (the notes of the first comparison). `%prun` "
                    "one run to see where.",
                )
            )
    return fb


async def _default_run(url: str, n: int) -> tuple[int, int, float]:
    import httpx

    async with httpx.AsyncClient() as client:
        _first, _second, opened, kept, elapsed = await _httpx_second_run(client, url, n)
    return opened, kept, elapsed


# --------------------------------------------------------------------------------------------
# Exercise 4: your code on the loop you choose (uvloop, where installed)


class _CheckLoop(asyncio.SelectorEventLoop):
    """A loop class of the check's own: the factory is judged even where uvloop is not installed."""


def _loop_factories() -> list[tuple[str, object, type | None]]:
    """(name, loop_factory, the class its loops are): None's is asyncio's default, whatever it is."""
    factories: list[tuple[str, object, type | None]] = [
        (_("asyncio's default loop (loop_factory=None)"), None, None)
    ]
    try:
        import uvloop
    except ImportError:  # no uvloop (Windows): the check's own class stands in for a loop of another kind
        pass
    else:
        factories.append(("uvloop.new_event_loop", uvloop.new_event_loop, uvloop.Loop))
    factories.append((_("a loop class of the check's own"), _CheckLoop, _CheckLoop))
    return factories


def _call_from_a_running_loop(fn, *args):
    """Call ``fn(*args)`` while this thread runs an event loop, as a notebook cell does."""

    async def inside():
        return fn(*args)

    return asyncio.run(inside())


def run_on_loop(fn, *, n: int = 20) -> Feedback:
    """Exercise 4: ``fn(main, urls, loop_factory)`` runs ``main(urls)`` on a fresh loop from ``loop_factory``.

    Called from a thread whose loop is running (as from a notebook cell), once per factory:
    asyncio's default (``None``), ``uvloop.new_event_loop`` where uvloop is installed, and a loop
    class of the check's own (so that the factory is judged everywhere). Judged: the ``n`` answers
    of ``main``, in order; the loop ``main`` ran on is the factory's; that loop is closed when
    ``fn`` returns; nothing raised because a loop was already running in the caller's thread.
    """
    fb = Feedback(_("Exercise 4 · your code, on the loop you choose"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write run_on_loop(main, urls, loop_factory): in a worker thread, `with "
                "asyncio.Runner(loop_factory=loop_factory) as runner: return "
                "runner.run(main(urls))`.",
            )
        )
    import aiohttp

    server = _server()
    urls = [f"{server.url}/get?{i}" for i in range(n)]
    for name, factory, kind_of_loop in _loop_factories():
        seen: dict[str, asyncio.AbstractEventLoop] = {}

        async def fetch_all(urls, seen=seen):
            seen["loop"] = asyncio.get_running_loop()
            async with aiohttp.ClientSession() as session:

                async def get(url):
                    async with session.get(url) as response:
                        return await response.json()

                return await asyncio.gather(*(get(url) for url in urls))

        created = []

        def main(urls, created=created, fetch_all=fetch_all):  # to the learner: an async function
            created.append(fetch_all(urls))
            return created[-1]

        run = attempt(_call_from_a_running_loop, fn, main, urls, factory, timeout=30)
        for coro in created:  # made but never run (asyncio.run refused it): no "never awaited" warning
            if inspect.getcoroutinestate(coro) == inspect.CORO_CREATED:
                coro.close()
        if not run.ok:
            if isinstance(run.error, RuntimeError) and "running event loop" in str(run.error):
                fb.fail(_("with {name}: {error}", name=name, error=describe_error(run.error)))
                return fb.hint(
                    _(
                        "A notebook cell's thread runs a loop already, so asyncio.run() refuses there: "
                        "run the new loop in a worker thread (a ThreadPoolExecutor(1), say).",
                    )
                )
            fb.fail(
                _(
                    "with {name}: run_on_loop {describe}",
                    name=name,
                    describe=run.describe(30),
                )
            )
            return fb.hint(_("Return what runner.run(main(urls)) returns."))
        if not check_answers(fb, run.value, [str(i) for i in range(n)]):
            return fb.hint(_("Return main(urls)'s value, as it is: the answers, in order."))
        loop = seen.get("loop")
        kind = type(loop).__name__ if loop is not None else "no loop (main never ran)"  # said apart below
        if kind_of_loop is None:  # asyncio's default: not one of the others
            others = tuple(k for _name, _factory, k in _loop_factories() if k is not None)
            right = loop is not None and not isinstance(loop, others)
        else:
            right = isinstance(loop, kind_of_loop)
        if not fb.require(
            right,
            _("with {name}: main ran on a {kind}", name=name, kind=kind),
            _(
                "with {name}: main ran on a {kind}, not the factory's",
                name=name,
                kind=kind,
            )
            if loop is not None
            else _("with {name}: main ran on a no loop (main never ran), not the factory's", name=name),
        ):
            return fb.hint(_("Pass the factory on: asyncio.Runner(loop_factory=loop_factory)."))
        fb.require(
            loop.is_closed(),
            _(
                "with {name}: the loop was closed when run_on_loop returned",
                name=name,
            ),
            _(
                "with {name}: the loop was still open when run_on_loop returned (it holds "
                "sockets): close it, or let `with asyncio.Runner(...)` do it",
                name=name,
            ),
        )
        if not loop.is_closed():  # the check closes it: a loop left open warns when collected
            loop.close()
    return fb
