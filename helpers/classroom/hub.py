"""A JupyterHub for a class on one machine, the way The Littlest JupyterHub (TLJH) builds one.

* ``install``: the shared environment, once for all students: a venv under ``PREFIX/env`` made with
  a Python every user can run (``/usr/bin/python3`` by default: the course's pins, JupyterHub,
  nbgitpuller, nbgrader, and the course's helpers installed as a package), and the proxy,
  configurable-http-proxy from npm, under ``PREFIX/proxy``.
* ``add_students``: real Unix users, each with a home of their own.
* :class:`Hub`: the hub, run as root with ``classroom/jupyterhub_config.py``: each student logs in
  with the class password and gets a JupyterLab of their own, run as their own Unix user.

``python -m helpers.classroom.hub run --students 5`` does all three and prints the URL and the
password; Ctrl+C stops the hub, every student's server with it. Everything needs root (Linux).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "PREFIX",
    "Layout",
    "Hub",
    "install",
    "add_students",
    "remove_students",
    "student_names",
    "free_port",
    "processes_of",
]

ROOT = Path(__file__).resolve().parents[2]
CLASSROOM = ROOT / "classroom"
PREFIX = Path("/opt/event-loop-course")  # as TLJH's /opt/tljh
STUDENT_GROUP = "course-students"
LAB_SETTINGS = ROOT / "helpers" / "static" / "overrides.json"
# nbgrader's tools for the teacher, off for everyone in the shared environment
TEACHER_LAB_EXTENSIONS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
)
TEACHER_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
)  # JupyterLab settings of every course env


@dataclass(frozen=True)
class Layout:
    """Where the classroom lives: ``env`` (shared venv), ``proxy`` (npm), ``state`` (hub's, root only)."""

    prefix: Path = PREFIX

    @property
    def env(self) -> Path:
        return self.prefix / "env"

    @property
    def proxy(self) -> Path:
        return self.prefix / "proxy"

    @property
    def state(self) -> Path:
        return self.prefix / "state"

    def bin(self, name: str) -> Path:
        """A command of the shared environment, e.g. ``bin("nbgrader")``."""
        return self.env / "bin" / name

    @property
    def proxy_command(self) -> Path:
        return self.proxy / "node_modules" / ".bin" / "configurable-http-proxy"


def _need_root(what: str) -> None:
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        sys.exit(f"{what} needs root on Linux (it makes Unix users and runs servers as them): use sudo.")


def _world_can_run(path: Path) -> bool:
    """True if every user can run ``path`` (itself and every folder above it, symlinks followed)."""
    real = Path(os.path.realpath(path))
    if not os.access(real, os.X_OK) or not real.stat().st_mode & 0o001:
        return False
    return all(parent.stat().st_mode & 0o001 for parent in real.parents)


def _digest(python: str) -> str:
    h = hashlib.sha256(python.encode())
    for name in (
        "classroom/requirements.txt",
        "requirements.txt",
        "pyproject.toml",
        "classroom/package.json",
    ):
        h.update((ROOT / name).read_bytes())
    for path in sorted((ROOT / "helpers").rglob("*.py")):  # the helpers are installed, not linked
        h.update(path.read_bytes())
    if LAB_SETTINGS.is_file():  # copied into the env below: a change must reach it
        h.update(LAB_SETTINGS.read_bytes())
    return h.hexdigest()


def up_to_date(layout: Layout, python: str = "/usr/bin/python3") -> bool:
    """Whether the shared environment under ``layout`` was installed, with ``python``, from the
    course files as they are now (requirements, helpers, settings): then :func:`install` does nothing."""
    stamp = layout.prefix / "installed.json"
    try:
        return json.loads(stamp.read_text(encoding="utf-8")).get("digest") == _digest(python)
    except (OSError, ValueError):
        return False


def install(layout: Layout = Layout(), python: str = "/usr/bin/python3", quiet: bool = True) -> Layout:
    """Make the shared environment and the proxy under ``layout.prefix``; quick when up to date.

    ``python`` must be runnable by every user (a pyenv Python under /root is not): the students'
    kernels run it. Exits with a message if a step fails.
    """
    _need_root("Installing the classroom")
    if not _world_can_run(Path(python)):
        sys.exit(
            f"{python} cannot be run by every user (is it under /root?): the students' kernels run "
            "it. Give --python a system Python, such as /usr/bin/python3."
        )
    if up_to_date(layout, python):
        return layout
    stamp, digest = layout.prefix / "installed.json", _digest(python)
    layout.prefix.mkdir(parents=True, exist_ok=True)
    os.chmod(layout.prefix, 0o755)
    q = ["--quiet"] if quiet else []
    if not (layout.env / "bin" / "python").exists():
        subprocess.run([python, "-m", "venv", str(layout.env)], check=True)
    pip = [str(layout.bin("python")), "-m", "pip", "install", "--disable-pip-version-check", *q]
    subprocess.run([*pip, "-r", str(CLASSROOM / "requirements.txt")], check=True, cwd=CLASSROOM)
    # The helpers as a package (not linked to this folder, which students may not be able to read).
    subprocess.run([*pip, "--no-deps", "--force-reinstall", str(ROOT)], check=True)
    layout.proxy.mkdir(parents=True, exist_ok=True)
    shutil.copy(CLASSROOM / "package.json", layout.proxy / "package.json")
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", *(["--silent"] if quiet else [])],
        check=True,
        cwd=layout.proxy,
    )
    # Students get nbgrader's Assignments tab, not the teacher's tools (a teacher turns those on for
    # themselves: classroom/README.md, "Graded exercises").
    jupyter = str(layout.bin("jupyter"))
    subprocess.run(
        [jupyter, "labextension", "disable", "--level=sys_prefix", *TEACHER_LAB_EXTENSIONS],
        check=True,
        capture_output=quiet,
    )
    subprocess.run(
        [jupyter, "server", "extension", "disable", "--sys-prefix", *TEACHER_SERVER_EXTENSIONS],
        check=True,
        capture_output=quiet,
    )
    settings = layout.env / "share" / "jupyter" / "lab" / "settings"
    if LAB_SETTINGS.is_file():
        settings.mkdir(parents=True, exist_ok=True)
        shutil.copy(LAB_SETTINGS, settings / "overrides.json")
    subprocess.run(["chmod", "-R", "a+rX", str(layout.env), str(layout.proxy)], check=True)
    stamp.write_text(json.dumps({"digest": digest, "python": python}), encoding="utf-8")
    return layout


