"""The course's set-up and commands in Python alone: no make needed, on Windows, macOS and Linux.

    python3 course.py lab     create .venv if missing, install the course, start JupyterLab on its home
    python3 course.py test    the same set-up, then the whole test suite (pytest's options may follow)

On Windows (PowerShell): ``py course.py lab``. ``make lab`` and ``make test`` call this file, so there
is one implementation. ``python3 course.py --help`` lists the other commands.

Only the standard library is used, and the file parses on Python 3.6 and newer, so that an older
``python3`` gets a message saying what to do instead of a traceback. Its output is plain ASCII, which
every console can show.
"""

import sys

SUPPORTED = ((3, 11), (3, 15))  # the range README.md, pyproject.toml and helpers.setup promise
SUGGESTED = "3.14"  # the version a message suggests installing


def retry_command(os_name, version=SUGGESTED):
    """How to run ``lab`` with another Python on this system: ``py -3.14 ...`` on Windows."""
    if os_name == "nt":
        return f"py -{version} course.py lab"
    return f"python{version} course.py lab"


def version_problem(version_info, executable, os_name):
    """None if this Python can run the course; else the message saying why not and what to do."""
    low, high = SUPPORTED
    have = tuple(version_info[:2])
    if low <= have <= high:
        return None
    wanted = f"{low[0]}.{low[1]} to {high[0]}.{high[1]}"
    return (
        f"This course needs Python {wanted}, but {executable} is {have[0]}.{have[1]}. Install one "
        f"(python.org, your package manager, or uv python install {SUGGESTED}), then run: "
        + retry_command(os_name)
    )


if __name__ == "__main__":
    import os

    _problem = version_problem(sys.version_info, sys.executable or "python3", os.name)
    if _problem:
        sys.exit(_problem)

# Past the version check: everything below needs 3.11, but still parses on 3.6.
import argparse  # noqa: E402
import glob  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import subprocess  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent
DEFAULT_VENV = ".venv"
STAMP = ".installed"  # in the venv: what was installed, from which inputs (JSON)
INPUTS = ("requirements.txt", "pyproject.toml")  # a change to either installs again
# JupyterLab defaults of the course (no news question, no kernel dialog: helpers/static/README.md),
# copied to where the venv's JupyterLab reads them.
LAB_SETTINGS = ("helpers", "static", "overrides.json")
LAB_IP = "127.0.0.1"
LAB_PORT = 8888


def venv_python(venv, os_name=os.name):
    """The interpreter inside ``venv``: Scripts\\python.exe on Windows, bin/python elsewhere."""
    return Path(venv, "Scripts", "python.exe") if os_name == "nt" else Path(venv, "bin", "python")


def resolve_venv(venv, root=ROOT):
    """``venv`` as an absolute path; a relative one is taken from the course folder, not the cwd."""
    path = Path(venv).expanduser()
    return path if path.is_absolute() else root / path


def inputs_digest(root=ROOT):
    """A SHA-256 over the files that say what to install (requirements.txt, pyproject.toml)."""
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update(name.encode() + b"\0" + (Path(root) / name).read_bytes() + b"\0")
    return digest.hexdigest()


def read_stamp(venv):
    """The stamp left by the last successful install into ``venv``, or {} if none is readable."""
    try:
        with open(Path(venv) / STAMP, encoding="utf-8") as f:
            stamp = json.load(f)
    except (OSError, ValueError):
        return {}
    return stamp if isinstance(stamp, dict) else {}


