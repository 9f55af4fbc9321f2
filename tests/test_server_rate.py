"""The lab server's rate limit (``rate_limit=R``: 429 past R requests per sliding second), its
counters ``rate_limited`` and ``peak_per_second``, and its own stalls (``loop_lag_max``), which the
rate limit forgives: stopped for a while (SIGSTOP), the server stamps the requests that waited
meanwhile together, yet a client paced at the rate is not refused; a burst still is."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time

import aiohttp
import psutil
import pytest

from helpers import lab
from helpers.lab import COUNTER_NAMES, LabServer, start_server, stop_server
from helpers.server import HEARTBEAT_IDLE_S, RATE_SLACK_S, RATE_WINDOW_S, LabConfig, main

RATE = 5


@pytest.fixture(scope="module")
def limited():
    with LabServer(LabConfig(latency=0.0, rate_limit=RATE)) as server:
        yield server


async def _burst(url: str, n: int) -> list[tuple[int, str | None]]:
    """``n`` GETs at once; each answer's status and Retry-After header."""
    async with aiohttp.ClientSession() as session:

        async def get(i):
            async with session.get(f"{url}/get?{i}") as response:
                await response.read()
                return response.status, response.headers.get("Retry-After")

        return await asyncio.gather(*(get(i) for i in range(n)))


def test_a_burst_past_the_limit_is_answered_429(limited):
    limited.reset_stats()
    answers = asyncio.run(_burst(limited.url, RATE + 3))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * RATE + [429] * 3
    assert all(retry == "1" for status, retry in answers if status == 429)  # whole seconds, as HTTP says
    stats = limited.stats()
    assert stats["rate_limited"] == 3
    assert stats["requests"] == RATE  # a refused request is not served
    assert stats["peak_per_second"] == RATE + 3  # received, refused ones included
    assert stats["config"]["rate_limit"] == RATE


def test_the_window_slides_and_reset_empties_it(limited):
    limited.reset_stats()
    assert [s for s, _ in asyncio.run(_burst(limited.url, RATE))] == [200] * RATE
    assert [s for s, _ in asyncio.run(_burst(limited.url, 1))] == [429]  # the second is not over
    time.sleep(RATE_WINDOW_S - RATE_SLACK_S + 0.05)
    assert [s for s, _ in asyncio.run(_burst(limited.url, RATE))] == [200] * RATE
    limited.reset_stats()  # a reset also empties the limiter's window: a fresh start
    assert [s for s, _ in asyncio.run(_burst(limited.url, RATE))] == [200] * RATE
    assert limited.stats()["rate_limited"] == 0


def test_a_client_paced_at_the_rate_is_never_refused(limited):
    limited.reset_stats()

    async def paced(n=2 * RATE + 1):
        statuses = []
        start = time.perf_counter()
        async with aiohttp.ClientSession() as session:
            for i in range(n):  # one request every 1/RATE s, on schedule
                await asyncio.sleep(max(0.0, start + i / RATE - time.perf_counter()))
                async with session.get(f"{limited.url}/get?{i}") as response:
                    statuses.append(response.status)
        return statuses

    assert asyncio.run(paced()) == [200] * (2 * RATE + 1)
    stats = limited.stats()
    assert stats["rate_limited"] == 0 and stats["peak_per_second"] <= RATE


def test_stats_are_not_counted_nor_limited(limited):
    limited.reset_stats()
    for _ in range(3 * RATE):
        limited.stats()
    stats = limited.stats()
    assert stats["rate_limited"] == 0 and stats["peak_per_second"] == 0


def test_without_a_limit_the_peak_per_second_is_counted():
    with LabServer(LabConfig(latency=0.0)) as server:
        server.reset_stats()
        assert [s for s, _ in asyncio.run(_burst(server.url, 30))] == [200] * 30
        stats = server.stats()
        assert stats["rate_limited"] == 0 and stats["peak_per_second"] == 30


@pytest.mark.parametrize("bad", [-1, 1.5, True, "10", 100_001])
def test_bad_rate_limits_raise_before_anything_starts(bad):
    with pytest.raises(ValueError, match="rate_limit"):
        LabConfig(rate_limit=bad)


def test_start_server_passes_the_knob_on():
    try:
        server = start_server(latency=0.0, rate_limit=7)
        assert server.stats()["config"]["rate_limit"] == 7
        assert "rate_limit=7/s" in repr(server)
    finally:
        stop_server()


def test_cli_flag():
    assert (
        "--rate-limit"
        in subprocess.run(
            [sys.executable, "-m", "helpers.server", "--help"], capture_output=True, text=True, timeout=30
        ).stdout
    )
    with pytest.raises(SystemExit) as exit_:
        main(["--rate-limit", "-3"])
    assert exit_.value.code == 2


def test_counters_are_n_a_on_another_server(remote, capsys):
    assert {"rate_limited", "peak_per_second", "loop_lag_max"} <= set(COUNTER_NAMES)
    server = lab.start_server(latency=0.1, rate_limit=10)
    assert "rate_limit=10" in capsys.readouterr().out  # "... has no effect on ..."
    stats = server.stats(note=False)
    assert not lab.measurable(stats["rate_limited"]) and not lab.measurable(stats["peak_per_second"])
    assert not lab.measurable(stats["loop_lag_max"])


