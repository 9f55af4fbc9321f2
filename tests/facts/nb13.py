"""13 · Cancellation and timeouts: what this kernel's version showed about wait_for, uncancel()
and TaskGroup.cancel(), and what a swallowed CancelledError did."""

from __future__ import annotations

import re

from tests.facts import shown_by, version


def check(cells: list) -> None:
    shown = shown_by(cells, "for line in await asyncio.gather(*runs)")
    assert re.search(r"polite, under_a_timeout : TimeoutError ", shown), shown
    assert re.search(r"stubborn, under_a_timeout : no TimeoutError ", shown), shown

    shown = shown_by(cells, "task = asyncio.create_task(absorbs_a_cancel(call_uncancel))")
    assert "uncancel() called   : cancelling() = 0, the TaskGroup reported" in shown, shown
    if version() == (3, 11):  # the forgotten request is counted, but nothing acts on it
        assert "uncancel() forgotten: cancelling() = 1, the TaskGroup reported" in shown, shown
    elif version() >= (3, 14):  # checked on 3.14 and 3.15; the change came with gh-116720 (3.13)
        assert "uncancel() forgotten: the task ended CANCELLED" in shown, shown

    shown = shown_by(cells, "inner = await asyncio.wait_for(whose_task(), timeout=1)")
    assert f"wait_for ran the coroutine in the caller's task: {version() >= (3, 12)}" in shown, shown

    shown = shown_by(cells, 'if hasattr(asyncio.TaskGroup, "cancel"):')
    if version() >= (3, 15):
        assert "the group ended, its task cancelled = True" in shown, shown
    else:
        assert "TaskGroup.cancel():    added in Python 3.15" in shown, shown
