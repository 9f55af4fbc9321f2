"""Checkers for the exercises of notebook 05 · Robust clients.

1. ``strict_download`` (warm-up): all answers in order through a ``TaskGroup``,
   or, when requests fail, ``DownloadFailed`` with their statuses, caught with
   ``except*``, and no request left running.
2. ``polite_download`` (main): at most ``limit`` requests in flight with one
   session and an ``asyncio.Semaphore``; all answers, in order.
3. ``fetch_with_retries`` (stretch): retry 5xx answers and timeouts but not a
   404, a timeout per attempt, jitter in the backoff, and an accounting of 100
   requests against a flaky server where none is lost or doubled.

Each checker runs the learner's code against the lab server configured as in
the exercise's starter cell, and judges it by the server's counters. With
``COURSE_BASE_URL`` set (a server without counters), they judge the answers,
their order, the time against the measured round trip and what the client saw,
and say which counter they could not read.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import Counter
from urllib.parse import urlsplit

import aiohttp

from helpers import checks
from helpers.checks import (
    Feedback,
    check_answers,
    check_connections,
    check_peak,
    check_time,
    is_stub,
    query_of,
)
from helpers.exercises.nb04 import _attempt, _settle, _stats
from helpers.i18n import N_, _
from helpers.lab import measurable, start_server
from helpers.timing import format_seconds

NOTEBOOK = "05"
LATENCY = 0.1  # the notebook's lab server (exercises 1 and 2)
FLAKY = {"latency": 0.05, "jitter": 0.3, "error_rate": 0.5, "seed": 2018}  # exercise 3's server
ATTEMPT_TIMEOUT = 0.32  # exercise 3's accounting: seconds per attempt (latency + jitter reach 0.35 s)


def attempt_timeout(server) -> float:
    """0.32 s at the lab server; elsewhere at least 3 round trips on a new connection, so that a
    far server's TCP and TLS set-up do not cut off every attempt."""
    return ATTEMPT_TIMEOUT if server.has_stats else max(ATTEMPT_TIMEOUT, 3 * server.cold_latency)


def stand_ins(timeout: float) -> dict[int, str]:
    """Exercise 3 on a server that injects no faults: by i % 20, httpbin's own endpoints stand in for
    them: always a 503, and an answer always slower than the attempt ``timeout``."""
    return {0: "/status/503", 1: f"/delay/{2 * timeout:.2f}"}


def solution(name: str):
    """The solution to exercise ``name``, folded away until the reader opens it."""
    return checks.solution(NOTEBOOK, name)


def _leftovers(before: set) -> list[asyncio.Task]:
    """Tasks started since ``before`` that are still pending (other than the current one)."""
    current = asyncio.current_task()
    return [t for t in asyncio.all_tasks() if t not in before and t is not current and not t.done()]


