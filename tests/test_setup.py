"""The notebooks' setup check: passes here, fails with one clear sentence otherwise."""

import sys

import pytest

from helpers import setup


def test_ready_here(capsys):
    assert setup.check_setup() is None
    out = capsys.readouterr().out
    assert out.startswith("Ready: python 3.")
    assert "aiohttp 3." in out and "requests" in out and "matplotlib" in out


def test_old_python_is_refused(monkeypatch):
    monkeypatch.setattr(sys, "version_info", (3, 10, 12, "final", 0))
    with pytest.raises(
        RuntimeError, match=r"needs Python >= 3\.11.*python3 course\.py lab.*py course\.py lab"
    ):
        setup.check_setup(verbose=False)


def test_missing_package_is_named(monkeypatch):
    monkeypatch.setitem(setup.REQUIRED, "surely-not-installed-pkg", "1.0")
    with pytest.raises(RuntimeError, match="'surely-not-installed-pkg' is not installed.*course.py lab"):
        setup.check_setup(verbose=False)


def test_too_old_package_is_named(monkeypatch):
    monkeypatch.setitem(setup.REQUIRED, "aiohttp", "99.0")
    with pytest.raises(RuntimeError, match=r"aiohttp 3\.\S+ is too old \(need >= 99\.0\)"):
        setup.check_setup(verbose=False)


@pytest.mark.parametrize(
    ("text", "expected"), [("3.14.5", (3, 14, 5)), ("2.0rc1", (2, 0)), ("1.2.3.post1", (1, 2, 3))]
)
def test_version_tuple(text, expected):
    assert setup._version_tuple(text) == expected


def test_ready_line_names_the_build(capsys):
    from helpers.builds import this_build

    setup.check_setup(friendly=False)
    assert f"python {this_build().label()} ·" in capsys.readouterr().out


def test_newer_python_than_tested_gets_a_note_not_an_error(monkeypatch, capsys):
    monkeypatch.setattr(sys, "version_info", (3, 16, 0, "final", 0))
    setup.check_setup(friendly=False)
    out = capsys.readouterr().out
    assert out.startswith("Ready: ") and "newer than 3.15" in out


def test_supported_pythons_are_not_noted(capsys):
    setup.check_setup(friendly=False)
    assert "Note:" not in capsys.readouterr().out


def test_a_base_url_is_named_in_the_ready_lines(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_BASE_URL", "https://httpbin.org/")
    setup.check_setup(friendly=False)
    out = capsys.readouterr().out
    assert "Server: https://httpbin.org (COURSE_BASE_URL), not the lab server" in out


def test_a_malformed_base_url_fails_the_setup_cell(monkeypatch):
    from helpers.lab import BaseURLError

    monkeypatch.setenv("COURSE_BASE_URL", "httpbin.org")
    with pytest.raises(BaseURLError, match="COURSE_BASE_URL='httpbin.org' is not a URL"):
        setup.check_setup(friendly=False)
