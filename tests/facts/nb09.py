"""09 · Who waits when: get_event_loop() with no loop, per version; Runner and loop_factory."""

from __future__ import annotations

import platform
import re

from tests.facts import shown_by, version


def _expected(full: str) -> str:
    """What get_event_loop() does with no loop, by version: 3.11.0-3.11.1 warn, 3.11.2+ is silent
    (the warnings were rolled back), 3.12-3.13 warn, 3.14+ raise."""
    release = tuple(int(part) for part in re.findall(r"\d+", full)[:3])
    if release >= (3, 14):
        return "RuntimeError"
    return "warning" if release >= (3, 12) or release < (3, 11, 2) else "silent"


def check(cells: list) -> None:
    shown = shown_by(cells, "done = subprocess.run([build.executable")
    rows = re.findall(r"^Python (3\.\d+\.\d+)\S*\s+(\S+?):.*$", shown, flags=re.MULTILINE)
    assert rows, shown
    for full, outcome in rows:  # every Python found, this kernel's included
        assert outcome == _expected(full), f"{full}: {outcome}\n{shown}"
    mine = [line for line in shown.splitlines() if "<- this kernel" in line]
    assert len(mine) == 1, shown
    assert f" {_expected(platform.python_version())}:" in mine[0], mine[0]

    modern = shown_by(cells, "print(run_script(MODERN_FORMS)")
    assert "two run() calls on one loop: True - CourseLoop" in modern, modern
    assert ("ran on a CourseLoop" in modern) == (version() >= (3, 12)), modern
    deprecated = version() >= (3, 14)  # the policy system: deprecated in 3.14, removed in 3.16
    assert f"get_event_loop_policy() deprecated here: {deprecated}" in modern, modern
