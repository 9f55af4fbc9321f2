"""The checkers of notebook 12's exercises: the reference passes, the starter is "not started",
and the mistakes a student would make fail with the right message. The tasks run on the compact
copy of the notebook's tiny loop in helpers.exercises.nb12."""

from __future__ import annotations

import socket
import time

import pytest

from helpers import checks
from helpers.exercises import nb12 as check
from helpers.exercises.nb12 import EventLoop, Trap, fetch, lab_address, read_all, sleep
from helpers.lab import start_server


@pytest.fixture(autouse=True)
def lab():
    """The notebook's lab server (another test may have left a differently configured one)."""
    return start_server(latency=check.LATENCY)


def _fails_with(fb, text):
    assert fb.status == "failed", fb
    assert any(text in failure for failure in fb.failures), fb


# ---------------------------------------------------------------- exercise 1: ticker


def starter_ticker(n, ms):
    raise NotImplementedError  # n times: print a dot, then wait ms milliseconds, the tiny loop's way


def blocking_ticker(n, ms):  # the blocking mistake: time.sleep inside a task
    for _ in range(n):
        print(".", end="")
        time.sleep(ms / 1000)
        yield


def hurried_ticker(n, ms):  # a bare yield: takes turns, but never waits
    for _ in range(n):
        print(".", end="")
        yield


def plain_ticker(n, ms):  # no yield at all: a plain function that blocks
    for _ in range(n):
        print(".", end="")
        time.sleep(ms / 1000)


def test_ticker_reference_passes():
    fb = check.ticker(checks.load_solution("12", "ticker")["ticker"], EventLoop)
    assert fb.status == "passed", fb
    assert "while the 20 requests were in flight" in fb.text


def test_ticker_starter_is_not_started():
    assert check.ticker(starter_ticker, EventLoop).status == "not started"


def test_ticker_rejects_time_sleep():
    _fails_with(check.ticker(blocking_ticker, EventLoop), "it slept inside them, and the whole loop stopped")


def test_ticker_rejects_a_ticker_that_never_waits():
    _fails_with(check.ticker(hurried_ticker, EventLoop), "they should be 20 ms apart")


def test_ticker_rejects_a_plain_function():
    _fails_with(check.ticker(plain_ticker, EventLoop, n=3), "ticker(3, 20) returned NoneType, not a task")


# ---------------------------------------------------------------- exercise 2: workers


def starter_worker(queries, statuses):
    raise NotImplementedError  # until `queries` is empty: popleft, fetch, store the status


def one_query_each(queries, statuses):  # no loop
    query = queries.popleft()
    statuses[query] = yield from fetch(query)


def forgets_yield_from(queries, statuses):
    while queries:
        query = queries.popleft()
        statuses[query] = fetch(query)  # creates the task, never runs it
        yield


def never_pops(queries, statuses):  # every worker fetches every query
    for query in queries:
        statuses[query] = yield from fetch(query)


def peeks_forever(queries, statuses):  # looks at the first query but never takes it
    while queries:
        statuses[queries[0]] = yield from fetch(queries[0])


def test_workers_reference_passes():
    ns = checks.load_solution("12", "workers")
    fb = check.workers(ns["worker"], EventLoop, predicted=ns["PREDICTED"])
    assert fb.status == "passed", fb
    assert "the server saw a peak of 10" in fb.text


def test_workers_starter_is_not_started():
    assert check.workers(starter_worker, EventLoop).status == "not started"


def test_workers_rejects_a_worker_without_a_loop():
    fb = check.workers(one_query_each, EventLoop, n=30)
    _fails_with(fb, "30 queries: 10 of 30 answered (first missing: ?10)")
    _fails_with(fb, "20 queries were still in the deque at the end")


def test_workers_rejects_a_forgotten_yield_from():
    _fails_with(check.workers(forgets_yield_from, EventLoop, n=30), "statuses[0] is a generator")


def test_workers_rejects_fetching_queries_twice():
    _fails_with(
        check.workers(never_pops, EventLoop, n=10, limit=5), "the server saw 50 requests for 10 queries"
    )


def test_workers_stops_workers_that_never_end():
    fb = check.workers(peeks_forever, EventLoop, n=2, limit=2)
    _fails_with(fb, "2 workers on your EventLoop did not finish within")


def test_workers_rejects_a_wrong_prediction():
    ns = checks.load_solution("12", "workers")
    fb = check.workers(ns["worker"], EventLoop, n=20, limit=10, predicted=20 * check.LATENCY)
    _fails_with(fb, "you predicted 2.00 s, but it took")


