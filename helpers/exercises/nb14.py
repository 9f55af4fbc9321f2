"""Checkers of notebook 14 (async vs blocking): a blocking call fixed, CPU work in chunks, a watchdog.

Each checker runs the learner's code and judges what the event loop went
through: a heartbeat task ticks every few milliseconds beside the learner's
code, and the longest gap between two ticks is how long the loop was held.

>>> await check.polite_download(polite_download, LOG)    # doctest: +SKIP
>>> await check.in_chunks(in_chunks)                     # doctest: +SKIP
>>> await check.watchdog(watchdog)                       # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import threading
import time
from itertools import pairwise
from types import SimpleNamespace

from helpers import lab
from helpers.checks import (
    Attempt,
    Feedback,
    attempt_async,
    check_time,
    describe_error,
    is_stub,
    not_judged,
    starved,
    unmeasured,
)
from helpers.i18n import N_, _

NOTEBOOK = "14"

LATENCY = 0.1  # the exercise's lab server: start_server(latency=0.1), as in the notebook's starter cell
LOG_SECONDS = 0.06  # how long log_status blocks (the starter's time.sleep)
TICK = 0.005  # the checkers' heartbeat interval (s)
HELD = 0.05  # a gap between two heartbeats this long: the loop was held


def solution(name: str):
    """The solution to exercise ``name`` of this notebook, folded away."""
    from helpers import checks

    return checks.solution(NOTEBOOK, name)


# --- shared machinery ---------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def _heartbeat(tick: float = TICK):
    """Tick every ``tick`` s in the running loop while the block runs; ``.gap``: the longest gap (s),
    ``.long``: the seconds spent in gaps of ``HELD`` or more, all together."""
    ticks: list[float] = []
    found = SimpleNamespace(gap=0.0, long=0.0)

    async def beat():
        while True:
            ticks.append(time.perf_counter())
            await asyncio.sleep(tick)

    task = asyncio.create_task(beat())
    await asyncio.sleep(3 * tick)  # a few normal beats first
    try:
        yield found
    finally:
        await asyncio.sleep(3 * tick)  # and a few after, so that the last gap is closed
        task.cancel()
        await asyncio.wait([task])
        gaps = [later - earlier for earlier, later in pairwise(ticks)]
        found.gap = max(gaps, default=0.0)
        found.long = sum(g for g in gaps if g >= HELD)  # the time spent in gaps of HELD or more


def _why(result: Attempt, timeout: float | None = None) -> str:
    """``result.describe()``, but an exception group names its first real error."""
    error = result.error
    while isinstance(error, BaseExceptionGroup) and error.exceptions:
        error = error.exceptions[0]
    if error is not None and error is not result.error:
        return _("raised {error}", error=describe_error(error))
    return result.describe(timeout)


def _shown(value) -> str:
    """A reported value as the learner would read it: numbers to the millisecond."""
    if isinstance(value, float):
        return f"{value:.3f}"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


BUSY = 0.8  # in_chunks: below this share of the run spent computing, the thread waited for a CPU


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# --- exercise 1: find the culprit ---------------------------------------------------------------


async def polite_download(fn, log: list, *, n: int = 10) -> Feedback:
    """Check ``fn(url, n)``: n GETs at the lab server, every status logged, the loop never held.

    ``log`` is the notebook's ``LOG`` list, which ``log_status`` appends to. The
    check runs ``await fn(server.url, n)`` with a heartbeat beside it and
    verifies: it finished; ``log`` got ``n`` new statuses, all 200; the server
    answered ``n`` requests; the loop was never held 50 ms or more (one
    ``log_status`` call holds it 60 ms); and it took at most 2.5 × (one round
    trip + one log write), where a blocking log takes about ``n`` log writes.
    """
    fb = Feedback(_("Exercise 1 · polite_download"))
    if not isinstance(log, list):
        raise TypeError(f"log must be the notebook's LOG list, not {type(log).__name__}")
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write `async def polite_download(url, n=10)` in the cell above: slow_download's "
                "job, with every status still logged by log_status, but without blocking the "
                "loop.",
            )
        )
    from helpers import start_server

    server = start_server(latency=LATENCY)
    server.reset_stats()
    before = len(log)
    since = lab.cpu_waits()  # this process's own waits for a CPU: its heartbeat is what is judged
    async with _heartbeat() as beat:
        result = await attempt_async(fn, server.url, n, timeout=10)
    ours = SimpleNamespace(cpu_wait=lab.cpu_waited(since))
    if result.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in polite_download with your code.",
            )
        )
    if not result.ok:
        fb.fail(_("polite_download(url, {n}) {why}", n=n, why=_why(result, 10)))
        return fb.hint(
            _(
                "Start from slow_download: same session, same TaskGroup; change only the line that blocks.",
            )
        )
    stats = server.stats(note=False)
    logged = log[before:]
    if len(logged) == n and all(status == 200 for status in logged):
        fb.ok(_("all {n} statuses were logged by log_status (200 each)", n=n))
    elif len(logged) < n:
        fb.fail(
            _(
                "LOG got {n_logged} new entries for {n} downloads: every status must still be "
                "logged (log_status stays; change where it runs, not whether)",
                n_logged=len(logged),
                n=n,
            )
        )
        fb.hint(
            _(
                "A call that blocks can run in a worker thread: `await "
                "asyncio.to_thread(log_status, status)`. Without `await`, it never runs at all.",
            )
        )
    else:
        fb.fail(
            _(
                "LOG got {n_logged} new entries for {n} downloads (expected {n} statuses of 200)",
                n_logged=len(logged),
                n=n,
            )
        )
    unmeasured(fb, stats, "requests", N_("requests counted at the server")) or fb.require(
        stats["requests"] == n,
        _("the lab server answered {n} requests", n=n),
        _(
            "the lab server answered {requests} requests; expected {n} (one GET per i in range(n))",
            requests=stats["requests"],
            n=n,
        ),
    )
    held, stall = beat.gap, stats if starved(stats) else ours
    blocking = n * LOG_SECONDS / 2  # a blocking log_status holds the loop n × 60 ms in all
    if held >= HELD and starved(stall) and beat.long < blocking:
        # A throttled kernel misses heartbeats too: its lab server, or its own threads, waited for a CPU.
        not_judged(
            fb,
            _(
                "the loop was held for {ms} at a stretch, {ms2} in all (a blocking "
                "log_status would hold it about {ms3} in all)",
                ms=_ms(held),
                ms2=_ms(beat.long),
                ms3=_ms(n * LOG_SECONDS),
            ),
            stall,
        )
    elif not fb.require(
        held < HELD,
        _(
            "the loop was never held for long: the longest gap between two heartbeats was {ms}",
            ms=_ms(held),
        ),
        _(
            "the loop was held for {ms} at a stretch (a heartbeat every {ms2} could not "
            "run): a blocking call still runs on the loop's thread; allowed: under {ms3}",
            ms=_ms(held),
            ms2=_ms(TICK),
            ms3=_ms(HELD),
        ),
    ):
        fb.hint(
            _(
                "Run slow_download in debug mode (as `hunt` does, with SLOW = 0.05): the warning "
                "names the coroutine whose step held the loop. Then push that call to a thread "
                "with asyncio.to_thread.",
            )
        )
    check_time(
        fb,
        result.elapsed,
        server.cold_latency + LOG_SECONDS,  # a new session: its connections' set-up counts too
        factor=2.5,
        what=N_("one round trip plus one log write"),
        stall=stats,
    )
    return fb


# --- exercise 2: chunk the CPU work -------------------------------------------------------------

WORK_SECONDS = 0.2  # the CPU work the check chunks (s)


@functools.cache
def _iterations() -> int:
    from helpers.cpu import iterations_for

    return iterations_for(WORK_SECONDS)


class _TooMuchWork(RuntimeError):
    pass


class _CountedWork:
    """``crunch``, counting the iterations asked of it; stops once 1.5 × ``n`` were asked.

    ``turns``: how many calls found that the running loop had had a turn since the previous call.
    Each call made in the loop's thread leaves a callback with ``call_soon``; the loop runs it at
    its next turn, so the next call sees it ran. Counted, not timed: a busy machine cannot blur it.
    """

    def __init__(self, n: int):
        self.n = n
        self.calls = 0
        self.total = 0
        self.turns = 0
        self.off_loop = 0  # calls made in another thread (to_thread): no loop there to count turns
        self._turned = False
        self._lock = threading.Lock()

    def _turn(self) -> None:
        self._turned = True

    def __call__(self, k: int) -> int:
        from helpers.cpu import crunch

        with self._lock:
            if isinstance(k, int) and self.total + k > 1.5 * self.n:
                raise _TooMuchWork(
                    _(
                        "the check stopped it: work() was asked for more than 1.5 × n = {limit:,} iterations",
                        limit=int(1.5 * self.n),
                    )
                )
            self.calls += 1
            self.total += k if isinstance(k, int) else 0
            self.turns += self.calls > 1 and self._turned
            self._turned = False
        try:
            asyncio.get_running_loop().call_soon(self._turn)
        except RuntimeError:  # called in another thread: no loop there to take a turn
            self.off_loop += 1
        return crunch(k)

    @property
    def never_yielded(self) -> bool:
        """Several calls, all in the loop's thread, and not one turn of the loop between them."""
        return self.calls > 1 and not self.off_loop and not self.turns


