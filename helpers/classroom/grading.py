"""The graded edition of the course: an nbgrader course built from the notebooks' exercises.

``python -m helpers.classroom.grading build OUT [notebooks...]`` writes an nbgrader course folder:
``OUT/nbgrader_config.py`` and ``OUT/source/<assignment>/<notebook>.ipynb``, one assignment per
notebook that has checked exercises, named after the notebook (``01_for_loop``). Run it from the
course repository (it reads ``notebooks/`` and ``notebooks/solutions/``). In each source notebook:

* every exercise cell (tag ``exercise``) is an nbgrader *solution* cell (editable, ungraded): the
  course's starter, then its reference solution (``solutions/NN_name.py``) between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION``. With the empty code stub set in the config,
  ``nbgrader generate_assignment`` releases the starter exactly, followed by one empty line (where
  nbgrader writes the stub);
* every check cell (tag ``check``) is a locked, autograded *test* cell worth ``points``: it calls the
  same checker as the course, shows its feedback (the ✓ / ✗ lines) and raises AssertionError with
  that text unless the verdict is "passed", so "not started" and "✗ not yet" score 0;
* every folded solution cell (tag ``solution``) becomes a short note that the solution is not shown
  (nothing to click, and the graded edition ships no ``solutions/`` folder); the navigation cells
  (tag ``nav``), whose links point at notebooks outside the assignment, are left out;
* the cell that imports the checkers (``... as check``) and the setup cell are locked read-only,
  so autograding runs them as written here, not as a student may have edited them.

``nbgrader_config.py`` runs every notebook with the course's kernel and stops any cell that runs
longer than ``timeout`` seconds (interrupting the kernel and going on with the next cell), so a
learner's infinite loop or stuck ``await`` costs that cell its points, not the whole batch.
"""

from __future__ import annotations

import argparse
import ast
import copy
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers.classroom.solved import exercise_solutions

__all__ = [
    "BEGIN", "END", "CELL_TIMEOUT", "COURSE_ID", "KERNEL", "GradedNotebook", "assignment_name",
    "graded_check_source", "graded_notebook", "config_text", "course_notebooks", "build", "main",
]  # fmt: skip

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = ROOT / "notebooks"
COURSE_ID = "event-loop-course"
KERNEL = "python3"  # the course's kernel: the environment's own ipykernel (see classroom/README.md)
CELL_TIMEOUT = 120  # s: above the slowest cell of the course on a crowded hub (≈ 17 s) and above
#                     most checkers' own time limits (5-60 s), so only a hang reaches it
BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
_NB_META = "nbgrader"
_CHECKER_IMPORT = re.compile(r"^\s*from\s+helpers\.exercises\s+import\s+nb\d\d\s+as\s+check\b", re.M)
_GRADED_NAME = "_graded"


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def assignment_name(path: Path | str) -> str:
    """The assignment a notebook becomes: its file name without ``.ipynb`` (``01_for_loop``)."""
    stem = Path(path).stem
    if not re.fullmatch(r"\d\d_[A-Za-z0-9_\-]+", stem):
        raise ValueError(f"{path}: a course notebook is named NN_name.ipynb (letters, digits, _ and -)")
    return stem


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None):
    meta = {
        "grade": grade,
        "grade_id": grade_id,
        "locked": locked,
        "schema_version": 3,
        "solution": solution,
        "task": False,
    }
    if grade:
        meta["points"] = points
    return meta


def graded_check_source(source: str) -> str:
    """A check cell's code as an autograded test: the same checker call, shown, and raising unless ✓.

    The cell's last statement must be an expression (the checker call, awaited or not); its value
    (a :class:`helpers.checks.Feedback`) is displayed, and an AssertionError carrying its text is
    raised unless its status is ``"passed"``. Raises ValueError for a cell that does not end with
    an expression.
    """
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    try:
        tree = compile(source, "<check cell>", "exec", flags=flags, dont_inherit=True)
    except SyntaxError as exc:
        raise ValueError(f"check cell is not valid Python ({exc.msg}): {source!r}") from None
    if not tree.body or not isinstance(tree.body[-1], ast.Expr):
        raise ValueError(f"a check cell ends with the checker call, an expression: {source!r}")
    last = tree.body[-1]
    lines = source.split("\n")
    row, col = last.lineno - 1, last.col_offset
    lines[row] = f"{lines[row][:col]}{_GRADED_NAME} = {lines[row][col:]}"
    return "\n".join(
        [
            '# Graded (nbgrader): the course\'s own check; this cell earns its points only on "✓ passed".',
            "from IPython.display import display",
            "",
            *lines,
            f"display({_GRADED_NAME})",
            f'if getattr({_GRADED_NAME}, "status", None) != "passed":',
            f"    raise AssertionError(str({_GRADED_NAME}))",
        ]
    )


def _solution_note(cell):
    note = nbformat.v4.new_markdown_cell(
        "*Graded edition: the solution is not shown here. Your teacher shares it after grading.*"
    )
    note.metadata = {k: v for k, v in cell.metadata.items() if k == "slideshow"}
    note.metadata["tags"] = ["graded-edition"]
    return note


