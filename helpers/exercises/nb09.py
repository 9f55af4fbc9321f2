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
from helpers.i18n import _
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
    fb = Feedback(_("Exercise 1 · predict, then measure"))
    if not isinstance(predicted, dict):
        return fb.fail(
            _(
                "PREDICTED is a {name}; keep it a dict of two predictions",
                name=type(predicted).__name__,
            )
        )
    values = {key: predicted.get(key) for key in KEYS}
    if all(value is None for value in values.values()):
        return fb.not_started(
            _(
                "Replace the two None in PREDICTED with your predictions, in seconds; then run "
                "this check again: it runs sequential() and concurrent() and compares.",
            )
        )
    for key, value in values.items():
        if value is None:
            fb.fail(_('PREDICTED["{key}"] is still None: predict it too', key=key))
        elif seconds_or_none(value) is None:
            fb.fail(
                _(
                    'PREDICTED["{key}"] is {value!r}: write a positive number of seconds',
                    key=key,
                    value=value,
                )
            )
    if fb.failures:
        return fb
    for key, fn in zip(KEYS, (sequential, concurrent), strict=True):
        with contextlib.redirect_stdout(io.StringIO()) as out:
            run = await attempt_async(fn, timeout=60)
        if not run.ok:
            fb.fail(_("{key}() {describe}", key=key, describe=run.describe(60)))
            continue
        calls, guess = out.getvalue().count("Compute "), float(values[key])
        fb.note(
            _(
                "{key}(): {calls} compute() call{value}, measured {elapsed}",
                key=key,
                calls=calls,
                value="s" * (calls != 1),
                elapsed=format_seconds(run.elapsed),
            )
        )
        ratio = guess / run.elapsed
        fb.require(
            1 / TOLERANCE <= ratio <= TOLERANCE,
            _(
                "{key}: you predicted {guess}; it took {elapsed}: right",
                key=key,
                guess=format_seconds(guess),
                elapsed=format_seconds(run.elapsed),
            ),
            _(
                "{key}: you predicted {guess}, but it took {elapsed}: {max:.1f}× off (within "
                "{TOLERANCE:g}× counts as right)",
                key=key,
                guess=format_seconds(guess),
                elapsed=format_seconds(run.elapsed),
                max=max(ratio, 1 / ratio),
                TOLERANCE=TOLERANCE,
            ),
        )
    fb.hint(
        _(
            "sequential() awaits each print_sum before starting the next: one SLEEP per pair, in a row.",
        )
    )
    fb.hint(
        _(
            "concurrent() starts every print_sum as a task first: they all sleep at the same time.",
        )
    )
    return fb


async def compute_blocking(fn) -> Feedback:
    """Show that ``fn`` (an ``async def compute_blocking(x, y)``) blocks the event loop.

    Checks that it returns ``x + y`` and takes a while; then runs three calls
    as tasks of a TaskGroup, traced with ``trace_loop_idle``: a blocking
    ``compute`` makes them take about three calls' time (one after another),
    with the loop never idle; a non-blocking one overlaps them (about one call).
    """
    fb = Feedback(_("Exercise 2 · the blocking mistake"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write compute_blocking(x, y): compute() with time.sleep(SLEEP) in place of "
                "await asyncio.sleep(SLEEP), then run this check again.",
            )
        )
    if not inspect.iscoroutinefunction(fn):
        fb.fail(
            _(
                "compute_blocking is a plain function (def): make it an async def, like compute",
            )
        )
        return fb.hint(
            _(
                "A coroutine can block too: the point is an async def that calls time.sleep.",
            )
        )
    with contextlib.redirect_stdout(io.StringIO()):
        one = await attempt_async(fn, 1, 2, timeout=30)
    if one.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in compute_blocking with its body.",
            )
        )
    if not one.ok:
        return fb.fail(_("compute_blocking(1, 2) {describe}", describe=one.describe(30)))
    if not fb.require(
        one.value == 3,
        _("compute_blocking(1, 2) returned 3"),
        _("compute_blocking(1, 2) returned {value!r}, not 3", value=one.value),
    ):
        fb.hint(_("Keep compute's `return x + y`."))
    if not fb.require(
        one.elapsed >= 0.02,
        _(
            "one call took {elapsed}: it sleeps",
            elapsed=format_seconds(one.elapsed),
        ),
        _(
            "one call took only {elapsed}: it should sleep SLEEP seconds, like compute",
            elapsed=format_seconds(one.elapsed),
        ),
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
        return fb.fail(
            _(
                "three compute_blocking tasks in a TaskGroup: {describe}",
                describe=run.describe(30),
            )
        )
    idle = sum(span.duration for span in rec.spans)
    ratio = run.elapsed / one.elapsed
    took = _(
        "three calls as tasks took {elapsed} = {ratio:.1f} × one call",
        elapsed=format_seconds(run.elapsed),
        ratio=ratio,
    )
    serial = fb.require(
        ratio >= 2,
        _(
            "{took}: they ran one after another, although they were tasks",
            took=took,
        ),
        _("{took}: they overlapped, so nothing blocked", took=took),
    )
    quiet = fb.require(
        idle < 0.5 * one.elapsed,
        _(
            "the event loop sat idle {idle} of it: blocked in time.sleep, it never got to wait",
            idle=format_seconds(idle),
        ),
        _(
            "the event loop sat idle {idle} of it: it was waiting for timers, not blocked",
            idle=format_seconds(idle),
        ),
    )
    if serial and quiet:
        fb.note(
            _(
                "with `await asyncio.sleep`, the three would take about one call, the loop idle meanwhile",
            )
        )
    else:
        fb.hint(
            _(
                "Use time.sleep(SLEEP) where compute has `await asyncio.sleep(SLEEP)`: no await at all.",
            )
        )
    return fb
