"""The course benchmark: every approach to "100 GETs", side by side, against the lab server.

    python -m helpers.bench                       # defaults: N=100, latency 0.1 s, 5 repeats
    python -m helpers.bench --json build/bench.json
    python -m helpers.bench --quick               # a tiny configuration, to check that it works
    python -m helpers.bench --no-uvloop           # the standard event loop only

What it measures, in one process, against a freshly started lab server (in its
own process):

1. **Time for N GETs** at the lab latency — sequential (one ``requests.Session``),
   threads + queue (100 workers, started per run, as the seed did), a
   ``ThreadPoolExecutor(100)``, and asyncio + aiohttp (one shared
   ``ClientSession``): the median of ``repeats`` counted runs after warm-up,
   and its ratio to the physical limit (one round trip = the latency).
   Where uvloop is installed, asyncio + aiohttp runs on it too (``asyncio_uvloop``):
   each loop in its own ``asyncio.Runner(loop_factory=...)``, the two taking turns.
2. **Throughput** at ``--throughput-n`` requests and zero latency: thread pool
   vs asyncio (and asyncio on uvloop), in requests per second, the median of 3
   runs (best concurrency for each: 100). Where uvloop is installed, this lab
   server runs on it too, so that the server is not what limits the clients.
3. **Memory per idle unit**: the RSS growth of a fresh Python process per idle
   thread and per idle asyncio task, with ``--memory-units`` of each (10,000; on
   macOS 2,000, since it caps a process's threads at a few thousand).

Clients keep their state across repeats (sessions, pools, kept-alive
connections), as a real program would; the warm-up run opens the connections.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import inspect
import json
import platform
import queue
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import requests

from helpers._validate import check_argv, check_bool, check_int, check_mapping, cli_int, cli_number, got
from helpers.lab import LabServer
from helpers.memory import rss_bytes
from helpers.server import MAX_LATENCY_S, LabConfig
from helpers.timing import Timing, format_seconds

APPROACHES = ("sequential", "threads_queue", "thread_pool", "asyncio")
UVLOOP = "asyncio_uvloop"  # asyncio + aiohttp on uvloop: measured beside "asyncio" where uvloop is installed
THROUGHPUT_REPEATS = 3  # runs of throughput_n requests per client (the median counts)
WORKERS = 100


def default_memory_units() -> int:
    """Idle threads (and tasks) the memory measurement starts: 10,000, or 2,000 on macOS.

    macOS caps the threads of one process at a few thousand (``kern.num_taskthreads``),
    so 10,000 idle threads would fail to start there ("can't start new thread").
    """
    return 2_000 if sys.platform == "darwin" else 10_000


# Targets on the course's reference machine (2 cores); see the README's benchmark section.
TARGETS = {
    "asyncio": 1.25,  # x the one-round-trip limit, at most
    "thread_pool": 2.0,
    "threads_queue": 2.0,
    "sequential_min": 0.9,  # x N x latency, at least (the simulated latency is real)
    "asyncio_rps": 6000,  # requests per second at 10,000 requests, at least
    "task_kib": 2.0,  # RSS per idle task, at most
}


# --- the approaches (the notebooks teach them; here they are the same code, side by side) ----
# Notebook 16 prints them from this file (inspect.getsource): keep each one as short as a slide.
# ``@checked`` only refuses bad arguments before any request; the lesson is in the bodies.

# Each approach returns one outcome per GET, in query order: the status code, or the name of the
# exception that ended it (a dropped connection, say). None marks a request that never ended.
Outcome = int | str | None


def checked(session: type | None = None) -> Callable:
    """Decorate an approach: refuse a bad ``url``, ``n``, ``workers`` (and ``session``, when its type
    is given) with a clear message before any request is sent. Not part of the lesson."""

    def decorate(func: Callable) -> Callable:
        signature = inspect.signature(func)

        def check(args: tuple, kwargs: dict) -> None:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            given = bound.arguments
            _check_url_n(given["url"], given["n"], given.get("workers", 1))
            if session is not None and not isinstance(given["session"], session):
                name = f"{session.__module__.split('.')[0]}.{session.__qualname__}"
                article = "an" if name[0] in "aeiou" else "a"
                raise TypeError(f"session must be {article} {name}, got {got(given['session'])}")

        if inspect.iscoroutinefunction(func):

            @functools.wraps(func)
            async def checked_coroutine(*args, **kwargs):
                check(args, kwargs)
                return await func(*args, **kwargs)

            return checked_coroutine

        @functools.wraps(func)
        def checked_function(*args, **kwargs):
            check(args, kwargs)
            return func(*args, **kwargs)

        return checked_function

    return decorate


def status_of(session, url):
    """One GET on a requests.Session: its status code, or the name of the error that ended it."""
    try:
        return session.get(url).status_code
    except requests.RequestException as exc:
        return type(exc).__name__


@checked(session=requests.Session)
def sequential(url, n, session):
    return [status_of(session, f"{url}/get?{i}") for i in range(n)]


@checked()
def threads_queue(url, n, workers=WORKERS):
    """The seed's Solution 1, corrected: workers stop on a sentinel, results are kept in order."""
    todo = queue.Queue()
    results = [None] * n

    def work():
        with requests.Session() as session:
            while (i := todo.get()) is not None:
                results[i] = status_of(session, f"{url}/get?{i}")

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for i in range(n):
        todo.put(i)
    for _ in threads:
        todo.put(None)  # one sentinel per worker, after all the work
    for thread in threads:
        thread.join()
    return results


