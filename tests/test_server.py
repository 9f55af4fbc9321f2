"""The lab server: endpoints, counters, simulated network, process life cycle, CLI."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import statistics
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import psutil
import pytest
import requests

from helpers.lab import LabServer, current_server, start_server, stop_server
from helpers.server import LabConfig


@pytest.fixture(scope="module")
def lab():
    """A private lab server (not the module-wide 'current' one) with 0.1 s latency."""
    with LabServer(LabConfig(latency=0.1)) as server:
        yield server


@pytest.fixture(scope="module")
def fast():
    with LabServer(LabConfig(latency=0.0)) as server:
        yield server


def _gone(pid: int, within: float) -> bool:
    """True when the process exits (or is only a zombie) within ``within`` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                return True
        except psutil.NoSuchProcess:
            return True
        time.sleep(0.1)
    return False


# --- endpoints -------------------------------------------------------------------------------


def test_get_has_httpbin_shape(fast):
    r = requests.get(f"{fast.url}/get?0", headers={"X-Course": "yes"}, timeout=5)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"args", "headers", "origin", "url"}
    assert body["args"] == {"0": ""}  # the seed's query style: /get?0
    assert body["headers"]["X-Course"] == "yes"
    assert body["origin"] == "127.0.0.1"
    assert body["url"] == f"{fast.url}/get?0"


def test_get_repeated_keys_become_lists(fast):
    body = requests.get(f"{fast.url}/get?key=7&a=1&a=2", timeout=5).json()
    assert body["args"] == {"key": "7", "a": ["1", "2"]}


def test_delay_waits_and_answers_json(fast):
    start = time.perf_counter()
    r = requests.get(f"{fast.url}/delay/0.3?x=1", timeout=5)
    elapsed = time.perf_counter() - start
    assert r.status_code == 200
    assert 0.3 <= elapsed < 0.6
    assert r.json()["args"] == {"x": "1"}
    assert {"data", "files", "form"} <= set(r.json())


@pytest.mark.parametrize("bad", ["abc", "-1", "nan"])
def test_delay_rejects_bad_seconds(fast, bad):
    assert requests.get(f"{fast.url}/delay/{bad}", timeout=5).status_code == 400


def test_status_codes(fast):
    assert requests.get(f"{fast.url}/status/418", timeout=5).status_code == 418
    assert requests.get(f"{fast.url}/status/503", timeout=5).status_code == 503
    seen = {requests.get(f"{fast.url}/status/200,503", timeout=5).status_code for _ in range(40)}
    assert seen == {200, 503}
    assert requests.get(f"{fast.url}/status/abc", timeout=5).status_code == 400
    assert requests.get(f"{fast.url}/status/999", timeout=5).status_code == 400


def test_unknown_path_is_404(fast):
    assert requests.get(f"{fast.url}/nope", timeout=5).status_code == 404


# --- counters --------------------------------------------------------------------------------


def test_stats_shape_and_reset(fast):
    stats = fast.reset_stats()
    assert stats["requests"] == 0 and stats["connections"] == 0 and stats["peak_in_flight"] == 0
    with requests.Session() as session:
        for i in range(5):
            session.get(f"{fast.url}/get?{i}", timeout=5)
    stats = fast.stats()
    assert stats["requests"] == 5  # /stats itself is not counted
    assert stats["connections"] == 1  # one Session: one TCP connection, reused
    assert stats["in_flight"] == 0
    assert stats["config"]["latency"] == 0.0
    assert fast.reset_stats()["requests"] == 0


def test_connections_counts_new_tcp_connections(fast):
    fast.reset_stats()
    for i in range(4):
        requests.get(f"{fast.url}/get?{i}", timeout=5)  # no session: a connection each
    assert fast.stats()["connections"] == 4


def test_a_request_from_before_a_reset_is_not_counted_after_it(fast):
    """A checker resets, sends N and reads N: a straggler of an earlier cell (a /delay still being
    served) leaves in_flight when it ends, but is not counted in the new requests."""
    with ThreadPoolExecutor(1) as pool:
        straggler = pool.submit(requests.get, f"{fast.url}/delay/0.5", timeout=10)
        deadline = time.monotonic() + 5
        while fast.stats()["in_flight"] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        stats = fast.reset_stats()
        assert stats["in_flight"] == 1 and stats["requests"] == 0, stats
        for i in range(3):
            requests.get(f"{fast.url}/get?{i}", timeout=5)
        assert straggler.result().status_code == 200
    stats = fast.stats()
    assert stats["requests"] == 3, stats  # not 4: the straggler arrived before the reset
    assert stats["in_flight"] == 0, stats