async def _cancel_all(tasks: list[asyncio.Task]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def strict_download(fn, error_class, *, n: int = 20, latency: float = LATENCY) -> Feedback:
    """Exercise 1: ``fn(urls)`` returns every answer in order, or raises ``error_class(statuses)``.

    First ``n`` good URLs: all answers, in order. Then ``n`` URLs where ``?3``
    answers 503 and ``?4`` answers 500 while the others take 1 s (``/delay/1``):
    ``error_class`` must be raised with ``statuses`` a sorted, non-empty list of
    those codes (which of the two arrive before the cancel depends on timing), in
    well under that second, and no task the call started may still be running
    when it returns (a ``TaskGroup`` cancels them; a bare ``gather`` does not).
    """
    fb = Feedback(_("Exercise 1 · all or nothing"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write strict_download(urls) in the starter cell: one ClientSession, a TaskGroup "
                "with a task per URL, the answers in order; catch `except* "
                "aiohttp.ClientResponseError as group` and raise DownloadFailed(sorted(e.status "
                "for e in group.exceptions)).",
            )
        )
    server = start_server(latency=latency)
    good = [f"{server.url}/get?{i}" for i in range(n)]
    timeout = 20 * server.cold_latency + 10
    run = await _attempt(fn, good, timeout=timeout)
    if not run.ok:
        fb.fail(
            _(
                "strict_download(urls) on {n} good URLs {describe}",
                n=n,
                describe=run.describe(timeout),
            )
        )
        return fb.hint(
            _(
                "Return [task.result() for task in tasks] after the TaskGroup's block.",
            )
        )
    check_answers(fb, run.value, [str(i) for i in range(n)])
    slow = 1.0
    bad = [f"{server.url}/delay/{slow:g}?{i}" for i in range(n)]
    bad[3], bad[4] = f"{server.url}/status/503?3", f"{server.url}/status/500?4"
    before = set(asyncio.all_tasks())
    run = await _attempt(fn, bad, timeout=timeout)
    leftover = _leftovers(before)
    await _cancel_all(leftover)
    await _settle(server, within=slow + 1)
    if run.ok:
        fb.fail(
            _(
                "two requests failed (503 and 500), yet it returned {value!r:.60}: raise DownloadFailed",
                value=run.value,
            )
        )
        return fb.hint(_("response.raise_for_status() turns a 5xx into a ClientResponseError."))
    error = run.error
    if run.timed_out:
        fb.fail(
            _(
                "with two failing requests, strict_download(urls) {describe}",
                describe=run.describe(timeout),
            )
        )
    elif not (isinstance(error, error_class) or type(error).__name__ == error_class.__name__):
        fb.fail(
            _(
                "it raised {name}, not DownloadFailed: catch the TaskGroup's ExceptionGroup with "
                "`except* aiohttp.ClientResponseError as group` and raise "
                "DownloadFailed(statuses)",
                name=type(error).__name__,
            )
        )
    else:
        statuses = getattr(error, "statuses", None)
        right = isinstance(statuses, list) and statuses == sorted(statuses) and set(statuses) <= {500, 503}
        fb.require(
            right and bool(statuses),
            _(
                "it raised DownloadFailed({statuses}): the statuses that failed before the rest "
                "were cancelled",
                statuses=statuses,
            ),
            _(
                "it raised DownloadFailed({statuses!r:.60}); expected a sorted list of the "
                "failed statuses, among [500, 503]",
                statuses=statuses,
            ),
        )
    fb.require(
        not leftover and run.elapsed < 0.75 * slow,
        _(
            "it returned after {elapsed}, every other request cancelled, none left running",
            elapsed=format_seconds(run.elapsed),
        ),
        _(
            "{n_leftover} of the requests it started were still running when it returned "
            "(after {elapsed}): a failure must cancel the rest",
            n_leftover=len(leftover),
            elapsed=format_seconds(run.elapsed),
        ),
    )
    if leftover:
        fb.hint(
            _(
                "asyncio.gather leaves the other tasks running when one fails; a TaskGroup cancels them.",
            )
        )
    return fb


async def polite_download(fn, *, limit: int = 10, n: int = 100, latency: float = LATENCY) -> Feedback:
    """Exercise 2: ``fn(urls, limit=limit)`` keeps at most ``limit`` requests in flight.

    Checks all ``n`` answers in order, a server-side peak of exactly ``limit``
    in flight, at most ``limit`` TCP connections (one session, reused), and a
    time within 2 × ``n × latency / limit`` and at least 0.5 s over it (``server.latency``:
    the measured round trip on a server without counters). There, where neither peak
    nor connections can be read, a time under half of ``n × latency / limit`` shows
    more than ``limit`` in flight.
    """
    if not (isinstance(limit, int) and 0 < limit <= n):
        raise ValueError(f"limit must be an int between 1 and n={n}, not {limit!r}")
    fb = Feedback(
        _(
            "Exercise 2 · polite_download, at most {limit} in flight",
            limit=limit,
        )
    )
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write polite_download(urls, limit=10) in the starter cell: one "
                "aiohttp.ClientSession, an asyncio.Semaphore(limit) around each request, gather "
                "the answers and return them.",
            )
        )
    server = start_server(latency=latency)
    urls = [f"{server.url}/get?{i}" for i in range(n)]
    # the first wave opens its connections: over the internet that costs more than a round trip
    ideal = n * server.latency / limit + server.cold_latency - server.latency
    timeout = max(20 * ideal, 10.0)
    server.reset_stats()
    run = await _attempt(fn, urls, limit=limit, timeout=timeout)
    if not run.ok:
        fb.fail(
            _(
                "polite_download(urls, limit={limit}) {describe}",
                limit=limit,
                describe=run.describe(timeout),
            )
        )
        return fb.hint(
            _(
                "Start from limited_by_semaphore above; call it as polite_download(urls, limit=10).",
            )
        )
    stats = _stats(server)
    check_answers(fb, run.value, [str(i) for i in range(n)])
    too_fast = not _limit_kept(fb, stats, run.elapsed, ideal, limit)  # only where peak is not measurable
    if too_fast or not check_peak(fb, stats, limit, exactly=True):
        fb.hint(
            _(
                "Create ONE Semaphore(limit) per call of polite_download, shared by every "
                "request (a semaphore created inside each request's coroutine limits nothing), "
                "and hold it around the whole request: `async with semaphore:` then `async with "
                "session.get(...)`.",
            )
        )
    if not check_connections(fb, stats, limit, at_most=True):
        fb.hint(
            _(
                "Open one ClientSession for all the requests: a session per request opens a connection each.",
            )
        )
    if not too_fast:  # 2 × the ideal, and at least 0.5 s of room for a crowded machine (a fast server)
        what = (
            _("N × latency / limit = {n} × {latency:.3g} / {limit}", n=n, latency=server.latency, limit=limit)
            if server.has_stats
            else _(  # the ideal's two parts
                "N × latency / limit = {n} × {latency:.3g} / {limit} + a new connection's set-up",
                n=n,
                latency=server.latency,
                limit=limit,
            )
        )
        factor = round(max(2, 1 + 0.5 / ideal), 1)
        check_time(fb, run.elapsed, ideal, factor=factor, what=what, stall=stats)
    return fb


