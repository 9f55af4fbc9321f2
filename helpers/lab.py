"""Start, reuse and stop the lab server from a notebook or a script.

>>> server = start_server(latency=0.1)      # doctest: +SKIP
>>> server.url                               # doctest: +SKIP
'http://127.0.0.1:41234'
>>> server.stats()["requests"]               # doctest: +SKIP
0

The server (:mod:`helpers.server`) runs in its own process, so the client's
threads and GIL are undisturbed by it. It watches a pipe from this process and
exits within a few seconds of this process dying, however it dies (SIGKILL
included), so a killed kernel leaves no server behind.

Set the environment variable ``COURSE_BASE_URL`` (e.g. ``https://httpbin.org``)
to use that server instead: :func:`start_server` then starts nothing and
returns a :class:`RemoteServer` (no counters; its latency is measured).
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

from helpers.server import LabConfig

ENV_BASE_URL = "COURSE_BASE_URL"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy

_lock = threading.Lock()
_current: LabServer | None = None
_atexit_registered = False


class LabServer:
    """A running lab server process. Use :func:`start_server` to get one.

    Attributes: ``url`` (base URL, no trailing slash), ``config``
    (:class:`~helpers.server.LabConfig`), ``latency`` (seconds), ``pid``.
    """

    has_stats = True

    def __init__(self, config: LabConfig, *, timeout: float = 20.0) -> None:
        self.config = config
        self.latency = config.latency
        self._stderr = tempfile.TemporaryFile()
        package_root = str(Path(__file__).resolve().parent.parent)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        cmd = [
            sys.executable, "-m", "helpers.server", "--exit-on-stdin-eof",
            "--latency", repr(config.latency), "--jitter", repr(config.jitter),
            "--error-rate", repr(config.error_rate), "--drop-rate", repr(config.drop_rate),
            "--host", config.host, "--port", str(config.port),
        ]  # fmt: skip
        if config.public:
            cmd.append("--public")
        if config.seed is not None:
            cmd += ["--seed", str(config.seed)]
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env
        )
        self.pid = self._proc.pid
        self.url = self._wait_for_url(timeout)

    def _wait_for_url(self, timeout: float) -> str:
        lines: queue.Queue[bytes] = queue.Queue()
        threading.Thread(target=lambda: lines.put(self._proc.stdout.readline()), daemon=True).start()
        try:
            line = lines.get(timeout=timeout).decode().strip()
        except queue.Empty:
            line = ""
        if not line.startswith("http"):
            self.stop()
            self._stderr_text = self._read_stderr()
            raise RuntimeError(
                f"The lab server did not start (config {self.config}).\n{self._stderr_text or 'No output.'}\n"
                "Check that aiohttp is installed in this kernel's environment "
                "(run `make lab` from the course folder)."
            )
        self._proc.stdout.close()  # it prints nothing after its URL
        return line

    def _read_stderr(self) -> str:
        try:
            self._stderr.seek(0)
            return self._stderr.read().decode(errors="replace").strip()[-2000:]
        except (OSError, ValueError):
            return ""

    @property
    def alive(self) -> bool:
        """True while the server process runs."""
        return self._proc.poll() is None

    def _call(self, method: str, path: str) -> dict:
        if not self.alive:
            raise RuntimeError("The lab server has stopped; call start_server() again.")
        request = urllib.request.Request(self.url + path, method=method)
        with _OPENER.open(request, timeout=10) as response:
            return json.load(response)

    def stats(self) -> dict:
        """The server's counters: ``requests``, ``in_flight``, ``peak_in_flight``,
        ``connections`` (TCP connections that carried a counted request),
        ``accepted`` (all TCP connections accepted), ``open_connections``,
        ``errors_injected``, ``connections_dropped``, ``seconds_since_reset``, ``config``."""
        return self._call("GET", "/stats")

    def reset_stats(self) -> dict:
        """Set the counters to zero (``POST /stats/reset``) and return them."""
        return self._call("POST", "/stats/reset")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server and wait for its process to exit. Safe to call twice."""
        proc = self._proc
        if proc.stdin and not proc.stdin.closed:
            try:
                proc.stdin.close()  # the server sees EOF and shuts down cleanly
            except OSError:
                pass
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, self._stderr):
            if stream and not stream.closed:
                stream.close()

    def __enter__(self) -> LabServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def __repr__(self) -> str:
        c = self.config
        state = "running" if self.alive else "stopped"
        return (
            f"<LabServer {self.url} latency={c.latency:g}s jitter={c.jitter:g}s "
            f"error_rate={c.error_rate:g} drop_rate={c.drop_rate:g} seed={c.seed} pid={self.pid} {state}>"
        )


class RemoteServer:
    """Stands in for :class:`LabServer` when ``COURSE_BASE_URL`` names a real server.

    It has no counters (``stats()`` raises) and its ``latency`` is the median of
    a few measured round trips to ``/get``.
    """

    has_stats = False
    config = None
    pid = None
    alive = True

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        samples = []
        for _ in range(3):
            start = time.perf_counter()
            with _OPENER.open(self.url + "/get", timeout=30) as response:
                response.read()
            samples.append(time.perf_counter() - start)
        self.latency = statistics.median(samples)

    def stats(self) -> dict:
        raise RuntimeError(
            f"{self.url} is not the lab server, so it has no counters. "
            f"Unset {ENV_BASE_URL} to use the lab server."
        )

    reset_stats = stats

    def stop(self, timeout: float = 0.0) -> None:
        """Nothing to stop: the remote server is not ours."""

    def __enter__(self) -> RemoteServer:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __repr__(self) -> str:
        return f"<RemoteServer {self.url} measured round trip={self.latency:.3f}s>"


def start_server(
    latency: float = 0.0,
    *,
    jitter: float = 0.0,
    error_rate: float = 0.0,
    drop_rate: float = 0.0,
    seed: int | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    public: bool = False,
    timeout: float = 20.0,
) -> LabServer | RemoteServer:
    """Return a running lab server with this configuration.

    Calling it again with the same configuration returns the server already
    running; with another configuration, it stops that one and starts anew.
    Bad values raise ``ValueError`` before anything starts. With
    ``COURSE_BASE_URL`` set, returns a :class:`RemoteServer` for that URL.
    """
    global _current, _atexit_registered
    config = LabConfig(
        latency=latency,
        jitter=jitter,
        error_rate=error_rate,
        seed=seed,
        host=host,
        port=port,
        drop_rate=drop_rate,
        public=public,
    )
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
        raise ValueError(f"timeout must be a number of seconds in (0, 600], got {timeout!r}")
    remote = os.environ.get(ENV_BASE_URL, "").strip()
    if remote:
        return RemoteServer(remote)
    with _lock:
        if _current is not None:
            if _current.alive and _current.config == config:
                return _current
            _current.stop()
            _current = None
        _current = LabServer(config, timeout=timeout)
        if not _atexit_registered:
            atexit.register(stop_server)
            _atexit_registered = True
        return _current


def current_server() -> LabServer | None:
    """The lab server started by this process, if it is still running."""
    return _current if _current is not None and _current.alive else None


def stop_server() -> None:
    """Stop the lab server started by this process, if any."""
    global _current
    with _lock:
        if _current is not None:
            _current.stop()
            _current = None
