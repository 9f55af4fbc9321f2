"""Tests for helpers.memory: RSS/VMS readings, snapshots, deltas and their formatting."""

import threading

import pytest

from helpers.memory import (
    MemoryDelta,
    MemorySnapshot,
    format_bytes,
    memory_delta,
    memory_snapshot,
    rss_bytes,
    vms_bytes,
)

MIB = 1024**2


@pytest.mark.parametrize(
    ("n", "text"),
    [
        (0, "0 B"),
        (512, "512 B"),
        (1023, "1023 B"),
        (1024, "1.00 KiB"),
        (14_540, "14.2 KiB"),
        (8 * MIB, "8.00 MiB"),
        (8.49 * 1024**3, "8.49 GiB"),
        (1023.996 * MIB, "1.00 GiB"),  # rounding carries over into the next unit
        (-3 * MIB, "-3.00 MiB"),
        (5 * 1024**5, "5120 TiB"),
    ],
)
def test_format_bytes(n, text):
    assert format_bytes(n) == text


def test_format_bytes_rejects_bad_input():
    with pytest.raises(TypeError, match="n must be a number of bytes"):
        format_bytes("1 MiB")
    with pytest.raises(TypeError, match="n must be a number of bytes"):
        format_bytes(True)
    with pytest.raises(ValueError, match="finite"):
        format_bytes(float("inf"))


def test_readings_are_plausible():
    rss, vms = rss_bytes(), vms_bytes()
    assert 0 < rss <= vms
    snap = memory_snapshot()
    assert snap.rss > 0 and snap.vms >= snap.rss


def test_snapshot_arithmetic_and_text():
    delta = MemorySnapshot(rss=30 * MIB, vms=900 * MIB) - MemorySnapshot(rss=10 * MIB, vms=100 * MIB)
    assert delta == MemorySnapshot(20 * MIB, 800 * MIB)
    assert delta.per(10) == MemorySnapshot(2 * MIB, 80 * MIB)
    assert str(delta.per(10)) == "RSS 2.00 MiB, virtual 80.0 MiB"
    with pytest.raises(ValueError, match="count must be an int >= 1"):
        delta.per(0)
    with pytest.raises(TypeError):
        delta - 5


def test_memory_delta_sees_touched_memory():
    size = 64 * MIB
    with memory_delta() as mem:
        assert isinstance(mem, MemoryDelta) and mem.at_exit is None
        block = bytearray(b"x" * size)  # every page written: resident
        grown = mem.now()
        assert "so far" in repr(mem)
        del block
    assert grown.rss > 0.8 * size and grown.vms > 0.8 * size
    assert mem.at_exit is not None and mem.at_exit.rss < grown.rss
    assert "at exit" in repr(mem)


def test_memory_delta_records_at_exit_even_on_error():
    with pytest.raises(RuntimeError), memory_delta() as mem:
        raise RuntimeError("boom")
    assert isinstance(mem.at_exit, MemorySnapshot)


def test_idle_threads_reserve_more_than_they_use():
    """The notebook's lesson in small: a thread's stack is reserved (virtual) more than used (RSS)."""
    stop = threading.Event()
    with memory_delta() as mem:
        threads = [threading.Thread(target=stop.wait) for _ in range(50)]
        for t in threads:
            t.start()
        grown = mem.now()
        stop.set()
        for t in threads:
            t.join()
    assert grown.vms > grown.rss
