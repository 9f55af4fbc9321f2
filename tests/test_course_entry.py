"""course.py, the Python-only entry point (`python3 course.py lab` / `test`): what it runs, where its venv
is on each system, the message an old Python gets, and that a re-run with nothing changed installs
nothing. The whole set-up from scratch, with make absent from PATH, is `-m fresh_setup` (it needs the
package index, so CI runs it before the offline suites)."""

from __future__ import annotations

import ast
import os
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import time
import tomllib
import urllib.request
from pathlib import Path

import pytest

import course
from helpers import setup as course_setup
from tests.lab_process import make_lab
from tests.notebook_run import ROOT

SOURCE = (ROOT / "course.py").read_text(encoding="utf-8")


def test_it_parses_on_old_pythons_and_prints_only_ascii():
    # An old python3 (macOS's 3.9, a distribution's 3.8) must reach the version check, not a SyntaxError.
    ast.parse(SOURCE, feature_version=(3, 6))
    assert SOURCE.isascii(), "a Windows console in cp1252 cannot print every character"


@pytest.mark.parametrize("version", [(3, 11), (3, 12), (3, 13), (3, 14), (3, 15)])
def test_supported_versions_pass(version):
    assert course.version_problem(version + (0, "final", 0), "python3", "posix") is None


@pytest.mark.parametrize(
    ("version", "os_name", "retry"),
    [
        ((3, 10, 12), "posix", "python3.14 course.py lab"),
        ((3, 9, 6), "posix", "python3.14 course.py lab"),
        ((3, 8, 10), "nt", "py -3.14 course.py lab"),
        ((3, 16, 0), "posix", "python3.14 course.py lab"),
    ],
)
def test_other_versions_get_a_message_saying_what_to_do(version, os_name, retry):
    message = course.version_problem(version, "/usr/bin/python3", os_name)
    assert message.startswith(f"This course needs Python 3.11 to 3.15, but /usr/bin/python3 is {version[0]}.")
    assert f"is {version[0]}.{version[1]}." in message
    assert "python.org" in message and "uv python install 3.14" in message
    assert message.endswith("then run: " + retry)


def test_the_supported_range_is_the_same_everywhere():
    low, high = course.SUPPORTED
    assert low == course_setup.MIN_PYTHON and high == course_setup.MAX_TESTED
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == f">={low[0]}.{low[1]},<{high[0]}.{high[1] + 1}"


