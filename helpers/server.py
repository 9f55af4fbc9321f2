"""The lab server: a local, offline stand-in for httpbin.org.

An aiohttp.web application with httpbin-compatible endpoints and a simulated
network (latency, jitter, injected errors, dropped connections), plus
counters that make concurrency visible:

====================  =====================================================
``GET /get``          httpbin's JSON (``args``, ``headers``, ``origin``,
                      ``url``) after ``latency`` (+ up to ``jitter``)
                      seconds; a fraction ``error_rate`` is answered 503,
                      a fraction ``drop_rate`` gets its connection closed
                      with no answer at all.
``GET /delay/{s}``    like httpbin: waits ``s`` seconds (0-10), then JSON.
``GET /status/{c}``   answers status ``c`` (``200,503`` picks one at random).
``GET /stats``        the lab's counters as JSON (not counted itself).
``POST /stats/reset`` sets the counters back to zero; answers the new stats.
====================  =====================================================

The counters belong to whoever started the server. On a machine shared by several users (a
JupyterHub whose students are Unix users of one machine) every user's process can reach every
port on loopback, so:

- ``/stats`` and ``/stats/reset`` ask for the server's **token**, a random secret made at each
  start, in the header ``Authorization: Bearer <token>``, compared in constant time. Without it
  they answer ``401``, with another one ``403`` (a token of an earlier server too), each with a
  plain message; a refused ask changes nothing and is counted only in ``control_refused``.
  :func:`helpers.lab.start_server` makes the token and hands it to the server on its standard
  input (a command line is visible to every user in ``ps``); run by hand, the server makes its
  own and prints it under its URL.
- The counters count **only the owner's requests**. On Linux the server asks the kernel whose
  process holds the other end of each connection (:mod:`helpers.peers`, about 13 µs a
  connection). Requests from another user's processes are served, as httpbin serves anyone, but
  counted apart (``foreign_requests``, ``foreign_connections``, ``foreign_users``), at most
  ``FOREIGN_RATE_LIMIT`` a second (past that: ``429`` and the connection closed) on at most
  ``FOREIGN_MAX_OPEN`` connections at once (past that: closed at once); they never touch the
  owner's rate limit. The right token from another user's process is refused too (``403``): a
  token copied from its owner cannot be replayed. Elsewhere (macOS, Windows), and on a
  ``--public`` server, every client counts and ``owner`` is ``None``.

With ``rate_limit=R`` (``--rate-limit R``) the server also enforces a rate limit,
as many real APIs do: past ``R`` requests admitted within one sliding second it
answers ``429 Too Many Requests`` with a ``Retry-After`` header, at once and
without counting the request as served. The window is a second less
``RATE_SLACK_S`` (50 ms), so that the network's jitter does not refuse a client
paced at exactly ``R`` per second, and less the server's own stalls (below).
``/stats`` counts the refusals (``rate_limited``) and, with or without a limit,
``peak_per_second``: the most requests received (refused ones included) within
any such window.

The server measures its own stalls. While requests come (and for
``HEARTBEAT_IDLE_S`` after the last one: an idle server wakes for nothing), a
heartbeat in its event loop sleeps ``HEARTBEAT_S`` (20 ms) at a time; how late it
wakes, beyond the CPU time the server spent meanwhile, is how long the server was
ready to run but had no CPU (a CPU quota's throttling, a crowded machine).
``/stats`` reports the worst since the last reset as ``loop_lag_max`` (seconds).
A stalled server stamps requests late, and those that waited in its socket
together: evenly paced requests look bunched. So the rate limit's window also
shrinks by the worst stall of the last second (never below
``MIN_RATE_WINDOW_S``): an arrival is refused only if the stall cannot explain
it. A burst, or a client that starts a request whenever one ends, is still refused.

With ``--plain`` it has neither ``/stats`` nor ``/stats/reset`` (404): a plain
httpbin-like server, to try the course's ``COURSE_BASE_URL`` path offline.
``--connect-delay S`` makes the first answer on each new connection S seconds
later, as TCP and TLS set-up do over the internet::

    python -m helpers.server --plain --latency 0.1 --connect-delay 0.2 --port 8000
    COURSE_BASE_URL=http://127.0.0.1:8000 python3 course.py lab

Run it from a shell (it prints its base URL as the first line, its token on the second)::

    python -m helpers.server --latency 0.1 --port 8000
    curl -H "Authorization: Bearer <token>" http://127.0.0.1:8000/stats

From a notebook, use :func:`helpers.lab.start_server`, which runs this module
in its own process.

It raises its own soft open-file limit to 4,096 where that is lower (macOS starts
processes at 256, Linux usually at 1,024; :mod:`helpers.platforms`), so that it can
hold hundreds of connections at once.

Safety: it listens on loopback only unless ``public=True`` (``--public``) says
otherwise; it serves no files; request bodies over 64 KiB are refused (413),
and so are header lines over 8 KiB or more than 64 headers (aiohttp's parser
answers 400).
"""

