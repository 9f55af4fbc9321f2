"""Checkers for the exercises of notebook 15 · Threads and the event loop together.

1. ``produce`` (warm-up): a plain thread feeds an ``asyncio.Queue`` of a loop running
   in another thread; every item must arrive, in order, promptly, then the end of the stream.
2. ``fetch_all`` (main): sync code that starts a loop in a thread of its own, opens one
   aiohttp session on it, submits a coroutine per URL with ``run_coroutine_threadsafe``,
   returns the answers in order and shuts everything down.

>>> await check.produce(produce)        # doctest: +SKIP
>>> await check.fetch_all(fetch_all)    # doctest: +SKIP

Each checker runs the learner's code and judges what happened: arrival times against a
heartbeat (exercise 1); the lab server's counters, the answers and their order, the
threads left running and the sessions left open (exercise 2). With ``COURSE_BASE_URL``
set (a server without counters), exercise 2 judges the concurrency by the time instead.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import threading
import time
import warnings
from itertools import pairwise

from helpers import checks
from helpers.checks import Attempt, Feedback, check_answers, check_time, describe_error, is_stub
from helpers.i18n import N_, _
from helpers.lab import measurable, start_server
from helpers.loops import captured_log
from helpers.timing import format_seconds

NOTEBOOK = "15"

LATENCY = 0.1  # the notebook's lab server
ITEMS = 10  # exercise 1: items the slow source yields
SPACING = 0.02  # exercise 1: seconds between two items of the source
BEAT = 0.5  # exercise 1: the consumer's loop is woken by nothing else than this timer (s)
PROMPT = 0.1  # exercise 1: an item must arrive within this long after leaving the source (s)
URLS = 20  # exercise 2: how many URLs fetch_all gets
END = object()  # exercise 1: what the consumer records for the end of the stream


def solution(name: str):
    """The solution to exercise ``name``, folded away until the reader opens it."""
    return checks.solution(NOTEBOOK, name)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


# --- exercise 1: a producer thread feeds an asyncio.Queue -----------------------------------------


def _slow_source(n: int, spacing: float, sent: dict):
    """Yield 0 .. n-1, one every ``spacing`` s; ``sent[item]`` is when each item left."""
    for item in range(n):
        time.sleep(spacing)
        sent[item] = time.perf_counter()
        yield item


async def _consume(fn, n: int, spacing: float, beat: float, limit: float) -> dict:
    """On a fresh loop: run ``fn(loop, queue, items)`` in a plain thread, consume the queue, time it."""
    loop, queue = asyncio.get_running_loop(), asyncio.Queue()
    sent: dict[int, float] = {}
    found: dict = {"got": [], "error": None, "ended": None, "sent": sent, "timed_out": False, "beats": 0}

    def producer():
        try:
            fn(loop, queue, _slow_source(n, spacing, sent))
        except Exception as exc:  # the learner's error: reported, not raised
            found["error"] = exc
        found["returned"] = time.perf_counter()

    async def heartbeat():
        while True:
            await asyncio.sleep(beat)  # the only timer on this loop: it wakes every `beat` s
            found["beats"] += 1

    shut_down = getattr(asyncio, "QueueShutDown", ())  # 3.13+
    beat_task = asyncio.create_task(heartbeat())
    thread = threading.Thread(target=producer, name="producer", daemon=True)
    thread.start()
    try:
        async with asyncio.timeout(limit):
            while True:
                try:
                    item = await queue.get()
                except shut_down:
                    found["ended"] = ("shutdown()", time.perf_counter())
                    break
                if item is None:
                    found["ended"] = ("None", time.perf_counter())
                    break
                found["got"].append((item, time.perf_counter()))
    except TimeoutError:
        found["timed_out"] = True
    beat_task.cancel()
    await asyncio.gather(beat_task, return_exceptions=True)
    await asyncio.to_thread(thread.join, 5)
    return found


async def produce(fn, *, n: int = ITEMS, spacing: float = SPACING, beat: float = BEAT) -> Feedback:
    """Exercise 1: ``fn(loop, queue, items)``, run in a plain thread, feeds ``queue`` of ``loop``.

    The consumer runs on a fresh loop (in a worker thread) that nothing wakes but a timer every
    ``beat`` s. Checks: no error; every item of ``items`` arrived, in order, none doubled; each
    within ``PROMPT`` s of leaving ``items`` (an item put without waking the loop waits for the
    next beat); and the end of the stream (``None`` or ``queue.shutdown()``) arrived, as promptly.
    """
    fb = Feedback(_("Exercise 1 · a producer thread feeds an asyncio.Queue"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write produce(loop, queue, items) in the starter cell: from the plain thread, "
                "put each item on the loop's queue the way Part 1's set_threadsafe hands over a "
                "result; then end the stream.",
            )
        )
    limit = n * spacing + 4 * beat + 2
    with captured_log("asyncio", logging.ERROR) as records:  # errors in callbacks the thread queued
        found = await asyncio.to_thread(asyncio.run, _consume(fn, n, spacing, beat, limit))
    said = [r.getMessage() for r in records]
    if said:
        fb.fail(
            _(
                "the consumer's loop reported {n_said} error(s), the first: {splitlines}",
                n_said=len(said),
                splitlines=said[0].splitlines()[0],
            )
        )
        if any("callback None" in text for text in said):
            fb.hint(
                _(
                    "call_soon_threadsafe takes the function and its arguments separately: "
                    "loop.call_soon_threadsafe(queue.put_nowait, item). With queue.put_nowait(item) "
                    "the thread makes the call itself, and hands the loop its result, None, to call.",
                )
            )
    if found["error"] is not None:
        fb.fail(
            _(
                "produce(loop, queue, items) raised {error} in the producer thread",
                error=describe_error(found["error"]),
            )
        )
        if isinstance(found["error"], TypeError) and "callable" in str(found["error"]):
            fb.hint(
                _(
                    "call_soon_threadsafe takes the function and its arguments separately: "
                    "loop.call_soon_threadsafe(queue.put_nowait, item), not queue.put_nowait(item).",
                )
            )
        elif isinstance(found["error"], RuntimeError):
            fb.hint(
                _(
                    "Let the loop's own thread make the call: "
                    "loop.call_soon_threadsafe(queue.put_nowait, item).",
                )
            )
        return fb
    items = [item for item, _unused in found["got"]]
    if items == list(range(n)):
        fb.ok(_("all {n} items arrived, in order", n=n))
    elif sorted(items) == list(range(n)):
        fb.fail(_("all {n} items arrived, but out of order: {items}", n=n, items=items))
    else:
        missing = sorted(set(range(n)) - set(items))[:5]
        doubled = sorted({i for i in items if items.count(i) > 1})[:5]
        if missing and doubled:
            said = _(
                "{n_items} items arrived for the {n} that left `items` (missing: {missing}); "
                "doubled: {doubled}",
                n_items=len(items),
                n=n,
                missing=missing,
                doubled=doubled,
            )
        elif missing:
            said = _(
                "{n_items} items arrived for the {n} that left `items` (missing: {missing})",
                n_items=len(items),
                n=n,
                missing=missing,
            )
        elif doubled:
            said = _(
                "{n_items} items arrived for the {n} that left `items`; doubled: {doubled}",
                n_items=len(items),
                n=n,
                doubled=doubled,
            )
        else:
            said = _("{n_items} items arrived for the {n} that left `items`", n_items=len(items), n=n)
        fb.fail(said)
    delays = [got - found["sent"][item] for item, got in found["got"] if item in found["sent"]]
    if delays:
        slowest = max(delays)
        if not fb.require(
            slowest <= PROMPT,
            _(
                "each item arrived promptly: at most {ms} after it left `items` (allowed {ms2})",
                ms=_ms(slowest),
                ms2=_ms(PROMPT),
            ),
            _(
                "an item arrived {ms} after it left `items` (allowed {ms2}): the consumer's loop "
                "saw it only when its timer woke it (every {ms3}); a plain thread's put_nowait "
                "does not wake the loop",
                ms=_ms(slowest),
                ms2=_ms(PROMPT),
                ms3=_ms(beat),
            ),
        ):
            fb.hint(
                _(
                    "From a plain thread, reach the loop with "
                    "loop.call_soon_threadsafe(queue.put_nowait, item): it queues the call and wakes "
                    "the loop.",
                )
            )
    how = found["ended"]
    if how is None:
        fb.fail(
            _(
                "the end of the stream never arrived (waited {limit}): after the last item, put "
                "None, or call queue.shutdown() on Python 3.13+, through call_soon_threadsafe",
                limit=format_seconds(limit),
            )
        )
    elif found["got"] or found["sent"]:
        last = max(
            [t for _unused, t in found["got"]] + [found.get("returned", 0.0)] + list(found["sent"].values())
        )
        late = how[1] - min(last, found.get("returned", last))
        fb.require(
            late <= PROMPT,
            _(
                "then the end of the stream ({how}) arrived, {ms} after produce returned",
                how=how[0],
                ms=_ms(max(late, 0.0)),
            ),
            _(
                "the end of the stream ({how}) arrived {ms} after produce returned (allowed "
                "{ms2}): pass it through loop.call_soon_threadsafe too",
                how=how[0],
                ms=_ms(late),
                ms2=_ms(PROMPT),
            ),
        )
    return fb


# --- exercise 2: sync code, one background loop -------------------------------------------------


def _new_threads(before: set[int]) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.ident not in before and t.name != "check-cell"]


async def _attempt_in_a_cell(fn, urls, within: float, before: set[int]) -> tuple[Attempt, list[str]]:
    """Run the sync ``fn(urls)`` in a thread where a loop already runs, as in a notebook cell.

    Returns the attempt (``elapsed``: the call of ``fn`` alone) and the names of the threads
    seen starting meanwhile. The kernel's loop is not blocked: this coroutine polls.
    """
    box: dict = {}

    async def cell():  # sync code in a cell: it holds this thread's loop while it runs
        start = time.perf_counter()
        try:
            box["value"] = fn(urls)
        except Exception as exc:  # the learner's error: reported, not raised
            box["error"] = exc
        box["elapsed"] = time.perf_counter() - start

    thread = threading.Thread(target=asyncio.run, args=(cell(),), name="check-cell", daemon=True)
    seen: dict[str, None] = {}
    deadline = time.monotonic() + within
    thread.start()
    while thread.is_alive() and time.monotonic() < deadline:
        seen.update(dict.fromkeys(t.name for t in _new_threads(before)))
        await asyncio.sleep(0.005)
    if thread.is_alive():
        return Attempt(elapsed=within, timed_out=True), list(seen)
    seen.update(dict.fromkeys(t.name for t in _new_threads(before)))
    return Attempt(value=box.get("value"), error=box.get("error"), elapsed=box.get("elapsed", 0.0)), list(
        seen
    )


async def _left_running(before: set[int], within: float = 2.0) -> list[str]:
    """Names of the threads started since ``before`` still alive after ``within`` s."""
    deadline = time.monotonic() + within
    while True:
        alive = [t.name for t in _new_threads(before) if t.is_alive()]
        if not alive or time.monotonic() > deadline:
            return alive
        await asyncio.sleep(0.05)


async def fetch_all(fn, *, n: int = URLS, latency: float = LATENCY, within: float = 15.0) -> Feedback:
    """Exercise 2: the sync ``fn(urls)`` fetches ``n`` URLs through a loop in a thread of its own.

    ``fn`` is called in a thread where a loop already runs (as in a notebook cell). Checks: it
    finished without error; the ``n`` answers in order; all ``n`` in flight at once (the server's
    ``peak_in_flight``, at least 90 % of ``n``; without counters: less than half the time that one
    at a time takes); within about one round trip (0.5 s of room); no thread it started still
    running 2 s after it returned; no "Unclosed client session" logged.
    """
    fb = Feedback(_("Exercise 2 · fetch_all: sync code, one background loop"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write fetch_all(urls) in the starter cell: a loop running in a thread of its "
                "own, one ClientSession opened on it, run_coroutine_threadsafe for each URL, "
                "answers in order; then close the session, stop the loop, join its thread, close "
                "the loop.",
            )
        )
    server = start_server(latency=latency)
    urls = [f"{server.url}/get?{i}" for i in range(n)]
    before = {t.ident for t in threading.enumerate()}
    server.reset_stats()
    with captured_log("asyncio", logging.ERROR) as records, warnings.catch_warnings(record=True) as warned:
        warnings.simplefilter("always")  # an unclosed session warns (ResourceWarning), then logs
        run, started = await _attempt_in_a_cell(fn, urls, within, before)
        left = await _left_running(before) if run.ok else []
        gc.collect()  # an unclosed session says so when it is collected
    stats = server.stats(note=False)
    if run.timed_out:
        fb.fail(_("fetch_all(urls) did not finish within {within:g} s", within=within))
        return fb.hint(
            _(
                "A deadlock? .result() on a future of the loop of this very thread waits for a "
                "loop that waits for you. Submit to a NEW loop running in ANOTHER thread, and "
                "use .result(timeout=10).",
            )
        )
    if not run.ok:
        fb.fail(_("fetch_all(urls) {describe}", describe=run.describe()))
        said = str(run.error)
        if "running event loop" in said and "cannot be called" in said:
            fb.hint(
                _(
                    "asyncio.run cannot run where a loop already runs (a notebook cell). Start a "
                    "loop in a thread of its own (new_event_loop + Thread(target=loop.run_forever)) "
                    "and submit to it.",
                )
            )
        elif "no running event loop" in said:
            fb.hint(
                _(
                    "Create the ClientSession inside a coroutine run on the background loop: "
                    "run_coroutine_threadsafe(open_session(), loop).result(), as the notebook does.",
                )
            )
        return fb
    check_answers(fb, run.value, [str(i) for i in range(n)])
    _concurrency(fb, stats, run.elapsed, n, server.latency)
    ideal = server.cold_latency
    factor = round(max(3.0, 1 + 0.5 / ideal), 1)
    check_time(fb, run.elapsed, ideal, factor=factor, what=N_("one round trip"), stall=stats)
    if left:
        fb.fail(
            _(
                "after fetch_all returned, the thread(s) {join} kept running: stop the loop "
                "(loop.call_soon_threadsafe(loop.stop)), join its thread, then loop.close()",
                join=", ".join(repr(t) for t in left),
            )
        )
    else:
        fb.ok(
            _(
                "no thread left running afterwards (it started {n_started}: {value})",
                n_started=len(started),
                value=", ".join(started),
            )
            if started
            else _("no thread left running afterwards (it started 0: none)")
        )
    said = [r.getMessage() for r in records] + [str(w.message) for w in warned]
    unclosed = [text.splitlines()[0] for text in said if "Unclosed" in text]
    fb.require(
        not unclosed,
        _("no session or connector left open"),
        (
            _(
                "{unclosed}...: close the session on its loop, "
                "run_coroutine_threadsafe(session.close(), loop).result(), before you stop the "
                "loop",
                unclosed=unclosed[0][:60],
            )
            if unclosed
            else ""
        ),
    )
    return fb


def _concurrency(fb: Feedback, stats, elapsed: float, n: int, latency: float) -> None:
    """All ``n`` in flight at once: by the server's peak, or (no counters) by the time."""
    hint = _(
        "Submit every coroutine first (a list of futures), then call .result() on each: a .result() right "
        "after each submit waits for one answer before the next request is even sent."
    )
    peak = stats["peak_in_flight"]
    if measurable(peak):
        if not fb.require(
            peak >= 0.9 * n,
            _(
                "{peak} requests were in flight at once: they ran concurrently, on your loop",
                peak=peak,
            ),
            _(
                "at most {peak} request(s) were in flight at once, for {n} URLs: expected all {n} together",
                peak=peak,
                n=n,
            ),
        ):
            fb.hint(hint)
        return
    fb.note(
        _(
            "requests in flight: not measurable on this server (it keeps no counters)",
        )
    )
    one_at_a_time = n * latency
    if not fb.require(
        elapsed < 0.5 * one_at_a_time,
        _(
            "took {elapsed}, under half of {n} × a round trip: they ran concurrently",
            elapsed=format_seconds(elapsed),
            n=n,
        ),
        _(
            "took {elapsed}, {value:.2f} × ({n} × a round trip): the requests did not run together",
            elapsed=format_seconds(elapsed),
            value=elapsed / one_at_a_time,
            n=n,
        ),
    ):
        fb.hint(hint)


