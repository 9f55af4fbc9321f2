"""The teacher's repository for the classroom tests, served on loopback as a git host serves one."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from helpers.classroom.hub import free_port

ROOT = Path(__file__).resolve().parents[2]
GIT = ["git", "-c", "user.name=teacher", "-c", "user.email=teacher@example.edu"]
# Run by the environment's Python: a notebook edited and saved with nbformat, as JupyterLab saves it.
EDIT = """
import sys, nbformat
path, where, text = sys.argv[1:4]
nb = nbformat.read(path, as_version=4)
if where == "end":
    nb.cells.append(nbformat.v4.new_code_cell(text))
else:  # a cell's id: its first line becomes text
    cell = next(c for c in nb.cells if c.get("id") == where)
    cell.source = "\\n".join([text, *cell.source.split("\\n")[1:]])
nbformat.write(nb, path)
"""


class Upstream:
    """The teacher's repository: this working tree (its tracked files and the new ones git does not
    ignore) as a single commit, in a world-readable folder under /tmp (not pytest's 0700 folders),
    served by ``git daemon`` on loopback (git://), as a git host would serve it.

    (file:// would not do: git refuses to read a repository another user owns; nor plain HTTP:
    nbgitpuller clones shallow, which git's dumb HTTP cannot.) ``python`` runs :meth:`edit`.
    """

    def __init__(self, python: Path | None = None):
        self.python = python
        self.folder = Path(tempfile.mkdtemp(prefix="course-upstream-", dir="/tmp"))
        os.chmod(self.folder, 0o755)
        self.work, self.bare = self.folder / "work", self.folder / "course.git"
        self.work.mkdir()
        files = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT, check=True,
                               capture_output=True).stdout.decode().split("\0")  # fmt: skip
        for name in filter(None, files):
            if (ROOT / name).is_file():
                (self.work / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(ROOT / name, self.work / name)
        self.git("init", "-q", "-b", "main")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", "the course")
        subprocess.run(["git", "clone", "-q", "--bare", str(self.work), str(self.bare)], check=True)
        self.git("remote", "add", "hub", str(self.bare))
        subprocess.run(["chmod", "-R", "a+rX", str(self.folder)], check=True)
        port = free_port()
        self.daemon = subprocess.Popen(
            ["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={self.folder}",
             "--listen=127.0.0.1", f"--port={port}", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self.url = f"git://127.0.0.1:{port}/{self.bare.name}"
        deadline = time.monotonic() + 15
        while subprocess.run(["git", "ls-remote", self.url], capture_output=True).returncode != 0:
            assert self.daemon.poll() is None, "git daemon exited"
            assert time.monotonic() < deadline, "git daemon did not answer in 15 s"
            time.sleep(0.2)

    def git(self, *args: str) -> None:
        subprocess.run([*GIT, *args], cwd=self.work, check=True, capture_output=True)

    def edit(self, notebook: str, where: str, text: str) -> None:
        """Edit a notebook of the teacher's copy (see ``EDIT``); publish it with :meth:`publish`."""
        subprocess.run([str(self.python), "-c", EDIT, str(self.work / notebook), where, text], check=True)

    def publish(self, message: str) -> None:
        """Commit everything in the teacher's working copy and push it, as a teacher would."""
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)
        self.git("push", "-q", "hub", "main")
        subprocess.run(["chmod", "-R", "a+rX", str(self.bare)], check=True)

    def close(self) -> None:
        self.daemon.terminate()
        self.daemon.wait(10)
        shutil.rmtree(self.folder)
