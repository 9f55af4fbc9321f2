"""Plain-words messages, instead of tracebacks, for cells run out of order.

A reader who restarts the kernel and jumps to a plot cell gets a NameError for
a name that an earlier cell defines. :func:`install` (called by the setup
cell's ``check_setup()``) makes IPython show that as two lines that say what to
do, and does the same for :class:`RunCellsAbove`, which helpers raise when
they are handed nothing to work on yet (an empty recorder, no timings).
Outside IPython, :func:`install` does nothing.
"""

from __future__ import annotations

import traceback

from helpers.i18n import N_, _

__all__ = ["RunCellsAbove", "install", "message_for"]

HOW = N_("Run the cells above this one first (Run ▸ Run All Above Selected Cell), then this cell again.")


class RunCellsAbove(ValueError):
    """Raised by helpers given nothing to work on yet, e.g. a plot before its measurements."""


def _cell_line(tb) -> str | None:
    """The last line of the traceback that comes from a notebook cell, if any."""
    frames = [f for f in traceback.extract_tb(tb) if "ipykernel" in f.filename or f.filename.startswith("<")]
    return frames[-1].line if frames and frames[-1].line else None


def message_for(exc: BaseException, tb=None) -> list[str]:
    """The lines shown instead of a traceback for ``exc`` (a NameError or RunCellsAbove)."""
    if isinstance(exc, NameError):
        name = getattr(exc, "name", None) or str(exc)
        lines = [f"NameError: {exc}"]
        line = _cell_line(tb if tb is not None else exc.__traceback__)
        if line:
            lines.append(_("    in: {line}", line=line))
        lines.append(
            _(
                "`{name}` is defined by an earlier cell that has not run in this kernel yet. {how}",
                name=name,
                how=_(HOW),
            )
        )
        lines.append(_("(If no cell above defines it, check its spelling.)"))
        return lines
    return [f"{type(exc).__name__}: {exc}", _(HOW)]


def _handler(shell, etype, value, tb, tb_offset=None):
    # IPython's run_code ignores what a custom handler returns: showing it is the handler's job.
    # ipykernel's _showtraceback sends it as the cell's error output, so Run All still stops here.
    lines = message_for(value, tb)
    show = getattr(shell, "_showtraceback", None)
    if show is not None:
        show(etype, value, lines)
    else:  # pragma: no cover - every IPython shell has it
        print("\n".join(lines))
    return lines


def install(shell=None) -> bool:
    """Show NameError and RunCellsAbove in plain words in this IPython kernel.

    Returns True when installed, False outside IPython. Calling it again is harmless.
    """
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc((NameError, RunCellsAbove), _handler)
    return True