def _header(checks: int, points: float, timeout: int):
    total = checks * points
    text = (
        f"**Graded edition (nbgrader).** This notebook has {checks} graded exercise"
        f"{'s' if checks != 1 else ''}, {points:g} point{'s' if points != 1 else ''} each "
        f"({total:g} in all). Write your code in each exercise's starter cell; the locked cell under it "
        'runs the course\'s check, and only **✓ passed** earns its points ("not started" and '
        f'"✗ not yet" earn none). When your work is graded, a cell that runs longer than {timeout} s is '
        "stopped. Restart the kernel and run every cell before you submit."
    )
    cell = nbformat.v4.new_markdown_cell(text)
    cell.metadata = {"tags": ["graded-edition"]}
    return cell


@dataclass(frozen=True)
class GradedNotebook:
    """One notebook's graded edition: its nbgrader source notebook and what it grades."""

    assignment: str
    notebook: object  # nbformat.NotebookNode
    exercises: tuple[str, ...]  # grade_ids of the solution cells, in order
    checks: tuple[str, ...]  # grade_ids of the test cells, in order
    points: float  # per check

    @property
    def total(self) -> float:
        return self.points * len(self.checks)


def _unique(name: str, taken: set[str]) -> str:
    found, k = name, 2
    while found in taken:
        found, k = f"{name}_{k}", k + 1
    taken.add(found)
    return found


def graded_notebook(
    path: Path | str, *, points: float = 1.0, timeout: int = CELL_TIMEOUT, nb=None
) -> GradedNotebook | None:
    """The nbgrader source version of the course notebook at ``path`` (read from it unless ``nb``).

    Returns None if the notebook has no check cell (nothing to grade). Raises ValueError if an
    exercise that has a check has no reference solution (no solution cell naming an existing
    ``solutions/NN_name.py``), or if a check cell does not end with the checker call.
    """
    path = Path(path)
    if not (isinstance(points, int | float) and not isinstance(points, bool) and points > 0):
        raise ValueError(f"points must be a positive number, not {points!r}")
    assignment = assignment_name(path)
    number = assignment[:2]
    course = copy.deepcopy(nb) if nb is not None else nbformat.read(path, as_version=4)
    if not any(c.cell_type == "code" and "check" in _tags(c) for c in course.cells):
        return None
    solutions = dict(exercise_solutions(course, number))  # exercise cell index -> solution file

    cells, exercises, checks, taken = [], [], [], set()
    exercise: tuple[int, str | None] | None = None  # (cell index, grade_id or None) of the last exercise
    for index, cell in enumerate(course.cells):
        tags = _tags(cell)
        cell = copy.deepcopy(cell)
        cell.metadata.pop(_NB_META, None)
        if "nav" in tags:
            continue
        if cell.cell_type == "code" and "exercise" in tags:
            file = solutions.get(index)
            if file is None:
                exercise = (index, None)
                cells.append(cell)  # no reference: left as it is (a check under it is an error)
                continue
            name = _unique(file.stem[3:], taken)
            exercise = (index, name)
            code = file.read_text(encoding="utf-8").rstrip("\n")
            if any(
                marker in text
                for marker in ("BEGIN SOLUTION", "END SOLUTION")
                for text in (cell.source, code)
            ):
                raise ValueError(
                    f"{path.name}: cell {index} or {file.name} holds nbgrader's solution markers"
                )
            cell.source = "\n".join(
                [cell.source, BEGIN, f"# --- the reference solution, solutions/{file.name} ---", code, END]
            )
            cell.metadata[_NB_META] = _nbgrader(name, grade=False, solution=True, locked=False)
            exercises.append(name)
        elif cell.cell_type == "code" and "check" in tags:
            if exercise is None or exercise[1] is None:
                where = f"exercise cell {exercise[0]}" if exercise else "no exercise cell before it"
                raise ValueError(
                    f"{path.name}: check cell {index} has no reference solution ({where}); a graded "
                    "exercise needs a solution cell naming solutions/NN_name.py"
                )
            name = _unique(f"check_{exercise[1]}", taken)
            cell.source = graded_check_source(cell.source)
            cell.metadata[_NB_META] = _nbgrader(name, grade=True, solution=False, locked=True, points=points)
            checks.append(name)
        elif "solution" in tags:
            cell = _solution_note(cell)
        elif cell.cell_type == "code" and ("setup" in tags or _CHECKER_IMPORT.search(cell.source)):
            name = _unique("setup" if "setup" in tags else "imports", taken)
            cell.metadata[_NB_META] = _nbgrader(name, grade=False, solution=False, locked=True)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
        cells.append(cell)

    title = next(
        (i for i, c in enumerate(cells) if c.cell_type == "markdown" and c.source.startswith("# ")), -1
    )
    cells.insert(title + 1, _header(len(checks), points, timeout))
    graded = copy.deepcopy(course)
    graded.cells = cells
    graded.metadata["kernelspec"] = {
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
        "name": KERNEL,
    }
    nbformat.validate(graded)
    return GradedNotebook(assignment, graded, tuple(exercises), tuple(checks), float(points))