class ThreadPool:
    """A ThreadPoolExecutor whose threads each keep one requests.Session (and its connection)."""

    def __init__(self, workers=WORKERS):
        check_int("workers", workers, minimum=1)
        self.executor = ThreadPoolExecutor(workers)
        self.local = threading.local()  # each thread sees its own attributes
        self.sessions = []  # every thread's session, to close them at the end

    def get(self, url):
        if not hasattr(self.local, "session"):  # this thread's first GET
            self.local.session = requests.Session()
            self.sessions.append(self.local.session)  # list.append is thread-safe
        return status_of(self.local.session, url)

    @checked()
    def run(self, url, n):
        return list(self.executor.map(self.get, (f"{url}/get?{i}" for i in range(n))))

    def close(self):
        self.executor.shutdown()
        for session in self.sessions:
            session.close()


@checked(session=aiohttp.ClientSession)
async def asyncio_gather(url, n, session):
    async def fetch(i):
        try:
            async with session.get(f"{url}/get?{i}") as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            return type(exc).__name__

    return await asyncio.gather(*(fetch(i) for i in range(n)))


def account(outcomes: list[Outcome], n: int) -> Counter:
    """Count the outcomes of one run of ``n`` GETs; raise RuntimeError if any request was lost.

    A request is lost when its slot is missing (fewer than ``n`` outcomes) or still None.
    Returns e.g. ``Counter({200: 77, 503: 19, "ConnectionError": 4})``.
    """
    check_int("n", n, minimum=1)
    if not isinstance(outcomes, list):
        raise TypeError(f"outcomes must be the list an approach returned, got {got(outcomes)}")
    lost = [i for i, outcome in enumerate(outcomes) if outcome is None]
    if len(outcomes) != n or lost:
        raise RuntimeError(f"{len(outcomes)} outcomes for {n} requests; never ended: {lost[:10]}")
    return Counter(outcomes)


def run_once(approach: str, url: str, n: int) -> list[Outcome]:
    """One run of ``approach`` (one of APPROACHES) with fresh clients: one outcome per GET, in order."""
    if approach not in APPROACHES:
        raise ValueError(f"approach must be one of {', '.join(APPROACHES)}, got {got(approach)}")
    _check_url_n(url, n)
    if approach == "sequential":
        with requests.Session() as session:
            return sequential(url, n, session)
    if approach == "threads_queue":
        return threads_queue(url, n)
    if approach == "thread_pool":
        pool = ThreadPool()
        try:
            return pool.run(url, n)
        finally:
            pool.close()

    async def with_asyncio() -> list[Outcome]:
        async with aiohttp.ClientSession() as session:
            return await asyncio_gather(url, n, session)

    return asyncio.run(with_asyncio())


