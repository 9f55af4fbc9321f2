"""Tests for helpers.spans: Span, current_lane, SpanRecorder (from threads and asyncio tasks)."""

import asyncio
import threading
import time

import pytest

from helpers.spans import Span, SpanRecorder, current_lane


def _recorder_with(*intervals: tuple[float, float], lane: str = "x") -> SpanRecorder:
    """A recorder holding spans at the given (start, end) seconds since its origin."""
    rec = SpanRecorder()
    for start, end in intervals:
        rec.record("s", rec.origin + start, rec.origin + end, lane=lane)
    return rec


def test_span_duration_and_validation():
    assert Span("GET", "MainThread", 1.0, 3.5).duration == 2.5
    with pytest.raises(ValueError, match="end must be >= start"):
        Span("GET", "MainThread", 2.0, 1.0)


def test_record_stores_times_relative_to_the_origin():
    rec = SpanRecorder()
    span = rec.record("GET", rec.origin + 1.0, rec.origin + 3.0, lane="worker")
    assert (span.label, span.lane) == ("GET", "worker")
    assert span.start == pytest.approx(1.0) and span.end == pytest.approx(3.0)
    assert rec.spans == [span] and len(rec) == 1


def test_record_rejects_bad_input():
    rec = SpanRecorder()
    with pytest.raises(ValueError, match="end must be >= start"):
        rec.record("GET", 2.0, 1.0)
    with pytest.raises(TypeError, match="label must be a str"):
        rec.record(1, 1.0, 2.0)
    with pytest.raises(TypeError, match="start must be a time.perf_counter"):
        rec.record("GET", "1", 2.0)
    assert len(rec) == 0


def test_span_context_manager_measures_the_block():
    rec = SpanRecorder()
    with rec.span("sleep"):
        time.sleep(0.02)
    (span,) = rec.spans
    assert span.lane == "MainThread" and span.label == "sleep"
    assert 0.02 <= span.duration < 0.5
    assert 0 <= span.start < 0.5


def test_span_is_recorded_when_the_block_raises():
    rec = SpanRecorder()
    with pytest.raises(KeyError):
        with rec.span("boom", lane="mine"):
            raise KeyError("x")
    assert [(s.label, s.lane) for s in rec.spans] == [("boom", "mine")]


def test_spans_sorted_lanes_elapsed_reset():
    rec = SpanRecorder()
    o = rec.origin
    rec.record("c", o + 2.0, o + 5.0, lane="B")
    rec.record("a", o + 0.5, o + 1.0, lane="A")
    rec.record("b", o + 1.0, o + 4.0, lane="B")
    assert [s.label for s in rec.spans] == ["a", "b", "c"]
    assert rec.lanes == ["A", "B"]
    assert rec.elapsed == pytest.approx(4.5)
    rec.spans.clear()  # a copy: the recorder keeps its spans
    assert len(rec) == 3
    rec.reset()
    assert len(rec) == 0 and rec.spans == [] and rec.elapsed == 0.0
    assert rec.origin > o


@pytest.mark.parametrize(
    ("intervals", "peak"),
    [
        ((), 0),
        (((0, 1),), 1),
        (((0, 1), (1, 2), (2, 3)), 1),  # touching is not overlapping
        (((0, 2), (1, 3)), 2),
        (((0, 10), (1, 9), (2, 3), (4, 5)), 3),
        (((0, 2), (1, 1)), 2),  # a zero-length span counts at its instant
        (((1, 1),), 1),
    ],
)
def test_peak_concurrency(intervals, peak):
    assert _recorder_with(*intervals).peak_concurrency() == peak


def test_current_lane_outside_any_task_is_the_thread_name():
    assert current_lane() == "MainThread"
    seen = []
    worker = threading.Thread(target=lambda: seen.append(current_lane()), name="worker-7")
    worker.start()
    worker.join()
    assert seen == ["worker-7"]


def test_current_lane_inside_a_task_is_the_task_name():
    async def lane_of_task():
        return current_lane()

    async def both():
        return await asyncio.create_task(lane_of_task(), name="fetch-1")

    assert asyncio.run(both()) == "fetch-1"


def test_current_lane_ignores_the_task_jupyter_runs_a_cell_in():
    # ipykernel runs each cell in an asyncio task whose coroutine is defined in
    # IPython/ipykernel: imitate one by defining a coroutine in such a module.
    namespace = {"__name__": "ipykernel.kernelbase", "current_lane": current_lane}
    exec("async def shell_main():\n    return current_lane()", namespace)
    assert asyncio.run(namespace["shell_main"]()) == "MainThread"


def test_twenty_threads_overlap():
    rec = SpanRecorder()
    all_inside = threading.Barrier(20)

    def work():
        with rec.span("GET"):
            all_inside.wait(timeout=5)  # every thread is inside its span at this instant

    threads = [threading.Thread(target=work, name=f"worker-{i:02}") for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(rec) == 20
    assert sorted(rec.lanes) == [f"worker-{i:02}" for i in range(20)]
    assert rec.peak_concurrency() == 20


def test_fifty_asyncio_tasks_overlap():
    rec = SpanRecorder()

    async def get():
        with rec.span("GET"):
            await asyncio.sleep(0.05)

    async def main():
        await asyncio.gather(*(asyncio.create_task(get(), name=f"task-{i}") for i in range(50)))

    asyncio.run(main())
    assert len(rec) == 50
    assert rec.lanes == [f"task-{i}" for i in range(50)]  # tasks start in creation order
    assert rec.peak_concurrency() == 50
    assert 0.05 <= rec.elapsed < 0.5


def test_ten_tasks_concurrent_versus_sequential():
    async def get(rec):
        with rec.span("GET"):
            await asyncio.sleep(0.05)

    async def concurrently(rec):
        await asyncio.gather(*(get(rec) for _ in range(10)))

    async def one_after_another(rec):
        for _ in range(10):
            await get(rec)

    together, in_turn = SpanRecorder(), SpanRecorder()
    asyncio.run(concurrently(together))
    asyncio.run(one_after_another(in_turn))
    assert together.peak_concurrency() == 10
    assert in_turn.peak_concurrency() == 1
    assert len(in_turn.lanes) == 1  # all in the one task asyncio.run created
    assert in_turn.elapsed >= 10 * 0.05 > together.elapsed
