"""Checkers for the exercises of notebook 13 · Cancellation and timeouts.

1. ``fetch_with_deadline`` (main): a request's JSON, or None when ``seconds``
   pass first; fast requests answered, slow ones cut at the deadline, none left
   running after the function returned.
2. ``worker`` (stretch): a worker with a session of its own that, when
   cancelled mid-request, calls its cleanup, closes the session and re-raises.

Each checker runs the learner's code on a **fresh event loop in a worker
thread** (``asyncio.run`` there): every task on that loop is the check's or the
learner's, so a request left running can be seen (and is stopped before the
check ends), and a session left open is reported by that loop alone. With
``COURSE_BASE_URL`` set (a server without counters), the deadline grows with the
measured round trip and the server's counters are said to be unmeasurable.
"""

from __future__ import annotations

import asyncio
import gc
import time
import warnings

import aiohttp

from helpers import checks
from helpers.checks import Feedback, attempt_async, is_stub, not_judged, query_of, starved
from helpers.i18n import _
from helpers.lab import measurable, start_server
from helpers.timing import format_seconds

NOTEBOOK = "13"
LATENCY = 0.1  # the notebook's lab server
DEADLINE = 0.3  # exercise 1: seconds given to fetch_with_deadline
SLOW = 2.0  # exercise 1: the slow requests' /delay
FAST, SLOWS = 5, 3  # exercise 1: how many of each


def solution(name: str):
    """The solution to exercise ``name``, folded away until the reader opens it."""
    return checks.solution(NOTEBOOK, name)


def _on_a_fresh_loop(coro):
    """Run ``coro`` with ``asyncio.run`` in a worker thread; the caller's loop is left alone."""
    return asyncio.to_thread(asyncio.run, coro)


async def _stop_leftovers(within: float = 2.0) -> list[asyncio.Task]:
    """Cancel, then await, every task of this (private) loop but the current one; return them."""
    here = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not here and not t.done()]
    for task in left:
        task.cancel()
    if left:
        await asyncio.wait(left, timeout=within)
    for task in left:  # read what they ended with, so that asyncio logs nothing about them
        if task.done() and not task.cancelled():
            task.exception()
    return left


def deadline_for(server) -> float:
    """DEADLINE at the lab server; elsewhere at least 3 round trips on a new connection."""
    return DEADLINE if server.has_stats else max(DEADLINE, 3 * server.cold_latency)


# ---------------------------------------------------------------- exercise 1


async def fetch_with_deadline(fn, *, latency: float = LATENCY) -> Feedback:
    """Exercise 1: ``fn(session, url, seconds)`` returns the JSON, or None when cut off at ``seconds``.

    Gathers FAST requests to ``/get`` and SLOWS to ``/delay/2`` on one session with
    ``seconds`` = DEADLINE (more on a far server): the fast ones must return their own
    JSON, the slow ones None; the batch must end within ``seconds`` + max(0.5 s,
    ``seconds``) (a slow request waited for in full takes 2 s); and no task may still be
    running on the loop once the function returned (``asyncio.wait(..., timeout=)``
    alone does not cancel).
    """
    fb = Feedback(_("Exercise 1 · fetch_with_deadline"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write fetch_with_deadline(session, url, seconds) in the starter cell: GET the "
                "url inside `async with asyncio.timeout(seconds):`, return its JSON, and return "
                "None on TimeoutError.",
            )
        )
    return await _on_a_fresh_loop(_fetch_with_deadline(fb, fn, latency))