# --- measuring --------------------------------------------------------------------------------


@dataclass
class Progress:
    """A tqdm bar on stderr when ``enabled`` (and tqdm is installed), else nothing."""

    total: int
    enabled: bool = True

    def __post_init__(self) -> None:
        check_int("total", self.total, minimum=0)
        check_bool("enabled", self.enabled)
        self._bar = None
        if self.enabled:
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, unit="run", file=sys.stderr, leave=False)

    def step(self, label: str) -> None:
        if self._bar is not None:
            self._bar.set_description(label)
            self._bar.update()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def _time_runs(label: str, run: Callable[[], list[int]], n: int, repeats: int, progress: Progress) -> Timing:
    samples = []
    for k in range(1 + repeats):  # one warm-up run, then the counted ones
        start = time.perf_counter()
        statuses = run()
        elapsed = time.perf_counter() - start
        if account(statuses, n) != Counter({200: n}):
            raise RuntimeError(f"{label}: expected {n} answers 200, got {dict(account(statuses, n))}")
        if k:
            samples.append(elapsed)
        progress.step(label)
    return Timing(label, tuple(samples), warmup=1)


def find_uvloop() -> tuple[Callable[[], asyncio.AbstractEventLoop] | None, str]:
    """``(uvloop.new_event_loop, its version)``, or ``(None, why not)`` where uvloop is not installed.

    uvloop is optional: requirements.txt installs it where a wheel exists (not on Windows).
    """
    try:
        import uvloop
    except ImportError:
        if sys.platform == "win32":
            return None, "uvloop does not exist for Windows"
        return None, "uvloop is not installed (pip install uvloop)"
    return uvloop.new_event_loop, uvloop.__version__


def _loops(uvloop_factory: Callable | None) -> dict[str, Callable | None]:
    """The event loops to measure asyncio + aiohttp on: the standard one, and uvloop if given."""
    loops: dict[str, Callable | None] = {"asyncio": None}  # None: asyncio's default loop
    if uvloop_factory is not None:
        if not callable(uvloop_factory):
            raise TypeError(
                f"uvloop must be a loop factory (uvloop.new_event_loop) or None, got {got(uvloop_factory)}"
            )
        loops[UVLOOP] = uvloop_factory
    return loops


def bench_latency(
    url: str, n: int, repeats: int, progress: Progress, *, uvloop: Callable | None = None
) -> dict[str, Timing]:
    """Median time for ``n`` GETs per approach (plus one warm-up run each); with ``uvloop``
    (its loop factory), asyncio + aiohttp on uvloop too, taking turns with the standard loop."""
    _check_url_n(url, n)
    check_int("repeats", repeats, minimum=1)
    _check_progress(progress)
    loops = _loops(uvloop)
    timings = {}
    with requests.Session() as session:
        timings["sequential"] = _time_runs(
            "sequential", lambda: sequential(url, n, session), n, repeats, progress
        )
    timings["threads_queue"] = _time_runs(
        "threads_queue", lambda: threads_queue(url, n), n, repeats, progress
    )
    pool = ThreadPool()
    try:
        timings["thread_pool"] = _time_runs("thread_pool", lambda: pool.run(url, n), n, repeats, progress)
    finally:
        pool.close()
    samples = _on_loops(loops, url, n, repeats, progress, warmup_n=n)
    timings.update({key: Timing(key, tuple(runs), warmup=1) for key, runs in samples.items()})
    return timings


async def _open_session() -> aiohttp.ClientSession:
    return aiohttp.ClientSession()  # made inside the loop that will use it


