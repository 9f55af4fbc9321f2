"""helpers.classroom.solved: the reference solutions pasted into a notebook, and the verdicts read back."""

from __future__ import annotations

import nbformat
import pytest

from helpers.classroom.solved import exercise_solutions, solve, verdicts
from tests.notebook_run import NOTEBOOKS

FOR_LOOP = NOTEBOOKS / "01_for_loop.ipynb"


def test_every_exercise_cell_gets_its_solution_after_the_starter():
    course = nbformat.read(FOR_LOOP, as_version=4)
    solved = solve(FOR_LOOP)
    found = exercise_solutions(course, "01")
    assert [path.name for _, path in found] == [
        "01_timed_loop.py",
        "01_session_loop.py",
        "01_patient_loop.py",
    ]
    for index, path in found:
        starter, pasted = course.cells[index].source, solved.cells[index].source
        assert pasted.startswith(starter.rstrip())  # the starter's set-up lines run first
        assert pasted.endswith(path.read_text(encoding="utf-8"))
    assert nbformat.read(FOR_LOOP, as_version=4) == course  # the file itself is not changed
    untouched = [i for i in range(len(course.cells)) if i not in {index for index, _ in found}]
    assert all(course.cells[i].source == solved.cells[i].source for i in untouched)


def test_a_notebook_without_a_number_is_refused():
    with pytest.raises(ValueError, match="two-digit number"):
        solve("notebooks/home.ipynb", nb=nbformat.v4.new_notebook())


def _check(*outputs) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell("check.x(x)")
    cell.metadata["tags"] = ["check"]
    cell.outputs = list(outputs)
    return cell


def _shown(text: str):
    return nbformat.v4.new_output("display_data", data={"text/plain": text, "text/html": "<b>…</b>"})


def test_verdicts_are_read_from_what_the_check_cells_showed():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# not a check"),
        _check(_shown("Exercise 1 · a: ✓ passed\n  ✓ all 30 answers")),
        _check(_shown("Exercise 2 · b: ✗ not yet\n  ✗ 50 TCP connections; expected 1")),
        _check(_shown("Exercise 3 · c: … not started yet\n  → write it")),
        _check(nbformat.v4.new_output("error", ename="KeyError", evalue="'x'", traceback=[])),
        _check(),
        _check(_shown("Part 1: ✓ passed"), _shown("Part 2: ✗ not yet")),  # the worst part counts
    ]
    found = verdicts(nb)
    assert [(v.index, v.status) for v in found] == [
        (1, "passed"), (2, "failed"), (3, "not started"), (4, "failed"), (5, "failed"), (6, "failed"),
    ]  # fmt: skip
    assert found[0].title == "Exercise 1 · a"
    assert "50 TCP connections" in found[1].text
    assert "KeyError" in found[3].text and found[4].text == "(no output)"


def test_crowd_runs_refuse_bad_settings():
    from helpers.classroom.crowd import CpuQuota, run_crowd

    with pytest.raises(ValueError, match="no notebooks"):
        run_crowd([])
    with pytest.raises(ValueError, match="at least"):
        run_crowd([FOR_LOOP], at_once=0)
    with pytest.raises(ValueError, match="cores must be above 0"):
        CpuQuota(0)
