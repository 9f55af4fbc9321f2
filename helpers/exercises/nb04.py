"""Checkers for the exercises of notebook 04 · aiohttp.

1. ``download_many`` (warm-up): 250 requests through one session and its default
   connector, predicted in round trips and in requests in flight, then measured.
2. ``download_rounds`` (main): rounds of requests, one after the other, through ONE
   session: its connection pool, reused from round to round, counted by the server.

The other aiohttp exercises (limits, errors, retries) are notebook 05's: ``nb05``.

Each checker runs the learner's code against the lab server configured as in
the exercise's starter cell, and judges it by the server's counters. With
``COURSE_BASE_URL`` set (a server without counters), they judge the answers,
their order, the time against the measured round trip and what the client saw,
and say which counter they could not read.
"""

from __future__ import annotations

import asyncio
import inspect
import math
import time

from helpers import checks
from helpers.checks import (
    Feedback,
    attempt_async,
    check_answers,
    check_connections,
    check_peak,
    check_time,
    is_stub,
    unmeasured,
)
from helpers.i18n import N_, _
from helpers.lab import measurable, start_server
from helpers.timing import format_seconds

NOTEBOOK = "04"
LATENCY = 0.1  # the notebook's lab server (exercises 1 and 2)
DEFAULT_LIMIT = 100  # aiohttp's TCPConnector(limit=100)
FEW = (10, 6)  # exercise 2's second run: 10 URLs × 6 rounds, where rounds that overlap show


def solution(name: str):
    """The solution to exercise ``name``, folded away until the reader opens it."""
    return checks.solution(NOTEBOOK, name)


def _stats(server) -> dict:
    """The server's counters (each ``n/a`` on a server that keeps none), without a printed note."""
    return server.stats(note=False)


async def _settle(server, within: float = 3.0) -> dict:
    """Wait until the server handles no request (abandoned attempts finish there), then its stats."""
    deadline = time.monotonic() + within
    stats = await asyncio.to_thread(_stats, server)
    while stats["in_flight"] and time.monotonic() < deadline:  # n/a is falsy: no wait without counters
        await asyncio.sleep(0.05)
        stats = await asyncio.to_thread(_stats, server)
    return stats


class _OwnTimeout(Exception):
    """Carries a TimeoutError raised by the learner's code past attempt_async's own timeout."""


async def _attempt(fn, *args, timeout: float, **kwargs) -> checks.Attempt:  # noqa: ASYNC109
    """Like :func:`checks.attempt_async`, but a TimeoutError of the learner's own is an error, not a hang."""

    async def guarded():
        try:
            value = fn(*args, **kwargs)
            return await value if inspect.isawaitable(value) else value
        except TimeoutError as exc:
            raise _OwnTimeout() from exc

    run = await attempt_async(guarded, timeout=timeout)
    if isinstance(run.error, _OwnTimeout):
        run.error = run.error.__cause__
    return run


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


