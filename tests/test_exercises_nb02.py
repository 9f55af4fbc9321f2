"""The checkers of notebook 02's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message.

Some wrong solutions hang or leave threads behind on purpose: they use daemon threads only, so
that what the checker gives up on cannot keep the test process from exiting.
"""

from __future__ import annotations

import queue
import sys
import threading

import requests

from helpers import checks
from helpers.exercises import nb02 as check

# ---------------------------------------------------------------- exercise 1: fetch_bounded


def starter_fetch_bounded(urls, workers):
    """fetch_all with queue.Queue(maxsize=5): results in order, every worker gone at the end."""
    ...


def _worker(q, results):  # the notebook's worker
    while (item := q.get()) is not None:
        i, url = item
        results[i] = requests.get(url).json()["args"]["key"]


def _start(workers, q, results):
    threads = [threading.Thread(target=_worker, args=(q, results), daemon=True) for _ in range(workers)]
    for t in threads:
        t.start()
    return threads


def unbounded(urls, workers):  # the notebook's fetch_all, unchanged: it works, but nothing waits
    results, q = [None] * len(urls), queue.Queue()
    threads = _start(workers, q, results)
    for item in enumerate(urls):
        q.put(item)
    for _ in threads:
        q.put(None)
    for t in threads:
        t.join()
    return results


def fill_then_start(urls, workers):  # fills the bounded queue before any worker runs: hangs
    results, q = [None] * len(urls), queue.Queue(maxsize=5)
    for item in enumerate(urls):
        q.put(item)
    threads = _start(workers, q, results)
    for _ in threads:
        q.put(None)
    for t in threads:
        t.join()
    return results


def seed_style(urls, workers):  # the seed's daemon workers and q.join(): they never exit
    results, q = [None] * len(urls), queue.Queue(maxsize=5)

    def work():
        while True:
            i, url = q.get()
            results[i] = requests.get(url).json()
            q.task_done()

    for _ in range(workers):
        threading.Thread(target=work, daemon=True).start()
    for item in enumerate(urls):
        q.put(item)
    q.join()
    return results


def worker_without_try(q, results):
    while (item := q.get()) is not None:
        i, url = item
        results[i] = requests.get(url).json()["key"]  # KeyError: the key is in ["args"]


def workers_die(urls, workers):  # every worker dies on its first item: nobody makes room any more
    results, q = [None] * len(urls), queue.Queue(maxsize=5)
    threads = [
        threading.Thread(target=worker_without_try, args=(q, results), daemon=True) for _ in range(workers)
    ]
    for t in threads:
        t.start()
    for item in enumerate(urls):
        q.put(item)
    for _ in threads:
        q.put(None)
    for t in threads:
        t.join()
    return results


def test_fetch_bounded_reference_passes():
    fb = check.fetch_bounded(checks.load_solution("02", "fetch_bounded")["fetch_bounded"])
    assert fb.status == "passed", fb
    assert "the queue was bounded (maxsize=5)" in fb.text and "all 100 answers, in order" in fb.text


def test_fetch_bounded_starter_is_not_started():
    assert check.fetch_bounded(starter_fetch_bounded).status == "not started"


def test_fetch_bounded_rejects_an_unbounded_queue():
    fb = check.fetch_bounded(unbounded)
    assert fb.status == "failed"
    assert any("the queue is unbounded (maxsize=0)" in f for f in fb.failures), fb


# A library's own queue, as urllib3's pool of connections (a LifoQueue(maxsize=10)): code whose file
# is in the environment, not the learner's.
_LIBRARY: dict = {}
exec(
    compile(
        "import queue\n\ndef wait_in_pool(seconds):\n    try:\n"
        "        queue.LifoQueue(maxsize=10).get(timeout=seconds)\n    except queue.Empty:\n        pass\n",
        f"{sys.prefix}/lib/a_library_with_a_pool.py",
        "exec",
    ),
    _LIBRARY,
)


