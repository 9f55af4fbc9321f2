"""14 · Async vs blocking: the call graph, `python -m asyncio ps`, the build and start method shown."""

from __future__ import annotations

import multiprocessing
import re
import subprocess
import sys
import textwrap

import psutil

from helpers.builds import this_build
from tests.facts import assert_build_shown, shown_by, version

# A script like the notebook's: three named tasks that wait; `ps` is asked about it by this test process.
_WAITING = textwrap.dedent("""
    import asyncio

    async def main():
        tasks = [asyncio.create_task(asyncio.sleep(60), name=f"probe-{i}") for i in range(2)]
        print("ready", flush=True)
        await asyncio.gather(*tasks)

    asyncio.run(main())
""")


def check(cells: list) -> None:
    _call_graph(cells)
    _asyncio_ps(cells)
    _inside_view(cells)
    _build(cells)


def _call_graph(cells: list) -> None:
    shown = shown_by(cells, "def get_status_seen(url)")
    if version() >= (3, 14):  # asyncio.capture_call_graph: the stuck task, then the task awaiting it
        assert "task '?3', in: get_status_seen <- fetch_seen" in shown, shown
        assert re.search(r"awaited by task '[^']+', in: .*download_all", shown), shown
    else:  # Task.get_stack(): the task's own frames only
        assert "task '?3', in: fetch_seen (get_stack)" in shown, shown
        assert "awaited by" not in shown, shown


def ps_permitted() -> bool:
    """Whether this process may run `python -m asyncio ps` on a process it started (3.14+)."""
    with subprocess.Popen([sys.executable, "-c", _WAITING], stdout=subprocess.PIPE, text=True) as script:
        try:
            script.stdout.readline()
            argv = [sys.executable, "-m", "asyncio", "ps", str(script.pid)]
            done = subprocess.run(argv, capture_output=True, text=True, timeout=60)
            return done.returncode == 0 and "probe-1" in done.stdout
        finally:
            script.kill()


def _asyncio_ps(cells: list) -> None:
    shown = shown_by(cells, 'with subprocess.Popen([sys.executable, "-c", SCRIPT]')
    if version() < (3, 14):
        assert "has no `python -m asyncio ps` (3.14+): see the inside view" in shown, shown
        assert "$ python -m asyncio" not in shown, shown
        return
    if ps_permitted():
        for command in ("ps", "pstree"):
            assert re.search(rf"^\$ python -m asyncio {command} \d+$", shown, re.M), shown
        assert re.search(r"^task name\s+coroutine stack\s+awaiter name$", shown, re.M), shown
        for i in range(3):  # the script's tasks, in the table and in the tree
            assert re.search(rf"^fetch-{i}\s+sleep -> fetch\s+Task-1$", shown, re.M), shown
            assert f"(T) fetch-{i}" in shown, shown
        pid = int(re.search(r"^\$ python -m asyncio ps (\d+)$", shown, re.M).group(1))
        assert not _running(pid), f"the script {pid} outlived its cell"
    else:
        assert "was refused: reading process" in shown and "needs ptrace permission" in shown, shown
        assert "$ python -m asyncio" not in shown, shown


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _inside_view(cells: list) -> None:
    shown = shown_by(cells, "async def hang(i)")
    for i in range(3):
        assert re.search(rf"task 'fetch-{i}': get_stack\(\) -> hang line \d+", shown), shown
    assert "3 of 3 tasks cancelled, and ended" in shown, shown


def _build(cells: list) -> None:
    build = this_build()  # the test process runs the kernel's interpreter
    shown = shown_by(cells, "build = this_build()")
    assert_build_shown(shown, build.label())
    default = multiprocessing.get_all_start_methods()[0]  # the platform's, as a fresh kernel has it
    assert f"default start method: {default} (available: {multiprocessing.get_all_start_methods()})" in shown
