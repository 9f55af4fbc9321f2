"""Notebook 14's checkers: the reference solutions pass, the untouched starters are "not started",
and the mistakes a learner would make fail with the right message."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import time
from types import SimpleNamespace

import aiohttp
import nbformat

from helpers import checks, lab, start_server
from helpers.exercises import nb14 as check
from tests.notebook_run import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "14_async_vs_blocking.ipynb"


def _cells(tag: str) -> list:
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    return [c for c in cells if tag in c.metadata.get("tags", [])]


def _run_cell(source: str) -> dict:
    """Run a notebook cell's code in a namespace holding the notebook's imports."""
    namespace = {"asyncio": asyncio, "time": time, "aiohttp": aiohttp, "start_server": start_server}
    exec(compile(source, "<cell>", "exec"), namespace)
    return namespace


def _starter(k: int) -> dict:
    """The k-th exercise's starter cell (0-based), untouched, as the notebook ships it."""
    return _run_cell(_cells("exercise")[k].source)


def _given() -> dict:
    """Exercise 1's given code (slow_download, log_status, LOG): the code cell before its starter."""
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    first = next(i for i, c in enumerate(cells) if "exercise" in c.metadata.get("tags", []))
    return _run_cell(cells[first - 1].source)


def _failures(fb) -> str:
    assert fb.status == "failed", fb
    return "\n".join(fb.failures)


# --- exercise 1: polite_download -----------------------------------------------------------------


def test_polite_download_accepts_the_solution():
    ns = checks.load_solution("14", "polite_download")
    fb = asyncio.run(check.polite_download(ns["polite_download"], ns["LOG"]))
    assert fb.status == "passed", fb
    assert len(ns["LOG"]) == 10


def test_polite_download_says_not_started_on_the_starter():
    given = _given()
    fb = asyncio.run(check.polite_download(_starter(0)["polite_download"], given["LOG"]))
    assert fb.status == "not started", fb
    assert "polite_download(url, n=10)" in fb.text


def test_polite_download_rejects_the_blocking_version():
    given = _given()  # slow_download, unchanged: log_status runs on the loop's thread
    fb = asyncio.run(check.polite_download(given["slow_download"], given["LOG"]))
    assert "the loop was held for" in _failures(fb)
    assert len(given["LOG"]) == 10  # it did log: the loop being held is what failed


def _throttled(fn, seconds: float = 0.07):
    """``fn`` as a throttled kernel runs it: once, the loop and the lab server beside it both get no
    CPU for ``seconds`` (a hub's CPU quota stops the whole group: here SIGSTOP, and a sleep)."""
    server = start_server(latency=check.LATENCY)  # the checker's own server

    async def run(url, n):
        os.kill(server.pid, signal.SIGSTOP)
        try:
            time.sleep(seconds)  # noqa: ASYNC251 (the kernel's loop misses its heartbeats, as when throttled)
        finally:
            os.kill(server.pid, signal.SIGCONT)
        return await fn(url, n)

    return run


def test_polite_download_does_not_fail_a_throttled_solution():
    ns = checks.load_solution("14", "polite_download")
    fb = asyncio.run(check.polite_download(_throttled(ns["polite_download"]), ns["LOG"]))
    assert fb.status == "passed", fb
    assert "not judged: this machine was busy" in fb.text


def test_polite_download_still_rejects_the_blocking_version_when_throttled():
    given = _given()
    fb = asyncio.run(check.polite_download(_throttled(given["slow_download"]), given["LOG"]))
    assert "the loop was held for" in _failures(fb)


def test_polite_download_remote_verdict(remote):
    ns = checks.load_solution("14", "polite_download")
    fb = asyncio.run(check.polite_download(ns["polite_download"], ns["LOG"]))
    assert fb.status == "passed", fb
    assert "requests counted at the server: not measurable" in fb.text
    given = _given()  # the blocking version still fails: the heartbeat needs no counters
    assert "the loop was held for" in _failures(
        asyncio.run(check.polite_download(given["slow_download"], given["LOG"]))
    )


