"""Checkers for the exercises of notebook 08 · Coroutines.

1. :func:`predictions` (warm-up): the learner predicts how long ``sequential()``
   and ``concurrent()`` take; the checker runs both and compares.
2. :func:`compute_blocking` (main): a ``compute`` that calls ``time.sleep``;
   the checker runs three of them as tasks and shows that they ran one after
   another while the event loop never got to wait.
3. :func:`run_by_hand` (stretch): a ``send(None)`` loop that drives a
   coroutine to its end and returns its value; the checker feeds it
   coroutines that pause on custom awaitables.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io
import types

from helpers import checks
from helpers.checks import Feedback, attempt, attempt_async, is_stub, seconds_or_none
from helpers.spans import SpanRecorder
from helpers.timing import format_seconds
from helpers.tracing import trace_loop_idle

NOTEBOOK = "08"
KEYS = ("sequential", "concurrent")
TOLERANCE = 1.5  # a prediction is right within this factor of the measurement


def solution(name: str):
    """The solution to exercise ``name`` of this notebook, shown folded away."""
    return checks.solution(NOTEBOOK, name)


async def predictions(predicted, sequential, concurrent) -> Feedback:
    """Run ``sequential()`` and ``concurrent()`` once each and compare with ``predicted``.

    ``predicted`` maps ``"sequential"`` and ``"concurrent"`` to seconds. A
    prediction is right within 1.5× of the measured time either way. The
    functions' prints are silenced and counted (one ``Compute`` line per call).
    """
    fb = Feedback("Exercise 1 · predict, then measure")
    if not isinstance(predicted, dict):
        return fb.fail(f"PREDICTED is a {type(predicted).__name__}; keep it a dict of two predictions")
    values = {key: predicted.get(key) for key in KEYS}
    if all(value is None for value in values.values()):
        return fb.not_started(
            "Replace the two None in PREDICTED with your predictions, in seconds; then run this check "
            "again: it runs sequential() and concurrent() and compares."
        )
    for key, value in values.items():
        if value is None:
            fb.fail(f'PREDICTED["{key}"] is still None: predict it too')
        elif seconds_or_none(value) is None:
            fb.fail(f'PREDICTED["{key}"] is {value!r}: write a positive number of seconds')
    if fb.failures:
        return fb
    for key, fn in zip(KEYS, (sequential, concurrent), strict=True):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            run = await attempt_async(fn, timeout=60)
        if not run.ok:
            fb.fail(f"{key}() {run.describe(60)}")
            continue
        calls, guess = out.getvalue().count("Compute "), float(values[key])
        fb.note(
            f"{key}(): {calls} compute() call{'s' * (calls != 1)}, measured {format_seconds(run.elapsed)}"
        )
        ratio = guess / run.elapsed
        fb.require(
            1 / TOLERANCE <= ratio <= TOLERANCE,
            f"{key}: you predicted {format_seconds(guess)}; it took {format_seconds(run.elapsed)}: right",
            f"{key}: you predicted {format_seconds(guess)}, but it took {format_seconds(run.elapsed)}: "
            f"{max(ratio, 1 / ratio):.1f}× off (within {TOLERANCE:g}× counts as right)",
        )
    fb.hint("sequential() awaits each print_sum before starting the next: one SLEEP per pair, in a row.")
    fb.hint("concurrent() starts every print_sum as a task first: they all sleep at the same time.")
    return fb


async def compute_blocking(fn) -> Feedback:
    """Show that ``fn`` (an ``async def compute_blocking(x, y)``) blocks the event loop.

    Checks that it returns ``x + y`` and takes a while; then runs three calls
    as tasks of a TaskGroup, traced with ``trace_loop_idle``: a blocking
    ``compute`` makes them take about three calls' time (one after another),
    with the loop never idle; a non-blocking one overlaps them (about one call).
    """
    fb = Feedback("Exercise 2 · the blocking mistake")
    if is_stub(fn):
        return fb.not_started(
            "Write compute_blocking(x, y): compute() with time.sleep(SLEEP) in place of "
            "await asyncio.sleep(SLEEP), then run this check again."
        )
    if not inspect.iscoroutinefunction(fn):
        fb.fail("compute_blocking is a plain function (def): make it an async def, like compute")
        return fb.hint("A coroutine can block too: the point is an async def that calls time.sleep.")
    with contextlib.redirect_stdout(io.StringIO()):
        one = await attempt_async(fn, 1, 2, timeout=30)
    if one.not_implemented:
        return fb.not_started("Replace the `raise NotImplementedError` in compute_blocking with its body.")
    if not one.ok:
        return fb.fail(f"compute_blocking(1, 2) {one.describe(30)}")
    if not fb.require(
        one.value == 3,
        "compute_blocking(1, 2) returned 3",
        f"compute_blocking(1, 2) returned {one.value!r}, not 3",
    ):
        fb.hint("Keep compute's `return x + y`.")
    if not fb.require(
        one.elapsed >= 0.02,
        f"one call took {format_seconds(one.elapsed)}: it sleeps",
        f"one call took only {format_seconds(one.elapsed)}: it should sleep SLEEP seconds, like compute",
    ):
        return fb
    rec = SpanRecorder()

    async def three():
        async with asyncio.TaskGroup() as tg:
            for x, y in ((1, 2), (3, 4), (5, 6)):
                tg.create_task(fn(x, y))

    with contextlib.redirect_stdout(io.StringIO()), trace_loop_idle(rec):
        run = await attempt_async(three, timeout=30)
    if not run.ok:
        return fb.fail(f"three compute_blocking tasks in a TaskGroup: {run.describe(30)}")
    idle = sum(span.duration for span in rec.spans)
    ratio = run.elapsed / one.elapsed
    took = f"three calls as tasks took {format_seconds(run.elapsed)} = {ratio:.1f} × one call"
    serial = fb.require(
        ratio >= 2,
        f"{took}: they ran one after another, although they were tasks",
        f"{took}: they overlapped, so nothing blocked",
    )
    quiet = fb.require(
        idle < 0.5 * one.elapsed,
        f"the event loop sat idle {format_seconds(idle)} of it: blocked in time.sleep, it never got to wait",
        f"the event loop sat idle {format_seconds(idle)} of it: it was waiting for timers, not blocked",
    )
    if serial and quiet:
        fb.note("with `await asyncio.sleep`, the three would take about one call, the loop idle meanwhile")
    else:
        fb.hint("Use time.sleep(SLEEP) where compute has `await asyncio.sleep(SLEEP)`: no await at all.")
    return fb


@types.coroutine
def _pause():
    """A bare ``yield``: one pause back to whoever drives the coroutine."""
    yield


class _Ticks:
    """An awaitable that pauses ``n`` times, counting how often it was resumed."""

    def __init__(self, n: int):
        self.n, self.resumed = n, 0

    def __await__(self):
        for _ in range(self.n):
            yield
            self.resumed += 1
        return f"{self.n} ticks later"


async def _answer():
    return 42


async def _ticking(ticks):
    await _pause()
    return await ticks


async def _nested():
    first = await _ticking(_Ticks(2))
    return [first, await _Ticks(3)]


async def _failing():
    await _pause()
    raise ValueError("boom, from inside the coroutine")


def _drive(fn, coro):
    """Run ``fn(coro)`` with a timeout; return the attempt and whether ``coro`` was left paused.

    ``coro`` is closed afterwards, so an unfinished one never warns "never awaited".
    """
    run = attempt(fn, coro, timeout=5)
    if run.timed_out:  # still running in the attempt's thread: leave it alone
        return run, False
    paused = inspect.getcoroutinestate(coro) != inspect.CORO_CLOSED
    with contextlib.suppress(ValueError, RuntimeError):
        coro.close()
    return run, paused


# (what the coroutine does, how to make one, its value; None: it raises ValueError)
_CASES = (
    ("never pauses", lambda: _answer(), 42),
    ("pauses 6 times", lambda: _ticking(_Ticks(5)), "5 ticks later"),
    ("awaits another coroutine", lambda: _nested(), ["2 ticks later", "3 ticks later"]),
    ("raises ValueError", lambda: _failing(), None),
)


def run_by_hand(fn) -> Feedback:
    """Check ``fn(coro)``: drives ``coro`` with ``send(None)`` to its end and returns its value.

    Tries a coroutine that never pauses, one that pauses six times (a bare
    ``yield`` and a custom awaitable), one that awaits another coroutine, and
    one that raises (the exception must come out of ``fn``).
    """
    fb = Feedback("Exercise 3 · drive it yourself")
    if is_stub(fn):
        return fb.not_started(
            "Write run_by_hand(coro): call coro.send(None) until it raises StopIteration, and "
            "return the exception's .value; then run this check again."
        )
    for what, make, expected in _CASES:
        run, paused = _drive(fn, make())
        if run.not_implemented:
            return fb.not_started("Replace the `raise NotImplementedError` in run_by_hand with your loop.")
        said = f"a coroutine that {what}: run_by_hand"
        if expected is None and isinstance(run.error, ValueError):
            fb.ok(f"a coroutine that {what}: the error comes out of run_by_hand, as it should")
        elif not run.ok:
            fb.fail(f"{said} {run.describe(5)}")
            if not isinstance(run.error, StopIteration | ValueError):
                if isinstance(run.error, TypeError | AttributeError):
                    fb.hint("A coroutine is not an iterator (no for-loop, no next()): call coro.send(None).")
                return fb.hint("Loop: call coro.send(None) until it raises StopIteration.")
        elif paused:
            fb.fail(f"{said} returned {run.value!r} while the coroutine was still paused, unfinished")
        elif expected is None:
            fb.fail(f"{said} returned {run.value!r}, swallowing the coroutine's ValueError")
        else:
            fb.require(
                run.value == expected,
                f"a coroutine that {what}: driven to its end, its value {expected!r} returned",
                f"{said} returned {run.value!r}, not the coroutine's value {expected!r}",
            )
    failures = "\n".join(fb.failures)
    if "StopIteration" in failures:
        fb.hint("StopIteration is how a coroutine says 'I returned': catch it, it is not an error.")
    if "still paused" in failures:
        fb.hint("Loop: keep calling coro.send(None) until it raises StopIteration.")
    if "returned None, not" in failures:
        fb.hint("Its value travels inside StopIteration: `except StopIteration as stop: return stop.value`.")
    if "swallowing" in failures:
        fb.hint("Catch only StopIteration: any other exception should travel on to run_by_hand's caller.")
    return fb
