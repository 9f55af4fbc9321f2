"""Trace what an asyncio event loop does between steps: when it sits idle, waiting.

>>> rec = SpanRecorder()
>>> async def main():
...     with trace_loop_idle(rec):
...         await asyncio.sleep(0.05)
>>> asyncio.run(main())
>>> rec.lanes
['event loop idle']

An asyncio event loop that has nothing to run waits in a single call,
``selector.select(timeout)``: it blocks there until a socket is ready or the
next timer is due. While the ``with`` block runs, :func:`trace_loop_idle`
wraps that call of the loop and records every wait as a span, so a timeline
can show the loop's idle time beside the coroutines' spans.

It relies on an implementation detail of asyncio's own loops: the selector
(``loop._selector``, on Linux and macOS) or the proactor (``loop._proactor``,
the Windows default). Other loops (uvloop, for one) raise TypeError.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Iterator

from helpers.spans import SpanRecorder


@contextlib.contextmanager
def trace_loop_idle(
    recorder: SpanRecorder,
    *,
    lane: str = "event loop idle",
    label: str = "idle",
    loop: asyncio.AbstractEventLoop | None = None,
    min_duration: float = 1e-4,
) -> Iterator[SpanRecorder]:
    """Record, as spans in ``lane``, the times the event loop waits with nothing to run.

    Use it inside a coroutine (or a notebook cell, which runs in the kernel's loop):
    ``with trace_loop_idle(rec): await main()``. ``loop`` defaults to the running loop.
    Waits shorter than ``min_duration`` seconds (the loop's quick polls) are not recorded.
    The loop is restored when the block ends, even if it raises. Yields ``recorder``.
    """
    if not isinstance(recorder, SpanRecorder):
        raise TypeError(f"recorder must be a SpanRecorder, got {type(recorder).__name__}")
    for name, value in (("lane", lane), ("label", label)):
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a str, got {type(value).__name__}")
    if isinstance(min_duration, bool) or not isinstance(min_duration, int | float):
        raise TypeError(f"min_duration must be a number of seconds >= 0, got {min_duration!r}")
    if not math.isfinite(min_duration) or min_duration < 0:
        raise ValueError(f"min_duration must be a number of seconds >= 0, got {min_duration!r}")
    if loop is None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            raise RuntimeError(
                "trace_loop_idle needs a running event loop: use it inside `async def` or a notebook cell"
            ) from None
    waiter = _waiter(loop)
    previous = vars(waiter).get("select")  # an earlier trace's wrapper, when traces are nested
    original = waiter.select

    def select(timeout: float | None = None):  # the loop calls it from its own thread only
        start = time.perf_counter()
        try:
            return original(timeout)
        finally:
            end = time.perf_counter()
            if end - start >= min_duration:
                recorder.record(label, start, end, lane)

    waiter.select = select
    try:
        yield recorder
    finally:
        if previous is None:
            del waiter.select  # the class's own method shows through again
        else:
            waiter.select = previous


def _waiter(loop: object) -> object:
    """The object whose ``select(timeout)`` the loop blocks in: its selector or its proactor."""
    for attribute in ("_selector", "_proactor"):
        waiter = getattr(loop, attribute, None)
        if waiter is not None and callable(getattr(waiter, "select", None)) and hasattr(waiter, "__dict__"):
            return waiter
    raise TypeError(
        f"cannot trace a {type(loop).__name__}: loop must be one of asyncio's own selector or proactor "
        "event loops, or None for the running loop"
    )
