"""CPU-bound work for the GIL experiments: pure Python, no I/O, importable by child processes.

>>> crunch(1_000)                       # doctest: +SKIP
332833500
>>> n = iterations_for(0.25)            # doctest: +SKIP  (about 0.25 s of crunch(n) on this machine)

A function given to a :class:`concurrent.futures.ProcessPoolExecutor` must be
importable by name in the worker processes: it is pickled by reference (module
and name). With the *spawn* start method (the default on macOS and Windows) or
*forkserver* (the default on Linux since Python 3.14; *fork* before) a function
defined in a notebook cell is not: the workers are fresh interpreters, or forks
of one, that never ran that cell. The same holds for an
``InterpreterPoolExecutor`` (Python 3.14+): each worker interpreter imports this
module by name, and runs its module-level code again. That is why the work lives
here, in a module, importing nothing but the standard library.
"""

from __future__ import annotations

import time


def crunch(n: int) -> int:
    """Pure-Python CPU work: ``n`` rounds of integer arithmetic; returns a checksum.

    The time grows linearly with ``n``. On the standard build it holds the GIL the
    whole time (no I/O, no C call that releases it), so threads cannot run it in
    parallel there; processes and subinterpreters can, and so can threads on the
    free-threaded build (no GIL).
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"n must be an int >= 0, got {n!r}")
    if n < 0:
        raise ValueError(f"n must be an int >= 0, got {n!r}")
    total = 0
    for i in range(n):
        total += i * i % 7
    return total


def iterations_for(seconds: float, *, start: int = 10_000) -> int:
    """Return an ``n`` for which ``crunch(n)`` takes about ``seconds`` on this machine.

    Doubles ``n`` until one call takes at least a tenth of ``seconds`` (at least
    20 ms), times that size twice more, and scales the fastest of the three
    linearly (the fastest run is the one least disturbed by other programs).
    A calibration, not a benchmark: expect ±20 % on a busy machine.
    """
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"seconds must be a number > 0, got {seconds!r}")
    if not 0 < seconds <= 60:
        raise ValueError(f"seconds must be in (0, 60], got {seconds!r}")
    if isinstance(start, bool) or not isinstance(start, int) or start < 1:
        raise ValueError(f"start must be an int >= 1, got {start!r}")
    n = start
    floor = max(seconds / 10, 0.02)
    while (elapsed := _time_crunch(n)) < floor:
        n *= 2
    fastest = min(elapsed, _time_crunch(n), _time_crunch(n))
    return max(1, round(n * seconds / fastest))


def _time_crunch(n: int) -> float:
    start = time.perf_counter()
    crunch(n)
    return time.perf_counter() - start
