"""06 · The event loop: eager tasks, async for over as_completed, nest-asyncio, on this version."""

from __future__ import annotations

import importlib.util
import re

from tests.facts import shown_by, version


def _block(shown: str, header: str) -> str:
    """The indented lines printed under ``header`` (one package's run on one Python)."""
    lines = shown.splitlines()
    start = lines.index(header) + 1
    block = []
    for line in lines[start:]:
        if not line.startswith("  "):
            break
        block.append(line)
    return "\n".join(block)


def _answer(block: str, question: str) -> str:
    match = re.search(rf"^  {re.escape(question)}\s+(.*)$", block, flags=re.MULTILINE)
    assert match, f"{question!r} not shown in:\n{block}"
    return match.group(1)


def check(cells: list) -> None:
    eager = shown_by(cells, 'print(await spawn(eager_spans, "lazy')
    assert re.search(r"lazy \(the default\).* 0 of 3 tasks started", eager), eager
    started = r" 3 of 3 tasks started"
    assert bool(re.search(r"eager_start=True .*" + started, eager)) == (version() >= (3, 14)), eager
    assert ("eager_start=True): added in Python 3.14" in eager) == (version() < (3, 14)), eager
    assert bool(re.search(r"eager_task_factory .*" + started, eager)) == (version() >= (3, 12)), eager
    assert ("eager_task_factory: added in Python 3.12" in eager) == (version() < (3, 12)), eager

    completed = shown_by(cells, "async for task in asyncio.as_completed(tasks)")
    if version() >= (3, 13):
        rows = re.findall(r"async for +-> (\d+) at .* one of our tasks: (\w+)", completed)
        assert [int(ms) for ms, _ in rows] == sorted(int(ms) for ms, _ in rows) and len(rows) == 3, completed
        assert all(ours == "True" for _, ours in rows), completed
    else:
        assert "added in Python 3.13" in completed, completed

    nest = shown_by(cells, "args = [build.executable")
    mine = f"Python {'.'.join(map(str, version()))}"
    new = version() >= (3, 14)  # 3.14's C current_task() and the deprecated policy API
    if importlib.util.find_spec("nest_asyncio") is not None:  # the kernel has what this process has
        header = next(line for line in nest.splitlines() if line.startswith(mine) and "nest_asyncio:" in line)
        old = _block(nest, header)
        assert _answer(old, "legacy run_until_complete in a cell") == "works", old
        assert ("wrong" in _answer(old, "current_task() in a nested asyncio.run")) == new, old
        timeout = _answer(old, "asyncio.timeout() in the next asyncio.run")
        assert timeout.startswith("RuntimeError") == new, old
        assert _answer(old, "asyncio.run(..., loop_factory=...)").startswith("TypeError"), old
        assert (int(_answer(old, "deprecation warnings")) > 0) == new, old
    header = next(line for line in nest.splitlines() if line.startswith(mine) and "nest_asyncio2:" in line)
    fork = _block(nest, header)
    assert _answer(fork, "legacy run_until_complete in a cell") == "works", fork
    assert "right" in _answer(fork, "current_task() in a nested asyncio.run"), fork
    assert _answer(fork, "asyncio.timeout() in the next asyncio.run") == "works", fork
    assert (_answer(fork, "asyncio.run(..., loop_factory=...)") == "works") == (version() >= (3, 12)), fork
    assert _answer(fork, "deprecation warnings") == "0", fork
