"""Repeatable measurement: run something several times and keep every sample.

>>> t = measure(lambda: sum(range(10_000)), repeats=5, label="sum")   # doctest: +SKIP
>>> print(t)                                                          # doctest: +SKIP
sum: median 151 µs (min 148 µs, max 170 µs, 5 runs)

One run is an anecdote: the median of a few runs, with the min and max beside
it, is a measurement. Every clock here is :func:`time.perf_counter`.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import statistics
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass

from helpers._validate import check_bool, check_int, got, is_number
from helpers.i18n import _


@dataclass(frozen=True)
class Timing:
    """The samples (in seconds) of the counted runs of one measurement.

    ``samples`` excludes the ``warmup`` runs. ``float(timing)`` is the median,
    so a Timing can be used wherever a number of seconds is expected.
    """

    label: str
    samples: tuple[float, ...]
    warmup: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.label, str):
            raise TypeError(f"label must be a str, got {type(self.label).__name__}")
        if isinstance(self.samples, str | bytes) or not hasattr(self.samples, "__iter__"):
            raise TypeError(
                f"samples must be a sequence of durations in seconds (numbers >= 0), got {got(self.samples)}"
            )
        samples = tuple(self.samples)
        if not samples:
            raise ValueError("samples must hold at least one duration in seconds, got none")
        for s in samples:
            if not is_number(s):
                raise TypeError(f"samples must be numbers of seconds, got {s!r}")
            if not math.isfinite(s) or s < 0:
                raise ValueError(f"samples must be finite numbers of seconds >= 0, got {s!r}")
        check_int("warmup", self.warmup, minimum=0)
        object.__setattr__(self, "samples", tuple(float(s) for s in samples))

    @property
    def n(self) -> int:
        """Number of counted runs."""
        return len(self.samples)

    @property
    def median(self) -> float:
        """Median of the samples, in seconds: the headline number."""
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        """Fastest run, in seconds."""
        return min(self.samples)

    @property
    def max(self) -> float:
        """Slowest run, in seconds."""
        return max(self.samples)

    @property
    def mean(self) -> float:
        """Arithmetic mean of the samples, in seconds."""
        return statistics.fmean(self.samples)

    def ratio_to(self, limit: float) -> float:
        """Return ``median / limit``: how many times slower than ``limit`` (seconds, > 0) this is."""
        if not is_number(limit):
            raise TypeError(f"limit must be a number of seconds > 0, got {limit!r}")
        if not limit > 0:
            raise ValueError(f"limit must be a number of seconds > 0, got {limit!r}")
        if not math.isfinite(limit):
            raise ValueError(f"limit must be a finite number of seconds > 0, got {limit!r}")
        return self.median / limit

    def __float__(self) -> float:
        return self.median

    def __str__(self) -> str:
        if self.n == 1:
            return _("{label}: {median} (1 run)", label=self.label, median=format_seconds(self.median))
        return _(
            "{label}: median {median} (min {min}, max {max}, {n} runs)",
            label=self.label,
            median=format_seconds(self.median),
            min=format_seconds(self.min),
            max=format_seconds(self.max),
            n=self.n,
        )


_UNITS = (("ns", 1e-9), ("µs", 1e-6), ("ms", 1e-3), ("s", 1.0))


def format_seconds(seconds: float) -> str:
    """Format a duration with 3 significant digits in a fitting unit.

    ``812e-6 -> "812 µs"``, ``0.0352 -> "35.2 ms"``, ``1.25 -> "1.25 s"``,
    ``40.84 -> "40.8 s"``; seconds stay the largest unit (``1234 -> "1234 s"``).
    """
    if not is_number(seconds):
        raise TypeError(f"seconds must be a number, got {type(seconds).__name__}")
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
    if seconds == 0:
        return "0 s"
    for unit, scale in _UNITS:
        value = seconds / scale
        # Decimals for 3 significant digits, decided on the rounded value (9.996 -> "10.0").
        decimals = 2 if round(value, 2) < 10 else 1 if round(value, 1) < 100 else 0
        if round(value, decimals) < 1000 or unit == "s":
            break
    return f"{value:.{decimals}f} {unit}"


def measure(
    fn: Callable[..., object],
    /,
    *args: object,
    repeats: int = 5,
    warmup: int = 1,
    label: str | None = None,
    progress: bool = False,
) -> Timing:
    """Call ``fn(*args)`` ``warmup`` times uncounted, then ``repeats`` times, timing each call.

    Returns a :class:`Timing` whose samples are the ``repeats`` counted durations.
    ``measure(session.get, url)`` times ``session.get(url)``. ``label`` defaults to
    ``fn.__name__``; ``progress=True`` shows a tqdm bar. For ``async def``
    functions use ``await measure_async(fn)``.
    """
    if not callable(fn):
        raise TypeError(f"fn must be a function to call, got {type(fn).__name__}")
    if inspect.iscoroutinefunction(fn):
        raise TypeError("fn is an async function: use `await measure_async(fn)` instead of measure(fn)")
    repeats, warmup, label = _check_args(fn, repeats, warmup, label)
    check_bool("progress", progress)
    samples = []
    with _progress_bar(warmup + repeats, label, progress) as advance:
        for i in range(warmup + repeats):
            start = time.perf_counter()
            result = fn(*args)
            elapsed = time.perf_counter() - start
            if inspect.iscoroutine(result):
                result.close()  # it will never run: close it so Python does not warn "never awaited"
                raise TypeError(
                    "fn returned a coroutine: use `await measure_async(fn)` instead of measure(fn)"
                )
            if i >= warmup:
                samples.append(elapsed)
            advance()
    return Timing(label, tuple(samples), warmup)


async def measure_async(
    make_coro: Callable[..., Awaitable[object]],
    /,
    *args: object,
    repeats: int = 5,
    warmup: int = 1,
    label: str | None = None,
    progress: bool = False,
) -> Timing:
    """Like :func:`measure`, awaiting ``make_coro(*args)`` each time: ``await measure_async(main)``.

    ``make_coro`` is the async function (a factory of fresh coroutines), not a
    coroutine object: a coroutine can be awaited only once.
    """
    if inspect.isawaitable(make_coro):
        if inspect.iscoroutine(make_coro):
            make_coro.close()  # we will never await it: close it so Python does not warn "never awaited"
        raise TypeError(
            "make_coro must be the async function itself, not a coroutine (which runs only once): "
            "pass the function, e.g. measure_async(main) not measure_async(main())"
        )
    if not callable(make_coro):
        raise TypeError(f"make_coro must be an async function, got {type(make_coro).__name__}")
    repeats, warmup, label = _check_args(make_coro, repeats, warmup, label)
    check_bool("progress", progress)
    samples = []
    with _progress_bar(warmup + repeats, label, progress) as advance:
        for i in range(warmup + repeats):
            start = time.perf_counter()
            awaitable = make_coro(*args)
            if not inspect.isawaitable(awaitable):
                raise TypeError(
                    f"make_coro() must return an awaitable (define it with `async def`), "
                    f"got {type(awaitable).__name__}"
                )
            await awaitable
            elapsed = time.perf_counter() - start
            if i >= warmup:
                samples.append(elapsed)
            advance()
    return Timing(label, tuple(samples), warmup)


class Stopwatch:
    """Time a block: ``with Stopwatch() as sw: ...`` then ``sw.elapsed`` (seconds).

    Inside the block, ``sw.elapsed`` is the time so far. Entering it again restarts it.
    """

    def __init__(self) -> None:
        self._start: float | None = None
        self._end: float | None = None

    def __enter__(self) -> Stopwatch:
        self._end = None
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._end = time.perf_counter()

    @property
    def elapsed(self) -> float:
        """Seconds from entering the block to leaving it (or to now, while inside it)."""
        if self._start is None:
            raise RuntimeError("this Stopwatch was never started: use it as `with Stopwatch() as sw: ...`")
        end = self._end if self._end is not None else time.perf_counter()
        return end - self._start

    def __str__(self) -> str:
        return "Stopwatch (not started)" if self._start is None else format_seconds(self.elapsed)


def _check_args(fn: object, repeats: object, warmup: object, label: object) -> tuple[int, int, str]:
    if label is None:
        label = getattr(fn, "__name__", type(fn).__name__)
    elif not isinstance(label, str):
        raise TypeError(f"label must be a str or None, got {type(label).__name__}")
    return check_int("repeats", repeats, minimum=1), check_int("warmup", warmup, minimum=0), label


@contextlib.contextmanager
def _progress_bar(total: int, label: str, enabled: bool) -> Iterator[Callable[[], None]]:
    """Yield a function that advances a tqdm bar by one run (a no-op when not enabled)."""
    if not enabled:
        yield lambda: None
        return
    from tqdm.auto import tqdm  # imported only when a bar is wanted

    with tqdm(total=total, desc=label, unit="run") as bar:
        yield lambda: bar.update(1)
