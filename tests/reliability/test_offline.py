"""Offline: a notebook and the benchmark run in a network namespace that has nothing but loopback."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest

from tests.notebook_run import NOTEBOOKS, ROOT

pytestmark = pytest.mark.reliability

ONLY_LOOPBACK = """
set -e
ip link set lo up
test "$(ip -o link show | cut -d: -f2 | tr -d ' ' | tr '\\n' ' ')" = "lo "
"""

PROBE = """
import socket
try:
    socket.create_connection(("192.0.2.1", 80), timeout=2)  # TEST-NET-1: never answers anyway
except OSError as exc:
    print("no route out:", type(exc).__name__)
else:
    raise SystemExit("a connection left the namespace")
"""

RUN_NOTEBOOK = """
import sys, nbformat
from nbclient import NotebookClient
path = sys.argv[1]
nb = nbformat.read(path, as_version=4)
where = {"metadata": {"path": sys.argv[2]}}
NotebookClient(nb, timeout=240, kernel_name="python3", resources=where).execute()
errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
print("notebook ran offline,", len(errors), "errors")
sys.exit(1 if errors else 0)
"""


def _offline(*commands: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """Run shell ``commands`` in a fresh user + network namespace (``unshare -rn``), loopback only."""
    assert shutil.which("unshare") and shutil.which("ip"), "needs unshare (util-linux) and ip (iproute2)"
    script = ONLY_LOOPBACK + "\n".join(commands)
    return subprocess.run(
        ["unshare", "-rn", "sh", "-c", script], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def test_notebook_04_and_the_benchmark_run_with_no_network_but_loopback():
    python = sys.executable
    notebook = NOTEBOOKS / "04_aiohttp.ipynb"
    result = _offline(
        f"{python} -c '{PROBE}'",
        f"{python} -c '{RUN_NOTEBOOK}' {notebook} {NOTEBOOKS}",
        f"{python} -m helpers.bench --quick --no-progress",
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "no route out:" in result.stdout
    assert "notebook ran offline, 0 errors" in result.stdout