@pytest.mark.parametrize("cancel", [False, True], ids=["default", "cancel_on_disconnect"])
def test_a_client_that_hangs_up(cancel):
    """By default the server finishes a request whose client left (in flight until its delay ends);
    with cancel_on_disconnect it stops at once, and counts the request abandoned, not answered."""

    async def hang_up(url):
        async with aiohttp.ClientSession() as session:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.2):
                    await session.get(f"{url}/delay/1.5")

    with LabServer(LabConfig(cancel_on_disconnect=cancel)) as server:
        asyncio.run(hang_up(server.url))
        time.sleep(0.3)
        stats = server.stats()
    assert stats["in_flight"] == (0 if cancel else 1), stats
    assert stats["abandoned"] == (1 if cancel else 0), stats
    assert stats["requests"] == 0, stats


def test_peak_in_flight_reflects_real_concurrency(lab):
    async def run(n: int, limit: int) -> None:
        connector = aiohttp.TCPConnector(limit=limit)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def one(i: int) -> None:
                async with session.get(f"{lab.url}/get?{i}") as r:
                    await r.read()

            await asyncio.gather(*(one(i) for i in range(n)))

    lab.reset_stats()
    asyncio.run(run(20, limit=20))
    stats = lab.stats()
    assert stats["requests"] == 20
    assert stats["peak_in_flight"] == 20
    assert stats["connections"] == 20

    lab.reset_stats()
    asyncio.run(run(20, limit=5))
    stats = lab.stats()
    assert stats["peak_in_flight"] == 5
    assert stats["connections"] == 5

    lab.reset_stats()
    with requests.Session() as session:
        for i in range(3):
            session.get(f"{lab.url}/get?{i}", timeout=5)
    assert lab.stats()["peak_in_flight"] == 1


# --- simulated network -----------------------------------------------------------------------


def test_latency_is_within_tolerance(lab):
    samples = []
    with requests.Session() as session:
        session.get(f"{lab.url}/get", timeout=5)
        for _ in range(5):
            start = time.perf_counter()
            session.get(f"{lab.url}/get", timeout=5)
            samples.append(time.perf_counter() - start)
    assert min(samples) >= 0.1
    assert statistics.median(samples) < 0.1 + 0.05


def test_jitter_adds_up_to_jitter_seconds():
    with LabServer(LabConfig(latency=0.02, jitter=0.1, seed=3)) as server, requests.Session() as session:
        samples = []
        for _ in range(12):
            start = time.perf_counter()
            session.get(f"{server.url}/get", timeout=5)
            samples.append(time.perf_counter() - start)
    assert min(samples) >= 0.02
    assert max(samples) < 0.02 + 0.1 + 0.05
    assert max(samples) - min(samples) > 0.02  # it really varies


def _statuses(server: LabServer, n: int) -> list[int]:
    with requests.Session() as session:
        return [session.get(f"{server.url}/get?{i}", timeout=5).status_code for i in range(n)]


def test_error_rate_is_injected_and_reproducible():
    config = LabConfig(error_rate=0.2, seed=42)
    with LabServer(config) as a:
        first = _statuses(a, 400)
        assert a.stats()["errors_injected"] == first.count(503)
    with LabServer(config) as b:
        second = _statuses(b, 400)
    assert set(first) == {200, 503}
    assert 0.14 <= first.count(503) / 400 <= 0.26
    assert first == second  # same seed, same sequence


def test_error_rate_extremes():
    with LabServer(LabConfig(error_rate=1.0)) as server:
        assert set(_statuses(server, 10)) == {503}
    with LabServer(LabConfig(error_rate=0.0)) as server:
        assert set(_statuses(server, 10)) == {200}


def test_drop_rate_closes_connections_unanswered_and_reproducibly():
    def outcomes(server, n):
        result = []
        with requests.Session() as session:  # requests never retries on its own
            for i in range(n):
                try:
                    result.append(session.get(f"{server.url}/get?{i}", timeout=10).status_code)
                except requests.ConnectionError:
                    result.append("dropped")
        return result

    config = LabConfig(error_rate=0.2, drop_rate=0.2, seed=7)
    with LabServer(config) as a:
        first = outcomes(a, 200)
        stats = a.stats()
    with LabServer(config) as b:
        second = outcomes(b, 200)
    assert first == second  # same seed, same faults
    assert stats["connections_dropped"] == first.count("dropped")
    assert stats["errors_injected"] == first.count(503)
    assert stats["requests"] == 200
    assert 0.1 <= first.count("dropped") / 200 <= 0.3 and 0.1 <= first.count(503) / 200 <= 0.3


