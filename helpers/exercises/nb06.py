"""Checkers for the exercises of notebook 06 · Worker pools and rate limits.

1. ``worker_pool`` (main): ``workers`` tasks fed by a bounded ``asyncio.Queue``, one
   session, the answers in order, and no task left running afterwards.
2. ``rate_limited_download`` (stretch): at most ``rate`` requests started per second
   against a lab server that answers 429 past that rate; no 429, the answers in order,
   and a time close to ``(n - 1) / rate`` plus one round trip.

Each checker runs the learner's code against the lab server configured as in the
exercise's starter cell, and judges it by the server's counters (``peak_in_flight``,
``connections``, ``rate_limited``, ``peak_per_second``) and by what the client sees
(answers, order, tasks, time). With ``COURSE_BASE_URL`` set (a server without counters,
and without a rate limit), they judge the answers, the tasks and the time, and say which
counter they could not read.
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
from pathlib import Path

from helpers import checks
from helpers.checks import (
    Feedback,
    check_answers,
    check_connections,
    check_peak,
    check_time,
    is_stub,
    unmeasured,
)
from helpers.exercises.nb04 import _attempt, _settle
from helpers.i18n import N_, _
from helpers.lab import start_server
from helpers.timing import format_seconds

NOTEBOOK = "06"
LATENCY = 0.1  # exercise 1's lab server
SLOW = 0.3  # exercise 2's lab server: a round trip longer than 1 / rate
RATE = 10  # exercise 2: requests per second
EXTRA_TASKS = 3  # tasks allowed beyond the workers at one moment (a producer, aiohttp's own)
SLOW_EVERY = 7  # exercise 1: every 7th URL asks /delay/{2 × latency}, so that answers finish out of order


def solution(name: str):
    """The solution to exercise ``name``, folded away until the reader opens it."""
    return checks.solution(NOTEBOOK, name)


_NOT_THE_LEARNERS = {
    str(Path(__file__).resolve().parent.parent),
    sys.prefix,
    sys.base_prefix,
    sys.exec_prefix,
}


def _learners(task: asyncio.Task) -> bool:
    """True for a task whose coroutine was defined in the learner's code (a notebook cell, a
    solution file), not in the standard library, an installed package (the kernel's own tasks,
    aiohttp's) or the helpers."""
    coro = task.get_coro()
    code = getattr(coro, "cr_code", None) or getattr(coro, "gi_code", None)
    if code is None:
        return False
    filename = code.co_filename
    filename = filename if filename.startswith("<") else os.path.abspath(filename)
    return not any(filename.startswith(prefix) for prefix in _NOT_THE_LEARNERS)


class _TaskWatch:
    """Samples the event loop's tasks while the learner's code runs: the most of the learner's
    alive at once (tasks that existed before, the kernel's and the watcher excluded), and which
    are left after."""

    def __init__(self) -> None:
        self.before = asyncio.all_tasks()
        self.peak = 0
        self._task: asyncio.Task | None = None

    def _new(self) -> set[asyncio.Task]:
        before, watcher = self.before, self._task
        return {
            t
            for t in asyncio.all_tasks()
            if t not in before and t is not watcher and not t.done() and _learners(t)
        }

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, len(self._new()))
            await asyncio.sleep(0.005)

    def start(self) -> None:
        self._task = asyncio.create_task(self._sample(), name="check: task watch")

    async def stop(self) -> list[asyncio.Task]:
        """Stop sampling; return the learner's tasks still running (after a moment to finish)."""
        for _unused in range(20):  # tasks that are finishing get a few turns of the loop
            if not self._new():
                break
            await asyncio.sleep(0.01)
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)
        return sorted(self._new(), key=lambda t: t.get_name())

    @staticmethod
    async def cancel(tasks: list[asyncio.Task]) -> None:
        """Cancel the tasks the learner's code left running, so that nothing runs on after the check."""
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _task_names(tasks: list[asyncio.Task]) -> str:
    names = [t.get_name() for t in tasks[:3]]
    return ", ".join(names) + (_(" and {more} more", more=len(tasks) - 3) if len(tasks) > 3 else "")


