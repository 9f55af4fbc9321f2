"""Every notebook runs top to bottom on a fresh kernel, twice, offline, plotting and quiet."""

from __future__ import annotations

import time

import nbformat
import psutil
import pytest

from helpers.lab import ENV_BASE_URL
from tests import facts
from tests.notebook_run import NOTEBOOKS, assert_clean, language_of, output_texts, run_twice

PATHS = sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))
KOREAN = sorted((NOTEBOOKS / "ko").glob("[0-9][0-9]_*.ipynb"))  # the Korean edition


def test_there_are_notebooks():
    assert len(PATHS) >= 2, "the course home (00) and the for-loop (01) at least"


def test_a_line_the_kernel_sent_in_two_pieces_is_read_as_one():
    """One print, two stream messages (the kernel flushed between its parts, as on a busy machine
    in CI): the text is the line the reader sees, not two lines."""
    cell = nbformat.v4.new_code_cell(
        outputs=[
            nbformat.v4.new_output("stream", name="stdout", text="a free-threaded Python:"),
            nbformat.v4.new_output("stream", name="stdout", text=" 3.14t at /x\n"),
            nbformat.v4.new_output("stream", name="stderr", text="a warning\n"),
            nbformat.v4.new_output("display_data", data={"text/plain": "a figure"}),
            nbformat.v4.new_output("stream", name="stdout", text="after it\n"),
        ]
    )
    expected = ["a free-threaded Python: 3.14t at /x\n", "a warning\n", "a figure", "after it\n"]
    assert output_texts(cell) == expected


def test_every_notebook_has_its_korean_edition():
    assert [p.name for p in KOREAN] == [p.name for p in PATHS]


@pytest.mark.parametrize(
    "path", PATHS + KOREAN, ids=[p.stem for p in PATHS] + [f"ko-{p.stem}" for p in KOREAN]
)
def test_notebook_runs_twice_cleanly(path):
    language = language_of(path)
    nb, seconds, servers = run_twice(path)
    assert_clean(nb, language)
    if language == "en":  # the facts read the English outputs; the Korean edition runs the same code
        facts.check(path.stem, nb.cells[: len(nb.cells) // 2])  # what this version's kernel must have shown
    else:
        shown = "\n".join(t for cell in nb.cells if cell.cell_type == "code" for t in output_texts(cell))
        assert "준비 완료" in shown, 'the setup cell did not speak Korean: check_setup(language="ko")?'
    if "start_server(" in "".join(cell.source for cell in nb.cells):
        assert servers, "the notebook started no lab server that the test could see"
    survivors = _still_running(servers, within=5)
    assert not survivors, f"lab servers {survivors} outlived the notebook's kernel"
    print(f"{path.name}: two passes in {seconds:.1f} s")


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_twice_against_a_server_without_counters(path, plain_server):
    """COURSE_BASE_URL at a plain httpbin-like server: no error, no noise, plots drawn, the missing
    counters said in words, and no lab server started."""
    nb, seconds, servers = run_twice(path, env={ENV_BASE_URL: plain_server.url})
    assert_clean(nb)
    assert not servers, f"with {ENV_BASE_URL} set, the notebook still started lab servers {servers}"
    shown = "\n".join(text for cell in nb.cells if cell.cell_type == "code" for text in output_texts(cell))
    if "stats()" in "".join(cell.source for cell in nb.cells):
        assert "keeps no counters" in shown, "a cell read the counters without saying they are missing"
    print(f"{path.name}, {ENV_BASE_URL} set: two passes in {seconds:.1f} s")


def _still_running(pids: set[int], within: float) -> list[int]:
    """The pids (ignoring zombies) still running after ``within`` seconds."""
    deadline = time.monotonic() + within
    while True:
        alive = []
        for pid in pids:
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(pid)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.2)
