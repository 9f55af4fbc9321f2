"""The checkers of notebook 03's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message.

Some wrong solutions hang or leave threads behind on purpose: they use daemon threads only, so
that what the checker gives up on cannot keep the test process from exiting.
"""

from __future__ import annotations

import re
import threading
import time

import pytest

from helpers import checks
from helpers.exercises import nb03 as check

# ---------------------------------------------------------------- exercise 1: add_safely


def starter_add_safely(counter, times):
    """Add 1 to counter.value, times times: read, time.sleep(0), write back, with no race."""
    # your code: add_racy's loop on counter.value, made safe with a threading.Lock
    ...


def racy(counter, times):  # add_racy on the counter: no lock at all
    for _ in range(times):
        x = counter.value
        time.sleep(0)
        counter.value = x + 1


def window_taken_out(counter, times):  # no lock, no sleep: the counter's own read still lets others run
    for _ in range(times):
        counter.value += 1


def lock_made_per_call(counter, times):  # a new Lock in each call: each thread has its own
    lock = threading.Lock()
    for _ in range(times):
        with lock:
            x = counter.value
            time.sleep(0)
            counter.value = x + 1


WRITE_LOCK = threading.Lock()


def lock_around_the_write_only(counter, times):
    for _ in range(times):
        x = counter.value
        time.sleep(0)
        with WRITE_LOCK:
            counter.value = x + 1


def all_at_once(counter, times):  # the right total, but not 1 at a time
    with WRITE_LOCK:
        counter.value = counter.value + times


counter = 0


def the_notebooks_signature(times):  # add_racy's signature, on the global: each thread dies of a TypeError
    global counter
    for _ in range(times):
        with WRITE_LOCK:
            x = counter
            time.sleep(0)
            counter = x + 1


def test_add_safely_reference_passes():
    fb = check.add_safely(checks.load_solution("03", "add_safely")["add_safely"])
    assert fb.status == "passed", fb
    assert "counter.value is 4,000, as expected: no update lost" in fb.text


def test_add_safely_starter_is_not_started():
    assert check.add_safely(starter_add_safely).status == "not started"


@pytest.mark.parametrize("wrong", [racy, window_taken_out, lock_made_per_call, lock_around_the_write_only])
def test_add_safely_rejects_lost_updates(wrong):
    fb = check.add_safely(wrong)
    assert fb.status == "failed", fb
    assert any("not 4,000" in f and "updates lost" in f for f in fb.failures), fb
    assert any("writes went over another thread's update" in f for f in fb.failures), fb
    assert "made once, outside add_safely" in fb.text  # the hint


def test_add_safely_rejects_adding_more_than_one_at_a_time():
    fb = check.add_safely(all_at_once)
    assert fb.status == "failed", fb
    assert any("4 of the 4 writes were not 1 more than the value" in f for f in fb.failures), fb


def test_add_safely_reports_threads_that_died_in_one_line():
    fb = check.add_safely(the_notebooks_signature)
    assert fb.status == "failed", fb
    assert any(re.match(r"adder-\d raised TypeError: .*\(3 more threads too\)$", f) for f in fb.failures), fb


NEVER_RELEASED = threading.Lock()  # its own: the threads the check gives up on keep it forever


def never_released(counter, times):  # acquired, never released: the second acquire waits forever
    for _ in range(times):
        NEVER_RELEASED.acquire()
        counter.value = counter.value + 1


def test_add_safely_gives_up_on_a_lock_never_released():
    fb = check.add_safely(never_released, timeout=1.0)
    assert fb.status == "failed", fb
    assert any("did not finish within 1 s" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 2: run_small

SMALL = 256 * 1024


def starter_run_small(work, n):
    """Run work() on n threads with SMALL stacks, join them, then restore the default."""
    ...


def size_set_too_late(work, n):
    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    threading.stack_size(SMALL)  # only threads started after this get the small stack
    for t in threads:
        t.join()
    threading.stack_size(0)


def never_restored(work, n):
    threading.stack_size(SMALL)
    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def never_joined(work, n):
    previous = threading.stack_size(SMALL)
    for _ in range(n):
        threading.Thread(target=work).start()
    threading.stack_size(previous)


def test_run_small_reference_passes():
    fb = check.run_small(checks.load_solution("03", "run_small")["run_small"])
    assert fb.status == "passed", fb
    assert threading.stack_size() == 0


def test_run_small_starter_is_not_started():
    assert check.run_small(starter_run_small).status == "not started"


@pytest.mark.skipif(check._my_stack_size() is None, reason="this OS does not tell a thread's stack size")
def test_run_small_rejects_a_stack_size_set_after_start():
    fb = check.run_small(size_set_too_late)
    assert fb.status == "failed"
    assert any("of the 10 threads had stacks of" in f for f in fb.failures), fb


def test_run_small_rejects_a_setting_never_restored_and_restores_it():
    fb = check.run_small(never_restored)
    assert threading.stack_size() == 0, "the checker puts the default back"
    assert fb.status == "failed"
    assert any("threading.stack_size() was still 262144" in f for f in fb.failures), fb


def test_run_small_rejects_threads_never_joined():
    fb = check.run_small(never_joined)
    assert fb.status == "failed"
    assert any("of the 10 threads had finished: join() them" in f for f in fb.failures), fb


def work_with_an_argument(work, n):  # work() takes no argument: each thread dies of a TypeError
    threading.stack_size(SMALL)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    threading.stack_size(0)
    for t in threads:
        t.join()


def test_run_small_reports_threads_that_died_in_one_line():
    fb = check.run_small(work_with_an_argument)
    assert fb.status == "failed"
    assert any("(work) raised TypeError:" in f and "(9 more threads too)" in f for f in fb.failures), fb
    assert any("work() ran 0 times on 0 threads" in f for f in fb.failures), fb
