"""Helpers for the course "From the for-loop to the event loop".

The infrastructure lives here (lab server, timers, span recorder, plots);
the code being taught stays in the notebooks. Importing this package has no
side effects: each name below is imported from its module on first use, so
``from helpers import start_server`` does not load matplotlib.
"""

from importlib import import_module

_EXPORTS = {
    "start_server": "helpers.lab",
    "stop_server": "helpers.lab",
    "current_server": "helpers.lab",
    "LabServer": "helpers.lab",
    "LabConfig": "helpers.server",
    "measure": "helpers.timing",
    "measure_async": "helpers.timing",
    "Stopwatch": "helpers.timing",
    "Timing": "helpers.timing",
    "format_seconds": "helpers.timing",
    "SpanRecorder": "helpers.spans",
    "Span": "helpers.spans",
    "plot_comparison": "helpers.plots",
    "plot_timeline": "helpers.plots",
    "plot_scaling": "helpers.plots",
    "SEED_2018": "helpers.seed",
    "check_setup": "helpers.setup",
    "RunCellsAbove": "helpers.friendly",
    "trace_loop_idle": "helpers.tracing",
    "run_script": "helpers.scripts",
    "ScriptRun": "helpers.scripts",
    "captured_log": "helpers.loops",
    "crunch": "helpers.cpu",
    "iterations_for": "helpers.cpu",
    "exit_with_parent": "helpers.workers",
    "rss_bytes": "helpers.memory",
    "vms_bytes": "helpers.memory",
    "format_bytes": "helpers.memory",
    "memory_snapshot": "helpers.memory",
    "memory_delta": "helpers.memory",
    "MemorySnapshot": "helpers.memory",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'helpers' has no attribute {name!r}") from None
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__():
    return __all__
