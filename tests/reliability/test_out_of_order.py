"""Cells run out of order, as a reader plausibly would, explain themselves; no traceback.

After a restart, a reader runs the setup cells and then jumps: to a plot, or to an exercise's
check. Each such cell either works on its own or says, in plain words, to run the cells above.
"""

from __future__ import annotations

import re

import nbformat
import pytest

from helpers.tooling import nav
from tests.notebook_run import NOTEBOOKS
from tests.reliability.kernel import Kernel

pytestmark = pytest.mark.reliability

PATHS = nav.notebooks(NOTEBOOKS)


def _prelude_and_jumps(path):
    """The setup cell with the code cells right after it; then the cells a reader jumps to."""
    cells = nbformat.read(path, as_version=4).cells
    start = next(i for i, c in enumerate(cells) if "setup" in c.metadata.get("tags", []))
    end = next(i for i in range(start, len(cells)) if cells[i].cell_type != "code")
    prelude = [c.source for c in cells[start:end]]
    jumps = [
        (i, c.source)
        for i, c in enumerate(cells[end:], end)
        if c.cell_type == "code"
        and (re.search(r"\bplot_\w+\(", c.source) or "check" in c.metadata.get("tags", []))
    ]
    return prelude, jumps


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_jumping_to_a_plot_or_a_check_gives_a_clear_message(path):
    prelude, jumps = _prelude_and_jumps(path)
    assert jumps, "the notebook has plot and check cells"
    kernel = Kernel(path.parent)
    explained = 0
    try:
        for source in prelude:
            assert kernel.run(source)["status"] == "ok"
        for index, source in jumps:
            reply = kernel.run(source, timeout=180)
            if reply["status"] == "ok":
                continue  # it stands on its own
            shown = reply["error_text"]
            assert "Run the cells above this one first" in shown, f"cell {index}:\n{shown[:3000]}"
            assert "Traceback" not in shown and "---->" not in shown, f"cell {index}:\n{shown[:3000]}"
            explained += 1
    finally:
        kernel.shutdown()
    print(f"{path.stem}: {len(jumps)} cells run out of order, {explained} explained themselves")
    assert explained, "at least one jump needed the cells above (or this test tests nothing)"
