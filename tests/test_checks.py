"""The exercise machinery: feedback verdicts, safe calls, stub detection, hidden solutions."""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest

from helpers import checks
from helpers.checks import Feedback, attempt, attempt_async, is_stub


def test_feedback_verdicts():
    fb = Feedback("Exercise 1")
    assert fb.status == "failed" and not fb, "nothing checked yet is not a pass"
    assert fb.require(True, "all 100 answers", "unused") is True
    assert fb.status == "passed" and bool(fb)
    fb.hint("use a Semaphore")
    assert "use a Semaphore" not in str(fb), "hints are hidden once it passed"
    assert fb.require(False, "unused", "23 requests were in flight at once; the limit was 10") is False
    assert fb.status == "failed" and fb.failures == ["23 requests were in flight at once; the limit was 10"]
    text = str(fb)
    assert text.startswith("Exercise 1: ✗ not yet")
    assert "✓ all 100 answers" in text and "→ use a Semaphore" in text
    assert "23 requests" in fb._repr_html_() and "#b3261e" in fb._repr_html_()
    started = Feedback("Exercise 2").not_started("Write fetch_local above, then run this cell again.")
    assert started.status == "not started" and "not started yet" in str(started)
    with pytest.raises(ValueError, match="title"):
        Feedback("")


def test_feedback_escapes_html():
    assert "&lt;script&gt;" in Feedback("T").fail("<script>")._repr_html_()


def _boom(key):
    return {}[key]


def test_attempt_reports_errors_in_one_line():
    result = attempt(_boom, "k")
    assert not result.ok and isinstance(result.error, KeyError)
    assert result.describe() == f"raised KeyError: 'k' (line {_boom.__code__.co_firstlineno + 1}, in _boom)"
    assert attempt(lambda: 42).value == 42
    assert attempt(None).describe().startswith("raised TypeError: expected a function")
    with pytest.raises(ValueError, match="timeout"):
        attempt(_boom, "k", timeout=-1)


def test_attempt_gives_up_after_its_timeout():
    release = threading.Event()
    start = time.perf_counter()
    result = attempt(release.wait, 5, timeout=0.2)
    assert result.timed_out and not result.ok and result.describe(0.2) == "did not finish within 0.2 s"
    assert time.perf_counter() - start < 2
    release.set()


def test_attempt_async_times_out_and_reports():
    async def main():
        slow = await attempt_async(asyncio.sleep, 5, timeout=0.1)
        broken = await attempt_async(_boom, "z")
        fine = await attempt_async(asyncio.sleep(0, result=7))
        stub = await attempt_async(1)

        async def own_timeout():
            async with asyncio.timeout(0.01):
                await asyncio.sleep(1)

        theirs = await attempt_async(own_timeout, timeout=5)
        return slow, broken, fine, stub, theirs

    slow, broken, fine, stub, theirs = asyncio.run(main())
    assert not theirs.timed_out and isinstance(theirs.error, TimeoutError), "the learner's own timeout"
    assert slow.timed_out
    assert broken.describe().startswith("raised KeyError: 'z'")
    assert fine.value == 7
    assert "expected an async function" in stub.describe()


def test_is_stub_spots_untouched_starters():
    def passes(x): ...

    def documented():
        """Write me."""

    async def async_stub(urls, limit=10): ...

    def not_implemented():
        raise NotImplementedError("your loop here")

    def works():
        return 1

    def generator():
        yield

    assert all(map(is_stub, (None, passes, documented, async_stub, not_implemented)))
    assert not any(map(is_stub, (works, generator, print)))


def test_query_of_reads_every_answer_shape():
    answer = {"args": {"3": ""}, "url": "http://127.0.0.1:1/get?3"}
    assert checks.query_of(answer) == "3"
    assert checks.query_of(json.dumps(answer)) == "3"
    assert checks.query_of(json.dumps(answer).encode()) == "3"
    assert checks.query_of("not json") is None and checks.query_of(42) is None


def _answers(queries):
    return [{"url": f"http://127.0.0.1:1/get?{q}"} for q in queries]