# ---------------------------------------------------------------- exercise 3: fetch_async


async def starter_read_all_async(sock):
    raise NotImplementedError  # read_all, with await Trap("read", sock)


async def starter_fetch_async(i):
    raise NotImplementedError  # fetch, with await Trap(...) and await read_all_async(sock)


async def yields_in_async_def(i):  # a `yield` inside async def: an async generator
    yield ("read", None)


async def blocking_fetch(i):  # async def, but blocking sockets: nothing is awaited
    host, port = lab_address()
    with socket.create_connection((host, port)) as sock:
        sock.sendall(f"GET /get?{i} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    return int(response.split()[1])


async def awaits_a_generator(i):  # read_all left as a generator
    host, port = lab_address()
    with socket.socket() as sock:
        sock.setblocking(False)
        sock.connect_ex((host, port))
        await Trap("write", sock)
        sock.send(f"GET /get?{i} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n".encode())
        response = await read_all(sock)
    return int(response.split()[1])


def test_fetch_async_reference_passes():
    fb = check.fetch_async(checks.load_solution("12", "fetch_async")["fetch_async"], EventLoop)
    assert fb.status == "passed", fb
    assert "100 of the 100 requests in flight at once" in fb.text


def test_fetch_async_starter_is_not_started():
    assert check.fetch_async(starter_fetch_async, EventLoop).status == "not started"


def test_fetch_async_rejects_an_async_generator_and_a_generator():
    _fails_with(check.fetch_async(yields_in_async_def, EventLoop), "fetch_async is an async generator")
    _fails_with(
        check.fetch_async(fetch, EventLoop), "fetch_async is not an async def (it is a generator function)"
    )


def test_fetch_async_rejects_blocking_sockets():
    fb = check.fetch_async(blocking_fetch, EventLoop, n=8)
    _fails_with(fb, "8 of the 8 fetch_async calls handed no trap to the loop")
    _fails_with(fb, "the server saw at most 1 of the 8 requests in flight at once")


def test_fetch_async_rejects_awaiting_a_generator():
    fb = check.fetch_async(awaits_a_generator, EventLoop, n=5)
    # Python's own words differ by version ("object generator can't be used in 'await' expression"
    # up to 3.13, "'generator' object can't be awaited" from 3.14): what matters is the TypeError
    # about awaiting a generator, passed on to the learner.
    _fails_with(fb, "TypeError: ")
    assert any("generator" in failure and "await" in failure for failure in fb.failures), fb


def test_the_compact_loop_runs_sleeps_and_fetches():
    def napper(ms):
        yield from sleep(ms / 1000)
        return ms

    naps, get = napper(20), fetch(0)
    tiny = EventLoop(naps, get)
    tiny.run()
    assert tiny.results == {naps: 20, get: 200}


# ---------------------------------------------------------------- a server without counters


def test_ticker_remote_verdict(remote):
    fb = check.ticker(checks.load_solution("12", "ticker")["ticker"], EventLoop)
    assert fb.status == "passed", fb
    assert "requests in flight: not measurable" in fb.text
    _fails_with(check.ticker(blocking_ticker, EventLoop), "it slept inside them, and the whole loop stopped")


def test_workers_remote_verdict(remote):
    ns = checks.load_solution("12", "workers")
    fb = check.workers(ns["worker"], EventLoop, predicted=ns["PREDICTED"])
    assert fb.status == "passed", fb
    assert "not measurable" in fb.text and "round trips" in fb.text
    sequential = 100 * start_server(latency=0.1).latency  # one after another: not what 10 workers do
    fb = check.workers(ns["worker"], EventLoop, predicted=sequential)
    assert fb.status == "failed" and any("× off" in f for f in fb.failures), fb
    fb = check.workers(never_pops, EventLoop, n=10, limit=5)  # every worker fetches every query
    _fails_with(fb, "10 queries were still in the deque at the end")


def test_fetch_async_remote_verdict(remote):
    fb = check.fetch_async(checks.load_solution("12", "fetch_async")["fetch_async"], EventLoop)
    assert fb.status == "passed", fb
    assert "requests in flight: not measurable" in fb.text
    _fails_with(
        check.fetch_async(blocking_fetch, EventLoop, n=8), "8 of the 8 fetch_async calls handed no trap"
    )


def test_lab_address_is_the_remote_server(remote):
    assert lab_address() == ("127.0.0.1", int(remote.url.rsplit(":", 1)[1]))
