"""The graded edition's round trip through the real nbgrader CLI of the classroom's shared environment.

``helpers.classroom.grading`` builds the nbgrader course for notebooks 01 (three exercises, on the
lab server) and 11 (two async checks, ``await check....``); ``nbgrader generate_assignment`` releases
them; submissions go under ``submitted/<student>/<assignment>/`` as ``nbgrader collect`` puts them:

* ``solved``: the reference solutions pasted into the released starters (as
  ``helpers.classroom.solved.solve`` pastes them into the course's) → full marks;
* ``untouched``: the release as it is → zero;
* ``wrong`` (01): wrong answers from the checkers' own catalogue (tests/test_exercises_nb01.py) for
  exercises 2 and 3 → partial marks, the checker's ✗ lines in ``nbgrader generate_feedback``'s page;
* ``hangs`` (01): exercise 2's function loops forever → nbgrader stops that check cell at the cell
  timeout (built with a short one here, below the checker's own 30 s limit), it scores 0, the
  other two still score, and that student's autograde ends in bounded time.

Scores are read from nbgrader's gradebook (its Python API, in the shared environment) and from
``nbgrader export``'s CSV. Each step's time is printed.
"""

from __future__ import annotations

import csv
import inspect
import json
import os
import re
import subprocess
import time
from pathlib import Path

import nbformat
import pytest

from helpers.classroom import grading
from helpers.classroom.solved import solve
from tests import test_exercises_nb01 as catalogue

pytestmark = [pytest.mark.classroom, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
NB01, NB11 = "01_for_loop", "11_event_loop"
CELL_TIMEOUT = 20  # s: twice notebook 01's slowest cell (≈ 11 s), under the checker's own 30 s
SUBMISSIONS = {NB01: ["solved", "untouched", "wrong", "hangs"], NB11: ["solved", "untouched"]}
# Run by the environment's Python: every submission's score and each graded cell's, as JSON.
SCORES = """
import json, sys
from nbgrader.api import Gradebook
db, course = sys.argv[1:3]
out = {}
with Gradebook(db, course) as gb:
    for assignment in gb.assignments:
        for sub in gb.assignment_submissions(assignment.name):
            out.setdefault(assignment.name, {})[sub.student.id] = {
                "score": sub.score, "max_score": sub.max_score,
                "cells": {g.name: g.score for nb in sub.notebooks for g in nb.grades},
            }
print(json.dumps(out))
"""
LINE = re.compile(
    r"(Autograding|Writing \d+ bytes to) \S*/autograded/(?P<student>[^/]+)/(?P<assignment>[^/]+)/"
)


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _exercises(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code" and "exercise" in _tags(c)]


class Course:
    """The nbgrader course folder, the commands of the shared environment, and the times taken."""

    def __init__(self, layout, folder: Path, report):
        self.layout, self.folder, self.report = layout, folder, report
        self.times: dict[str, float] = {}
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "COURSE_BASE_URL", "MPLBACKEND"}
            and not k.startswith("JUPYTER")
        }
        self.env["PATH"] = f"{layout.env / 'bin'}:/usr/local/bin:/usr/bin:/bin"

    def timed(self, step: str, seconds: float) -> None:
        self.times[step] = seconds
        self.report(f"  {step:<48} {seconds:6.1f} s")

    def nbgrader(self, *args: str, step: str) -> subprocess.CompletedProcess:
        start = time.perf_counter()
        done = subprocess.run(
            [str(self.layout.bin("nbgrader")), *args], cwd=self.folder, env=self.env,
            capture_output=True, text=True, timeout=400,
        )  # fmt: skip
        self.timed(step, time.perf_counter() - start)
        assert done.returncode == 0, f"nbgrader {' '.join(args)} failed:\n{done.stderr[-3000:]}"
        return done

    def autograde(self, assignment: str) -> dict[str, float]:
        """``nbgrader autograde ASSIGNMENT`` for every student; each student's seconds, from the log."""
        start = time.perf_counter()
        began: dict[str, float] = {}
        took: dict[str, float] = {}
        log = []
        with subprocess.Popen(
            [str(self.layout.bin("nbgrader")), "autograde", assignment], cwd=self.folder, env=self.env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        ) as proc:  # fmt: skip
            for line in proc.stderr:  # nbgrader logs each step as it goes: timestamp them here
                log.append(line)
                match = LINE.search(line)
                if not match or match.group("assignment") != assignment:
                    continue
                student = match.group("student")
                if match.group(1) == "Autograding":
                    began[student] = time.perf_counter()
                elif student in began and student not in took:
                    took[student] = time.perf_counter() - began[student]
            proc.wait(timeout=60)
        self.timed(f"nbgrader autograde {assignment} ({len(took)} students)", time.perf_counter() - start)
        for student, seconds in took.items():
            self.timed(f"    {student}", seconds)
        errors = "".join(log[next((i for i, line in enumerate(log) if "ERROR" in line), 0) :])
        assert proc.returncode == 0, f"nbgrader autograde {assignment} failed:\n{errors[:4000]}"
        return took

    def scores(self) -> dict:
        start = time.perf_counter()
        done = subprocess.run(
            [str(self.layout.bin("python")), "-c", SCORES, f"sqlite:///{self.folder / 'gradebook.db'}",
             grading.COURSE_ID],
            env=self.env, capture_output=True, text=True, check=True, timeout=60,
        )  # fmt: skip
        self.timed("read the gradebook", time.perf_counter() - start)
        return json.loads(done.stdout)