def test_fetch_bounded_looks_at_the_learners_queue_not_a_librarys():
    """A thread of a library waiting in its own bounded queue during the run (as requests' pool did,
    caught on a busy machine) is not the learner's queue: unbounded is still unbounded."""

    def unbounded_beside_a_pool(urls, workers):
        pool = threading.Thread(target=_LIBRARY["wait_in_pool"], args=(0.5,), daemon=True)
        pool.start()
        try:
            return unbounded(urls, workers)
        finally:
            pool.join()

    fb = check.fetch_bounded(unbounded_beside_a_pool)
    assert any("the queue is unbounded (maxsize=0)" in f for f in fb.failures), fb


def test_fetch_bounded_does_not_hang_on_a_queue_filled_before_the_workers_start():
    fb = check.fetch_bounded(fill_then_start, timeout=2)
    assert fb.status == "failed"
    assert any("did not finish within 2 s: stuck in q.put()" in f for f in fb.failures), fb


def test_fetch_bounded_reports_a_dead_worker_in_one_line():
    fb = check.fetch_bounded(workers_die, timeout=2)
    assert fb.status == "failed"
    died = [f for f in fb.failures if "(worker_without_try) raised KeyError: 'key' (line " in f]
    assert died and "in worker_without_try)" in died[0], fb
    assert any("stuck in q.put()" in f for f in fb.failures), fb


def test_fetch_bounded_rejects_workers_left_behind():
    fb = check.fetch_bounded(seed_style)
    assert fb.status == "failed"
    assert any("20 threads it started are still alive" in f for f in fb.failures), fb


# ---------------------------------------------------------------- exercise 2: fetch_local

local = threading.local()


def starter_fetch_local(url):
    """GET url with this thread's own Session (made on the thread's first call); return its JSON."""
    ...


def session_per_call(url):
    with requests.Session() as session:
        return session.get(url).json()


def local_inside(url):  # a new threading.local() per call remembers nothing
    here = threading.local()
    if not hasattr(here, "session"):
        here.session = requests.Session()
    with here.session as session:
        return session.get(url).json()


def test_fetch_local_reference_passes():
    fb = check.fetch_local(checks.load_solution("02", "fetch_local")["fetch_local"])
    assert fb.status == "passed", fb
    assert "(expected at most 20)" in fb.text


def test_fetch_local_starter_is_not_started():
    assert check.fetch_local(starter_fetch_local).status == "not started"


def test_fetch_local_rejects_a_session_per_request():
    for wrong in (session_per_call, local_inside):
        fb = check.fetch_local(wrong, n=40)
        assert fb.status == "failed"
        assert fb.failures == ["40 TCP connections carried the requests; expected at most 20"], fb


# ---------------------------------------------------------------- a server without counters (COURSE_BASE_URL)


def forgot_to_return(url):
    if not hasattr(local, "session"):
        local.session = requests.Session()
    local.session.get(url).json()


def test_fetch_bounded_remote_verdicts(remote):
    fb = check.fetch_bounded(checks.load_solution("02", "fetch_bounded")["fetch_bounded"])
    assert fb.status == "passed", fb
    assert "requests in flight: not measurable" in fb.text, fb
    assert "the queue was bounded (maxsize=5)" in fb.text and "all 100 answers, in order" in fb.text
    fb = check.fetch_bounded(unbounded)
    assert fb.status == "failed"
    assert any("the queue is unbounded (maxsize=0)" in f for f in fb.failures), fb


def test_fetch_local_remote_verdicts(remote):
    fb = check.fetch_local(checks.load_solution("02", "fetch_local")["fetch_local"])
    assert fb.status == "passed", fb
    assert "connections: not measurable" in fb.text, fb
    fb = check.fetch_local(forgot_to_return, n=40)
    assert fb.status == "failed" and any("returned None for all 40 URLs" in f for f in fb.failures), fb
