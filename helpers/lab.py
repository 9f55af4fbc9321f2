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

The counters are this process's: ``stats()`` and ``reset_stats()`` send the
server's token (``server.token``, a fresh random one at each start, handed to the
server on its standard input, never on its command line), and on Linux the server
counts only requests from this user's processes (:mod:`helpers.server`).
``COURSE_LAB_TOKEN`` in the environment sets the token instead: for a tool that
watches a kernel's lab server from outside it, as the reliability suite does.
"""

from __future__ import annotations

import atexit
import http.client
import json
import os
import queue
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from helpers.i18n import _
from helpers.platforms import raise_open_file_limit
from helpers.server import LabConfig, check_token

ENV_BASE_URL = "COURSE_BASE_URL"
ENV_TOKEN = "COURSE_LAB_TOKEN"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: never via a proxy

_lock = threading.Lock()
_current: LabServer | None = None
_atexit_registered = False


class LabServer:
    """A running lab server process. Use :func:`start_server` to get one.

    Attributes: ``url`` (base URL, no trailing slash), ``config``
    (:class:`~helpers.server.LabConfig`), ``latency`` (seconds), ``cold_latency``
    (the same: a new loopback connection costs next to nothing), ``pid``.
    ``plain=True`` starts it without ``/stats`` (``has_stats`` False): a plain
    httpbin-like server, for trying the ``COURSE_BASE_URL`` path offline;
    ``connect_delay`` seconds are added to the first answer on each new connection.
    ``loop="uvloop"`` serves on uvloop (if installed) instead of asyncio's default loop.
    ``token``: what ``/stats`` and ``/stats/reset`` ask for (``COURSE_LAB_TOKEN``, else a fresh
    random one; None with ``plain``): send it as ``Authorization: Bearer <token>`` to ask by hand.
    """

    has_stats = True

    def __init__(
        self,
        config: LabConfig,
        *,
        timeout: float = 20.0,
        plain: bool = False,
        connect_delay: float = 0.0,
        loop: str = "asyncio",
    ) -> None:
        if loop not in ("asyncio", "uvloop"):
            raise ValueError(f"loop must be 'asyncio' or 'uvloop' (if installed), got {loop!r}")
        self.config = config
        self.has_stats = not plain
        self.latency = config.latency
        self.cold_latency = config.latency  # loopback: a new connection costs next to nothing
        self.token = None if plain else _token()
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
        if config.rate_limit:  # 429 past this many requests per sliding second
            cmd += ["--rate-limit", str(config.rate_limit)]
        if config.cancel_on_disconnect:  # stop a request's handler when its client hangs up
            cmd.append("--cancel-on-disconnect")
        if plain:  # no /stats: an httpbin-like server, to try the COURSE_BASE_URL path offline
            cmd.append("--plain")
        else:  # the token comes first on its standard input: a command line is public (ps)
            cmd.append("--token-from-stdin")
        if connect_delay:  # a new connection's set-up, as over the internet
            cmd += ["--connect-delay", repr(connect_delay)]
        if loop != "asyncio":  # the benchmark's zero-latency server, on uvloop where installed
            cmd += ["--loop", loop]
        if config.seed is not None:
            cmd += ["--seed", str(config.seed)]
        self._proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, env=env
        )
        self.pid = self._proc.pid
        if self.token is not None:
            try:
                self._proc.stdin.write(f"{self.token}\n".encode())
                self._proc.stdin.flush()
            except OSError:  # it died at once: _wait_for_url says why
                pass
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
                "Check that aiohttp is installed in this kernel's environment (run `python3 course.py "
                "lab` from the course folder; Windows: `py course.py lab`)."
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
        request = urllib.request.Request(
            self.url + path, method=method, headers={"Authorization": f"Bearer {self.token}"}
        )
        with _OPENER.open(request, timeout=10) as response:
            return json.load(response)

    def stats(self, *, note: bool = True) -> dict:
        """The server's counters: ``requests``, ``in_flight``, ``peak_in_flight``,
        ``connections`` (TCP connections that carried a counted request),
        ``accepted`` (all TCP connections accepted), ``open_connections``,
        ``errors_injected``, ``connections_dropped``, ``rate_limited`` (answered 429),
        ``peak_per_second`` (most requests received in one sliding second),
        ``loop_lag_max`` (the longest the server waited for a CPU at once, in seconds: how busy
        the machine was), ``seconds_since_reset``, ``config``; and what other users' processes
        sent, not counted in those: ``foreign_requests``, ``foreign_connections``,
        ``foreign_refused``, ``foreign_users``, with ``owner`` (whose requests count; None:
        everyone's) and ``control_refused`` (asks for these counters refused).
        With ``note`` (the default), says in one line, once per notebook cell, when another
        user's processes sent requests since the last reset."""
        stats = self._call("GET", "/stats")
        if note and (stats["foreign_requests"] or stats["foreign_connections"]) and _once_per_cell("foreign"):
            print(foreign_note(stats))
        return stats

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
            f"error_rate={c.error_rate:g} drop_rate={c.drop_rate:g} seed={c.seed}"
            + (f" rate_limit={c.rate_limit}/s" if c.rate_limit else "")
            + (" cancel_on_disconnect" if c.cancel_on_disconnect else "")
            + f" pid={self.pid} {state}>"
        )