async def download_many(
    fn, round_trips=None, peak=None, *, n: int = 250, latency: float = LATENCY
) -> Feedback:
    """Exercise 1: ``fn(urls)`` sends ``n`` requests through one session with the default connector.

    Checks all ``n`` answers in order, a server-side peak of 100 in flight (the
    connector's limit: not more, nor under 90) and at most 100 connections; then the
    predictions: ``round_trips`` (whole waves of 100: 3 for 250) and ``peak`` (100).
    Round trips are measured in units of ``server.latency`` (``latency`` on the lab server;
    the measured round trip on a server without counters, where peak and connections are
    not measurable).
    """
    fb = Feedback(_("Exercise 1 · {n} requests, predicted then measured", n=n))
    waves = math.ceil(n / DEFAULT_LIMIT)
    if round_trips is None or peak is None:
        return fb.not_started(
            _(
                "First write your two predictions in the starter cell: predicted_round_trips "
                "(how many round trips {n} requests take) and predicted_peak (how many the "
                "server sees in flight at once).",
                n=n,
            )
        )
    if is_stub(fn):
        return fb.not_started(
            _(
                "Now write download_many(urls): one aiohttp.ClientSession (default connector), "
                "gather a request per URL, return the answers in order.",
            )
        )
    server = start_server(latency=latency)
    urls = [f"{server.url}/get?{i}" for i in range(n)]
    server.reset_stats()
    timeout = 30 * waves * server.latency + 10
    run = await _attempt(fn, urls, timeout=timeout)
    if not run.ok:
        fb.fail(_("download_many(urls) {describe}", describe=run.describe(timeout)))
        return fb.hint(
            _(
                "Start from one_shared_session above: one session, gather, return the bodies.",
            )
        )
    stats = _stats(server)
    check_answers(fb, run.value, [str(i) for i in range(n)])
    if not check_peak(fb, stats, DEFAULT_LIMIT):
        fb.hint(
            _(
                "Open ONE ClientSession for all the requests, with its default connector: the "
                "connector (limit 100) is what caps the requests in flight.",
            )
        )
    elif measurable(stats["peak_in_flight"]) and stats["peak_in_flight"] < 0.9 * DEFAULT_LIMIT:
        fb.fail(
            _(
                "at most {peak_in_flight} requests were in flight at once: the default connector "
                "allows {DEFAULT_LIMIT} (did you set a limit of your own?)",
                peak_in_flight=stats["peak_in_flight"],
                DEFAULT_LIMIT=DEFAULT_LIMIT,
            )
        )
    check_connections(fb, stats, DEFAULT_LIMIT, at_most=True)
    measured = run.elapsed / server.latency
    fb.note(
        _(
            "measured: {elapsed} = {measured:.1f} round trips of {latency:.3g} s",
            elapsed=format_seconds(run.elapsed),
            measured=measured,
            latency=server.latency,
        )
    )
    if not _number(round_trips):
        fb.fail(
            _(
                "predicted_round_trips should be a number of round trips, not {round_trips!r}",
                round_trips=round_trips,
            )
        )
    elif waves <= round_trips < waves + 1:
        fb.ok(
            _(
                "you predicted {round_trips:g} round trips: right, {n} requests go in {waves} "
                "waves of at most {DEFAULT_LIMIT} ({join})",
                round_trips=round_trips,
                n=n,
                waves=waves,
                DEFAULT_LIMIT=DEFAULT_LIMIT,
                join=" + ".join(str(min(DEFAULT_LIMIT, n - k)) for k in range(0, n, 100)),
            )
        )
    else:
        fb.fail(
            _(
                "you predicted {round_trips:g} round trips; at most {DEFAULT_LIMIT} requests are "
                "in flight at once, so {n} requests need {waves} waves: {waves} round trips "
                "(measured: {measured:.1f})",
                round_trips=round_trips,
                DEFAULT_LIMIT=DEFAULT_LIMIT,
                n=n,
                waves=waves,
                measured=measured,
            )
        )
        fb.hint(
            _(
                "A wave takes a whole round trip even when it is not full: round up, not n / limit.",
            )
        )
    if not _number(peak):
        fb.fail(
            _(
                "predicted_peak should be a number of requests, not {peak!r}",
                peak=peak,
            )
        )
    else:
        fb.require(
            peak == DEFAULT_LIMIT,
            _(
                "you predicted a peak of {peak:g} in flight: right, the default connector's limit",
                peak=peak,
            ),
            _(
                "you predicted a peak of {peak:g} in flight; one session's default connector "
                "opens at most {DEFAULT_LIMIT} connections, so at most {DEFAULT_LIMIT} requests "
                "are in flight",
                peak=peak,
                DEFAULT_LIMIT=DEFAULT_LIMIT,
            ),
        )
    return fb


