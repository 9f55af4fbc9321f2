"""Tests for helpers.cpu: crunch (CPU-bound work) and iterations_for (its calibration)."""

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

import pytest

from helpers.cpu import crunch, iterations_for


@pytest.mark.parametrize("n", [0, 1, 2, 7, 100, 12_345])
def test_crunch_is_the_checksum_it_documents(n):
    assert crunch(n) == sum(i * i % 7 for i in range(n))


@pytest.mark.parametrize("bad", [-1, -100])
def test_crunch_rejects_negative_sizes(bad):
    with pytest.raises(ValueError, match="n must be an int >= 0"):
        crunch(bad)


@pytest.mark.parametrize("bad", [1.5, "10", None, True])
def test_crunch_rejects_non_integers(bad):
    with pytest.raises(TypeError, match="n must be an int >= 0"):
        crunch(bad)


def test_crunch_runs_in_a_spawned_process_pool():
    """The reason the module exists: workers started with spawn can import crunch by name."""
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=spawn) as pool:
        assert list(pool.map(crunch, [10, 1000])) == [crunch(10), crunch(1000)]


def test_iterations_for_returns_a_size_that_does_some_work():
    n = iterations_for(0.05)
    assert isinstance(n, int) and n >= 10_000  # the search starts at 10,000 and only doubles
    start = time.perf_counter()
    crunch(n)
    assert time.perf_counter() - start > 0  # a size, not a timing goal: no bound on noise


def test_iterations_for_scales_with_the_target():
    # Calibrations are noisy; a 16x longer target must still give a clearly larger size.
    assert iterations_for(0.32) > 2 * iterations_for(0.02)


@pytest.mark.parametrize("bad", [0, -1, 61, float("nan")])
def test_iterations_for_rejects_impossible_targets(bad):
    with pytest.raises(ValueError, match="seconds must be in"):
        iterations_for(bad)


@pytest.mark.parametrize("bad", ["1", None, True])
def test_iterations_for_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match="seconds must be a number"):
        iterations_for(bad)


def test_iterations_for_rejects_a_bad_start():
    with pytest.raises(ValueError, match="start must be an int >= 1"):
        iterations_for(0.1, start=0)
