"""Tests for helpers.tracing: trace_loop_idle records when the event loop waits with nothing to run."""

import asyncio
import time

import pytest

from helpers.spans import SpanRecorder
from helpers.tracing import trace_loop_idle


def test_records_the_loop_waiting_for_a_timer():
    rec = SpanRecorder()

    async def main():
        selector = asyncio.get_running_loop()._selector
        with trace_loop_idle(rec, lane="idle lane", label="waiting") as same:
            assert same is rec
            await asyncio.sleep(0.1)
        return selector

    selector = asyncio.run(main())
    assert rec.lanes == ["idle lane"]
    assert {s.label for s in rec.spans} == {"waiting"}
    idle = sum(s.duration for s in rec.spans)
    assert 0.08 <= idle <= 0.5  # the loop waited for (most of) the sleep
    assert "select" not in vars(selector)  # the loop is restored


def test_a_loop_kept_busy_is_never_idle():
    rec = SpanRecorder()

    async def main():
        with trace_loop_idle(rec):
            time.sleep(0.05)  # noqa: ASYNC251 - blocking on purpose: the loop never gets to wait

    asyncio.run(main())
    assert len(rec) == 0


def test_short_polls_are_left_out_and_min_duration_zero_keeps_them():
    kept, filtered = SpanRecorder(), SpanRecorder()

    async def main():
        with trace_loop_idle(kept, min_duration=0), trace_loop_idle(filtered, min_duration=10):
            for _ in range(3):
                await asyncio.sleep(0)  # each pass round the loop polls select(0)

    asyncio.run(main())
    assert len(kept) >= 3
    assert len(filtered) == 0


def test_nested_traces_both_record_and_unwind():
    outer, inner = SpanRecorder(), SpanRecorder()

    async def main():
        selector = asyncio.get_running_loop()._selector
        with trace_loop_idle(outer, lane="outer"):
            with trace_loop_idle(inner, lane="inner"):
                await asyncio.sleep(0.03)
            assert "select" in vars(selector)  # the outer trace is still on
            await asyncio.sleep(0.03)
        assert "select" not in vars(selector)

    asyncio.run(main())
    assert len(inner) >= 1 and len(outer) > len(inner) - 1
    assert sum(s.duration for s in outer.spans) > sum(s.duration for s in inner.spans)


def test_restores_the_loop_when_the_block_raises():
    async def main():
        selector = asyncio.get_running_loop()._selector
        with pytest.raises(KeyError), trace_loop_idle(SpanRecorder()):
            raise KeyError("boom")
        return "select" in vars(selector)

    assert asyncio.run(main()) is False


def test_an_explicit_loop_can_be_traced():
    rec = SpanRecorder()
    loop = asyncio.new_event_loop()
    try:
        with trace_loop_idle(rec, loop=loop):
            loop.run_until_complete(asyncio.sleep(0.05))
    finally:
        loop.close()
    assert sum(s.duration for s in rec.spans) >= 0.04


def test_needs_a_running_loop_and_a_supported_one():
    with pytest.raises(RuntimeError, match="needs a running event loop"), trace_loop_idle(SpanRecorder()):
        pass
    with (
        pytest.raises(TypeError, match="cannot trace a object"),
        trace_loop_idle(SpanRecorder(), loop=object()),
    ):
        pass


def test_bad_arguments():
    loop = asyncio.new_event_loop()
    try:
        with pytest.raises(TypeError, match="recorder must be a SpanRecorder"):
            with trace_loop_idle([], loop=loop):
                pass
        with pytest.raises(TypeError, match="lane must be a str"):
            with trace_loop_idle(SpanRecorder(), lane=1, loop=loop):
                pass
        with pytest.raises(ValueError, match="min_duration must be"):
            with trace_loop_idle(SpanRecorder(), min_duration=-1, loop=loop):
                pass
        with pytest.raises(TypeError, match="min_duration must be"):
            with trace_loop_idle(SpanRecorder(), min_duration=True, loop=loop):
                pass
    finally:
        loop.close()
