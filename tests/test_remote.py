"""COURSE_BASE_URL: another httpbin-like server instead of the lab (issue #15).

The suite's stand-in is ``plain_server`` (conftest): the lab server with ``--plain``, which has no
/stats. These tests check the values the notebooks rely on: a measured limit, counters that read
n/a with one sentence, knobs that say they change nothing, and a clear error for a bad URL.
"""

from __future__ import annotations

import operator
import os
import socket
import subprocess
import sys
import textwrap
import threading

import nbformat
import pytest
import requests
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from helpers import checks, lab
from helpers.lab import (
    ENV_BASE_URL,
    NOT_MEASURED,
    BaseURLError,
    NoCounters,
    RemoteServer,
    check_base_url,
    current_server,
    measurable,
    start_server,
)
from tests.conftest import CONNECT_DELAY
from tests.lab_process import free_port
from tests.notebook_run import NOTEBOOKS


def test_plain_server_speaks_httpbin_but_keeps_no_counters(plain_server):
    assert not plain_server.has_stats
    with requests.Session() as s:
        assert s.get(f"{plain_server.url}/get?a=1", timeout=10).json()["args"] == {"a": "1"}
        assert s.get(f"{plain_server.url}/delay/0.1", timeout=10).status_code == 200
        assert s.get(f"{plain_server.url}/status/503", timeout=10).status_code == 503
        assert s.get(f"{plain_server.url}/stats", timeout=10).status_code == 404
        assert s.post(f"{plain_server.url}/stats/reset", timeout=10).status_code in (404, 405)


def test_start_server_returns_the_remote_server_measured_once(remote, capsys):
    before = current_server()
    server = start_server(latency=0.5)
    assert isinstance(server, RemoteServer) and not server.has_stats
    assert server.url == remote.url
    # Measured, not the asked-for 0.5 s: the plain server sleeps 20-30 ms per /get, so no warm
    # round trip can be shorter than 20 ms (an upper bound only guards against nonsense); the first
    # answer on a new connection waits CONNECT_DELAY more, which cold_latency must include.
    assert len(server.round_trips) == 5
    assert 0.02 <= min(server.round_trips) and server.latency < 0.5
    assert 0.02 + CONNECT_DELAY <= server.cold_latency < 0.5
    assert server.latency < 0.02 + CONNECT_DELAY, "warm GETs do not pay for the connection"
    assert current_server() is before, "nothing was started or stopped"
    assert start_server(latency=0.5) is server, "measured once per URL and process"
    assert f"{server.latency * 1000:.1f} ms" in repr(server)
    out = capsys.readouterr().out
    assert out.count("has no effect") == 1, out  # said once: the second call asked the same
    assert "latency=0.5" in out and ENV_BASE_URL in out


def test_knobs_are_said_to_change_nothing_when_they_change(remote, capsys):
    start_server(latency=0.1)
    start_server(latency=0.1)
    start_server(latency=0, error_rate=0.2, seed=1)
    lines = [line for line in capsys.readouterr().out.splitlines() if "has no effect" in line]
    assert len(lines) == 2, lines
    assert "error_rate=0.2" in lines[1] and "latency" not in lines[1].split("has no effect")[0]


def test_counters_read_n_a_with_one_sentence(remote, capsys):
    server = start_server()
    stats = server.stats()
    out = capsys.readouterr().out
    assert "keeps no counters" in out and ENV_BASE_URL in out and remote.url in out
    assert isinstance(stats, NoCounters) and repr(stats).startswith("{'requests': n/a, ")
    assert set(stats) >= {"requests", "peak_in_flight", "connections", "in_flight", "errors_injected"}
    with pytest.raises(KeyError):
        stats["no such counter"]
    server.stats(note=False)
    server.reset_stats()
    assert capsys.readouterr().out == "", "note=False and reset_stats are quiet"


def test_a_missing_counter_survives_formatting_and_arithmetic_but_not_comparison():
    na = NOT_MEASURED
    assert f"{na}|{na:>5}|{na:.1f}|{na:,}" == "n/a|  n/a|n/a|n/a"
    assert 100 - na is na and na // 3 is na and na / 2 is na and 3 * na is na and -na is na
    assert sum([na, na]) is na and round(na, 1) is na
    assert not na and not measurable(na) and measurable(0)
    for compare in (operator.lt, operator.gt, operator.le, operator.ge):
        with pytest.raises(TypeError):
            compare(na, 1)


def test_checks_note_what_they_cannot_measure(remote):
    stats = start_server().stats(note=False)
    fb = checks.Feedback("remote").ok("all 10 answers, in order")  # what a checker could judge
    assert checks.check_peak(fb, stats, 10, exactly=True)
    assert checks.check_connections(fb, stats, 1)
    assert fb.passed and fb.text.count("not measurable on this server") == 2, fb.text
    lab = checks.Feedback("lab")
    assert not checks.check_peak(lab, {"peak_in_flight": 11}, 10), "with counters, still judged"


