"""What each notebook must have *shown*, checked on its executed cells (tests/test_notebooks.py).

One module per notebook, ``tests/facts/nbNN.py``, with ``check(cells)``: it receives the
executed cells of the first pass and asserts on what the cells printed, against facts
this test process measures itself (``helpers.builds.this_build()``: the same interpreter
as the kernel). A notebook without a module has no extra facts to check.
"""

from __future__ import annotations

import importlib
import sys

from tests.notebook_run import output_texts


def check(stem: str, cells: list) -> None:
    """Run ``tests.facts.nbNN.check(cells)`` for the notebook ``NN_slug``, if that module exists."""
    name = f"tests.facts.nb{stem[:2]}"
    try:
        module = importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return
    module.check(cells)


def shown_by(cells: list, marker: str) -> str:
    """All the text shown by the code cells whose source contains ``marker`` (exactly one must)."""
    matches = [c for c in cells if c.cell_type == "code" and marker in c.source]
    assert len(matches) == 1, f"{len(matches)} code cells contain {marker!r}; expected exactly one"
    return "\n".join(output_texts(matches[0]))


def version() -> tuple[int, int]:
    """The (major, minor) of this Python: the kernel's too (the tests run it)."""
    return sys.version_info[:2]


def assert_build_shown(shown: str, label: str) -> None:
    """``shown`` names the build (``this kernel: <label>``) and what ``sys._is_gil_enabled()`` said."""
    assert f"this kernel: {label}" in shown, shown
    if hasattr(sys, "_is_gil_enabled"):
        assert f"sys._is_gil_enabled(): {sys._is_gil_enabled()}" in shown, shown
    else:
        assert "does not exist before 3.13" in shown, shown
