"""The checkers of notebook 11's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message."""

from __future__ import annotations

import asyncio
import inspect
import sys
import time

import nbformat
import pytest

from helpers import checks
from helpers.exercises import nb11 as check
from tests.notebook_run import NOTEBOOKS


async def starter_my_sleep(seconds, result=None):
    """Wait `seconds` on the running loop, without blocking it; return `result`."""
    ...  # your code: loop.create_future(), loop.call_later(...), await


async def blocking_sleep(seconds, result=None):  # time.sleep: right time, but the loop stops
    time.sleep(seconds)  # noqa: ASYNC251 - blocking on purpose: the mistake under test
    return result


async def timer_not_cancelled(seconds, result=None):  # sets the result of a cancelled Future later
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    loop.call_later(seconds, future.set_result, result)
    return await future


async def no_result(seconds, result=None):
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    handle = loop.call_later(seconds, future.set_result, None)
    try:
        return await future
    finally:
        handle.cancel()


def _reference():
    return checks.load_solution("11", "my_sleep")["my_sleep"]


def test_my_sleep_reference_passes():
    fb = asyncio.run(check.my_sleep(_reference()))
    assert fb.status == "passed", fb
    assert "waited together" in fb.text and "reported no error" in fb.text, fb


def test_my_sleep_starter_is_not_started():
    assert asyncio.run(check.my_sleep(starter_my_sleep)).status == "not started"


def test_my_sleep_rejects_time_sleep():
    fb = asyncio.run(check.my_sleep(blocking_sleep, many=10))
    assert fb.status == "failed", fb
    assert any("10 calls at once took" in f for f in fb.failures), fb


def test_my_sleep_rejects_a_timer_that_fires_into_a_cancelled_future():
    fb = asyncio.run(check.my_sleep(timer_not_cancelled))
    assert fb.status == "failed", fb
    assert any("the loop reported" in f for f in fb.failures), fb
    assert "handle.cancel()" in fb.text, fb


def test_my_sleep_rejects_a_lost_result():
    fb = asyncio.run(check.my_sleep(no_result))
    assert fb.status == "failed", fb
    assert any("returned None, not 'woken'" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 1: scheduling order

TRUE = ["cell", "task: start", "call_soon", "call_later(0)", "task: after sleep(0)"]


def _order(predicted, eager=False):
    async def judge():
        if eager:
            asyncio.get_running_loop().set_task_factory(asyncio.eager_task_factory)
        return await check.scheduling_order(predicted)

    return asyncio.run(judge())


def _fails_with(fb, *texts):
    assert fb.status == "failed", fb
    for text in texts:
        assert any(text in failure for failure in fb.failures), (text, fb)


def test_scheduling_order_reference_passes():
    fb = _order(checks.load_solution("11", "scheduling_order")["PREDICTED"])
    assert fb.status == "passed", fb
    assert "you predicted the true order" in fb.text and "sets a timer" in fb.text, fb


def test_scheduling_order_is_the_same_every_time():
    async def observe():
        seen = []
        await check.five_events(seen.append)
        return tuple(seen)

    assert {asyncio.run(observe()) for _ in range(200)} == {tuple(check.TRUE_ORDER)}
    assert list(check.TRUE_ORDER) == TRUE


def test_scheduling_order_starter_is_not_started():
    fb = _order(None)
    assert fb.status == "not started", fb
    assert "PREDICTED" in fb.text
    listed = ", ".join(f'"{label}"' for label in check.LABELS)
    assert listed in fb.text and list(check.LABELS) != TRUE, "the labels listed do not give the answer away"


def test_scheduling_order_ignores_case_and_spaces():
    assert _order(["Cell", "task:start", " call_soon", "CALL_LATER(0)", "task: after  sleep(0)"]).passed


def test_scheduling_order_rejects_the_order_as_written():
    as_written = ["call_later(0)", "task: start", "task: after sleep(0)", "call_soon", "cell"]
    fb = _order(as_written)
    _fails_with(fb, "the true order is cell → task: start → call_soon → call_later(0) → task: after sleep(0)")
    _fails_with(fb, '"cell": you put it 5th, it came 1st: the cell\'s own code runs without a break')
    _fails_with(fb, '"call_later(0)": you put it 1st, it came 4th: call_later(0) sets a timer')
    _fails_with(fb, '"task: after sleep(0)": you put it 3rd, it came 5th')
    assert '"task: start" 2nd: right' in fb.text, fb
    assert "end of the ready queue" in fb.text, fb  # the hint


def test_scheduling_order_rejects_a_task_that_runs_inside_create_task():
    eager = ["task: start", "cell", "task: after sleep(0)", "call_soon", "call_later(0)"]
    fb = _order(eager)
    _fails_with(fb, '"task: start": you put it 1st, it came 2nd: create_task only schedules')
    _fails_with(fb, "only if it is eager")
    _fails_with(fb, '"cell": you put it 2nd, it came 1st')


def test_scheduling_order_rejects_call_later_0_before_call_soon():
    fb = _order(["cell", "task: start", "call_later(0)", "call_soon", "task: after sleep(0)"])
    _fails_with(fb, '"call_later(0)": you put it 3rd, it came 4th', "although call_later was called first")
    _fails_with(fb, '"call_soon": you put it 4th, it came 3rd: call_soon queues its callback')
    assert '"cell" 1st: right' in fb.text and '"task: after sleep(0)" 5th: right' in fb.text, fb


def test_scheduling_order_rejects_odd_predictions():
    _fails_with(_order("cell, call_soon"), "PREDICTED is a str")
    _fails_with(_order(["cell", "call_soon", "call_later", "task: start"]), "holds 'call_later'", "lacks")
    _fails_with(_order(TRUE + ["cell"]), "more than once")


@pytest.mark.skipif(sys.version_info < (3, 12), reason="asyncio.eager_task_factory is 3.12+")
def test_scheduling_order_on_an_eager_loop_judges_what_the_loop_did():
    fb = _order(["task: start", "cell", "task: after sleep(0)", "call_soon", "call_later(0)"], eager=True)
    assert fb.status == "passed", fb
    assert "did not run the default order" in fb.text, fb
    _fails_with(_order(TRUE, eager=True), "the true order is task: start → cell")


def test_scheduling_order_program_is_the_one_shown():
    program = inspect.getsource(check.five_events).strip()
    cells = nbformat.read(NOTEBOOKS / "11_event_loop.ipynb", as_version=4).cells
    task = next(c.source for c in cells if c.source.startswith("### Exercise 1 · Warm-up"))
    assert f"```python\n{program}\n```" in task
    solution = inspect.getsource(checks.load_solution("11", "scheduling_order")["five_events"])
    comment = "  # the program of the task (the check runs its own copy)"
    assert solution.replace(comment, "").strip() == program
