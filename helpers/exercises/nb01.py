"""Checkers for the exercises of notebook 01 · The for-loop.

1. :func:`timed_loop` (warm-up): the learner predicts how long 30 sequential
   requests take at 0.05 s latency, then writes and times the loop; the checker
   runs it and compares the prediction with N × latency and with the
   measurement, and the measurement with its own stopwatch.
2. :func:`session_loop` (main): the loop on one ``requests.Session``; the
   server must see all the answers, in order, on **one** TCP connection.
3. :func:`patient_loop` (stretch): the same loop against a server that
   answers 503 to one request in five; every answer must come back, each
   failed request retried once more, still on one connection.

With ``COURSE_BASE_URL`` set, the server keeps no counters and injects no
errors: the checks judge the answers, their order and the time against the
measured round trip (``server.latency``), and say which part they could not verify.
"""

from __future__ import annotations

from helpers import checks
from helpers.checks import (
    Feedback,
    attempt,
    check_answers,
    check_connections,
    is_stub,
    seconds_or_none,
    unmeasured,
)
from helpers.i18n import N_, _
from helpers.lab import measurable, start_server
from helpers.timing import format_seconds

NOTEBOOK = "01"


def solution(name: str):
    """The solution to exercise ``name`` of this notebook, shown folded away."""
    return checks.solution(NOTEBOOK, name)


def _run(fb: Feedback, name: str, fn, server, n: int, timeout: float):
    """Reset the server's counters, run ``fn(url_basis, n)``; the Attempt, or None after a ✗ line."""
    server.reset_stats()
    run = attempt(fn, f"{server.url}/get?", n, timeout=timeout)
    if run.ok or run.not_implemented:  # not implemented: the caller says "not started"
        return run
    fb.fail(
        _(
            "{name}(url_basis, {n}) {describe}",
            name=name,
            n=n,
            describe=run.describe(timeout),
        )
    )
    if run.timed_out:
        fb.hint(
            _(
                "{n} requests to this server take well under {timeout:g} s: is a loop waiting forever?",
                n=n,
                timeout=timeout,
            )
        )
    return None


