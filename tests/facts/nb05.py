"""05 · Robust clients: as_completed, also an async iterator of the original tasks since 3.13."""

from __future__ import annotations

import re

from tests.facts import shown_by, version


def check(cells: list) -> None:
    shown = shown_by(cells, "async for task in asyncio.as_completed(tasks)")
    if version() >= (3, 13):
        match = re.search(r"async for: +\[([\d., ]+)\] - the original tasks: (\w+)", shown)
        assert match, shown
        delays = [float(x) for x in match.group(1).split(",")]
        assert delays == sorted(delays) and len(delays) == 3, shown  # in completion order
        assert match.group(2) == "True", shown
    else:
        assert "added in Python 3.13" in shown, shown
