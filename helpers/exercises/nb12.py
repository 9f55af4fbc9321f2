"""Checkers for the exercises of notebook 12 · Build a tiny event loop.

The exercises run on the tiny event loop the notebook builds (generator tasks
that yield traps: a bare ``yield``, ``("sleep", s)``, ``("read", sock)``,
``("write", sock)``). A check cell passes the notebook's own ``EventLoop``
class, so the learner's tasks run on the learner's loop:

1. :func:`ticker` (warm-up): a heartbeat task that keeps ticking while 20
   requests are in flight, without blocking the loop.
2. :func:`workers` (main): ``LIMIT`` workers share one deque of queries; the
   server sees exactly ``LIMIT`` requests in flight, and every query answered.

With ``COURSE_BASE_URL`` set, the server keeps no counters: the checkers judge
the answers, the traps and the time against its measured round trip, and say
which part (requests, requests in flight) they could not verify.
3. :func:`fetch_async` (stretch): ``fetch`` as an ``async def`` that awaits
   ``Trap`` objects; 100 of them in flight at once on the tiny loop.

The checkers wrap every task in a guard that passes its traps through, times
its steps and stops the run after a deadline, so a task that never ends
cannot hang the kernel. Below them is a compact copy of the notebook's tiny
loop (``Trap``, ``sleep``, ``EventLoop``, ``fetch``): the solutions import
what they need from it, and the tests run on it.
"""

from __future__ import annotations

import contextlib
import errno
import heapq
import inspect
import io
import math
import os
import selectors
import socket
import time
from collections import deque
from urllib.parse import urlsplit

from helpers import checks
from helpers.checks import Feedback, attempt, check_peak, check_time, describe_error, is_stub, unmeasured
from helpers.i18n import N_, _
from helpers.lab import ENV_BASE_URL, current_server, start_server
from helpers.timing import format_seconds

NOTEBOOK = "12"
LATENCY = 0.1  # the notebook's lab server: start_server(latency=LATENCY)


def solution(name: str):
    """The solution to exercise ``name`` of this notebook, shown folded away."""
    return checks.solution(NOTEBOOK, name)


# ---------------------------------------------------------------- running tasks under watch


class _Overdue(Exception):
    """Raised inside the tiny loop by a guarded task once the run's deadline has passed."""


class _Probe:
    """What one guarded task did: when it first ran and ended, its time in steps, its traps."""

    def __init__(self):
        self.first = self.end = None
        self.busy = 0.0
        self.traps = 0
        self.done = False
        self.value = None


def _guarded(task, probe: _Probe, deadline: float):
    """A generator task that steps ``task`` (a generator or coroutine), passing its traps through."""
    try:
        while True:
            if time.monotonic() > deadline:
                raise _Overdue()
            start = time.perf_counter()
            if probe.first is None:
                probe.first = start
            try:
                trap = task.send(None)
            except StopIteration as stop:
                probe.end, probe.done, probe.value = time.perf_counter(), True, stop.value
                probe.busy += probe.end - start
                return stop.value
            probe.busy += time.perf_counter() - start
            probe.traps += trap is not None
            yield trap
    finally:
        task.close()


class _Run:
    """The outcome of running tasks on a tiny loop: probes, elapsed time, error or overrun."""

    def __init__(self, probes, elapsed, error=None, overdue=False):
        self.probes, self.elapsed, self.error, self.overdue = probes, elapsed, error, overdue

    @property
    def ok(self) -> bool:
        return self.error is None and not self.overdue

    def describe(self, timeout: float) -> str:
        if self.overdue:
            return _("did not finish within {timeout:g} s", timeout=timeout)
        return _("raised {error}", error=describe_error(self.error))


def _run_tiny(event_loop, tasks, timeout: float) -> _Run:
    """Run ``event_loop(*tasks).run()``, each task guarded; close every task afterwards."""
    probes = [_Probe() for _unused in tasks]
    deadline = time.monotonic() + timeout
    guards = [_guarded(task, probe, deadline) for task, probe in zip(tasks, probes, strict=True)]
    start = time.perf_counter()
    error, overdue = None, False
    try:
        event_loop(*guards).run()
    except _Overdue:
        overdue = True
    except Exception as exc:  # the learner's code (or loop): reported, not raised
        error = exc
    elapsed = time.perf_counter() - start
    for guard, task in zip(guards, tasks, strict=True):
        with contextlib.suppress(Exception):
            guard.close()
            task.close()  # a coroutine that never started would warn "never awaited"
    return _Run(probes, elapsed, error, overdue)