def _on_loops(
    loops: dict[str, Callable | None], url: str, n: int, repeats: int, progress: Progress, *, warmup_n: int
) -> dict[str, list[float]]:
    """Seconds for each of ``repeats`` runs of ``asyncio_gather(url, n)`` on each loop, after one
    uncounted run of ``warmup_n`` (it opens the connections): one ``asyncio.Runner(loop_factory=...)``
    and one session per loop, kept across runs. The loops take turns (warm-up on each, run 1 on each,
    ...), so that a busier moment of the machine hits both."""
    runners = {key: asyncio.Runner(loop_factory=factory) for key, factory in loops.items()}
    sessions: dict[str, aiohttp.ClientSession] = {}
    seconds: dict[str, list[float]] = {key: [] for key in loops}
    try:
        for key, runner in runners.items():
            sessions[key] = runner.run(_open_session())
        for k in range(1 + repeats):
            size = warmup_n if k == 0 else n
            for key, runner in runners.items():
                start = time.perf_counter()
                statuses = runner.run(asyncio_gather(url, size, sessions[key]))
                elapsed = time.perf_counter() - start
                tally = account(statuses, size)
                if tally != Counter({200: size}):
                    raise RuntimeError(f"{key}: expected {size} answers 200, got {dict(tally)}")
                if k:
                    seconds[key].append(elapsed)
                progress.step(key)
    finally:
        for key, session in sessions.items():
            runners[key].run(session.close())
        for runner in runners.values():
            runner.close()
    return seconds


def bench_throughput(
    url: str, n: int, progress: Progress, *, uvloop: Callable | None = None
) -> dict[str, float]:
    """Requests per second for ``n`` GETs at zero latency, the median of THROUGHPUT_REPEATS runs after a
    warm-up: thread pool vs asyncio (and asyncio on uvloop, given its loop factory)."""
    _check_url_n(url, n)
    _check_progress(progress)
    loops = _loops(uvloop)
    pool = ThreadPool()
    try:
        pool.run(url, 2 * WORKERS)
        seconds = []
        for _ in range(THROUGHPUT_REPEATS):
            start = time.perf_counter()
            pool.run(url, n)
            seconds.append(time.perf_counter() - start)
            progress.step("throughput: thread pool")
    finally:
        pool.close()
    rps = {"thread_pool": n / statistics.median(seconds)}
    for key, runs in _on_loops(loops, url, n, THROUGHPUT_REPEATS, progress, warmup_n=2 * WORKERS).items():
        rps[key] = n / statistics.median(runs)
    return rps


# --- memory per idle unit, each measured in a fresh process ----------------------------------


def _idle_units_rss(kind: str, units: int) -> float:
    """In this (fresh) process: RSS growth in KiB per idle thread or task."""
    if kind == "thread":
        release = threading.Event()
        threads = [threading.Thread(target=release.wait) for _ in range(units)]
        before = rss_bytes()
        for thread in threads:
            thread.start()
        after = rss_bytes()
        release.set()
        for thread in threads:
            thread.join()
        return (after - before) / units / 1024

    async def main() -> float:
        release = asyncio.Event()
        await asyncio.sleep(0)
        before = rss_bytes()
        tasks = [asyncio.create_task(release.wait()) for _ in range(units)]
        await asyncio.sleep(0)  # every task starts and blocks on the event
        after = rss_bytes()
        release.set()
        await asyncio.gather(*tasks)
        return (after - before) / units / 1024

    return asyncio.run(main())


def idle_rss_kib(kind: str, units: int = 10_000) -> float:
    """KiB of RSS that one idle ``"thread"`` or ``"task"`` adds, measured with ``units`` of them
    in a fresh Python process (so memory freed earlier in this one cannot hide the cost)."""
    if kind not in ("thread", "task"):
        raise ValueError(f"kind must be 'thread' or 'task', got {kind!r}")
    if isinstance(units, bool) or not isinstance(units, int) or units < 1:
        raise ValueError(f"units must be an int >= 1, got {units!r}")
    cmd = [sys.executable, "-m", "helpers.bench", "--_idle", kind, str(units)]
    out = subprocess.run(cmd, capture_output=True, encoding="utf-8", errors="replace", check=True)
    return float(out.stdout.strip())


def bench_memory(units: int, progress: Progress) -> dict[str, float]:
    """KiB of RSS per idle thread and per idle asyncio task, ``units`` of each."""
    check_int("units", units, minimum=1)
    _check_progress(progress)
    result = {}
    for kind in ("thread", "task"):
        result[kind] = idle_rss_kib(kind, units)
        progress.step(f"memory: {kind}")
    return result