async def _fetch_with_deadline(fb: Feedback, fn, latency: float) -> Feedback:
    server = start_server(latency=latency)
    seconds = deadline_for(server)
    fast = [f"{server.url}/get?{i}" for i in range(FAST)]
    slow = [f"{server.url}/delay/{SLOW:g}?slow{i}" for i in range(SLOWS)]
    urls = fast + slow
    async with aiohttp.ClientSession() as session:
        server.reset_stats()

        async def batch():
            return await asyncio.gather(*(fn(session, url, seconds) for url in urls), return_exceptions=True)

        run = await attempt_async(batch, timeout=SLOW + 10)
        await asyncio.sleep(0.05)  # a request left running is still running now
        left = await _stop_leftovers()
        stats = server.stats(note=False)
    if not run.ok:
        fb.fail(
            _(
                "gathering {n_urls} calls {describe}",
                n_urls=len(urls),
                describe=run.describe(SLOW + 10),
            )
        )
        return fb
    outcomes = run.value
    _judge_outcomes(fb, outcomes[:FAST], outcomes[FAST:], seconds)
    room = max(0.5, seconds)
    took = _(
        "the batch took {elapsed} = {ratio:.2f} × the deadline",
        elapsed=format_seconds(run.elapsed),
        ratio=run.elapsed / seconds,
    )
    allowed = _(
        "{took} ({seconds:.3g} s; allowed: the deadline + {room:.3g} s)",
        took=took,
        seconds=seconds,
        room=room,
    )
    # A busy machine can slow a cut-off run, not make it wait out the slow requests' whole delay:
    # a run that took SLOW or more waited for them, busy or not.
    if run.elapsed > seconds + room and starved(stats) and run.elapsed < SLOW:
        not_judged(fb, allowed, stats)
    elif not fb.require(
        run.elapsed <= seconds + room,
        allowed,
        _(
            "{took} ({seconds:.3g} s): the slow requests (/delay/{SLOW:g}) were not cut off at `seconds`",
            took=took,
            seconds=seconds,
            SLOW=SLOW,
        ),
    ):
        fb.hint(
            _(
                "Wrap the whole request, `session.get` and reading the body, in `async with "
                "asyncio.timeout(seconds):`.",
            )
        )
    if not fb.require(
        not left,
        _("no request was left running after fetch_with_deadline returned"),
        _(
            "{n_left} task(s) were still running after fetch_with_deadline returned: a "
            "request you gave up on must be cancelled (asyncio.wait(..., timeout=) does not "
            "cancel what is pending)",
            n_left=len(left),
        ),
    ):
        fb.hint(
            _(
                "asyncio.timeout (or wait_for) cancels the request at the deadline; or cancel, "
                "then await it.",
            )
        )
    if measurable(stats["in_flight"]):
        fb.note(
            _(
                "right after, the lab server still counted {in_flight} request(s) in flight: it "
                "finishes a /delay whose client left (aiohttp's default), your side was freed at "
                "the deadline",
                in_flight=stats["in_flight"],
            )
        )
    else:
        fb.note(
            _(
                "requests in flight at the server: not measurable on this server (it keeps no counters)",
            )
        )
    return fb


def _judge_outcomes(fb: Feedback, fast: list, slow: list, seconds: float) -> None:
    errors = [o for o in fast + slow if isinstance(o, BaseException)]
    timeouts = [e for e in errors if isinstance(e, (TimeoutError, asyncio.CancelledError))]
    if timeouts:
        fb.fail(
            _(
                "{n_timeouts} call(s) raised {name}: catch the TimeoutError of the deadline and return None",
                n_timeouts=len(timeouts),
                name=type(timeouts[0]).__name__,
            )
        )
    elif errors:
        fb.fail(_("a call raised {errors}", errors=checks.describe_error(errors[0])))
    answered = [query_of(o) == str(i) for i, o in enumerate(fast)]
    if all(answered):
        fb.ok(
            _(
                "the {n_fast} fast requests returned their own JSON",
                n_fast=len(fast),
            )
        )
    elif any(o is None for o in fast):
        fb.fail(
            _(
                "{sum} fast request(s) (one round trip) returned None with "
                "seconds={seconds:.3g}: cut off too early?",
                sum=sum(o is None for o in fast),
                seconds=seconds,
            )
        )
    elif not errors:
        bad = next(o for o, ok in zip(fast, answered, strict=True) if not ok)
        fb.fail(
            _(
                "a fast request returned {bad!r:.60}, not its own JSON (return `await response.json()`)",
                bad=bad,
            )
        )
    if all(o is None for o in slow):
        fb.ok(
            _(
                "the {n_slow} slow requests (/delay/{SLOW:g}) returned None",
                n_slow=len(slow),
                SLOW=SLOW,
            )
        )
    elif not any(isinstance(o, BaseException) for o in slow):
        got = next(o for o in slow if o is not None)
        fb.fail(
            _(
                "a slow request (/delay/{SLOW:g}) returned {got!r:.60}; expected None after {seconds:.3g} s",
                SLOW=SLOW,
                got=got,
                seconds=seconds,
            )
        )


# ---------------------------------------------------------------- exercise 2


async def worker(fn, *, latency: float = LATENCY) -> Feedback:
    """Exercise 2: ``fn(urls, results, on_cancel)`` cleans up, closes its session and re-raises.

    Starts it on two fast URLs, then a slow one (``/delay/5``) and a last one; once
    the two answers are in ``results`` and the slow request is in flight, cancels the
    task. Verifies: the task ended *cancelled* (not returned, no other error) within
    0.5 s; ``on_cancel`` ran once with 2; no "Unclosed client session" (collected
    after the task). Then runs it on three fast URLs, uncancelled: it returns,
    ``on_cancel`` not called, all three answers in ``results``.
    """
    fb = Feedback(_("Exercise 2 · a worker that cleans up and re-raises"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write worker(urls, results, on_cancel) in the starter cell: `async with "
                "aiohttp.ClientSession()`, a loop over the urls appending each JSON to results, "
                "and `except asyncio.CancelledError:` that calls on_cancel(len(results)) and "
                "then `raise`.",
            )
        )
    return await asyncio.to_thread(_quietly, _worker(fb, fn, latency))


