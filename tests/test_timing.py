"""Tests for helpers.timing: Timing, format_seconds, measure, measure_async, Stopwatch."""

import asyncio
import dataclasses
import gc
import time
import warnings

import pytest

from helpers.timing import Stopwatch, Timing, format_seconds, measure, measure_async


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (812e-6, "812 µs"),
        (0.0352, "35.2 ms"),
        (1.25, "1.25 s"),
        (40.84, "40.8 s"),
        (0.1, "100 ms"),
        (1.2, "1.20 s"),
        (1234.5, "1234 s"),
        (350e-9, "350 ns"),
        (0, "0 s"),
        # rounding to 3 digits may carry over into the next digit, or the next unit
        (9.996, "10.0 s"),
        (99.96, "100 s"),
        (0.0009996, "1.00 ms"),
    ],
)
def test_format_seconds(seconds, text):
    assert format_seconds(seconds) == text


@pytest.mark.parametrize("bad", [-1.0, float("nan"), float("inf")])
def test_format_seconds_rejects_impossible_durations(bad):
    with pytest.raises(ValueError, match="seconds must be a finite number >= 0"):
        format_seconds(bad)


@pytest.mark.parametrize("bad", ["1.5", None, True])
def test_format_seconds_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match="seconds must be a number"):
        format_seconds(bad)


def test_timing_statistics():
    t = Timing("for-loop", (1.0, 2.0, 3.0, 10.0), warmup=1)
    assert (t.n, t.median, t.min, t.max, t.mean) == (4, 2.5, 1.0, 10.0, 4.0)
    assert float(t) == 2.5
    assert t.ratio_to(0.5) == 5.0
    assert t.warmup == 1


def test_timing_str():
    assert str(Timing("for-loop", (10.2, 10.3, 10.5))) == (
        "for-loop: median 10.3 s (min 10.2 s, max 10.5 s, 3 runs)"
    )
    assert str(Timing("once", (0.0352,))) == "once: 35.2 ms (1 run)"


def test_timing_is_frozen_and_keeps_a_tuple():
    t = Timing("x", [0.5, 1])
    assert t.samples == (0.5, 1.0) and isinstance(t.samples, tuple)
    with pytest.raises(dataclasses.FrozenInstanceError):
        t.label = "y"


def test_timing_rejects_bad_input():
    with pytest.raises(ValueError, match="samples must hold at least one"):
        Timing("x", ())
    with pytest.raises(ValueError, match="samples must be finite numbers of seconds >= 0, got -1"):
        Timing("x", (1.0, -1.0))
    with pytest.raises(TypeError, match="samples must be numbers"):
        Timing("x", ("1",))
    with pytest.raises(ValueError, match="warmup must be an int >= 0, got -1"):
        Timing("x", (1.0,), warmup=-1)
    with pytest.raises(ValueError, match="limit must be a number of seconds > 0, got 0"):
        Timing("x", (1.0,)).ratio_to(0)


def test_measure_counts_calls_and_excludes_warmup():
    calls = []

    def slow_first_call():
        calls.append(1)
        if len(calls) == 1:
            time.sleep(0.2)  # the warm-up run: must not show in the samples

    t = measure(slow_first_call, repeats=3, warmup=1)
    assert len(calls) == 4
    assert t.n == 3 and t.warmup == 1
    assert t.label == "slow_first_call"
    assert t.max < 0.1


def test_measure_times_each_call():
    t = measure(lambda: time.sleep(0.01), repeats=2, warmup=0, label="sleep 10 ms")
    assert t.label == "sleep 10 ms"
    assert t.n == 2
    assert 0.01 <= t.min and t.max < 0.5


def test_measure_passes_positional_arguments():
    calls = []
    t = measure(calls.append, "url", repeats=2, warmup=1)
    assert calls == ["url", "url", "url"]
    assert t.label == "append" and t.n == 2


def test_measure_async_passes_positional_arguments():
    t = asyncio.run(measure_async(asyncio.sleep, 0.01, repeats=2, warmup=0, label="sleep"))
    assert t.n == 2 and 0.01 <= t.min


def test_measure_default_label_of_a_lambda():
    assert measure(lambda: None, repeats=1, warmup=0).label == "<lambda>"


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"repeats": 0}, ValueError, "repeats must be an int >= 1, got 0"),
        ({"repeats": 2.5}, TypeError, "repeats must be an int >= 1, got 2.5"),
        ({"warmup": -1}, ValueError, "warmup must be an int >= 0, got -1"),
        ({"label": 3}, TypeError, "label must be a str or None"),
    ],
)
def test_measure_rejects_bad_arguments(kwargs, error, message):
    with pytest.raises(error, match=message):
        measure(lambda: None, **kwargs)


def test_measure_rejects_non_callables_and_async_functions():
    with pytest.raises(TypeError, match="fn must be a function"):
        measure(42)

    async def main():
        pass

    with pytest.raises(TypeError, match="measure_async"):
        measure(main)


def test_measure_progress_bar(capsys):
    measure(lambda: None, repeats=2, warmup=1, label="tiny", progress=True)
    err = capsys.readouterr().err
    assert "tiny" in err and "3/3" in err


def test_measure_async_awaits_a_fresh_coroutine_each_time():
    calls = []

    async def get():
        calls.append(1)
        await asyncio.sleep(0.01)

    t = asyncio.run(measure_async(get, repeats=3, warmup=2))
    assert len(calls) == 5
    assert t.n == 3 and t.warmup == 2 and t.label == "get"
    assert 0.01 <= t.min and t.max < 0.5


def test_measure_async_rejects_a_coroutine_object_without_a_warning():
    async def main():
        pass

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with pytest.raises(TypeError, match=r"measure_async\(main\) not measure_async\(main\(\)\)"):
            asyncio.run(measure_async(main()))
        gc.collect()
    assert not [w for w in caught if "never awaited" in str(w.message)]


def test_measure_async_rejects_factories_that_return_no_awaitable():
    with pytest.raises(TypeError, match="must return an awaitable"):
        asyncio.run(measure_async(lambda: 42, repeats=1, warmup=0))
    with pytest.raises(ValueError, match="repeats must be an int >= 1, got 0"):
        asyncio.run(measure_async(asyncio.sleep, repeats=0))


def test_stopwatch():
    with Stopwatch() as sw:
        time.sleep(0.01)
        so_far = sw.elapsed
        time.sleep(0.01)
    assert 0.01 <= so_far < sw.elapsed < 0.5
    assert sw.elapsed == sw.elapsed  # stopped: the value no longer changes
    assert str(sw).endswith(" ms") and str(sw) == format_seconds(sw.elapsed)


def test_stopwatch_not_started():
    sw = Stopwatch()
    assert str(sw) == "Stopwatch (not started)"
    with pytest.raises(RuntimeError, match="never started"):
        sw.elapsed  # noqa: B018