def test_aiohttp_retries_a_dropped_get_once_by_itself():
    """Worth knowing when counting: aiohttp resends an idempotent request once after a disconnect."""

    async def outcomes(server, n):
        result = []
        async with aiohttp.ClientSession() as session:
            for i in range(n):
                try:
                    async with session.get(f"{server.url}/get?{i}") as response:
                        result.append(response.status)
                except aiohttp.ServerDisconnectedError:
                    result.append("dropped")
        return result

    with LabServer(LabConfig(drop_rate=0.3, seed=1)) as server:
        seen = asyncio.run(outcomes(server, 100))
        stats = server.stats()
    hidden_retries = stats["connections_dropped"] - seen.count("dropped")
    assert hidden_retries > 0
    assert stats["requests"] == 100 + hidden_retries


# --- safety -----------------------------------------------------------------------------------


def test_listens_on_loopback_only_by_default(fast):
    assert fast.url.startswith("http://127.0.0.1:")
    server_proc = psutil.Process(fast.pid)
    addresses = {
        c.laddr.ip for c in server_proc.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN
    }
    assert addresses == {"127.0.0.1"}


def test_public_bind_must_be_explicit():
    with LabServer(LabConfig(host="0.0.0.0", public=True)) as server:
        assert requests.get(server.url.replace("0.0.0.0", "127.0.0.1") + "/get", timeout=5).ok
    result = subprocess.run(
        [sys.executable, "-m", "helpers.server", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "--public" in result.stderr


def test_request_size_limits(fast):
    from helpers.server import MAX_BODY_BYTES, MAX_HEADER_LINE_BYTES, MAX_HEADERS

    with requests.Session() as session:
        big_body = session.post(f"{fast.url}/stats/reset", data=b"x" * (MAX_BODY_BYTES + 1), timeout=10)
        assert big_body.status_code == 413
        headers = {"Authorization": f"Bearer {fast.token}"}
        assert session.post(f"{fast.url}/stats/reset", data=b"x" * 100, headers=headers, timeout=10).ok
        long_header = session.get(
            f"{fast.url}/get", headers={"X-Big": "y" * (MAX_HEADER_LINE_BYTES + 1)}, timeout=10
        )
        assert long_header.status_code in (400, 431)
        many = {f"X-H{i}": "1" for i in range(MAX_HEADERS + 1)}
        assert session.get(f"{fast.url}/get", headers=many, timeout=10).status_code in (400, 431)
        assert session.get(f"{fast.url}/get", headers={"X-Ok": "y" * 1000}, timeout=10).ok


@pytest.mark.parametrize(
    "path", ["/helpers/server.py", "/static/", "/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/README.md"]
)
def test_serves_no_files(fast, path):
    response = requests.get(fast.url + path, timeout=10)
    assert (
        response.status_code == 404 and b"def " not in response.content and b"root:" not in response.content
    )


def test_app_has_no_file_routes():
    from aiohttp.web_urldispatcher import StaticResource

    from helpers.server import make_app

    app = make_app()
    assert not [r for r in app.router.resources() if isinstance(r, StaticResource)]
    assert {r.method for r in app.router.routes()} <= {"GET", "HEAD", "POST"}


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"latency": -1}, "latency"),
        ({"latency": float("nan")}, "latency"),
        ({"latency": "0.1"}, "latency"),
        ({"latency": 1000}, "latency"),
        ({"jitter": -0.5}, "jitter"),
        ({"error_rate": 1.5}, "error_rate"),
        ({"error_rate": -0.1}, "error_rate"),
        ({"seed": "x"}, "seed"),
        ({"port": 70000}, "port"),
        ({"host": ""}, "host"),
        ({"host": "0.0.0.0"}, "host must be a loopback address"),
        ({"host": "192.168.1.10"}, "pass public=True"),
        ({"drop_rate": 2}, "drop_rate"),
        ({"drop_rate": None}, "drop_rate"),
        ({"error_rate": 0.6, "drop_rate": 0.6}, "error_rate \\+ drop_rate must be at most 1"),
        ({"public": "yes"}, "public must be True or False"),
        ({"timeout": 0}, "timeout"),
    ],
)
def test_bad_configuration_raises_before_anything_starts(kwargs, name):
    before = {p.pid for p in psutil.Process().children(recursive=True)}
    with pytest.raises(ValueError, match=name):
        start_server(**kwargs)
    after = {p.pid for p in psutil.Process().children(recursive=True)}
    assert after <= before  # nothing was started