from __future__ import annotations

import argparse
import asyncio
import bisect
import collections
import hmac
import ipaddress
import math
import os
import random
import secrets
import socket
import sys
import threading
import time
import weakref
from dataclasses import asdict, dataclass

from aiohttp import web

from helpers import peers
from helpers.platforms import raise_open_file_limit

MAX_DELAY_S = 10.0  # httpbin's cap for /delay
MAX_LATENCY_S = 60.0
MAX_BODY_BYTES = 64 * 1024  # the lab's endpoints read no body: anything bigger is refused (413)
MAX_HEADER_LINE_BYTES = 8 * 1024  # request line and each header line
MAX_HEADERS = 64
RATE_WINDOW_S = 1.0  # rate_limit counts requests per sliding second...
RATE_SLACK_S = 0.05  # ...less this slack, for the network's jitter (see the module's docstring)
MIN_RATE_WINDOW_S = 0.5  # ...and less the server's recent stalls, but never shorter than this
HEARTBEAT_S = 0.02  # the loop's heartbeat: how late it wakes (beyond the server's own work) is a stall
HEARTBEAT_IDLE_S = 2.0  # the heartbeat stops after this long without a request, and starts with the next
NOTABLE_STALL_S = 0.001  # stalls shorter than this are not kept for the rate limit's window
MAX_RATE_LIMIT = 100_000
FOREIGN_RATE_LIMIT = 50  # requests a second, all other users' processes together (see the docstring)
FOREIGN_MAX_OPEN = 16  # connections other users' processes may hold open at once
MIN_TOKEN_CHARS = 16
UNKNOWN_UID = -1  # a client whose owner the kernel could not name (another host, gone already)