async def in_chunks(fn, *, chunks: int = 20) -> Feedback:
    """Check ``fn(work, n, chunks)``: all of ``work(n)`` done in ``chunks`` calls, the loop free between.

    The check times ``crunch(n)`` in one piece (about 0.2 s here) under a
    heartbeat, then ``await fn(work, n, chunks)`` where ``work`` is ``crunch``
    counting its iterations. It verifies: it finished; ``work`` did all ``n``
    iterations (±5 %) in ``chunks`` calls (or one more, for a remainder); and
    the loop's longest stall was at most a third of the one-piece stall (a
    stall lasts about two chunks: ideally 2/``chunks`` of it). A longer stall
    fails when the loop never had a turn between two chunks (counted, see
    :class:`_CountedWork`), or when the loop's thread computed at least
    ``BUSY`` of the run; otherwise it waited for a CPU, and the stall is not
    judged. The total time of both is reported: the price.
    """
    fb = Feedback(_("Exercise 2 · in_chunks"))
    if isinstance(chunks, bool) or not isinstance(chunks, int) or chunks < 4:
        raise ValueError(f"chunks must be an int >= 4, not {chunks!r}")
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write `async def in_chunks(work, n, chunks=20)` in the cell above: call work(n "
                "// chunks) `chunks` times, with `await asyncio.sleep(0)` after each call.",
            )
        )
    from helpers.cpu import crunch

    n = _iterations()
    async with _heartbeat() as whole:
        start, computed = time.perf_counter(), time.thread_time()
        crunch(n)  # the reference: the work in one piece, in the loop
        whole_time = time.perf_counter() - start
        computed = time.thread_time() - computed
    # The reference stall: the one-piece gap, but no longer than its CPU time (a busy moment there
    # would stretch it, and pass a stall that is too long)
    reference = min(whole.gap, computed) if computed > 0 else whole.gap
    work = _CountedWork(n)
    cpu = time.thread_time()  # the loop's thread: the work and the heartbeat both run on it
    async with _heartbeat() as chunked:
        result = await attempt_async(fn, work, n, chunks, timeout=10)
    # On an idle machine the thread computes nearly all the time the run takes; on a crowded one
    # (other processes on every core) it waits for a CPU too, and any gap can grow by that wait.
    running = (time.thread_time() - cpu) / result.elapsed if result.elapsed > 0 else 1.0
    if result.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in in_chunks with your code.",
            )
        )
    if isinstance(result.error, _TooMuchWork):
        fb.fail(
            _(
                "in_chunks(work, {n:,}, {chunks}) did too much work: {error}",
                n=n,
                chunks=chunks,
                error=result.error,
            )
        )
        return fb.hint(_("Each chunk is a slice of the work: work(n // chunks), not work(n)."))
    if not result.ok:
        return fb.fail(
            _(
                "in_chunks(work, {n:,}, {chunks}) {why}",
                n=n,
                chunks=chunks,
                why=_why(result, 10),
            )
        )
    done = work.total / n
    if 0.95 <= done <= 1.05:
        fb.ok(
            _(
                "all the work was done: {total:,} iterations of work() for n = {n:,}",
                total=work.total,
                n=n,
            )
        )
    else:
        fb.fail(
            _(
                "work() was asked for {total:,} iterations in all: {done:.0%} of n = {n:,}",
                total=work.total,
                done=done,
                n=n,
            )
        )
        fb.hint(
            _(
                "Each of the `chunks` calls does work(n // chunks): together, (nearly) all n iterations.",
            )
        )
    if not fb.require(
        chunks <= work.calls <= chunks + 1,
        _("in {calls} calls of work()", calls=work.calls),
        _(
            "work() was called {calls} time{value}; with chunks={chunks}, call it {chunks} "
            "times (each time with n // chunks)",
            calls=work.calls,
            value="s" * (work.calls != 1),
            chunks=chunks,
        ),
    ):
        fb.hint(
            _(
                "One call per chunk: `for _ in range(chunks): work(n // chunks); await asyncio.sleep(0)`.",
            )
        )
    ratio = reference / chunked.gap if chunked.gap > 0 else float("inf")
    if chunked.gap <= reference / 3 and not work.never_yielded:
        fb.ok(
            _(
                "the loop's longest stall: {ms}, against {ms2} with the work in one piece "
                "({ratio:.0f}× shorter)",
                ms=_ms(chunked.gap),
                ms2=_ms(reference),
                ratio=ratio,
            )
        )
    elif work.never_yielded:  # counted: a busy machine excuses a long stall, not this
        fb.fail(
            _(
                "the loop's longest stall was {ms}, as long as with the work in one piece "
                "({ms2}): the loop never got a turn between the chunks",
                ms=_ms(chunked.gap),
                ms2=_ms(reference),
            )
        )
        fb.hint(
            _(
                "`await asyncio.sleep(0)` after each chunk gives the loop a turn (and don't "
                "forget the `await`).",
            )
        )
    elif running < BUSY:
        fb.note(
            _(
                "the loop's longest stall was {ms}, only {ratio:.1f}× shorter than with the work in "
                "one piece ({ms2}), not judged: this machine was busy (the loop's thread ran only "
                "{running:.0%} of the time the work took, and waited for a CPU the rest); run the "
                "check again when it is quieter",
                ms=_ms(chunked.gap),
                ratio=ratio,
                ms2=_ms(reference),
                running=running,
            )
        )
    else:
        fb.fail(
            _(
                "the loop's longest stall was {ms}, only {ratio:.1f}× shorter than with the work "
                "in one piece ({ms2}); with {chunks} chunks it should be about {value}× shorter",
                ms=_ms(chunked.gap),
                ratio=ratio,
                ms2=_ms(reference),
                chunks=chunks,
                value=chunks // 2,
            )
        )
        fb.hint(_("Give the loop a turn after every chunk, not only after some."))
    fb.note(
        _(
            "the work took {elapsed:.3f} s in {chunks} chunks, {whole_time:.3f} s in one "
            "piece: the price is not here but beside it: the work now waits whenever other "
            "tasks run, so it ends later on a busy loop (and you had to cut it up by hand)",
            elapsed=result.elapsed,
            chunks=chunks,
            whole_time=whole_time,
        )
    )
    return fb


