"""Real Unix users for the classroom tests, each with a home of their own (mode 700)."""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import subprocess
from pathlib import Path


class UnixUser:
    """A Unix user made for a test (``prefix-<random>``), removed, home and all, by ``close``.

    ``run`` and ``popen`` start a command as this user, in their home, with an environment of
    their own (not root's): the classroom's shared environment first on PATH."""

    def __init__(self, layout, prefix: str = "user"):
        self.layout = layout
        self.name = f"{prefix}-{secrets.token_hex(4)}"
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", self.name], check=True)
        entry = pwd.getpwnam(self.name)
        self.uid, self.home = entry.pw_uid, Path(entry.pw_dir)
        os.chmod(self.home, 0o700)

    def argv(self, *argv: str) -> list[str]:
        env = [f"HOME={self.home}", f"USER={self.name}", f"PATH={self.layout.env / 'bin'}:/usr/bin:/bin",
               "LANG=C.UTF-8"]  # fmt: skip
        return ["runuser", "-u", self.name, "--", "env", "-i", *env, *argv]

    def run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """``argv`` as this user; waits, and returns its output (text)."""
        return subprocess.run(
            self.argv(*argv), cwd=self.home, capture_output=True, text=True, timeout=timeout
        )

    def popen(self, *argv: str) -> subprocess.Popen:
        """``argv`` as this user, not waited for: its stdin, stdout and stderr are pipes (text)."""
        return subprocess.Popen(
            self.argv(*argv), cwd=self.home, text=True,
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip

    def close(self) -> None:
        subprocess.run(["pkill", "-KILL", "-u", self.name], capture_output=True)
        subprocess.run(["userdel", "--remove", self.name], capture_output=True)
        if self.home.exists():
            shutil.rmtree(self.home)
