"""Tests for helpers.scripts: run_script runs a file in a fresh interpreter and captures its output."""

import sys
import time
from pathlib import Path

import pytest

from helpers.scripts import ScriptRun, run_script


def test_captures_stdout_exit_code_and_time():
    run = run_script('print("hello")\nprint("world")\n')
    assert isinstance(run, ScriptRun)
    assert run.stdout == "hello\nworld\n" and run.stderr == ""
    assert run.returncode == 0 and run.ok
    assert run.seconds > 0
    assert str(run).startswith("exit code 0 after ")


def test_runs_asyncio_run_in_its_own_process():
    source = """
        import asyncio

        async def main():
            print("before")
            await asyncio.sleep(0.05)
            print("after")

        asyncio.run(main())
    """
    run = run_script(source)  # indented source is dedented
    assert run.ok, run.stderr
    assert run.stdout.splitlines() == ["before", "after"]
    assert run.seconds >= 0.05


def test_uses_this_interpreter_and_can_import_the_helpers():
    run = run_script("import sys, helpers\nprint(sys.executable)\nprint(helpers.__name__)")
    assert run.ok, run.stderr
    assert run.stdout.splitlines() == [sys.executable, "helpers"]


def test_stderr_and_exit_codes_are_kept():
    run = run_script("import sys\nprint('out')\nprint('err', file=sys.stderr)\nsys.exit(3)")
    assert (run.returncode, run.stdout, run.stderr) == (3, "out\n", "err\n")
    assert not run.ok
    assert run.output == "out\nerr\n"
    failed = run_script("raise ValueError('boom')")
    assert failed.returncode == 1
    assert "ValueError: boom" in failed.stderr


def test_check_raises_on_failure():
    with pytest.raises(RuntimeError, match="exited with code 2"):
        run_script("import sys; sys.exit(2)", check=True)
    assert run_script("pass", check=True).ok


def test_arguments_reach_sys_argv():
    run = run_script("import sys\nprint(sys.argv[1:])", "a", "b c", name="args.py")
    assert run.stdout.strip() == "['a', 'b c']"


def test_the_temporary_file_is_removed_and_unicode_survives():
    run = run_script("print(__file__)\nprint('시간 ⏱')")
    path, text = run.stdout.splitlines()
    assert text == "시간 ⏱"
    assert Path(path).name == "script.py" and not Path(path).exists()


def test_timeout_stops_the_script():
    start = time.perf_counter()
    with pytest.raises(TimeoutError, match="still running after 0.5 s"):
        run_script("import time\nprint('started', flush=True)\ntime.sleep(30)", timeout=0.5)
    assert time.perf_counter() - start < 10


def test_bad_arguments():
    with pytest.raises(TypeError, match="source must be"):
        run_script(b"print(1)")
    with pytest.raises(TypeError, match="args must be strings"):
        run_script("pass", 1)
    with pytest.raises(ValueError, match="timeout must be"):
        run_script("pass", timeout=0)
    with pytest.raises(TypeError, match="timeout must be"):
        run_script("pass", timeout="1")
    with pytest.raises(ValueError, match="plain file name"):
        run_script("pass", name="../x.py")
