"""Checkers for the exercises of notebook 09 · Who waits when.

1. :func:`predictions` (warm-up): the learner predicts how long ``sequential()``
   and ``concurrent()`` take; the checker runs both and compares.
2. :func:`compute_blocking` (main): a ``compute`` that calls ``time.sleep``;
   the checker runs three of them as tasks and shows that they ran one after
   another while the event loop never got to wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import io

from helpers import checks
from helpers.checks import Feedback, attempt_async, is_stub, seconds_or_none
from helpers.spans import SpanRecorder
from helpers.timing import format_seconds
from helpers.tracing import trace_loop_idle

NOTEBOOK = "09"
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