def test_an_old_python_gets_the_message_before_anything_is_made(tmp_path):
    fake_old = (
        "import runpy, sys; sys.version_info = (3, 10, 4, 'final', 0); "
        f"sys.argv = ['course.py', '--venv', {str(tmp_path / 'venv')!r}, 'lab']; "
        "runpy.run_path('course.py', run_name='__main__')"
    )
    result = subprocess.run([sys.executable, "-c", fake_old], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 1
    assert "This course needs Python 3.11 to 3.15" in result.stderr and "is 3.10." in result.stderr
    assert result.stdout == ""
    assert not (tmp_path / "venv").exists()


def test_venv_layout_on_windows_and_elsewhere():
    assert course.venv_python("C:/course/.venv", "nt").parts[-3:] == (".venv", "Scripts", "python.exe")
    assert course.venv_python("/home/me/course/.venv", "posix").parts[-3:] == (".venv", "bin", "python")
    # ... and the layout this Python's own venv scheme gives (3.11+ knows a "venv" scheme)
    scripts = Path(sysconfig.get_path("scripts", "venv", vars={"base": "/x/.venv"}))
    assert course.venv_python(Path("/x/.venv")).parent == scripts


def test_a_relative_venv_is_taken_from_the_course_folder(tmp_path):
    assert course.resolve_venv(".venv-3.14", root=tmp_path) == tmp_path / ".venv-3.14"
    assert course.resolve_venv(str(tmp_path / "elsewhere"), root=ROOT) == tmp_path / "elsewhere"


def test_the_lab_command_and_its_url(tmp_path):
    argv, url = course.lab_command(Path("py"), "127.0.0.1", 8899, "tok", ["--no-browser"])
    assert argv[:5] == ["py", "-m", "jupyter", "lab", str(ROOT / "notebooks" / "00_home.ipynb")]
    assert "--ServerApp.port=8899" in argv and "--ServerApp.port_retries=0" in argv
    assert "--IdentityProvider.token=tok" in argv and "--allow-root" not in argv
    assert argv[-1] == "--no-browser"
    assert url == "http://127.0.0.1:8899/lab/tree/00_home.ipynb?token=tok"
    argv, url = course.lab_command(Path("py"), "::1", 8888, "t", as_root=True)
    assert "--allow-root" in argv and url.startswith("http://[::1]:8888/lab/tree/")
    with pytest.raises(SystemExit, match="No notebooks/00_"):
        course.lab_command(Path("py"), "127.0.0.1", 8888, "t", root=tmp_path)


def test_jupyter_is_told_about_root_only_where_there_is_one(monkeypatch):
    assert course.is_root() == (os.geteuid() == 0)
    monkeypatch.delattr(os, "geteuid")  # as on Windows, which has no root user
    assert course.is_root() is False


@pytest.fixture
def recorded(monkeypatch):
    """course.main with setup and run recorded, not done: returns the list of argv it would run."""
    ran = []
    monkeypatch.setattr(course, "setup", lambda venv: Path("py"))
    monkeypatch.setattr(course, "run", lambda argv, final=False: ran.append([str(a) for a in argv]) or 0)
    return ran


def test_each_command_runs_what_its_help_says(recorded):
    for argv in (["test", "-k", "x", "-q"], ["reliability"], ["nav"], ["bench", "--quick"], ["figure"]):
        assert course.main(argv) == 0
    assert recorded == [
        ["py", "-m", "pytest", "-k", "x", "-q"],
        ["py", "-m", "pytest", "-m", "reliability"],
        ["py", "-m", "helpers.tooling.nav"],
        ["py", "-m", "helpers.bench", "--json", str(Path("build", "bench.json")), "--quick"],
        ["py", "-m", "helpers.bench", "--json", str(Path("build", "bench.json")), "--figure",
         str(Path("notebooks", "figures", "showdown.png"))],
    ]  # fmt: skip
    recorded.clear()
    assert course.main(["lint"]) == 0
    assert [argv[2:4] for argv in recorded] == [["ruff", "check"], ["ruff", "format"]]
    assert all(argv[-5:] == ["course.py", "helpers", "tests", "notebooks", "classroom"] for argv in recorded)
    recorded.clear()
    assert course.main(["classroom", "test", "-x"]) == 0  # the shared env first, then the tests
    assert recorded == [
        ["py", "-m", "helpers.classroom.hub", "install"],
        ["py", "-m", "pytest", "-m", "classroom", "tests/classroom", "-x"],
    ]
    recorded.clear()
    assert course.main(["classroom", "run", "--students", "3"]) == 0
    assert recorded == [["py", "-m", "helpers.classroom.hub", "run", "--students", "3"]]
    with pytest.raises(SystemExit, match="say setup, run"):
        course.main(["classroom", "start"])


def test_lab_prints_the_url_and_passes_other_options_to_jupyterlab(recorded, capsys):
    assert course.main(["lab", "--port", "8899", "--token", "abc", "--no-browser"]) == 0
    (argv,) = recorded
    assert "--ServerApp.port=8899" in argv and "--IdentityProvider.token=abc" in argv
    assert argv[-1] == "--no-browser"
    assert "http://127.0.0.1:8899/lab/tree/00_home.ipynb?token=abc" in capsys.readouterr().out
    recorded.clear()
    course.main(["lab"])  # no token given: a new random one, never empty
    token = re.search(r"--IdentityProvider\.token=(\w+)", " ".join(recorded[0])).group(1)
    assert len(token) == 32


def test_clean_needs_no_venv(monkeypatch, tmp_path):
    monkeypatch.setattr(course, "ROOT", tmp_path)
    monkeypatch.setattr(course, "setup", lambda venv: pytest.fail("clean must not set anything up"))
    (tmp_path / "build" / "x").mkdir(parents=True)
    assert course.main(["clean"]) == 0
    assert not (tmp_path / "build").exists()


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["lab", "--port", "eighty"], "expected a port number from 1 to 65535, got 'eighty'"),
        (["lab", "--port", "70000"], "expected a port number from 1 to 65535, got '70000'"),
        (["serve"], "invalid choice: 'serve'"),
        ([], "the following arguments are required: command"),
    ],
)
def test_bad_input_gets_a_clear_error(recorded, monkeypatch, capsys, argv, said):
    monkeypatch.setattr(course, "setup", lambda venv: pytest.fail("bad input is reported before set-up"))
    with pytest.raises(SystemExit) as stop:
        course.main(argv)
    assert stop.value.code == 2
    assert said in capsys.readouterr().err
    assert recorded == []