class NotMeasured:
    """A counter that this server does not keep: shows as ``n/a``.

    Arithmetic with it gives it back (``100 - n/a`` is ``n/a``), so a cell that
    computes with the lab's counters still runs on a server that has none;
    ordering comparisons raise ``TypeError``, and it is falsy.
    """

    _instance: NotMeasured | None = None

    def __new__(cls) -> NotMeasured:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "n/a"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        try:
            return format("n/a", spec)
        except ValueError:  # a numeric spec such as ".1f"
            return "n/a"

    def __bool__(self) -> bool:
        return False

    def _same(self, *other: object) -> NotMeasured:
        return self

    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __neg__ = __round__ = _same


NOT_MEASURED = NotMeasured()

COUNTER_NAMES = (
    "requests", "in_flight", "peak_in_flight", "connections", "accepted", "open_connections",
    "errors_injected", "connections_dropped", "rate_limited", "abandoned", "peak_per_second",
    "loop_lag_max", "seconds_since_reset", "owner", "foreign_requests", "foreign_connections",
    "foreign_refused", "foreign_users", "control_refused", "config", "pid",
)  # fmt: skip


def _token() -> str:
    """``COURSE_LAB_TOKEN`` if set (ValueError if it cannot be a token), else a fresh random one."""
    given = os.environ.get(ENV_TOKEN, "").strip()
    if not given:
        return secrets.token_urlsafe(32)
    try:
        return check_token(given)
    except ValueError as exc:
        raise ValueError(f"{ENV_TOKEN}: {exc}") from None


def foreign_note(stats: Mapping) -> str:
    """The line that says another user's processes talked to this lab server (from its ``stats``)."""
    users = ", ".join(stats["foreign_users"]) or _("another user")
    requests, connections = stats["foreign_requests"], stats["foreign_connections"]
    return _(
        "Another user's processes ({users}) sent {requests} request{s} on {connections} connection{s2} "
        "to this lab server since the last reset; they are not in these counters.",
        users=users,
        requests=requests,
        s="s" * (requests != 1),
        connections=connections,
        s2="s" * (connections != 1),
    )


class NoCounters(Mapping):
    """What ``stats()`` gives on a server without the lab's counters: each reads ``n/a``.

    ``cpu_wait``: not a counter of the server but of this machine: how long this process's threads
    waited for a CPU since ``reset_stats()``, in seconds (Linux: :func:`cpu_waited`), else None.
    """

    def __init__(self, url: str, cpu_wait: float | None = None) -> None:
        self.url = url
        self.cpu_wait = cpu_wait

    def __getitem__(self, key: str) -> NotMeasured:
        if key not in COUNTER_NAMES:
            raise KeyError(key)
        return NOT_MEASURED

    def __iter__(self):
        return iter(COUNTER_NAMES)

    def __len__(self) -> int:
        return len(COUNTER_NAMES)

    def __repr__(self) -> str:  # stats() has said why; the display shows what is missing
        return "{" + ", ".join(f"{key!r}: n/a" for key in COUNTER_NAMES) + "}"


def no_counters_note(url: str) -> str:
    """The one sentence a cell shows where the lab's counters are missing."""
    return _(
        "{url} keeps no counters, so requests, peak_in_flight and connections read n/a here; "
        "the lab server counts them (unset {variable} to use it).",
        url=url,
        variable=ENV_BASE_URL,
    )


def measurable(value: object) -> bool:
    """False for a counter this server does not keep (:data:`NOT_MEASURED`)."""
    return value is not NOT_MEASURED


_noted: dict[str, object] = {}


def _once_per_cell(key: str) -> bool:
    """True the first time ``key`` is asked in this notebook cell (always, outside IPython)."""
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is None:
        return True
    cell = shell.execution_count
    if _noted.get(key) == cell:
        return False
    _noted[key] = cell
    return True


class BaseURLError(ValueError):
    """``COURSE_BASE_URL`` is not a URL, does not answer, or is not an httpbin-like server."""


