"""A notebook as a student who did every exercise would run it, and the verdicts of its checks.

:func:`solve` appends each exercise's reference solution (``notebooks/solutions/NN_name.py``, the
file its folded solution cell shows) to the exercise's starter cell, so the starter's own set-up
lines (``server = start_server(...)``) run first and the solution's definitions replace the stubs.
:func:`verdicts` reads what every check cell of an executed notebook said.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers.checks import solution_path

__all__ = ["Verdict", "exercise_solutions", "solve", "verdicts"]

_SOLUTION_CALL = re.compile(r"""check\.solution\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']\s*\)""")
_VERDICT = re.compile(r"^(?P<title>.+?): (?P<mark>✓ passed|✗ not yet|… not started yet)\s*$", re.M)
_STATUS = {"✓ passed": "passed", "✗ not yet": "failed", "… not started yet": "not started"}


def _tags(cell) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


def _number(path: Path | str) -> str:
    stem = Path(path).name
    if not (len(stem) > 2 and stem[:2].isdigit()):
        raise ValueError(f"{path}: a course notebook's name starts with its two-digit number")
    return stem[:2]


def exercise_solutions(nb, number: str) -> list[tuple[int, Path]]:
    """(index of the exercise cell, its solution file) for every exercise that has a solution cell.

    The solution cell is the first cell tagged ``solution`` after the exercise cell and before the
    next exercise; its ``check.solution("name")`` names the file ``solutions/NN_name.py``.
    """
    found = []
    cells = nb.cells
    for index, cell in enumerate(cells):
        if cell.cell_type != "code" or "exercise" not in _tags(cell):
            continue
        for later in cells[index + 1 :]:
            tags = _tags(later)
            if "exercise" in tags:
                break
            if "solution" in tags:
                match = _SOLUTION_CALL.search(later.source)
                if match:
                    found.append((index, solution_path(number, match.group(1))))
                break
    return found


def solve(path: Path | str, nb=None):
    """The notebook at ``path`` (or ``nb``, read from it) with every reference solution pasted in.

    Returns a new notebook; the file is not changed. Raises ValueError if an exercise cell has a
    solution cell whose file does not exist.
    """
    path = Path(path)
    solved = copy.deepcopy(nb) if nb is not None else nbformat.read(path, as_version=4)
    for index, file in exercise_solutions(solved, _number(path)):
        cell = solved.cells[index]
        code = file.read_text(encoding="utf-8")
        cell.source = f"{cell.source.rstrip()}\n\n# --- pasted from solutions/{file.name} ---\n{code}"
    return solved


@dataclass(frozen=True)
class Verdict:
    """What one check cell said: its index, its title, "passed" / "failed" / "not started", all its text."""

    index: int
    title: str
    status: str
    text: str


def _text(cell) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if out.get("output_type") == "stream":
            parts.append(out.get("text", ""))
        elif out.get("output_type") == "error":
            parts.append(f"{out.get('ename')}: {out.get('evalue')}")
        elif "data" in out:
            parts.append(str(out["data"].get("text/plain", "")))
    return "\n".join(parts)


def verdicts(nb) -> list[Verdict]:
    """The verdict of every check cell of an executed notebook, in order.

    A check cell that shows no verdict (it raised, or it was never run) counts as "failed", with
    whatever it showed as its text.
    """
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code" or "check" not in _tags(cell):
            continue
        text = _text(cell)
        marks = list(_VERDICT.finditer(text))
        if not marks:
            found.append(Verdict(index, "", "failed", text or "(no output)"))
            continue
        # One check cell may show several verdicts (several parts): the worst one counts.
        statuses = [_STATUS[m.group("mark")] for m in marks]
        status = next((s for s in ("failed", "not started") if s in statuses), "passed")
        found.append(Verdict(index, marks[0].group("title"), status, text))
    return found
