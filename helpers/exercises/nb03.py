"""Checkers for the exercises of notebook 03 · What a thread is, the GIL, and what a thread costs.

1. :func:`add_safely` (warm-up): add 1 to a shared counter ``times`` times, read,
   window, write, on 4 threads at once, losing no update: a ``threading.Lock``
   shared by all the threads, held from the read to the write. The checker's
   counter opens the window itself (reading ``counter.value`` lets the other
   threads run), so taking the window out does not help; it counts the writes,
   checks each is 1 more than its thread's read and none went over another
   thread's update, and the exact total.
2. :func:`run_small` (stretch): run ``work()`` on new threads with 256 KiB
   stacks and put ``threading.stack_size(0)`` back; the checker's ``work``
   measures the stack of the thread it runs on (Linux and macOS). On Windows
   ``threading.stack_size`` sets how much of a stack is *committed* at start, not
   its reservation (``python.exe``'s, about 2 MB, whatever the setting): there the
   checker reports the reservation it measured and does not judge the size.
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time

from helpers import checks
from helpers.checks import Feedback, attempt, is_stub
from helpers.exercises.nb02 import _ThreadErrors
from helpers.i18n import _
from helpers.memory import format_bytes

NOTEBOOK = "03"
SMALL = 256 * 1024  # bytes: the stack size the exercise asks for


def solution(name: str):
    """The solution to exercise ``name``, folded away until the reader opens it."""
    return checks.solution(NOTEBOOK, name)


def _my_stack_size() -> int | None:
    """The size of the calling thread's stack, in bytes, asked of the OS; None where it cannot tell.

    Linux: ``pthread_getattr_np``; macOS: ``pthread_get_stacksize_np``; Windows: the
    stack *reserved* (:func:`_windows_stack_reserve`).
    """
    try:
        if sys.platform == "win32":
            return _windows_stack_reserve(ctypes.WinDLL("kernel32"))
        libc = ctypes.CDLL(None)
        libc.pthread_self.restype = ctypes.c_void_p
        me = ctypes.c_void_p(libc.pthread_self())
        if sys.platform == "darwin":
            libc.pthread_get_stacksize_np.restype = ctypes.c_size_t
            return int(libc.pthread_get_stacksize_np(me))
        attr = ctypes.create_string_buffer(256)  # a pthread_attr_t is at most 64 bytes
        if libc.pthread_getattr_np(me, attr) != 0:
            return None
        try:
            addr, size = ctypes.c_void_p(), ctypes.c_size_t()
            if libc.pthread_attr_getstack(attr, ctypes.byref(addr), ctypes.byref(size)) != 0:
                return None
            return int(size.value)
        finally:
            libc.pthread_attr_destroy(attr)
    except (OSError, AttributeError, TypeError):
        return None


def _windows_stack_reserve(kernel32) -> int | None:
    """The calling thread's reserved stack, in bytes, from ``kernel32.GetCurrentThreadStackLimits``.

    Windows 8+: the lowest and highest addresses of the stack's reservation (the
    exe header's size unless a larger commit was asked); None if they make no sense.
    """
    low, high = ctypes.c_size_t(), ctypes.c_size_t()  # ULONG_PTR, pointer-sized
    kernel32.GetCurrentThreadStackLimits(ctypes.byref(low), ctypes.byref(high))  # returns nothing
    size = high.value - low.value
    return size if size > 0 else None


def _default_stack() -> int | None:
    """The stack a new thread gets with ``threading.stack_size(0)``, measured on one."""
    box = []
    thread = threading.Thread(target=lambda: box.append(_my_stack_size()), name="check-default-stack")
    thread.start()
    thread.join()
    return box[0]


class _Counter:
    """The shared counter the check gives ``add_safely``: read and write ``counter.value``.

    Reading ``value`` lets other threads run before it returns (``time.sleep(0)``),
    so a read-modify-write is open to a race whatever the learner's code does. Each
    read and each write is itself atomic (an internal lock held for the bookkeeping
    only), as loading or storing a Python int is. It counts the writes, the writes
    that were not 1 more than the value their thread read last, and the writes over
    another thread's update (the value had changed since this thread's read: that
    update is lost).
    """

    def __init__(self):
        self._value = 0
        self._inner = threading.Lock()  # the counter's own bookkeeping, never held across the window
        self._last_read: dict[int, int] = {}  # thread id -> the value it read last
        self.writes = self.not_plus_one = self.overwrites = 0
        self.example: tuple[int | None, int] | None = None  # (read, written) of the first write not read + 1

    @property
    def value(self) -> int:
        with self._inner:
            seen = self._value
            self._last_read[threading.get_ident()] = seen
        time.sleep(0)  # the window: other threads run before this read returns
        return seen

    @value.setter
    def value(self, new) -> None:
        with self._inner:
            read = self._last_read.pop(threading.get_ident(), None)
            self.writes += 1
            if read is None or new != read + 1:
                self.not_plus_one += 1
                self.example = self.example or (read, new)
            elif self._value != read:
                self.overwrites += 1
            self._value = new

    @property
    def total(self) -> int:
        """The value now, read without opening the window (for the check itself)."""
        return self._value

    def __repr__(self) -> str:
        return _("<the check's counter: value={value}>", value=self._value)


def add_safely(fn, *, threads: int = 4, times: int = 1000, timeout: float = 30.0) -> Feedback:
    """Run ``fn(counter, times)`` on ``threads`` threads at once, all on one counter of the check's.

    Passes when every thread finished within ``timeout``, without an exception,
    after ``times`` writes each, every write 1 more than the value its thread had
    just read, none over another thread's update, and ``counter.value`` is exactly
    ``threads × times``. Reading ``counter.value`` opens the window itself
    (:class:`_Counter`), so only a lock held from the read to the write passes.
    """
    fb = Feedback(_("Exercise 1 · a race, fixed"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write add_safely(counter, times): add_racy's loop on counter.value, inside "
                "`with lock:`, with one threading.Lock made outside the function. Then run this "
                "check again.",
            )
        )
    counter, expected = _Counter(), threads * times
    start = threading.Barrier(threads + 1)

    def adder():
        start.wait(timeout)  # all together: the threads overlap from their first addition
        fn(counter, times)

    workers = [threading.Thread(target=adder, name=f"adder-{k}", daemon=True) for k in range(1, threads + 1)]

    def run_all():
        for t in workers:
            t.start()
        start.wait(timeout)
        for t in workers:
            t.join()

    with _ThreadErrors() as died:
        run = attempt(run_all, timeout=timeout)
    if not run.ok:
        fb.fail(
            _(
                "{threads} threads × add_safely(counter, {times}) {describe}",
                threads=threads,
                times=times,
                describe=run.describe(timeout),
            )
        )
        if not run.timed_out:
            return fb
        return fb.hint(
            _(
                "A thread waits forever at a lock nobody releases: use `with lock:` (it releases "
                "the lock even on an exception), and do not take the same Lock twice in one "
                "thread.",
            )
        )
    if died.report(fb):  # e.g. add_safely(times), as add_racy: a TypeError in every thread
        return fb.hint(
            _(
                "add_safely(counter, times): the check passes its counter and the number of additions.",
            )
        )
    if not fb.require(
        counter.writes == expected and not counter.not_plus_one,
        _(
            "{threads} threads × {times:,} additions: {expected:,} writes, each 1 more than "
            "the value its thread had just read",
            threads=threads,
            times=times,
            expected=expected,
        ),
        _adding_one_failure(counter, threads, times),
    ):
        if not counter.writes:
            return fb.hint(
                _(
                    "Read and write counter.value, on the counter the check passes in (not a global).",
                )
            )
        return fb.hint(
            _(
                "Add 1 at a time, as add_racy does: x = counter.value, time.sleep(0), "
                "counter.value = x + 1, {times:,} times.",
                times=times,
            )
        )
    total = counter.total
    if fb.require(
        total == expected and not counter.overwrites,
        _(
            "counter.value is {total:,}, as expected: no update lost",
            total=total,
        ),
        _lost_failure(counter, expected),
    ):
        return fb.note(
            _(
                "the counter opened the window itself: reading counter.value let other threads run",
            )
        )
    return fb.hint(
        _(
            "Hold one Lock from the read to the write, in every thread: `with lock:` around "
            "all three steps, and the Lock made once, outside add_safely (a Lock made inside "
            "it is a new one per call: each thread has its own, and nothing is protected).",
        )
    )


def _lost_failure(counter: _Counter, expected: int) -> str:
    """The ✗ line when updates were lost: the total, and the writes over another thread's update."""
    total, parts = counter.total, []
    if total < expected:
        parts.append(
            _(
                "counter.value is {total:,}, not {expected:,}: {lost:,} updates lost",
                total=total,
                expected=expected,
                lost=expected - total,
            )
        )
    elif total != expected:
        parts.append(_("counter.value is {total:,}, not {expected:,}", total=total, expected=expected))
    if counter.overwrites:
        parts.append(
            _(
                "{overwrites:,} writes went over another thread's update, made between their "
                "thread's read and write",
                overwrites=counter.overwrites,
            )
        )
    return "; ".join(parts)