# --- exercise 3: a watchdog ---------------------------------------------------------------------

BLOCK = 0.2  # s: each deliberately blocking call in the watchdog check
LATE = 0.05  # s: the watchdog's default threshold (the starter's `late=0.05`)
AFTER = 0.05  # s: a report this soon after a block ends belongs to that block
WATCHDOG_TIMEOUT = 5.0  # s: the whole check (about 1 s when the watchdog is right)
_ABANDONED: list = []  # watchdog tasks that would not stop (their loop is closed)


async def _watchdog_scenario(fn, box: dict) -> None:
    """Free loop, a blocking call, free loop, a blocking call, free loop; then cancel the watchdog.

    ``box["events"]``: (when, value, waited) per report; ``box["blocks"]``: (start, end, waited) per
    blocking call; ``waited`` is this thread's wait for a CPU so far (:func:`~helpers.lab.thread_cpu_wait`).
    """
    events = box["events"] = []
    blocks = box["blocks"] = []
    box["waited"] = lab.thread_cpu_wait()

    def report(*args):
        events.append((time.perf_counter(), args[0] if args else None, lab.thread_cpu_wait()))

    dog = box["dog"] = asyncio.create_task(fn(report))
    for pause in (0.3, 0.25):
        await asyncio.sleep(pause)  # a free loop: the watchdog must stay quiet
        start = time.perf_counter()
        time.sleep(BLOCK)  # a deliberately blocking call  # noqa: ASYNC251
        blocks.append((start, time.perf_counter(), lab.thread_cpu_wait()))
    await asyncio.sleep(0.15)
    box["done_early"] = dog.done()
    dog.cancel()
    await asyncio.wait([dog], timeout=1)
    box["stopped"] = dog.done()