def _server():
    """The server the notebook's ``fetch`` talks to (its ``HOST`` and ``PORT`` point at it).

    With ``COURSE_BASE_URL`` set, that server (no counters, a measured latency); else the lab
    server this kernel runs, whatever its configuration, or the notebook's:
    ``start_server(latency=LATENCY)``.
    """
    if os.environ.get(ENV_BASE_URL, "").strip():
        return start_server(latency=LATENCY)
    return current_server() or start_server(latency=LATENCY)


def _make_tasks(fb: Feedback, fn, name: str, calls: list[tuple]):
    """``fn(*args)`` for each ``args`` in ``calls``, each checked to be a task (it has ``send``).

    Returns the tasks; or None after a failed line; or ``NotImplemented`` when
    ``fn`` raised NotImplementedError (an untouched starter).
    """
    tasks = []
    for args in calls:
        made = attempt(fn, *args)
        shown = f"{name}({', '.join(map(repr, args))})"
        if made.ok and callable(getattr(made.value, "send", None)):
            tasks.append(made.value)
            continue
        for task in tasks:
            task.close()
        if made.not_implemented:
            return NotImplemented
        if not made.ok:
            fb.fail(_("{shown} {describe}", shown=shown, describe=made.describe()))
        else:
            fb.fail(
                _(
                    "{shown} returned {name}, not a task: a task for the tiny loop is a generator (a "
                    "function with `yield` in it) or a coroutine",
                    shown=shown,
                    name=type(made.value).__name__,
                )
            )
        return None
    return tasks


def _statuses_ok(fb: Feedback, statuses: dict, n: int, what: str) -> bool:
    """One 200 per query 0..n-1 in ``statuses``; says what is missing or wrong."""
    if not isinstance(statuses, dict):
        return fb.require(False, "", _("statuses is a {name}, not a dict", name=type(statuses).__name__))
    odd = next(((q, s) for q, s in statuses.items() if not isinstance(s, int)), None)
    if odd is not None:
        if inspect.isgenerator(odd[1]):
            detail = _(
                "statuses[{query!r}] is a generator, not a status code such as 200: `yield from "
                "fetch(query)` runs the request; fetch(query) alone only creates it",
                query=odd[0],
            )
        else:
            detail = _(
                "statuses[{query!r}] is {shown}, not a status code such as 200",
                query=odd[0],
                shown=repr(odd[1])[:40],
            )
        return fb.require(False, "", detail)
    missing = [q for q in range(n) if q not in statuses]
    if missing:
        return fb.require(
            False,
            "",
            _(
                "{what}: {value} of {n} answered (first missing: ?{missing})",
                what=what,
                value=n - len(missing),
                n=n,
                missing=missing[0],
            ),
        )
    bad = sorted((q, s) for q, s in statuses.items() if s != 200)
    if bad:
        return fb.require(
            False,
            "",
            _(
                "{what}: {n_bad} answered other than 200 (first: ?{bad} → {bad2})",
                what=what,
                n_bad=len(bad),
                bad=bad[0][0],
                bad2=bad[0][1],
            ),
        )
    return fb.require(True, _("{what}: all {n} answered 200", what=what, n=n), "")


def _too_early(error: BaseException | None) -> bool:
    """Whether ``error`` is a non-blocking socket call made before the socket was ready.

    ``recv`` with nothing to read, or ``send`` mid-connect where it must wait, raise
    BlockingIOError everywhere (EAGAIN, EWOULDBLOCK; on Windows WSAEWOULDBLOCK); a
    ``send`` before the connection is made may raise ENOTCONN instead (Windows'
    WSAENOTCONN, 10057, which Python names ``errno.ENOTCONN`` there).
    """
    return isinstance(error, BlockingIOError) or (
        isinstance(error, OSError) and error.errno == errno.ENOTCONN
    )


# ---------------------------------------------------------------- the checkers


class _Clock(io.TextIOBase):
    """A stdout that remembers when each piece of text was written."""

    def __init__(self):
        self.writes = []

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.writes.append((time.perf_counter(), text))
        return len(text)

    @property
    def text(self) -> str:
        return "".join(text for _, text in self.writes)