def _limit_kept(fb: Feedback, stats, elapsed: float, ideal: float, limit: int) -> bool:
    """Without a peak counter: ``limit`` at a time cannot finish in under half of N × latency / limit."""
    if measurable(stats["peak_in_flight"]) or elapsed >= 0.5 * ideal:
        return True
    fb.note(
        _(
            "requests in flight: not measurable on this server (it keeps no counters)",
        )
    )
    return fb.require(
        False,
        "",
        _(
            "took {elapsed}, {value:.2f} × N × latency / limit: faster than {limit} at a "
            "time can go, so more than {limit} requests were in flight at once",
            elapsed=format_seconds(elapsed),
            value=elapsed / ideal,
            limit=limit,
        ),
    )


def _tracing_session() -> tuple[aiohttp.ClientSession, list[tuple[str, str, float, object]]]:
    """A session (no timeout of its own) that logs every attempt: (url, event, time, status or error)."""
    log: list[tuple[str, str, float, object]] = []

    async def on_start(session, context, params):
        log.append((str(params.url), "start", time.perf_counter(), None))

    async def on_end(session, context, params):
        log.append((str(params.url), "end", time.perf_counter(), params.response.status))

    async def on_error(session, context, params):
        log.append((str(params.url), "error", time.perf_counter(), type(params.exception).__name__))

    trace = aiohttp.TraceConfig()
    trace.on_request_start.append(on_start)
    trace.on_request_end.append(on_end)
    trace.on_request_exception.append(on_error)
    session = aiohttp.ClientSession(trace_configs=[trace], timeout=aiohttp.ClientTimeout(total=None))
    return session, log


def _starts(log, url: str) -> int:
    return sum(1 for u, event, _unused, _ in log if u == url and event == "start")


def _sent(server, log, urls: list[str]) -> int:
    """Requests the server counted since its reset; without counters, the attempts the client traced."""
    requests = _stats(server)["requests"]
    return requests if measurable(requests) else sum(_starts(log, u) for u in urls)


def _statuses(log, url: str) -> list:
    """What ended each attempt at ``url``: a status code, or an error's class name (None: cut off)."""
    ends, current = [], None
    for u, event, _unused, what in log:
        if u != url:
            continue
        if event == "start":
            if current is not None:
                ends.append(current[0])
            current = [None]
        elif current is not None:
            current[0] = what
    if current is not None:
        ends.append(current[0])
    return ends


