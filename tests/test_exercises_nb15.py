"""Notebook 15's checkers: the reference solutions pass, the untouched starters are "not started",
and the mistakes a learner would make fail with the right message."""

from __future__ import annotations

import asyncio
import threading

import aiohttp
import nbformat
import pytest

from helpers import checks
from helpers.exercises import nb15 as check
from tests.notebook_run import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "15_threads_and_loop.ipynb"


def _starter(k: int) -> dict:
    """The k-th exercise's starter cell (0-based), untouched, as the notebook ships it."""
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    source = [c for c in cells if "exercise" in c.metadata.get("tags", [])][k].source
    namespace: dict = {}
    exec(compile(source, "<starter>", "exec"), namespace)
    return namespace


def _failures(fb) -> str:
    assert fb.status == "failed", fb
    return "\n".join(fb.failures)


# --- exercise 1: produce -------------------------------------------------------------------------


def puts_directly(loop, queue, items):  # the bug of Part 1: the loop is not woken
    for item in items:
        queue.put_nowait(item)
    queue.put_nowait(None)


def calls_put_in_the_thread(loop, queue, items):  # call_soon_threadsafe given a result, not a function
    for item in items:
        loop.call_soon_threadsafe(queue.put_nowait(item))


def never_ends(loop, queue, items):
    for item in items:
        loop.call_soon_threadsafe(queue.put_nowait, item)


def test_produce_accepts_the_solution():
    ns = checks.load_solution("15", "produce")
    fb = asyncio.run(check.produce(ns["produce"]))
    assert fb.status == "passed", fb
    assert "all 10 items arrived, in order" in fb.text


def test_produce_says_not_started_on_the_starter():
    fb = asyncio.run(check.produce(_starter(0)["produce"]))
    assert fb.status == "not started", fb
    assert "set_threadsafe" in fb.text


def test_produce_rejects_put_nowait_from_the_thread():
    fb = asyncio.run(check.produce(puts_directly))
    failures = _failures(fb)
    assert "saw it only when its timer woke it" in failures, fb
    assert "all 10 items arrived, in order" in fb.text  # they did arrive: late is what failed


def test_produce_explains_a_call_made_in_the_thread():
    fb = asyncio.run(check.produce(calls_put_in_the_thread))
    assert "the consumer's loop reported 10 error(s), the first: Exception in callback None()" in _failures(
        fb
    )
    assert "takes the function and its arguments separately" in fb.text


def test_produce_rejects_a_stream_that_never_ends():
    fb = asyncio.run(check.produce(never_ends))
    assert "the end of the stream never arrived" in _failures(fb), fb


def test_produce_accepts_shutdown_where_it_exists():
    if not hasattr(asyncio.Queue, "shutdown"):  # Python 3.13+
        return

    def ends_with_shutdown(loop, queue, items):
        for item in items:
            loop.call_soon_threadsafe(queue.put_nowait, item)
        loop.call_soon_threadsafe(queue.shutdown)

    fb = asyncio.run(check.produce(ends_with_shutdown))
    assert fb.status == "passed" and "shutdown()" in fb.text, fb


# --- exercise 2: fetch_all -------------------------------------------------------------------------


async def _json(session, url):
    async with session.get(url) as response:
        return await response.json()


def with_asyncio_run(urls):  # works in a script, not where a loop already runs (a cell)
    async def main():
        async with aiohttp.ClientSession() as session:
            return await asyncio.gather(*(_json(session, url) for url in urls))

    return asyncio.run(main())