def ticker(fn, EventLoop, *, n: int = 10, ms: int = 20, requests: int = 20) -> Feedback:  # noqa: N803
    """Run ``fn(n, ms)`` on ``EventLoop`` beside ``requests`` GETs, and watch its dots.

    Checks: ``n`` dots, spread over about ``(n - 1) × ms``; several of them
    printed while the requests were in flight; the ticker's own steps short
    (it sleeps in the timer heap, not in ``time.sleep``); every request answered.
    """
    fb = Feedback(_("Exercise 1 · a heartbeat"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write ticker(n, ms): n times, print a dot (print('.', end='')) and `yield from "
                "sleep(ms / 1000)`; then run this check again.",
            )
        )
    server = _server()
    clock = _Clock()
    with contextlib.redirect_stdout(clock):  # a plain function would run (and print) right here
        tasks = _make_tasks(fb, fn, "ticker", [(n, ms)])
    if tasks is NotImplemented:
        return fb.not_started(_("Replace the `raise NotImplementedError` in ticker with its loop."))
    if tasks is None:
        return fb.hint(
            _(
                "Inside ticker, `yield from sleep(ms / 1000)` makes it a generator: a task.",
            )
        )
    # A server that is not the lab answers /get at once (its round trip may be shorter than a tick or
    # two): the requests ask /delay/LATENCY there, so that they are in flight as long as at the lab.
    delay = None if server.has_stats else LATENCY
    tasks += [fetch(i, delay=delay) for i in range(requests)]
    server.reset_stats()
    timeout = 5 + 3 * n * ms / 1000
    with contextlib.redirect_stdout(clock):
        run = _run_tiny(EventLoop, tasks, timeout)
    stats = server.stats(note=False)
    if not run.ok:
        return fb.fail(
            _(
                "ticker({n}, {ms}) and {requests} fetch tasks on your EventLoop: {describe}",
                n=n,
                ms=ms,
                requests=requests,
                describe=run.describe(timeout),
            )
        )
    dots = [when for when, text in clock.writes for char in text if char == "."]
    printed = clock.text.strip()
    fb.note(
        _(
            "ticker({n}, {ms}) printed {printed!r}{value}",
            n=n,
            ms=ms,
            printed=printed[:60],
            value=" …" if len(printed) > 60 else "",
        )
    )
    if not fb.require(
        len(dots) == n,
        _("{n} dots, one per tick", n=n),
        _("{n_dots} dots were printed; expected {n}", n_dots=len(dots), n=n),
    ):
        return fb.hint(_("One print('.', end='') per tick, n ticks: a for-loop over range(n)."))
    spread, gap = dots[-1] - dots[0], (n - 1) * ms / 1000
    fb.require(
        spread >= gap / 2,
        _(
            "the dots came about {value} apart ({ms} ms asked)",
            value=format_seconds(spread / (n - 1)),
            ms=ms,
        ),
        _(
            "all {n} dots came within {spread}; they should be {ms} ms apart",
            n=n,
            spread=format_seconds(spread),
            ms=ms,
        ),
    )
    mine, fetches = run.probes[0], run.probes[1:]
    fb.require(
        mine.busy < n * ms / 1000 / 4,
        _(
            "the ticker's own steps took {busy} in all: it waits in the timer heap",
            busy=format_seconds(mine.busy),
        ),
        _(
            "the ticker's own steps took {busy} in all: it slept inside them, and the whole "
            "loop stopped meanwhile (time.sleep?)",
            busy=format_seconds(mine.busy),
        ),
    )
    first, last = min(p.first for p in fetches), max(p.end for p in fetches)
    during = sum(first < when < last for when in dots)
    fb.require(
        during >= 2,
        _(
            "{during} of the {n} dots came while the {requests} requests were in flight: "
            "while they wait in the selector, the loop runs the ticker",
            during=during,
            n=n,
            requests=requests,
        ),
        _(
            "{during} of the {n} dots came while the {requests} requests were in flight: the "
            "ticker did not take turns with them",
            during=during,
            n=n,
            requests=requests,
        ),
    )
    _statuses_ok(
        fb,
        {i: p.value for i, p in enumerate(fetches)},
        requests,
        _("the {requests} requests", requests=requests),
    )
    if not unmeasured(fb, stats, "peak_in_flight", N_("requests in flight")):
        fb.note(
            _(
                "the server saw {peak_in_flight} requests in flight at once",
                peak_in_flight=stats["peak_in_flight"],
            )
        )
    if fb.failures:
        fb.hint(
            _(
                "`yield from sleep(ms / 1000)` parks the ticker on the timer heap; time.sleep() "
                "stops the loop.",
            )
        )
    return fb


