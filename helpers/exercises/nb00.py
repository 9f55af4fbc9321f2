"""Checkers for the exercises of notebook 00 · Home.

1. :func:`jitter` (warm-up): the learner predicts the fastest and the slowest of
   20 single GETs to a lab server at 0.25 s latency plus up to 0.05 s of jitter,
   then measures them with ``measure``. The predictions are judged against the
   server's settings (no answer comes before the latency; the slowest of 20 waits
   most of the jitter more), the measurement by its shape: 20 runs, none well
   under the latency (the one floor the server guarantees; no ceiling, which load
   would break).
2. :func:`connections` (main): the learner measures ``requests.get`` without a
   Session (10 runs after 2 warm-ups) and says how many TCP connections 12 GETs
   use, with ``requests.get`` and on one Session; the check sends both sets of 12
   and compares the answers with what the lab server counted.

With ``COURSE_BASE_URL`` set, the knobs change nothing and the server keeps no
counters: the predictions are compared with the measurement, not judged; the
connection answers are judged against what ``requests`` does (one connection per
``requests.get``, one per Session), and the checks say what they could not count.
"""

from __future__ import annotations

import math
import statistics
import time

import requests

from helpers import checks
from helpers.checks import Feedback, attempt, seconds_or_none, unmeasured
from helpers.lab import start_server
from helpers.timing import Timing, format_seconds

NOTEBOOK = "00"
BOUNDS = ("min", "max")
WAYS = ("requests.get", "Session")


def solution(name: str):
    """The solution to exercise ``name`` of this notebook, shown folded away."""
    return checks.solution(NOTEBOOK, name)


def _samples(value) -> list[float] | None:
    """The durations (seconds) of a measurement: a Timing's samples or a list of numbers; else None."""
    samples = getattr(value, "samples", value)
    if isinstance(samples, str | bytes | dict) or not hasattr(samples, "__iter__"):
        return None
    samples = list(samples)
    good = all(
        isinstance(s, int | float) and not isinstance(s, bool) and math.isfinite(s) and s >= 0
        for s in samples
    )
    return samples if samples and good else None


def _kind(value) -> str:
    text = repr(value)
    return f"a {type(value).__name__}, {text if len(text) <= 40 else text[:37] + '...'}"


def _predictions(fb: Feedback, predicted) -> dict | None:
    """The two predictions as seconds, or None after the ✗ lines saying what is wrong with them."""
    values = {key: predicted.get(key) for key in BOUNDS}
    for key, value in values.items():
        if value is None:
            fb.fail(f'PREDICTED["{key}"] is still None: predict it too')
        elif seconds_or_none(value) is None:
            fb.fail(f'PREDICTED["{key}"] is {value!r}: write a positive number of seconds, such as 0.3')
    return None if fb.failures else {key: float(value) for key, value in values.items()}