# --- the server's own stalls ----------------------------------------------------------------------

needs_sigstop = pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="no SIGSTOP on this OS")


@contextlib.contextmanager
def _stopped(pid: int, seconds: float):
    """The process ``pid`` stopped (SIGSTOP) for ``seconds``, then continued, whatever happens."""
    os.kill(pid, signal.SIGSTOP)
    try:
        time.sleep(seconds)
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@needs_sigstop
def test_the_server_measures_how_long_it_was_stalled(limited):
    limited.reset_stats()
    with _stopped(limited.pid, 0.3):
        pass
    assert limited.stats()["loop_lag_max"] >= 0.2  # its heartbeat woke 0.3 s late, with no work done
    assert limited.reset_stats()["loop_lag_max"] < 0.05  # a reset starts afresh, like every counter
    time.sleep(0.1)
    with _stopped(limited.pid, 0.3):
        pass
    assert limited.stats()["loop_lag_max"] >= 0.2


def test_an_idle_server_does_not_wake():
    """The heartbeat runs while requests come, and stops after HEARTBEAT_IDLE_S without one."""
    with LabServer(LabConfig()) as server:
        server.stats()
        process = psutil.Process(server.pid)
        time.sleep(HEARTBEAT_IDLE_S + 0.5)
        before = process.cpu_times()
        time.sleep(2)
        after = process.cpu_times()
        assert (after.user + after.system) - (before.user + before.system) <= 0.011


@contextlib.contextmanager
def _unforgiving_server(rate: int):
    """A lab server whose rate limit ignores its stalls (as before it measured them): (pid, url)."""
    code = (
        "import sys, helpers.server as s; s.Counters._recent_stall = lambda self, now: 0.0; "
        f"sys.exit(s.main(['--rate-limit', '{rate}', '--exit-on-stdin-eof']))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        url = proc.stdout.readline().decode().strip()
        assert url.startswith("http"), url
        yield proc.pid, url
    finally:
        proc.stdin.close()
        proc.stdout.close()
        proc.wait(10)


STOP_AT, STALL = 0.5, 0.35  # the server stops between two paced requests, and misses the next two


def _paced_across_a_stall(url: str, pid: int, n: int = 12) -> list[int]:
    """``n`` GETs started 1 / RATE s apart on schedule (each in its own task: a stopped server
    holds the ones sent meanwhile, stamped together when it goes on); the server is stopped from
    ``STOP_AT`` s for ``STALL`` s. Requests 3 and 4 wait in its socket; 3 to 8 are six within
    0.95 s by its clock, not by the client's."""

    async def run():
        loop = asyncio.get_running_loop()
        start = loop.time()
        loop.call_at(start + STOP_AT, os.kill, pid, signal.SIGSTOP)
        go_on = loop.call_at(start + STOP_AT + STALL, os.kill, pid, signal.SIGCONT)
        try:
            async with aiohttp.ClientSession() as session:

                async def get(i):
                    await asyncio.sleep(max(0.0, start + i / RATE - loop.time()))
                    async with session.get(f"{url}/get?{i}") as response:
                        await response.read()
                        return response.status

                return await asyncio.gather(*(get(i) for i in range(n)))
        finally:
            go_on.cancel()
            os.kill(pid, signal.SIGCONT)

    return asyncio.run(run())


@needs_sigstop
def test_a_stall_bunches_paced_requests_for_a_limit_that_ignores_it():
    """What the stall does to a rate limit that does not forgive it: the paced client is refused."""
    with _unforgiving_server(RATE) as (pid, url):
        statuses = _paced_across_a_stall(url, pid)
    assert 429 in statuses, statuses


@needs_sigstop
def test_a_client_paced_at_the_rate_is_not_refused_across_a_stall(limited):
    limited.reset_stats()
    assert _paced_across_a_stall(limited.url, limited.pid) == [200] * 12
    stats = limited.stats()
    assert stats["rate_limited"] == 0 and stats["peak_per_second"] <= RATE
    assert stats["loop_lag_max"] >= STALL - 0.05


@needs_sigstop
def test_a_burst_is_refused_across_a_stall(limited):
    """However long the stall, the window stays at least MIN_RATE_WINDOW_S: a burst sent while the
    server is stopped arrives together, and past the limit it is still refused."""
    limited.reset_stats()

    async def burst_while_stopped():
        loop = asyncio.get_running_loop()
        os.kill(limited.pid, signal.SIGSTOP)
        go_on = loop.call_later(0.4, os.kill, limited.pid, signal.SIGCONT)
        try:
            return await _burst(limited.url, RATE + 3)
        finally:
            go_on.cancel()
            os.kill(limited.pid, signal.SIGCONT)

    statuses = sorted(status for status, _ in asyncio.run(burst_while_stopped()))
    assert statuses == [200] * RATE + [429] * 3
    stats = limited.stats()
    assert stats["rate_limited"] == 3 and stats["loop_lag_max"] >= 0.3
