"""Narrow a fixed-width text table (like `python -m asyncio ps`'s) to the columns that fit a slide."""

from __future__ import annotations

import re
from itertools import pairwise


def columns(table: str, keep: tuple[str, ...]) -> str:
    """The columns named ``keep`` of ``table``: a header line, a rule line, then rows.

    Columns are found from the header, whose names are separated by two or more
    spaces. When a name in ``keep`` is not in the header (another version's
    layout), the table comes back unchanged rather than cut wrongly.
    """
    if not isinstance(table, str) or not isinstance(keep, tuple) or not keep:
        raise TypeError(f"table must be a str and keep a non-empty tuple of column names, got {keep!r}")
    lines = table.splitlines()
    if len(lines) < 2:
        return table
    header, _rule, *rows = lines
    starts = [header.index(name) for name in re.split(r"\s{2,}", header.strip())]
    cut = [[line[a:b].strip() for a, b in pairwise([*starts, None])] for line in [header, *rows]]
    if not set(keep) <= set(cut[0]):
        return table
    picked = [[row[k] for k, name in enumerate(cut[0]) if name in keep] for row in cut]
    widths = [max(len(row[k]) for row in picked) for k in range(len(keep))]
    return "\n".join("  ".join(f"{v:<{w}}" for v, w in zip(r, widths, strict=True)).rstrip() for r in picked)