def jitter(predicted, timings, *, latency: float = 0.25, spread: float = 0.05, n: int = 20) -> Feedback:
    """Judge ``predicted`` (``{"min": s, "max": s}``) and ``timings`` (20 single GETs, measured).

    At the lab server, every answer waits ``latency`` plus up to ``spread`` at
    random. The fastest of ``n`` is right from the latency to half the jitter
    above it (never below: the server waits that long); the slowest from half the
    jitter above the latency to twice the jitter above it. ``timings`` (what
    ``measure`` returns, or a list of seconds) must hold ``n`` runs, none under
    0.9 × the latency (a timer may fire a clock tick early). With
    ``COURSE_BASE_URL`` set, the predictions are compared with the measurement,
    not judged.
    """
    fb = Feedback("Exercise 1 · predict, then measure")
    server = start_server(latency=latency, jitter=spread)
    if not isinstance(predicted, dict):
        return fb.fail(f'PREDICTED is {_kind(predicted)}; keep it a dict: {{"min": seconds, "max": seconds}}')
    if all(predicted.get(key) is None for key in BOUNDS):
        return fb.not_started(
            f"Replace the two None in PREDICTED with your guesses, in seconds, for the fastest and the "
            f"slowest of {n} single GETs; then measure them into `timings` and run this check again."
        )
    guess = _predictions(fb, predicted)
    if guess is None:
        return fb
    top = latency + spread
    if server.has_stats:
        low, high = (latency, latency + spread / 2), (latency + spread / 2, latency + 2 * spread)
        if not fb.require(
            low[0] - 1e-9 <= guess["min"] <= low[1],
            f"min: you predicted {format_seconds(guess['min'])}: no answer comes sooner than the "
            f"latency, {format_seconds(latency)}",
            f"min: you predicted {format_seconds(guess['min'])}; the fastest of {n} takes from "
            f"{format_seconds(low[0])} to {format_seconds(low[1])}",
        ):
            if guess["min"] < latency:
                fb.hint(f"The server waits {format_seconds(latency)} before every answer: jitter only adds.")
        if not fb.require(
            high[0] <= guess["max"] <= high[1],
            f"max: you predicted {format_seconds(guess['max'])}: close to latency + jitter, "
            f"{format_seconds(top)}",
            f"max: you predicted {format_seconds(guess['max'])}; the slowest of {n} takes from "
            f"{format_seconds(high[0])} to {format_seconds(high[1])} (latency + up to "
            f"{format_seconds(spread)} of jitter)",
        ):
            if guess["max"] < high[0]:
                fb.hint(
                    f"Each answer waits up to {format_seconds(spread)} more: of {n}, one waits nearly "
                    "all of it."
                )
        if max(guess.values()) > 10 * top:
            fb.hint("Write seconds: 0.25, not 250 (milliseconds).")
    else:
        fb.note(
            "the knobs change nothing on this server: your predictions are compared with your "
            "measurement, not judged"
        )
        fb.require(
            guess["min"] <= guess["max"],
            "your min is not above your max",
            f"your min, {format_seconds(guess['min'])}, is above your max, {format_seconds(guess['max'])}",
        )
    if timings is None:
        return fb.not_started(
            f'Now measure: timings = measure(session.get, f"{{jittery.url}}/get", repeats={n}) on a '
            "requests.Session, as `one` was measured above; then run this check again."
        )
    samples = _samples(timings)
    if samples is None:
        fb.fail(f"timings is {_kind(timings)}, not a measurement: keep what measure(...) returns")
        return fb.hint(f"timings = measure(session.get, url, repeats={n}): its {n} runs, not their median.")
    if not fb.require(len(samples) == n, f"{n} runs measured", f"{len(samples)} runs measured, not {n}"):
        fb.hint(f"measure(..., repeats={n}) times {n} runs.")
    fastest, slowest = min(samples), max(samples)
    if not isinstance(timings, Timing) and fastest > 100 * top:
        fb.fail(f"the fastest run is {fastest:g}: write seconds, not milliseconds")
        return fb
    if server.has_stats:
        # 0.9×: a timer may fire a clock tick early (15.6 ms on Windows); the course default is 0.4×
        fb.require(
            fastest >= 0.9 * latency,
            f"the fastest run took {format_seconds(fastest)}: the latency, {format_seconds(latency)}, "
            "or about that (the server waits that long before every answer)",
            f"the fastest run took {format_seconds(fastest)}, well under the latency, "
            f"{format_seconds(latency)}: measure `jittery`, the server this cell started, not another one",
        )
    else:
        fb.note(f"this server's measured round trip: {format_seconds(server.latency)}; its jitter is its own")
    fb.note(
        f"measured: min {format_seconds(fastest)}, median {format_seconds(statistics.median(samples))}, "
        f"max {format_seconds(slowest)}; you predicted {format_seconds(guess['min'])} and "
        f"{format_seconds(guess['max'])}"
    )
    return fb


def _count(server, n: int) -> dict:
    """Send ``n`` GETs with requests.get, then ``n`` on one Session; connections counted, and times."""
    url, counted, times = f"{server.url}/get?0", {}, {}
    for way in WAYS:
        server.reset_stats()
        samples = []
        with requests.Session() as session:
            get = requests.get if way == "requests.get" else session.get
            for _ in range(n):
                start = time.perf_counter()
                get(url).raise_for_status()
                samples.append(time.perf_counter() - start)
        counted[way] = server.stats(note=False)["connections"]
        times[way] = statistics.median(samples)
    return {"connections": counted, "median": times}


def _whole(value) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return int(value) if value == int(value) and value >= 0 else None


