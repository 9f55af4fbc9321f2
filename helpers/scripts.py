"""Run a small Python script in a fresh interpreter, as a reader would from a terminal.

>>> run = run_script('print("hello")')      # doctest: +SKIP
>>> run.stdout, run.returncode              # doctest: +SKIP
('hello\\n', 0)

A notebook cell already runs inside an event loop (the kernel's), so
``asyncio.run(main())`` — the way a *script* starts asyncio — cannot be called
there. :func:`run_script` writes the source to a temporary file, runs it with
this kernel's own Python (``sys.executable``) in a subprocess, waits for it and
returns what it printed. The file and its folder are deleted afterwards.

The same on Linux, macOS and Windows: the interpreter is ``sys.executable`` (no
``python3`` on a Windows PATH needed), paths are :class:`~pathlib.Path` objects, the
file is written and the output read as UTF-8 (``PYTHONIOENCODING`` makes the script's
pipes UTF-8 too, where Windows would use its ANSI code page), and no shell is
involved. On Windows a folder cannot be deleted while a process still has it as
its working directory (one the script started and left running, say): then the
folder is left to the system's temporary-file cleanup, not raised as an error.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

from helpers._validate import check_bool, check_number, check_str, got


@dataclass(frozen=True)
class ScriptRun:
    """The outcome of :func:`run_script`: exit code, captured output and wall-clock seconds."""

    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def __post_init__(self) -> None:
        if isinstance(self.returncode, bool) or not isinstance(self.returncode, int):
            raise TypeError(f"returncode must be an int (the exit code), got {got(self.returncode)}")
        check_str("stdout", self.stdout)
        check_str("stderr", self.stderr)
        check_number("seconds", self.seconds)

    @property
    def ok(self) -> bool:
        """True when the script exited with code 0."""
        return self.returncode == 0

    @property
    def output(self) -> str:
        """``stdout`` followed by ``stderr`` (each captured separately, so not interleaved)."""
        return self.stdout + self.stderr

    def __str__(self) -> str:
        return f"exit code {self.returncode} after {self.seconds:.2f} s"


def run_script(
    source: str,
    *args: str,
    timeout: float = 60.0,
    check: bool = False,
    name: str = "script.py",
) -> ScriptRun:
    """Write ``source`` (dedented) to ``name`` in a temporary folder and run ``python name *args`` there.

    The interpreter is ``sys.executable`` (the kernel's, with the course's packages);
    the working directory is the temporary folder. Output is decoded as UTF-8.
    Raises TimeoutError (after killing the script) when it runs longer than
    ``timeout`` seconds, and RuntimeError on a non-zero exit code when ``check``.
    """
    if not isinstance(source, str):
        raise TypeError(f"source must be the script's text (a str), got {type(source).__name__}")
    for arg in args:
        if not isinstance(arg, str):
            raise TypeError(f"args must be strings, got {arg!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float):
        raise TypeError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    if not math.isfinite(timeout) or timeout <= 0:
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    if not isinstance(name, str) or not name.endswith(".py") or Path(name).name != name:
        raise ValueError(f"name must be a plain file name ending in .py, got {name!r}")
    check_bool("check", check)

    package_root = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryDirectory(prefix="course-script-", ignore_cleanup_errors=True) as folder:
        path = Path(folder) / name
        path.write_text(textwrap.dedent(source).lstrip("\n"), encoding="utf-8")
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [sys.executable, name, *args],
                cwd=folder,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                encoding="utf-8",
                errors="replace",
                timeout=timeout,
            )
        except subprocess.TimeoutExpired as exc:  # subprocess.run has killed the script
            so_far = _text(exc.stdout) + _text(exc.stderr)
            raise TimeoutError(
                f"the script was still running after {timeout} s and was stopped; "
                f"its output so far:\n{so_far}"
            ) from None
        seconds = time.perf_counter() - start
    run = ScriptRun(done.returncode, done.stdout, done.stderr, seconds)
    if check and not run.ok:
        raise RuntimeError(f"the script exited with code {run.returncode}:\n{run.stderr}")
    return run


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode("utf-8", "replace") if isinstance(data, bytes) else data