def check_base_url(value: str) -> str:
    """``value`` as a base URL (scheme, host, optional port and path; no trailing slash).

    Raises :class:`BaseURLError` naming the variable, its value and what was
    expected, for anything but ``http(s)://host[:port][/path]``.
    """
    expected = "expected a base URL such as https://httpbin.org or http://127.0.0.1:8000"
    try:
        parts = urllib.parse.urlsplit(value.strip())
    except ValueError:  # e.g. an unclosed IPv6 bracket
        raise BaseURLError(f"{ENV_BASE_URL}={value!r} is not a URL the course can use: {expected}.") from None
    try:
        parts.port  # noqa: B018 (raises ValueError for a port that is not a number)
    except ValueError:
        raise BaseURLError(f"{ENV_BASE_URL}={value!r} has a bad port: {expected}.") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise BaseURLError(f"{ENV_BASE_URL}={value!r} is not a URL the course can use: {expected}.")
    if parts.username or parts.password or " " in parts.path:
        raise BaseURLError(
            f"{ENV_BASE_URL}={value!r}: the course sends no credentials and cannot use a space in the "
            f"path; {expected}."
        )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _round_trips(url: str, count: int, timeout: float) -> tuple[float, list[float]]:
    """On one new connection: the first GET to ``url/get`` (connection set-up included), then
    ``count`` warm ones; checks each answer is httpbin's JSON echo of its query."""
    parts = urllib.parse.urlsplit(url)
    https = parts.scheme == "https"
    connection_class = http.client.HTTPSConnection if https else http.client.HTTPConnection
    connection = connection_class(parts.hostname, parts.port or (443 if https else 80), timeout=timeout)
    samples = []
    try:
        for i in range(count + 1):
            start = time.perf_counter()
            connection.request("GET", f"{parts.path}/get?course={i}", headers={"Accept": "application/json"})
            response = connection.getresponse()
            body = response.read()
            samples.append(time.perf_counter() - start)
            try:
                args = json.loads(body)["args"] if response.status == 200 else None
            except (ValueError, KeyError, TypeError):
                args = None
            if args != {"course": str(i)}:
                raise BaseURLError(
                    f"{ENV_BASE_URL}={url!r} answered GET /get?course={i} with status {response.status} "
                    f"and {body[:80]!r}: expected an httpbin-like server, whose /get echoes the query "
                    'as JSON ({"args": {"course": "%d"}, ...}).' % i
                )
    except (OSError, http.client.HTTPException) as exc:  # refused, unreachable, TLS, not HTTP at all
        raise BaseURLError(
            f"{ENV_BASE_URL}={url!r} does not answer ({type(exc).__name__}: {exc}): expected an httpbin-like "
            f"server reachable from this machine (directly: this check uses no proxy). Check the address, "
            f"or unset {ENV_BASE_URL} to use the lab server."
        ) from None
    finally:
        connection.close()
    return samples[0], samples[1:]


def cpu_waits() -> dict[int, float]:
    """Each thread of this process (by native id): the seconds it has spent ready to run but waiting
    for a CPU since it started, as Linux's scheduler counts them (``/proc/self/task/*/schedstat``).
    Empty where the system does not say (macOS, Windows, a kernel without schedstats)."""
    waits = {}
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return waits
    for task in tasks:
        waited = _waited(f"/proc/self/task/{task}/schedstat")
        if waited is not None:  # None: a thread that ended meanwhile, or no schedstats
            waits[int(task)] = waited
    return waits


def thread_cpu_wait() -> float | None:
    """The seconds the calling thread has spent ready to run but waiting for a CPU since it
    started (Linux's ``/proc/thread-self/schedstat``); None where the system does not say."""
    return _waited("/proc/thread-self/schedstat")


def _waited(schedstat: str) -> float | None:
    """The run-queue wait (seconds) in a ``schedstat`` file, None if it cannot be read."""
    try:
        with open(schedstat, encoding="utf-8") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, ValueError, IndexError):
        return None


def cpu_waited(since: dict[int, float]) -> float | None:
    """Seconds this process's threads waited for a CPU since the :func:`cpu_waits` reading ``since``
    (threads alive at both readings, or started since; one that ended meanwhile is not counted);
    None where the system does not say."""
    now = cpu_waits()
    if not now or not since:
        return None
    return sum(now[t] - since.get(t, 0.0) for t in now)