class Background:
    """A loop in a thread and a session on it; ``stop()`` shuts them down (not the session if told)."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="loop-thread", daemon=True)
        self.thread.start()
        self.session = self.submit(self._open()).result(timeout=10)

    async def _open(self):
        return aiohttp.ClientSession()

    def submit(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def stop(self, close_session=True):
        if close_session:
            self.submit(self.session.close()).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


def one_at_a_time(urls):
    bg = Background()
    try:
        return [bg.submit(_json(bg.session, url)).result(timeout=10) for url in urls]  # waits for each
    finally:
        bg.stop()


def never_stops(urls):
    bg = Background()
    futures = [bg.submit(_json(bg.session, url)) for url in urls]
    answers = [f.result(timeout=10) for f in futures]
    bg.submit(bg.session.close()).result(timeout=10)
    return answers  # the loop, and its thread, run on


def forgets_the_session(urls):
    bg = Background()
    try:
        futures = [bg.submit(_json(bg.session, url)) for url in urls]
        return [f.result(timeout=10) for f in futures]
    finally:
        bg.stop(close_session=False)


def deadlocks(urls):  # submits to the loop of its own thread, then blocks that thread
    loop = asyncio.get_event_loop()

    async def main():
        async with aiohttp.ClientSession() as session:
            return await asyncio.gather(*(_json(session, url) for url in urls))

    return asyncio.run_coroutine_threadsafe(main(), loop).result()


def test_fetch_all_accepts_the_solution():
    ns = checks.load_solution("15", "fetch_all")
    fb = asyncio.run(check.fetch_all(ns["fetch_all"]))
    assert fb.status == "passed", fb
    assert "20 requests were in flight at once" in fb.text


def test_fetch_all_says_not_started_on_the_starter():
    fb = asyncio.run(check.fetch_all(_starter(1)["fetch_all"]))
    assert fb.status == "not started", fb


def test_fetch_all_rejects_asyncio_run_in_a_cell():
    fb = asyncio.run(check.fetch_all(with_asyncio_run))
    assert "cannot be called from a running event loop" in _failures(fb), fb
    assert "a thread of its own" in fb.text


def test_fetch_all_rejects_one_at_a_time():
    fb = asyncio.run(check.fetch_all(one_at_a_time))
    assert "at most 1 request(s) were in flight at once, for 20 URLs" in _failures(fb), fb


def test_fetch_all_rejects_a_loop_left_running():
    fb = asyncio.run(check.fetch_all(never_stops))
    assert "'loop-thread' kept running" in _failures(fb), fb


@pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::pytest.PytestUnraisableExceptionWarning")
def test_fetch_all_rejects_an_unclosed_session():  # the leak is the learner's: its late warnings too
    fb = asyncio.run(check.fetch_all(forgets_the_session))
    assert "Unclosed client session" in _failures(fb), fb


def test_fetch_all_reports_a_deadlock():
    fb = asyncio.run(check.fetch_all(deadlocks, within=2))
    assert "did not finish within 2 s" in _failures(fb), fb
    assert "deadlock" in fb.text


# --- with COURSE_BASE_URL: no counters -------------------------------------------------------------


def test_fetch_all_remote_verdicts(distant):
    """Judged by the time without counters: on a server as far away as httpbin.org, where the round
    trip, not starting a thread and a loop on a crowded machine, sets it (27 ms was too close)."""
    ns = checks.load_solution("15", "fetch_all")
    fb = asyncio.run(check.fetch_all(ns["fetch_all"]))
    assert fb.status == "passed", fb
    assert "requests in flight: not measurable" in fb.text
    assert "did not run together" in _failures(asyncio.run(check.fetch_all(one_at_a_time)))


def test_produce_needs_no_server(remote):
    ns = checks.load_solution("15", "produce")
    assert asyncio.run(check.produce(ns["produce"])).status == "passed"
    assert asyncio.run(check.produce(puts_directly)).status == "failed"


# --- exercise 3: run_in_a_thread -------------------------------------------------------------------


async def sets_directly(func, *args):  # the bug of Part 1, in a to_thread of one's own
    future = asyncio.get_running_loop().create_future()

    def work():
        future.set_result(func(*args))

    threading.Thread(target=work, daemon=True).start()
    return await future


async def joins_the_thread(func, *args):  # waits for the thread: holds the loop
    box = {}
    thread = threading.Thread(target=lambda: box.update(result=func(*args)))
    thread.start()
    thread.join()
    return box["result"]


async def forgets_errors(func, *args):
    loop = asyncio.get_running_loop()
    future = loop.create_future()
    threading.Thread(target=lambda: loop.call_soon_threadsafe(future.set_result, func(*args))).start()
    return await future


async def on_the_loop(func, *args):
    return func(*args)


def test_run_in_a_thread_accepts_the_solution():
    ns = checks.load_solution("15", "run_in_a_thread")
    fb = asyncio.run(check.run_in_a_thread(ns["run_in_a_thread"]))
    assert fb.status == "passed", fb


def test_run_in_a_thread_says_not_started_on_the_starter():
    fb = asyncio.run(check.run_in_a_thread(_starter(2)["run_in_a_thread"]))
    assert fb.status == "not started", fb


def test_run_in_a_thread_rejects_a_direct_set_result():
    fb = asyncio.run(check.run_in_a_thread(sets_directly))
    assert "the loop noticed it only at its next timer" in _failures(fb), fb


def test_run_in_a_thread_rejects_a_join():
    fb = asyncio.run(check.run_in_a_thread(joins_the_thread))
    assert "the loop was held" in _failures(fb), fb


def test_run_in_a_thread_rejects_a_lost_exception():
    fb = asyncio.run(check.run_in_a_thread(forgets_errors))
    failures = _failures(fb)
    assert "never finished" in failures and "its thread died of JobFailed" in failures, fb
    assert "set_exception" in fb.text


def test_run_in_a_thread_rejects_the_loops_own_thread():
    failures = _failures(asyncio.run(check.run_in_a_thread(on_the_loop)))
    assert "the job ran in the loop's own thread" in failures and "the loop was held" in failures
