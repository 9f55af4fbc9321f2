"""Stand-in interpreters for the code paths this machine cannot reach for real."""

from __future__ import annotations

import sys
from pathlib import Path

# A free-threaded Python, pretended: it answers helpers.builds' probe as a free-threaded build with
# its GIL off (its version from the real interpreter), and runs everything else with this Python.
_FREE_THREADED = """#!{python}
import json, os, subprocess, sys
REAL = {python!r}
args = sys.argv[1:]
if "-c" in args and "def _facts" in args[args.index("-c") + 1]:
    facts = json.loads(subprocess.run([REAL, *args], capture_output=True, text=True, check=True).stdout)
    facts.update(executable=os.path.abspath(sys.argv[0]), free_threaded=True, gil_enabled=False)
    print(json.dumps(facts))
else:
    os.execv(REAL, [REAL, *args])
"""


def free_threaded_standin(folder: Path, name: str = "python3.14t") -> Path:
    """Write an executable ``folder/name`` that helpers.builds takes for a free-threaded Python.

    Its timings are this (GIL) interpreter's: a stand-in tests the plumbing, never the figures.
    """
    path = Path(folder) / name
    path.write_text(_FREE_THREADED.format(python=sys.executable))
    path.chmod(0o755)
    return path