async def download_rounds(fn, *, n: int = 100, rounds: int = 3, latency: float = LATENCY) -> Feedback:
    """Exercise 2: ``fn(urls, rounds)`` downloads ``urls`` ``rounds`` times, one round after the other,
    through ONE ClientSession, and returns the last round's answers in order.

    First run, ``n`` URLs × ``rounds``: the ``n`` answers in order; ``rounds × n`` requests at the
    server; at most ``n`` TCP connections in all (one pool, reused: a session per round or per
    request opens more); at most ``n`` in flight; a time within 3 × ``rounds`` round trips.
    Second run, :data:`FEW` (10 URLs × 6 rounds): at most 10 in flight, since with few URLs rounds
    that overlap show even under the connector's limit of 100. On a server without counters
    (``server.has_stats`` False) the connections, requests and peak are not measurable: the answers,
    their order and the time are judged, and a time under what the rounds need one after the
    other (a round skipped, or rounds that overlap) fails.
    """
    for name, value in (("n", n), ("rounds", rounds)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, not {value!r}")
    fb = Feedback(
        _(
            "Exercise 2 · {rounds} rounds of {n} requests, one session",
            rounds=rounds,
            n=n,
        )
    )
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write download_rounds(urls, rounds) in the starter cell: open ONE "
                "aiohttp.ClientSession, then `rounds` times gather a request per URL through it; "
                "return the last round's answers.",
            )
        )
    server = start_server(latency=latency)
    run, stats = await _rounds_run(fn, server, n, rounds)
    if not run.ok:
        fb.fail(
            _(
                "download_rounds(urls, {rounds}) {describe}",
                rounds=rounds,
                describe=run.describe(_rounds_timeout(server, rounds)),
            )
        )
        return fb.hint(
            _(
                "Start from one_shared_session above, and return the last round's answers.",
            )
        )
    if not check_answers(fb, run.value, [str(i) for i in range(n)]):
        fb.hint(
            _(
                "Return the answers of the last round only: a list of {n}, in the order of urls.",
                n=n,
            )
        )
    complete = True  # every round ran, as far as the server could count
    if not unmeasured(fb, stats, "requests", N_("requests counted at the server")):
        complete = fb.require(
            stats["requests"] == rounds * n,
            _(
                "the server saw {requests} requests: {rounds} rounds × {n} URLs",
                requests=stats["requests"],
                rounds=rounds,
                n=n,
            ),
            _(
                "the server saw {requests} requests; {rounds} rounds of {n} URLs are {value}",
                requests=stats["requests"],
                rounds=rounds,
                n=n,
                value=rounds * n,
            ),
        )
        if stats["requests"] < rounds * n:
            fb.hint(
                _(
                    "Run every round: `for _ in range(rounds):`, each a gather of {n} requests.",
                    n=n,
                )
            )
    if not check_connections(fb, stats, n, at_most=True):
        fb.hint(
            _(
                "Open the session ONCE, before the loop over the rounds, and pass it to every "
                "request: a session per round (or per request) opens new connections each time; "
                "one session reuses them.",
            )
        )
    overlapped = not _one_after_another(fb, stats, run.elapsed, server, n, rounds)
    ideal = _ideal(server, rounds)
    what = (
        _("{rounds} round trips", rounds=rounds)
        if server.has_stats
        else _("{rounds} round trips, the first on new connections", rounds=rounds)
    )
    if complete and not overlapped:  # within 3 × the ideal, and at least 0.5 s over it: a crowded machine
        factor = round(max(3, 1 + 0.5 / ideal), 1)
        check_time(fb, run.elapsed, ideal, factor=factor, what=what, stall=stats)
    few, few_rounds = FEW
    run, stats = await _rounds_run(fn, server, few, few_rounds)
    if not run.ok:
        timeout = _rounds_timeout(server, few_rounds)
        fb.fail(
            _(
                "download_rounds(urls, {few_rounds}) on {few} URLs {describe}",
                few_rounds=few_rounds,
                few=few,
                describe=run.describe(timeout),
            )
        )
    else:
        overlapped |= not _one_after_another(fb, stats, run.elapsed, server, few, few_rounds, say=False)
    if overlapped:
        fb.hint(
            _(
                "Await each round before the next one starts: `for _ in range(rounds): answers = "
                "await asyncio.gather(...)`, not one gather (or TaskGroup) around all the rounds.",
            )
        )
    return fb


def _ideal(server, rounds: int) -> float:
    """``rounds`` round trips, the first on new connections (over the internet, set-up costs more)."""
    return server.cold_latency + (rounds - 1) * server.latency


def _rounds_timeout(server, rounds: int) -> float:
    return 20 * _ideal(server, rounds) + 10


async def _rounds_run(fn, server, n: int, rounds: int) -> tuple[checks.Attempt, dict]:
    """Run ``fn(urls, rounds)`` on ``n`` fresh URLs; its attempt and the server's counters, settled."""
    urls = [f"{server.url}/get?{i}" for i in range(n)]
    server.reset_stats()
    run = await _attempt(fn, urls, rounds, timeout=_rounds_timeout(server, rounds))
    return run, await _settle(server)


def _one_after_another(fb: Feedback, stats, elapsed: float, server, n: int, rounds: int, say=True) -> bool:
    """The rounds did not overlap: at most ``n`` in flight; without counters, not too fast for that
    (``say``: note that the peak was not measurable)."""
    if measurable(stats["peak_in_flight"]):
        peak = stats["peak_in_flight"]
        return fb.require(
            peak <= n,
            _(
                "{n} URLs × {rounds} rounds: at most {peak} requests in flight, one round after the other",
                n=n,
                rounds=rounds,
                peak=peak,
            ),
            _(
                "{n} URLs × {rounds} rounds: {peak} requests were in flight at once, more than "
                "the {n} URLs of a round: the rounds overlapped",
                n=n,
                rounds=rounds,
                peak=peak,
            ),
        )
    # rounds one after the other take a round trip each (the first on new connections), each the
    # slowest of n requests: at least the first and 2/3 of each of the others (their median); a round
    # skipped, or all of them at once, take about one (the server's counters would show it)
    if say:
        fb.note(
            _(
                "requests in flight: not measurable on this server (it keeps no counters): "
                "judged by the time",
            )
        )
    least = server.cold_latency + (rounds - 1) * server.latency * 2 / 3
    if elapsed >= least:
        return True
    return fb.require(
        False,
        "",
        _(
            "{n} URLs × {rounds} rounds took {elapsed}, under {least}: faster than {rounds} "
            "rounds one after the other can go (did each round run, after the previous one?)",
            n=n,
            rounds=rounds,
            elapsed=format_seconds(elapsed),
            least=format_seconds(least),
        ),
    )
