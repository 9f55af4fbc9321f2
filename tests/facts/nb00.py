"""00 · Home: the kernel's Python, as the kernel itself reports it."""

from __future__ import annotations

from helpers.builds import find_free_threaded, this_build
from tests.facts import shown_by


def check(cells: list) -> None:
    build = this_build()  # the test process runs the kernel's interpreter
    shown = shown_by(cells, "build = this_build()")
    assert f"this kernel:              {build.label()}" in shown, shown
    assert f"default start method:     {build.start_method}" in shown, shown
    pool = "yes" if build.interpreter_pool else "no (Python 3.14+)"
    assert f"InterpreterPoolExecutor:  {pool}" in shown, shown
    free = find_free_threaded()  # the kernel inherited this process's PATH and environment
    assert f"a free-threaded Python:   {free.label() if free else 'none found'}" in shown, shown
