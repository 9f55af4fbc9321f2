"""The lab server's rate limit (``rate_limit=R``: 429 past R requests per sliding second) and its
counters ``rate_limited`` and ``peak_per_second``."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import aiohttp
import pytest

from helpers import lab
from helpers.lab import COUNTER_NAMES, LabServer, start_server, stop_server
from helpers.server import RATE_SLACK_S, RATE_WINDOW_S, LabConfig, main

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
    assert {"rate_limited", "peak_per_second"} <= set(COUNTER_NAMES)
    server = lab.start_server(latency=0.1, rate_limit=10)
    assert "rate_limit=10" in capsys.readouterr().out  # "... has no effect on ..."
    stats = server.stats(note=False)
    assert not lab.measurable(stats["rate_limited"]) and not lab.measurable(stats["peak_per_second"])
