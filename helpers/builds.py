"""Which Python is this, and which other Pythons can this machine run? Facts, measured.

The course runs on CPython 3.11 to 3.15, and what a concurrency lesson shows
depends on the version and the build: the free-threaded build (``python3.14t``,
no GIL), the default start method of :mod:`multiprocessing`, whether
``InterpreterPoolExecutor`` or ``asyncio.capture_call_graph`` exist. The
notebooks print these for *their* kernel instead of stating them.

>>> this_build().label()                       # doctest: +SKIP
'3.14.10, standard build (GIL on)'
>>> find_free_threaded()                       # doctest: +SKIP
None                                           # or a Build of python3.14t, found on PATH

Another interpreter is only ever asked about itself by running a short
standard-library script in a subprocess (:func:`probe`), so it needs none of the
course's packages.
"""

from __future__ import annotations

import inspect
import json
import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass

from helpers import cpu

#: Environment variable naming a free-threaded interpreter to use (a path or a command on PATH).
FREE_THREADED_ENV = "COURSE_FREE_THREADED_PYTHON"
#: Names looked for on PATH, newest first.
FREE_THREADED_NAMES = ("python3.15t", "python3.14t", "python3.13t")
#: One line on how to get a free-threaded Python, for when none is found.
HOW_TO_GET_FREE_THREADED = (
    "No free-threaded Python found. To get one: tick 'free-threaded binaries' in python.org's "
    "installer, or `uv python install 3.14t`, or your distribution's python3.14-nogil/python3.14t "
    f"package; then put `python3.14t` on PATH or set {FREE_THREADED_ENV} to its path, and re-run."
)


#: Another interpreter runs isolated (``-I``: no site-packages of the user, no PYTHON* variables)
#: and in UTF-8 mode (``-X utf8``): its pipes then carry UTF-8 on every OS, where they would
#: otherwise carry Windows' ANSI code page (cp1252...) before 3.15.
_UTF8_ISOLATED = ("-I", "-X", "utf8")
#: Its output, read back as that UTF-8 (a stray byte is replaced, never fatal).
_TEXT = {"capture_output": True, "encoding": "utf-8", "errors": "replace"}


def _facts() -> dict:
    """What an interpreter says of itself; runs in other interpreters too (standard library only)."""
    import asyncio
    import multiprocessing
    import platform
    import sys
    import sysconfig
    from concurrent import futures

    return {
        "executable": sys.executable,
        "version": platform.python_version(),
        "free_threaded": bool(sysconfig.get_config_var("Py_GIL_DISABLED")),
        "gil_enabled": getattr(sys, "_is_gil_enabled", lambda: True)(),
        # The first of get_all_start_methods() is the platform's default (set_start_method wins).
        "start_method": multiprocessing.get_start_method(allow_none=True)
        or multiprocessing.get_all_start_methods()[0],
        "interpreter_pool": hasattr(futures, "InterpreterPoolExecutor"),
        "call_graph": hasattr(asyncio, "capture_call_graph"),
    }


#: The script :func:`probe` runs in another interpreter: prints :func:`_facts` as one JSON line.
PROBE = inspect.getsource(_facts) + "\n\nimport json\n\nprint(json.dumps(_facts()))\n"


@dataclass(frozen=True)
class Build:
    """One Python interpreter, as it reports itself."""

    executable: str
    version: str  # "3.14.10"
    free_threaded: bool  # built without the GIL (Py_GIL_DISABLED), e.g. python3.14t
    gil_enabled: bool  # the GIL is on right now (a free-threaded build can re-enable it)
    start_method: str  # multiprocessing's default start method: fork, forkserver or spawn
    interpreter_pool: bool  # concurrent.futures.InterpreterPoolExecutor exists (3.14+)
    call_graph: bool  # asyncio.capture_call_graph / print_call_graph exist (3.14+)

    def label(self) -> str:
        """'3.14.10, standard build (GIL on)' or '3.14.10t, free-threaded build (GIL off)'."""
        from helpers.i18n import _

        build = _("free-threaded build") if self.free_threaded else _("standard build")
        gil = _("GIL on") if self.gil_enabled else _("GIL off")
        return f"{self.version}{'t' if self.free_threaded else ''}, {build} ({gil})"


def this_build() -> Build:
    """The interpreter running this code (the kernel, in a notebook); no subprocess."""
    return Build(**_facts())


def _which(executable: str) -> str:
    """The full path of ``executable`` (a path or a command on PATH); ValueError naming it if none."""
    path = shutil.which(str(executable))
    if path is None:
        raise ValueError(f"{executable!r} is not an executable file, nor a command on PATH")
    return path