def python_works(python):
    """True if ``python`` exists and starts (a venv whose base Python was removed does not)."""
    if not Path(python).exists():
        return False
    try:
        return subprocess.run([str(python), "-c", "pass"], timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def pip_works(python):
    """True if ``python -m pip`` runs: a venv made without pip cannot install the course."""
    try:
        command = [str(python), "-m", "pip", "--version"]
        return (
            subprocess.run(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=120
            ).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def say(text):
    """One line for the reader, flushed at once (before a child process writes)."""
    print(text, flush=True)


def wait_saying(argv, cwd, doing, every=15):
    """Run ``argv`` and wait, saying "doing: N s" every ``every`` seconds; return its exit code."""
    started = time.monotonic()
    proc = subprocess.Popen([str(a) for a in argv], cwd=str(cwd))
    while True:
        try:
            return proc.wait(timeout=every)
        except subprocess.TimeoutExpired:
            say(f"  {doing}: {time.monotonic() - started:.0f} s")


def install_lab_settings(venv, root=ROOT):
    """Copy the course's helpers/static/overrides.json to ``venv``/share/jupyter/lab/settings/, where
    the venv's JupyterLab reads it (its app directory is {sys.prefix}/share/jupyter/lab).

    Writes only when the copy differs; returns its path, or None if the course has no such file.
    """
    source = Path(root, *LAB_SETTINGS)
    if not source.is_file():
        return None
    target = Path(venv, "share", "jupyter", "lab", "settings", "overrides.json")
    content = source.read_bytes()
    if not target.is_file() or target.read_bytes() != content:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return target


def setup(venv, root=ROOT, python=sys.executable):
    """Make ``venv`` ready: create it with ``python`` if needed, install if its inputs changed.

    Quick when nothing changed: no pip run, one start of the venv's Python. Returns the venv's
    interpreter. Exits with a message if a step fails.
    """
    venv = Path(venv)
    py = venv_python(venv)
    digest = inputs_digest(root)
    stamp = read_stamp(venv)
    works = python_works(py)
    if works and stamp.get("inputs") == digest:
        mine = "{}.{}".format(*sys.version_info[:2])
        if stamp.get("python", mine) != mine:
            say(
                "Note: {} was made with Python {}; this is Python {}. It keeps using {}'s. For {}, give "
                "it its own folder: --venv .venv-{}".format(
                    venv.name, stamp["python"], mine, stamp["python"], mine, mine
                )
            )
        install_lab_settings(venv, root)  # a settings change needs no pip run
        say(f"{venv.name} is up to date (nothing to install).")
        return py
    started = time.monotonic()
    if works and not pip_works(py):
        works = False  # a venv made without pip (no python3.X-venv, or by another tool): make it again
    if not works:
        again = venv.exists() and any(venv.iterdir())
        if again and not (venv / "pyvenv.cfg").is_file():
            sys.exit(
                f"{venv} exists and is not a virtual environment (it has no pyvenv.cfg), so course.py "
                "will not empty it. Give another folder with --venv, or move this one away."
            )
        say(
            "{} {} with {} (Python {}.{})...".format(
                "Making again" if again else "Creating", venv, python, *sys.version_info[:2]
            )
        )
        command = [python, "-m", "venv"] + (["--clear"] if again else []) + [str(venv)]
        if subprocess.run(command).returncode != 0 or not python_works(py):
            hint = ""
            if sys.platform.startswith("linux"):
                hint = (
                    " On Debian or Ubuntu, install the venv module: sudo apt install python{}.{}-venv".format(
                        *sys.version_info[:2]
                    )
                )
            sys.exit(f"Could not create {venv} with {python} (see above).{hint}")
    say(f"Installing the course's packages into {venv.name} (the first time takes a few minutes)...")
    pip = [str(py), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    if wait_saying(pip + ["-r", "requirements.txt", "-e", ".[test]"], root, "still installing") != 0:
        sys.exit(f"pip could not install the course into {venv} (see above). Re-run when fixed.")
    install_lab_settings(venv, root)
    version = subprocess.run(
        [str(py), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    with open(venv / STAMP, "w", encoding="utf-8") as f:
        json.dump({"inputs": digest, "python": version}, f)
    say(f"Set-up done in {time.monotonic() - started:.0f} s.")
    return py


def run(argv, final=False, os_name=os.name):
    """Run ``argv`` in the course folder; return its exit code.

    ``final`` on POSIX replaces this process (signals and the exit code are the child's own). On
    Windows it waits instead (exec there would return the console to the shell at once), and a
    Ctrl+C reaches the child, which shares the console, while this process waits for it.
    """
    argv = [str(a) for a in argv]
    sys.stdout.flush()
    if final and os_name != "nt":
        os.chdir(str(ROOT))
        os.execv(argv[0], argv)
    previous = signal.signal(signal.SIGINT, lambda signum, frame: None)  # a handler is not inherited
    try:
        code = subprocess.call(argv, cwd=str(ROOT))
        return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as a shell says
    finally:
        signal.signal(signal.SIGINT, previous)


def home_notebook(root=ROOT):
    """The course's home: the first notebooks/00_*.ipynb."""
    found = sorted(glob.glob(str(Path(root) / "notebooks" / "00_*.ipynb")))
    if not found:
        sys.exit(f"No notebooks/00_*.ipynb in {root}: run this file from the course folder.")
    return Path(found[0])


def is_root():
    """True when running as root on POSIX (Jupyter then needs --allow-root); never on Windows."""
    return hasattr(os, "geteuid") and os.geteuid() == 0


def lab_command(py, ip, port, token, extra=(), as_root=False, root=ROOT, edition="en"):
    """The JupyterLab command line, and the URL of the home notebook it will serve.

    ``edition="ko"`` opens the Korean edition's home (notebooks/ko/), with the same folder served.
    """
    home = home_notebook(root)
    opened = str(home)
    if edition == "ko":
        korean = home.parent / "ko" / home.name
        if not korean.exists():
            sys.exit(f"No {korean}: the Korean edition is built by `python3 course.py translations`.")
        opened = "--ServerApp.root_dir=" + str(home.parent)
    argv = [
        str(py),
        "-m",
        "jupyter",
        "lab",
        opened,
        "--ServerApp.ip=" + ip,
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        "--IdentityProvider.token=" + token,
    ]
    if as_root:
        argv.append("--allow-root")
    page = home.name if edition == "en" else f"ko/{home.name}"
    if edition == "ko":
        argv.append(f"--LabApp.default_url=/lab/tree/{page}")  # what the browser opens
    host = f"[{ip}]" if ":" in ip else ip
    url = f"http://{host}:{port}/lab/tree/{page}?token={token}"
    return argv + list(extra), url


def port_number(text):
    """A TCP port from the command line: 1 to 65535, with a clear error otherwise."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 1 to 65535, got {text!r}")
    return port


COMMANDS = {
    "setup": "create the venv if missing and install the course (quick when nothing changed)",
    "lab": "set up, then start JupyterLab on the course home (options: --ip, --port, --token, "
    "--edition ko for the Korean edition)",
    "test": "set up, then the whole test suite; pytest's options may follow (e.g. -k browser -x)",
    "reliability": "set up, then the slow evidence runs (kernel kills, seeded faults, offline)",
    "slides": "offline reveal.js decks in build/slides/ (options of helpers.tooling.slides may follow)",
    "html": "the executed reading edition in build/html/",
    "bench": "the benchmark: every approach side by side (e.g. --quick); JSON in build/bench.json",
    "figure": "the benchmark, and the README's picture drawn from it",
    "classroom": "as root on Linux: the class's JupyterHub (classroom/README.md): "
    "classroom setup | run --students N | test",
    "nav": "regenerate the notebooks' navigation cells",
    "translations": "update the Korean catalogs from the English notebooks and build notebooks/ko/ "
    "(--check: change nothing, name what is stale)",
    "lint": "ruff on course.py, helpers, tests and notebooks",
    "format": "ruff format and fix course.py, helpers, tests and notebooks",
    "clean": "remove build/ and the tools' caches",
}


def parser():
    """The command line: global --venv, then a command and what follows it."""
    p = argparse.ArgumentParser(
        prog="course.py",
        description="Set up and run the course 'From the for-loop to the event loop' (no make needed).",
        epilog="commands:\n" + "\n".join(f"  {k:<12} {v}" for k, v in COMMANDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--venv",
        default=DEFAULT_VENV,
        help="the virtual environment to use, made with this Python if missing (default: .venv)",
    )
    p.add_argument("command", choices=sorted(COMMANDS), metavar="command", help="one of the commands below")
    p.add_argument("args", nargs=argparse.REMAINDER, help="passed on (to pytest, JupyterLab, ...)")
    return p


def lab_parser():
    """Options of ``lab``; anything else is passed on to JupyterLab (e.g. --no-browser)."""
    p = argparse.ArgumentParser(prog="course.py lab", allow_abbrev=False)
    p.add_argument(
        "--ip", default=LAB_IP, help="address to listen on (default 127.0.0.1; 0.0.0.0 in a container)"
    )
    p.add_argument("--port", type=port_number, default=LAB_PORT, help="port (default 8888)")
    p.add_argument("--token", default=None, help="the login token (default: a new random one)")
    p.add_argument(
        "--edition",
        choices=("en", "ko"),
        default="en",
        help="en (default) or ko: the Korean edition",
    )
    return p


def main(argv=None):
    """Parse the command line and do what it says; returns the exit code."""
    options = parser().parse_args(argv)
    command, args = options.command, options.args
    if command == "clean":
        for name in ("build", ".pytest_cache", ".ruff_cache"):
            shutil.rmtree(str(ROOT / name), ignore_errors=True)
        return 0
    if command == "lab":  # its options first: a typo is reported before minutes of set-up
        lab, extra = lab_parser().parse_known_args(args)
    py = setup(resolve_venv(options.venv))
    if command == "setup":
        return 0
    if command == "lab":
        token = lab.token or secrets.token_hex(16)
        argv, url = lab_command(py, lab.ip, lab.port, token, extra, as_root=is_root(), edition=lab.edition)
        say("JupyterLab is starting on the course home. Open this URL in your browser:")
        say("")
        say("    " + url)
        say("")
        return run(argv, final=True)
    if command == "test":
        return run([py, "-m", "pytest"] + args, final=True)
    if command == "reliability":
        return run([py, "-m", "pytest", "-m", "reliability"] + args, final=True)
    if command in ("slides", "html"):
        return run([py, "-m", "helpers.tooling.slides", command] + args, final=True)
    if command in ("bench", "figure"):
        bench = [py, "-m", "helpers.bench", "--json", Path("build", "bench.json")]
        if command == "figure":
            bench += ["--figure", Path("notebooks", "figures", "showdown.png")]
        return run(bench + args, final=True)
    if command == "nav":
        return run([py, "-m", "helpers.tooling.nav"] + args, final=True)
    if command == "translations":
        return run([py, "-m", "helpers.tooling.translations"] + args, final=True)
    if command == "classroom":
        what = args[0] if args else ""
        if what == "test":  # the hub, nbgitpuller and nbgrader, with real Unix users
            code = run([py, "-m", "helpers.classroom.hub", "install"])  # quick when up to date
            return code or run(
                [py, "-m", "pytest", "-m", "classroom", "tests/classroom"] + args[1:], final=True
            )
        if what == "setup":
            return run([py, "-m", "helpers.classroom.hub", "install"] + args[1:], final=True)
        if what == "run":
            return run([py, "-m", "helpers.classroom.hub", "run"] + args[1:], final=True)
        sys.exit("course.py classroom: say setup, run (--students N, --port P) or test")
    paths = ["course.py", "helpers", "tests", "notebooks", "classroom"]
    if command == "lint":
        code = run([py, "-m", "ruff", "check"] + paths)
        return code or run([py, "-m", "ruff", "format", "--check"] + paths, final=True)
    if command == "format":
        code = run([py, "-m", "ruff", "format"] + paths)
        return code or run([py, "-m", "ruff", "check", "--fix"] + paths, final=True)
    raise AssertionError(command)  # parser() allows only COMMANDS


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
