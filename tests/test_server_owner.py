"""The lab server's counters belong to whoever started it: a token guards /stats and /stats/reset,
and (on Linux) requests from other users' processes are served but counted apart.

Other users are played here by a server whose owner is a uid that is not this process's: every
request the test sends is then "another user's". tests/classroom/test_neighbours.py does the same
with two real Unix users.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import queue
import socket
import subprocess
import sys
import threading
import time

import psutil
import pytest
import requests

from helpers import checks, peers
from helpers import server as lab_server
from helpers.lab import ENV_TOKEN, LabServer, foreign_note
from helpers.server import FOREIGN_MAX_OPEN, FOREIGN_RATE_LIMIT, LabConfig

linux_only = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="clients are told apart on Linux"
)


@pytest.fixture(scope="module")
def own():
    with LabServer(LabConfig()) as server:
        yield server


def _auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


# --- the token ---------------------------------------------------------------------------------


def test_no_token_gets_401_with_a_plain_message_and_changes_nothing(own):
    own.reset_stats()
    for i in range(3):
        requests.get(f"{own.url}/get?i={i}", timeout=10).raise_for_status()
    for answer in (
        requests.get(f"{own.url}/stats", timeout=10),
        requests.post(f"{own.url}/stats/reset", timeout=10),
    ):
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"].startswith("Bearer")
        assert answer.headers["Content-Type"].startswith("text/plain")
        assert "Authorization: Bearer <token>" in answer.text and "python -m helpers.server" in answer.text
    stats = own.stats()
    assert stats["requests"] == 3  # not reset, and the refused asks are not requests
    assert stats["control_refused"] == 2


@pytest.mark.parametrize(
    ("header", "status", "says"),
    [
        ("Bearer " + "x" * 43, 403, "not this lab server's token"),
        ("Bearer", 401, "Authorization: Bearer <token>"),
        ("bearer  ", 401, "Authorization: Bearer <token>"),
        ("Basic dXNlcjpwYXNz", 401, "Authorization: Bearer <token>"),
    ],
)
def test_a_wrong_or_malformed_token_is_refused(own, header, status, says):
    answer = requests.post(f"{own.url}/stats/reset", headers={"Authorization": header}, timeout=10)
    assert answer.status_code == status and says in answer.text


def test_the_right_token_in_any_case_of_bearer_answers(own):
    answer = requests.get(f"{own.url}/stats", headers={"Authorization": f"bearer {own.token}"}, timeout=10)
    assert answer.status_code == 200 and answer.json()["pid"] == own.pid


def test_a_token_of_an_earlier_server_is_refused():
    with LabServer(LabConfig()) as first:
        old = first.token
    with LabServer(LabConfig()) as second:
        assert second.token != old
        replayed = requests.get(f"{second.url}/stats", headers=_auth(old), timeout=10)
        assert replayed.status_code == 403 and "a token from an earlier server is refused" in replayed.text
        assert requests.get(f"{second.url}/stats", headers=_auth(second.token), timeout=10).ok


def test_the_token_is_on_no_command_line_and_in_no_environment(own):
    process = psutil.Process(own.pid)
    assert own.token not in " ".join(process.cmdline())
    assert own.token not in "".join(f"{k}={v}" for k, v in process.environ().items())
    assert "--token-from-stdin" in process.cmdline()


def test_course_lab_token_sets_the_token_and_a_bad_one_is_refused(monkeypatch):
    monkeypatch.setenv(ENV_TOKEN, "a-teachers-token-for-the-watch")
    with LabServer(LabConfig()) as server:
        assert server.token == "a-teachers-token-for-the-watch"
        assert requests.get(f"{server.url}/stats", headers=_auth(server.token), timeout=10).ok
    monkeypatch.setenv(ENV_TOKEN, "short")
    with pytest.raises(ValueError, match="COURSE_LAB_TOKEN: the lab server's token must be at least 16"):
        LabServer(LabConfig())


def test_a_plain_server_has_no_token():
    with LabServer(LabConfig(), plain=True) as server:
        assert server.token is None
        assert requests.get(f"{server.url}/stats", timeout=10).status_code == 404


def test_the_cli_prints_its_token_under_its_url_for_curl():
    proc = subprocess.Popen(
        [sys.executable, "-W", "always", "-m", "helpers.server"],  # every warning shown, hidden ones too
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = proc.stdout.readline().strip()
        line = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and line.startswith("token ")
        token = line.split()[1]
        assert f'curl -H "Authorization: Bearer {token}" {url}/stats' in line
        assert requests.get(f"{url}/stats", headers=_auth(token), timeout=10).json()["requests"] == 0
        assert requests.get(f"{url}/stats", timeout=10).status_code == 401
    finally:
        proc.terminate()
        proc.wait(10)
        assert proc.stderr.read() == ""  # nothing but its URL and token: no warning
        proc.stdout.close()
        proc.stderr.close()


def test_a_server_handed_a_bad_token_says_so_and_exits():
    result = subprocess.run(
        [sys.executable, "-m", "helpers.server", "--token-from-stdin"],
        input="short\n", capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert result.returncode == 2 and "token must be at least 16 visible ASCII characters" in result.stderr


@linux_only
def test_the_stats_name_the_owner(own):
    import pwd

    me = os.getuid()
    assert own.stats()["owner"] == f"{pwd.getpwuid(me).pw_name} (uid {me})"


# --- the kernel names a connection's owner (Linux) ------------------------------------------------


@linux_only
def test_peer_uid_names_this_process_user_and_nothing_for_no_connection():
    assert peers.supported()
    with socket.create_server(("127.0.0.1", 0)) as server:
        with socket.create_connection(server.getsockname()) as client:
            accepted, peer = server.accept()
            with accepted:
                assert peer == client.getsockname()
                assert peers.peer_uid(accepted.getsockname(), peer) == os.getuid()
                assert peers.peer_uid(accepted.getsockname(), (peer[0], 1)) is None  # no such socket
    assert peers.peer_uid(("127.0.0.1", 1), ("not an address", 2)) is None


# --- another user's requests: served, counted apart ----------------------------------------------


@contextlib.contextmanager
def _owned_by_someone_else(**config):
    """A lab server in a thread of this process whose owner is a uid that is not ours: every
    request from here is another user's. Yields (url, token, its Counters)."""
    made: list = []

    class Recorded(lab_server.Counters):
        def __init__(self, owner_uid=None):
            super().__init__(owner_uid)
            made.append(self)

    urls: queue.Queue = queue.Queue()
    loop_and_stop: queue.Queue = queue.Queue()
    token = "someone-elses-token-0123456789"

    async def run():
        stop = asyncio.Event()
        loop_and_stop.put((asyncio.get_running_loop(), stop))
        await lab_server.serve(LabConfig(**config), urls.put, stop, token=token, owner_uid=os.getuid() + 4242)

    original = lab_server.Counters
    lab_server.Counters = Recorded
    thread = threading.Thread(target=asyncio.run, args=(run(),), daemon=True)
    thread.start()
    try:
        url = urls.get(timeout=10)
    finally:
        lab_server.Counters = original
    loop, stop = loop_and_stop.get(timeout=10)
    try:
        yield url, token, made[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)