def workers(fn, EventLoop, *, n: int = 100, limit: int = 10, predicted=None) -> Feedback:  # noqa: N803
    """Run ``limit`` tasks ``fn(queries, statuses)`` sharing ``queries = deque(range(n))``.

    Checks: every query answered 200 in ``statuses``, the deque emptied, each
    query requested once, exactly ``limit`` requests in flight at the server's
    peak, and a time within 2 × the ideal ``ceil(n / limit)`` round trips.
    ``predicted`` (seconds), if given, must be within 1.5× of the measured time.
    """
    fb = Feedback(_("Exercise 2 · {limit} workers, one deque", limit=limit))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write worker(queries, statuses): while the deque is not empty, take a query "
                "with popleft(), then statuses[query] = yield from fetch(query); then run this "
                "check again.",
            )
        )
    for name, value in (("n", n), ("limit", limit)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, not {value!r}")
    server = _server()
    queries, statuses = deque(range(n)), {}
    tasks = _make_tasks(fb, fn, "worker", [(queries, statuses)] * limit)
    if tasks is NotImplemented:
        return fb.not_started(_("Replace the `raise NotImplementedError` in worker with its loop."))
    if tasks is None:
        return fb.hint(
            _(
                "`statuses[query] = yield from fetch(query)` inside worker makes it a generator.",
            )
        )
    rounds = math.ceil(n / limit)
    ideal = rounds * server.cold_latency  # a new socket per request: its set-up counts too
    timeout = 2 + 5 * ideal
    server.reset_stats()
    run = _run_tiny(EventLoop, tasks, timeout)
    stats = server.stats(note=False)
    if not run.ok:
        fb.fail(
            _(
                "{limit} workers on your EventLoop {describe}",
                limit=limit,
                describe=run.describe(timeout),
            )
        )
        if run.overdue:
            fb.hint(
                _(
                    "A worker must end when the deque is empty: `while queries:`, and popleft() each query.",
                )
            )
        if isinstance(run.error, RuntimeError) and "mutated" in str(run.error):
            fb.hint(
                _(
                    "Don't iterate over the deque while others take from it: `while queries:` + popleft().",
                )
            )
        return fb
    hints = []
    complete = _statuses_ok(fb, statuses, n, _("{n} queries", n=n))
    if queries:
        complete = fb.require(
            False,
            "",
            _(
                "{n_queries} queries were still in the deque at the end",
                n_queries=len(queries),
            ),
        )
        hints.append(_("Each worker loops `while queries:`, taking one query at a time with popleft()."))
    if unmeasured(fb, stats, "requests", N_("requests counted at the server (each query once)")):
        pass  # the deque above shows whether every query was taken out once
    elif stats["requests"] > n:
        complete = fb.require(
            False,
            "",
            _(
                "the server saw {requests} requests for {n} queries: some were fetched twice",
                requests=stats["requests"],
                n=n,
            ),
        )
        hints.append(
            _("Take each query out of the deque (popleft) before fetching it: no other worker gets it.")
        )
    elif complete:
        fb.ok(
            _(
                "the server saw {requests} requests: each query once",
                requests=stats["requests"],
            )
        )
    if stats["requests"] or not server.has_stats:
        check_peak(fb, stats, limit, exactly=True)
    if complete:
        what = _("{rounds} round trips", rounds=rounds)
        check_time(fb, run.elapsed, ideal, factor=2, what=what, stall=stats)
    if complete and predicted is None:
        fb.note(
            _(
                "no prediction given: set PREDICTED (seconds) before you look at the time above",
            )
        )
    elif complete and (
        isinstance(predicted, bool) or not isinstance(predicted, int | float) or predicted <= 0
    ):
        fb.fail(
            _(
                "PREDICTED is {predicted!r}: write a positive number of seconds",
                predicted=predicted,
            )
        )
    elif complete:
        ratio = predicted / run.elapsed
        # A far server: each of the tiny loop's new sockets pays its set-up too, so a prediction of
        # rounds × one warm round trip (the model the exercise asks for) is right as well.
        modelled = not server.has_stats and 1 / 1.5 <= predicted / (rounds * server.latency) <= 1.5
        fb.require(
            1 / 1.5 <= ratio <= 1.5 or modelled,
            _(
                "you predicted {predicted}; it took {elapsed}: right{value}",
                predicted=format_seconds(predicted),
                elapsed=format_seconds(run.elapsed),
                value=_(" (a new connection per request costs more than one warm round trip here)")
                if modelled
                else "",
            ),
            _(
                "you predicted {predicted}, but it took {elapsed}: {max:.1f}× off (within 1.5× "
                "counts as right)",
                predicted=format_seconds(predicted),
                elapsed=format_seconds(run.elapsed),
                max=max(ratio, 1 / ratio),
            ),
        )
        hints.append(
            _(
                "{limit} requests at a time, one round trip each: {n} requests take {rounds} round trips.",
                limit=limit,
                n=n,
                rounds=rounds,
            )
        )
    for hint in hints:
        fb.hint(hint)
    return fb


def fetch_async(fn, EventLoop, *, n: int = 100) -> Feedback:  # noqa: N803
    """Run ``n`` coroutines ``fn(i)`` (an ``async def`` fetch) on ``EventLoop``.

    Checks: ``fn`` is an ``async def`` (not a generator, not an async
    generator); every ``fn(i)`` returns 200 after handing traps to the loop;
    more than half of the ``n`` requests in flight at the server's peak (one
    thread, all waiting together); the whole batch within 2.5 round trips.
    """
    fb = Feedback(_("Exercise 3 · async def all the way"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write async def read_all_async(sock) and async def fetch_async(i), with `await "
                'Trap("read", sock)` where read_all and fetch had `yield ("read", sock)`; then '
                "run this check again.",
            )
        )
    if inspect.isasyncgenfunction(fn):
        fb.fail(
            _(
                "fetch_async is an async generator (a `yield` inside an async def makes one): "
                "the loop cannot send() to it",
            )
        )
        return fb.hint(
            _(
                'Hand a trap to the loop with `await Trap("read", sock)`, not with `yield`.',
            )
        )
    if not inspect.iscoroutinefunction(fn):
        kind = _("a generator function") if inspect.isgeneratorfunction(fn) else type(fn).__name__
        fb.fail(_("fetch_async is not an async def (it is {kind})", kind=kind))
        return fb.hint(
            _(
                "`async def fetch_async(i):`, with `await` where fetch had `yield` and `yield from`.",
            )
        )
    server = _server()
    coros = [fn(i) for i in range(n)]
    timeout = 3 + 5 * server.latency
    server.reset_stats()
    run = _run_tiny(EventLoop, coros, timeout)
    stats = server.stats(note=False)
    if not run.ok:
        fb.fail(
            _(
                "{n} fetch_async tasks on your EventLoop: fetch_async {describe}",
                n=n,
                describe=run.describe(timeout),
            )
        )
        text = str(run.error)
        if "can't be used in 'await' expression" in text:
            fb.hint(
                _(
                    "`await` takes awaitables only: make read_all an async def too; await Trap(...) objects.",
                )
            )
        elif _too_early(run.error):
            fb.hint(
                _(
                    'A socket call came too early: `await Trap("write", sock)` after connect_ex, '
                    '`await Trap("read", sock)` before each recv.',
                )
            )
        elif run.overdue:
            fb.hint(
                _(
                    'Something waited inside a step: await Trap("read", sock) instead of a blocking call.',
                )
            )
        return fb
    statuses = {i: probe.value for i, probe in enumerate(run.probes)}
    _statuses_ok(fb, statuses, n, _("{n} requests", n=n))
    lazy = sum(probe.traps == 0 for probe in run.probes)
    fb.require(
        not lazy,
        _("each fetch_async handed its waits to the loop as traps"),
        _(
            "{lazy} of the {n} fetch_async calls handed no trap to the loop: they waited inside their steps",
            lazy=lazy,
            n=n,
        ),
    )
    peak = stats["peak_in_flight"]
    together = unmeasured(fb, stats, "peak_in_flight", N_("requests in flight")) or fb.require(
        peak > n // 2,
        _(
            "the server saw {peak} of the {n} requests in flight at once: one thread, all waiting together",
            peak=peak,
            n=n,
        ),
        _(
            "the server saw at most {peak} of the {n} requests in flight at once: they ran one after another",
            peak=peak,
            n=n,
        ),
    )
    # new sockets: one round trip on a new connection (the same as a warm one on the lab server)
    check_time(fb, run.elapsed, server.cold_latency, factor=2.5, what=N_("one round trip"), stall=stats)
    if lazy or not together:
        fb.hint(
            _(
                'A non-blocking socket and `await Trap("read", sock)`: the loop waits for all '
                "sockets at once.",
            )
        )
    return fb


# ---------------------------------------------------------------- the tiny loop, compact


class Trap:
    """``await Trap("read", sock)``: hand the trap ``("read", sock)`` to the tiny loop."""

    def __init__(self, *trap):
        self.trap = trap

    def __await__(self):
        yield self.trap


def sleep(seconds: float):
    """The tiny loop's sleep: ``yield from sleep(0.02)`` parks the task on the timer heap."""
    yield ("sleep", seconds)


class EventLoop:
    """The notebook's tiny event loop in one class: ready queue, timer heap, selector."""

    def __init__(self, *tasks):
        self.ready = deque(tasks)  # tasks that can run now
        self.results = {}  # finished task -> what it returned
        self.timers = []  # heap of (deadline, id(task), task)
        self.selector = selectors.DefaultSelector()

    def step(self, task):
        try:
            trap = task.send(None)
        except StopIteration as stop:
            self.results[task] = stop.value
        else:
            self.park(task, trap)

    def park(self, task, trap):
        if trap and trap[0] == "sleep":
            heapq.heappush(self.timers, (time.monotonic() + trap[1], id(task), task))
        elif trap and trap[0] in ("read", "write"):
            event = selectors.EVENT_READ if trap[0] == "read" else selectors.EVENT_WRITE
            self.selector.register(trap[1], event, task)
        else:  # a bare yield
            self.ready.append(task)

    def timeout(self):
        if self.ready:
            return 0
        if self.timers:
            return max(0.0, self.timers[0][0] - time.monotonic())
        return None

    def poll(self, timeout):
        if not self.selector.get_map():
            return time.sleep(timeout)
        for key, _unused in self.selector.select(timeout):
            self.selector.unregister(key.fileobj)
            self.ready.append(key.data)

    def run(self):
        try:
            while self.ready or self.timers or self.selector.get_map():
                self.poll(self.timeout())
                while self.timers and self.timers[0][0] <= time.monotonic():
                    self.ready.append(heapq.heappop(self.timers)[-1])
                for _unused in range(len(self.ready)):
                    self.step(self.ready.popleft())
        finally:
            self.selector.close()


def lab_address() -> tuple[str, int]:
    """``(HOST, PORT)`` of this kernel's server (the notebook's ``HOST, PORT``).

    The tiny loop speaks plain HTTP, no TLS: for an ``https://`` server, port 80 of the same host.
    """
    url = urlsplit(_server().url)
    return url.hostname, (url.port or 80) if url.scheme == "http" else 80


def read_all(sock):
    """Read until the server closes the connection (a generator task)."""
    chunks = []
    while True:
        yield ("read", sock)
        chunk = sock.recv(65536)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def fetch(i, *, delay=None):
    """The notebook's ``fetch(i)``: ``GET /get?i`` over a non-blocking socket; returns the status.

    With ``delay`` (seconds), ``GET /delay/{delay}?i`` instead: httpbin answers after that long.
    """
    host, port = lab_address()
    prefix = urlsplit(_server().url).path  # a base URL may have a path: http://host/httpbin
    path = f"{prefix}/delay/{delay:g}?{i}" if delay else f"{prefix}/get?{i}"
    with socket.socket() as sock:
        sock.setblocking(False)
        sock.connect_ex((host, port))
        yield ("write", sock)
        if error := sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
            raise OSError(error, "connect() failed")
        sock.send(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        response = yield from read_all(sock)
    return int(response.split(b"\r\n", 1)[0].split()[1])
