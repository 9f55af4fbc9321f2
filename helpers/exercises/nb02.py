"""Checkers for the exercises of notebook 02 · Threads and a queue.

1. :func:`fetch_bounded` (warm-up): ``fetch_all`` with ``queue.Queue(maxsize=5)``.
   The checker runs it on 100 URLs and 20 workers with a time limit (a bounded
   queue filled before the workers start hangs), watches the threads' stacks
   to see the main thread wait in ``put()`` for room, and checks all 100
   answers in order, at most 20 in flight, and no thread left behind.
2. :func:`fetch_local` (main): one ``requests.Session`` per thread in a
   ``threading.local()``; on a pool of 20 threads, 100 URLs must travel on
   at most 20 TCP connections (server stats), all answers in order.

Notebook 03's stretch exercise (smaller stacks) is checked in ``nb03``.

With ``COURSE_BASE_URL`` set, the server keeps no counters: the checks judge the
answers, their order, the queue and the threads, and say which counts they could
not verify (requests in flight, connections); times are against ``server.latency``.
"""

from __future__ import annotations

import functools
import queue
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from helpers import checks
from helpers.checks import (
    Feedback,
    attempt,
    check_answers,
    check_connections,
    check_peak,
    describe_error,
    is_stub,
)
from helpers.i18n import N_, _
from helpers.lab import start_server
from helpers.timing import format_seconds

NOTEBOOK = "02"

_PUT, _GET, _JOIN = queue.Queue.put.__code__, queue.Queue.get.__code__, queue.Queue.join.__code__
_WAIT, _THREAD_JOIN = threading.Condition.wait.__code__, threading.Thread.join.__code__
_STUCK = {  # where the learner's call hung -> what that means, and what to do about it (N_: _() at use)
    _PUT: (N_("stuck in q.put(): the queue is full and no worker takes from it"), N_("Start the workers "
           "before you fill the queue")),
    _JOIN: (N_("stuck in q.join(): it waits for one task_done() per item put"), N_("Join the threads "
            "after their sentinels instead")),
    _THREAD_JOIN: (N_("stuck in t.join(): a worker is still waiting in q.get()"), N_("Did every worker "
                   "get a sentinel (None), after all the URLs?")),
    _GET: (N_("stuck in q.get(): it waits for an item nobody puts"), ""),
}  # fmt: skip


def solution(name: str):
    """The solution to exercise ``name`` of this notebook, shown folded away."""
    return checks.solution(NOTEBOOK, name)


def _answers(results, base_url: str):
    """The results as lab-server answers: JSON and responses as they are; an echoed key ``"7"``
    (what the notebook's ``worker`` stores) as the answer for ``?key=7``."""
    try:
        results = list(results)
    except TypeError:
        return results
    return [
        {"url": f"{base_url}/get?key={r}"} if isinstance(r, int | str) and str(r).isdigit() else r
        for r in results
    ]


def _first_exception(fb: Feedback, results) -> bool:
    """A ✗ line for the first result that is an exception (a failed request); True if there is one."""
    for k, result in enumerate(results if isinstance(results, list) else []):
        if isinstance(result, BaseException):
            fb.fail(
                _(
                    "result {k} is an exception, not an answer: {result}",
                    k=k,
                    result=describe_error(result),
                )
            )
            return True
    return False


class _QueueWatcher:
    """Samples every thread's stack while the learner's code runs, to see its queues at work:
    their ``maxsize``, how full they got, and how often a ``put()`` waited for room."""

    def __init__(self, interval: float = 0.003, ignore: set[threading.Thread] = frozenset()):
        self.interval = interval
        self._ignore = {t.ident for t in ignore}  # threads from before, e.g. a hung earlier attempt
        self.maxsizes: set[int] = set()
        self.fullest = 0
        self.put_waits = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="check-watcher", daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        me = threading.get_ident()
        while not self._stop.wait(self.interval):
            for ident, frame in sys._current_frames().items():
                if ident != me and ident not in self._ignore:
                    self._look(frame)

    def _look(self, innermost):
        frame = innermost
        while frame is not None:
            code = frame.f_code
            if code is _PUT or code is _GET:
                q = frame.f_locals.get("self")
                caller = frame.f_back  # the learner's put()/get(), not a library's own queue:
                # urllib3's pool of connections is a LifoQueue(maxsize=10), caught on a busy machine
                if isinstance(q, queue.Queue) and caller is not None and _is_users(caller.f_code.co_filename):
                    self._saw(q)
                    waiting = innermost.f_code is _WAIT and innermost.f_back is frame
                    self.put_waits += code is _PUT and waiting
            elif _is_users(code.co_filename):  # the learner's function: its queue is one of its variables
                for value in list(frame.f_locals.values()):
                    if isinstance(value, queue.Queue):
                        self._saw(value)
            frame = frame.f_back

    def _saw(self, q: queue.Queue):
        self.maxsizes.add(q.maxsize)
        self.fullest = max(self.fullest, q.qsize())