@linux_only
def test_another_users_requests_are_served_but_not_counted():
    with _owned_by_someone_else(rate_limit=5) as (url, token, counters), requests.Session() as session:
        answers = [session.get(f"{url}/get?i={i}", timeout=10) for i in range(20)]
        assert all(
            a.status_code == 200 for a in answers
        )  # under FOREIGN_RATE_LIMIT; the owner's 5/s untouched
        assert (counters.requests, counters.peak_in_flight, counters.connections, counters.accepted) == (
            0,
            0,
            0,
            0,
        )
        assert (counters.rate_limited, counters.peak_per_second) == (0, 0)
        assert (counters.foreign_requests, counters.foreign_connections) == (20, 1)
        assert counters.foreign_uids == {os.getuid()}


@linux_only
def test_another_users_flood_is_refused_past_its_own_limit():
    with _owned_by_someone_else() as (url, token, counters):
        sent = []  # (when, status)
        with requests.Session() as session:
            for i in range(FOREIGN_RATE_LIMIT + 30):
                answer = session.get(f"{url}/get?i={i}", timeout=10)
                sent.append((time.monotonic(), answer.status_code))
                if answer.status_code == 429:
                    assert "belongs to another user" in answer.text
                    assert answer.headers["Connection"] == "close"  # a flood connects again
        codes = [code for _, code in sent]
        assert codes[:FOREIGN_RATE_LIMIT] == [200] * FOREIGN_RATE_LIMIT and 429 in codes
        for when, _ in sent:  # never more than the limit served within one second
            served = sum(1 for t, c in sent if c == 200 and when - 1.0 < t <= when)
            assert served <= FOREIGN_RATE_LIMIT
        assert counters.foreign_refused == codes.count(429) and counters.requests == 0


