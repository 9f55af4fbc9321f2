"""What ``helpers.classroom.grading`` builds, without nbgrader: cell metadata, ids, points, the
starter left intact before the solution region, the graded check cells' verdict logic, the config.

The real nbgrader round trip (release, autograde, feedback) is tests/classroom/test_grading.py.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
from pathlib import Path

import nbformat
import pytest
from traitlets.config import Config

from helpers.checks import Feedback, solution_path
from helpers.classroom import grading

ROOT = Path(__file__).resolve().parents[1]
# Notebook 00's exercises are being given checks elsewhere: these tests use 01-16 only.
NOTEBOOKS = [p for p in grading.course_notebooks(ROOT / "notebooks") if p.stem[:2] != "00"]
KEYS = {"grade", "grade_id", "locked", "schema_version", "solution", "task"}
ID = re.compile(r"^[a-zA-Z0-9_\-]+$")  # nbgrader's schema (v3) for grade_id


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _meta(cell) -> dict:
    return cell.metadata.get("nbgrader", {})


def _released(source: str) -> str:
    """The cell as ``nbgrader generate_assignment`` releases it with the config's empty stub: each
    region from a BEGIN SOLUTION line to its END SOLUTION line becomes one line (the stub, "")."""
    lines, out, inside = source.split("\n"), [], False
    for line in lines:
        if "BEGIN SOLUTION" in line:
            inside = True
            out.append(re.match(r"\s*", line).group(0))
        elif "END SOLUTION" in line:
            inside = False
        elif not inside:
            out.append(line)
    assert not inside
    return "\n".join(out)


@pytest.fixture(scope="module")
def graded():
    return {p.stem: (p, grading.graded_notebook(p)) for p in NOTEBOOKS}


def test_every_notebook_with_checks_becomes_an_assignment(graded):
    assert len(graded) == 16
    for stem, (path, g) in graded.items():
        course = nbformat.read(path, as_version=4)
        checks = [c for c in course.cells if "check" in _tags(c)]
        assert g is not None and g.assignment == stem
        assert len(g.checks) == len(checks) == len(g.exercises) > 0
        assert g.total == len(checks)
        nbformat.validate(g.notebook)


def test_cell_metadata_ids_and_points(graded):
    for stem, (_, g) in graded.items():
        metas = [_meta(c) for c in g.notebook.cells if _meta(c)]
        ids = [m["grade_id"] for m in metas]
        assert len(ids) == len(set(ids)), f"{stem}: grade_ids repeat: {ids}"
        for m in metas:
            assert set(m) - {"points"} == KEYS and m["schema_version"] == 3 and not m["task"]
            assert ID.match(m["grade_id"]), m
            assert ("points" in m) == m["grade"]
        for cell in g.notebook.cells:
            m, tags = _meta(cell), _tags(cell)
            if "exercise" in tags:
                assert (m["solution"], m["grade"], m["locked"]) == (True, False, False), (stem, m)
            elif "check" in tags:
                assert (m["solution"], m["grade"], m["locked"]) == (False, True, True), (stem, m)
                assert m["points"] == 1.0 and m["grade_id"].startswith("check_")
            elif m:  # the setup cell and the cell importing the checkers: read-only
                assert (m["solution"], m["grade"], m["locked"]) == (False, False, True), (stem, m)
                assert m["grade_id"] in {"setup", "imports"}
        assert [m["grade_id"] for m in metas if m["grade"]] == list(g.checks)
        assert g.notebook.metadata.kernelspec.name == grading.KERNEL


def test_released_exercise_is_the_starter_and_source_holds_the_reference(graded):
    for stem, (path, g) in graded.items():
        course = nbformat.read(path, as_version=4)
        starters = [c.source for c in course.cells if "exercise" in _tags(c)]
        cells = [c for c in g.notebook.cells if "exercise" in _tags(c)]
        assert len(cells) == len(starters)
        for cell, starter, name in zip(cells, starters, g.exercises, strict=True):
            before, region = cell.source.split(f"\n{grading.BEGIN}\n")
            assert before == starter  # the starter, untouched, then the solution region
            assert region.endswith(f"\n{grading.END}")
            code = solution_path(stem[:2], name).read_text(encoding="utf-8").rstrip("\n")
            assert region[: -len(grading.END) - 1].endswith(code)
            assert _released(cell.source) == starter + "\n"


def test_no_solution_is_one_click_away_and_nav_cells_are_gone(graded):
    for stem, (_, g) in graded.items():
        for cell in g.notebook.cells:
            if cell.cell_type == "code" and "exercise" not in _tags(cell):
                assert "check.solution(" not in cell.source, stem
                assert "BEGIN SOLUTION" not in cell.source
            assert "nav" not in _tags(cell)
        notes = [c for c in g.notebook.cells if "graded-edition" in _tags(c)]
        assert notes[0].cell_type == "markdown" and "Graded edition (nbgrader)" in notes[0].source
        assert len(notes) == 1 + len(g.exercises)  # the header, and one note per solution cell


def _graded_cell(source: str, check) -> None:
    """Run a graded check cell's code as IPython would, with ``check`` as the checkers module."""
    code = compile(
        grading.graded_check_source(source), "<cell>", "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    )
    result = eval(code, {"check": check, "answer": 42})
    if asyncio.iscoroutine(result):
        asyncio.run(result)


class _Checks:
    """Stand-in checkers: ``verdict(answer)`` gives a Feedback per status, sync and async."""

    def __init__(self, status: str):
        self.status = status

    def verdict(self, answer):
        fb = Feedback("Exercise 9 · stand-in")
        if self.status == "not started":
            return fb.not_started("write it first")
        if self.status == "failed":
            return fb.fail("20 TCP connections carried the requests; expected 1")
        return fb.ok(f"answer {answer}")

    async def averdict(self, answer):
        await asyncio.sleep(0)
        return self.verdict(answer)


@pytest.mark.parametrize("source", ["check.verdict(answer)", "await check.averdict(answer)"])
def test_graded_check_earns_points_only_on_a_pass(source, capsys):
    _graded_cell(source, _Checks("passed"))
    assert "✓ answer 42" in capsys.readouterr().out  # displayed: the feedback is in the output
    with pytest.raises(AssertionError) as failed:
        _graded_cell(source, _Checks("failed"))
    assert "✗ 20 TCP connections carried the requests; expected 1" in str(failed.value)
    with pytest.raises(AssertionError) as not_started:
        _graded_cell(source, _Checks("not started"))
    assert "not started yet" in str(not_started.value)


def test_graded_check_source_needs_the_checker_call_last():
    many = grading.graded_check_source("x = 1\ncheck.verdict(\n    answer,\n)")
    assert "_graded = check.verdict(" in many and many.index("x = 1") < many.index("_graded =")
    for bad in ["x = check.verdict(answer)", "", "check.verdict(("]:
        with pytest.raises(ValueError):
            grading.graded_check_source(bad)


def test_config_sets_stub_kernel_and_timeout(tmp_path):
    text = grading.config_text(45)
    c = Config()
    exec(
        compile(text, "nbgrader_config.py", "exec"),
        {"get_config": lambda: c, "__file__": str(tmp_path / "x")},
    )
    assert c.ClearSolutions.code_stub == {"python": ""}
    assert c.Execute.timeout == 45 and c.Execute.interrupt_on_timeout is True
    assert c.Execute.iopub_timeout >= 30  # a kernel slowed by a spinning thread still answers
    assert c.Execute.kernel_name == grading.KERNEL and "45 s" in c.Execute.error_on_timeout["evalue"]
    assert c.CourseDirectory.course_id == grading.COURSE_ID and c.CourseDirectory.root == str(tmp_path)
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError):
            grading.config_text(bad)