def test_check_answers_says_what_is_wrong():
    queries = [str(i) for i in range(5)]
    cases = {
        "all 5 answers, in order": _answers(queries),
        "out of order (position 0 holds ?4, not ?0)": _answers(queries[::-1]),
        "4 answers for 5 queries: missing 1 (first: ?4)": _answers(queries[:4]),
        "doubled or unexpected 1 (first: ?0)": _answers(queries + ["0"]),
        "got None instead of 5 answers": None,
        "answer 1 is not the lab server's JSON": [_answers(queries)[0], 200],
    }
    for expected, answers in cases.items():
        fb = Feedback("T")
        checks.check_answers(fb, answers, queries)
        assert expected in fb.text, (expected, fb.text)
    fb = Feedback("T")
    assert checks.check_answers(fb, _answers(queries[::-1]), queries, ordered=False)


def test_stats_and_time_checks_state_the_numbers():
    fb = Feedback("T")
    assert not checks.check_peak(fb, {"peak_in_flight": 23}, 10)
    assert fb.failures == ["23 requests were in flight at once; the limit was 10"]
    assert not checks.check_peak(Feedback("T"), {"peak_in_flight": 4}, 10, exactly=True)
    assert checks.check_connections(Feedback("T"), {"connections": 1}, 1)
    fb = Feedback("T")
    assert not checks.check_connections(fb, {"connections": 100}, 1)
    assert fb.failures == ["100 TCP connections carried the requests; expected 1"]
    fb = Feedback("T")
    assert not checks.check_time(fb, 3.0, 1.0)
    assert "3.00 × the limit" in fb.failures[0]
    assert checks.check_time(Feedback("T"), 1.2, 1.0)


def test_time_on_a_starved_machine_is_said_not_judged():
    """Over the allowed time while the lab server waited 50 ms or more for a CPU: a note with the
    figures, not a ✗; a quiet run is judged; a ✓ stays a ✓; no stall figure, judged as before."""
    from helpers.lab import NOT_MEASURED

    fb = Feedback("T")
    assert checks.check_time(fb, 0.856, 0.25, factor=2.5, what="5 round trips", stall=0.12)
    assert not fb.failures and len(fb.lines) == 1 and fb.lines[0][0] == "note"
    assert fb.text.startswith("took 856 ms = 3.42 × 5 round trips (250 ms; allowed is 2.5×), not judged")
    assert "waited up to 120 ms at once for a CPU" in fb.text and "run the check again" in fb.text
    for quiet in (0.0, 0.049, None, NOT_MEASURED, True, float("nan")):
        fb = Feedback("T")
        assert not checks.check_time(fb, 0.856, 0.25, factor=2.5, what="5 round trips", stall=quiet)
        assert fb.failures == ["took 856 ms = 3.42 × 5 round trips (250 ms); allowed is 2.5×"], quiet
    fb = Feedback("T")
    assert checks.check_time(fb, 0.5, 0.25, factor=2.5, what="5 round trips", stall=0.3)
    assert fb.passed and fb.text == "took 500 ms = 2.00 × 5 round trips (250 ms; allowed 2.5×)"
    fb = Feedback("T").ok("all 100 answers, in order")
    checks.check_time(fb, 3.0, 1.0, stall=0.08)
    assert fb.passed and "took 3.00 s = 3.00 × the limit" in fb.text  # the verdict rests on the counts


def test_solutions_are_folded_away(tmp_path, monkeypatch):
    folder = tmp_path / "solutions"
    folder.mkdir()
    (folder / "99_answer.py").write_text("def answer():\n    return 42\n")
    monkeypatch.chdir(tmp_path)
    shown = checks.solution("99", "answer")
    assert "return 42" not in repr(shown) and "%load solutions/99_answer.py" in repr(shown)
    assert "<details>" in shown._repr_html_() and "42" in shown._repr_html_()
    assert checks.load_solution("99", "answer")["answer"]() == 42
    with pytest.raises(ValueError, match="no solution named 'other' for notebook 99; known: answer"):
        checks.solution("99", "other")
    with pytest.raises(ValueError, match="two-digit"):
        checks.solution(3, "answer")
    with pytest.raises(ValueError, match="exercise name"):
        checks.solution("99", "../etc/passwd")
