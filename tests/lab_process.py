"""Run the README's first command (`python3 course.py lab`, or `make lab`) headless for a test, and stop
it cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.notebook_run import ROOT


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def lab_command(port: int, token: str, via: str = "course.py") -> list[str]:
    """The command line that starts the course's JupyterLab on ``port``, ``via`` course.py or make,
    with this test's Python and its venv (so a run on 3.14 uses .venv-3.14, not .venv)."""
    if via == "make":
        return [
            "make", "lab", f"PYTHON={sys.executable}", f"VENV={sys.prefix}", f"LAB_PORT={port}",
            f"LAB_TOKEN={token}", "LAB_FLAGS=--no-browser",
        ]  # fmt: skip
    assert via == "course.py", via
    return [sys.executable, "course.py", "--venv", sys.prefix, "lab", "--port", str(port), "--token", token,
            "--no-browser"]  # fmt: skip


@contextmanager
def make_lab(
    tmp_path: Path,
    token: str,
    env: dict[str, str] | None = None,
    via: str = "course.py",
    cwd: Path = ROOT,
    command: list[str] | None = None,
    startup: float = 90,
) -> Iterator[tuple[str, Path]]:
    """Start the course's JupyterLab on a free port with ``token``; yield (base URL, log file) once it
    answers.

    ``via`` is "course.py" (`python course.py lab`, the default) or "make" (`make lab`, its wrapper),
    run with this test's Python in ``cwd``; ``command`` replaces both (``{port}`` in it is filled in).
    Everything runs in a process group of its own, stopped together at the end.
    """
    port = free_port()
    log = tmp_path / "lab.log"
    full_env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), **(env or {})}
    argv = [part.format(port=port) for part in command] if command else lab_command(port, token, via)
    with open(log, "w") as out:
        proc = subprocess.Popen(
            argv,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=full_env,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + startup
        while True:
            assert proc.poll() is None, f"{' '.join(argv)} exited:\n{log.read_text()[-3000:]}"
            assert time.monotonic() < deadline, f"JupyterLab did not start:\n{log.read_text()[-3000:]}"
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        yield base, log
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
