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
from helpers.i18n import N_, _
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
    return _(
        "a {name}, {text}",
        name=type(value).__name__,
        text=text if len(text) <= 40 else text[:37] + "...",
    )


def _predictions(fb: Feedback, predicted) -> dict | None:
    """The two predictions as seconds, or None after the ✗ lines saying what is wrong with them."""
    values = {key: predicted.get(key) for key in BOUNDS}
    for key, value in values.items():
        if value is None:
            fb.fail(_('PREDICTED["{key}"] is still None: predict it too', key=key))
        elif seconds_or_none(value) is None:
            fb.fail(
                _(
                    'PREDICTED["{key}"] is {value!r}: write a positive number of seconds, such as 0.3',
                    key=key,
                    value=value,
                )
            )
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
    fb = Feedback(_("Exercise 1 · predict, then measure"))
    server = start_server(latency=latency, jitter=spread)
    if not isinstance(predicted, dict):
        return fb.fail(
            _(
                'PREDICTED is {kind}; keep it a dict: {{"min": seconds, "max": seconds}}',
                kind=_kind(predicted),
            )
        )
    if all(predicted.get(key) is None for key in BOUNDS):
        return fb.not_started(
            _(
                "Replace the two None in PREDICTED with your guesses, in seconds, for the "
                "fastest and the slowest of {n} single GETs; then measure them into `timings` "
                "and run this check again.",
                n=n,
            )
        )
    guess = _predictions(fb, predicted)
    if guess is None:
        return fb
    top = latency + spread
    if server.has_stats:
        low, high = (latency, latency + spread / 2), (latency + spread / 2, latency + 2 * spread)
        if not fb.require(
            low[0] - 1e-9 <= guess["min"] <= low[1],
            _(
                "min: you predicted {min}: no answer comes sooner than the latency, {latency}",
                min=format_seconds(guess["min"]),
                latency=format_seconds(latency),
            ),
            _(
                "min: you predicted {min}; the fastest of {n} takes from {low} to {low2}",
                min=format_seconds(guess["min"]),
                n=n,
                low=format_seconds(low[0]),
                low2=format_seconds(low[1]),
            ),
        ):
            if guess["min"] < latency:
                fb.hint(
                    _(
                        "The server waits {latency} before every answer: jitter only adds.",
                        latency=format_seconds(latency),
                    )
                )
        if not fb.require(
            high[0] <= guess["max"] <= high[1],
            _(
                "max: you predicted {max}: close to latency + jitter, {top}",
                max=format_seconds(guess["max"]),
                top=format_seconds(top),
            ),
            _(
                "max: you predicted {max}; the slowest of {n} takes from {high} to {high2} "
                "(latency + up to {spread} of jitter)",
                max=format_seconds(guess["max"]),
                n=n,
                high=format_seconds(high[0]),
                high2=format_seconds(high[1]),
                spread=format_seconds(spread),
            ),
        ):
            if guess["max"] < high[0]:
                fb.hint(
                    _(
                        "Each answer waits up to {spread} more: of {n}, one waits nearly all of it.",
                        spread=format_seconds(spread),
                        n=n,
                    )
                )
        if max(guess.values()) > 10 * top:
            fb.hint(_("Write seconds: 0.25, not 250 (milliseconds)."))
    else:
        fb.note(
            _(
                "the knobs change nothing on this server: your predictions are compared with "
                "your measurement, not judged",
            )
        )
        fb.require(
            guess["min"] <= guess["max"],
            _("your min is not above your max"),
            _(
                "your min, {min}, is above your max, {max}",
                min=format_seconds(guess["min"]),
                max=format_seconds(guess["max"]),
            ),
        )
    if timings is None:
        return fb.not_started(
            _(
                'Now measure: timings = measure(session.get, f"{{jittery.url}}/get", '
                "repeats={n}) on a requests.Session, as `one` was measured above; then run this "
                "check again.",
                n=n,
            )
        )
    samples = _samples(timings)
    if samples is None:
        fb.fail(
            _(
                "timings is {kind}, not a measurement: keep what measure(...) returns",
                kind=_kind(timings),
            )
        )
        return fb.hint(
            _(
                "timings = measure(session.get, url, repeats={n}): its {n} runs, not their median.",
                n=n,
            )
        )
    if not fb.require(
        len(samples) == n,
        _("{n} runs measured", n=n),
        _("{n_samples} runs measured, not {n}", n_samples=len(samples), n=n),
    ):
        fb.hint(_("measure(..., repeats={n}) times {n} runs.", n=n))
    fastest, slowest = min(samples), max(samples)
    if not isinstance(timings, Timing) and fastest > 100 * top:
        fb.fail(
            _(
                "the fastest run is {fastest:g}: write seconds, not milliseconds",
                fastest=fastest,
            )
        )
        return fb
    if server.has_stats:
        # 0.9×: a timer may fire a clock tick early (15.6 ms on Windows); the course default is 0.4×
        fb.require(
            fastest >= 0.9 * latency,
            _(
                "the fastest run took {fastest}: the latency, {latency}, or about that (the "
                "server waits that long before every answer)",
                fastest=format_seconds(fastest),
                latency=format_seconds(latency),
            ),
            _(
                "the fastest run took {fastest}, well under the latency, {latency}: measure "
                "`jittery`, the server this cell started, not another one",
                fastest=format_seconds(fastest),
                latency=format_seconds(latency),
            ),
        )
    else:
        fb.note(
            _(
                "this server's measured round trip: {latency}; its jitter is its own",
                latency=format_seconds(server.latency),
            )
        )
    fb.note(
        _(
            "measured: min {fastest}, median {median}, max {slowest}; you predicted {min} and {max}",
            fastest=format_seconds(fastest),
            median=format_seconds(statistics.median(samples)),
            slowest=format_seconds(slowest),
            min=format_seconds(guess["min"]),
            max=format_seconds(guess["max"]),
        )
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
            for _unused in range(n):
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
    fb = Feedback(_("Exercise 2 · a new connection per request"))
    n = runs + warmup
    if not isinstance(answers, dict):
        return fb.fail(
            _(
                'CONNECTIONS is {kind}; keep it a dict: {{"requests.get": n, "Session": n}}',
                kind=_kind(answers),
            )
        )
    values = {way: answers.get(way) for way in WAYS}
    if no_session is None and all(v is None for v in values.values()):
        return fb.not_started(
            _(
                "Measure requests.get the way `one` was measured ({runs} runs after {warmup} "
                "warm-ups) into no_session; then read server.stats() and write in CONNECTIONS "
                "how many TCP connections those {n} GETs used, and `one`'s {n} on a Session.",
                runs=runs,
                warmup=warmup,
                n=n,
            )
        )
    server = start_server(latency=latency)
    session_median = server.latency
    if no_session is not None:
        samples = _samples(no_session)
        if samples is None:
            fb.fail(
                _(
                    "no_session is {kind}, not a measurement: keep what measure(...) returns",
                    kind=_kind(no_session),
                )
            )
        else:
            fb.require(
                len(samples) == runs,
                _("{runs} runs measured", runs=runs),
                _(
                    "{n_samples} runs measured, not {runs}: measure(..., repeats={runs}, warmup={warmup})",
                    n_samples=len(samples),
                    runs=runs,
                    warmup=warmup,
                ),
            )
            done = getattr(no_session, "warmup", warmup)
            fb.require(
                done == warmup,
                _("after {warmup} warm-ups", warmup=warmup),
                _(
                    "{done} warm-up{value}, not {warmup}: measure(..., repeats={runs}, "
                    "warmup={warmup}), as `one`",
                    done=done,
                    value="s" * (done != 1),
                    warmup=warmup,
                    runs=runs,
                ),
            )
    if all(v is None for v in values.values()):
        return fb.not_started(
            _(
                "Now read server.stats() and write in CONNECTIONS how many TCP connections each way used.",
            )
        )
    if unmeasured(fb, server.stats(note=False), "connections", N_("connections")):
        expected = {"requests.get": n, "Session": 1}
        how = _("what requests does; not counted on this server")
    else:
        run = attempt(_count, server, n, timeout=max(30.0, 10 * n * latency))
        if not run.ok:
            return fb.fail(
                _(
                    "the check's own {n} + {n} GETs {describe}: run this check again",
                    n=n,
                    describe=run.describe(),
                )
            )
        expected, session_median = run.value["connections"], run.value["median"]["Session"]
        how = _("as the server counted")
    for way in WAYS:
        value, want = values[way], expected[way]
        if value is None:
            fb.fail(_('CONNECTIONS["{way}"] is still None: answer it too', way=way))
        elif _whole(value) is None:
            fb.fail(
                _(
                    'CONNECTIONS["{way}"] is {value!r}: write a whole number of connections, such as 3',
                    way=way,
                    value=value,
                )
            )
        elif not fb.require(
            _whole(value) == want,
            _(
                "{way}: {want} TCP connection{value} for {n} GETs ({how})",
                way=way,
                want=want,
                value="s" * (want != 1),
                n=n,
                how=how,
            ),
            _(
                "{way}: you wrote {value}; {want} TCP connection{value2} carried {n} GETs ({how})",
                way=way,
                value=value,
                want=want,
                value2="s" * (want != 1),
                n=n,
                how=how,
            ),
        ):
            if way == "requests.get":
                fb.hint(
                    _(
                        "requests.get opens a new connection for every call, the {warmup} warm-ups included.",
                        warmup=warmup,
                    )
                )
            else:
                fb.hint(
                    _(
                        "A Session opens one connection and keeps it open for every request it sends.",
                    )
                )
    samples = _samples(no_session) if no_session is not None else None
    if samples:
        median = statistics.median(samples)
        if server.has_stats:
            fb.note(
                _(
                    "no_session's median, {median}, is {value:.2f} × a Session's round trip "
                    "({session_median}, just now): a new connection on loopback is cheap; over the "
                    "internet it costs a round trip or more",
                    median=format_seconds(median),
                    value=median / session_median,
                    session_median=format_seconds(session_median),
                )
            )
        else:
            fb.note(
                _(
                    "no_session's median, {median}; this server's round trip: {latency} warm, "
                    "{cold_latency} on a new connection",
                    median=format_seconds(median),
                    latency=format_seconds(server.latency),
                    cold_latency=format_seconds(server.cold_latency),
                )
            )
    if no_session is None:
        return fb.not_started(
            _(
                "Now measure requests.get into no_session ({runs} runs after {warmup} warm-ups), as `one`.",
                runs=runs,
                warmup=warmup,
            )
        )
    return fb