def timed_loop(fn, prediction, *, n: int = 30, latency: float = 0.05) -> Feedback:
    """Check a prediction, then run ``fn(url_basis, n)``: a timed for-loop of ``n`` GETs.

    The prediction is right within 0.7×–1.5× of N × latency, the server's
    latency (measured, with ``COURSE_BASE_URL`` set; there, up to 1.5 × N round
    trips on a new connection, ``cold_latency``, since requests.get opens one each). The loop must send ``n``
    requests, one at a time (server stats; without counters: no faster than
    half of N round trips), and return the seconds it took: close to the
    checker's own stopwatch (not milliseconds, not one request's time).
    """
    fb = Feedback(_("Exercise 1 · predict, then measure"))
    server = start_server(latency=latency)
    latency = server.latency  # the knob on the lab server; the measured round trip elsewhere
    ideal = n * latency
    if prediction is None:
        return fb.not_started(
            _(
                "Set `prediction` to your guess, in seconds, for {n} requests one after the "
                "other at {latency} latency; then write timed_loop and run this check again.",
                n=n,
                latency=format_seconds(latency),
            )
        )
    guess = seconds_or_none(prediction)
    if guess is None:
        return fb.fail(
            _(
                "prediction is {prediction!r}: write a positive number of seconds, such as 2.5",
                prediction=prediction,
            )
        )
    ratio = guess / ideal
    what = f"{n} × {format_seconds(latency)} = {format_seconds(ideal)}"
    # requests.get opens a connection per request: on a far server each one also pays its set-up,
    # so up to N × one round trip on a new connection counts as right too (the same on the lab server).
    most = 1.5 * server.cold_latency / latency if latency > 0 else 1.5
    if not fb.require(
        0.7 <= ratio <= max(1.5, most),
        _(
            "your prediction, {guess}, is {ratio:.2f} × N × latency ({what})",
            guess=format_seconds(guess),
            ratio=ratio,
            what=what,
        ),
        _(
            "your prediction, {guess}, is {ratio:.2f} × N × latency ({what}); 0.7× to "
            "{max:.1f}× counts as right",
            guess=format_seconds(guess),
            ratio=ratio,
            what=what,
            max=max(1.5, most),
        ),
    ):
        if ratio < 0.7:
            fb.hint(
                _(
                    "In a for-loop each request waits for the one before: N round trips, one after another.",
                )
            )
        elif server.has_stats:
            fb.hint(
                _(
                    "Each request costs one round trip (the latency) plus a little client work, not more.",
                )
            )
        else:
            fb.hint(
                _(
                    "Each request costs one round trip, {latency} here, plus a new connection's "
                    "set-up (one round trip on a new connection: {cold_latency}).",
                    latency=format_seconds(latency),
                    cold_latency=format_seconds(server.cold_latency),
                )
            )
    if is_stub(fn):
        return fb.not_started(
            _(
                "Now write timed_loop(url_basis, n): a for-loop of n requests.get(url_basis + "
                "str(i)), timed with time.perf_counter(); return the seconds. Then run this "
                "check again.",
            )
        )
    timeout = max(10.0, 20 * ideal)
    run = _run(fb, "timed_loop", fn, server, n, timeout)
    if run is None:
        return fb
    if run.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in timed_loop with your loop.",
            )
        )
    stats = server.stats(note=False)
    got, peak = stats["requests"], stats["peak_in_flight"]
    if not unmeasured(fb, stats, "requests", N_("requests counted at the server")):
        fb.require(
            got == n,
            _("the server answered {n} requests", n=n),
            _("the server answered {got} requests, not {n}", got=got, n=n),
        )
    if measurable(peak):
        fb.require(
            peak <= 1,
            _("one request at a time, as a for-loop sends them"),
            _(
                "{peak} requests were in flight at once: this exercise's loop sends them one at a time",
                peak=peak,
            ),
        )
    else:  # no counters: one request at a time takes about N round trips, never much less
        ratio = run.elapsed / ideal
        fb.require(
            ratio >= 0.5,
            _(
                "one request at a time, as a for-loop sends them ({ratio:.2f} × N × latency)",
                ratio=ratio,
            ),
            _(
                "{n} requests took {ratio:.2f} × N × latency: several were in flight at once; "
                "this exercise's loop sends them one at a time",
                n=n,
                ratio=ratio,
            ),
        )
    measured, took = seconds_or_none(run.value), run.elapsed
    if measured is None:
        fb.fail(
            _(
                "timed_loop returned {value!r}, not a number of seconds",
                value=run.value,
            )
        )
        return fb.hint(
            _(
                "Return time.perf_counter() after the loop minus time.perf_counter() before it.",
            )
        )
    if measured > 1.1 * took + 0.05:
        fb.fail(
            _(
                "timed_loop returned {measured:g}, but the call took {took}: return seconds "
                "(perf_counter differences are in seconds), not milliseconds",
                measured=measured,
                took=format_seconds(took),
            )
        )
    elif measured < 0.75 * took:
        fb.fail(
            _(
                "timed_loop returned {measured}, but the call took {took}: your stopwatch missed "
                "part of the loop",
                measured=format_seconds(measured),
                took=format_seconds(took),
            )
        )
        fb.hint(
            _(
                "Start the timer once before the loop and stop it once after, not inside the loop.",
            )
        )
    else:
        fb.ok(
            _(
                "your loop measured {measured} (the check's stopwatch: {took})",
                measured=format_seconds(measured),
                took=format_seconds(took),
            )
        )
        fb.note(
            _(
                "measured = {value:.2f} × N × latency; your prediction was {value2:.2f} × the measurement",
                value=measured / ideal,
                value2=guess / measured,
            )
        )
    return fb


def _errors_among(fb: Feedback, answers) -> bool:
    """A ✗ line if an answer is an error response (a 503, or its ``{"error": ...}`` JSON); True if so."""
    try:
        answers = list(answers)
    except TypeError:
        return False
    for k, answer in enumerate(answers):
        status = getattr(answer, "status_code", None)
        if isinstance(status, int) and status != 200:
            fb.fail(
                _(
                    "answer {k} is a {status} response, not an answer",
                    k=k,
                    status=status,
                )
            )
            return True
        if isinstance(answer, dict) and "error" in answer and "url" not in answer:
            fb.fail(
                _(
                    "answer {k} is the server's 503 error, {answer}, not an answer",
                    k=k,
                    answer=answer,
                )
            )
            return True
    return False