def probe(executable: str, *, timeout: float = 30) -> Build:
    """Ask the interpreter ``executable`` (a path or a command on PATH) what it is.

    Raises ValueError, naming it, when it cannot be run or does not answer like
    CPython 3 does.
    """
    if not isinstance(executable, str | os.PathLike) or not str(executable):
        raise TypeError(f"executable must be a path or command name (str), got {executable!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not 0 < timeout <= 600:
        raise ValueError(f"timeout must be a number of seconds in (0, 600], got {timeout!r}")
    path = _which(executable)
    try:
        result = subprocess.run([path, *_UTF8_ISOLATED, "-c", PROBE], timeout=timeout, check=False, **_TEXT)
        fields = json.loads(result.stdout.strip().splitlines()[-1])
        return Build(**fields)
    except (OSError, subprocess.TimeoutExpired, json.JSONDecodeError, IndexError, TypeError) as error:
        detail = (result.stderr.strip().splitlines() or [""])[-1] if "result" in locals() else error
        raise ValueError(f"{path} did not answer as a Python 3.11+ interpreter would: {detail}") from None


def find_free_threaded(env: Mapping[str, str] | None = None) -> Build | None:
    """A free-threaded interpreter with its GIL off, or None when there is none.

    Looks at ``$COURSE_FREE_THREADED_PYTHON`` first: when it is set, it must name
    one (ValueError otherwise: you asked for it). Then at ``python3.15t``,
    ``python3.14t`` and ``python3.13t`` on ``env['PATH']``. Each candidate is
    probed, not trusted by its name.
    """
    env = os.environ if env is None else env
    chosen = env.get(FREE_THREADED_ENV, "").strip()
    if chosen:
        found = shutil.which(chosen, path=env.get("PATH"))
        if found is None:
            raise ValueError(f"{FREE_THREADED_ENV}={chosen!r}: no such executable (a path or a command)")
        build = probe(found)
        if not build.free_threaded or build.gil_enabled:
            raise ValueError(
                f"{FREE_THREADED_ENV}={chosen!r} is {build.label()}, not free-threaded with its GIL off"
            )
        return build
    for name in FREE_THREADED_NAMES:
        found = shutil.which(name, path=env.get("PATH"))
        if found is None:
            continue
        try:
            build = probe(found)
        except ValueError:
            continue
        if build.free_threaded and not build.gil_enabled:
            return build
    return None


# The experiment, run in any interpreter: crunch(n) TASKS times in a row, then on TASKS threads.
_CPU_SCRIPT = """\
import json, sys, threading, time
{crunch}

def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start

def on_threads(n, tasks):
    threads = [threading.Thread(target=crunch, args=(n,)) for _ in range(tasks)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

n, tasks, repeats = map(int, sys.argv[1:4])
crunch(n // 10)  # warm-up
runs = {{"sequential": [], "threads": []}}
for _ in range(repeats):  # alternated, so that a busy moment hits both
    runs["sequential"].append(timed(lambda: [crunch(n) for _ in range(tasks)]))
    runs["threads"].append(timed(lambda: on_threads(n, tasks)))
print(json.dumps({{name: sorted(times)[len(times) // 2] for name, times in runs.items()}}))
"""


def cpu_script() -> str:
    """The source of the CPU experiment :func:`cpu_threads` runs (``helpers.cpu.crunch`` included)."""
    return _CPU_SCRIPT.format(crunch=inspect.getsource(cpu.crunch))


def cpu_threads(
    executable: str, n: int, tasks: int, *, repeats: int = 3, timeout: float = 120
) -> dict[str, float]:
    """Run ``crunch(n)`` ``tasks`` times in a row, then on ``tasks`` threads, in ``executable``.

    Returns the medians of ``repeats`` runs of each, ``{"sequential": seconds,
    "threads": seconds}``, measured with ``time.perf_counter`` in that interpreter
    (a fresh process, standard library only). Raises ValueError when the run fails.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an int >= 1 (crunch's rounds), got {n!r}")
    if isinstance(tasks, bool) or not isinstance(tasks, int) or not 1 <= tasks <= 64:
        raise ValueError(f"tasks must be an int in [1, 64], got {tasks!r}")
    if isinstance(repeats, bool) or not isinstance(repeats, int) or not 1 <= repeats <= 21:
        raise ValueError(f"repeats must be an int in [1, 21], got {repeats!r}")
    path = _which(executable)
    try:
        result = subprocess.run(
            [path, *_UTF8_ISOLATED, "-c", cpu_script(), str(n), str(tasks), str(repeats)],
            timeout=timeout,
            check=True,
            **_TEXT,
        )
        times = json.loads(result.stdout.strip().splitlines()[-1])
    except subprocess.CalledProcessError as error:
        raise ValueError(f"the CPU experiment failed in {path}: {error.stderr.strip()[-300:]}") from None
    except subprocess.TimeoutExpired:
        raise ValueError(f"the CPU experiment took over {timeout} s in {path}; lower n") from None
    return {"sequential": float(times["sequential"]), "threads": float(times["threads"])}


#: The supported minor versions, oldest first.
SUPPORTED = ((3, 11), (3, 12), (3, 13), (3, 14), (3, 15))


def find_pythons(env: Mapping[str, str] | None = None) -> list[Build]:
    """This interpreter plus each supported ``python3.X`` found on ``env['PATH']``, one per version.

    Sorted by version; each is probed (a subprocess), not trusted by its name; ones
    that do not answer are left out. Use it to show a behaviour on every version a
    reader has, beside the kernel's own.
    """
    env = os.environ if env is None else env
    found = {this_build().version.rsplit(".", 1)[0]: this_build()}
    for major, minor in SUPPORTED:
        key = f"{major}.{minor}"
        path = shutil.which(f"python{key}", path=env.get("PATH"))
        if key in found or path is None:
            continue
        try:
            build = probe(path)
        except ValueError:
            continue
        if build.version.startswith(key + "."):
            found[key] = build
    return [found[key] for key in sorted(found, key=lambda k: tuple(map(int, k.split("."))))]