def _submit(course: Course, assignment: str, student: str, nb) -> None:
    folder = course.folder / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / f"{assignment}.ipynb")
    (folder / "timestamp.txt").write_text("2025-01-01 12:00:00.000000 UTC\n")


def _solved(release, assignment: str):
    """The release with the reference solutions pasted into its starters, as ``solve`` pastes them
    into the course notebook (its exercise cells, in order: the release's are the course's starters)."""
    nb = nbformat.from_dict(json.loads(json.dumps(release)))
    course_exercises = _exercises(solve(ROOT / "notebooks" / f"{assignment}.ipynb"))
    released = _exercises(nb)
    assert len(released) == len(course_exercises)
    for cell, solved in zip(released, course_exercises, strict=True):
        assert solved.source.startswith(cell.source.rstrip("\n"))
        cell.source = solved.source
    return nb


def _with(nb, changes: dict[int, str]):
    """``nb`` with code appended to some exercise cells (index among the exercises → code)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    cells = _exercises(nb)
    for index, code in changes.items():
        cells[index].source = f"{cells[index].source.rstrip()}\n\n\n{code}\n"
    return nb


def _wrong(name: str, fn) -> str:
    """A wrong answer of the checkers' test catalogue, pasted as the exercise's function."""
    source = inspect.getsource(fn)
    return f"# --- a wrong answer from tests/test_exercises_nb01.py ---\n{source}\n{name} = {fn.__name__}"


HANGS = '''def session_loop(url_basis, n):
    """Waits for an answer that never comes."""
    while True:  # an infinite loop: the check cell can only be stopped from outside
        pass'''


@pytest.fixture(scope="module")
def course(layout, tmp_path_factory, request):
    capture = request.config.pluginmanager.get_plugin("capturemanager")

    def report(text: str) -> None:  # shown as it happens, even when pytest captures output
        with capture.global_and_fixture_disabled():
            print(text, flush=True)

    report("\nnbgrader round trip (notebooks 01 and 11):")
    c = Course(layout, tmp_path_factory.mktemp("nbgrader-course"), report)
    start = time.perf_counter()
    built = grading.build(c.folder, [NB01, NB11], timeout=CELL_TIMEOUT)
    c.timed("build (helpers.classroom.grading)", time.perf_counter() - start)
    assert [g.assignment for g in built] == [NB01, NB11]
    c.nbgrader("generate_assignment", "*", step="nbgrader generate_assignment (both)")

    c.release = {a: nbformat.read(c.folder / "release" / a / f"{a}.ipynb", as_version=4) for a in SUBMISSIONS}
    for assignment, release in c.release.items():
        _submit(c, assignment, "untouched", release)
        _submit(c, assignment, "solved", _solved(release, assignment))
    solved01 = _solved(c.release[NB01], NB01)
    wrong = {
        1: _wrong("session_loop", catalogue.session_inside_the_loop),
        2: _wrong("patient_loop", catalogue.no_status_check),
    }
    _submit(c, NB01, "wrong", _with(solved01, wrong))
    _submit(c, NB01, "hangs", _with(solved01, {1: HANGS}))

    c.took = {a: c.autograde(a) for a in SUBMISSIONS}
    c.nbgrader("generate_feedback", NB01, step=f"nbgrader generate_feedback {NB01}")
    c.nbgrader("export", step="nbgrader export (grades.csv)")
    c.marks = c.scores()
    report(f"  total {sum(t for s, t in c.times.items() if not s.startswith('    ')):.1f} s; marks:")
    for assignment, students in c.marks.items():
        for student, got in sorted(students.items()):
            report(f"    {assignment} {student:<10} {got['score']:g}/{got['max_score']:g} {got['cells']}")
    return c


def test_release_is_the_course_starter(course):
    """Each released exercise cell is the course's starter, character for character, and then the
    one empty line nbgrader writes for the empty stub; no solution text is left anywhere."""
    for assignment, release in course.release.items():
        starters = _exercises(nbformat.read(ROOT / "notebooks" / f"{assignment}.ipynb", as_version=4))
        released = _exercises(release)
        assert [c.source for c in released] == [s.source + "\n" for s in starters]
        text = json.dumps(release)
        assert "BEGIN SOLUTION" not in text and "reference solution" not in text
        assert "check.solution(" not in text
        for cell in release.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                assert cell.metadata.get("editable") is False and meta["locked"]


def test_reference_solutions_get_full_marks(course):
    for assignment in SUBMISSIONS:
        got = course.marks[assignment]["solved"]
        assert got["max_score"] > 0 and got["score"] == got["max_score"], got


def test_untouched_release_gets_zero(course):
    for assignment in SUBMISSIONS:
        got = course.marks[assignment]["untouched"]
        assert got["max_score"] > 0 and got["score"] == 0, got


def test_wrong_answers_get_partial_marks_and_the_checkers_feedback(course):
    got = course.marks[NB01]["wrong"]
    assert got["cells"] == {"check_timed_loop": 1.0, "check_session_loop": 0.0, "check_patient_loop": 0.0}
    assert 0 < got["score"] < got["max_score"]
    page = (course.folder / "feedback" / "wrong" / NB01 / f"{NB01}.html").read_text(encoding="utf-8")
    assert "✗ not yet" in page and "✓ passed" in page
    assert "TCP connections carried the requests; expected 1" in page  # session_inside_the_loop
    assert "the server&#x27;s 503 error" in page or "the server's 503 error" in page  # no_status_check
    with open(course.folder / "grades.csv", newline="") as f:
        rows = {(r["assignment"], r["student_id"]): float(r["score"]) for r in csv.DictReader(f)}
    assert rows[(NB01, "wrong")] == got["score"]
    assert rows[(NB01, "solved")] == course.marks[NB01]["solved"]["max_score"]


def test_a_hanging_exercise_times_out_in_its_cell_only(course):
    got = course.marks[NB01]["hangs"]
    assert got["cells"] == {"check_timed_loop": 1.0, "check_session_loop": 0.0, "check_patient_loop": 1.0}
    graded = nbformat.read(course.folder / "autograded" / "hangs" / NB01 / f"{NB01}.ipynb", as_version=4)
    cell = next(
        c for c in graded.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "check_session_loop"
    )
    errors = [o.get("ename") for o in cell.outputs if o.output_type == "error"]
    assert "CellTimeoutError" in errors, cell.outputs  # stopped by nbgrader, not by the checker's 30 s
    hung, solved = course.took[NB01]["hangs"], course.took[NB01]["solved"]
    # It waited out the cell timeout once, and not much more: the batch went on.
    assert CELL_TIMEOUT <= hung <= solved + CELL_TIMEOUT + 45, (hung, solved)
