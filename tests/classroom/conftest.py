"""Fixtures of the classroom tests: the shared environment (python3 course.py classroom setup)."""

import json
import os

import pytest

from helpers.classroom.hub import Layout


@pytest.fixture(scope="session")
def layout() -> Layout:
    """The classroom's shared environment; fails (never skips) if it is not installed or not root."""
    if os.geteuid() != 0:
        pytest.fail("the classroom tests need root (they make Unix users): run them as root")
    found = Layout()
    stamp = found.prefix / "installed.json"
    if not stamp.is_file():
        pytest.fail(f"no shared environment at {found.prefix}: run `python3 course.py classroom setup` first")
    json.loads(stamp.read_text())
    return found
