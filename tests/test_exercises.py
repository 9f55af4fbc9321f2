"""The exercises' shape in every notebook, 00 included: starter, check and solution cells, and their files."""

from __future__ import annotations

import importlib
import re

import nbformat
import pytest

from helpers import checks
from helpers.tooling import nav
from tests.notebook_run import NOTEBOOKS

PATHS = nav.notebooks(NOTEBOOKS)
IDS = [p.stem for p in PATHS]
SOLUTIONS = NOTEBOOKS / "solutions"
TAGS = ("exercise", "check", "solution")


def _exercise_cells(path):
    """The (tag, cell) pairs of the cells tagged exercise/check/solution, in notebook order."""
    cells = nbformat.read(path, as_version=4).cells
    return [(tag, cell) for cell in cells for tag in TAGS if tag in cell.metadata.get("tags", [])]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_every_exercise_has_a_check_and_a_solution(path):
    tagged = _exercise_cells(path)
    order = [tag for tag, _ in tagged]
    assert order.count("exercise") >= 2, "at least two exercises (warm-up, main, stretch)"
    assert order == ["exercise", "check", "solution"] * (len(order) // 3), (
        f"each starter cell is followed by one check cell, then one solution cell: {order}"
    )
    for tag, cell in tagged:
        assert cell.cell_type == "code", f"a {tag} cell is a code cell"
        if tag != "exercise":
            assert cell.metadata["slideshow"]["slide_type"] == "skip", f"{tag} cells stay out of the slides"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_check_cells_call_the_notebooks_checkers(path):
    number = path.name[:2]
    module = importlib.import_module(f"helpers.exercises.nb{number}")
    source = "\n".join(c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code")
    assert f"from helpers.exercises import nb{number} as check" in source
    assert module.NOTEBOOK == number
    for tag, cell in _exercise_cells(path):
        if tag == "check":
            names = re.findall(r"\bcheck\.(\w+)\(", cell.source)
            assert names, f"a check cell calls check.<checker>(...): {cell.source!r}"
            for name in names:
                assert callable(getattr(module, name, None)), f"helpers.exercises.nb{number} has no {name}()"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_solution_cells_and_files_match(path):
    number = path.name[:2]
    shown = []
    for tag, cell in _exercise_cells(path):
        if tag == "solution":
            match = re.fullmatch(r'check\.solution\("(\w+)"\)', cell.source.strip())
            assert match, f'a solution cell is exactly check.solution("name"): {cell.source!r}'
            shown.append(match.group(1))
    files = sorted(p.stem[3:] for p in SOLUTIONS.glob(f"{number}_*.py"))
    assert sorted(shown) == files, "every solution file is shown by one solution cell, and vice versa"
    for name in shown:
        namespace = checks.load_solution(number, name)  # self-contained: runs on its own
        assert any(callable(v) for k, v in namespace.items() if not k.startswith("_")), name