@contextlib.asynccontextmanager
async def _one_gap_of_70_ms(tick=check.TICK):
    """A heartbeat that saw the loop held once for 70 ms: a gap a busy machine can make too."""
    yield SimpleNamespace(gap=0.07, long=0.07)


def test_polite_download_does_not_judge_a_gap_while_this_process_waited_for_a_cpu(monkeypatch):
    """The heartbeat is this process's: a gap while its threads waited 200 ms for a CPU (whatever the
    lab server's own lag) is "not judged"; with no wait, the same gap fails."""
    ns = checks.load_solution("14", "polite_download")
    monkeypatch.setattr(check, "_heartbeat", _one_gap_of_70_ms)
    monkeypatch.setattr(check, "starved", lambda stall: checks.starved(stall) and not isinstance(stall, dict))
    for waited, judged in ((0.0, True), (0.2, False)):
        readings = iter([{1: 0.0}, {1: waited}])  # before and after the run
        monkeypatch.setattr(lab, "cpu_waits", lambda readings=readings: next(readings))
        fb = asyncio.run(check.polite_download(ns["polite_download"], ns["LOG"]))
        held = [f for f in fb.failures if "the loop was held for 70 ms" in f]
        assert bool(held) == judged, (waited, fb)
        assert (
            judged
            or "held for 70 ms at a stretch, 70 ms in all" in fb.text
            and "(for 200 ms of the run" in fb.text
        ), fb


def test_polite_download_rejects_dropping_the_log():
    given = _given()

    async def no_log(url, n=10):
        async with aiohttp.ClientSession() as session:

            async def one(i):
                async with session.get(f"{url}/get?{i}") as response:
                    return response.status  # log_status(...) deleted

            await asyncio.gather(*(one(i) for i in range(n)))

    fb = asyncio.run(check.polite_download(no_log, given["LOG"]))
    assert "LOG got 0 new entries for 10 downloads" in _failures(fb)


def test_polite_download_reports_an_error_in_one_line():
    given = _given()

    async def typo(url, n=10):
        async with aiohttp.ClientSession() as session, asyncio.TaskGroup() as group:
            for i in range(n):
                group.create_task(get(session, f"{url}/get?{i}"))

    async def get(session, url):
        async with session.get(url) as response:
            await asyncio.to_thread(given["log_status"], response.stauts)

    failures = _failures(asyncio.run(check.polite_download(typo, given["LOG"])))
    assert "raised AttributeError: 'ClientResponse' object has no attribute 'stauts'" in failures
    assert "in get)" in failures  # the learner's line, not a traceback


# --- exercise 2: in_chunks -----------------------------------------------------------------------


def test_in_chunks_accepts_the_solution():
    fb = asyncio.run(check.in_chunks(checks.load_solution("14", "in_chunks")["in_chunks"]))
    assert fb.status == "passed", fb
    assert "in 20 chunks" in fb.text


def test_in_chunks_says_not_started_on_the_starter():
    fb = asyncio.run(check.in_chunks(_starter(1)["in_chunks"]))
    assert fb.status == "not started", fb


