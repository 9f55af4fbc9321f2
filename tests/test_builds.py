"""helpers.builds: what this Python is, other Pythons found and probed, the CPU experiment."""

from __future__ import annotations

import multiprocessing
import os
import sys
import sysconfig
from concurrent import futures

import pytest

from helpers import builds
from tests.standins import free_threaded_standin


def test_this_build_matches_the_interpreter():
    build = builds.this_build()
    assert build.version == sys.version.split()[0]
    assert build.free_threaded == bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
    assert build.gil_enabled == getattr(sys, "_is_gil_enabled", lambda: True)()
    assert build.interpreter_pool == hasattr(futures, "InterpreterPoolExecutor")
    assert build.interpreter_pool == (sys.version_info >= (3, 14))
    assert build.call_graph == (sys.version_info >= (3, 14))
    assert build.start_method in multiprocessing.get_all_start_methods()


def test_default_start_method_by_platform_and_version():
    method = builds.this_build().start_method
    if sys.platform == "linux":
        assert method == ("forkserver" if sys.version_info >= (3, 14) else "fork")
    else:
        assert method == "spawn" or sys.platform not in ("win32", "darwin")


def test_label_says_the_build():
    standard = builds.Build("python", "3.14.10", False, True, "forkserver", True, True)
    assert standard.label() == "3.14.10, standard build (GIL on)"
    free = builds.Build("python3.14t", "3.14.10", True, False, "forkserver", True, True)
    assert free.label() == "3.14.10t, free-threaded build (GIL off)"
    reenabled = builds.Build("python3.14t", "3.14.10", True, True, "forkserver", True, True)
    assert reenabled.label().endswith("free-threaded build (GIL on)")


def test_probe_of_this_interpreter_agrees_with_this_build():
    probed = builds.probe(sys.executable)
    here = builds.this_build()
    assert (probed.version, probed.free_threaded, probed.gil_enabled) == (
        here.version,
        here.free_threaded,
        here.gil_enabled,
    )
    assert probed.interpreter_pool == here.interpreter_pool


@pytest.mark.parametrize("bad", ["/no/such/python", "surely-not-a-command-xyz"])
def test_probe_names_what_cannot_run(bad):
    with pytest.raises(ValueError, match="not an executable"):
        builds.probe(bad)


def test_probe_refuses_a_program_that_is_not_python(tmp_path):
    fake = tmp_path / "python3.14t"
    fake.write_text("#!/bin/sh\necho hello\n")
    fake.chmod(0o755)
    with pytest.raises(ValueError, match="did not answer as a Python"):
        builds.probe(str(fake))


def test_no_free_threaded_python_on_an_empty_path(tmp_path):
    assert builds.find_free_threaded({"PATH": str(tmp_path)}) is None


def test_a_standard_python_named_python3_14t_is_not_taken(tmp_path):
    (tmp_path / "python3.14t").symlink_to(sys.executable)
    assert builds.find_free_threaded({"PATH": str(tmp_path)}) is None


def test_a_free_threaded_python_on_path_is_found(tmp_path):
    standin = free_threaded_standin(tmp_path, "python3.15t")
    found = builds.find_free_threaded({"PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"})
    assert found is not None and found.free_threaded and not found.gil_enabled
    assert found.executable == str(standin)
    assert found.label().endswith("t, free-threaded build (GIL off)")


def test_the_environment_variable_wins_and_must_be_right(tmp_path):
    standin = free_threaded_standin(tmp_path)
    env = {"PATH": os.environ["PATH"], builds.FREE_THREADED_ENV: str(standin)}
    assert builds.find_free_threaded(env).executable == str(standin)
    with pytest.raises(ValueError, match="not free-threaded"):
        builds.find_free_threaded({**env, builds.FREE_THREADED_ENV: sys.executable})
    with pytest.raises(ValueError, match="no such executable"):
        builds.find_free_threaded({**env, builds.FREE_THREADED_ENV: str(tmp_path / "missing")})


def test_cpu_threads_measures_in_the_other_interpreter(tmp_path):
    standin = free_threaded_standin(tmp_path)
    times = builds.cpu_threads(str(standin), 20_000, 2, repeats=1)
    assert set(times) == {"sequential", "threads"}
    assert all(0 < seconds < 30 for seconds in times.values())


def test_cpu_script_is_standard_library_only_and_carries_crunch():
    script = builds.cpu_script()
    assert "def crunch(n: int)" in script and "helpers" not in script.replace("helpers.cpu", "")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n": 0, "tasks": 2}, "n must be an int >= 1"),
        ({"n": 10, "tasks": 0}, r"tasks must be an int in \[1, 64\]"),
        ({"n": 10, "tasks": 2, "repeats": 0}, r"repeats must be an int in \[1, 21\]"),
    ],
)
def test_cpu_threads_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        builds.cpu_threads(sys.executable, **kwargs)


def test_find_pythons_includes_this_one_first_of_its_version():
    found = builds.find_pythons()
    versions = [b.version.rsplit(".", 1)[0] for b in found]
    assert versions == sorted(set(versions), key=lambda v: tuple(map(int, v.split("."))))
    assert builds.this_build() in found