class RemoteServer:
    """Stands in for :class:`LabServer` when ``COURSE_BASE_URL`` names another server.

    Any server that speaks httpbin's ``/get``, ``/delay/{s}`` and ``/status/{code}``
    will do. ``latency`` is the median of a few warm round trips to ``/get``
    (``round_trips``), measured once per URL and process; it is the limit the
    notebooks compare with. ``cold_latency`` is the median of 3 first GETs on new
    connections (TCP and TLS set-up included): the limit for code that opens a
    connection per request, which checkers allow for. ``stats()`` and ``reset_stats()`` give
    :class:`NoCounters`; the ``cpu_wait`` of ``stats()`` says how long this process waited for a
    CPU since ``reset_stats()``, so that checkers can tell a crowded machine here too. Raises
    :class:`BaseURLError` for a bad URL, a server that does not answer, or one that is not
    httpbin-like.
    """

    has_stats = False
    config = None
    pid = None
    alive = True

    def __init__(self, url: str, *, samples: int = 5, timeout: float = 15.0) -> None:
        self.url = check_base_url(url)
        first, self.round_trips = _round_trips(self.url, samples, timeout)
        colds = [first] + [_round_trips(self.url, 0, timeout)[0] for _unused in range(2)]
        self.latency = statistics.median(self.round_trips)
        self.cold_latency = max(self.latency, statistics.median(colds))
        self._since: dict[int, float] = {}

    def stats(self, *, note: bool = True) -> NoCounters:
        """No counters: a :class:`NoCounters` (with ``cpu_wait`` since ``reset_stats()``, where the
        system tells it); prints why, once per notebook cell, unless ``note=False``."""
        if note and _once_per_cell("stats"):
            print(no_counters_note(self.url))
        return NoCounters(self.url, cpu_wait=cpu_waited(self._since))

    def reset_stats(self) -> NoCounters:
        """Nothing to reset at the server: a :class:`NoCounters`; ``stats().cpu_wait`` counts from here."""
        self._since = cpu_waits()
        return NoCounters(self.url)

    def stop(self, timeout: float = 0.0) -> None:
        """Nothing to stop: the remote server is not ours."""

    def __enter__(self) -> RemoteServer:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def __repr__(self) -> str:
        return (
            f"<RemoteServer {self.url} (from {ENV_BASE_URL}): no counters; measured round trip "
            f"{self.latency * 1000:.1f} ms (median of {len(self.round_trips)} warm GETs; "
            f"{self.cold_latency * 1000:.1f} ms on a new connection)>"
        )


_remotes: dict[str, RemoteServer] = {}
_last_knobs: dict | None = None


def _remote(value: str, knobs: dict) -> RemoteServer:
    """The RemoteServer for ``value`` (measured on first use); says once when the knobs change nothing."""
    global _last_knobs
    url = check_base_url(value)
    if url not in _remotes:
        _remotes[url] = RemoteServer(url)
    server = _remotes[url]
    asked = {k: v for k, v in knobs.items() if v}
    if asked and asked != _last_knobs and _once_per_cell("knobs"):
        settings = ", ".join(f"{k}={v!r}" for k, v in asked.items())
        print(
            _(
                "{variable} is set: {settings} has no effect on {url}; its measured round trip, "
                "{ms:.1f} ms, is the limit here.",
                variable=ENV_BASE_URL,
                settings=settings,
                url=url,
                ms=server.latency * 1000,
            )
        )
    _last_knobs = asked
    return server


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
    rate_limit: int = 0,
    cancel_on_disconnect: bool = False,
) -> LabServer | RemoteServer:
    """Return a running lab server with this configuration.

    Calling it again with the same configuration returns the server already
    running; with another configuration, it stops that one and starts anew.
    ``rate_limit=R`` makes it answer 429 past ``R`` requests per sliding second
    (:mod:`helpers.server`), counted as ``rate_limited`` in :meth:`LabServer.stats`.
    ``cancel_on_disconnect=True`` makes it stop a request when its client hangs up
    (counted as ``abandoned``); by default it finishes the request for nobody.
    Bad values raise ``ValueError`` before anything starts. With
    ``COURSE_BASE_URL`` set, returns a :class:`RemoteServer` for that URL.
    Either way it first raises this process's soft open-file limit to 4,096 where
    that is lower (:func:`helpers.platforms.raise_open_file_limit`): each connection
    is a file here, and macOS allows a process 256 by default.
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
        rate_limit=rate_limit,
        cancel_on_disconnect=cancel_on_disconnect,
    )
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
        raise ValueError(f"timeout must be a number of seconds in (0, 600], got {timeout!r}")
    raise_open_file_limit()  # the client's end: a socket per connection (no such limit on Windows)
    remote = os.environ.get(ENV_BASE_URL, "").strip()
    if remote:
        knobs = {"latency": latency, "jitter": jitter, "error_rate": error_rate, "drop_rate": drop_rate}
        knobs["rate_limit"] = rate_limit
        knobs["cancel_on_disconnect"] = cancel_on_disconnect
        return _remote(remote, knobs)
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