def _first_gap(log, url: str) -> float | None:
    """Seconds between the end of the first attempt at ``url`` and the start of the second."""
    times = [(event, t) for u, event, t, _ in log if u == url]
    starts = [t for event, t in times if event == "start"]
    if len(starts) < 2:
        return None
    ended = [t for event, t in times if event != "start" and starts[0] <= t <= starts[1]]
    return starts[1] - (ended[-1] if ended else starts[0])


async def fetch_with_retries(fn, *, attempts: int = 3) -> Feedback:
    """Exercise 3: ``fn(session, url, attempts=, attempt_timeout=, backoff=)`` retries wisely.

    Against the flaky lab server of the starter cell, checks that: a 404 is
    sent once and raised; a 503 is tried ``attempts`` times, then raised; an
    attempt slower than ``attempt_timeout`` is cut off and retried; the waits
    before retries vary (jitter); and, for 100 requests to ``/get``, each ends
    once, as its own answer or as an exception, after at most ``attempts`` tries.
    On a server that keeps no counters and injects no faults, the attempts are
    counted by the client (a traced session), and :func:`stand_ins` give the 100
    requests their 503s and timeouts.
    """
    fb = Feedback(_("Exercise 3 · better retries"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write fetch_with_retries(session, url, attempts, attempt_timeout, backoff) in "
                "the starter cell: start from get_with_retries above; retry only 5xx answers and "
                "timeouts, cut each attempt with asyncio.timeout(attempt_timeout), and add "
                "random jitter to the backoff.",
            )
        )
    server = start_server(**FLAKY)
    base = server.url
    await _settle(server)
    server.reset_stats()
    session, log = _tracing_session()
    async with session:
        # 1. A 404 will be a 404 next time too: one request, then an error.
        url = f"{base}/status/404"
        run = await _attempt(
            fn, session, url, attempts=attempts, attempt_timeout=1.0, backoff=0.05, timeout=10
        )
        sent = _sent(server, log, [url])
        if isinstance(run.error, TypeError):
            fb.fail(
                _(
                    "fetch_with_retries(session, url, attempts=, attempt_timeout=, backoff=) {describe}",
                    describe=run.describe(),
                )
            )
            return fb.hint(
                _(
                    "Keep the starter's signature: the check passes those three as keywords.",
                )
            )
        if run.ok:
            fb.fail(
                _(
                    "for a 404 it returned {value!r:.60}: it should raise (response.raise_for_status())",
                    value=run.value,
                )
            )
        elif run.timed_out:
            fb.fail(
                _(
                    "for a 404 it {describe}; expected an error at once (a ClientResponseError)",
                    describe=run.describe(10),
                )
            )
        if not fb.require(
            sent == 1,
            _("a 404 was sent once and raised: it would fail again"),
            _(
                "a 404 was sent {sent} times: it will be a 404 next time too, so retry only 5xx and timeouts",
                sent=sent,
            ),
        ):
            fb.hint(
                _(
                    "except aiohttp.ClientResponseError as exc: re-raise at once when exc.status < 500.",
                )
            )

        # 2. A 503 may succeed next time: `attempts` tries, then an error; the waits vary (jitter).
        calls, retry_backoff = 8, 0.2
        server.reset_stats()
        urls = [f"{base}/status/503?call={k}" for k in range(calls)]
        runs = await asyncio.gather(
            *(
                _attempt(fn, session, u, attempts=2, attempt_timeout=1.0, backoff=retry_backoff, timeout=10)
                for u in urls
            )
        )
        sent = _sent(server, log, urls)
        returned = [r for r in runs if r.ok]
        if returned:
            fb.fail(
                _(
                    "for a URL that always answers 503 it returned {value!r:.60}: after the last "
                    "attempt, raise the error",
                    value=returned[0].value,
                )
            )
        if not fb.require(
            sent == 2 * calls,
            _(
                "each of {calls} URLs answering 503 was tried 2 times with attempts=2 ({sent} requests)",
                calls=calls,
                sent=sent,
            ),
            _(
                "{calls} URLs answering 503, with attempts=2: {sent} requests were sent, "
                "expected {value} (a 503 may succeed next time: retry it, up to `attempts` tries)",
                calls=calls,
                sent=sent,
                value=2 * calls,
            ),
        ):
            fb.hint(_("Catch aiohttp.ClientResponseError and retry when exc.status >= 500."))
        gaps = [g for g in (_first_gap(log, u) for u in urls) if g is not None]
        if len(gaps) >= 3:
            gaps.sort()
            spread = gaps[-2] - gaps[0]  # one wait made longer by a busy machine does not count
            ms = _("{low:.0f} to {high:.0f} ms", low=min(gaps) * 1000, high=max(gaps) * 1000)
            if not fb.require(
                spread >= max(0.1 * retry_backoff, 0.015),
                _(
                    "with backoff={retry_backoff:g} s, the waits before a retry varied from {ms}: "
                    "jitter, so that clients do not retry in lockstep",
                    retry_backoff=retry_backoff,
                    ms=ms,
                ),
                _(
                    "with backoff={retry_backoff:g} s, the {n_gaps} waits before a retry were all "
                    "{value:.0f} ms ({ms}): add random jitter to the backoff",
                    retry_backoff=retry_backoff,
                    n_gaps=len(gaps),
                    value=statistics.median(gaps) * 1000,
                    ms=ms,
                ),
            ):
                fb.hint(
                    _(
                        "e.g. await asyncio.sleep(backoff * 2 ** (attempt - 1) * random.uniform(0.5, 1.5))",
                    )
                )

        # 3. A slow answer: each attempt is cut off after attempt_timeout, then retried.
        url, cut = f"{base}/delay/0.5", 0.1
        run = await _attempt(fn, session, url, attempts=2, attempt_timeout=cut, backoff=0.05, timeout=10)
        tries = _starts(log, url)
        if run.ok and query_of(run.value) is None:
            fb.fail(
                _(
                    "a request that takes 0.5 s, attempt_timeout={cut:g} s, attempts=2: {tries} "
                    "attempt(s), then it returned {value!r:.60}; when it gives up, it should raise "
                    "the last error",
                    cut=cut,
                    tries=tries,
                    value=run.value,
                )
            )
        elif run.ok:
            fb.fail(
                _(
                    "it returned the answer of a request that takes 0.5 s, with "
                    "attempt_timeout={cut:g} s: cut each attempt with `async with "
                    "asyncio.timeout(attempt_timeout):`",
                    cut=cut,
                )
            )
        elif not fb.require(
            tries == 2,
            _(
                "an attempt slower than attempt_timeout was cut off after {cut:g} s and retried, "
                "then it raised {name}",
                cut=cut,
                name=type(run.error).__name__,
            ),
            _(
                "a request that takes 0.5 s, attempt_timeout={cut:g} s, attempts=2: {tries} "
                "attempt(s) in {elapsed}, then it {describe} (expected 2 attempts cut off after "
                "{cut:g} s each)",
                cut=cut,
                tries=tries,
                elapsed=format_seconds(run.elapsed),
                describe=run.describe(10),
            ),
        ):
            fb.hint(
                _(
                    "A timeout may succeed next time: catch TimeoutError and retry it like a 5xx.",
                )
            )

        # 4. The accounting: 100 requests to the flaky /get, each ends once.
        await _settle(server)
        server.reset_stats()
        n = 100
        cut = attempt_timeout(server)
        substitutes = stand_ins(cut)
        paths = {i: "/get" if server.has_stats else substitutes.get(i % 20, "/get") for i in range(n)}
        urls = [f"{base}{paths[i]}?{i}" for i in range(n)]

        async def all_requests():
            calls = (fn(session, u, attempts=attempts, attempt_timeout=cut, backoff=0.05) for u in urls)
            return await asyncio.gather(*calls, return_exceptions=True)

        run = await _attempt(all_requests, timeout=30)
    if not run.ok:
        fb.fail(
            _(
                "100 requests with gather(..., return_exceptions=True): {describe}",
                describe=run.describe(30),
            )
        )
        return fb
    stats = await _settle(server)
    _account(fb, run.value, urls, log, attempts, stats)
    return fb