def _adding_one_failure(counter: _Counter, threads: int, times: int) -> str:
    """The ✗ line when add_safely did not write ``threads × times`` times, each a read + 1."""
    expected = threads * times
    if counter.not_plus_one:
        read, written = counter.example
        if read is not None:
            return _(
                "{not_plus_one:,} of the {writes:,} writes were not 1 more than the value their "
                "thread had just read (one wrote {written!r} after reading {read})",
                not_plus_one=counter.not_plus_one,
                writes=counter.writes,
                written=written,
                read=read,
            )
        return _(
            "{not_plus_one:,} of the {writes:,} writes were not 1 more than the value their "
            "thread had just read (one wrote {written!r} without reading)",
            not_plus_one=counter.not_plus_one,
            writes=counter.writes,
            written=written,
        )
    return _(
        "{threads} threads × add_safely(counter, {times}) wrote counter.value {writes:,} times, "
        "not {expected:,}",
        threads=threads,
        times=times,
        writes=counter.writes,
        expected=expected,
    )


def run_small(fn, *, n: int = 10, size: int = SMALL, timeout: float = 10.0) -> Feedback:
    """Run ``fn(work, n)`` with a ``work`` that records the stack of the thread it runs on.

    Passes when ``work`` ran ``n`` times on ``n`` new threads, all finished when
    ``fn`` returned, each with a stack of at most 2 × ``size`` (not judged on
    Windows, which keeps the reservation), and ``threading.stack_size()`` is 0
    again. The checker starts from 0 and restores 0 in any case.
    """
    fb = Feedback(_("Exercise 2 · smaller stacks"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write run_small(work, n): set threading.stack_size(SMALL), start n threads "
                "running work(), put threading.stack_size(0) back, and join the threads. Then "
                "run this check again.",
            )
        )
    if setting := threading.stack_size(0):  # an earlier run left it set: start from the default
        fb.note(
            _(
                "threading.stack_size() was {setting} before the check, from an earlier run: now 0",
                setting=setting,
            )
        )
    default = _default_stack()
    records, done, lock = [], [], threading.Lock()

    def work():
        with lock:
            records.append((threading.current_thread(), _my_stack_size()))
        time.sleep(0.1)  # long enough to tell a joined thread from one left running
        done.append(1)

    def call():
        value = fn(work, n)
        return value, len(done), threading.stack_size()

    try:
        with _ThreadErrors() as died:
            run = attempt(call, timeout=timeout)
    finally:
        threading.stack_size(0)  # whatever the learner's code did, the kernel gets the default back
    if run.not_implemented:
        return fb.not_started(_("Replace the `raise NotImplementedError` in run_small with its body."))
    died.report(fb)  # e.g. Thread(target=work, args=(i,)): work() takes no arguments
    if not run.ok:
        return fb.fail(
            _(
                "run_small(work, {n}) {describe}",
                n=n,
                describe=run.describe(timeout),
            )
        )
    _started, finished, after = run.value
    for t in {thread for thread, _unused in records}:
        t.join(timeout=1.0)
    threads = {thread for thread, _unused in records}
    if not fb.require(
        len(records) == n and len(threads) == n,
        _("work() ran {n} times, on {n} threads", n=n),
        _(
            "work() ran {n_records} times on {n_threads} threads; expected {n} times on {n} threads",
            n_records=len(records),
            n_threads=len(threads),
            n=n,
        ),
    ):
        return fb.hint(
            _(
                "One threading.Thread(target=work) per run: n threads, each started once.",
            )
        )
    fb.require(
        finished == n,
        _("every thread had finished when run_small returned"),
        _(
            "when run_small returned, only {finished} of the {n} threads had finished: join() them",
            finished=finished,
            n=n,
        ),
    )
    stacks = [s for _unused, s in records]
    if None in stacks or default is None:
        fb.note(
            _(
                "this system does not tell a thread's stack size: the stacks were not checked",
            )
        )
    elif sys.platform == "win32":  # the setting is the committed part there; the reservation stays
        fb.note(
            _(
                "Windows reserved {format_bytes} for each of these threads (a default thread: "
                "{format_bytes2}): threading.stack_size sets how much of a stack is committed at "
                "start there, not its reservation, so the stack sizes were not judged",
                format_bytes=format_bytes(max(stacks)),
                format_bytes2=format_bytes(default),
            )
        )
    else:
        big = [s for s in stacks if s > 2 * size]
        if not fb.require(
            not big,
            _(
                "each thread's stack was {format_bytes} (a default thread here gets {format_bytes2})",
                format_bytes=format_bytes(max(stacks)),
                format_bytes2=format_bytes(default),
            ),
            _(
                "{n_big} of the {n} threads had stacks of {format_bytes}, not {format_bytes2}",
                n_big=len(big),
                n=n,
                format_bytes=format_bytes(max(big, default=0)),
                format_bytes2=format_bytes(size),
            ),
        ):
            fb.hint(
                _(
                    "threading.stack_size(size) applies to threads started after it: call it before start().",
                )
            )
    fb.require(
        after == 0,
        _(
            "threading.stack_size() was back to 0 (the default) when run_small returned",
        ),
        _(
            "threading.stack_size() was still {after} when run_small returned, not 0: put "
            "the default back with threading.stack_size(0) (the check did it for you)",
            after=after,
        ),
    )
    return fb
