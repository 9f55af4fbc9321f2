"""03 · What a thread is, the GIL, and what a thread costs: the build, start method, pools and race shown."""

from __future__ import annotations

import multiprocessing
import platform
import re
import sys
from pathlib import Path

from helpers.builds import HOW_TO_GET_FREE_THREADED, find_free_threaded, this_build
from tests.facts import assert_build_shown, shown_by, version


def check(cells: list) -> None:
    build = this_build()  # the test process runs the kernel's interpreter
    _race(cells, build)
    _build(cells, build)
    _start_method(cells)
    _interpreters(cells)
    _free_threaded(cells)


def _race(cells: list, build) -> None:
    """Each run's count and loss add up, and the summary counts the runs that lost updates."""
    shown = shown_by(cells, "run_threads(add_plain")
    expected = int(re.search(r"expected ([\d,]+):", shown).group(1).replace(",", ""))
    runs = [
        (int(a.replace(",", "")), int(b.replace(",", "")))
        for a, b in re.findall(r"run \d+: ([\d,]+) counted, ([\d,]+) updates lost", shown)
    ]
    assert runs, shown
    assert all(counted + lost == expected for counted, lost in runs), shown
    lossy = sum(lost > 0 for _, lost in runs)
    assert f"{build.label()}: updates lost in {lossy} of {len(runs)} runs" in shown, shown
    assert f"switch interval: {sys.getswitchinterval() * 1000:g} ms" in shown, shown


def _build(cells: list, build) -> None:
    assert_build_shown(shown_by(cells, "kernel = this_build()"), build.label())
    speedups = shown_by(cells, "speed-up over sequential")
    assert f"this kernel: {build.label()}" in speedups, speedups


def _start_method(cells: list) -> None:
    shown = shown_by(cells, "multiprocessing.get_start_method()")
    default = multiprocessing.get_all_start_methods()[0]  # the platform's, as a fresh kernel has it
    assert f"this kernel's default start method: {default}" in shown, shown
    assert str(multiprocessing.get_all_start_methods()) in shown, shown


def _interpreters(cells: list) -> None:
    """InterpreterPoolExecutor measured (CPU and start-up) on 3.14+; one line, and nothing else, before."""
    shown = shown_by(cells, "HAS_INTERPRETERS = ")
    startup = shown_by(cells, "def first_and_warm")
    speedups = shown_by(cells, "speed-up over sequential")
    if version() >= (3, 14):
        assert re.search(r"CPU, \d+ interpreters \(new pool\)\s+[\d.]+ s", shown), shown
        assert re.search(r"CPU, \d+ interpreters \(warm pool\)\s+[\d.]+ s", shown), shown
        assert "arrived in 3.14" not in shown, shown
        assert re.search(r"interpreters new pool: +[\d.]+ ms", startup), startup
        assert "interpreters (warm pool)" in speedups, speedups
    else:
        line = f"InterpreterPoolExecutor arrived in 3.14; this kernel is {platform.python_version()}"
        assert shown.strip() == line, shown
        assert "interpreters" not in startup and "interpreters" not in speedups, startup + speedups
    for kind in ("threads", "processes"):  # beside them, always
        assert re.search(rf"{kind} +new pool: +[\d.]+ ms +warm pool: +[\d.]+ ms", startup), startup


def _free_threaded(cells: list) -> None:
    """The free-threaded comparison ran iff a free-threaded Python was found (the kernel's environment)."""
    shown = shown_by(cells, "find_free_threaded()")
    plotted = [c for c in cells if c.cell_type == "code" and "was measured in this run" in c.source]
    assert len(plotted) == 1
    images = sum("image/png" in o.get("data", {}) for o in plotted[0].outputs)
    ft = find_free_threaded()  # the kernel inherited this process's PATH and environment
    if ft is None:
        assert "a free-threaded Python: none found" in shown, shown
        assert HOW_TO_GET_FREE_THREADED in shown, shown
        assert images == 0, "a free-threaded figure was drawn, but none was measured"
    else:
        assert f"a free-threaded Python: {ft.label()}" in shown, shown
        assert HOW_TO_GET_FREE_THREADED not in shown, shown
        for name in ("this kernel", Path(ft.executable).name):
            assert re.search(rf"{re.escape(name)}: \d+ in a row [\d.]+ s, on \d+ threads [\d.]+ s", shown), (
                shown
            )
        assert images == 1, "the free-threaded measurement was not plotted"