def _account(fb: Feedback, outcomes, urls, log, attempts: int, stats: dict) -> None:
    """Each request ends once (its own answer, or an exception after all its tries); say what was seen."""
    n = len(urls)
    results, errors, lost, wrong, early, extra = 0, Counter(), [], [], [], []
    for i, (outcome, url) in enumerate(zip(outcomes, urls, strict=True)):
        statuses = _statuses(log, url)
        if len(statuses) > attempts:
            extra.append(_("?{i} ({tries} tries)", i=i, tries=len(statuses)))
        if isinstance(outcome, BaseException):
            errors[type(outcome).__name__] += 1
            last = statuses[-1] if statuses else None
            if len(statuses) < attempts and not (isinstance(last, int) and last < 500):  # a 5xx or a timeout
                early.append(_("?{i} after {tries}", i=i, tries=len(statuses)))
        elif outcome is None:
            lost.append(f"?{i}")
        elif query_of(outcome) == str(i):
            results += 1
            if statuses.count(200) > 1 or (statuses and statuses[-1] != 200):
                extra.append(_("?{i} (tried again after a 200)", i=i))
        else:
            got = query_of(outcome)
            wrong.append(
                _("?{i} returned the answer to ?{got}", i=i, got=got)
                if got
                else _("?{i} returned a {name}", i=i, name=type(outcome).__name__)
            )
    if lost:
        fb.fail(
            _(
                "{n_lost} of {n} requests ended with None, neither an answer nor an error "
                "(first: {lost}): after the last attempt, raise, so that gather records the error",
                n_lost=len(lost),
                n=n,
                lost=lost[0],
            )
        )
    if wrong:
        fb.fail(
            _(
                "{n_wrong} requests did not return their own answer's JSON (first: {wrong})",
                n_wrong=len(wrong),
                wrong=wrong[0],
            )
        )
    if not lost and not wrong:
        kinds = ", ".join(f"{name} × {count}" for name, count in errors.most_common()) or _("none")
        fb.ok(
            _(
                "all {n} requests ended once: {results} with their own answer, {sum} with a "
                "recorded error ({kinds})",
                n=n,
                results=results,
                sum=sum(errors.values()),
                kinds=kinds,
            )
        )
    fb.require(
        not extra,
        _(
            "no request was tried more than attempts={attempts} times, nor after it succeeded",
            attempts=attempts,
        ),
        _(
            "{n_extra} requests were tried too often (first: {value})",
            n_extra=len(extra),
            value=extra[0] if extra else "",
        ),
    )
    if early:
        fb.fail(
            _(
                "{n_early} requests gave up before attempts={attempts} tries (first: {early})",
                n_early=len(early),
                attempts=attempts,
                early=early[0],
            )
        )
    tries = sum(len(_statuses(log, u)) for u in urls)
    seen_503 = sum(_statuses(log, u).count(503) for u in urls)
    if checks.unmeasured(fb, stats, "requests", N_("requests and 503s at the server")):
        stood_in = Counter(urlsplit(u).path for u in urls if not urlsplit(u).path.endswith("/get"))
        used = ", ".join(
            _("{count} of {path}", count=count, path=path) for path, count in sorted(stood_in.items())
        )
        fb.note(
            _(
                "{tries} attempts = {n} first attempts + {value} retries; this server injects no "
                "faults, so httpbin's own endpoints stood in ({used}): the client saw {seen_503} "
                "503s",
                tries=tries,
                n=n,
                value=tries - n,
                used=used,
                seen_503=seen_503,
            )
        )
        return
    fb.note(
        _(
            "{tries} attempts = {n} first attempts + {value} retries; the server counted "
            "{requests} requests and injected {errors_injected} 503s, of which the client "
            "saw {seen_503} (an attempt cut off by its timeout never reads its 503)",
            tries=tries,
            n=n,
            value=tries - n,
            requests=stats["requests"],
            errors_injected=stats["errors_injected"],
            seen_503=seen_503,
        )
    )