def _in_a_fresh_loop(fn, box: dict, finished) -> threading.Thread:
    """Run the scenario on a new event loop in a daemon thread (a hung watchdog cannot hang the kernel).

    ``finished()`` is called from that thread when the scenario is over.
    """

    def target():
        loop = asyncio.new_event_loop()
        try:
            loop.run_until_complete(_watchdog_scenario(fn, box))
        except BaseException as exc:  # reported, not raised
            box["error"] = exc
        finally:
            dog = box.get("dog")
            if dog is not None and not dog.done():  # it ignored its cancellation: keep it referenced,
                _ABANDONED.append(dog)  # rather than have it destroyed noisily
            loop.close()
            with contextlib.suppress(RuntimeError):  # the checker's loop may be closed by now
                finished()

    thread = threading.Thread(target=target, name="check-watchdog", daemon=True)
    thread.start()
    return thread


def _attribute(box: dict) -> tuple[list, list, list]:
    """The watchdog scenario's reports: (during, quiet, excused).

    ``during``: per blocking call, the values reported from its start to ``AFTER`` s after its end,
    or later by as long as the scenario's thread has waited for a CPU since that end (a busy
    machine wakes a right watchdog late). Each other report is ``quiet`` (its value), or
    ``excused`` (value, waited) when the thread waited ``LATE / 2`` s or more for a CPU since the
    event before it (the start, a report, or a block's end): a free loop then wakes a right
    watchdog late too. Where those waits are not known (not Linux), nothing is excused or widened.
    """
    blocks = box["blocks"]
    during: list[list] = [[] for _block in blocks]
    quiet, excused = [], []
    previous = box["waited"]  # the thread's wait at the event before this report
    for when, value, waited in sorted(box["events"], key=lambda event: event[0]):
        ended = [at_end for _start, end, at_end in blocks if end <= when and at_end is not None]
        if ended and previous is not None:
            previous = max(previous, *ended)
        started = [index for index, (start, _end, _at_end) in enumerate(blocks) if start <= when]
        block = started[-1] if started else None
        since_end = 0.0
        if block is not None and blocks[block][2] is not None and waited is not None:
            since_end = max(0.0, waited - blocks[block][2])
        if block is not None and when <= blocks[block][1] + AFTER + since_end:
            during[block].append(value)
        elif waited is not None and previous is not None and waited - previous >= LATE / 2:
            excused.append((value, waited - previous))
        else:
            quiet.append(value)
        previous = waited
    return during, quiet, excused


