"""Record who did what, when: spans of time, safe from threads and from asyncio tasks.

>>> rec = SpanRecorder()
>>> with rec.span("GET /get"):      # in a thread or in a coroutine alike
...     pass
>>> len(rec), rec.peak_concurrency()
(1, 1)

Each span lands in a *lane*: by default the name of the asyncio task or, outside
any task, of the thread that ran it. :func:`helpers.plots.plot_timeline` draws
one row per lane.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

from helpers._validate import check_str, got, is_number


@dataclass(frozen=True)
class Span:
    """One labelled stretch of time in one lane; ``start``/``end`` are seconds since the recorder's origin."""

    label: str
    lane: str
    start: float
    end: float

    def __post_init__(self) -> None:
        check_str("label", self.label)
        check_str("lane", self.lane)
        for name, value in (("start", self.start), ("end", self.end)):
            if not is_number(value):
                raise TypeError(f"{name} must be a finite number of seconds, got {got(value)}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number of seconds, got {got(value)}")
        if self.end < self.start:
            raise ValueError(f"end must be >= start, got start={self.start!r}, end={self.end!r}")

    @property
    def duration(self) -> float:
        """``end - start``, in seconds."""
        return self.end - self.start


def current_lane() -> str:
    """Name of the running asyncio task if called inside one, else of the current thread.

    Jupyter runs every cell inside an asyncio task of its own: that task is not
    one of ours, so code at the top level of a cell gets the thread's name
    ("MainThread"), while tasks the cell creates get their own names.
    """
    try:
        task = asyncio.current_task()
    except RuntimeError:  # no event loop running in this thread
        task = None
    if task is None or _is_jupyter_task(task):
        return threading.current_thread().name
    return task.get_name()


def _is_jupyter_task(task: asyncio.Task) -> bool:
    """True for the task in which IPython/ipykernel runs a cell (its coroutine is defined there)."""
    frame = getattr(task.get_coro(), "cr_frame", None)
    module = frame.f_globals.get("__name__", "") if frame is not None else ""
    return module.partition(".")[0] in ("IPython", "ipykernel")


class SpanRecorder:
    """Collects :class:`Span` objects; every method may be called from any thread or task.

    Times are stored as seconds since the recorder's origin (its creation or last :meth:`reset`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._spans: list[Span] = []
        self._origin = time.perf_counter()

    @property
    def origin(self) -> float:
        """The ``time.perf_counter()`` value that span times are measured from."""
        return self._origin

    @contextlib.contextmanager
    def span(self, label: str, lane: str | None = None) -> Iterator[None]:
        """Record the time spent in a ``with`` block as a span, even if the block raises.

        ``lane`` defaults to :func:`current_lane` at entry. A plain ``with``: it works in
        threads and inside coroutines (it never awaits).
        """
        _check_names(label, lane)
        lane = current_lane() if lane is None else lane
        start = time.perf_counter()
        try:
            yield
        finally:
            self.record(label, start, time.perf_counter(), lane)

    def record(self, label: str, start: float, end: float, lane: str | None = None) -> Span:
        """Add and return a span from absolute ``time.perf_counter()`` values ``start <= end``."""
        _check_names(label, lane)
        for name, value in (("start", start), ("end", end)):
            if not is_number(value):
                raise TypeError(f"{name} must be a time.perf_counter() value (float), got {got(value)}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite time.perf_counter() value (float), got {value!r}")
        if end < start:
            raise ValueError(f"end must be >= start, got start={start!r}, end={end!r}")
        lane = current_lane() if lane is None else lane
        with self._lock:
            span = Span(label, lane, start - self._origin, end - self._origin)
            self._spans.append(span)
        return span

    def reset(self) -> None:
        """Drop all spans and move the origin to now."""
        with self._lock:
            self._spans.clear()
            self._origin = time.perf_counter()

    @property
    def spans(self) -> list[Span]:
        """A copy of the spans, sorted by start."""
        with self._lock:
            return sorted(self._spans, key=lambda s: s.start)

    @property
    def lanes(self) -> list[str]:
        """Lane names in order of their first span's start."""
        return list(dict.fromkeys(s.lane for s in self.spans))

    @property
    def elapsed(self) -> float:
        """Seconds from the first start to the last end (0.0 when there are no spans)."""
        spans = self.spans
        return max(s.end for s in spans) - spans[0].start if spans else 0.0

    def peak_concurrency(self) -> int:
        """Largest number of spans in progress at the same instant.

        A span that ends exactly when another starts does not overlap it.
        """
        # Sweep the start/end events in time order. At equal times, ends of spans come
        # before starts (touching spans do not overlap), except that a zero-length span
        # ends after the starts, so it still counts at its own instant.
        events = []
        for s in self.spans:
            events.append((s.start, 1, +1))
            events.append((s.end, 0 if s.end > s.start else 2, -1))
        running = peak = 0
        for _, _, step in sorted(events):
            running += step
            peak = max(peak, running)
        return peak

    def __len__(self) -> int:
        with self._lock:
            return len(self._spans)

    def __repr__(self) -> str:
        return f"<SpanRecorder: {len(self)} spans in {len(self.lanes)} lanes, {self.elapsed:.3f} s>"


def _check_names(label: object, lane: object) -> None:
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__}")
    if lane is not None and not isinstance(lane, str):
        raise TypeError(f"lane must be a str or None, got {type(lane).__name__}")
