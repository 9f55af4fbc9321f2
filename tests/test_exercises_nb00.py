"""The checkers of notebook 00's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

from helpers import checks
from helpers.exercises import nb00 as check
from helpers.timing import Timing

STARTER_PREDICTED = {"min": None, "max": None}
STARTER_CONNECTIONS = {"requests.get": None, "Session": None}
RIGHT_PREDICTED = {"min": 0.25, "max": 0.30}
RIGHT_CONNECTIONS = {"requests.get": 12, "Session": 1}


def runs(seconds: float, n: int, warmup: int = 1) -> Timing:
    """A measurement as measure() returns it: n runs of about ``seconds`` each."""
    return Timing("get", tuple(seconds + 0.001 * (i % 5) for i in range(n)), warmup)


# ---------------------------------------------------------------- exercise 1: jitter


def test_jitter_reference_passes():
    ns = checks.load_solution("00", "jitter")
    fb = check.jitter(ns["PREDICTED"], ns["timings"])
    assert fb.status == "passed", fb
    assert "20 runs measured" in fb.text and "the latency, 250 ms, or about that" in fb.text, fb


def test_jitter_starter_is_not_started():
    assert check.jitter(STARTER_PREDICTED, None).status == "not started"
    fb = check.jitter(RIGHT_PREDICTED, None)  # predicted, not measured yet
    assert fb.status == "not started" and not fb.failures and "Now measure" in fb.text, fb


def test_jitter_rejects_a_min_below_the_latency_and_a_max_without_the_jitter():
    fb = check.jitter({"min": 0.2, "max": 0.25}, runs(0.27, 20))
    assert fb.status == "failed"
    assert any(f.startswith("min: you predicted 200 ms") for f in fb.failures), fb
    assert any(f.startswith("max: you predicted 250 ms") for f in fb.failures), fb
    assert "jitter only adds" in str(fb), fb


def test_jitter_rejects_predictions_that_are_not_seconds():
    fb = check.jitter({"min": 250, "max": 300}, runs(0.27, 20))
    assert fb.status == "failed" and "not 250 (milliseconds)" in str(fb), fb
    fb = check.jitter({"min": "0.25", "max": 0.3}, None)
    assert any("positive number of seconds" in f for f in fb.failures), fb
    fb = check.jitter({"min": 0.25, "max": None}, None)
    assert fb.failures == ['PREDICTED["max"] is still None: predict it too'], fb
    fb = check.jitter([0.25, 0.3], None)
    assert any("keep it a dict" in f for f in fb.failures), fb


def test_jitter_rejects_a_median_five_runs_and_the_wrong_server():
    fb = check.jitter(RIGHT_PREDICTED, 0.27)  # timings.median, not the Timing
    assert fb.failures == ["timings is a float, 0.27, not a measurement: keep what measure(...) returns"], fb
    fb = check.jitter(RIGHT_PREDICTED, runs(0.27, 5))  # measure's default repeats
    assert fb.failures == ["5 runs measured, not 20"], fb
    fb = check.jitter(RIGHT_PREDICTED, runs(0.1, 20))  # the course default server, not `jittery`
    assert any("well under the latency" in f for f in fb.failures), fb
    fb = check.jitter(RIGHT_PREDICTED, [270.0] * 20)  # timed by hand, in milliseconds
    assert any("not milliseconds" in f for f in fb.failures), fb


def test_jitter_accepts_a_list_of_seconds():
    fb = check.jitter(RIGHT_PREDICTED, [0.26 + 0.002 * i for i in range(20)])
    assert fb.status == "passed", fb


# ---------------------------------------------------------------- exercise 2: connections


def test_connections_reference_passes():
    ns = checks.load_solution("00", "connections")
    fb = check.connections(ns["no_session"], ns["CONNECTIONS"])
    assert fb.status == "passed", fb
    assert "requests.get: 12 TCP connections for 12 GETs (as the server counted)" in fb.text, fb
    assert "Session: 1 TCP connection for 12 GETs (as the server counted)" in fb.text, fb


def test_connections_starter_is_not_started():
    assert check.connections(None, STARTER_CONNECTIONS, latency=0).status == "not started"
    fb = check.connections(runs(0.1, 10, 2), STARTER_CONNECTIONS, latency=0)  # measured, not answered
    assert fb.status == "not started" and not fb.failures, fb
    fb = check.connections(None, RIGHT_CONNECTIONS, latency=0)  # answered, not measured
    assert fb.status == "not started" and not fb.failures and "Now measure" in fb.text, fb


def test_connections_rejects_forgotten_warm_ups_and_a_connection_per_session_request():
    fb = check.connections(runs(0.1, 10, 2), {"requests.get": 10, "Session": 12}, latency=0)
    assert fb.status == "failed"
    assert fb.failures == [
        "requests.get: you wrote 10; 12 TCP connections carried 12 GETs (as the server counted)",
        "Session: you wrote 12; 1 TCP connection carried 12 GETs (as the server counted)",
    ], fb
    assert "the 2 warm-ups included" in str(fb) and "keeps it open" in str(fb), fb


def test_connections_rejects_a_measurement_not_taken_as_one_was():
    fb = check.connections(runs(0.1, 5), RIGHT_CONNECTIONS, latency=0)  # measure's defaults
    assert fb.failures == [
        "5 runs measured, not 10: measure(..., repeats=10, warmup=2)",
        "1 warm-up, not 2: measure(..., repeats=10, warmup=2), as `one`",
    ], fb
    fb = check.connections(0.1, RIGHT_CONNECTIONS, latency=0)
    assert any("not a measurement" in f for f in fb.failures), fb
    fb = check.connections(runs(0.1, 10, 2), {"requests.get": "12", "Session": 1.5}, latency=0)
    assert len(fb.failures) == 2 and all("whole number" in f for f in fb.failures), fb


# ---------------------------------------------------------------- a server without counters (COURSE_BASE_URL)


def test_jitter_remote_verdicts(remote):
    ns = checks.load_solution("00", "jitter")
    fb = check.jitter(ns["PREDICTED"], ns["timings"])
    assert fb.status == "passed", fb
    assert "the knobs change nothing on this server" in fb.text and "not judged" in fb.text, fb
    assert check.jitter(STARTER_PREDICTED, None).status == "not started"
    fb = check.jitter({"min": 0.3, "max": 0.25}, ns["timings"])
    assert any("is above your max" in f for f in fb.failures), fb
    fb = check.jitter(RIGHT_PREDICTED, runs(0.03, 5))
    assert fb.failures == ["5 runs measured, not 20"], fb


def test_connections_remote_verdicts(remote):
    ns = checks.load_solution("00", "connections")
    fb = check.connections(ns["no_session"], ns["CONNECTIONS"])
    assert fb.status == "passed", fb
    assert "connections: not measurable on this server" in fb.text, fb
    assert "on a new connection" in fb.text, fb  # the measured cost of a new connection, said
    assert check.connections(None, STARTER_CONNECTIONS).status == "not started"
    fb = check.connections(ns["no_session"], {"requests.get": 10, "Session": 1})
    assert fb.status == "failed" and any("requests.get: you wrote 10" in f for f in fb.failures), fb
