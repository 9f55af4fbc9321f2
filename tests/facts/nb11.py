"""11 · The event loop: eager tasks and nest-asyncio, on this version."""

from __future__ import annotations

import importlib.util
import re

from tests.facts import shown_by, version


def _answers(shown: str, mine: str) -> dict[str, dict[str, str]]:
    """{package: {question: answer}} from the table printed for this kernel's Python."""
    lines = shown.splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(mine) and "(this kernel)" in line)
    packages = lines[index].split(": ", 1)[1].split(" | ")
    table: dict[str, dict[str, str]] = {package: {} for package in packages}
    for line in lines[index + 1 :]:
        if not line.startswith("  "):
            break
        question, values = re.split(r"\s{2,}", line.strip(), maxsplit=1)
        for package, value in zip(packages, values.split(" | "), strict=True):
            table[package][question] = value
    return table


def check(cells: list) -> None:
    eager = shown_by(cells, 'print(await spawn(eager_spans, "lazy')
    assert re.search(r"lazy \(the default\).* 0 of 3 tasks started", eager), eager
    started = r" 3 of 3 tasks started"
    assert bool(re.search(r"eager_start=True .*" + started, eager)) == (version() >= (3, 14)), eager
    assert ("eager_start=True): added in Python 3.14" in eager) == (version() < (3, 14)), eager
    assert bool(re.search(r"eager_task_factory .*" + started, eager)) == (version() >= (3, 12)), eager
    assert ("eager_task_factory: added in Python 3.12" in eager) == (version() < (3, 12)), eager

    nest = shown_by(cells, "args = [build.executable")
    table = _answers(nest, f"Python {'.'.join(map(str, version()))}.")
    new = version() >= (3, 14)  # 3.14's C current_task() and the deprecated policy API
    # The kernel has the packages this process has (the same interpreter and venv).
    assert ("nest_asyncio" in table) == (importlib.util.find_spec("nest_asyncio") is not None), nest
    if "nest_asyncio" in table:
        old = table["nest_asyncio"]
        assert old["run_until_complete in a cell"] == "works", nest
        assert ("wrong" in old["current_task() in a nested run"]) == new, nest
        assert old["timeout() in the next asyncio.run"].startswith("RuntimeError") == new, nest
        assert old["asyncio.run(loop_factory=...)"].startswith("TypeError"), nest  # on every version
        assert (int(old["deprecation warnings"]) > 0) == new, nest
    fork = table["nest_asyncio2"]  # ipykernel 7.4.0 depends on it
    assert fork["run_until_complete in a cell"] == "works", nest
    assert "right" in fork["current_task() in a nested run"], nest
    assert fork["timeout() in the next asyncio.run"] == "works", nest
    assert (fork["asyncio.run(loop_factory=...)"] == "works") == (version() >= (3, 12)), nest
    assert fork["deprecation warnings"] == "0", nest