def test_in_chunks_rejects_chunks_without_a_turn_for_the_loop():
    async def no_yield(work, n, chunks=20):
        for _ in range(chunks):
            work(n // chunks)  # no `await asyncio.sleep(0)`: the loop never runs in between

    failures = _failures(asyncio.run(check.in_chunks(no_yield)))
    assert "the loop's longest stall was" in failures and "never got a turn" in failures, failures


def test_in_chunks_fails_chunks_without_a_turn_even_on_a_busy_machine(monkeypatch):
    """The loop's turns between the chunks are counted (a call_soon per chunk), not inferred from the
    stall's length: a busy machine excuses a long stall, never a loop that got no turn."""

    async def no_yield(work, n, chunks=20):
        for _ in range(chunks):
            work(n // chunks)

    monkeypatch.setattr(time, "thread_time", lambda: 0.0)  # the loop's thread never got a CPU
    fb = asyncio.run(check.in_chunks(no_yield))
    assert fb.status == "failed" and "never got a turn" in _failures(fb), fb


def test_in_chunks_accepts_chunks_run_in_threads():
    """Chunks each sent to a thread free the loop too: no turns to count there, and not failed for it."""

    async def chunks_in_threads(work, n, chunks=20):
        for _ in range(chunks):
            await asyncio.to_thread(work, n // chunks)

    fb = asyncio.run(check.in_chunks(chunks_in_threads))
    assert "never got a turn" not in fb.text, fb


async def yields_every_eighth(work, n, chunks=20):  # the loop gets a turn after 8 chunks: 0.4 of the stall
    for i in range(chunks):
        work(n // chunks)
        if i % 8 == 7:
            await asyncio.sleep(0)


def test_in_chunks_judges_a_stall_only_when_the_loop_could_compute(monkeypatch):
    """A stall in between (a turn only every 8 chunks) fails; on a machine so busy that the loop's
    thread waited for a CPU most of the run, the same stall is "not judged" (as a correct solution's
    stall was, under three suites at once). The loop did get turns, so it is never told it got none
    (it was, when a busy CI stretched this stall past the one-piece stall)."""
    fb = asyncio.run(check.in_chunks(yields_every_eighth))
    assert "never got a turn" not in fb.text, fb
    if "not judged: this machine was busy" not in fb.text:  # this machine may be busy right now
        assert "only" in _failures(fb) and "shorter than with the work" in _failures(fb), fb
    monkeypatch.setattr(time, "thread_time", lambda: 0.0)  # the loop's thread never got a CPU
    fb = asyncio.run(check.in_chunks(yields_every_eighth))
    assert fb.status == "passed" and "not judged: this machine was busy" in fb.text, fb


def test_in_chunks_rejects_the_whole_work_in_every_chunk():
    async def whole_each_time(work, n, chunks=20):
        for _ in range(chunks):
            work(n)
            await asyncio.sleep(0)

    assert "did too much work" in _failures(asyncio.run(check.in_chunks(whole_each_time)))


def test_in_chunks_rejects_one_call_in_a_thread():
    async def one_thread(work, n, chunks=20):
        await asyncio.to_thread(work, n)  # frees the loop, but is not chunking

    assert "work() was called 1 time;" in _failures(asyncio.run(check.in_chunks(one_thread)))


# --- exercise 3: watchdog ------------------------------------------------------------------------


def test_watchdog_accepts_the_solution():
    fb = asyncio.run(check.watchdog(checks.load_solution("14", "watchdog")["watchdog"]))
    assert fb.status == "passed", fb
    assert "it reported both blocking calls" in fb.text


def test_watchdog_says_not_started_on_the_starter():
    fb = asyncio.run(check.watchdog(_starter(2)["watchdog"]))
    assert fb.status == "not started", fb


def _watchdog_with_a_stall(fake: dict, *, stall: float, jump: float, free: bool):
    """The solution, but its thread stalls ``stall`` s once, as if the machine had kept it off a CPU:
    0.1 s into the free loop (``free``), or else as it wakes up late after the first block. The
    stubbed CPU-wait clock moves ``jump`` s meanwhile."""

    async def watchdog(report, every=0.01, late=0.05):
        started, stalled = time.perf_counter(), False
        while True:
            before = time.perf_counter()
            await asyncio.sleep(every)
            how_late = time.perf_counter() - before - every
            if not stalled and (how_late > late if not free else time.perf_counter() - started > 0.1):
                stalled = True
                time.sleep(stall)  # noqa: ASYNC251 (the thread kept off a CPU, as a busy machine would)
                fake["waited"] += jump
                how_late += stall
            if how_late > late:
                report(how_late)

    return watchdog


def _stub_thread_wait(monkeypatch, fake: dict, *, real: bool):
    """``lab.thread_cpu_wait``: this thread's real wait for a CPU (or none) plus ``fake["waited"]``."""
    clock = _real_thread_cpu_wait if real else (lambda: 0.0)
    monkeypatch.setattr(lab, "thread_cpu_wait", lambda: (clock() or 0.0) + fake["waited"])


_real_thread_cpu_wait = lab.thread_cpu_wait


def test_watchdog_does_not_judge_a_report_in_a_free_loop_while_its_thread_waited_for_a_cpu(monkeypatch):
    """A right watchdog whose thread was kept off a CPU for 80 ms reports 80 ms late in a free loop:
    "not judged" when its thread's wait for a CPU says so; with no such wait, it fails."""
    fake = {"waited": 0.0}
    _stub_thread_wait(monkeypatch, fake, real=True)
    fb = asyncio.run(check.watchdog(_watchdog_with_a_stall(fake, stall=0.08, jump=0.08, free=True)))
    assert fb.status == "passed" and "while the loop was free (first: report(" in fb.text, fb
    busy = re.search(r"not judged: this machine was busy \(for (\d+) ms", fb.text)
    assert busy and int(busy[1]) >= 80, fb  # the stubbed 80 ms, and what this machine added
    assert "it reported both blocking calls" in fb.text, fb

    fake["waited"] = 0.0
    _stub_thread_wait(monkeypatch, fake, real=False)
    fb = asyncio.run(check.watchdog(_watchdog_with_a_stall(fake, stall=0.08, jump=0.0, free=True)))
    # 1 time, or more if this machine is busy right now: with its clock stubbed out, nothing is excused
    assert re.search(r"it reported \d+ times? while the loop was free", _failures(fb)), fb


def test_watchdog_counts_a_report_a_busy_machine_delayed_after_a_block(monkeypatch):
    """A right watchdog reports a block 100 ms after it ended because its thread waited for a CPU
    that long: the report is the block's. Without that wait, 100 ms later belongs to no block."""
    fake = {"waited": 0.0}
    _stub_thread_wait(monkeypatch, fake, real=True)
    fb = asyncio.run(check.watchdog(_watchdog_with_a_stall(fake, stall=0.1, jump=0.1, free=False)))
    assert fb.status == "passed" and "it reported both blocking calls" in fb.text, fb

    fake["waited"] = 0.0
    _stub_thread_wait(monkeypatch, fake, real=False)
    fb = asyncio.run(check.watchdog(_watchdog_with_a_stall(fake, stall=0.1, jump=0.0, free=False)))
    failures = _failures(fb)  # the late report counts for no block (nor, on a busy machine, the other)
    assert re.search(r"it reported \d+ times? while the loop was free", failures), fb
    assert re.search(r"it reported [01] of the 2 blocking calls", failures), fb


def test_watchdog_rejects_reporting_every_wake_up():
    async def chatty(report, every=0.01, late=0.05):
        while True:
            before = time.perf_counter()
            await asyncio.sleep(every)
            report(time.perf_counter() - before)  # no threshold: reports on every wake-up

    assert "while the loop was free" in _failures(asyncio.run(check.watchdog(chatty)))


def test_watchdog_rejects_stopping_after_the_first_report():
    async def one_shot(report, every=0.01, late=0.05):
        while True:
            before = time.perf_counter()
            await asyncio.sleep(every)
            if (how_late := time.perf_counter() - before - every) > late:
                report(how_late)
                return  # stops watching

    assert "returned before it was cancelled" in _failures(asyncio.run(check.watchdog(one_shot)))


def test_watchdog_rejects_swallowing_its_cancellation():
    async def stubborn(report, every=0.01, late=0.05):
        while True:
            before = time.perf_counter()
            try:
                await asyncio.sleep(every)
            except asyncio.CancelledError:
                continue  # never stops
            if (how_late := time.perf_counter() - before - every) > late:
                report(how_late)

    failures = _failures(asyncio.run(check.watchdog(stubborn)))
    assert "did not stop within 1 s of being cancelled" in failures
    assert "blocking calls" not in failures  # it did report both blocks