def student_names(count: int, prefix: str = "student") -> list[str]:
    """``student01`` … for ``count`` students (three digits past 99)."""
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 999:
        raise ValueError(f"count must be a number of students from 1 to 999, not {count!r}")
    width = 2 if count < 100 else 3
    return [f"{prefix}{i:0{width}d}" for i in range(1, count + 1)]


def add_students(names: list[str]) -> list[str]:
    """Make a Unix user with a home (mode 700) for each name that does not exist yet; return the names."""
    _need_root("Adding students")
    subprocess.run(["groupadd", "-f", STUDENT_GROUP], check=True)
    for name in names:
        try:
            pwd.getpwnam(name)
        except KeyError:
            subprocess.run(
                [
                    "useradd",
                    "--create-home",
                    "--shell",
                    "/bin/bash",
                    "--gid",
                    STUDENT_GROUP,
                    "--comment",
                    "course student",
                    name,
                ],
                check=True,
            )
        os.chmod(pwd.getpwnam(name).pw_dir, 0o700)
    return list(names)


def processes_of(names: list[str]) -> list:
    """The running processes owned by these users (psutil.Process objects)."""
    import psutil

    uids = set()
    for name in names:
        try:
            uids.add(pwd.getpwnam(name).pw_uid)
        except KeyError:
            pass
    found = []
    for p in psutil.process_iter(["uids"]):
        try:
            if p.info["uids"] and p.info["uids"].real in uids:
                found.append(p)
        except psutil.Error:
            pass
    return found