def config_text(timeout: int = CELL_TIMEOUT) -> str:
    """The course's ``nbgrader_config.py``: course id, empty code stub, kernel, per-cell timeout."""
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0:
        raise ValueError(f"timeout must be a positive whole number of seconds, not {timeout!r}")
    return f'''\
"""nbgrader configuration of the course's graded edition.

Written by `python -m helpers.classroom.grading build` (a rebuild rewrites it): put settings of your
own in ~/.jupyter/nbgrader_config.py or on the command line (`--Execute.timeout=300`).
"""

import os

c = get_config()  # noqa: F821 (nbgrader defines it)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = {COURSE_ID!r}

# An exercise cell is the course's starter, then the reference solution between
# "### BEGIN SOLUTION" and "### END SOLUTION": with an empty stub, students get the starter as it is.
c.ClearSolutions.code_stub = {{"python": ""}}

# Autograding runs each notebook in the course's kernel (the ipykernel of the environment nbgrader
# runs from: install it in the course's environment). A cell that runs longer than the timeout
# (an infinite loop, an await that never ends) is interrupted and marked with the error below;
# the next cells still run, so it costs that cell's points, not the whole batch.
c.Execute.kernel_name = {KERNEL!r}
c.Execute.timeout = {timeout}  # seconds per cell
c.Execute.interrupt_on_timeout = True
# After the interrupt, the kernel may be slow to finish the cell: a learner's infinite loop left
# spinning in a thread (the checkers run learner code in one) slows it several-fold. Past this many
# seconds without it, nbgrader gives up on that submission (an error in its log; the others go on).
c.Execute.iopub_timeout = 60
c.Execute.error_on_timeout = {{
    "ename": "CellTimeoutError",
    "evalue": "this cell ran longer than {timeout} s and was stopped",
    "traceback": [
        "CellTimeoutError: this cell ran longer than {timeout} s and was stopped. "
        "An infinite loop, or an await that never ends?"
    ],
}}
'''


def course_notebooks(folder: Path | str = NOTEBOOKS) -> list[Path]:
    """The course's notebooks (``NN_name.ipynb``) in ``folder``, in order."""
    return sorted(p for p in Path(folder).glob("[0-9][0-9]_*.ipynb") if p.is_file())


def _resolve(item: str | Path) -> Path:
    """A notebook given as a path, a stem (``01_for_loop``) or its number (``01``)."""
    path = Path(item)
    if path.suffix == ".ipynb":
        if not path.is_file():
            raise ValueError(f"no notebook {path}")
        return path
    found = [p for p in course_notebooks() if p.stem == str(item) or p.stem[:2] == str(item)]
    if len(found) != 1:
        raise ValueError(f"no course notebook {item!r} (give a path, a name such as 01_for_loop, or 01)")
    return found[0]


def build(
    out: Path | str, notebooks=None, *, timeout: int = CELL_TIMEOUT, points: float = 1.0
) -> list[GradedNotebook]:
    """Write the nbgrader course into ``out``: its config and one source assignment per notebook.

    ``notebooks`` (paths, names or numbers; all the course's by default) without a check cell are
    skipped. Rewrites ``out/nbgrader_config.py`` and each ``out/source/<assignment>/<notebook>.ipynb``;
    leaves everything else in ``out`` (gradebook, releases, submissions) alone. Returns what it
    wrote; raises ValueError (before writing anything) if a notebook cannot be graded.
    """
    paths = [_resolve(n) for n in notebooks] if notebooks else course_notebooks()
    graded = [g for g in (graded_notebook(p, points=points, timeout=timeout) for p in paths) if g is not None]
    config = config_text(timeout)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "nbgrader_config.py").write_text(config, encoding="utf-8")
    for g in graded:
        folder = out / "source" / g.assignment
        folder.mkdir(parents=True, exist_ok=True)
        nbformat.write(g.notebook, folder / f"{g.assignment}.ipynb")
    return graded


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.classroom.grading",
        description="Build the course's graded edition: an nbgrader course folder.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build", help="write OUT/nbgrader_config.py and OUT/source/<assignment>/")
    b.add_argument("out", type=Path, help="the nbgrader course folder (created if missing)")
    b.add_argument("notebooks", nargs="*", help="notebooks (paths, names or numbers); default: all")
    b.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="seconds a cell may run when autograded")
    b.add_argument("--points", type=float, default=1.0, help="points per graded check (default 1)")
    args = parser.parse_args(argv)
    if args.timeout <= 0 or args.points <= 0:
        parser.error("--timeout and --points must be positive")
    try:
        graded = build(args.out, args.notebooks, timeout=args.timeout, points=args.points)
    except ValueError as exc:
        print(f"grading: {exc}", file=sys.stderr)
        return 2
    if not graded:
        print("grading: none of these notebooks has a checked exercise; nothing to build", file=sys.stderr)
        return 1
    for g in graded:
        print(f"{g.assignment}: {len(g.checks)} graded checks, {g.total:g} points")
    print(f"nbgrader course in {args.out} (cell timeout {args.timeout} s). Next, in that folder:")
    print("  nbgrader generate_assignment ASSIGNMENT    # then as in classroom/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
