"""The checkers of notebook 09's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

import asyncio
import time

from helpers import checks
from helpers.exercises import nb09 as check


def _fails_with(fb, text):
    assert fb.status == "failed", fb
    assert any(text in failure for failure in fb.failures), fb


# ---------------------------------------------------------------- exercise 1: predictions


def _quick_solution(sleep=0.05):
    """The reference functions, with a shorter sleep (they read SLEEP from their namespace)."""
    ns = checks.load_solution("09", "predictions")
    ns["SLEEP"] = sleep
    return ns


def test_predictions_reference_passes():
    ns = checks.load_solution("09", "predictions")
    fb = asyncio.run(check.predictions(ns["PREDICTED"], ns["sequential"], ns["concurrent"]))
    assert fb.status == "passed", fb
    assert "sequential(): 5 compute() calls" in fb.text


def test_predictions_starter_is_not_started():
    ns = _quick_solution()
    starter = {"sequential": None, "concurrent": None}
    fb = asyncio.run(check.predictions(starter, ns["sequential"], ns["concurrent"]))
    assert fb.status == "not started", fb
    assert "PREDICTED" in fb.text


def test_predictions_rejects_swapped_predictions():
    ns = _quick_solution(0.05)  # five pairs: about 0.25 s one after another, 0.05 s together
    swapped = {"sequential": 0.05, "concurrent": 0.25}
    fb = asyncio.run(check.predictions(swapped, ns["sequential"], ns["concurrent"]))
    _fails_with(fb, "sequential: you predicted 50.0 ms, but it took")
    _fails_with(fb, "concurrent: you predicted 250 ms, but it took")


def test_predictions_rejects_a_missing_or_odd_prediction():
    ns = _quick_solution()
    fb = asyncio.run(
        check.predictions({"sequential": 0.25, "concurrent": None}, ns["sequential"], ns["concurrent"])
    )
    _fails_with(fb, 'PREDICTED["concurrent"] is still None')
    fb = asyncio.run(
        check.predictions({"sequential": "1.5 s", "concurrent": 0.3}, ns["sequential"], ns["concurrent"])
    )
    _fails_with(fb, "write a positive number of seconds")


# ---------------------------------------------------------------- exercise 2: compute_blocking

SLEEP = 0.05


async def starter_compute_blocking(x, y):
    raise NotImplementedError  # compute(), with time.sleep(SLEEP) where it awaits asyncio.sleep


async def still_awaits(x, y):  # copied compute() and changed nothing that matters
    print(f"Compute {x} + {y} ...")
    await asyncio.sleep(SLEEP)
    return x + y


def plain_def(x, y):  # blocking, but not a coroutine function
    time.sleep(SLEEP)
    return x + y


async def forgets_return(x, y):
    time.sleep(SLEEP)  # noqa: ASYNC251


def test_compute_blocking_reference_passes():
    ns = checks.load_solution("09", "compute_blocking")
    ns["SLEEP"] = 0.1
    fb = asyncio.run(check.compute_blocking(ns["compute_blocking"]))
    assert fb.status == "passed", fb
    assert "they ran one after another" in fb.text


def test_compute_blocking_starter_is_not_started():
    fb = asyncio.run(check.compute_blocking(starter_compute_blocking))
    assert fb.status == "not started", fb


def test_compute_blocking_rejects_a_compute_that_still_awaits():
    fb = asyncio.run(check.compute_blocking(still_awaits))
    _fails_with(fb, "they overlapped, so nothing blocked")
    _fails_with(fb, "it was waiting for timers, not blocked")


def test_compute_blocking_rejects_a_plain_function_and_a_missing_return():
    _fails_with(asyncio.run(check.compute_blocking(plain_def)), "compute_blocking is a plain function")
    _fails_with(asyncio.run(check.compute_blocking(forgets_return)), "returned None, not 3")
