"""Cells run out of order explain themselves in plain words, in a real kernel."""

from __future__ import annotations

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from helpers import friendly
from tests.notebook_run import NOTEBOOKS


def _run(*sources):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(s) for s in sources])
    NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True).execute(cwd=str(NOTEBOOKS))
    return nb.cells


def _error(cell):
    errors = [o for o in cell.outputs if o.output_type == "error"]
    assert len(errors) == 1, cell.outputs
    return "\n".join(errors[0].traceback)


def test_out_of_order_cells_get_a_message_not_a_traceback():
    cells = _run(
        "from helpers import check_setup\ncheck_setup()",
        "from helpers.friendly import RunCellsAbove\nx = 1\nprint(timings)",
        "raise RunCellsAbove('plot_comparison got no timings: run the measurement cells above first')",
        "def f():\n    return undefined_name\nf()",
        "1 / 0",
    )
    shown = _error(cells[1])
    assert shown.startswith("NameError: name 'timings' is not defined")
    assert "in: print(timings)" in shown and "Run All Above Selected Cell" in shown
    assert "Traceback" not in shown and "---->" not in shown
    shown = _error(cells[2])
    assert shown.startswith("RunCellsAbove: plot_comparison got no timings") and "Traceback" not in shown
    assert "`undefined_name` is defined by an earlier cell" in _error(cells[3])
    assert "ZeroDivisionError" in _error(cells[4]) and "Traceback" in _error(cells[4]), (
        "other errors unchanged"
    )


def test_without_check_setup_tracebacks_stay():
    cells = _run("print(timings)")
    assert "Traceback" in _error(cells[0]) or "---->" in _error(cells[0])


def test_install_outside_ipython_does_nothing():
    assert friendly.install() is False
    assert friendly.message_for(friendly.RunCellsAbove("nothing yet"))[0] == "RunCellsAbove: nothing yet"


def test_run_all_still_stops_at_the_out_of_order_cell():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell(s)
            for s in ("from helpers import check_setup\ncheck_setup()", "timings")
        ]
    )
    with pytest.raises(CellExecutionError, match="is defined by an earlier cell"):
        NotebookClient(nb, timeout=60, kernel_name="python3").execute(cwd=str(NOTEBOOKS))
