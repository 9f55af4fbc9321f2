"""Two students on one machine, as on a hub: B cannot read or reset A's lab counters, and B's
flood of A's lab server changes neither A's counts nor A's verdicts.

Both are real Unix users made here, running the classroom's shared environment. Student A starts
a lab server and runs two of notebook 04's checks with the reference solutions; meanwhile student
B floods A's ``/get`` from 8 threads (at most 16 connections are kept; past 50 requests a second
B gets 429 and must connect again) and keeps asking for A's ``/stats`` and ``/stats/reset`` without
a token, with a wrong one, and with A's own token (as if it had leaked: the test hands it over).
"""

from __future__ import annotations

import inspect
import json
import select
import textwrap
import time

import pytest

from helpers import checks
from tests.classroom.users import UnixUser

pytestmark = [pytest.mark.classroom, pytest.mark.timeout(240)]

SOLUTIONS = "\n\n".join(
    inspect.getsource(checks.load_solution("04", name)[name]) for name in ("download_many", "download_rounds")
)

STUDENT_A = """
import asyncio, json, sys

import aiohttp

from helpers.exercises import nb04 as check
from helpers.lab import start_server

{solutions}

server = start_server(latency=check.LATENCY)  # the server the checks use (the same configuration)
print(json.dumps({{"url": server.url, "token": server.token, "pid": server.pid}}), flush=True)
sys.stdin.readline()  # B floods from now on
verdicts = []
for _ in range(2):
    for fb in (
        asyncio.run(check.download_many(download_many, 3, 100)),
        asyncio.run(check.download_rounds(download_rounds)),
    ):
        verdicts.append({{"title": fb.title, "status": fb.status, "text": fb.text}})
print(json.dumps({{"verdicts": verdicts, "stats": server.stats(note=False)}}), flush=True)
sys.stdin.read()
"""

STUDENT_B = """
import http.client, json, sys, threading, time, urllib.parse

url, leaked = sys.argv[1], sys.argv[2]
port = urllib.parse.urlsplit(url).port
stop = threading.Event()
codes, asks = {}, []

def flood():
    connection = None
    while not stop.is_set():
        try:
            if connection is None:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", "/get?from=neighbour")
            response = connection.getresponse()
            response.read()
            codes[response.status] = codes.get(response.status, 0) + 1
            if response.will_close:
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as exc:
            codes[type(exc).__name__] = codes.get(type(exc).__name__, 0) + 1
            connection = None

def ask(method, path, token):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, headers={"Authorization": f"Bearer {token}"} if token else {})
    response = connection.getresponse()
    body = response.read().decode()
    connection.close()
    kind = "leaked" if token == leaked else "wrong" if token else "none"
    return {"method": method, "path": path, "token": kind, "status": response.status, "body": body}

def pester():
    while not stop.is_set():
        for token in (None, "x" * 43, leaked):
            asks.append(ask("POST", "/stats/reset", token))
            asks.append(ask("GET", "/stats", token))
        time.sleep(0.05)

threads = [threading.Thread(target=flood) for _ in range(8)] + [threading.Thread(target=pester)]
for thread in threads:
    thread.start()
time.sleep(0.5)
print("flooding", flush=True)
sys.stdin.read()  # until the test closes it
stop.set()
for thread in threads:
    thread.join()
print(json.dumps({"codes": codes, "asks": asks}), flush=True)
"""


def _line(process, timeout: float) -> str:
    """The next line ``process`` prints, within ``timeout`` seconds (its stderr if it died)."""
    ready, _, _ = select.select([process.stdout], [], [], timeout)
    line = process.stdout.readline() if ready else ""
    if not line:
        process.kill()
        raise AssertionError(f"no line within {timeout} s; stderr:\n{process.stderr.read()[-3000:]}")
    return line


@pytest.fixture
def students(layout):
    made = [UnixUser(layout, prefix="a"), UnixUser(layout, prefix="b")]
    yield made
    for user in made:
        user.close()


def test_a_neighbour_can_neither_read_nor_reset_nor_skew_a_students_lab_counters(layout, students):
    a, b = students
    python = str(layout.bin("python"))
    with a.popen(python, "-c", STUDENT_A.format(solutions=SOLUTIONS)) as student_a:
        try:
            started = json.loads(_line(student_a, 60))
            with b.popen(
                python, "-c", textwrap.dedent(STUDENT_B), started["url"], started["token"]
            ) as student_b:
                try:
                    assert _line(student_b, 30).strip() == "flooding"
                    began = time.monotonic()
                    student_a.stdin.write("go\n")
                    student_a.stdin.flush()
                    result = json.loads(_line(student_a, 180))
                    took = time.monotonic() - began
                    student_b.stdin.close()
                    flood = json.loads(_line(student_b, 60))
                finally:
                    student_b.kill()
        finally:
            student_a.stdin.close()
            student_a.wait(30)

    # A's verdicts: every check ✓ while B flooded and pestered (time claims may say "not judged").
    for verdict in result["verdicts"]:
        assert verdict["status"] == "passed", verdict
        assert "✗" not in verdict["text"]
    texts = "\n".join(v["text"] for v in result["verdicts"])
    assert texts.count("the server saw a peak of 100") == 2  # B's requests in flight not among them
    assert texts.count("the server saw 300 requests: 3 rounds × 100 URLs") == 2  # nor B's requests
    assert texts.count("10 URLs × 6 rounds: at most 10 requests in flight") == 2
    stats = result["stats"]
    assert stats["owner"] == f"{a.name} (uid {a.uid})"
    assert stats["requests"] == 60  # the last run's own (10 URLs × 6 rounds), B's not among them
    assert stats["foreign_users"] == [f"{b.name} (uid {b.uid})"]
    assert stats["foreign_requests"] > 100 and stats["foreign_refused"] > 0

    # B: served, within the neighbours' limit; every ask for A's counters refused, none counted.
    codes = flood["codes"]
    assert codes.get("200", 0) > 0 and codes.get("429", 0) > 0, codes
    assert codes["200"] <= 50 * (took + 5), codes  # FOREIGN_RATE_LIMIT a second, at most
    asks = flood["asks"]
    assert asks, "B asked for A's counters"
    for ask in asks:
        assert '"requests"' not in ask["body"], ask  # no counter ever reached B
        if ask["token"] == "none":
            assert ask["status"] == 401 and "Authorization: Bearer <token>" in ask["body"], ask
        elif ask["token"] == "wrong":
            assert ask["status"] == 403 and "not this lab server's token" in ask["body"], ask
        else:
            assert ask["status"] == 403, ask
            assert f"the token is right, but this request comes from a process of {b.name}" in ask["body"], (
                ask
            )
    assert {ask["token"] for ask in asks} == {"none", "wrong", "leaked"}
    print(
        f"A's 4 checks passed in {took:.1f} s while B sent {sum(v for v in codes.values())} requests "
        f"({codes}) and {len(asks)} asks for A's counters, all refused"
    )
