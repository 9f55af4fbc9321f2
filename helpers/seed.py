"""The 2018 study note's published figures: quoted, not measured.

The note timed 100 GETs to httpbin.org with each approach. Those numbers came
from another machine, another network and another year; plot them beside
today's measurements (``plot_comparison(..., seed=SEED_2018)``) for context,
never as a benchmark.
"""

SEED_SOURCE = "2018 study note (Korean), 100 GETs to httpbin.org"

SEED_2018: dict[str, float] = {
    "for-loop": 40.84,
    "threads + queue": 1.25,
    "aiohttp": 0.64,
}
"""Seconds for 100 GETs to httpbin.org per approach, as published in the 2018 note."""