def _quietly(coro):
    """``asyncio.run(coro)`` with ResourceWarnings ignored: the loop's exception handler reports an
    unclosed session instead (a warning turned into an error would stop ``__del__`` before it does)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        return asyncio.run(coro)


async def _worker(fb: Feedback, fn, latency: float) -> Feedback:
    server = start_server(latency=latency)
    loop = asyncio.get_running_loop()
    unclosed: list[str] = []
    loop.set_exception_handler(lambda _loop, context: unclosed.append(str(context.get("message"))))
    base = server.url
    urls = [f"{base}/get?0", f"{base}/get?1", f"{base}/delay/5?2", f"{base}/get?3"]
    results, calls = [], []
    task = asyncio.create_task(fn(urls, results, calls.append))
    deadline = time.monotonic() + 10 * server.cold_latency + 5
    while len(results) < 2 and not task.done() and time.monotonic() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.01)
    if len(results) < 2:
        await _stop_leftovers()
        if task.done() and not task.cancelled() and task.exception() is not None:
            fb.fail(
                _(
                    "worker(urls, results, on_cancel) raised {exception}",
                    exception=checks.describe_error(task.exception()),
                )
            )
        else:
            fb.fail(
                _(
                    "after the two fast requests, results held {n_results} answers, not 2",
                    n_results=len(results),
                )
            )
        return fb.hint(
            _(
                "Append each answer's JSON to `results` as soon as it arrives: results.append(...).",
            )
        )
    await asyncio.sleep(0.2)  # now the slow request is in flight
    task.cancel()
    start = time.perf_counter()
    await asyncio.wait({task}, timeout=2.0)
    took = time.perf_counter() - start
    _judge_cancelled(fb, task, took)
    fb.require(
        calls == [2],
        _(
            "on_cancel ran once, with 2: the answers it had when it was cancelled",
        ),
        _(
            "on_cancel was called {n_calls} times{value}; expected once, with 2 "
            "(len(results) when it was cancelled)",
            n_calls=len(calls),
            value=_(" with {calls}", calls=calls) if calls else "",
        ),
    )
    if calls != [2]:
        fb.hint(
            _(
                "`except asyncio.CancelledError:` catches it (not `except Exception`); call on_cancel there.",
            )
        )
    await _stop_leftovers()
    del task
    _collect()
    _judge_closed(fb, unclosed, _("when cancelled"))
    # an uncancelled run: it returns, and on_cancel is not its business
    results, calls = [], []
    run = await attempt_async(fn, [f"{base}/get?{i}" for i in range(3)], results, calls.append, timeout=10)
    await _stop_leftovers()
    _collect()
    if not run.ok:
        fb.fail(
            _(
                "on three fast URLs, uncancelled, it {describe}",
                describe=run.describe(10),
            )
        )
    elif calls:
        fb.fail(
            _(
                "on three fast URLs, uncancelled, on_cancel({calls}) was called: call it only "
                "when cancelled (in `except asyncio.CancelledError:`, not in `finally`)",
                calls=calls[0],
            )
        )
    else:
        fb.require(
            [query_of(r) for r in results] == ["0", "1", "2"],
            _(
                "uncancelled, it fetched its three URLs, in order, and did not call on_cancel",
            ),
            _(
                "uncancelled, results held {n_results} answers, not the three JSON answers in order",
                n_results=len(results),
            ),
        )
    _judge_closed(fb, unclosed, _("when it finished"))
    return fb


def _judge_cancelled(fb: Feedback, task: asyncio.Task, took: float) -> None:
    if not task.done():
        fb.fail(
            _(
                "the task was still running 2 s after task.cancel(): it swallowed the CancelledError",
            )
        )
        fb.hint(_("After the cleanup, `raise`: the CancelledError must leave the task."))
    elif task.cancelled():
        fb.require(
            took <= 0.5,
            _(
                "the task ended cancelled, {took} after task.cancel()",
                took=format_seconds(took),
            ),
            _(
                "the task ended cancelled, but only {took} after task.cancel()",
                took=format_seconds(took),
            ),
        )
    elif task.exception() is not None:
        fb.fail(
            _(
                "cancelled, the task raised {exception}, not CancelledError",
                exception=checks.describe_error(task.exception()),
            )
        )
        fb.hint(_("Re-raise the CancelledError itself, with a bare `raise`."))
    else:
        fb.fail(
            _(
                "cancelled, the task returned {result!r:.40} instead of ending cancelled: it "
                "swallowed the CancelledError",
                result=task.result(),
            )
        )
        fb.hint(
            _(
                "After the cleanup, `raise`: whoever cancelled the task must see it end cancelled.",
            )
        )


def _collect() -> None:
    gc.collect()  # a session left open says so to the loop's exception handler


def _judge_closed(fb: Feedback, unclosed: list[str], when: str) -> None:
    sessions = [m for m in unclosed if "Unclosed client session" in m]
    unclosed.clear()
    if not fb.require(
        not sessions,
        _("its session was closed {when}", when=when),
        _(
            '{when}, it left its session open: asyncio reported "Unclosed client session"',
            when=when,
        ),
    ):
        fb.hint(
            _(
                "Open the session with `async with aiohttp.ClientSession() as session:` around the loop.",
            )
        )
