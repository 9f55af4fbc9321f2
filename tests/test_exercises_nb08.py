"""The checkers of notebook 08's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

from helpers import checks
from helpers.exercises import nb08 as check


def _fails_with(fb, text):
    assert fb.status == "failed", fb
    assert any(text in failure for failure in fb.failures), fb


# ---------------------------------------------------------------- exercise 1: running_max

coroutine = checks.load_solution("08", "running_max")["coroutine"]  # the notebook's decorator


@coroutine
def starter_running_max():
    """send(x): yields the highest x so far. send(None): returns (highest, count)."""
    raise NotImplementedError  # your loop: value = yield highest ...


def not_primed():  # the right body, without @coroutine
    highest, count = None, 0
    while True:
        value = yield highest
        if value is None:
            return highest, count
        highest = value if count == 0 else max(highest, value)
        count += 1


@coroutine
def yields_the_last_value():
    last, count = None, 0
    while True:
        value = yield last
        if value is None:
            return last, count
        last, count = value, count + 1


@coroutine
def starts_at_zero():
    highest, count = 0, 0
    while True:
        value = yield highest
        if value is None:
            return highest, count
        highest, count = max(highest, value), count + 1


@coroutine
def loses_the_value():
    highest, count = None, 0
    while True:
        value = yield highest
        if value is None:
            return  # the summary is lost
        highest = value if count == 0 else max(highest, value)
        count += 1


@coroutine
def yields_the_summary():
    highest, count = None, 0
    while True:
        value = yield highest
        if value is None:
            yield highest, count  # handed out, not returned
            return
        highest = value if count == 0 else max(highest, value)
        count += 1


@coroutine
def no_sentinel():
    highest = float("-inf")
    while True:
        highest = max(highest, (yield highest))


def test_running_max_reference_passes():
    fb = check.running_max(checks.load_solution("08", "running_max")["running_max"])
    assert fb.status == "passed", fb
    assert "inside `yield from`" in fb.text, fb


def test_running_max_starter_is_not_started():
    assert check.running_max(starter_running_max).status == "not started"


def test_running_max_rejects_a_coroutine_that_is_not_primed():
    fb = check.running_max(not_primed)
    _fails_with(fb, "not primed, so its first send(3) raised TypeError")
    assert "@coroutine" in str(fb)


def test_running_max_rejects_the_wrong_running_value():
    fb = check.running_max(yields_the_last_value)
    _fails_with(fb, "it yielded [3, 1, 4, 1, 5, 9, 2, 6]; the highest so far is [3, 3, 4, 4, 5, 9, 9, 9]")
    assert "yields the value just sent" in str(fb)
    fb = check.running_max(starts_at_zero)
    _fails_with(fb, "it yielded [0, 0, 0, 0]; the highest so far is [-5, -2.5, -2.5, -1]")
    assert "not from 0" in str(fb)


def test_running_max_rejects_a_lost_return_value():
    _fails_with(
        check.running_max(loses_the_value),
        "it ended, but returned None; StopIteration.value should be (9, 8)",
    )
    _fails_with(check.running_max(yields_the_summary), "it yielded (9, 8) instead of ending")
    fb = check.running_max(no_sentinel)
    _fails_with(fb, "send(None) raised TypeError")
    assert "if value is None" in str(fb)


# ---------------------------------------------------------------- exercise 2: run_by_hand


def starter_run_by_hand(coro):
    raise NotImplementedError  # your send(None) loop here


def forgets_the_value(coro):
    while True:
        try:
            coro.send(None)
        except StopIteration:
            return None


def sends_once(coro):
    return coro.send(None)


def swallows_errors(coro):
    while True:
        try:
            coro.send(None)
        except StopIteration as stop:
            return stop.value
        except Exception:
            return None


def iterates(coro):
    for _ in coro:
        pass


def test_run_by_hand_reference_passes():
    fb = check.run_by_hand(checks.load_solution("08", "run_by_hand")["run_by_hand"])
    assert fb.status == "passed", fb


def test_run_by_hand_starter_is_not_started():
    assert check.run_by_hand(starter_run_by_hand).status == "not started"


def test_run_by_hand_rejects_a_loop_that_drops_the_value():
    fb = check.run_by_hand(forgets_the_value)
    _fails_with(fb, "run_by_hand returned None, not the coroutine's value '5 ticks later'")
    assert "stop.value" in str(fb)


def test_run_by_hand_rejects_a_single_send():
    fb = check.run_by_hand(sends_once)
    _fails_with(fb, "run_by_hand raised StopIteration")
    _fails_with(fb, "while the coroutine was still paused, unfinished")


def test_run_by_hand_rejects_swallowed_errors_and_a_for_loop():
    _fails_with(check.run_by_hand(swallows_errors), "swallowing the coroutine's ValueError")
    _fails_with(check.run_by_hand(iterates), "TypeError: 'coroutine' object is not iterable")