@dataclass(frozen=True)
class LabConfig:
    """The simulated network of one lab server; validated on creation.

    ``latency``: seconds added to every ``/get`` (the one-round-trip limit).
    ``jitter``: up to this many extra seconds, uniformly at random, per ``/get``.
    ``error_rate``: fraction of ``/get`` answered 503 (after the same wait).
    ``drop_rate``: fraction of ``/get`` whose connection is closed after the
    wait, with no answer (the client sees a disconnect).
    ``seed``: makes jitter, errors and drops reproducible (``None``: fresh each start).
    ``host``: a loopback address unless ``public`` is true.
    ``rate_limit``: at most this many requests admitted per sliding second, the
    others answered 429 (0, the default: no limit).
    ``cancel_on_disconnect``: stop handling a request when its client hangs up
    (aiohttp's ``handler_cancellation=True``): it leaves ``in_flight`` at once and
    is counted in ``abandoned``, not in ``requests``. Off by default, as in aiohttp:
    then the server finishes the request for nobody.
    """

    latency: float = 0.0
    jitter: float = 0.0
    error_rate: float = 0.0
    seed: int | None = None
    host: str = "127.0.0.1"
    port: int = 0
    drop_rate: float = 0.0
    public: bool = False
    rate_limit: int = 0
    cancel_on_disconnect: bool = False

    def __post_init__(self) -> None:
        _check_number("latency", self.latency, 0.0, MAX_LATENCY_S, "seconds")
        _check_number("jitter", self.jitter, 0.0, MAX_LATENCY_S, "seconds")
        _check_number("error_rate", self.error_rate, 0.0, 1.0, "a fraction")
        _check_number("drop_rate", self.drop_rate, 0.0, 1.0, "a fraction")
        if self.error_rate + self.drop_rate > 1.0:
            raise ValueError(
                f"error_rate + drop_rate must be at most 1, got {self.error_rate:g} + {self.drop_rate:g}"
            )
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise ValueError(f"seed must be an int or None, got {self.seed!r}")
        if not isinstance(self.host, str) or not self.host:
            raise ValueError(f"host must be a non-empty string, got {self.host!r}")
        if isinstance(self.port, bool) or not isinstance(self.port, int) or not 0 <= self.port <= 65535:
            raise ValueError(f"port must be an int in 0..65535 (0 = any free port), got {self.port!r}")
        if isinstance(self.rate_limit, bool) or not isinstance(self.rate_limit, int):
            raise ValueError(f"rate_limit must be an int (requests per second), got {self.rate_limit!r}")
        if not 0 <= self.rate_limit <= MAX_RATE_LIMIT:
            raise ValueError(f"rate_limit must be in 0..{MAX_RATE_LIMIT} (0: none), got {self.rate_limit!r}")
        if not isinstance(self.public, bool):
            raise ValueError(f"public must be True or False, got {self.public!r}")
        if not isinstance(self.cancel_on_disconnect, bool):
            raise ValueError(f"cancel_on_disconnect must be True or False, got {self.cancel_on_disconnect!r}")
        if not self.public and not _is_loopback(self.host):
            raise ValueError(
                f"host must be a loopback address (127.0.0.1, ::1, localhost), got {self.host!r}; "
                "pass public=True (--public) to serve other machines on purpose"
            )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _check_number(name: str, value: object, low: float, high: float, unit: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be a number ({unit}) in [{low:g}, {high:g}], got {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{name} must be in [{low:g}, {high:g}] ({unit}), got {value!r}")


class Counters:
    """What the lab counts. Lives in the server's event loop: no locks needed.

    ``owner_uid``: the user whose processes' requests are counted; the others' are counted apart
    (``foreign_*``). None: every client's requests count (not Linux, or a public server)."""

    def __init__(self, owner_uid: int | None = None) -> None:
        self.owner_uid = owner_uid
        self._peers: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # transport -> client's uid
        self._foreign_open: weakref.WeakSet = weakref.WeakSet()  # other users' connections
        self._foreign_times: collections.deque[float] = collections.deque()  # their requests, last second
        self.live: web.Server | None = None  # aiohttp's protocol factory, once serving: open connections
        self.epoch = 0  # one more at each reset: a request counts only in the epoch it arrived in
        self.heartbeat: asyncio.TimerHandle | None = None  # armed while requests come (see :meth:`wake`)
        self._active = 0.0  # when the last request came (time.monotonic)
        self._due = self._due_cpu = 0.0  # when the heartbeat is due to wake, and the CPU time it slept at
        self.reset()

    def reset(self) -> None:
        self.epoch += 1
        self.requests = 0  # requests served (answered), /stats excluded
        self.in_flight = 0  # requests being handled right now
        self.peak_in_flight = 0  # most requests handled at once since reset
        self.connections = 0  # TCP connections that carried a counted request since reset
        self.accepted = 0  # TCP connections accepted since reset (any request, or none)
        self._seen: weakref.WeakSet = weakref.WeakSet()
        self.errors_injected = 0  # /get answered 503 on purpose
        self.connections_dropped = 0  # /get whose connection was closed on purpose, unanswered
        self.rate_limited = 0  # requests answered 429: past rate_limit in one sliding second
        self.abandoned = 0  # requests whose client hung up before the answer (cancel_on_disconnect)
        self.peak_per_second = 0  # most requests received within one sliding second (429s included)
        self._received: collections.deque[float] = collections.deque()  # arrival times, last second
        self._admitted: collections.deque[float] = collections.deque()  # admitted ones (rate_limit)
        self.loop_lag_max = 0.0  # the longest the loop waited for a CPU since reset (s; see stall())
        self.foreign_requests = 0  # other users' processes' requests (served or refused), not above
        self.foreign_connections = 0  # connections from other users' processes (kept or closed at once)
        self.foreign_refused = 0  # of those: requests answered 429 and connections closed at once
        self.foreign_uids: set[int] = set()  # whose processes they were (UNKNOWN_UID: not known)
        self.control_refused = 0  # /stats and /stats/reset asks refused (no token, a wrong one, a neighbour)
        self._stalls: collections.deque[tuple[float, float]] = collections.deque()  # (when, s), last second
        self.since = time.time()
        self._since = time.monotonic()

    # whose connections: the owner's count, the others' are served and counted apart

    def connect(self, transport: asyncio.BaseTransport) -> bool:
        """A connection arrives: note whose process holds its other end. False when it must be
        closed at once: other users' processes hold ``FOREIGN_MAX_OPEN`` connections already."""
        if self.owner_uid is None:
            self.accepted += 1
            return True
        uid = peers.peer_uid(transport.get_extra_info("sockname"), transport.get_extra_info("peername"))
        uid = UNKNOWN_UID if uid is None else uid
        self._peers[transport] = uid
        if uid == self.owner_uid:
            self.accepted += 1
            return True
        self.foreign_connections += 1
        self.foreign_uids.add(uid)
        if sum(not t.is_closing() for t in self._foreign_open) >= FOREIGN_MAX_OPEN:
            self.foreign_refused += 1
            return False
        self._foreign_open.add(transport)
        return True

    def owns(self, transport: asyncio.BaseTransport | None) -> bool:
        """Whether requests on ``transport`` are the owner's (always, when clients are not told apart)."""
        if self.owner_uid is None:
            return True
        return transport is not None and self._peers.get(transport) == self.owner_uid

    def peer(self, transport: asyncio.BaseTransport | None) -> int:
        """The uid of the process at the other end of ``transport`` (UNKNOWN_UID if not known)."""
        return UNKNOWN_UID if transport is None else self._peers.get(transport, UNKNOWN_UID)

    def foreign_arrive(self, transport: asyncio.BaseTransport | None) -> bool:
        """Count a request from another user's process apart; False past ``FOREIGN_RATE_LIMIT`` in
        one second (all other users together): then it must be refused."""
        now = time.monotonic()
        self.foreign_requests += 1
        self.foreign_uids.add(self.peer(transport))
        times = self._foreign_times
        while times and times[0] <= now - RATE_WINDOW_S:
            times.popleft()
        if len(times) >= FOREIGN_RATE_LIMIT:
            self.foreign_refused += 1
            return False
        times.append(now)
        return True

    # the heartbeat: how long the server waited for a CPU

    def wake(self) -> None:
        """A request came (any, ``/stats`` included): keep the heartbeat going, or start it."""
        self._active = time.monotonic()
        if self.heartbeat is None:
            self._arm(asyncio.get_running_loop())

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        self._due_cpu = time.process_time()
        self._due = time.monotonic() + HEARTBEAT_S
        self.heartbeat = loop.call_later(HEARTBEAT_S, self._beat, loop)

    def _beat(self, loop: asyncio.AbstractEventLoop) -> None:
        """The heartbeat's timer: note how late it came, then sleep again, or stop when idle."""
        now = time.monotonic()
        stall = self._stall_now(now)
        if stall > self.loop_lag_max:
            self.loop_lag_max = stall
        if stall >= NOTABLE_STALL_S:
            self._stalls.append((now, stall))
        if self.in_flight or now - self._active < HEARTBEAT_IDLE_S:
            self._arm(loop)
        else:
            self.heartbeat = None

    def stop_heartbeat(self) -> None:
        if self.heartbeat is not None:
            self.heartbeat.cancel()
            self.heartbeat = None

    def _stall_now(self, now: float) -> float:
        """How long the heartbeat is (or was, on waking) late beyond the CPU the server used since it
        slept: time the server was ready to run but had no CPU. Counted from the last reset only."""
        if self.heartbeat is None:
            return 0.0
        late = now - self._due - (time.process_time() - self._due_cpu)
        return max(0.0, min(late, now - self._since))

    def stall(self) -> float:
        """The worst stall since the last reset (seconds), the one under way included."""
        return max(self.loop_lag_max, self._stall_now(time.monotonic()))

    def _recent_stall(self, now: float) -> float:
        """The worst stall within the last second, the one under way included."""
        while self._stalls and self._stalls[0][0] <= now - RATE_WINDOW_S:
            self._stalls.popleft()
        return max(max((s for _, s in self._stalls), default=0.0), self._stall_now(now))

    # the rate limit

    def arrive(self, rate_limit: int) -> float:
        """Count an arriving request; return 0.0 to admit it, or the seconds until ``rate_limit``
        admits one more (then it must be answered 429).

        The window is a second less ``RATE_SLACK_S`` and less the worst stall of the last second (at
        least ``MIN_RATE_WINDOW_S``): requests that the stall held back are not taken for a burst."""
        now = time.monotonic()
        longest = RATE_WINDOW_S - RATE_SLACK_S
        window = max(MIN_RATE_WINDOW_S, longest - self._recent_stall(now))
        for times in (self._received, self._admitted):
            while times and times[0] <= now - longest:
                times.popleft()
        self._received.append(now)
        self.peak_per_second = max(self.peak_per_second, _count_after(self._received, now - window))
        admitted = _count_after(self._admitted, now - window)
        if rate_limit and admitted >= rate_limit:
            self.rate_limited += 1
            oldest = self._admitted[len(self._admitted) - admitted]  # the first to leave the window
            return oldest + window - now
        self._admitted.append(now)
        return 0.0

    def enter(self, request: web.BaseRequest) -> int | None:
        """Count a request being handled; return the epoch to hand back to :meth:`leave` (None for
        another user's request: not counted here)."""
        transport = request.transport
        if not self.owns(transport):
            return None
        if transport is not None and transport not in self._seen:
            self._seen.add(transport)
            self.connections += 1
        self.in_flight += 1
        if self.in_flight > self.peak_in_flight:
            self.peak_in_flight = self.in_flight
        return self.epoch

    def current(self, epoch: int | None) -> bool:
        """Whether a request that arrived in ``epoch`` arrived since the last reset (and is counted)."""
        return epoch == self.epoch

    def leave(self, epoch: int | None, abandoned: bool = False) -> None:
        """A request leaves: answered, or ``abandoned`` (its client hung up, with
        ``cancel_on_disconnect``). One that arrived before the last reset leaves ``in_flight`` but
        is not counted: a checker that resets, then sends N, reads N, not N plus the stragglers of
        an earlier cell."""
        if epoch is None:  # another user's request: never counted
            return
        self.in_flight -= 1
        if self.current(epoch):
            if abandoned:
                self.abandoned += 1
            else:
                self.requests += 1


def _count_after(times: collections.deque[float], start: float) -> int:
    """How many of ``times`` (in increasing order) come after ``start``."""
    return len(times) - bisect.bisect_right(times, start)


COUNTERS = web.AppKey("counters", Counters)
CONFIG = web.AppKey("config", LabConfig)
RNG = web.AppKey("rng", random.Random)
TOKEN = web.AppKey("token", str)


def _json_body(request: web.Request) -> dict:
    """httpbin's shape: args (repeated keys become lists), headers, origin, url."""
    args: dict[str, str | list[str]] = {}
    for key, value in request.query.items():
        if key in args:
            old = args[key]
            args[key] = [*old, value] if isinstance(old, list) else [old, value]
        else:
            args[key] = value
    headers = {k.title(): v for k, v in request.headers.items()}
    return {"args": args, "headers": headers, "origin": request.remote or "", "url": str(request.url)}


async def handle_get(request: web.Request) -> web.Response:
    app = request.app
    counters, config = app[COUNTERS], app[CONFIG]
    epoch, abandoned = counters.enter(request), False
    try:
        delay = config.latency
        if config.jitter:
            delay += app[RNG].uniform(0.0, config.jitter)
        draw = app[RNG].random() if config.error_rate or config.drop_rate else 1.0
        fail = draw < config.error_rate
        drop = not fail and draw < config.error_rate + config.drop_rate
        if delay:
            await asyncio.sleep(delay)
        if drop and request.transport is not None:
            counters.connections_dropped += counters.current(epoch)
            request.transport.abort()  # no answer: the client sees the connection close
            raise web.HTTPServiceUnavailable()  # never sent: the transport is gone
        if fail:
            counters.errors_injected += counters.current(epoch)
            return web.json_response({"error": "injected by the lab server (error_rate)"}, status=503)
        return web.json_response(_json_body(request))
    except asyncio.CancelledError:  # the client hung up (cancel_on_disconnect): nobody to answer
        abandoned = True
        raise
    finally:
        counters.leave(epoch, abandoned)


async def handle_delay(request: web.Request) -> web.Response:
    try:
        seconds = float(request.match_info["seconds"])
    except ValueError:
        raise web.HTTPBadRequest(text="delay must be a number of seconds") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise web.HTTPBadRequest(text="delay must be between 0 and 10 seconds")
    counters = request.app[COUNTERS]
    epoch, abandoned = counters.enter(request), False
    try:
        await asyncio.sleep(min(seconds, MAX_DELAY_S))
        body = _json_body(request)
        body.update(data="", files={}, form={})
        return web.json_response(body)
    except asyncio.CancelledError:  # the client hung up (cancel_on_disconnect): nobody to answer
        abandoned = True
        raise
    finally:
        counters.leave(epoch, abandoned)


async def handle_status(request: web.Request) -> web.Response:
    try:
        codes = [int(c) for c in request.match_info["codes"].split(",")]
    except ValueError:
        raise web.HTTPBadRequest(text="status codes must be integers, e.g. /status/503") from None
    if not all(100 <= c <= 599 for c in codes):
        raise web.HTTPBadRequest(text="status codes must be in 100..599")
    counters = request.app[COUNTERS]
    epoch = counters.enter(request)
    try:
        code = codes[0] if len(codes) == 1 else request.app[RNG].choice(codes)
        return web.Response(status=code)
    finally:
        counters.leave(epoch)


def _user(uid: int) -> str:
    """``name (uid N)`` where the name is known, else ``uid N``; ``unknown`` for UNKNOWN_UID."""
    if uid == UNKNOWN_UID:
        return "unknown"
    try:
        import pwd

        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except (ImportError, KeyError):
        return f"uid {uid}"


def _stats(app: web.Application) -> dict:
    c = app[COUNTERS]
    live = c.live.connections if c.live is not None else []
    return {
        "requests": c.requests,
        "in_flight": c.in_flight,
        "peak_in_flight": c.peak_in_flight,
        "connections": c.connections,
        "accepted": c.accepted,
        "open_connections": sum(c.owns(handler.transport) for handler in live),
        "errors_injected": c.errors_injected,
        "connections_dropped": c.connections_dropped,
        "rate_limited": c.rate_limited,
        "abandoned": c.abandoned,
        "peak_per_second": c.peak_per_second,
        "loop_lag_max": round(c.stall(), 4),
        "seconds_since_reset": round(time.time() - c.since, 3),
        "owner": None if c.owner_uid is None else _user(c.owner_uid),
        "foreign_requests": c.foreign_requests,
        "foreign_connections": c.foreign_connections,
        "foreign_refused": c.foreign_refused,
        "foreign_users": sorted(_user(uid) for uid in c.foreign_uids),
        "control_refused": c.control_refused,
        "config": asdict(app[CONFIG]),
        "pid": os.getpid(),
    }


def _refusal(request: web.Request) -> web.Response | None:
    """Why ``request`` may not read or reset the counters (a 401 or 403 to send), or None: it may.

    It may with the server's token (``Authorization: Bearer <token>``, compared in constant time)
    from one of the owner's processes."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return web.Response(
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="lab server"'},
            text="401 Unauthorized: /stats and /stats/reset answer only the process that started this lab "
            "server. Send its token in the header 'Authorization: Bearer <token>': start_server() does; "
            "`python -m helpers.server` prints it when it starts.\n",
        )
    token = request.app[TOKEN].encode()
    if not hmac.compare_digest(given.strip().encode("utf-8", "replace"), token):
        return web.Response(
            status=403,
            text="403 Forbidden: that is not this lab server's token. Each start makes a new one, so a token "
            "from an earlier server is refused too: use the one this server printed when it started "
            "(in a notebook, server.stats() sends the right one).\n",
        )
    counters = request.app[COUNTERS]
    if not counters.owns(request.transport):
        return web.Response(
            status=403,
            text=f"403 Forbidden: the token is right, but this request comes from a process of "
            f"{_user(counters.peer(request.transport))}; this lab server's counters answer only its "
            f"owner, {_user(counters.owner_uid)}. A token copied from someone else is refused.\n",
        )
    return None


def _owner_only(handler):
    """``handler`` behind :func:`_refusal`: a refused ask changes nothing but ``control_refused``."""

    async def guarded(request: web.Request) -> web.Response:
        refusal = _refusal(request)
        if refusal is not None:
            request.app[COUNTERS].control_refused += 1
            return refusal
        return await handler(request)

    return guarded


async def handle_stats(request: web.Request) -> web.Response:
    return web.json_response(_stats(request.app))


async def handle_reset(request: web.Request) -> web.Response:
    counters = request.app[COUNTERS]
    in_flight = counters.in_flight
    counters.reset()
    # Requests still being handled stay in in_flight (and the peak) until they leave, but are not
    # counted in requests when they do; connections count from zero.
    counters.in_flight = counters.peak_in_flight = in_flight
    return web.json_response(_stats(request.app))


@web.middleware
async def _refuse_big_bodies(request: web.Request, handler):
    """Refuse a declared body over the limit before any handler runs (no endpoint reads bodies)."""
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise web.HTTPRequestEntityTooLarge(max_size=MAX_BODY_BYTES, actual_size=request.content_length)
    return await handler(request)


@web.middleware
async def _rate_limit(request: web.Request, handler):
    """Count every request but the lab's own ``/stats``; past ``rate_limit`` per second, answer 429.
    Every request, ``/stats`` included, keeps the heartbeat going. Other users' requests are
    counted apart, under their own limit (``FOREIGN_RATE_LIMIT``)."""
    app = request.app
    app[COUNTERS].wake()
    if request.path.startswith("/stats"):
        return await handler(request)
    if not app[COUNTERS].owns(request.transport):
        if app[COUNTERS].foreign_arrive(request.transport):
            return await handler(request)
        refused = web.Response(
            status=429,
            headers={"Retry-After": "1"},
            text=f"429 Too Many Requests: this lab server belongs to another user; it answers other users' "
            f"processes at most {FOREIGN_RATE_LIMIT} requests a second.\n",
        )
        refused.force_close()  # a flood must connect again: cheaper for this server than answering
        return refused
    wait = app[COUNTERS].arrive(app[CONFIG].rate_limit)
    if wait:
        retry_after = str(max(1, math.ceil(wait)))  # HTTP's Retry-After: whole seconds
        return web.json_response(
            {"error": f"rate limit: {app[CONFIG].rate_limit} requests per second"},
            status=429,
            headers={"Retry-After": retry_after},
        )
    return await handler(request)


def _delay_new_connections(seconds: float):
    """A middleware: the first request on each connection waits ``seconds`` (a handshake's cost)."""
    seen: weakref.WeakSet = weakref.WeakSet()

    @web.middleware
    async def delay_new_connections(request: web.Request, handler):
        connection = request.transport  # one per TCP connection (weakly held: gone when closed)
        if connection not in seen:
            seen.add(connection)
            await asyncio.sleep(seconds)
        return await handler(request)

    return delay_new_connections


def check_token(token: object) -> str:
    """``token`` if it can guard the counters (a string of at least ``MIN_TOKEN_CHARS`` visible
    ASCII characters, no spaces); else ValueError saying what is expected."""
    visible = isinstance(token, str) and all(33 <= ord(c) < 127 for c in token)
    if not visible or len(token) < MIN_TOKEN_CHARS:
        raise ValueError(
            f"the lab server's token must be at least {MIN_TOKEN_CHARS} visible ASCII characters with no "
            f"spaces (secrets.token_urlsafe() makes one), got {type(token).__name__} of length "
            f"{len(token) if isinstance(token, str) else 'n/a'}"
        )
    return token


def make_app(
    config: LabConfig | None = None,
    *,
    plain: bool = False,
    connect_delay: float = 0.0,
    token: str | None = None,
    owner_uid: int | None = None,
) -> web.Application:
    """Build the lab's aiohttp application (no socket is opened here).

    ``plain=True`` leaves out ``/stats`` and ``/stats/reset``: only httpbin's
    ``/get``, ``/delay/{s}`` and ``/status/{codes}`` answer. ``connect_delay``
    seconds are added to the first request on each new connection. ``token``
    guards ``/stats`` and ``/stats/reset`` (None: a fresh random one that nobody
    knows). ``owner_uid``: whose processes' requests count (None: everyone's).
    """
    config = config or LabConfig()
    token = secrets.token_urlsafe(32) if token is None else check_token(token)
    middlewares = [_refuse_big_bodies, _rate_limit]
    if connect_delay:
        middlewares.append(_delay_new_connections(connect_delay))
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=middlewares)
    app[CONFIG] = config
    app[COUNTERS] = Counters(owner_uid)
    app[RNG] = random.Random(config.seed)
    app[TOKEN] = token
    app.router.add_get("/get", handle_get)
    app.router.add_get(r"/delay/{seconds}", handle_delay)
    app.router.add_get(r"/status/{codes}", handle_status)
    if not plain:
        app.router.add_get("/stats", _owner_only(handle_stats))
        app.router.add_post("/stats/reset", _owner_only(handle_reset))
    app.on_cleanup.append(_stop_heartbeat)
    return app


async def _stop_heartbeat(app: web.Application) -> None:
    app[COUNTERS].stop_heartbeat()


class _Gate(asyncio.Protocol):
    """aiohttp's protocol for one connection, behind a gate that first asks whose it is
    (:meth:`Counters.connect`): made by ``factory`` if the connection is let in, never if it is
    closed at once (another user's flood costs no more than that)."""

    __slots__ = ("_factory", "_counters", "_inner")

    def __init__(self, factory, counters: Counters) -> None:
        self._factory, self._counters, self._inner = factory, counters, None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        if self._counters.connect(transport):
            self._inner = self._factory()
            self._inner.connection_made(transport)
        else:
            transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._inner is not None:
            self._inner.connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        self._inner.data_received(data)

    def eof_received(self) -> bool | None:
        return self._inner.eof_received()

    def pause_writing(self) -> None:
        self._inner.pause_writing()

    def resume_writing(self) -> None:
        self._inner.resume_writing()


def owner_uid_for(config: LabConfig) -> int | None:
    """Whose processes' requests a server with ``config`` counts: this process's user where the
    kernel can name a client's owner (Linux) and the server is not public; else None (everyone's)."""
    return os.getuid() if not config.public and peers.supported() else None


async def serve(
    config: LabConfig,
    ready: callable,
    stop: asyncio.Event,
    *,
    plain: bool = False,
    connect_delay: float = 0.0,
    token: str | None = None,
    owner_uid: int | None | str = "auto",
) -> None:
    """Serve ``config`` until ``stop`` is set; call ``ready(base_url)`` once listening.

    ``accepted`` counts the owner's TCP connections accepted (every one, where
    clients are not told apart: :func:`owner_uid_for`); ``connections`` counts the
    connections that carried a counted request, so the lab's own ``/stats`` calls
    never show up in it. ``token`` guards ``/stats`` (see :func:`make_app`). ``owner_uid``:
    whose processes' requests count ("auto": :func:`owner_uid_for`; None: everyone's).
    """
    owner_uid = owner_uid_for(config) if owner_uid == "auto" else owner_uid
    app = make_app(config, plain=plain, connect_delay=connect_delay, token=token, owner_uid=owner_uid)
    runner = web.AppRunner(
        app,
        access_log=None,
        handle_signals=False,
        max_line_size=MAX_HEADER_LINE_BYTES,
        max_field_size=MAX_HEADER_LINE_BYTES,
        max_headers=MAX_HEADERS,
        handler_cancellation=config.cancel_on_disconnect,
    )
    await runner.setup()
    protocol_factory = runner.server
    counters = app[COUNTERS]
    counters.live = protocol_factory  # not app state: the app is frozen once set up

    def counting_factory():
        return _Gate(protocol_factory, counters)

    sock = socket.socket(socket.AF_INET6 if ":" in config.host else socket.AF_INET)
    if os.name != "nt":
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((config.host, config.port))
    except OSError as exc:
        sock.close()
        await runner.cleanup()
        raise OSError(exc.errno, f"cannot listen on {config.host}:{config.port}: {exc.strerror}") from None
    loop = asyncio.get_running_loop()
    server = await loop.create_server(counting_factory, sock=sock, backlog=1024)
    host, port = sock.getsockname()[:2]
    host = f"[{host}]" if ":" in host else host
    ready(f"http://{host}:{port}")
    try:
        await stop.wait()
    finally:
        server.close()
        await runner.cleanup()


def _watch_stdin(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    """Block on stdin until EOF (the parent died or closed the pipe), then stop.

    A pipe closes when its writer dies, however it dies (SIGKILL included), on
    Linux, macOS and Windows alike: this is how the server never outlives its
    parent. Only the parent holds the writing end: :mod:`subprocess` makes its end
    non-inheritable on every OS, so the parent's other children (a spawn or
    forkserver process pool, another server) do not keep the pipe open. A child
    *forked* without exec (the ``fork`` start method) does hold it until it exits.
    On Windows the C runtime reads a pipe whose writer is gone as end-of-file too;
    an OSError instead would end the watch just the same.
    """
    try:
        while sys.stdin.buffer.read(1024):
            pass
    except (OSError, ValueError):
        pass
    try:
        loop.call_soon_threadsafe(stop.set)
    except RuntimeError:  # loop already closed
        return
    # If the loop does not stop promptly (stuck), leave anyway.
    time.sleep(3)
    os._exit(0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.server",
        description="Local httpbin-style lab server. Prints its base URL, then serves until interrupted.",
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every /get (default 0)")
    parser.add_argument("--jitter", type=float, default=0.0, help="up to this many extra seconds per /get")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction of /get answered 503 (0..1)")
    parser.add_argument(
        "--drop-rate", type=float, default=0.0, help="fraction of /get left unanswered (0..1)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for jitter, errors and drops")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback only)")
    parser.add_argument("--public", action="store_true", help="allow a --host that is not loopback")
    parser.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    parser.add_argument(
        "--plain", action="store_true", help="no /stats or /stats/reset: a plain httpbin-like server"
    )
    parser.add_argument(
        "--connect-delay",
        type=float,
        default=0.0,
        help="seconds added to the first request on each new connection (default 0)",
    )
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=0,
        help="answer 429 past this many requests per sliding second (default 0: no limit)",
    )
    parser.add_argument(
        "--loop", choices=("asyncio", "uvloop"), default="asyncio", help="event loop (uvloop: if installed)"
    )
    parser.add_argument(
        "--cancel-on-disconnect",
        action="store_true",
        help="stop handling a request when its client hangs up (default: finish it for nobody)",
    )
    parser.add_argument("--exit-on-stdin-eof", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--token-from-stdin", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    try:
        config = LabConfig(
            latency=args.latency,
            jitter=args.jitter,
            error_rate=args.error_rate,
            seed=args.seed,
            host=args.host,
            port=args.port,
            drop_rate=args.drop_rate,
            public=args.public,
            rate_limit=args.rate_limit,
            cancel_on_disconnect=args.cancel_on_disconnect,
        )
        _check_number("connect_delay", args.connect_delay, 0.0, MAX_LATENCY_S, "seconds")
    except ValueError as exc:
        parser.error(str(exc))

    token = None
    if args.token_from_stdin and not args.plain:  # start_server(): the first line, privately (not in ps)
        try:
            token = check_token(sys.stdin.buffer.readline().decode("ascii", "replace").strip())
        except ValueError as exc:
            parser.error(f"--token-from-stdin: {exc}")
    elif not args.plain:  # by hand: a fresh token, printed under the URL
        token = secrets.token_urlsafe(32)
    raise_open_file_limit()  # one socket per connection: macOS allows 256 files by default

    async def run() -> None:
        stop = asyncio.Event()
        if args.exit_on_stdin_eof:
            loop = asyncio.get_running_loop()
            threading.Thread(target=_watch_stdin, args=(loop, stop), daemon=True).start()

        def ready(url: str) -> None:
            lines = [url]  # the first line, alone: start_server() reads it
            if token is not None and not args.token_from_stdin:
                lines.append(
                    f"token {token}  (for /stats and /stats/reset; e.g. "
                    f'curl -H "Authorization: Bearer {token}" {url}/stats)'
                )
            print("\n".join(lines), flush=True)  # one write: a reader that keeps only the URL cannot break it

        await serve(config, ready, stop, plain=args.plain, connect_delay=args.connect_delay, token=token)

    loop_factory = None  # asyncio's default loop
    if args.loop == "uvloop":  # optional: the benchmark serves its zero-latency runs on it
        try:
            import uvloop
        except ImportError:
            parser.error("argument --loop: uvloop is not installed (pip install uvloop)")
        loop_factory = uvloop.new_event_loop
    try:
        with asyncio.Runner(loop_factory=loop_factory) as runner:
            runner.run(run())
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"lab server: {exc.strerror or exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