@linux_only
def test_another_user_cannot_hold_more_than_a_few_connections_open():
    with _owned_by_someone_else() as (url, token, counters):
        host, port = url.removeprefix("http://").split(":")
        held = [socket.create_connection((host, int(port)), timeout=5) for _ in range(FOREIGN_MAX_OPEN + 4)]
        try:
            closed = 0
            for sock in held:
                sock.sendall(b"GET /get HTTP/1.1\r\nHost: lab\r\n\r\n")
                try:
                    closed += sock.recv(1024) == b""
                except ConnectionResetError:
                    closed += 1
            assert closed == 4
            assert counters.foreign_connections == FOREIGN_MAX_OPEN + 4 and counters.foreign_refused == 4
        finally:
            for sock in held:
                sock.close()


@linux_only
def test_the_right_token_from_another_users_process_is_refused():
    with _owned_by_someone_else() as (url, token, counters):
        for method, path in (("GET", "/stats"), ("POST", "/stats/reset")):
            answer = requests.request(method, f"{url}{path}", headers=_auth(token), timeout=10)
            assert answer.status_code == 403
            assert "the token is right, but this request comes from a process of" in answer.text
            assert f"uid {os.getuid() + 4242}" in answer.text
        assert counters.control_refused == 2


def test_the_checks_do_not_judge_time_while_another_user_sent_requests():
    stats = {
        "loop_lag_max": 0.0,
        "foreign_requests": 120,
        "foreign_connections": 3,
        "foreign_users": ["b (uid 7)"],
    }
    assert checks.starved(stats) and not checks.starved(
        {**stats, "foreign_requests": 0, "foreign_connections": 0}
    )
    fb = checks.Feedback("t").ok("all 100 answers, in order")
    assert checks.check_time(fb, 9.0, 1.0, stall=stats)
    assert fb.status == "passed"
    assert "not judged: another user's processes (b (uid 7)) opened 3 connections and sent 120" in fb.text
    fb = checks.Feedback("t")
    assert not checks.check_time(
        fb, 9.0, 1.0, stall={**stats, "foreign_requests": 0, "foreign_connections": 0}
    )
    assert "Another user's processes (b (uid 7)) sent 120 requests on 3 connections" in foreign_note(stats)


def test_stats_say_once_per_cell_that_another_user_talked_to_the_server(capsys, monkeypatch):
    server = LabServer.__new__(LabServer)
    stats = {"foreign_requests": 2, "foreign_connections": 1, "foreign_users": ["b (uid 7)"]}
    monkeypatch.setattr(LabServer, "_call", lambda self, method, path: stats)
    assert server.stats() is stats
    assert "sent 2 requests on 1 connection to this lab server" in capsys.readouterr().out
    server.stats(note=False)
    assert capsys.readouterr().out == ""
