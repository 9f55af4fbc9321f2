"""Notebook 16's checkers: the reference solutions pass, the untouched starters are "not started",
and the mistakes a learner would make fail with the right message."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import aiohttp
import httpx
import nbformat
import requests

from helpers import checks, start_server
from helpers.exercises import nb16 as check
from tests.notebook_run import NOTEBOOKS

NOTEBOOK = NOTEBOOKS / "16_showdown.ipynb"


def _starter(k: int) -> dict:
    """The k-th exercise's starter cell (0-based), untouched, run with the notebook's imports."""
    cells = nbformat.read(NOTEBOOK, as_version=4).cells
    source = [c for c in cells if "exercise" in c.metadata.get("tags", [])][k].source
    namespace = {"asyncio": asyncio, "aiohttp": aiohttp, "httpx": httpx, "start_server": start_server}
    exec(compile(source, "<cell>", "exec"), namespace)
    return namespace


def _failures(fb) -> str:
    assert fb.status == "failed", fb
    return "\n".join(fb.failures)


# --- exercise 1: pool_of_20 ----------------------------------------------------------------------


def test_pool_of_20_accepts_the_solution():
    fb = check.pool_of_20(checks.load_solution("16", "pool_of_20")["pool_of_20"])
    assert fb.status == "passed", fb
    assert "the server saw a peak of 20" in fb.text


def test_pool_of_20_says_not_started_on_the_starter():
    fb = check.pool_of_20(_starter(0)["pool_of_20"])
    assert fb.status == "not started", fb


def test_pool_of_20_rejects_the_default_pool_size():
    def default_pool(url, n):  # max_workers forgotten: min(32, CPUs + 4) threads
        with ThreadPoolExecutor() as pool:
            return list(pool.map(lambda i: requests.get(f"{url}/get?{i}", timeout=10).json(), range(n)))

    failures = _failures(check.pool_of_20(default_pool))
    assert "requests were in flight at once: the limit of 20 was never used fully" in failures


def test_pool_of_20_rejects_status_codes_for_answers():
    def statuses(url, n):
        with ThreadPoolExecutor(20) as pool:
            return list(pool.map(lambda i: requests.get(f"{url}/get?{i}", timeout=10).status_code, range(n)))

    assert "answer 0 is not the lab server's JSON" in _failures(check.pool_of_20(statuses))


# --- exercise 2: aiohttp_500 ---------------------------------------------------------------------


async def _gather(session, url, n):
    async def fetch(i):
        async with session.get(f"{url}/get?{i}") as response:
            return await response.json()

    return await asyncio.gather(*(fetch(i) for i in range(n)))


def test_aiohttp_500_accepts_the_solution():
    fb = asyncio.run(check.aiohttp_500(checks.load_solution("16", "aiohttp_500")["aiohttp_500"]))
    assert fb.status == "passed", fb
    assert "more than the default connector's 100" in fb.text


def test_aiohttp_500_says_not_started_on_the_starter():
    fb = asyncio.run(check.aiohttp_500(_starter(1)["aiohttp_500"]))
    assert fb.status == "not started", fb


def test_aiohttp_500_rejects_the_default_connector():
    async def default_connector(url, n):
        async with aiohttp.ClientSession() as session:
            return await _gather(session, url, n)

    failures = _failures(asyncio.run(check.aiohttp_500(default_connector)))
    assert "the default connector's limit is 100" in failures


def test_aiohttp_500_rejects_a_session_per_request():
    async def session_per_request(url, n):
        async def fetch(i):
            async with aiohttp.ClientSession() as session, session.get(f"{url}/get?{i}") as response:
                return await response.json()

        return await asyncio.gather(*(fetch(i) for i in range(n)))

    failures = _failures(asyncio.run(check.aiohttp_500(session_per_request)))
    assert "1000 TCP connections carried the requests; expected at most 500" in failures


# --- exercise 3: make_client ---------------------------------------------------------------------


def test_make_client_accepts_the_solution():
    fb = asyncio.run(check.make_client(checks.load_solution("16", "make_client")["make_client"]))
    assert fb.status == "passed", fb
    assert "the client kept all 100 of its TCP connections open" in fb.text
    assert "with the default one" in fb.text  # both times are reported


def test_make_client_says_not_started_on_the_starter():
    fb = asyncio.run(check.make_client(_starter(2)["make_client"]))
    assert fb.status == "not started", fb


def test_make_client_rejects_keeping_only_20_connections():
    def defaults_spelled_out():
        return httpx.AsyncClient(limits=httpx.Limits(max_connections=100, max_keepalive_connections=20))

    failures = _failures(asyncio.run(check.make_client(defaults_spelled_out)))
    assert "the client kept 20 of its 100 TCP connections: it had closed 80" in failures


def test_make_client_rejects_returning_the_limits():
    def limits_only():
        return httpx.Limits(max_keepalive_connections=100)

    assert "not an httpx.AsyncClient" in _failures(asyncio.run(check.make_client(limits_only)))


# --- a server without counters (COURSE_BASE_URL) --------------------------------------------------


def test_pool_of_20_remote_verdict(remote):
    fb = check.pool_of_20(checks.load_solution("16", "pool_of_20")["pool_of_20"])
    assert fb.status == "passed", fb
    assert "requests in flight: not measurable" in fb.text and "5 round trips" in fb.text

    def backwards(url, n):
        with ThreadPoolExecutor(20) as pool:
            return list(pool.map(lambda i: requests.get(f"{url}/get?{i}", timeout=10).json(), range(n)))[::-1]

    assert "order" in _failures(check.pool_of_20(backwards))


def test_aiohttp_500_remote_verdict(remote):
    fb = asyncio.run(check.aiohttp_500(checks.load_solution("16", "aiohttp_500")["aiohttp_500"]))
    assert fb.status == "passed", fb
    assert "not measurable" in fb.text and "counted at this end" in fb.text

    async def default_connector(url, n):  # the default limit: 100 connections
        async with aiohttp.ClientSession() as session:

            async def one(i):
                async with session.get(f"{url}/get?{i}") as response:
                    return await response.json()

            return await asyncio.gather(*(one(i) for i in range(n)))

    assert "the default connector's limit is 100" in _failures(
        asyncio.run(check.aiohttp_500(default_connector))
    )


def test_make_client_remote_verdict(remote):
    fb = asyncio.run(check.make_client(checks.load_solution("16", "make_client")["make_client"]))
    assert fb.status == "passed", fb
    assert "not measurable" in fb.text and "kept all 100" in fb.text
    fb = asyncio.run(check.make_client(httpx.AsyncClient))  # the default limits: keeps 20
    assert "the client kept 20 of its 100 TCP connections" in _failures(fb)


# ---------------------------------------------------------------- exercise 4: run_on_loop


def test_run_on_loop_accepts_the_solution():
    fb = check.run_on_loop(checks.load_solution("16", "run_on_loop")["run_on_loop"])
    assert fb.status == "passed", fb
    assert "loop class of the check's own: main ran on a _CheckLoop" in fb.text, fb
    assert "the loop was closed when run_on_loop returned" in fb.text, fb


def test_run_on_loop_says_not_started_on_the_starter():
    def run_on_loop(main, urls, loop_factory):
        """main(urls) on a new loop from loop_factory, from a thread that may run a loop already."""
        ...

    assert check.run_on_loop(run_on_loop).status == "not started"


def test_run_on_loop_rejects_asyncio_run_where_a_loop_runs():
    def run_on_loop(main, urls, loop_factory):
        return asyncio.run(main(urls))  # refused: a loop runs in this thread

    fb = check.run_on_loop(run_on_loop)
    assert fb.status == "failed" and "running event loop" in _failures(fb), fb
    assert "worker thread" in fb.text, fb


def test_run_on_loop_rejects_a_factory_left_unused():
    def run_on_loop(main, urls, loop_factory):
        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, main(urls)).result()  # asyncio's loop, whatever was asked

    fb = check.run_on_loop(run_on_loop)
    assert fb.status == "failed" and "not the factory's" in _failures(fb), fb


def test_run_on_loop_rejects_a_loop_left_open():
    def run_on_loop(main, urls, loop_factory):
        def in_a_thread():
            loop = (loop_factory or asyncio.new_event_loop)()
            return loop.run_until_complete(main(urls))  # never closed

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(in_a_thread).result()

    fb = check.run_on_loop(run_on_loop)
    assert fb.status == "failed" and "still open" in _failures(fb), fb