async def worker_pool(fn, *, workers: int = 10, n: int = 100, latency: float = LATENCY) -> Feedback:
    """Exercise 1: ``fn(urls, workers)`` runs a pool of ``workers`` tasks fed by a queue.

    Every ``SLOW_EVERY``-th URL asks ``/delay/{2 × latency}`` instead of ``/get``, so that
    answers finish out of order. Checks all ``n`` answers in order; a server-side peak of
    exactly ``workers`` in flight and at most ``workers`` TCP connections; at most ``workers``
    + a few tasks alive at any moment (a pool, not a task per URL); no task left running when
    ``fn`` returns (those left are cancelled); and a time within 2 × the requests' total
    latency / ``workers`` (``server.latency``: the measured round trip on a server without
    counters, where peak and connections are not measurable).
    """
    if not (isinstance(workers, int) and 0 < workers <= n):
        raise ValueError(f"workers must be an int between 1 and n={n}, not {workers!r}")
    fb = Feedback(_("Exercise 1 · worker_pool, {workers} workers", workers=workers))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write worker_pool(urls, workers=10) in the starter cell: one ClientSession, an "
                "asyncio.Queue(maxsize=workers) of (index, url), `workers` tasks that take items "
                "until a sentinel (or Queue.shutdown() on 3.13+), and the answers in order.",
            )
        )
    server = start_server(latency=latency)
    slow = 2 * server.latency  # the /delay endpoint waits this long (plus the network, elsewhere)
    paths = ["/get" if i % SLOW_EVERY != 3 else f"/delay/{slow:.3f}" for i in range(n)]
    urls = [f"{server.url}{path}?{i}" for i, path in enumerate(paths)]
    per_request = [
        server.latency if path == "/get" else slow + (not server.has_stats) * server.latency for path in paths
    ]
    rounds = sum(per_request) / workers / server.latency  # round trips of work per worker
    ideal = sum(per_request) / workers + server.cold_latency - server.latency  # the first wave connects
    await asyncio.to_thread(server.reset_stats)
    watch = _TaskWatch()
    watch.start()
    run = await _attempt(fn, urls, workers, timeout=20 * ideal + 10)
    left = await watch.stop()
    stats = await _settle(server)
    if left:
        fb.fail(
            _(
                "{n_left} task{value} still running after worker_pool returned ({task_names}): "
                "the check cancelled them",
                n_left=len(left),
                value="s" * (len(left) != 1),
                task_names=_task_names(left),
            )
        )
        fb.hint(
            _(
                "Stop every worker before you return: one sentinel each after the work (or "
                "q.shutdown() on 3.13+), then wait for them, e.g. in a TaskGroup.",
            )
        )
        await _TaskWatch.cancel(left)
    if not run.ok:
        fb.fail(
            _(
                "worker_pool(urls, {workers}) {describe}",
                workers=workers,
                describe=run.describe(20 * ideal + 10),
            )
        )
        if run.timed_out:
            fb.hint(
                _(
                    "A worker that waits in q.get() forever never returns: did each get its sentinel?",
                )
            )
        return fb
    check_answers(fb, run.value, [str(i) for i in range(n)])
    pool = watch.peak <= workers + EXTRA_TASKS
    fb.require(
        pool,
        _(
            "at most {peak} tasks alive at once: a pool of {workers} workers",
            peak=watch.peak,
            workers=workers,
        ),
        _(
            "{peak} tasks were alive at once: a pool has {workers} worker tasks, not one task per URL",
            peak=watch.peak,
            workers=workers,
        ),
    )
    if not pool:
        fb.hint(
            _(
                "Create exactly `workers` tasks; each takes (index, url) items from the queue in a loop.",
            )
        )
    if not left and pool:
        fb.ok(_("no task left running afterwards"))
    if not check_peak(fb, stats, workers, exactly=True):
        fb.hint(
            _(
                "{workers} workers, each sending one request at a time: {workers} in flight at once.",
                workers=workers,
            )
        )
    check_connections(fb, stats, workers, at_most=True)
    what = _("{rounds:.1f} round trips per worker", rounds=rounds)
    check_time(fb, run.elapsed, ideal, factor=2.0, what=what, stall=stats)
    return fb


