"""The checkers of notebook 07's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

from helpers import checks
from helpers.exercises import nb07 as check

# ---------------------------------------------------------------- exercise 1: countdown

UNFILLED = {"before the first next()": None, "after the first next()": None, "after list(gen)": None}
RIGHT = {
    "before the first next()": "GEN_CREATED",
    "after the first next()": "suspended",
    "after list(gen)": "closed",
}


def starter_countdown(n):
    """Yield n, n-1, ..., 1."""
    raise NotImplementedError  # your code: a loop with a yield


def countdown_as_a_list(n):
    return list(range(n, 0, -1))


def countdown_from_zero(n):
    yield from range(n)


def countdown_forever(n):
    while n > 0:
        yield n  # forgot n -= 1


def test_countdown_reference_passes():
    ns = checks.load_solution("07", "countdown")
    fb = check.countdown(ns["countdown"], ns["predicted_states"])
    assert fb.status == "passed", fb


def test_countdown_starter_is_not_started():
    assert check.countdown(starter_countdown, UNFILLED).status == "not started"
    ns = checks.load_solution("07", "countdown")
    fb = check.countdown(ns["countdown"], UNFILLED)  # the code is written, the predictions not yet
    assert fb.status == "not started" and "predicted_states" in fb.text, fb


def test_countdown_rejects_a_list():
    fb = check.countdown(countdown_as_a_list, RIGHT)
    assert fb.failures == [
        "countdown(3) returned [3, 2, 1], not a generator: it should yield its values one at a time"
    ]


def test_countdown_rejects_wrong_values():
    fb = check.countdown(countdown_from_zero, RIGHT)
    assert any("countdown(3) gave [0, 1, 2]; expected [3, 2, 1]" in f for f in fb.failures), fb
    fb = check.countdown(countdown_forever, RIGHT)  # never ends: the check takes a few values only
    assert any("countdown(3) gave [3, 3, 3, 3, 3, 3, 3, …]" in f for f in fb.failures), fb


def test_countdown_rejects_running_as_a_prediction():
    ns = checks.load_solution("07", "countdown")
    fb = check.countdown(ns["countdown"], {**RIGHT, "after the first next()": "GEN_RUNNING"})
    assert fb.failures == [
        "after the first next(): you predicted GEN_RUNNING, the generator was GEN_SUSPENDED"
    ]
    fb = check.countdown(ns["countdown"], {**RIGHT, "after list(gen)": "finished"})
    assert any("'finished' is not a state" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 2: slow_only


def starter_slow_only(responses, threshold):
    """Pass on only the responses that took longer than `threshold` seconds."""
    raise NotImplementedError  # your code: a generator stage, like ok_only above


def eager_slow_only(responses, threshold):
    return [r for r in responses if r.elapsed.total_seconds() > threshold]  # reads every response first


def fast_only(responses, threshold):
    for response in responses:
        if response.elapsed.total_seconds() < threshold:  # the test the wrong way round
            yield response


def test_slow_only_reference_passes():
    fb = check.slow_only(checks.load_solution("07", "slow_only")["slow_only"])
    assert fb.status == "passed", fb
    assert "URLs were never fetched" in fb.text


def test_slow_only_starter_is_not_started():
    assert check.slow_only(starter_slow_only).status == "not started"


def test_slow_only_rejects_an_eager_stage():
    fb = check.slow_only(eager_slow_only)
    assert fb.status == "failed"
    assert any("slow_only kept pulling after it had them" in f for f in fb.failures), fb


def test_slow_only_rejects_the_fast_responses():
    fb = check.slow_only(fast_only)
    assert any("slow_only passed on a response that took" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 3: MyRange


class StarterMyRange:
    """Iterating over MyRange(n) gives 0, 1, ..., n-1, like myrange(n)."""

    def __init__(self, n):
        raise NotImplementedError  # your code: keep n, and where you are

    def __iter__(self):
        raise NotImplementedError  # your code

    def __next__(self):
        raise NotImplementedError  # your code


class NoStopIteration:
    def __init__(self, n):
        self.n, self.i = n, 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.i < self.n:
            self.i += 1
            return self.i - 1
        # falls off the end: returns None, and a for loop never stops


class NoIter:
    def __init__(self, n):
        self.n, self.i = n, 0

    def __next__(self):
        if self.i >= self.n:
            raise StopIteration
        self.i += 1
        return self.i - 1


class OneTooMany(NoIter):
    def __iter__(self):
        return self

    def __next__(self):
        if self.i > self.n:  # > instead of >=
            raise StopIteration
        self.i += 1
        return self.i - 1


def test_myrange_reference_passes():
    fb = check.MyRange(checks.load_solution("07", "MyRange")["MyRange"])
    assert fb.status == "passed", fb
    assert "100,000 items" in fb.text


def test_myrange_starter_is_not_started():
    assert check.MyRange(StarterMyRange).status == "not started"
    assert check.MyRange(None).status == "not started"


def test_myrange_rejects_no_stopiteration():
    fb = check.MyRange(NoStopIteration)
    assert any(
        "next() on MyRange(3) returned None" in f and "raise StopIteration" in f for f in fb.failures
    ), fb


def test_myrange_rejects_a_missing_iter():
    fb = check.MyRange(NoIter)
    assert any("iter(MyRange(3)) raised TypeError" in f for f in fb.failures), fb


def test_myrange_rejects_one_value_too_many():
    fb = check.MyRange(OneTooMany)
    assert any("after [0, 1, 2], next() on MyRange(3) returned 3" in f for f in fb.failures), fb


# ---------------------------------------------------------------- with COURSE_BASE_URL: no counters


def test_slow_only_remote_verdicts(remote):
    fb = check.slow_only(checks.load_solution("07", "slow_only")["slow_only"])
    assert fb.status == "passed", fb
    assert "not measurable" in fb.text and "URLs were never fetched" in fb.text, fb
    fb = check.slow_only(eager_slow_only)  # the requests its pipeline sent, counted by the check
    assert fb.status == "failed"
    assert any("slow_only kept pulling after it had them" in f for f in fb.failures), fb
    assert check.slow_only(starter_slow_only).status == "not started"