def _check_url_n(url: object, n: object, workers: object = 1) -> None:
    allowed = "the server's address, a str starting with http:// or https://"
    if not isinstance(url, str):
        raise TypeError(f"url must be {allowed}, got {got(url)}")
    if not url.startswith(("http://", "https://")):
        raise ValueError(f"url must be {allowed}, got {got(url)}")
    check_int("n", n, minimum=1)
    check_int("workers", workers, minimum=1)


def _check_progress(progress: object) -> None:
    if not isinstance(progress, Progress):
        raise TypeError(
            f"progress must be a helpers.bench.Progress (Progress(total, enabled)), got {got(progress)}"
        )


def _check_report(report: object, *keys: str) -> None:
    check_mapping("report", report, "the dict that bench.run() returns")
    missing = [key for key in keys if key not in report]
    if missing:
        raise ValueError(f"report must be the dict that bench.run() returns; it lacks {', '.join(missing)}")


# --- the report -------------------------------------------------------------------------------


def run(
    n: int = 100,
    latency: float = 0.1,
    repeats: int = 5,
    throughput_n: int = 10_000,
    memory_units: int | None = None,
    progress: bool = True,
    uvloop: bool = True,
) -> dict:
    """Run the whole benchmark and return the JSON-ready report (see the module docstring).

    ``memory_units=None`` means :func:`default_memory_units` (this OS's). ``uvloop=True`` measures
    asyncio + aiohttp on uvloop too where it is installed (the report says why not elsewhere).
    """
    if memory_units is None:
        memory_units = default_memory_units()
    for name, value, low in (("n", n, 1), ("repeats", repeats, 1), ("throughput_n", throughput_n, 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}")
    if isinstance(memory_units, bool) or not isinstance(memory_units, int) or memory_units < 1:
        raise ValueError(f"memory_units must be an int >= 1, got {memory_units!r}")
    if isinstance(latency, bool) or not isinstance(latency, int | float) or not 0 < latency <= MAX_LATENCY_S:
        raise ValueError(
            f"latency must be a number of seconds > 0 (the limit divides by it) and <= {MAX_LATENCY_S:g}, "
            f"got {latency!r}"
        )
    if not isinstance(progress, bool):
        raise ValueError(f"progress must be True or False, got {progress!r}")
    if not isinstance(uvloop, bool):
        raise ValueError(f"uvloop must be True or False, got {uvloop!r}")
    factory, uvloop_version = find_uvloop() if uvloop else (None, "uvloop: not measured (--no-uvloop)")
    loops = len(_loops(factory))
    runs = (3 + loops) * (1 + repeats) + THROUGHPUT_REPEATS + loops * (1 + THROUGHPUT_REPEATS) + 2
    bar = Progress(total=runs, enabled=progress)
    try:
        with LabServer(LabConfig(latency=latency)) as server:
            timings = bench_latency(server.url, n, repeats, bar, uvloop=factory)
            stats = server.stats()
        # At zero latency the lab server must keep up with the fastest client: on uvloop, where
        # installed, its process spends less CPU per request (see the README's benchmark section).
        server_loop = "uvloop" if factory is not None else "asyncio"
        with LabServer(LabConfig(latency=0.0), loop=server_loop) as fast:
            throughput = bench_throughput(fast.url, throughput_n, bar, uvloop=factory)
        memory = bench_memory(memory_units, bar)
    finally:
        bar.close()
    keys = [*APPROACHES, *([UVLOOP] if factory is not None else [])]
    report = {
        "n": n,
        "latency_s": latency,
        "repeats": repeats,
        "median_s": {k: round(timings[k].median, 6) for k in keys},
        "min_s": {k: round(timings[k].min, 6) for k in keys},
        "max_s": {k: round(timings[k].max, 6) for k in keys},
        "ratio_to_limit": {k: round(timings[k].median / latency, 4) for k in keys},
        "throughput_n": throughput_n,
        "throughput_repeats": THROUGHPUT_REPEATS,
        "throughput_rps": {k: round(v, 1) for k, v in throughput.items()},
        "throughput_server_loop": server_loop,
        "uvloop": uvloop_version if factory is not None else None,
        "uvloop_speedup": None,
        "memory_units": memory_units,
        "rss_kib_per": {k: round(v, 3) for k, v in memory.items()},
        "server_requests": stats["requests"],
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    if factory is None:
        report["uvloop_missing"] = uvloop_version
    else:  # > 1: uvloop is faster; the same client, the same server, the loops taking turns
        report["uvloop_speedup"] = {
            "latency": round(timings["asyncio"].median / timings[UVLOOP].median, 4),
            "throughput": round(throughput[UVLOOP] / throughput["asyncio"], 4),
        }
    return report


def targets(report: dict) -> list[tuple[str, str, bool]]:
    """(what, measured, reached) for each target in TARGETS."""
    _check_report(report, "n", "ratio_to_limit", "throughput_n", "throughput_rps", "rss_kib_per")
    ratio, n = report["ratio_to_limit"], report["n"]
    rows = [
        (f"asyncio <= {TARGETS['asyncio']} x limit", f"{ratio['asyncio']:.2f} x", ratio["asyncio"] <= 1.25),
        (
            f"thread pool <= {TARGETS['thread_pool']} x limit",
            f"{ratio['thread_pool']:.2f} x",
            ratio["thread_pool"] <= 2.0,
        ),
        (
            f"threads + queue <= {TARGETS['threads_queue']} x limit",
            f"{ratio['threads_queue']:.2f} x",
            ratio["threads_queue"] <= 2.0,
        ),
        (
            f"sequential >= {TARGETS['sequential_min']} x N x latency",
            f"{ratio['sequential'] / n:.3f} x",
            ratio["sequential"] / n >= TARGETS["sequential_min"],
        ),
        (
            f"asyncio >= {TARGETS['asyncio_rps']:,} req/s at {report['throughput_n']:,}",
            f"{report['throughput_rps']['asyncio']:,.0f} req/s",
            report["throughput_rps"]["asyncio"] >= TARGETS["asyncio_rps"],
        ),
        (
            f"idle task <= {TARGETS['task_kib']} KiB RSS",
            f"{report['rss_kib_per']['task']:.2f} KiB",
            report["rss_kib_per"]["task"] <= TARGETS["task_kib"],
        ),
    ]
    return rows


def uvloop_line(report: dict) -> str:
    """uvloop beside the standard loop (same client, same server), or one line on why it was not measured."""
    _check_report(report, "ratio_to_limit", "throughput_rps")
    speedup = report.get("uvloop_speedup")
    if not speedup:
        return f"{report.get('uvloop_missing') or 'uvloop: not measured'}: the standard loop only"
    ratio, rps = report["ratio_to_limit"], report["throughput_rps"]
    return (
        f"uvloop {report['uvloop']} vs the standard loop (the same aiohttp client, the loops taking turns):\n"
        f"  {report['n']} GETs: {ratio[UVLOOP]:.2f} x vs {ratio['asyncio']:.2f} x the limit "
        f"(uvloop {speedup['latency']:.2f} x as fast); {report['throughput_n']:,} GETs at zero latency: "
        f"{rps[UVLOOP]:,.0f} vs {rps['asyncio']:,.0f} req/s ({speedup['throughput']:.2f} x)"
    )


def format_report(report: dict) -> str:
    """A readable table of the report, with the targets and whether each was reached."""
    _check_report(report, "n", "latency_s", "repeats", "python", "median_s", "min_s", "max_s", "memory_units")
    lines = [
        f"{report['n']} GETs, lab latency {format_seconds(report['latency_s'])}, "
        f"median of {report['repeats']} runs after a warm-up (Python {report['python']})",
        "",
        f"{'approach':<16}{'median':>10}{'min':>10}{'max':>10}{'x limit':>10}",
    ]
    for key in report["median_s"]:
        lines.append(
            f"{key:<16}{format_seconds(report['median_s'][key]):>10}{format_seconds(report['min_s'][key]):>10}"
            f"{format_seconds(report['max_s'][key]):>10}{report['ratio_to_limit'][key]:>9.2f}x"
        )
    rps, kib = report["throughput_rps"], report["rss_kib_per"]
    clients = ", ".join(f"{LABELS.get(key, key)} {value:,.0f} req/s" for key, value in rps.items())
    server = report.get("throughput_server_loop", "asyncio")
    lines += [
        "",
        f"throughput, {report['throughput_n']:,} GETs at zero latency "
        f"(median of {report.get('throughput_repeats', 1)}; lab server on {server}): {clients}",
        uvloop_line(report),
        f"memory per idle unit ({report['memory_units']:,} of each, RSS): "
        f"thread {kib['thread']:.1f} KiB, task {kib['task']:.2f} KiB",
        "",
        "targets:",
    ]
    lines += [f"  [{'x' if ok else ' '}] {what}: {measured}" for what, measured, ok in targets(report)]
    return "\n".join(lines)


LABELS = {
    "sequential": "for-loop",
    "threads_queue": "threads + queue",
    "thread_pool": "thread pool",
    "asyncio": "aiohttp",
    UVLOOP: "aiohttp + uvloop",
}


def figure(report: dict):
    """The README's headline picture: the medians of a report beside the seed's 2018 figures."""
    _check_report(report, "n", "latency_s", "median_s")
    from helpers.plots import plot_comparison
    from helpers.seed import SEED_2018

    medians = {LABELS.get(key, key): seconds for key, seconds in report["median_s"].items()}
    latency_ms = report["latency_s"] * 1000
    return plot_comparison(
        medians,
        limit=report["latency_s"],
        seed=SEED_2018,
        log=True,
        title=f"{report['n']} GETs: this machine (lab server, {latency_ms:g} ms latency) vs the seed",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m helpers.bench", description=__doc__.splitlines()[0])
    count = cli_int(1)
    latency = cli_number(0, MAX_LATENCY_S)
    parser.add_argument("--n", type=count, default=100, help="requests per run (default 100)")
    parser.add_argument("--latency", type=latency, default=0.1, help="lab latency in seconds (default 0.1)")
    parser.add_argument("--repeats", type=count, default=5, help="counted runs per approach (default 5)")
    parser.add_argument("--throughput-n", type=count, default=10_000, help="requests for throughput (10,000)")
    parser.add_argument(
        "--memory-units", type=count, default=None, help="idle threads/tasks (10,000; macOS: 2,000)"
    )
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH")
    parser.add_argument("--figure", metavar="PNG", help="also draw the comparison figure to PNG")
    parser.add_argument("--quick", action="store_true", help="tiny configuration: checks that it works")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--no-uvloop", action="store_true", help="the standard loop only (default: uvloop too, if installed)"
    )
    parser.add_argument("--_idle", nargs=2, metavar=("KIND", "UNITS"), help=argparse.SUPPRESS)
    args = parser.parse_args(check_argv(argv))
    for option, path in (("--json", args.json), ("--figure", args.figure)):
        if path is not None and (not path or Path(path).is_dir()):  # found out now, not after the run
            parser.error(f"argument {option}: must be a file path, not a folder, got {path!r}")
    if args.figure:
        from matplotlib.backend_bases import FigureCanvasBase

        kinds = FigureCanvasBase.get_supported_filetypes()
        if Path(args.figure).suffix[1:].lower() not in ("", *kinds):
            parser.error(
                f"argument --figure: must be an image file (.png, .svg, .pdf, .jpg...), got {args.figure!r}"
            )
    if args._idle:
        print(_idle_units_rss(args._idle[0], int(args._idle[1])))
        return 0
    if args.quick:
        args.n, args.latency, args.repeats, args.throughput_n, args.memory_units = 10, 0.02, 1, 200, 200
    try:
        report = run(
            args.n,
            args.latency,
            args.repeats,
            args.throughput_n,
            args.memory_units,
            not args.no_progress,
            not args.no_uvloop,
        )
    except ValueError as exc:
        parser.error(str(exc))
    print(format_report(report))
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {path}")
    if args.figure:
        path = Path(args.figure)
        path.parent.mkdir(parents=True, exist_ok=True)
        figure(report).savefig(path, dpi=110, bbox_inches="tight")
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