def connections(no_session, answers, *, latency: float = 0.1, runs: int = 10, warmup: int = 2) -> Feedback:
    """Judge ``no_session`` (requests.get measured ``runs`` times after ``warmup``) and ``answers``.

    ``answers`` maps ``"requests.get"`` and ``"Session"`` to the number of TCP
    connections that ``runs + warmup`` GETs use each way. The check sends both
    sets at the lab server and compares the answers with its ``connections``
    count. ``no_session`` must hold ``runs`` runs (after ``warmup`` warm-ups, if it
    is a Timing); its median is compared with a Session's, as a note (on loopback a
    new connection costs next to nothing, so no verdict rests on that ratio).
    Without counters (``COURSE_BASE_URL``), the answers are judged against what
    requests does: one connection per ``requests.get``, one per Session.
    """
    fb = Feedback("Exercise 2 · a new connection per request")
    n = runs + warmup
    if not isinstance(answers, dict):
        return fb.fail(
            f'CONNECTIONS is {_kind(answers)}; keep it a dict: {{"requests.get": n, "Session": n}}'
        )
    values = {way: answers.get(way) for way in WAYS}
    if no_session is None and all(v is None for v in values.values()):
        return fb.not_started(
            f"Measure requests.get the way `one` was measured ({runs} runs after {warmup} warm-ups) into "
            "no_session; then read server.stats() and write in CONNECTIONS how many TCP connections "
            f"those {n} GETs used, and `one`'s {n} on a Session."
        )
    server = start_server(latency=latency)
    session_median = server.latency
    if no_session is not None:
        samples = _samples(no_session)
        if samples is None:
            fb.fail(f"no_session is {_kind(no_session)}, not a measurement: keep what measure(...) returns")
        else:
            fb.require(
                len(samples) == runs,
                f"{runs} runs measured",
                f"{len(samples)} runs measured, not {runs}: measure(..., repeats={runs}, warmup={warmup})",
            )
            done = getattr(no_session, "warmup", warmup)
            fb.require(
                done == warmup,
                f"after {warmup} warm-ups",
                f"{done} warm-up{'s' * (done != 1)}, not {warmup}: measure(..., repeats={runs}, "
                f"warmup={warmup}), as `one`",
            )
    if all(v is None for v in values.values()):
        return fb.not_started(
            "Now read server.stats() and write in CONNECTIONS how many TCP connections each way used."
        )
    if unmeasured(fb, server.stats(note=False), "connections", "connections"):
        expected = {"requests.get": n, "Session": 1}
        how = "what requests does; not counted on this server"
    else:
        run = attempt(_count, server, n, timeout=max(30.0, 10 * n * latency))
        if not run.ok:
            return fb.fail(f"the check's own {n} + {n} GETs {run.describe()}: run this check again")
        expected, session_median = run.value["connections"], run.value["median"]["Session"]
        how = "as the server counted"
    for way in WAYS:
        value, want = values[way], expected[way]
        if value is None:
            fb.fail(f'CONNECTIONS["{way}"] is still None: answer it too')
        elif _whole(value) is None:
            fb.fail(f'CONNECTIONS["{way}"] is {value!r}: write a whole number of connections, such as 3')
        elif not fb.require(
            _whole(value) == want,
            f"{way}: {want} TCP connection{'s' * (want != 1)} for {n} GETs ({how})",
            f"{way}: you wrote {value}; {want} TCP connection{'s' * (want != 1)} carried {n} GETs ({how})",
        ):
            if way == "requests.get":
                fb.hint(
                    f"requests.get opens a new connection for every call, the {warmup} warm-ups included."
                )
            else:
                fb.hint("A Session opens one connection and keeps it open for every request it sends.")
    samples = _samples(no_session) if no_session is not None else None
    if samples:
        median = statistics.median(samples)
        if server.has_stats:
            fb.note(
                f"no_session's median, {format_seconds(median)}, is {median / session_median:.2f} × a "
                f"Session's round trip ({format_seconds(session_median)}, just now): a new connection on "
                "loopback is cheap; over the internet it costs a round trip or more"
            )
        else:
            fb.note(
                f"no_session's median, {format_seconds(median)}; this server's round trip: "
                f"{format_seconds(server.latency)} warm, {format_seconds(server.cold_latency)} on a new "
                "connection"
            )
    if no_session is None:
        return fb.not_started(
            f"Now measure requests.get into no_session ({runs} runs after {warmup} warm-ups), as `one`."
        )
    return fb