async def watchdog(fn) -> Feedback:
    """Check ``fn(report)``: quiet while the loop is free, one ``report`` per blocking call, until cancelled.

    The check runs ``fn(report)`` as a task on a fresh event loop (in a thread,
    so that a watchdog that never awaits cannot hang the notebook), keeps that
    loop free for 0.3 s, blocks it with ``time.sleep(0.2)``, frees it for
    0.25 s, blocks it again, frees it, and cancels the task. It verifies: no
    report while the loop was free; at least one report for each blocking
    call; the task kept running until cancelled, and then stopped. On a busy
    machine a right watchdog wakes up late too: a report in a free loop is not
    judged when the loop's thread had just waited for a CPU about as long, and a
    report after a block counts for it when that wait made it late (Linux tells
    those waits; elsewhere every report is judged by its time alone).
    """
    fb = Feedback(_("Exercise 3 · watchdog"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write `async def watchdog(report, every=0.01, late=0.05)` in the cell above: "
                "forever, sleep `every` s; when it wakes up more than `late` s later than it "
                "should, call report(how_late).",
            )
        )
    if not inspect.iscoroutinefunction(fn):
        return fb.fail(
            _(
                "watchdog must be an `async def` function (it runs as a task), not {fn!r}",
                fn=fn,
            )
        )
    box: dict = {}
    over = asyncio.Event()
    here = asyncio.get_running_loop()
    _in_a_fresh_loop(fn, box, lambda: here.call_soon_threadsafe(over.set))
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(WATCHDOG_TIMEOUT):
            await over.wait()
    if "error" in box:
        return fb.fail(
            _(
                "the check could not run your watchdog: {error}",
                error=describe_error(box["error"]),
            )
        )
    if "stopped" not in box:
        fb.fail(
            _(
                "the check did not finish within {WATCHDOG_TIMEOUT:g} s: your watchdog never "
                "gave its loop a turn (a time.sleep inside it? a loop without await?). Its "
                "thread cannot be stopped: restart the kernel when you are done.",
                WATCHDOG_TIMEOUT=WATCHDOG_TIMEOUT,
            )
        )
        return fb.hint(
            _(
                "Wait with `await asyncio.sleep(every)`: it lets the loop run everything else.",
            )
        )
    dog = box["dog"]
    if box["done_early"]:
        error = None if dog.cancelled() else dog.exception()
        if error is not None:
            return fb.fail(_("watchdog(report) raised {error}", error=describe_error(error)))
        fb.fail(
            _(
                "watchdog(report) returned before it was cancelled: it must keep watching (a "
                "`while True` loop)",
            )
        )
        return fb.hint(
            _(
                "`while True:` around the sleep and the check; the task ends when it is cancelled.",
            )
        )
    fb.ok(_("it kept watching until it was cancelled"))
    fb.require(
        box["stopped"],
        _("and it stopped when cancelled"),
        _(
            "it did not stop within 1 s of being cancelled: let asyncio.CancelledError "
            "through (don't catch it)",
        ),
    )
    during, quiet, excused = _attribute(box)
    if quiet or excused:
        shown = quiet or [value for value, _waited in excused]  # the failures, or else the excused
        measured = _(
            "it reported {n_quiet} time{value} while the loop was free (first: report({shown}))",
            n_quiet=len(shown),
            value="s" * (len(shown) != 1),
            shown=_shown(shown[0]),
        )
    if quiet:
        fb.fail(measured)
        fb.hint(
            _(
                "Report only when the sleep took longer than it should: how_late = (time after - "
                "time before) - every; report(how_late) only if how_late > late ({LATE:g} s).",
                LATE=LATE,
            )
        )
    elif excused:  # each while its thread waited for a CPU as long as the report's lateness
        not_judged(fb, measured, SimpleNamespace(cpu_wait=sum(waited for _value, waited in excused)))
    else:
        fb.ok(
            _(
                "it stayed quiet while the loop was free ({value:.1f} s in all)",
                value=0.3 + 0.25 + 0.15,
            )
        )
    caught = [values for values in during if values]
    if fb.require(
        len(caught) == len(during),
        _(
            "it reported both blocking calls (time.sleep({BLOCK:g}) on the loop)",
            BLOCK=BLOCK,
        ),
        _(
            "it reported {n_caught} of the {n_blocks} blocking calls (time.sleep({BLOCK:g}) on the loop)",
            n_caught=len(caught),
            n_blocks=len(during),
            BLOCK=BLOCK,
        ),
    ):
        firsts = [values[0] for values in during]
        if all(isinstance(v, int | float) and not isinstance(v, bool) for v in firsts):
            fb.note(
                _(
                    "how late it woke up: {join}",
                    join=", ".join(f"{v:.3f} s" for v in firsts),
                )
            )
    else:
        fb.hint(
            _(
                "Time each `await asyncio.sleep(every)` with time.perf_counter(); a blocked loop "
                "wakes you up late by about the time it was blocked.",
            )
        )
    return fb
