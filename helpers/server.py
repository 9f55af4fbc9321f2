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

Run it from a shell (it prints its base URL as the first line)::

    python -m helpers.server --latency 0.1 --port 8000

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
import ipaddress
import math
import os
import random
import socket
import sys
import threading
import time
import weakref
from dataclasses import asdict, dataclass

from aiohttp import web

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
    """What the lab counts. Lives in the server's event loop: no locks needed."""

    def __init__(self) -> None:
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
        self._stalls: collections.deque[tuple[float, float]] = collections.deque()  # (when, s), last second
        self.since = time.time()
        self._since = time.monotonic()

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

    def enter(self, request: web.BaseRequest) -> int:
        """Count a request being handled; return the epoch to hand back to :meth:`leave`."""
        transport = request.transport
        if transport is not None and transport not in self._seen:
            self._seen.add(transport)
            self.connections += 1
        self.in_flight += 1
        if self.in_flight > self.peak_in_flight:
            self.peak_in_flight = self.in_flight
        return self.epoch

    def current(self, epoch: int) -> bool:
        """Whether a request that arrived in ``epoch`` arrived since the last reset."""
        return epoch == self.epoch

    def leave(self, epoch: int, abandoned: bool = False) -> None:
        """A request leaves: answered, or ``abandoned`` (its client hung up, with
        ``cancel_on_disconnect``). One that arrived before the last reset leaves ``in_flight`` but
        is not counted: a checker that resets, then sends N, reads N, not N plus the stragglers of
        an earlier cell."""
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


def _stats(app: web.Application) -> dict:
    c = app[COUNTERS]
    return {
        "requests": c.requests,
        "in_flight": c.in_flight,
        "peak_in_flight": c.peak_in_flight,
        "connections": c.connections,
        "accepted": c.accepted,
        "open_connections": len(c.live.connections) if c.live is not None else 0,
        "errors_injected": c.errors_injected,
        "connections_dropped": c.connections_dropped,
        "rate_limited": c.rate_limited,
        "abandoned": c.abandoned,
        "peak_per_second": c.peak_per_second,
        "loop_lag_max": round(c.stall(), 4),
        "seconds_since_reset": round(time.time() - c.since, 3),
        "config": asdict(app[CONFIG]),
        "pid": os.getpid(),
    }


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
    Every request, ``/stats`` included, keeps the heartbeat going."""
    app = request.app
    app[COUNTERS].wake()
    if request.path.startswith("/stats"):
        return await handler(request)
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


def make_app(
    config: LabConfig | None = None, *, plain: bool = False, connect_delay: float = 0.0
) -> web.Application:
    """Build the lab's aiohttp application (no socket is opened here).

    ``plain=True`` leaves out ``/stats`` and ``/stats/reset``: only httpbin's
    ``/get``, ``/delay/{s}`` and ``/status/{codes}`` answer. ``connect_delay``
    seconds are added to the first request on each new connection.
    """
    config = config or LabConfig()
    middlewares = [_refuse_big_bodies, _rate_limit]
    if connect_delay:
        middlewares.append(_delay_new_connections(connect_delay))
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=middlewares)
    app[CONFIG] = config
    app[COUNTERS] = Counters()
    app[RNG] = random.Random(config.seed)
    app.router.add_get("/get", handle_get)
    app.router.add_get(r"/delay/{seconds}", handle_delay)
    app.router.add_get(r"/status/{codes}", handle_status)
    if not plain:
        app.router.add_get("/stats", handle_stats)
        app.router.add_post("/stats/reset", handle_reset)
    app.on_cleanup.append(_stop_heartbeat)
    return app


async def _stop_heartbeat(app: web.Application) -> None:
    app[COUNTERS].stop_heartbeat()


async def serve(
    config: LabConfig,
    ready: callable,
    stop: asyncio.Event,
    *,
    plain: bool = False,
    connect_delay: float = 0.0,
) -> None:
    """Serve ``config`` until ``stop`` is set; call ``ready(base_url)`` once listening.

    ``accepted`` counts calls to aiohttp's protocol factory (one per TCP
    connection accepted); ``connections`` counts the connections that carried
    a counted request, so the lab's own ``/stats`` calls never show up in it.
    """
    app = make_app(config, plain=plain, connect_delay=connect_delay)
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
        counters.accepted += 1
        return protocol_factory()

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

    raise_open_file_limit()  # one socket per connection: macOS allows 256 files by default

    async def run() -> None:
        stop = asyncio.Event()
        if args.exit_on_stdin_eof:
            loop = asyncio.get_running_loop()
            threading.Thread(target=_watch_stdin, args=(loop, stop), daemon=True).start()

        def ready(url: str) -> None:
            print(url, flush=True)

        await serve(config, ready, stop, plain=args.plain, connect_delay=args.connect_delay)

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
