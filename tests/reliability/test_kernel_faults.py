"""A kernel killed with SIGKILL mid-request leaves no process behind; a restarted one starts over cleanly."""

from __future__ import annotations

import os
import signal
import time

import nbformat
import pytest
from nbclient import NotebookClient

from tests.notebook_run import NOTEBOOKS
from tests.reliability.kernel import Kernel, code_cells, lab_stats, wait_gone

pytestmark = pytest.mark.reliability


def _requests_in_flight(kernel: Kernel) -> bool:
    return any((lab_stats(p) or {}).get("in_flight") for p in kernel.lab_servers())


def _workers_running(kernel: Kernel) -> bool:
    """A child process other than the lab server (a process pool's worker, say)."""
    servers = {p.pid for p in kernel.lab_servers()}
    return any(p.pid not in servers for p in kernel.descendants())


def _run_until(kernel: Kernel, cells, start_from: int, caught) -> int | None:
    """Run the cells in order; from ``start_from`` on, return the index of the first cell caught
    with ``caught(kernel)`` true while it runs (the cell is still running), or None."""
    for index, (code, tags) in enumerate(cells):
        if index < start_from:
            reply = kernel.run(code)
            assert reply["status"] == "ok" or "raises-exception" in tags, (index, reply["error_text"])
            continue
        msg_id = kernel.send(code)
        deadline = time.monotonic() + 120
        while not kernel.finished(msg_id):
            assert time.monotonic() < deadline, f"cell {index} ran for over 120 s"
            if caught(kernel):
                return index
    return None


@pytest.mark.parametrize(
    ("stem", "caught"),
    [
        ("03_threads_underneath", _workers_running),  # its process pool (spawn), mid-task
        ("04_aiohttp", _requests_in_flight),
        ("14_async_vs_blocking", _workers_running),
        ("16_showdown", _requests_in_flight),
    ],
    ids=["03-pool-workers", "04-requests", "14-pool-workers", "16-requests"],
)
def test_sigkill_mid_notebook_leaves_no_process_and_a_fresh_kernel_reruns(stem, caught):
    path = NOTEBOOKS / f"{stem}.ipynb"
    cells = code_cells(path)
    kernel = Kernel(path.parent)
    try:
        index = _run_until(kernel, cells, start_from=len(cells) // 3, caught=caught)
        assert index is not None, f"no cell past the first third was caught by {caught.__name__}"
        family = kernel.descendants()
        assert family, "the kernel had child processes to leave behind"
        os.kill(kernel.pid, signal.SIGKILL)
        survivors = wait_gone(family, within=10)
        names = [" ".join(p.cmdline()[:4]) for p in survivors]
        assert not survivors, f"killed at code cell {index}; still running: {names}"
        print(
            f"{stem}: SIGKILL in code cell {index} of {len(cells)}; its {len(family)} child processes exited"
        )
    finally:
        kernel.shutdown()
    nb = nbformat.read(path, as_version=4)
    NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    ).execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    tagged = [c for c in nb.cells if "raises-exception" in c.metadata.get("tags", [])]
    assert len(errors) == len(tagged), "a fresh kernel re-runs the notebook with no unexpected error"


def test_restart_mid_notebook_then_run_from_the_top():
    path = NOTEBOOKS / "11_event_loop.ipynb"
    cells = code_cells(path)
    kernel = Kernel(path.parent)
    try:
        for code, tags in cells[: len(cells) // 2]:
            reply = kernel.run(code)
            assert reply["status"] == "ok" or "raises-exception" in tags, reply["error_text"]
        servers = kernel.lab_servers()
        assert servers, "the first half started a lab server"
        kernel.restart()
        assert not wait_gone(servers, within=10), "the restart took the lab server down with the old kernel"
        for index, (code, tags) in enumerate(cells):
            reply = kernel.run(code)
            assert reply["status"] == "ok" or "raises-exception" in tags, (index, reply["error_text"])
        assert kernel.lab_servers(), "the re-run started its own lab server"
    finally:
        family = kernel.descendants()
        kernel.shutdown()
        assert not wait_gone(family, within=10)
