"""The benchmark runs end to end in a tiny configuration and writes the documented JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from helpers import bench
from helpers.lab import LabServer
from helpers.server import LabConfig
from tests.notebook_run import ROOT

KEYS = {"sequential", "threads_queue", "thread_pool", "asyncio"}


def test_quick_benchmark_writes_the_documented_json(tmp_path):
    out, png = tmp_path / "bench.json", tmp_path / "figure.png"
    cmd = [
        sys.executable,
        "-m",
        "helpers.bench",
        "--quick",
        "--no-progress",
        "--json",
        str(out),
        "--figure",
        str(png),
    ]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    report = json.loads(out.read_text())
    assert report["n"] == 10 and report["latency_s"] == 0.02 and report["repeats"] == 1
    assert set(report["median_s"]) == set(report["ratio_to_limit"]) == KEYS
    for key in KEYS:
        assert report["median_s"][key] >= 0.02  # no approach beats one round trip
        assert report["ratio_to_limit"][key] == pytest.approx(report["median_s"][key] / 0.02, rel=1e-3)
    assert report["ratio_to_limit"]["sequential"] >= 9  # 10 requests one after another
    assert set(report["throughput_rps"]) == {"thread_pool", "asyncio"}
    assert all(v > 0 for v in report["throughput_rps"].values())
    assert set(report["rss_kib_per"]) == {"thread", "task"}
    assert report["rss_kib_per"]["thread"] > report["rss_kib_per"]["task"] > 0
    assert report["server_requests"] == 4 * 2 * 10  # 4 approaches x (warm-up + 1 run) x 10
    assert report["python"].startswith("3.") and report["platform"]
    assert "targets:" in result.stdout and "asyncio" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_every_approach_returns_all_answers_in_order():
    with LabServer(LabConfig(latency=0.0)) as server:
        assert bench.threads_queue(server.url, 30, workers=7) == [200] * 30
        pool = bench.ThreadPool(workers=5)
        try:
            assert pool.run(server.url, 12) == [200] * 12
        finally:
            pool.close()
        server.reset_stats()
        bench.threads_queue(server.url, 20, workers=4)
        assert server.stats()["requests"] == 20  # nothing lost, nothing duplicated


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "n must be an int >= 1"),
        ({"latency": 0}, "latency must be a number of seconds > 0"),
        ({"repeats": 1.5}, "repeats must be an int >= 1"),
        ({"memory_units": -1}, "memory_units must be an int >= 1"),
    ],
)
def test_bad_configuration_is_refused_before_anything_runs(kwargs, message):
    with pytest.raises(ValueError, match=message):
        bench.run(progress=False, **kwargs)


def test_account_counts_outcomes_and_refuses_lost_requests():
    assert bench.account([200, 503, "ConnectionError"], 3) == {200: 1, 503: 1, "ConnectionError": 1}
    with pytest.raises(RuntimeError, match=r"3 outcomes for 3 requests; never ended: \[1\]"):
        bench.account([200, None, 200], 3)
    with pytest.raises(RuntimeError, match="2 outcomes for 3 requests"):
        bench.account([200, 200], 3)
    with pytest.raises(ValueError, match="approach must be one of sequential, threads_queue"):
        bench.run_once("carrier pigeon", "http://127.0.0.1:1", 1)
