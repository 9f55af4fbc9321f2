"""Execute course notebooks headless, the way the tests (and `make` targets) need it."""

from __future__ import annotations

import copy
import os
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

from helpers.tooling import slides

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
EXECUTED = ROOT / "build" / "executed"

# Text that must never appear in any output: the noise a reader should not see.
FORBIDDEN = (
    "Unclosed client session",
    "Unclosed connector",
    "ResourceWarning",
    "RuntimeWarning",
    "DeprecationWarning",
    "was never awaited",
    "Task was destroyed but it is pending",
    "Traceback (most recent call last)",
    "missing from font",  # matplotlib's warning for a glyph its font lacks: boxes in a plot
)
# What an untouched check cell says, per edition (notebooks/ko/ is the Korean one).
NOT_STARTED = {"en": "not started yet", "ko": "아직 시작하지 않음"}


def language_of(path: Path) -> str:
    """``"ko"`` for a notebook of the Korean edition (notebooks/ko/), else ``"en"``."""
    return "ko" if Path(path).parent.name == "ko" else "en"


def run_twice(
    path: Path, timeout: int = 240, *, env: dict[str, str] | None = None
) -> tuple[nbformat.NotebookNode, float, set[int]]:
    """Run all cells, then all cells again, in one fresh kernel (Restart & Run All, twice).

    Returns the executed notebook (cells of both passes, in order), the seconds
    taken, and the pids of the lab servers the kernel started. Saves a copy under
    build/executed/ (for the decks) unless ``env`` is given: then the kernel gets
    this process's environment plus ``env``, and nothing is kept. Raises on a
    cell error unless the cell is tagged ``raises-exception``.
    """
    nb = nbformat.read(path, as_version=4)
    doubled = copy.deepcopy(nb)
    second = copy.deepcopy(nb.cells)
    for cell in second:
        cell.id = f"{cell.id}-2"[:64]
    doubled.cells = nb.cells + second
    client = NotebookClient(
        doubled,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    )
    servers: set[int] = set()

    def remember_lab_servers(cell, cell_index, execute_reply) -> None:
        process = getattr(getattr(client.km, "provisioner", None), "process", None)
        if process is None:
            return
        try:
            for child in psutil.Process(process.pid).children(recursive=True):
                if "helpers.server" in " ".join(child.cmdline()):
                    servers.add(child.pid)
        except psutil.Error:
            pass

    client.on_cell_executed = remember_lab_servers
    start = time.perf_counter()
    client.execute(**({"env": {**os.environ, **env}} if env else {}))
    elapsed = time.perf_counter() - start
    if env:
        return doubled, elapsed, servers
    EXECUTED.mkdir(parents=True, exist_ok=True)
    executed = copy.deepcopy(doubled)
    executed.cells = doubled.cells[: len(nb.cells)]
    folder = EXECUTED / "ko" if language_of(path) == "ko" else EXECUTED
    folder.mkdir(parents=True, exist_ok=True)
    partial = folder / f"{path.stem}.{os.getpid()}.tmp"
    nbformat.write(executed, partial)
    partial.replace(folder / path.name)  # atomic: CI runs two Python versions' suites at once
    # The first pass is a fresh-kernel run from the top: the decks (`make slides`, the browser
    # tests) can use it rather than executing the notebook once more.
    slides.store_executed(path, copy.deepcopy(executed))
    return doubled, elapsed, servers


def output_texts(cell) -> list[str]:
    """Every piece of text a code cell showed: streams, plain-text results, errors.

    Consecutive outputs of one stream are one text, as Jupyter shows them: the kernel sends what a
    cell prints in pieces, cut wherever its flush timer fell (on a busy machine, inside a line).
    """
    texts = []
    previous = None  # the stream the last output was on, if it was one
    for out in cell.get("outputs", []):
        if out.output_type == "stream" and out.get("name") == previous:
            texts[-1] += out.text
        elif out.output_type == "stream":
            texts.append(out.text)
        elif out.output_type == "error":
            texts.append("\n".join(out.traceback))
        elif "data" in out:
            texts.append(str(out.data.get("text/plain", "")))
        previous = out.get("name") if out.output_type == "stream" else None
    return texts


def images(cells) -> int:
    return sum("image/png" in out.get("data", {}) for c in cells for out in c.get("outputs", []))


def assert_clean(nb, language: str = "en") -> None:
    """Both passes: a plot each; no error but where tagged; no noise; untouched checks say "not started"
    (in the notebook's ``language``)."""
    half = len(nb.cells) // 2
    for number, cells in ((1, nb.cells[:half]), (2, nb.cells[half:])):
        assert images(cells) >= 1, f"pass {number}: no plot was produced"
        for index, cell in enumerate(cells):
            if cell.cell_type != "code":
                continue
            tags = cell.metadata.get("tags", [])
            expected_error = "raises-exception" in tags
            shows_warning = "shows-warning" in tags  # a warning displayed on purpose, as the lesson
            for text in output_texts(cell):
                for bad in FORBIDDEN:
                    if shows_warning or (expected_error and bad == "Traceback (most recent call last)"):
                        continue
                    assert bad not in text, f"pass {number}, cell {index}: {bad!r} in output:\n{text[:2000]}"
            shown = "\n".join(output_texts(cell))
            if "check" in tags:  # run on the untouched starter: guidance, not a failure
                said = NOT_STARTED[language]
                assert said in shown, f"pass {number}, cell {index}: check cell said:\n{shown}"
            if "solution" in tags:  # folded away: the plain text only says how to load it
                load = "%load ../solutions/" if language == "ko" else "%load solutions/"
                assert load in shown, f"pass {number}, cell {index}: solution said:\n{shown}"
            errors = [o for o in cell.outputs if o.output_type == "error"]
            assert expected_error or not errors, f"pass {number}, cell {index} raised"
            if expected_error:
                assert errors, f"pass {number}, cell {index} is tagged raises-exception but did not raise"