def test_a_crowded_machine_is_told_on_a_server_without_counters_too(remote, monkeypatch):
    """Over time while this process's threads waited 50 ms or more for a CPU: "not judged", as with
    the lab server's loop lag; under 50 ms, or with no figure (macOS, Windows), the time is judged."""
    server = start_server()
    for waited, judged in ((0.2, False), (0.01, True), (None, True)):
        start, end = ({1: 0.0}, {1: 0.0, 2: waited}) if waited is not None else ({}, {})  # 2: a new thread
        readings = iter([start, end])  # at reset_stats(), then at stats()
        monkeypatch.setattr(lab, "cpu_waits", lambda readings=readings: next(readings))
        server.reset_stats()
        stats = server.stats(note=False)
        assert stats.cpu_wait == waited, (waited, stats.cpu_wait)
        fb = checks.Feedback("remote")
        checks.check_time(fb, 0.5, 0.1, factor=2, stall=stats)  # 5× over
        assert bool(fb.failures) == judged, (waited, str(fb))
        if not judged:
            assert "not judged: this machine was busy (for 200 ms of the run, work on it waited" in fb.text


def test_cpu_waits_are_counted_when_two_tasks_share_one_cpu():
    """Measured, not mocked: this test's process and a busy child pinned to one CPU; 0.3 s of the
    parent's CPU time then takes about twice as long, and the clocks count the wait (Linux): the
    process's (cpu_waited) and its thread's own (thread_cpu_wait)."""
    script = textwrap.dedent(
        """
        import os, subprocess, sys, time
        from helpers.lab import cpu_waited, cpu_waits, thread_cpu_wait
        if not hasattr(os, "sched_setaffinity"):
            print(cpu_waited(cpu_waits()), thread_cpu_wait())
            raise SystemExit
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        busy = f"import itertools, os; os.sched_setaffinity(0, {{{cpu}}}); any(itertools.repeat(0))"
        child = subprocess.Popen([sys.executable, "-c", busy])
        try:
            time.sleep(0.3)
            since, mine = cpu_waits(), thread_cpu_wait()
            end = time.thread_time() + 0.3
            while time.thread_time() < end:
                pass
            print(cpu_waited(since), thread_cpu_wait() - mine)
        finally:
            child.kill()
            child.wait()
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    waited, mine = out.stdout.split()
    if sys.platform == "linux":
        assert float(waited) >= 0.1, out  # about 0.3 s on an otherwise idle machine
        assert float(mine) >= 0.1, out  # the same wait: this thread was the one kept waiting
    else:
        assert waited == mine == "None", out  # no such clocks: time is judged as it is


def test_a_base_url_is_normalised():
    assert check_base_url(" https://httpbin.org/ ") == "https://httpbin.org"
    assert check_base_url("http://127.0.0.1:8000/bin/") == "http://127.0.0.1:8000/bin"


@pytest.mark.parametrize(
    "value, said",
    [
        ("httpbin.org", "is not a URL"),
        ("ftp://httpbin.org", "is not a URL"),
        ("http://127.0.0.1:99999", "bad port"),
        ("https://httpbin.org/get?x=1", "is not a URL"),
        ("http://[::1", "is not a URL"),
        ("https://user:secret@httpbin.org", "sends no credentials"),
    ],
)
def test_a_malformed_base_url_is_refused_before_any_traffic(value, said):
    with pytest.raises(BaseURLError, match=said) as caught:
        check_base_url(value)
    assert ENV_BASE_URL in str(caught.value) and repr(value) in str(caught.value)
    assert "https://httpbin.org" in str(caught.value), "says what was expected"


def test_a_host_that_does_not_answer_is_named(monkeypatch):
    value = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv(ENV_BASE_URL, value)
    with pytest.raises(BaseURLError, match="does not answer") as caught:
        start_server()
    assert f"{ENV_BASE_URL}={value!r}" in str(caught.value) and "unset" in str(caught.value)


def test_a_server_that_does_not_speak_http_is_named(monkeypatch):
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()

        def answer_garbage():
            connection, _ = listener.accept()
            with connection:
                connection.recv(4096)
                connection.sendall(b"SSH-2.0-not-http\r\n\r\n")

        threading.Thread(target=answer_garbage, daemon=True).start()
        value = f"http://127.0.0.1:{listener.getsockname()[1]}"
        monkeypatch.setenv(ENV_BASE_URL, value)
        with pytest.raises(BaseURLError, match="does not answer") as caught:
            start_server()
    assert f"{ENV_BASE_URL}={value!r}" in str(caught.value)


def test_a_server_that_is_not_httpbin_like_is_named(plain_server, monkeypatch):
    value = f"{plain_server.url}/status/200"  # answers, but its /get is a 404, not httpbin's JSON
    monkeypatch.setenv(ENV_BASE_URL, value)
    with pytest.raises(BaseURLError, match="httpbin-like") as caught:
        start_server()
    assert "404" in str(caught.value) and ENV_BASE_URL in str(caught.value)


def test_a_notebook_stops_at_its_first_server_cell_with_the_message(monkeypatch):
    """A bad COURSE_BASE_URL in 01: the first cell that uses it fails, saying what is wrong."""
    path = NOTEBOOKS / "01_for_loop.ipynb"
    nb = nbformat.read(path, as_version=4)
    value = f"http://127.0.0.1:{free_port()}"
    client = NotebookClient(
        nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    with pytest.raises(CellExecutionError) as caught:
        client.execute(env={**os.environ, ENV_BASE_URL: value})
    failed = [
        c for c in nb.cells if c.cell_type == "code" and any(o.output_type == "error" for o in c.outputs)
    ]
    assert len(failed) == 1 and "start_server(" in failed[0].source
    first_server_cell = next(c for c in nb.cells if c.cell_type == "code" and "start_server(" in c.source)
    assert failed[0] is first_server_cell
    assert f"{ENV_BASE_URL}={value!r} does not answer" in str(caught.value)
