"""The checkers of notebook 01's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

import time

import requests

from helpers import checks
from helpers.exercises import nb01 as check

# ---------------------------------------------------------------- exercise 1: timed_loop


def starter_timed_loop(url_basis, n):
    """Send n GETs to url_basis + "0", "1", ... one after the other; return the seconds taken."""
    raise NotImplementedError  # your for-loop here, timed with time.perf_counter()


def timer_inside_the_loop(url_basis, n):
    for i in range(n):
        start = time.perf_counter()  # restarted for every request: measures only the last one
        requests.get(url_basis + str(i)).raise_for_status()
    return time.perf_counter() - start


def in_milliseconds(url_basis, n):
    start = time.perf_counter()
    for i in range(n):
        requests.get(url_basis + str(i)).raise_for_status()
    return (time.perf_counter() - start) * 1000


def test_timed_loop_reference_passes():
    ns = checks.load_solution("01", "timed_loop")
    fb = check.timed_loop(ns["timed_loop"], ns["prediction"])
    assert fb.status == "passed", fb
    assert "the server answered 30 requests" in fb.text


def test_timed_loop_starter_is_not_started():
    assert check.timed_loop(starter_timed_loop, None).status == "not started"
    fb = check.timed_loop(starter_timed_loop, 1.5)  # predicted, loop not written yet
    assert fb.status == "not started" and "timed_loop(url_basis, n)" in fb.text, fb


def test_timed_loop_rejects_one_round_trip_as_the_prediction():
    ns = checks.load_solution("01", "timed_loop")
    fb = check.timed_loop(ns["timed_loop"], 0.05, n=10)
    assert fb.status == "failed"
    assert any("0.10 × N × latency" in f for f in fb.failures), fb
    fb = check.timed_loop(ns["timed_loop"], "1.5", n=10)
    assert any("positive number of seconds" in f for f in fb.failures), fb


def test_timed_loop_rejects_a_timer_restarted_inside_the_loop():
    fb = check.timed_loop(timer_inside_the_loop, 0.5, n=10)
    assert fb.status == "failed"
    assert any("your stopwatch missed part of the loop" in f for f in fb.failures), fb


def test_timed_loop_rejects_milliseconds():
    fb = check.timed_loop(in_milliseconds, 0.5, n=10)
    assert fb.status == "failed"
    assert any("not milliseconds" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 2: session_loop


def starter_session_loop(url_basis, n):
    """GET url_basis + "0" … str(n - 1) on ONE Session; return the answers' JSON, in order."""
    ...  # your loop here


def requests_get_loop(url_basis, n):  # the seed's way: a new connection per request
    return [requests.get(url_basis + str(i)).json() for i in range(n)]


def session_inside_the_loop(url_basis, n):
    answers = []
    for i in range(n):
        with requests.Session() as session:
            answers.append(session.get(url_basis + str(i)).json())
    return answers


def forgot_to_return(url_basis, n):
    with requests.Session() as session:
        for i in range(n):
            session.get(url_basis + str(i)).json()


def test_session_loop_reference_passes():
    fb = check.session_loop(checks.load_solution("01", "session_loop")["session_loop"])
    assert fb.status == "passed", fb
    assert "1 TCP connection carried the requests" in fb.text


def test_session_loop_starter_is_not_started():
    assert check.session_loop(starter_session_loop).status == "not started"


def test_session_loop_rejects_a_connection_per_request():
    for wrong in (requests_get_loop, session_inside_the_loop):
        fb = check.session_loop(wrong, n=20)
        assert fb.status == "failed"
        assert fb.failures == ["20 TCP connections carried the requests; expected 1"], fb


