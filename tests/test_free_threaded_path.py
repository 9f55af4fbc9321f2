"""Notebook 03 with a free-threaded Python found: measured, printed and plotted, never invented.

No real free-threaded interpreter exists on the test machines, so a stand-in plays one
(tests/standins.py): it answers helpers.builds' probe as ``python3.14t`` with its GIL off
and runs everything else with this interpreter. It tests the plumbing (found, run,
printed, plotted, no error), never the figures: its timings are this GIL build's.
"""

from __future__ import annotations

import nbformat
from nbclient import NotebookClient

from helpers.builds import FREE_THREADED_ENV, find_free_threaded
from tests.facts import nb03
from tests.notebook_run import FORBIDDEN, NOTEBOOKS, output_texts
from tests.standins import free_threaded_standin

PATH = NOTEBOOKS / "03_threads_underneath.ipynb"


def test_notebook_03_measures_and_plots_a_free_threaded_python(tmp_path, monkeypatch):
    standin = free_threaded_standin(tmp_path)
    monkeypatch.setenv(FREE_THREADED_ENV, str(standin))  # the kernel inherits this environment
    ft = find_free_threaded()
    assert ft is not None and ft.free_threaded and not ft.gil_enabled
    nb = nbformat.read(PATH, as_version=4)
    client = NotebookClient(
        nb, timeout=240, kernel_name="python3", resources={"metadata": {"path": str(PATH.parent)}}
    )
    client.execute()  # raises on any cell error not tagged raises-exception
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert not [o for o in cell.outputs if o.output_type == "error"], f"cell {index} raised"
        for text in output_texts(cell):
            for bad in FORBIDDEN:
                assert bad not in text, f"cell {index}: {bad!r} in output:\n{text[:2000]}"
    shown = "\n".join(output_texts(next(c for c in nb.cells if "find_free_threaded()" in c.source)))
    assert ft.label() in shown and str(standin) in shown, shown
    assert "python3.14t: " in shown and "this kernel: " in shown, shown  # both measured, printed
    nb03.check(nb.cells)  # the same facts as the normal run, this time with a free-threaded Python