_NOT_USERS = tuple({str(Path(checks.__file__).parent), sys.prefix, sys.base_prefix, sys.exec_prefix})


@functools.cache
def _is_users(filename: str) -> bool:
    """True for code written by the learner (a notebook cell, a solution file), not a library's."""
    return not filename.startswith(_NOT_USERS)


def _where(thread: threading.Thread) -> tuple[str, str]:
    """What a hung thread is waiting in, and what to do about it, in the learner's terms."""
    frame = sys._current_frames().get(thread.ident)
    while frame is not None:
        if frame.f_code in _STUCK:
            return _STUCK[frame.f_code]
        frame = frame.f_back
    return "", ""


class _ThreadErrors:
    """Collects, as one line each, the exceptions that end threads while it is active (instead of
    ``threading.excepthook`` printing their tracebacks)."""

    def __init__(self):
        self.errors: list[str] = []

    def __enter__(self):
        self._previous = threading.excepthook
        threading.excepthook = self._hook
        return self

    def __exit__(self, *exc):
        threading.excepthook = self._previous

    def _hook(self, args):
        if args.exc_type is not SystemExit:
            name = args.thread.name if args.thread is not None else _("a thread")
            self.errors.append(_("{name} raised {error}", name=name, error=describe_error(args.exc_value)))

    def report(self, fb: Feedback) -> bool:
        """A ✗ line for the first thread that died of an exception; True if one did."""
        if self.errors:
            more = len(self.errors) - 1
            fb.fail(
                _("{error} ({more} more threads too)", error=self.errors[0], more=more)
                if more
                else self.errors[0]
            )
        return bool(self.errors)


def _new_threads(before: set[threading.Thread]) -> list[threading.Thread]:
    """Threads started since ``before`` and still alive, the checker's own excepted."""
    return [
        t
        for t in threading.enumerate()
        if t not in before and t.is_alive() and not t.name.startswith("check-")
    ]