async def rate_limited_download(
    fn, *, rate: int = RATE, n: int = 20, latency: float = SLOW, factor: float = 1.5
) -> Feedback:
    """Exercise 2: ``fn(urls, rate)`` starts at most ``rate`` requests per second.

    The lab server answers 429 past ``rate`` requests per sliding second. Checks: no 429
    (``rate_limited``), at most ``rate`` arrivals within one second (``peak_per_second``),
    all ``n`` answers in order, requests that overlap (``peak_in_flight`` of 2 or more: a
    round trip is longer than 1 / ``rate``), a time of at least 0.95 × ``(n - 1) / rate``
    (faster, the rate was broken: the only evidence on a server without counters) and at most
    ``factor`` × ``(n - 1) / rate + one round trip`` (on a new connection, elsewhere; not
    judged when the server's ``loop_lag_max`` says the machine was too busy to tell).
    """
    if not (isinstance(rate, int) and 0 < rate < n):
        raise ValueError(f"rate must be an int between 1 and n={n}, not {rate!r}")
    fb = Feedback(
        _(
            "Exercise 2 · rate_limited_download, {rate} requests per second",
            rate=rate,
        )
    )
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write rate_limited_download(urls, rate=10) in the starter cell: one "
                "ClientSession, a TokenBucket(rate) whose acquire() each request awaits before "
                "it starts, gather the answers.",
            )
        )
    server = start_server(latency=latency, rate_limit=rate)
    urls = [f"{server.url}/get?{i}" for i in range(n)]
    floor = (n - 1) / rate  # n starts, 1 / rate apart
    ideal = floor + server.cold_latency
    timeout = 5 * ideal + 10
    await asyncio.to_thread(server.reset_stats)  # also empties the server's one-second window
    watch = _TaskWatch()
    watch.start()
    run = await _attempt(fn, urls, rate, timeout=timeout)
    left = await watch.stop()
    await _TaskWatch.cancel(left)  # nothing of the learner's runs on after the check
    stats = await _settle(server)
    refused = stats["rate_limited"]
    if not unmeasured(fb, stats, "rate_limited", N_("429 answers")):
        fb.require(
            refused == 0,
            _("no request refused (0 answered 429 Too Many Requests)"),
            _(
                "the server refused {refused} request{value} with 429 Too Many Requests: more "
                "than {rate} arrived within one second",
                refused=refused,
                value="s" * (refused != 1),
                rate=rate,
            ),
        )
        if refused:
            fb.hint(
                _(
                    "Limit the starts per second, not the requests in flight: a Semaphore lets the "
                    "next request go as soon as one ends. A bucket that starts full (capacity = "
                    "rate) bursts.",
                )
            )
    if not unmeasured(fb, stats, "peak_per_second", N_("requests per second")):
        peak = stats["peak_per_second"]
        fb.require(
            peak <= rate,
            _(
                "at most {peak} requests arrived within one second (the limit: {rate})",
                peak=peak,
                rate=rate,
            ),
            _(
                "{peak} requests arrived within one second; the limit was {rate}",
                peak=peak,
                rate=rate,
            ),
        )
    if not run.ok:
        fb.fail(
            _(
                "rate_limited_download(urls, {rate}) {describe}",
                rate=rate,
                describe=run.describe(timeout),
            )
        )
        return fb
    check_answers(fb, run.value, [str(i) for i in range(n)])
    overlapped = _overlapped(fb, stats, server.latency, rate)
    fast = fb.require(
        run.elapsed >= 0.95 * floor,
        _(
            "not faster than the rate allows ({elapsed} ≥ (n - 1) / rate = {floor})",
            elapsed=format_seconds(run.elapsed),
            floor=format_seconds(floor),
        ),
        _(
            "took {elapsed}: {n} requests at {rate} per second need at least (n - 1) / rate "
            "= {floor}, so more than {rate} started within one second",
            elapsed=format_seconds(run.elapsed),
            n=n,
            rate=rate,
            floor=format_seconds(floor),
        ),
    )
    what = N_("(n - 1) / rate + one round trip")
    in_time = not fast or check_time(fb, run.elapsed, ideal, factor=factor, what=what, stall=stats)
    if not (overlapped and in_time):
        fb.hint(
            _(
                "A round trip ({latency:.2g} s) is longer than 1 / rate: do not wait for an "
                "answer before the next request starts; pace the starts, let the requests "
                "overlap (gather).",
                latency=server.latency,
            )
        )
    return fb


def _overlapped(fb: Feedback, stats, latency: float, rate: int) -> bool:
    """Where a round trip is longer than 1 / rate: the server saw requests overlap (at least 2 in
    flight at once). Counted, so a busy machine cannot fake it; not judged without counters."""
    expected = math.ceil(latency * rate - 1e-9)  # starts 1 / rate apart, each in flight `latency`
    if expected < 2 or unmeasured(fb, stats, "peak_in_flight", N_("requests in flight")):
        return True
    peak = stats["peak_in_flight"]
    return fb.require(
        peak >= 2,
        _(
            "the requests overlapped: up to {peak} in flight at once (about {expected} expected)",
            peak=peak,
            expected=expected,
        ),
        _(
            "the server saw at most {peak} request{value} in flight at once: one after "
            "another; at {rate} starts per second and {latency} a round trip, about "
            "{expected} overlap",
            peak=peak,
            value="s" * (peak != 1),
            rate=rate,
            latency=format_seconds(latency),
            expected=expected,
        ),
    )