def test_session_loop_rejects_answers_not_returned():
    fb = check.session_loop(forgot_to_return, n=10)
    assert fb.status == "failed"
    assert any("got None instead of 10 answers" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 3: patient_loop


def starter_patient_loop(url_basis, n, tries=10):
    """Like session_loop, but send a request again when its answer is not 200 (up to `tries` times)."""
    ...  # your loop here


def no_status_check(url_basis, n):  # a 503 is not an exception: its error JSON slips through
    with requests.Session() as session:
        return [session.get(url_basis + str(i)).json() for i in range(n)]


def retry_with_requests_get(url_basis, n):
    answers = []
    for i in range(n):
        while not (response := requests.get(url_basis + str(i))).ok:
            pass
        answers.append(response.json())
    return answers


def test_patient_loop_reference_passes():
    fb = check.patient_loop(checks.load_solution("01", "patient_loop")["patient_loop"])
    assert fb.status == "passed", fb
    assert "each 503 was retried" in fb.text


def test_patient_loop_starter_is_not_started():
    assert check.patient_loop(starter_patient_loop).status == "not started"


def test_patient_loop_rejects_the_session_loop_without_retries():
    fb = check.patient_loop(checks.load_solution("01", "session_loop")["session_loop"])
    assert fb.status == "failed"
    assert any("raised HTTPError: 503" in f for f in fb.failures), fb
    assert "catch it" in str(fb)


def test_patient_loop_rejects_error_answers():
    fb = check.patient_loop(no_status_check)
    assert fb.status == "failed"
    assert any("is the server's 503 error" in f for f in fb.failures), fb


def test_patient_loop_rejects_a_new_connection_per_try():
    fb = check.patient_loop(retry_with_requests_get, n=20)
    assert fb.status == "failed"
    assert any("TCP connections carried the requests; expected 1" in f for f in fb.failures), fb


# ---------------------------------------------------------------- a server without counters (COURSE_BASE_URL)


def answers_reversed(url_basis, n):
    with requests.Session() as session:
        return [session.get(url_basis + str(i)).json() for i in reversed(range(n))]


def test_timed_loop_remote_verdicts(remote):
    ns = checks.load_solution("01", "timed_loop")  # predicts N × the measured round trip
    fb = check.timed_loop(ns["timed_loop"], ns["prediction"])
    assert fb.status == "passed", fb
    assert "requests counted at the server: not measurable" in fb.text, fb
    assert "one request at a time" in fb.text, fb
    fb = check.timed_loop(in_milliseconds, ns["prediction"], n=10)
    assert fb.status == "failed" and any("not milliseconds" in f for f in fb.failures), fb


def test_timed_loop_remote_judges_the_prediction_against_the_measured_round_trip(remote):
    from helpers.lab import start_server

    measured = start_server(latency=0.05).latency
    assert check.timed_loop(starter_timed_loop, 30 * measured).status == "not started"
    # Right: up to 1.5 × N round trips on a new connection (requests.get opens one per request); the
    # plain server's new connection costs at most 3 × a warm round trip, so 6 × N is wrong.
    fb = check.timed_loop(starter_timed_loop, 30 * measured * 6)
    assert any("6.00 × N × latency" in f for f in fb.failures), fb
    cold = start_server(latency=0.05).cold_latency
    fb = check.timed_loop(starter_timed_loop, 30 * cold)
    assert not fb.failures and "your prediction" in fb.text, f"N × cold is right too: {fb}"


def test_session_loop_remote_verdicts(remote):
    fb = check.session_loop(checks.load_solution("01", "session_loop")["session_loop"])
    assert fb.status == "passed", fb
    assert "connections: not measurable" in fb.text, fb
    fb = check.session_loop(forgot_to_return, n=10)
    assert fb.status == "failed" and any("got None instead of 10 answers" in f for f in fb.failures), fb


def test_patient_loop_remote_verdicts(remote):
    fb = check.patient_loop(checks.load_solution("01", "patient_loop")["patient_loop"])
    assert fb.status == "passed", fb
    assert "retries: not measurable" in fb.text and "nothing to retry" in fb.text, fb
    assert "connections: not measurable" in fb.text, fb
    assert check.patient_loop(starter_patient_loop).status == "not started"
    fb = check.patient_loop(answers_reversed, n=10)
    assert fb.status == "failed" and any("out of order" in f for f in fb.failures), fb