def fetch_bounded(fn, *, n: int = 100, workers: int = 20, latency: float = 0.1, timeout: float = 10.0):
    """Run ``fn(urls, workers)``: a ``fetch_all`` whose queue is bounded.

    Passes when it finishes within ``timeout`` with all ``n`` answers in order
    (the JSON, or the echoed keys as the notebook's ``worker`` stores them),
    at most ``workers`` requests in flight, the main thread seen waiting in
    ``put()`` on a bounded queue, and no thread of its own left alive.
    """
    fb = Feedback(_("Exercise 1 · a bounded queue"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write fetch_bounded(urls, workers): fetch_all's code with "
                "queue.Queue(maxsize=5) (copy it from above), then run this check again.",
            )
        )
    server = start_server(latency=latency)
    waves = -(-n // workers)  # ceil(n / workers)
    timeout *= max(1.0, server.latency / max(latency, 1e-3))  # a server slower than the knob: more time
    latency = server.latency  # the knob at the lab server; the measured round trip elsewhere
    urls = [f"{server.url}/get?key={i}" for i in range(n)]
    before = set(threading.enumerate())
    server.reset_stats()
    with _ThreadErrors() as died, _QueueWatcher(ignore=before) as watcher:
        run = attempt(fn, urls, workers, timeout=timeout)
        hung = [t for t in threading.enumerate() if t.name == "check-attempt" and t not in before]
        where, advice = _where(hung[0]) if run.timed_out and hung else ("", "")
    if run.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in fetch_bounded with its body.",
            )
        )
    if died.report(fb):  # a worker died: that, not the order of the steps, is what to fix
        advice = N_("Catch a failed request's exception in the worker and store it as its result")
    if not run.ok:
        said = f": {_(where)}" + (f". {_(advice)}" if advice else "") if where else ""
        fb.fail(
            _(
                "fetch_bounded(urls, {workers}) {describe}{said}",
                workers=workers,
                describe=run.describe(timeout),
                said=said,
            )
        )
        if run.timed_out:
            fb.hint(
                _(
                    "{n} requests on {workers} workers take about {value}. A put() into a full queue "
                    "waits until a worker takes an item out.",
                    n=n,
                    workers=workers,
                    value=format_seconds(waves * latency),
                )
            )
            fb.note(
                _(
                    "the stuck call stays blocked in the background: restart the kernel to free it",
                )
            )
        return fb
    if not _first_exception(fb, run.value):
        check_answers(fb, _answers(run.value, server.url), [f"key={i}" for i in range(n)])
    check_peak(fb, server.stats(note=False), workers)
    bounded = sorted(m for m in watcher.maxsizes if m > 0)
    if watcher.put_waits and bounded:
        fb.ok(
            _(
                "the queue was bounded (maxsize={bounded}): the main thread was seen waiting in "
                "put() for a free slot {put_waits} times",
                bounded=bounded[0],
                put_waits=watcher.put_waits,
            )
        )
    elif bounded:
        fb.fail(
            _(
                "the queue's bound, maxsize={bounded}, was never reached: make it small, such as 5",
                bounded=bounded[0],
            )
        )
    elif 0 in watcher.maxsizes:
        fb.fail(
            _(
                "the queue is unbounded (maxsize=0): the main thread never waited in put(); the "
                "queue held up to {fullest} items at once",
                fullest=watcher.fullest,
            )
            if watcher.fullest > 5
            else _("the queue is unbounded (maxsize=0): the main thread never waited in put()")
        )
        fb.hint(
            _(
                "queue.Queue(maxsize=5) holds at most 5 items: a put() into a full queue waits for room.",
            )
        )
    else:
        fb.fail(
            _(
                "no queue.Queue was seen at work: this exercise is fetch_all's worker threads and queue",
            )
        )
    left = _new_threads(before)
    for t in left:
        t.join(timeout=1.0 / len(left))
    left = [t for t in left if t.is_alive()]
    fb.require(
        not left,
        _(
            "no thread left behind: every worker had exited when fetch_bounded returned",
        ),
        (
            _(
                "{n_left} threads it started are still alive after fetch_bounded returned (e.g. {name})",
                n_left=len(left),
                name=left[0].name,
            )
            if left
            else ""
        ),
    )
    if left:
        fb.hint(
            _(
                "Give each worker a sentinel (None) after the URLs, and join() every thread.",
            )
        )
    fb.note(
        _(
            "took {elapsed}; {n} requests on {workers} workers: {waves} waves × {latency} = {value} at best",
            elapsed=format_seconds(run.elapsed),
            n=n,
            workers=workers,
            waves=waves,
            latency=format_seconds(latency),
            value=format_seconds(waves * latency),
        )
    )
    return fb


def fetch_local(fn, *, n: int = 100, workers: int = 20, latency: float = 0.1, timeout: float = 20.0):
    """Run ``fn(url)`` on ``n`` URLs with a ``ThreadPoolExecutor`` of ``workers`` threads.

    Passes with all ``n`` answers in order and at most ``workers`` TCP
    connections: one Session per thread, each reusing its connection.
    """
    fb = Feedback(_("Exercise 2 · one Session per thread"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write fetch_local(url): if this thread has no `local.session` yet, create a "
                "requests.Session there; then GET url with it and return the response's JSON.",
            )
        )
    server = start_server(latency=latency)
    timeout *= max(1.0, server.latency / max(latency, 1e-3))  # a server slower than the knob: more time
    urls = [f"{server.url}/get?key={i}" for i in range(n)]

    def on_a_pool():
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="check-pool") as pool:
            return list(pool.map(fn, urls))

    server.reset_stats()
    run = attempt(on_a_pool, timeout=timeout)
    if run.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in fetch_local with its body.",
            )
        )
    if not run.ok:
        return fb.fail(
            _(
                "fetch_local, on {workers} threads, {describe}",
                workers=workers,
                describe=run.describe(timeout),
            )
        )
    if run.value and all(r is None for r in run.value):
        fb.fail(_("fetch_local returned None for all {n} URLs", n=n))
        return fb.hint(_("Return the answer: session.get(url).json()."))
    stats = server.stats(note=False)
    check_answers(fb, _answers(run.value, server.url), [f"key={i}" for i in range(n)])
    if not check_connections(fb, stats, workers, at_most=True):
        fb.hint(
            _(
                "{connections} connections for {n} requests: a Session was made more often than "
                "once per thread. Make it only when `local` has none yet (hasattr or "
                "getattr(local, 'session', None)), and keep `local` outside the function.",
                connections=stats["connections"],
                n=n,
            )
        )
    fb.note(
        _(
            "{n} requests on {workers} threads in {elapsed}",
            n=n,
            workers=workers,
            elapsed=format_seconds(run.elapsed),
        )
    )
    return fb