def test_build_and_main_write_the_course_folder(tmp_path, capsys):
    out = tmp_path / "course"
    assert grading.main(["build", str(out), "01", str(ROOT / "notebooks" / "11_event_loop.ipynb")]) == 0
    assert "01_for_loop: 3 graded checks, 3 points" in capsys.readouterr().out
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()) == [
        "nbgrader_config.py",
        "source/01_for_loop/01_for_loop.ipynb",
        "source/11_event_loop/11_event_loop.ipynb",
    ]
    nb = json.loads((out / "source/01_for_loop/01_for_loop.ipynb").read_text(encoding="utf-8"))
    assert sum(1 for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")) == 3

    empty = tmp_path / "98_empty.ipynb"
    nbformat.write(nbformat.v4.new_notebook(), empty)
    assert grading.main(["build", str(tmp_path / "none"), str(empty)]) == 1  # nothing to grade
    assert grading.main(["build", str(tmp_path / "none"), "no_such_notebook"]) == 2
    assert "no course notebook" in capsys.readouterr().err


def test_a_check_without_a_reference_solution_is_refused(tmp_path):
    nb = nbformat.read(ROOT / "notebooks" / "01_for_loop.ipynb", as_version=4)
    nb.cells = [c for c in nb.cells if "solution" not in _tags(c)]
    with pytest.raises(ValueError, match="no reference solution"):
        grading.graded_notebook(tmp_path / "01_for_loop.ipynb", nb=nb)
