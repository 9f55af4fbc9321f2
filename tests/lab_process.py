"""Run `make lab` (the README's first command) headless for a test, and stop it cleanly."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
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


@contextmanager
def make_lab(tmp_path: Path, token: str, env: dict[str, str] | None = None) -> Iterator[tuple[str, Path]]:
    """Start `make lab` on a free port with ``token``; yield (base URL, log file) once it answers.

    make and JupyterLab run in a process group of their own, stopped together at the end.
    """
    port = free_port()
    log = tmp_path / "lab.log"
    full_env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"), **(env or {})}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["make", "lab", f"LAB_PORT={port}", f"LAB_TOKEN={token}", "LAB_FLAGS=--no-browser"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=full_env,
            start_new_session=True,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, f"make lab exited:\n{log.read_text()[-3000:]}"
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
