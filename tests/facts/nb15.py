"""15 · Threads and the event loop: what the cells must have shown, on this Python."""

from __future__ import annotations

import re

from tests.facts import shown_by, version


def check(cells: list) -> None:
    _late_wake_up(cells)
    _debug_mode(cells)
    _queue_shutdown(cells)


def _late_wake_up(cells: list) -> None:
    """A direct set_result is seen at the next heartbeat; a thread-safe one within milliseconds."""
    shown = shown_by(cells, "await asyncio.to_thread(asyncio.run, hand_over_all(")
    delays = {}
    for name, numbers in re.findall(r"(set_\w+): each task woke ([\d, ]+) ms", shown):
        delays[name] = [int(n) for n in numbers.split(",")]
    assert set(delays) == {"set_directly", "set_threadsafe"}, shown
    assert max(delays["set_directly"]) >= 100, shown  # the first pause is 20 ms, the beat 200 ms
    assert min(delays["set_threadsafe"]) < 50, shown


def _debug_mode(cells: list) -> None:
    shown = shown_by(cells, "asyncio.run, ask_debug_mode(), debug=True")
    assert "debug mode, set_directly: RuntimeError: Non-thread-safe operation invoked" in shown, shown
    assert "debug mode, set_threadsafe: no complaint" in shown, shown


def _queue_shutdown(cells: list) -> None:
    shown = shown_by(cells, 'if hasattr(asyncio.Queue, "shutdown")')
    if version() >= (3, 13):
        assert "get() -> QueueShutDown: the stream has ended" in shown, shown
    else:
        assert "asyncio.Queue.shutdown: added in Python 3.13" in shown, shown