def remove_students(names: list[str]) -> None:
    """Kill what these users still run, then remove the users and their homes."""
    _need_root("Removing students")
    for p in processes_of(names):
        try:
            p.kill()
        except Exception:
            pass
    for name in names:
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        subprocess.run(["userdel", "--remove", name], check=False, stderr=subprocess.DEVNULL)


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Hub:
    """A running hub: its URL, the class password, an admin token for its REST API, its process."""

    layout: Layout
    students: list[str]
    port: int = 8000
    ip: str = "127.0.0.1"
    password: str = field(default_factory=lambda: secrets.token_urlsafe(9))
    api_token: str = field(default_factory=lambda: secrets.token_hex(32))
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        host = "127.0.0.1" if self.ip in ("0.0.0.0", "") else self.ip
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 60) -> Hub:
        """Start the hub and its proxy; return when its REST API answers (or raise RuntimeError)."""
        _need_root("The hub")
        state = self.layout.state
        state.mkdir(parents=True, exist_ok=True)
        os.chmod(state, 0o700)
        env = {
            **os.environ,
            "COURSE_HUB_PREFIX": str(self.layout.prefix),
            "COURSE_HUB_IP": self.ip,
            "COURSE_HUB_PORT": str(self.port),
            "COURSE_HUB_INTERNAL_PORTS": f"{free_port()},{free_port()}",
            "COURSE_HUB_STUDENTS": ",".join(self.students),
            "COURSE_HUB_PASSWORD": self.password,
            "COURSE_HUB_API_TOKEN": self.api_token,
            "CONFIGPROXY_AUTH_TOKEN": secrets.token_hex(32),
        }
        self.log = state / "jupyterhub.log"
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                [str(self.layout.bin("jupyterhub")), "-f", str(CLASSROOM / "jupyterhub_config.py")],
                cwd=state,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"the hub exited with {self.process.returncode}; see {self.log}:\n"
                    + self.log.read_text(encoding="utf-8", errors="replace")[-3000:]
                )
            try:
                self.api("GET", "/")
                return self
            except (OSError, urllib.error.URLError):
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"the hub did not answer within {timeout:g} s; see {self.log}")

    def api(self, method: str, path: str, body: dict | None = None, timeout: float = 30):
        """Call the hub's REST API (``/hub/api`` + path) with the admin token; the JSON answer or None."""
        request = urllib.request.Request(
            f"{self.url}/hub/api{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Authorization": f"token {self.api_token}", "Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read()
        return json.loads(data) if data else None

    def start_server(self, name: str) -> None:
        """Ask the hub to start ``name``'s server (it may still be starting when this returns)."""
        try:
            self.api("POST", f"/users/{name}/server")
        except urllib.error.HTTPError as exc:
            if exc.code != 400:  # 400: already running
                raise

    def wait_ready(self, names: list[str], timeout: float = 180) -> None:
        """Return when every one of ``names`` has a ready server; raise TimeoutError if not in time."""
        deadline = time.monotonic() + timeout
        waiting = set(names)
        while waiting and time.monotonic() < deadline:
            for name in sorted(waiting):
                servers = self.api("GET", f"/users/{name}").get("servers", {})
                if servers.get("", {}).get("ready"):
                    waiting.discard(name)
            time.sleep(0.5)
        if waiting:
            raise TimeoutError(f"servers not ready within {timeout:g} s: {', '.join(sorted(waiting))}")

    def stop_server(self, name: str) -> None:
        try:
            self.api("DELETE", f"/users/{name}/server")
        except urllib.error.HTTPError as exc:
            if exc.code != 400:
                raise

    def stop(self, timeout: float = 30) -> None:
        """Stop the hub; it stops every student's server and the proxy on its way out."""
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Install and run the course's JupyterHub (needs root).")
    parser.add_argument("command", choices=["install", "run"])
    parser.add_argument("--students", type=int, default=5, help="how many student accounts (run)")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--ip", default="127.0.0.1", help="0.0.0.0 to serve other machines (put TLS in front)"
    )
    parser.add_argument("--prefix", default=str(PREFIX))
    parser.add_argument("--python", default="/usr/bin/python3", help="a Python every user can run")
    parser.add_argument("--password", default=None, help="the class password (default: a new random one)")
    args = parser.parse_args(argv)
    layout = Layout(Path(args.prefix))
    if up_to_date(layout, args.python):
        print(f"The shared environment in {layout.env} is up to date.")
    else:
        print(f"Installing the shared environment in {layout.env} (the first time takes a few minutes)...")
        install(layout, args.python)
        print("Installed.")
    if args.command == "install":
        return 0
    names = add_students(student_names(args.students))
    hub = Hub(
        layout, names, port=args.port, ip=args.ip, **({"password": args.password} if args.password else {})
    )
    hub.start()
    print(
        f"\nThe hub is running: {hub.url}\n  students: {names[0]} … {names[-1]}"
        f"\n  password: {hub.password}\nCtrl+C stops it (and every student's server)."
    )
    try:
        hub.process.wait()
    except KeyboardInterrupt:
        print("\nStopping the hub...")
    finally:
        hub.stop()
        left = processes_of(names)
        print(
            "Stopped; nothing left running."
            if not left
            else f"Stopped; {len(left)} student processes were left: {[p.pid for p in left]}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
