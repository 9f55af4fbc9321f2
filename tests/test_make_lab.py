"""`make lab` (the README's first command) serves JupyterLab on the course home notebook."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import time
import urllib.request

from tests.notebook_run import ROOT


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_make_lab_serves_the_home_notebook(tmp_path):
    port, token = _free_port(), "course-test-token"
    log = tmp_path / "lab.log"
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    with open(log, "w") as out:
        proc = subprocess.Popen(
            ["make", "lab", f"LAB_PORT={port}", f"LAB_TOKEN={token}", "LAB_FLAGS=--no-browser"],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,  # make and jupyter in one process group, stopped together
        )
    try:
        url = None
        deadline = time.monotonic() + 90
        while url is None and time.monotonic() < deadline and proc.poll() is None:
            found = re.search(
                rf"http://127\.0\.0\.1:{port}/lab/tree/00_\w+\.ipynb\?token={token}", log.read_text()
            )
            url = found.group() if found else time.sleep(0.5)
        assert url, f"make lab printed no URL to the home notebook:\n{log.read_text()[-3000:]}"
        for _ in range(60):  # the URL is printed just before the server listens
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api", timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
            assert b"JupyterLab" in response.read()
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/lab?token={token}", timeout=30) as response:
            assert response.status == 200
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
