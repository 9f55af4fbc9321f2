"""The benchmark runs end to end in a tiny configuration and writes the documented JSON."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest
import requests

from helpers import bench
from helpers.lab import LabServer
from helpers.server import LabConfig
from tests.notebook_run import ROOT

KEYS = {"sequential", "threads_queue", "thread_pool", "asyncio"}
UVLOOP_FACTORY, UVLOOP_VERSION = bench.find_uvloop()
HAS_UVLOOP = UVLOOP_FACTORY is not None
TINY = {"n": 5, "latency": 0.01, "repeats": 1, "throughput_n": 50, "memory_units": 50, "progress": False}


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
    keys = KEYS | ({bench.UVLOOP} if HAS_UVLOOP else set())
    assert report["n"] == 10 and report["latency_s"] == 0.02 and report["repeats"] == 1
    assert set(report["median_s"]) == set(report["ratio_to_limit"]) == keys
    for key in keys:
        assert report["median_s"][key] >= 0.02  # no approach beats one round trip
        assert report["ratio_to_limit"][key] == pytest.approx(report["median_s"][key] / 0.02, rel=1e-3)
    assert report["ratio_to_limit"]["sequential"] >= 9  # 10 requests one after another
    assert set(report["throughput_rps"]) == {"thread_pool", "asyncio"} | (keys - KEYS)
    assert all(v > 0 for v in report["throughput_rps"].values())
    assert set(report["rss_kib_per"]) == {"thread", "task"}
    assert report["rss_kib_per"]["thread"] > report["rss_kib_per"]["task"] > 0
    assert report["server_requests"] == len(keys) * 2 * 10  # each approach: (warm-up + 1 run) x 10
    assert report["python"].startswith("3.") and report["platform"]
    assert "targets:" in result.stdout and "asyncio" in result.stdout
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    if HAS_UVLOOP:  # measured beside the standard loop, in the report and in the JSON
        assert report["uvloop"] == UVLOOP_VERSION and report["throughput_server_loop"] == "uvloop"
        speedup = report["uvloop_speedup"]
        ratio, rps = report["ratio_to_limit"], report["throughput_rps"]
        assert speedup["latency"] == pytest.approx(ratio["asyncio"] / ratio[bench.UVLOOP], rel=1e-2)
        assert speedup["throughput"] == pytest.approx(rps[bench.UVLOOP] / rps["asyncio"], rel=1e-2)
        assert f"uvloop {UVLOOP_VERSION} vs the standard loop" in result.stdout
    else:
        assert report["uvloop"] is None and report["uvloop_speedup"] is None
        assert "the standard loop only" in result.stdout


def test_without_uvloop_the_report_says_so_in_one_line(monkeypatch):
    monkeypatch.setattr(bench, "find_uvloop", lambda: (None, "uvloop is not installed (pip install uvloop)"))
    report = bench.run(**TINY)
    assert set(report["median_s"]) == KEYS and set(report["throughput_rps"]) == {"thread_pool", "asyncio"}
    assert report["uvloop"] is None and report["throughput_server_loop"] == "asyncio"
    text = bench.format_report(report)
    lines = [line for line in text.splitlines() if "uvloop" in line]
    assert lines == ["uvloop is not installed (pip install uvloop): the standard loop only"], text


def test_no_uvloop_measures_the_standard_loop_only():
    report = bench.run(**TINY, uvloop=False)
    assert set(report["median_s"]) == KEYS and report["uvloop"] is None
    assert "uvloop: not measured (--no-uvloop): the standard loop only" in bench.format_report(report)


@pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed")
def test_the_lab_server_serves_and_counts_on_uvloop():
    with LabServer(LabConfig(latency=0.0), loop="uvloop") as server:
        assert bench.threads_queue(server.url, 20, workers=4) == [200] * 20
        assert server.stats()["requests"] == 20
    timings = None
    with LabServer(LabConfig(latency=0.01)) as server:
        progress = bench.Progress(0, enabled=False)
        timings = bench.bench_latency(server.url, 5, 1, progress, uvloop=UVLOOP_FACTORY)
        assert server.stats()["requests"] == 5 * 2 * 5  # 5 approaches x (warm-up + 1 run) x 5
    assert set(timings) == KEYS | {bench.UVLOOP}


def test_a_lab_server_loop_must_be_one_we_know():
    with pytest.raises(ValueError, match="loop must be 'asyncio' or 'uvloop'"):
        LabServer(LabConfig(), loop="trio")


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


def test_the_contestants_fit_a_slide_and_checked_keeps_their_signature():
    # Notebook 16 prints each one with inspect.getsource: short, and the body is the lesson.
    for contestant in (bench.status_of, bench.sequential, bench.threads_queue, bench.asyncio_gather):
        assert len(inspect.getsource(contestant).splitlines()) <= 22, contestant.__name__
    assert len(inspect.getsource(bench.ThreadPool).splitlines()) <= 25
    assert str(inspect.signature(bench.threads_queue)) == "(url, n, workers=100)"
    assert inspect.iscoroutinefunction(bench.asyncio_gather)
    with pytest.raises(TypeError, match="session must be a requests.Session, got 'x'"):
        bench.sequential("http://127.0.0.1:9", 1, session="x")
    with requests.Session() as session, pytest.raises(ValueError, match="n must be an int >= 1, got 0"):
        bench.sequential("http://127.0.0.1:9", 0, session)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n": 0}, "n must be an int >= 1"),
        ({"latency": 0}, "latency must be a number of seconds > 0"),
        ({"repeats": 1.5}, "repeats must be an int >= 1"),
        ({"memory_units": -1}, "memory_units must be an int >= 1"),
        ({"uvloop": "yes"}, "uvloop must be True or False"),
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