# --- exercise 3: your own to_thread ---------------------------------------------------------------

JOB = 0.05  # exercise 3: seconds the job sleeps in the thread
HOLD = 0.15  # exercise 3: the loop may not be held this long during a LONG_JOB (a fast heartbeat measures it)
LONG_JOB = 0.3  # exercise 3: seconds of the job beside the fast heartbeat


def _job(seconds: float):
    """The work handed to the learner's function: sleep, then say which thread did it."""
    time.sleep(seconds)
    return threading.get_ident()


class JobFailed(Exception):
    """The error a failing job raises: it must reach the awaiting task."""


def _failing_job(seconds: float):
    time.sleep(seconds)
    raise JobFailed("the job failed in its thread")


async def _run_job(fn, job, seconds: float, limit: float, tick: float) -> dict:
    """On a fresh loop woken only by a heartbeat every ``tick`` s: ``await fn(job, seconds)``."""
    found: dict = {"loop_thread": threading.get_ident(), "ticks": []}

    async def heartbeat():
        while True:
            found["ticks"].append(time.perf_counter())
            await asyncio.sleep(tick)

    beat = asyncio.create_task(heartbeat())
    await asyncio.sleep(0)  # its first tick
    start = time.perf_counter()
    try:
        async with asyncio.timeout(limit):
            found["value"] = await fn(job, seconds)
    except TimeoutError:
        found["timed_out"] = True
    except Exception as exc:  # the learner's error, or the job's: reported, not raised
        found["error"] = exc
    found["elapsed"] = time.perf_counter() - start
    found["ticks"].append(time.perf_counter())
    beat.cancel()
    await asyncio.gather(beat, return_exceptions=True)
    return found


