"""How much memory this process holds: resident (RSS) and virtual (VMS), and how much a block added.

>>> before = memory_snapshot()                                  # doctest: +SKIP
>>> with memory_delta() as mem:                                 # doctest: +SKIP
...     threads = start_many_idle_threads()
...     grown = mem.now()        # growth so far, while they are alive
...     stop_them()
>>> print(grown.per(1000))                                     # doctest: +SKIP
RSS 14.2 KiB, virtual 8.00 MiB

*RSS* (resident set size) is the memory actually in RAM for this process; *VMS*
(virtual memory size) is all the address space it has reserved, touched or not.
A thread's stack is reserved whole (8 MiB by default on Linux, 16 MiB for
CPython on macOS) but only the pages it touches become resident. Measured with
:mod:`psutil`, whose fields mean what each system counts:

- Linux and macOS: ``rss`` is the resident set, ``vms`` the address space mapped
  (on macOS it also counts a large shared region, so read differences, not totals);
- Windows: ``rss`` is the *working set*, and ``vms`` is the memory **committed**
  (the pagefile charge, Task Manager's "Commit size"), not the address space
  reserved. A thread's stack there reserves about 2 MB but commits only the pages
  in use, so the "virtual" growth per thread is small. Printed snapshots say
  ``committed`` instead of ``virtual`` on Windows (:func:`vms_label`).
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from helpers._validate import got, is_number


def _process():
    import psutil  # imported on first use: `import helpers` stays light

    return psutil.Process()


def vms_label() -> str:
    """What ``vms`` measures here, in one word: ``"committed"`` on Windows, ``"virtual"`` elsewhere."""
    return "committed" if os.name == "nt" else "virtual"


def rss_bytes() -> int:
    """Resident set size of this process, in bytes: the memory it holds in RAM now."""
    return _process().memory_info().rss


def vms_bytes() -> int:
    """Virtual memory size of this process, in bytes: all the address space it has mapped
    (on Windows, psutil's ``vms``: the memory committed, see the module's notes)."""
    return _process().memory_info().vms


_UNITS = (("B", 1), ("KiB", 1024), ("MiB", 1024**2), ("GiB", 1024**3), ("TiB", 1024**4))


def format_bytes(n: float) -> str:
    """A size in bytes, 3 significant digits, binary units: ``512 -> "512 B"``,
    ``14_540 -> "14.2 KiB"``, ``8_388_608 -> "8.00 MiB"``; a negative size keeps its sign."""
    if isinstance(n, bool) or not isinstance(n, int | float):
        raise TypeError(f"n must be a number of bytes, got {type(n).__name__}")
    if not math.isfinite(n):
        raise ValueError(f"n must be a finite number of bytes, got {n!r}")
    sign, size = ("-" if n < 0 else ""), abs(n)
    for unit, scale in _UNITS:
        value = size / scale
        if unit == "B":
            if round(value) < 1024:
                return f"{sign}{value:.0f} B"
            continue
        decimals = 2 if round(value, 2) < 10 else 1 if round(value, 1) < 100 else 0
        if round(value, decimals) < 1024 or unit == "TiB":
            return f"{sign}{value:.{decimals}f} {unit}"
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class MemorySnapshot:
    """Resident (``rss``) and virtual (``vms``) bytes: a reading, or a difference of two readings.

    ``after - before`` is the growth between two snapshots; ``delta.per(n)`` divides it by ``n``.
    ``str()`` names ``vms`` by :func:`vms_label` ("RSS 1.00 KiB, virtual 8.00 MiB" on Linux).
    """

    rss: float
    vms: float

    def __post_init__(self) -> None:
        for name, value in (("rss", self.rss), ("vms", self.vms)):
            if not is_number(value):
                raise TypeError(f"{name} must be a finite number of bytes, got {got(value)}")
            if not math.isfinite(value):
                raise ValueError(f"{name} must be a finite number of bytes, got {value!r}")

    def __sub__(self, other: MemorySnapshot) -> MemorySnapshot:
        if not isinstance(other, MemorySnapshot):
            return NotImplemented
        return MemorySnapshot(self.rss - other.rss, self.vms - other.vms)

    def per(self, count: int) -> MemorySnapshot:
        """This amount divided among ``count`` things (threads, tasks...)."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be an int >= 1, got {count!r}")
        return MemorySnapshot(self.rss / count, self.vms / count)

    def __str__(self) -> str:
        return f"RSS {format_bytes(self.rss)}, {vms_label()} {format_bytes(self.vms)}"


def memory_snapshot() -> MemorySnapshot:
    """This process's RSS and VMS now, in one reading."""
    info = _process().memory_info()
    return MemorySnapshot(info.rss, info.vms)


class MemoryDelta:
    """Yielded by :func:`memory_delta`: ``now()`` is the growth since the block began;
    ``at_exit`` is the growth when it ended (``None`` inside the block)."""

    def __init__(self) -> None:
        self.start = memory_snapshot()
        self.at_exit: MemorySnapshot | None = None

    def now(self) -> MemorySnapshot:
        """RSS and VMS growth from the start of the block to now (negative if memory was given back)."""
        return memory_snapshot() - self.start

    def __repr__(self) -> str:
        state = f"at exit: {self.at_exit}" if self.at_exit is not None else f"so far: {self.now()}"
        return f"<MemoryDelta {state}>"


@contextmanager
def memory_delta() -> Iterator[MemoryDelta]:
    """Measure what a block adds: ``with memory_delta() as mem: ...; grown = mem.now()``.

    Call ``mem.now()`` while the things you measure are alive; after the block,
    ``mem.at_exit`` tells how much of it the process still holds.
    """
    delta = MemoryDelta()
    try:
        yield delta
    finally:
        delta.at_exit = delta.now()