def session_loop(fn, *, n: int = 50, latency: float = 0.0) -> Feedback:
    """Run ``fn(url_basis, n)``: all ``n`` answers, in order, carried by one TCP connection."""
    fb = Feedback(_("Exercise 2 · one Session, one connection"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write session_loop(url_basis, n): open ONE requests.Session (a `with` block), "
                "GET url_basis + str(i) for i in range(n) on it, and return the n answers' JSON, "
                "in order.",
            )
        )
    server = start_server(latency=latency)
    run = _run(fb, "session_loop", fn, server, n, timeout=max(30.0, 10 * n * server.latency))
    if run is None:
        return fb
    if run.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in session_loop with your loop.",
            )
        )
    stats = server.stats(note=False)
    if not check_answers(fb, run.value, [str(i) for i in range(n)]):
        fb.hint(
            _(
                "Append response.json() for each request to a list, and return that list.",
            )
        )
    if not check_connections(fb, stats, 1):
        fb.hint(
            _(
                "requests.get() opens a new connection each time; so does a Session created "
                "inside the loop. Create the Session once, before the loop, and call "
                "session.get() in it.",
            )
        )
    elapsed = format_seconds(run.elapsed)
    fb.note(
        _("{requests} requests in {elapsed}", requests=stats["requests"], elapsed=elapsed)
        if measurable(stats["requests"])
        else _("took {elapsed}", elapsed=elapsed)
    )
    return fb


def patient_loop(fn, *, n: int = 50, error_rate: float = 0.2, seed: int = 1) -> Feedback:
    """Run ``fn(url_basis, n)`` against a server that answers 503 to a fraction ``error_rate``.

    All ``n`` answers must come back, in order; the server must receive ``n``
    requests plus one more per 503 (a retry for each failure, no more); and
    they must travel on one TCP connection (one Session).
    """
    fb = Feedback(_("Exercise 3 · a loop that survives 503s"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write patient_loop(url_basis, n, tries=10): like session_loop, but when a "
                "response's status is not 200, send that request again (up to `tries` times).",
            )
        )
    server = start_server(latency=0, error_rate=error_rate, seed=seed)
    run = _run(fb, "patient_loop", fn, server, n, timeout=max(30.0, 10 * n * server.latency))
    if run is None:
        if "HTTPError" in fb.text:
            fb.hint(
                _(
                    "raise_for_status() raised on a 503: catch it (or test response.ok) and try again.",
                )
            )
        return fb
    if run.not_implemented:
        return fb.not_started(
            _(
                "Replace the `raise NotImplementedError` in patient_loop with your loop.",
            )
        )
    stats = server.stats(note=False)
    failed, got = stats["errors_injected"], stats["requests"]
    if measurable(failed):
        fb.note(
            _(
                "the server answered 503 to {failed} of {got} requests, on purpose",
                failed=failed,
                got=got,
            )
        )
    if _errors_among(fb, run.value):
        fb.hint(
            _(
                "A 503 comes back as a response, not an exception: check response.status_code (or ok).",
            )
        )
    elif not check_answers(fb, run.value, [str(i) for i in range(n)]):
        fb.hint(_("Keep the answer of the try that succeeded, one per i, in order."))
    if unmeasured(fb, stats, "requests", N_("retries")):
        fb.note(
            _(
                "this server injects no errors: nothing to retry (the lab server fails {error_rate:.0%})",
                error_rate=error_rate,
            )
        )
    else:
        fb.require(
            got == n + failed,
            _(
                "{got} requests = {n} answers + {failed} retries: each 503 was retried, nothing more",
                got=got,
                n=n,
                failed=failed,
            ),
            _(
                "the server got {got} requests for {n} answers and {failed} 503s: expected "
                "{value} (one retry per 503)",
                got=got,
                n=n,
                failed=failed,
                value=n + failed,
            ),
        )
    if not check_connections(fb, stats, 1):
        fb.hint(_("Retry on the same Session: create it once, before the loop."))
    return fb