def test_on_windows_run_waits_for_the_child_and_gives_its_exit_code():
    before = signal.getsignal(signal.SIGINT)
    code = course.run([sys.executable, "-c", "import sys; sys.exit(3)"], final=True, os_name="nt")
    assert code == 3
    assert signal.getsignal(signal.SIGINT) is before  # Ctrl+C is this process's own again
    killed = [sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"]
    assert course.run(killed, os_name="nt") == 128 + signal.SIGTERM  # as a shell reports it, not -15


def test_elsewhere_the_last_command_replaces_this_process():
    script = (
        "import sys, course; "
        "course.run([sys.executable, '-c', 'import os; print(os.getcwd())'], final=True); "
        "print('not reached')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT / "notebooks", env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [str(ROOT)]  # it runs in the course folder, whatever the cwd


def test_every_make_target_is_a_one_line_call_of_course_py():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^COURSE = \$\(PYTHON\) course\.py --venv \$\(VENV\)$", makefile, re.M)
    targets = re.findall(r"^([a-z]+):\n((?:\t.*\n)+)", makefile, re.M)
    assert {name for name, _ in targets} == set(course.COMMANDS)
    for name, recipe in targets:
        assert re.fullmatch(rf"\t@\$\(COURSE\) {name}( .*)?\n", recipe), (name, recipe)


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not on PATH (course.py needs none)")
def test_make_passes_its_variables_on():
    result = subprocess.run(
        ["make", "--no-print-directory", "-n", "lab", "PYTHON=py3", "VENV=.venv-x", "LAB_PORT=8899",
         "LAB_TOKEN=t", "LAB_FLAGS=--no-browser"],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")},
    )  # fmt: skip
    assert (
        result.stdout.split()
        == "py3 course.py --venv .venv-x lab --ip 127.0.0.1 --port 8899 --token t --no-browser".split()
    )
    korean = subprocess.run(
        ["make", "--no-print-directory", "-n", "lab", "PYTHON=py3", "EDITION=ko"],
        cwd=ROOT, capture_output=True, text=True, check=True,
        env={k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MAKELEVEL", "MFLAGS")},
    )  # fmt: skip
    assert "--edition ko" in korean.stdout


def test_lab_opens_the_korean_edition_on_request(tmp_path):
    argv, url = course.lab_command(Path("py"), "127.0.0.1", 8899, "tok", edition="ko")
    assert url == "http://127.0.0.1:8899/lab/tree/ko/00_home.ipynb?token=tok"
    assert f"--ServerApp.root_dir={ROOT / 'notebooks'}" in argv  # the same folder: ../solutions, links
    assert "--LabApp.default_url=/lab/tree/ko/00_home.ipynb" in argv
    assert course.lab_parser().parse_known_args(["--edition", "ko"])[0].edition == "ko"
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "00_home.ipynb").write_text("{}")
    with pytest.raises(SystemExit, match="course.py translations"):
        course.lab_command(Path("py"), "127.0.0.1", 8899, "tok", root=tmp_path, edition="ko")


def _course_copy(tmp_path: Path) -> Path:
    """course.py and the files that say what to install, in a folder of their own."""
    root = tmp_path / "course"
    root.mkdir()
    for name in ("course.py", *course.INPUTS):
        shutil.copy(ROOT / name, root / name)
    return root


def test_a_rerun_with_nothing_changed_installs_nothing(tmp_path):
    root = _course_copy(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    (venv / course.STAMP).write_text(f'{{"inputs": "{course.inputs_digest(root)}", "python": "{version}"}}')
    stamp_time = (venv / course.STAMP).stat().st_mtime_ns
    setup = [sys.executable, str(root / "course.py"), "--venv", str(venv), "setup"]
    result = subprocess.run(setup, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "venv is up to date (nothing to install).\n"
    assert (venv / course.STAMP).stat().st_mtime_ns == stamp_time


def test_a_changed_requirements_file_installs_again(tmp_path, monkeypatch):
    root = _course_copy(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    (venv / course.STAMP).write_text(f'{{"inputs": "{course.inputs_digest(root)}"}}')
    with open(root / "requirements.txt", "a") as f:
        f.write("# a new pin\n")
    ran = []
    monkeypatch.setattr(course, "pip_works", lambda python: True)
    monkeypatch.setattr(course, "wait_saying", lambda argv, cwd, doing: ran.append(argv) or 1)
    with pytest.raises(SystemExit, match="pip could not install the course into .*venv"):
        course.setup(venv, root=root)
    (argv,) = ran
    assert argv[1:4] == ["-m", "pip", "install"] and argv[-4:] == ["-r", "requirements.txt", "-e", ".[test]"]


def test_a_venv_without_pip_is_made_again(tmp_path, monkeypatch, capsys):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    assert not course.pip_works(course.venv_python(venv))
    monkeypatch.setattr(course, "wait_saying", lambda *args, **kwargs: 1)  # stop before pip installs
    with pytest.raises(SystemExit, match="pip could not install the course"):
        course.setup(venv, root=ROOT)
    assert "Making again" in capsys.readouterr().out
    assert course.pip_works(course.venv_python(venv))


def test_a_folder_that_is_not_a_venv_is_never_emptied(tmp_path, monkeypatch):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "mine.txt").write_text("keep me")
    monkeypatch.setattr(course, "wait_saying", lambda *args, **kwargs: pytest.fail("must not install"))
    with pytest.raises(SystemExit, match=r"is not a virtual environment \(it has no pyvenv\.cfg\)"):
        course.setup(folder, root=ROOT)
    assert (folder / "mine.txt").read_text() == "keep me"


def test_a_venv_whose_python_is_gone_is_made_again(tmp_path, monkeypatch, capsys):
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text(f"home = {tmp_path}\n")
    (venv / "bin" / "python").symlink_to(tmp_path / "a-python-that-was-uninstalled")
    monkeypatch.setattr(course, "wait_saying", lambda *args, **kwargs: 1)  # stop before pip runs
    with pytest.raises(SystemExit, match="pip could not install the course"):
        course.setup(venv, root=ROOT)
    assert "Making again" in capsys.readouterr().out
    assert course.python_works(course.venv_python(venv))


@pytest.mark.fresh_setup
def test_from_scratch_without_make_it_sets_up_starts_jupyterlab_and_tests(tmp_path):
    """A fresh copy of the course, PATH with only python3 on it: the README's Python-only commands."""
    root = tmp_path / "course"
    files = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for name in files:
        if (ROOT / name).is_file():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, root / name)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    base_python = getattr(sys, "_base_executable", sys.executable)
    (bin_dir / "python3").symlink_to(base_python)
    env = {"PATH": str(bin_dir), "HOME": os.environ.get("HOME", str(tmp_path)), "LANG": "C.UTF-8"}
    assert shutil.which("make", path=env["PATH"]) is None
    token = "fresh-setup-token"
    command = ["python3", "course.py", "lab", "--port", "{port}", "--token", token, "--no-browser"]
    started = time.monotonic()
    with make_lab(tmp_path, token, env=env, cwd=root, command=command, startup=1200) as (base, log):
        set_up = time.monotonic() - started
        printed = re.search(rf"{re.escape(base)}/lab/tree/00_home\.ipynb\?token={token}", log.read_text())
        assert printed, log.read_text()[-3000:]
        with urllib.request.urlopen(printed.group(), timeout=30) as response:
            assert response.status == 200 and b"JupyterLab" in response.read()
    assert "Set-up done in" in log.read_text()
    # A second run installs nothing; `test` runs the suite's tests (here one file of them) with no make.
    again = subprocess.run(
        ["python3", "course.py", "test", "tests/test_setup.py", "-q", "-p", "no:cacheprovider"],
        cwd=root, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    assert again.stdout.startswith(".venv is up to date (nothing to install).\n")
    assert re.search(r"\d+ passed", again.stdout)
    print(f"set-up from scratch and JupyterLab answering: {set_up:.0f} s")