# --- process life cycle ----------------------------------------------------------------------


def test_start_is_idempotent_and_restarts_on_new_config():
    try:
        first = start_server(latency=0.01)
        again = start_server(latency=0.01)
        assert again is first and again.pid == first.pid
        assert current_server() is first
        changed = start_server(latency=0.02)
        assert changed.pid != first.pid
        assert not first.alive and _gone(first.pid, 5)
        assert requests.get(f"{changed.url}/get", timeout=5).status_code == 200
    finally:
        stop_server()
    assert current_server() is None


def test_restarts_when_the_process_died():
    try:
        first = start_server(latency=0.0)
        first._proc.kill()
        first._proc.wait()
        second = start_server(latency=0.0)
        assert second.pid != first.pid and second.alive
    finally:
        stop_server()


def test_context_manager_stops_the_process():
    with LabServer(LabConfig()) as server:
        pid = server.pid
        assert server.alive
        assert "running" in repr(server)
    assert not server.alive and _gone(pid, 5)
    server.stop()  # twice is fine
    with pytest.raises(RuntimeError, match="stopped"):
        server.stats()


def test_busy_port_gives_a_clear_error(fast):
    port = int(fast.url.rsplit(":", 1)[1])
    with pytest.raises(RuntimeError, match="did not start"):
        LabServer(LabConfig(port=port))


def test_server_dies_with_its_parent_even_on_sigkill(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text(
        textwrap.dedent(
            """
            import time
            from helpers.lab import start_server
            server = start_server(latency=0.1)
            print(server.pid, server.url, flush=True)
            time.sleep(60)
            """
        )
    )
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        pid, url = parent.stdout.readline().split()
        assert requests.get(f"{url}/get", timeout=5).status_code == 200
        parent.send_signal(signal.SIGKILL)
        parent.wait(5)
        assert _gone(int(pid), 5), "the lab server outlived its SIGKILLed parent"
    finally:
        parent.kill()
        parent.wait()
        parent.stdout.close()


# --- command line ----------------------------------------------------------------------------


def test_cli_prints_url_first_and_serves_until_interrupted():
    proc = subprocess.Popen(
        [sys.executable, "-m", "helpers.server", "--latency", "0.05", "--error-rate", "0", "--seed", "1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        body = requests.get(f"{url}/get?cli=1", timeout=5).json()
        assert body["args"] == {"cli": "1"}
        proc.send_signal(signal.SIGINT)
        assert proc.wait(10) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_cli_rejects_bad_values():
    result = subprocess.run(
        [sys.executable, "-m", "helpers.server", "--error-rate", "2"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "error_rate must be in [0, 1]" in result.stderr


def test_the_server_prints_no_warning_when_it_starts_and_serves(monkeypatch):
    """A student who starts the server sees its URL, nothing else (aiohttp once warned here:
    "Changing state of started or joined application is deprecated"). Every warning is shown
    here, those Python hides by default (DeprecationWarning, ResourceWarning) included."""
    monkeypatch.setenv("PYTHONWARNINGS", "always")
    server = LabServer(LabConfig())
    try:
        with requests.Session() as session:
            session.get(f"{server.url}/get", timeout=10).raise_for_status()
            assert server.stats()["open_connections"] >= 1  # the session's kept connection
        time.sleep(0.2)
        assert server._read_stderr() == ""
    finally:
        server.stop()


def test_connect_delay_costs_each_new_connection_once():
    server = LabServer(LabConfig(), plain=True, connect_delay=0.2)
    try:
        with requests.Session() as session:
            times = []
            for _ in range(3):
                start = time.perf_counter()
                session.get(f"{server.url}/get", timeout=10).raise_for_status()
                times.append(time.perf_counter() - start)
        assert times[0] >= 0.2, "the first answer on a connection waits for its set-up"
        assert max(times[1:]) < 0.2, f"a kept connection pays nothing more: {times}"
        start = time.perf_counter()
        requests.get(f"{server.url}/status/200", timeout=10).raise_for_status()
        assert time.perf_counter() - start >= 0.2, "a new connection pays again, on any endpoint"
    finally:
        server.stop()
