"""10 · Async iterators and context managers: laziness counted by the lab server, async generators
closed (by aclose, by asyncio's task, by aclosing), the guard's limit, the session always closed."""

from __future__ import annotations

import re

from tests.facts import shown_by


def check(cells: list) -> None:
    lazy = shown_by(cells, "for take in (take_lazy, take_eager):")
    assert "take_lazy: [0, 1, 2] with 3 GETs per run (the server counted 3)" in lazy, lazy
    assert "take_eager: [0, 1, 2] with 10 GETs per run (the server counted 10)" in lazy, lazy

    two = shown_by(cells, 'name="consumer B"')
    assert "peak requests in flight at the server: 2" in two, two

    kept = shown_by(cells, "gen = pages_own_session(PAGES)")
    assert "session closed: False | open at the server: 1" in kept, kept
    closed = shown_by(cells, "await gen.aclose()\nprint(")
    assert "session closed: True | open at the server: 0" in closed, closed

    dropped = shown_by(cells, "# no name: dropped after the break")
    assert "right after the loop, session closed: False" in dropped, dropped
    assert re.search(r"closed after \d+ turns of the loop: True", dropped), dropped

    block = shown_by(cells, "contextlib.aclosing(pages_own_session(PAGES))")
    assert "after the block, session closed: True" in block and "0 still open" in block, block

    guard = shown_by(cells, "guard = Guard(LIMIT)")
    assert "peak inside the guard: 5; at the server: 5" in guard, guard

    always = shown_by(cells, "async with lab_session(raise_for_status=True) as session:")
    assert "the error came out (503); session closed: True" in always, always
    assert "open at the server: 0" in always, always
