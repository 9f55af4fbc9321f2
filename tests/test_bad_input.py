"""Bad input to every public helper: a wrong type or a value out of range gets a clear error.

One table: (callable, args, kwargs, exception type, regex). Each regex holds the parameter's
name and what it accepts, so a message like "must be positive" alone would not pass. Nothing
here runs a benchmark, a build or a script: heavy entry points are replaced by tripwires that
fail the test if a bad value ever gets past the checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import io
import math
from pathlib import Path

import nbformat
import pytest

from helpers import bench
from helpers.cpu import crunch, iterations_for
from helpers.friendly import RunCellsAbove
from helpers.loops import captured_log
from helpers.memory import MemorySnapshot, format_bytes
from helpers.plots import plot_comparison, plot_scaling, plot_timeline
from helpers.scripts import ScriptRun, run_script
from helpers.spans import Span, SpanRecorder
from helpers.timing import Timing, format_seconds, measure, measure_async
from helpers.tooling import nav, slides
from helpers.tracing import trace_loop_idle

NAN, INF = math.nan, math.inf
URL = "http://127.0.0.1:9"  # never contacted: every row fails before any request
HERE = Path(__file__).resolve().parent
MISSING = HERE / "no-such-folder"
NB = nbformat.v4.new_notebook()
ENTRIES = [nav.Entry(Path("00_home.ipynb"), "Home", ""), nav.Entry(Path("01_loop.ipynb"), "Loop", "")]
TIMING = Timing("one GET", (0.1,))
RECORDER = SpanRecorder()
SNAPSHOT = MemorySnapshot(1024, 4096)
QUIET = bench.Progress(1, enabled=False)


def _nothing() -> None:
    pass


async def _anything() -> None:
    pass


def _no_argument() -> float:
    return 1.0


def _text_of(n: float) -> str:
    return "x"


def _nan_of(n: float) -> float:
    return NAN


def _entered(make_context):
    """Call a context-manager factory and enter it: its checks run when the block starts."""

    def enter(*args, **kwargs):
        with make_context(*args, **kwargs):
            pass

    return functools.wraps(make_context)(enter)


def _awaited(async_fn):
    def run(*args, **kwargs):
        return asyncio.run(async_fn(*args, **kwargs))

    return functools.wraps(async_fn)(run)


def _command_line(main):
    """``main(argv)``; argparse's complaint (on stderr) becomes the SystemExit's message."""

    def run(argv):
        stderr = io.StringIO()
        try:
            with contextlib.redirect_stderr(stderr):
                return main(argv)
        except SystemExit:
            raise SystemExit(stderr.getvalue().strip()) from None

    return functools.wraps(main)(run)


def _pool_run(url, n):
    pool = bench.ThreadPool(1)
    try:
        return pool.run(url, n)
    finally:
        pool.close()


_pool_run.__module__, _pool_run.__qualname__ = "helpers.bench", "ThreadPool.run"  # its test ids


def _shown(value) -> str:
    """A short, stable picture of an argument for the test ids (no addresses, no absolute paths)."""
    named = {id(NB): "nb", id(ENTRIES): "entries", id(RECORDER): "recorder", id(QUIET): "progress"}
    if id(value) in named:
        return named[id(value)]
    if isinstance(value, Path):
        return f"Path({value.name!r})"
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_shown(k)}: {_shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        inside = ", ".join(_shown(v) for v in value)
        return f"[{inside}]" if isinstance(value, list) else f"({inside}{',' if len(value) == 1 else ''})"
    return repr(value)


def case(error, match, fn, *args, **kwargs):
    """One row: ``fn(*args, **kwargs)`` must raise ``error`` with a message that ``match`` finds.

    Its test id reads like the call, e.g. ``timing.measure(_nothing, repeats=0)``.
    """
    shown = [_shown(a) for a in args] + [f"{k}={_shown(v)}" for k, v in kwargs.items()]
    module = fn.__module__.removeprefix("helpers.")
    return pytest.param(fn, args, kwargs, error, match, id=f"{module}.{fn.__qualname__}({', '.join(shown)})")


ROWS = [
    # --- helpers.timing ---
    case(TypeError, r"samples must be a sequence of durations in seconds", Timing, "x", None),
    case(ValueError, r"samples must hold at least one duration in seconds, got none", Timing, "x", ()),
    case(ValueError, r"samples must be finite numbers of seconds >= 0, got nan", Timing, "x", (NAN,)),
    case(TypeError, r"label must be a str, got NoneType", Timing, None, (1.0,)),
    case(ValueError, r"warmup must be an int >= 0, got -1", Timing, "x", (1.0,), warmup=-1),
    case(TypeError, r"warmup must be an int >= 0, got True", Timing, "x", (1.0,), warmup=True),
    case(TypeError, r"limit must be a number of seconds > 0, got '1'", TIMING.ratio_to, "1"),
    case(ValueError, r"limit must be a number of seconds > 0, got 0", TIMING.ratio_to, 0),
    case(ValueError, r"limit must be a finite number of seconds > 0, got inf", TIMING.ratio_to, INF),
    case(TypeError, r"seconds must be a number, got NoneType", format_seconds, None),
    case(TypeError, r"seconds must be a number, got bool", format_seconds, True),
    case(ValueError, r"seconds must be a finite number >= 0, got -1", format_seconds, -1),
    case(ValueError, r"seconds must be a finite number >= 0, got inf", format_seconds, INF),
    case(TypeError, r"fn must be a function to call, got NoneType", measure, None),
    case(TypeError, r"fn must be a function to call, got list", measure, [_nothing]),
    case(ValueError, r"repeats must be an int >= 1, got 0", measure, _nothing, repeats=0),
    case(TypeError, r"repeats must be an int >= 1, got 2.0", measure, _nothing, repeats=2.0),
    case(TypeError, r"repeats must be an int >= 1, got True", measure, _nothing, repeats=True),
    case(ValueError, r"warmup must be an int >= 0, got -1", measure, _nothing, warmup=-1),
    case(TypeError, r"label must be a str or None, got int", measure, _nothing, label=3),
    case(TypeError, r"progress must be True or False, got 'yes'", measure, _nothing, progress="yes"),
    case(TypeError, r"make_coro must be an async function, got NoneType", _awaited(measure_async), None),
    case(ValueError, r"repeats must be an int >= 1, got 0", _awaited(measure_async), _anything, repeats=0),
    case(TypeError, r"warmup must be an int >= 0, got None", _awaited(measure_async), _anything, warmup=None),
    case(
        TypeError,
        r"progress must be True or False, got None",
        _awaited(measure_async),
        _anything,
        progress=None,
    ),
    # --- helpers.spans ---
    case(TypeError, r"label must be a str, got None", Span, None, "A", 0.0, 1.0),
    case(TypeError, r"lane must be a str, got 3", Span, "GET", 3, 0.0, 1.0),
    case(TypeError, r"start must be a finite number of seconds, got '0'", Span, "GET", "A", "0", 1.0),
    case(ValueError, r"end must be a finite number of seconds, got inf", Span, "GET", "A", 0.0, INF),
    case(ValueError, r"end must be >= start, got start=2.0, end=1.0", Span, "GET", "A", 2.0, 1.0),
    case(TypeError, r"label must be a str, got NoneType", _entered(RECORDER.span), None),
    case(TypeError, r"lane must be a str or None, got int", _entered(RECORDER.span), "GET", lane=3),
    case(TypeError, r"label must be a str, got NoneType", RECORDER.record, None, 0.0, 1.0),
    case(
        TypeError,
        r"start must be a time.perf_counter\(\) value \(float\), got '0'",
        RECORDER.record,
        "GET",
        "0",
        1.0,
    ),
    case(
        ValueError,
        r"start must be a finite time.perf_counter\(\) value \(float\), got nan",
        RECORDER.record,
        "GET",
        NAN,
        1.0,
    ),
    case(ValueError, r"end must be >= start, got start=2.0, end=1.0", RECORDER.record, "GET", 2.0, 1.0),
    # --- helpers.plots ---
    case(
        RunCellsAbove,  # a ValueError the notebooks show in plain words
        r"plot_comparison got no timings: run the measurement cells above first "
        r"\(results must be a non-empty mapping",
        plot_comparison,
        {},
    ),
    case(
        TypeError,
        r"results must be a mapping \{approach: seconds or Timing\}, got None",
        plot_comparison,
        None,
    ),
    case(
        TypeError,
        r"results\['a'\] must be a number of seconds or a Timing, got str",
        plot_comparison,
        {"a": "fast"},
    ),
    case(
        ValueError,
        r"results\['a'\] must be a finite number of seconds >= 0, got -1.0",
        plot_comparison,
        {"a": -1.0},
    ),
    case(
        ValueError,
        r"results\['a'\] must be a finite number of seconds > 0 \(a log axis has no 0\), got 0.0",
        plot_comparison,
        {"a": 0.0},
        log=True,
    ),
    case(
        ValueError,
        r"limit must be a finite number of seconds > 0, got 0",
        plot_comparison,
        {"a": 1.0},
        limit=0,
    ),
    case(
        ValueError,
        r"limit must be a finite number of seconds > 0, got inf",
        plot_comparison,
        {"a": 1.0},
        limit=INF,
    ),
    case(
        TypeError,
        r"seed must be a mapping \{approach: seconds\} or None, got list",
        plot_comparison,
        {"a": 1.0},
        seed=[1.0],
    ),
    case(TypeError, r"log must be True or False, got 'yes'", plot_comparison, {"a": 1.0}, log="yes"),
    case(TypeError, r"title must be a str, got None", plot_comparison, {"a": 1.0}, title=None),
    case(TypeError, r"xlabel must be a str, got None", plot_comparison, {"a": 1.0}, xlabel=None),
    case(
        RunCellsAbove,  # a ValueError the notebooks show in plain words
        r"plot_timeline got no spans to plot; .* run the measurement cells above",
        plot_timeline,
        SpanRecorder(),
    ),
    case(
        RunCellsAbove,  # a ValueError the notebooks show in plain words
        r"plot_timeline got no spans to plot; .* run the measurement cells above",
        plot_timeline,
        [],
    ),
    case(TypeError, r"spans must be a SpanRecorder or a sequence of Span, got NoneType", plot_timeline, None),
    case(
        ValueError,
        r"max_lanes must be an int >= 1, got 0",
        plot_timeline,
        [Span("GET", "A", 0.0, 1.0)],
        max_lanes=0,
    ),
    case(
        TypeError,
        r"max_lanes must be an int >= 1, got 1.5",
        plot_timeline,
        [Span("GET", "A", 0.0, 1.0)],
        max_lanes=1.5,
    ),
    case(
        ValueError,
        r"limit must be a finite number of seconds > 0, got -1",
        plot_timeline,
        [Span("GET", "A", 0.0, 1.0)],
        limit=-1,
    ),
    case(TypeError, r"title must be a str, got 3", plot_timeline, [Span("GET", "A", 0.0, 1.0)], title=3),
    case(
        RunCellsAbove,  # a ValueError the notebooks show in plain words
        r"plot_scaling got no series: run the measurement cells above first "
        r"\(series must be a non-empty mapping",
        plot_scaling,
        {},
    ),
    case(
        RunCellsAbove,  # a ValueError the notebooks show in plain words
        r"plot_scaling got no points for 'a': run the measurement cells above first "
        r"\(series\['a'\] must be a non-empty mapping",
        plot_scaling,
        {"a": {}},
    ),
    case(
        TypeError,
        r"series must be a mapping \{name: \{N: seconds or Timing\}\}, got None",
        plot_scaling,
        None,
    ),
    case(
        TypeError,
        r"series\['a'\] must be a mapping \{N: seconds or Timing\}, got \[1.0\]",
        plot_scaling,
        {"a": [1.0]},
    ),
    case(
        ValueError,
        r"the N values of series\['a'\] must be numbers > 0 \(log axes\), got 0",
        plot_scaling,
        {"a": {0: 1.0}},
    ),
    case(
        ValueError,
        r"the N values of series\['a'\] must be numbers >= 0, got -1",
        plot_scaling,
        {"a": {-1: 1.0}},
        log=False,
    ),
    case(
        TypeError,
        r"the N values of series\['a'\] must be numbers > 0 \(log axes\), got '10'",
        plot_scaling,
        {"a": {"10": 1.0}},
    ),
    case(
        ValueError,
        r"series\['a'\]\[1\] must be a finite number of seconds > 0 \(a log axis has no 0\), got nan",
        plot_scaling,
        {"a": {1: NAN}},
    ),
    case(
        TypeError,
        r"reference must be a mapping \{label: function of N\} or None",
        plot_scaling,
        {"a": {1: 1.0}},
        reference=[len],
    ),
    case(
        TypeError,
        r"reference\['r'\] must be a function of one argument N",
        plot_scaling,
        {"a": {1: 1.0}},
        reference={"r": _no_argument},
    ),
    case(
        TypeError,
        r"reference\['r'\]\(N\) must return a finite number of seconds, got 'x'",
        plot_scaling,
        {"a": {1: 1.0}},
        reference={"r": _text_of},
    ),
    case(
        ValueError,
        r"reference\['r'\]\(N\) must return a finite number of seconds, got nan",
        plot_scaling,
        {"a": {1: 1.0}},
        reference={"r": _nan_of},
    ),
    case(TypeError, r"log must be True or False, got 'x'", plot_scaling, {"a": {1: 1.0}}, log="x"),
    case(TypeError, r"ylabel must be a str, got None", plot_scaling, {"a": {1: 1.0}}, ylabel=None),
    # --- helpers.memory ---
    case(TypeError, r"n must be a number of bytes, got NoneType", format_bytes, None),
    case(TypeError, r"n must be a number of bytes, got bool", format_bytes, True),
    case(ValueError, r"n must be a finite number of bytes, got nan", format_bytes, NAN),
    case(TypeError, r"rss must be a finite number of bytes, got None", MemorySnapshot, None, 0),
    case(ValueError, r"vms must be a finite number of bytes, got inf", MemorySnapshot, 0, INF),
    case(ValueError, r"count must be an int >= 1, got 0", SNAPSHOT.per, 0),
    case(ValueError, r"count must be an int >= 1, got 1.5", SNAPSHOT.per, 1.5),
    # --- helpers.cpu ---
    case(TypeError, r"n must be an int >= 0, got None", crunch, None),
    case(TypeError, r"n must be an int >= 0, got 1.5", crunch, 1.5),
    case(ValueError, r"n must be an int >= 0, got -1", crunch, -1),
    case(TypeError, r"seconds must be a number > 0, got '1'", iterations_for, "1"),
    case(ValueError, r"seconds must be in \(0, 60\], got 0", iterations_for, 0),
    case(ValueError, r"seconds must be in \(0, 60\], got nan", iterations_for, NAN),
    case(ValueError, r"seconds must be in \(0, 60\], got 61", iterations_for, 61),
    case(ValueError, r"start must be an int >= 1, got 0", iterations_for, 0.1, start=0),
    case(ValueError, r"start must be an int >= 1, got None", iterations_for, 0.1, start=None),
    # --- helpers.tracing ---
    case(TypeError, r"recorder must be a SpanRecorder, got NoneType", _entered(trace_loop_idle), None),
    case(TypeError, r"lane must be a str, got int", _entered(trace_loop_idle), RECORDER, lane=3),
    case(
        TypeError,
        r"min_duration must be a number of seconds >= 0, got '0'",
        _entered(trace_loop_idle),
        RECORDER,
        min_duration="0",
    ),
    case(
        ValueError,
        r"min_duration must be a number of seconds >= 0, got -1",
        _entered(trace_loop_idle),
        RECORDER,
        min_duration=-1,
    ),
    case(
        ValueError,
        r"min_duration must be a number of seconds >= 0, got nan",
        _entered(trace_loop_idle),
        RECORDER,
        min_duration=NAN,
    ),
    case(
        TypeError,
        r"cannot trace a str: loop must be one of asyncio's own selector or proactor event loops, or None",
        _entered(trace_loop_idle),
        RECORDER,
        loop="x",
    ),
    # --- helpers.scripts ---
    case(TypeError, r"source must be the script's text \(a str\), got NoneType", run_script, None),
    case(TypeError, r"args must be strings, got 1", run_script, "pass", 1),
    case(TypeError, r"timeout must be a number of seconds > 0, got '1'", run_script, "pass", timeout="1"),
    case(ValueError, r"timeout must be a number of seconds > 0, got 0", run_script, "pass", timeout=0),
    case(ValueError, r"timeout must be a number of seconds > 0, got inf", run_script, "pass", timeout=INF),
    case(
        ValueError,
        r"name must be a plain file name ending in .py, got '../x.py'",
        run_script,
        "pass",
        name="../x.py",
    ),
    case(
        ValueError, r"name must be a plain file name ending in .py, got None", run_script, "pass", name=None
    ),
    case(TypeError, r"check must be True or False, got 'no'", run_script, "pass", check="no"),
    case(TypeError, r"returncode must be an int \(the exit code\), got '0'", ScriptRun, "0", "", "", 0.0),
    case(TypeError, r"stdout must be a str, got None", ScriptRun, 0, None, "", 0.0),
    case(
        ValueError, r"seconds must be a finite number of seconds >= 0, got -1.0", ScriptRun, 0, "", "", -1.0
    ),
    # --- helpers.loops ---
    case(TypeError, r"name must be a logger name \(str\), got NoneType", _entered(captured_log), None),
    case(
        TypeError,
        r"level must be a logging level \(int, e.g. logging.WARNING\), got 'WARNING'",
        _entered(captured_log),
        "asyncio",
        "WARNING",
    ),
    case(
        TypeError,
        r"level must be a logging level \(int, e.g. logging.WARNING\), got True",
        _entered(captured_log),
        "asyncio",
        True,
    ),
    case(
        ValueError,
        r"level must be a logging level in \[1, 50\] .*, got 0",
        _entered(captured_log),
        "asyncio",
        0,
    ),
    case(
        ValueError,
        r"level must be a logging level in \[1, 50\] .*, got 1000",
        _entered(captured_log),
        "asyncio",
        1000,
    ),
    # --- helpers.tooling.nav ---
    case(TypeError, r"folder must be a path \(a str or pathlib.Path\), got None", nav.notebooks, None),
    case(
        ValueError,
        r"folder must be an existing folder of notebooks, got '.*no-such-folder'",
        nav.notebooks,
        MISSING,
    ),
    case(TypeError, r"path must be a path \(a str or pathlib.Path\), got None", nav.read_entry, None),
    case(TypeError, r"path must be a path \(a str or pathlib.Path\), got 3", nav.read_entry, 3),
    case(
        TypeError, r"nb must be a notebook \(nbformat.NotebookNode\), got None", nav.updated, None, ENTRIES, 0
    ),
    case(
        TypeError, r"entries must be a list of Entry \(from read_entry\), got None", nav.updated, NB, None, 0
    ),
    case(ValueError, r"entries must hold at least one Entry", nav.updated, NB, [], 0),
    case(ValueError, r"i must be an int in \[0, 1\], got -1", nav.updated, NB, ENTRIES, -1),
    case(ValueError, r"i must be an int in \[0, 1\], got 2", nav.updated, NB, ENTRIES, 2),
    case(TypeError, r"i must be an int in \[0, 1\], got '1'", nav.updated, NB, ENTRIES, "1"),
    case(ValueError, r"folder must be an existing folder of notebooks", nav.run, MISSING),
    case(TypeError, r"check must be True or False, got 'yes'", nav.run, check="yes"),
    case(
        TypeError,
        r"argv must be a list of str \(the command-line arguments\) or None, got '--check'",
        nav.main,
        "--check",
    ),
    case(TypeError, r"path must be a pathlib.Path, got None", nav.Entry, None, "Home", ""),
    case(TypeError, r"title must be a str, got None", nav.Entry, Path("00_home.ipynb"), None, ""),
    # --- helpers.bench: functions ---
    case(ValueError, r"n must be an int >= 1, got 0", bench.run, n=0),
    case(ValueError, r"n must be an int >= 1, got 1.5", bench.run, n=1.5),
    case(ValueError, r"latency must be a number of seconds > 0 .* and <= 60, got 0", bench.run, latency=0),
    case(
        ValueError, r"latency must be a number of seconds > 0 .* and <= 60, got nan", bench.run, latency=NAN
    ),
    case(
        ValueError, r"latency must be a number of seconds > 0 .* and <= 60, got 100", bench.run, latency=100
    ),
    case(
        ValueError,
        r"latency must be a number of seconds > 0 .* and <= 60, got '0.1'",
        bench.run,
        latency="0.1",
    ),
    case(ValueError, r"repeats must be an int >= 1, got 0", bench.run, repeats=0),
    case(ValueError, r"throughput_n must be an int >= 1, got -1", bench.run, throughput_n=-1),
    case(ValueError, r"memory_units must be an int >= 1, got 0", bench.run, memory_units=0),
    case(ValueError, r"progress must be True or False, got 'no'", bench.run, progress="no"),
    case(
        TypeError,
        r"url must be the server's address, a str starting with http://",
        bench.sequential,
        None,
        1,
        None,
    ),
    case(ValueError, r"n must be an int >= 1, got -1", bench.sequential, URL, -1, None),
    case(TypeError, r"session must be a requests.Session, got None", bench.sequential, URL, 1, None),
    case(
        ValueError,
        r"url must be the server's address, a str starting with http://",
        bench.threads_queue,
        "localhost:9",
        1,
    ),
    case(ValueError, r"n must be an int >= 1, got 0", bench.threads_queue, URL, 0),
    case(ValueError, r"workers must be an int >= 1, got 0", bench.threads_queue, URL, 1, workers=0),
    case(ValueError, r"workers must be an int >= 1, got 0", bench.ThreadPool, 0),
    case(TypeError, r"workers must be an int >= 1, got None", bench.ThreadPool, None),
    case(ValueError, r"n must be an int >= 1, got 0", _pool_run, URL, 0),
    case(ValueError, r"n must be an int >= 1, got 0", _awaited(bench.asyncio_gather), URL, 0, None),
    case(
        TypeError,
        r"session must be an aiohttp.ClientSession, got None",
        _awaited(bench.asyncio_gather),
        URL,
        1,
        None,
    ),
    case(ValueError, r"total must be an int >= 0, got -1", bench.Progress, -1, enabled=False),
    case(TypeError, r"enabled must be True or False, got 'no'", bench.Progress, 1, enabled="no"),
    case(ValueError, r"n must be an int >= 1, got 0", bench.bench_latency, URL, 0, 1, QUIET),
    case(ValueError, r"repeats must be an int >= 1, got 0", bench.bench_latency, URL, 1, 0, QUIET),
    case(
        TypeError,
        r"progress must be a helpers.bench.Progress .*, got True",
        bench.bench_latency,
        URL,
        1,
        1,
        True,
    ),
    case(ValueError, r"n must be an int >= 1, got 0", bench.bench_throughput, URL, 0, QUIET),
    case(
        TypeError,
        r"progress must be a helpers.bench.Progress .*, got None",
        bench.bench_throughput,
        URL,
        1,
        None,
    ),
    case(ValueError, r"units must be an int >= 1, got 0", bench.bench_memory, 0, QUIET),
    case(TypeError, r"progress must be a helpers.bench.Progress .*, got None", bench.bench_memory, 1, None),
    case(ValueError, r"kind must be 'thread' or 'task', got 'process'", bench.idle_rss_kib, "process"),
    case(ValueError, r"units must be an int >= 1, got 0", bench.idle_rss_kib, "task", 0),
    case(TypeError, r"report must be the dict that bench.run\(\) returns, got None", bench.targets, None),
    case(ValueError, r"report must be the dict that bench.run\(\) returns; it lacks n, ", bench.targets, {}),
    case(
        ValueError,
        r"report must be the dict that bench.run\(\) returns; it lacks latency_s",
        bench.format_report,
        {"n": 100},
    ),
    case(TypeError, r"report must be the dict that bench.run\(\) returns, got \[\]", bench.figure, []),
    # --- helpers.bench: the command line ---
    case(SystemExit, r"argument --n: must be an int >= 1, got '0'", _command_line(bench.main), ["--n", "0"]),
    case(
        SystemExit, r"argument --n: must be an int >= 1, got '1.5'", _command_line(bench.main), ["--n", "1.5"]
    ),
    case(
        SystemExit,
        r"argument --latency: must be a number of seconds in \(0, 60\], got '0'",
        _command_line(bench.main),
        ["--latency", "0"],
    ),
    case(
        SystemExit,
        r"argument --latency: must be a number of seconds in \(0, 60\], got 'nan'",
        _command_line(bench.main),
        ["--latency", "nan"],
    ),
    case(
        SystemExit,
        r"argument --latency: must be a number of seconds in \(0, 60\], got '100'",
        _command_line(bench.main),
        ["--latency", "100"],
    ),
    case(
        SystemExit,
        r"argument --repeats: must be an int >= 1, got '0'",
        _command_line(bench.main),
        ["--repeats", "0"],
    ),
    case(
        SystemExit,
        r"argument --throughput-n: must be an int >= 1, got '-1'",
        _command_line(bench.main),
        ["--throughput-n", "-1"],
    ),
    case(
        SystemExit,
        r"argument --memory-units: must be an int >= 1, got 'x'",
        _command_line(bench.main),
        ["--memory-units", "x"],
    ),
    case(
        SystemExit,
        r"argument --json: must be a file path, not a folder",
        _command_line(bench.main),
        ["--json", "."],
    ),
    case(
        SystemExit,
        r"argument --figure: must be an image file \(.png, .svg, .pdf, .jpg...\), got 'out.xyz'",
        _command_line(bench.main),
        ["--figure", "out.xyz"],
    ),
    case(
        TypeError,
        r"argv must be a list of str \(the command-line arguments\) or None, got '--quick'",
        _command_line(bench.main),
        "--quick",
    ),
    # --- helpers.tooling.slides (argument checks only: nothing is built) ---
    case(ValueError, r"kind must be 'slides' or 'html', not 'pdf'", slides.render, NB, "pdf"),
    case(
        TypeError, r"nb must be a notebook \(nbformat.NotebookNode\), got None", slides.render, None, "html"
    ),
    case(
        TypeError,
        r"nb must be a notebook \(nbformat.NotebookNode\), got None",
        slides.prepare,
        None,
        link_suffix=".html",
    ),
    case(TypeError, r"link_suffix must be a str, got None", slides.prepare, NB, link_suffix=None),
    case(
        TypeError,
        r"names must be a list of str, got '00_home.ipynb'",
        slides.prepare,
        NB,
        link_suffix=".html",
        names="00_home.ipynb",
    ),
    case(
        TypeError,
        r"compact must be True or False, got 'yes'",
        slides.prepare,
        NB,
        link_suffix=".html",
        compact="yes",
    ),
    case(TypeError, r"path must be a path \(a str or pathlib.Path\), got None", slides.execute, None),
    case(ValueError, r"timeout must be an int >= 1, got 0", slides.execute, HERE / "x.ipynb", timeout=0),
    case(TypeError, r"fresh must be True or False, got 'yes'", slides.execute, HERE / "x.ipynb", fresh="yes"),
    case(
        TypeError,
        r"paths must be a list of paths \(str or pathlib.Path\), got None",
        slides.execute_all,
        None,
    ),
    case(
        TypeError,
        r"paths must be a list of paths \(str or pathlib.Path\), got '00_home.ipynb'",
        slides.execute_all,
        "00_home.ipynb",
    ),
    case(ValueError, r"jobs must be an int >= 1, got 0", slides.execute_all, [], jobs=0),
    case(ValueError, r"timeout must be an int >= 1, got -1", slides.execute_all, [], timeout=-1),
    case(
        TypeError, r"path must be a path \(a str or pathlib.Path\), got None", slides.store_executed, None, NB
    ),
    case(
        TypeError,
        r"nb must be a notebook \(nbformat.NotebookNode\), got None",
        slides.store_executed,
        HERE / "x.ipynb",
        None,
    ),
    case(ValueError, r"jobs must be an int >= 1, got 0", slides.build_slides, out=MISSING, jobs=0),
    case(
        TypeError,
        r"paths must be a list of paths \(str or pathlib.Path\)",
        slides.build_slides,
        "00_home.ipynb",
        out=MISSING,
    ),
    case(
        TypeError,
        r"log must be a function of one str \(e.g. print\), got None",
        slides.build_slides,
        out=MISSING,
        log=None,
    ),
    case(TypeError, r"out must be a path \(a str or pathlib.Path\), got None", slides.build_html, out=None),
    case(ValueError, r"timeout must be an int >= 1, got 0", slides.build_html, out=MISSING, timeout=0),
    case(TypeError, r"jobs must be an int >= 1, got 1.5", slides.build_html, out=MISSING, jobs=1.5),
    case(
        TypeError,
        r"pages must be a list of paths \(str or pathlib.Path\), got None",
        slides.write_index,
        None,
        MISSING / "index.html",
    ),
    case(
        TypeError, r"target must be a path \(a str or pathlib.Path\), got None", slides.write_index, [], None
    ),
    case(TypeError, r"folder must be a path \(a str or pathlib.Path\), got None", slides.sha256sums, None),
    case(TypeError, r"folder must be a path \(a str or pathlib.Path\), got None", slides.vendor, None),
    case(
        TypeError,
        r"playwright must be the object of `with sync_playwright\(\) as playwright:`, got None",
        slides.launch_chromium,
        None,
    ),
    case(
        TypeError,
        r"decks must be a list of paths \(str or pathlib.Path\), got None",
        slides.screenshots,
        None,
        MISSING,
    ),
    case(
        TypeError,
        r"log must be a function of one str \(e.g. print\), got 'print'",
        slides.screenshots,
        [],
        MISSING,
        log="print",
    ),
    case(
        SystemExit,
        r"argument what: invalid choice: 'pdf' \(choose from .*slides.*html",
        _command_line(slides.main),
        ["pdf"],
    ),
    case(
        SystemExit,
        r"argument --jobs: must be an int >= 1, got '0'",
        _command_line(slides.main),
        ["html", "--jobs", "0"],
    ),
    case(
        SystemExit,
        r"argument --timeout: must be an int >= 1, got '-1'",
        _command_line(slides.main),
        ["html", "--timeout", "-1"],
    ),
    case(
        TypeError,
        r"argv must be a list of str \(the command-line arguments\) or None, got 'html'",
        _command_line(slides.main),
        "html",
    ),
]


def _tripwire(what):
    def tripped(*args, **kwargs):
        raise AssertionError(f"a bad argument got past the checks: {what} was reached")

    return tripped


@pytest.fixture
def tripwires(monkeypatch):
    """Anything slow that a bad value could reach if a check were missing fails the test at once."""
    for target in (
        "helpers.bench.LabServer",
        "helpers.cpu._time_crunch",
        "helpers.tooling.slides._execute",
        "helpers.tooling.slides._build",
        "shutil.copytree",
        "subprocess.run",  # run_script, bench.idle_rss_kib, slides.vendor
    ):
        monkeypatch.setattr(target, _tripwire(target))


@pytest.mark.parametrize(("fn", "args", "kwargs", "error", "match"), ROWS)
def test_bad_input_gets_a_clear_error(tripwires, fn, args, kwargs, error, match):
    with pytest.raises(error, match=match) as caught:
        fn(*args, **kwargs)
    assert type(caught.value) is error, f"{type(caught.value).__name__}: {caught.value}"
