"""Drive a real kernel cell by cell, so tests can kill or restart it mid-notebook."""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.request
from pathlib import Path

import nbformat
import psutil
from jupyter_client.manager import KernelManager

_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def code_cells(path: Path) -> list[tuple[str, list[str]]]:
    """The notebook's code cells, in order, as (source, tags)."""
    cells = nbformat.read(path, as_version=4).cells
    return [(c.source, c.metadata.get("tags", [])) for c in cells if c.cell_type == "code"]


TOKEN = secrets.token_urlsafe(32)  # the kernels' lab servers' token (COURSE_LAB_TOKEN), so that
# lab_stats can read their counters from outside while a cell runs


class Kernel:
    """A python3 kernel started in ``cwd``; ``run(code)`` waits, ``send(code)`` does not."""

    def __init__(self, cwd: Path):
        self.km = KernelManager(kernel_name="python3")
        self.km.start_kernel(cwd=str(cwd), env={**os.environ, "COURSE_LAB_TOKEN": TOKEN})
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=60)

    @property
    def pid(self) -> int:
        return self.km.provisioner.process.pid

    def run(self, code: str, timeout: float = 120) -> dict:
        """Execute ``code``; return the reply content plus the error output's text, if any."""
        errors: list[str] = []

        def hook(msg):
            if msg["msg_type"] == "error":
                errors.append("\n".join(msg["content"]["traceback"]))

        reply = self.kc.execute_interactive(code, timeout=timeout, output_hook=hook, store_history=True)
        content = dict(reply["content"])
        content["error_text"] = "\n".join(errors)
        return content

    def send(self, code: str) -> str:
        """Start executing ``code``; return its msg_id (see :meth:`finished`)."""
        return self.kc.execute(code)

    def finished(self, msg_id: str, wait: float = 0.05) -> bool:
        """True once the reply to ``msg_id`` has arrived (waits up to ``wait`` seconds)."""
        try:
            msg = self.kc.get_shell_msg(timeout=wait)
        except Exception:  # queue.Empty
            return False
        return msg["parent_header"].get("msg_id") == msg_id

    def descendants(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def lab_servers(self) -> list[psutil.Process]:
        return [p for p in self.descendants() if "helpers.server" in " ".join(_cmdline(p))]

    def restart(self) -> None:
        self.km.restart_kernel(now=False)
        self.kc.wait_for_ready(timeout=60)

    def shutdown(self) -> None:
        try:
            self.kc.stop_channels()
        finally:
            if self.km.is_alive():
                self.km.shutdown_kernel(now=True)
            else:  # killed: only its files, sockets and zmq context are left to clean up
                self.km.cleanup_resources()


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def lab_stats(process: psutil.Process) -> dict | None:
    """The /stats of a lab-server process, found by the port it listens on."""
    try:
        ports = [c.laddr.port for c in process.net_connections(kind="inet") if c.status == psutil.CONN_LISTEN]
    except psutil.Error:
        return None
    for port in ports:
        try:
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/stats", headers={"Authorization": f"Bearer {TOKEN}"}
            )
            with _OPENER.open(request, timeout=2) as response:
                return json.load(response)
        except OSError:
            continue
    return None


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those of ``processes`` still running (zombies count as gone)."""
    result = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                result.append(p)
        except psutil.NoSuchProcess:
            pass
    return result


def wait_gone(processes: list[psutil.Process], within: float) -> list[psutil.Process]:
    deadline = time.monotonic() + within
    while (left := alive(processes)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left