async def run_in_a_thread(fn, *, beat: float = BEAT) -> Feedback:
    """Exercise 3: ``await fn(func, *args)`` runs ``func(*args)`` in a new thread, as ``to_thread`` does.

    Three runs, each on a fresh loop: (1) a loop woken only every ``beat`` s: the result of a
    ``JOB`` s job must come back within ``PROMPT`` s of the job's end (a result set without
    waking the loop waits for the next beat), computed in another thread; (2) a heartbeat every
    5 ms: the loop never held ``HOLD`` s or more while a ``LONG_JOB`` s job runs; (3) a job that raises:
    its exception reaches the awaiting task, as promptly.
    """
    fb = Feedback(_("Exercise 3 · your own to_thread"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write async def run_in_a_thread(func, *args) in the starter cell: a Future of "
                "the running loop, a threading.Thread that calls func(*args), the result handed "
                "over thread-safely.",
            )
        )
    limit = 3 * beat + 2
    first = await asyncio.to_thread(asyncio.run, _run_job(fn, _job, JOB, limit, beat))
    if first.get("timed_out"):
        fb.fail(
            _(
                "await run_in_a_thread(job, {JOB}) did not finish within {limit}",
                JOB=JOB,
                limit=format_seconds(limit),
            )
        )
        return fb.hint(
            _(
                "Hand the result over with loop.call_soon_threadsafe(future.set_result, result).",
            )
        )
    if "error" in first:
        fb.fail(
            _(
                "await run_in_a_thread(job, {JOB}) raised {error}",
                JOB=JOB,
                error=describe_error(first["error"]),
            )
        )
        return fb.hint(_("run_in_a_thread must return what func(*args) returned."))
    if not isinstance(first.get("value"), int):
        fb.fail(
            _(
                "await run_in_a_thread(job, {JOB}) returned {get!r:.60}, not the job's result",
                JOB=JOB,
                get=first.get("value"),
            )
        )
        return fb.hint(
            _(
                "Set the Future's result to what func(*args) returned, and return `await future`.",
            )
        )
    fb.require(
        first["value"] != first["loop_thread"],
        _("the job ran in another thread than the loop's"),
        _(
            "the job ran in the loop's own thread: start a threading.Thread that calls func(*args)",
        ),
    )
    late = first["elapsed"] - JOB
    if not fb.require(
        late <= PROMPT,
        _(
            "the result came back {ms} after the {ms2} job ended, on a loop that nothing "
            "else woke (allowed {ms3})",
            ms=_ms(max(late, 0.0)),
            ms2=_ms(JOB),
            ms3=_ms(PROMPT),
        ),
        _(
            "the result came back {ms} after the {ms2} job ended (allowed {ms3}): the loop "
            "noticed it only at its next timer (every {ms4})",
            ms=_ms(late),
            ms2=_ms(JOB),
            ms3=_ms(PROMPT),
            ms4=_ms(beat),
        ),
    ):
        fb.hint(
            _(
                "A plain thread's future.set_result(result) does not wake the loop: "
                "loop.call_soon_threadsafe(future.set_result, result) does.",
            )
        )
    held = await asyncio.to_thread(asyncio.run, _run_job(fn, _job, LONG_JOB, limit, 0.005))
    gap = max((b - a for a, b in pairwise(held["ticks"])), default=0.0)
    fb.require(
        gap < HOLD,
        _(
            "the loop ran on meanwhile: its longest stall during a {ms} job was {ms2}",
            ms=_ms(LONG_JOB),
            ms2=_ms(gap),
        ),
        _(
            "the loop was held {ms} during a {ms2} job (allowed under {ms3}): do not wait "
            "for the thread (no join()); await the Future",
            ms=_ms(gap),
            ms2=_ms(LONG_JOB),
            ms3=_ms(HOLD),
        ),
    )
    died: list[BaseException] = []
    hook, threading.excepthook = threading.excepthook, lambda args: died.append(args.exc_value)
    try:  # a thread that dies of the job's error is reported here, not printed
        failing = await asyncio.to_thread(asyncio.run, _run_job(fn, _failing_job, JOB, limit, beat))
    finally:
        threading.excepthook = hook
    if failing.get("timed_out"):
        fb.fail(
            _(
                "when the job raised, await run_in_a_thread(...) never finished (waited {limit}): "
                "its thread died of {error}",
                limit=format_seconds(limit),
                error=type(died[0]).__name__,
            )
            if died
            else _(
                "when the job raised, await run_in_a_thread(...) never finished (waited {limit})",
                limit=format_seconds(limit),
            )
        )
        fb.hint(
            _(
                "Catch the job's exception in the thread and hand it over: "
                "loop.call_soon_threadsafe(future.set_exception, exc).",
            )
        )
    elif not isinstance(failing.get("error"), JobFailed):
        got = failing.get("error")
        fb.fail(
            _(
                "when the job raised JobFailed, await run_in_a_thread(...) raised {error}: the job's "
                "own exception should reach the awaiting task",
                error=describe_error(got),
            )
            if got
            else _(
                "when the job raised JobFailed, await run_in_a_thread(...) returned {value!r:.40}: "
                "the job's own exception should reach the awaiting task",
                value=failing.get("value"),
            )
        )
    else:
        late = failing["elapsed"] - JOB
        fb.require(
            late <= PROMPT,
            _(
                "a job's exception reached the awaiting task, {ms} after the job ended",
                ms=_ms(max(late, 0.0)),
            ),
            _(
                "a job's exception reached the awaiting task {ms} after the job ended (allowed "
                "{ms2}): hand it over with loop.call_soon_threadsafe(future.set_exception, exc)",
                ms=_ms(late),
                ms2=_ms(PROMPT),
            ),
        )
    return fb
