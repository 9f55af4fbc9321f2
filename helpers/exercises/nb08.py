"""Checkers for the exercises of notebook 08 · Coroutines.

1. :func:`running_max` (warm-up): a generator-based coroutine, primed by the
   notebook's ``@coroutine``, that yields the highest number sent so far and
   returns ``(highest, count)`` when sent ``None``.
2. :func:`run_by_hand` (stretch): a ``send(None)`` loop that drives a
   coroutine to its end and returns its value; the checker feeds it
   coroutines that pause on custom awaitables.
"""

from __future__ import annotations

import contextlib
import inspect
import types

from helpers import checks
from helpers.checks import Feedback, attempt, is_stub
from helpers.i18n import N_, _

NOTEBOOK = "08"


def solution(name: str):
    """The solution to exercise ``name`` of this notebook, shown folded away."""
    return checks.solution(NOTEBOOK, name)


# ---------------------------------------------------------------- exercise 1: running_max

# Two series, each sent to a fresh running_max(): the second is all negative (0 is never its highest).
_SERIES = ((3, 1, 4, 1, 5, 9, 2, 6), (-5, -2.5, -8, -1))


def _highest_so_far(values) -> list:
    """``[3, 3, 4, 4, …]`` for ``(3, 1, 4, 1, …)``: what a running maximum yields."""
    out = []
    for value in values:
        out.append(value if not out else max(out[-1], value))
    return out


def _show(values, limit: int = 8) -> str:
    values = list(values)
    shown = ", ".join(repr(v) for v in values[:limit])
    return f"[{shown}{', …' if len(values) > limit else ''}]"


def _exchange(fn, values):
    """``gen = fn()``, ``gen.send(v)`` for each value, then ``gen.send(None)``: what happened.

    Returns the attempt and a log: the generator, its state before the first
    send, what each send gave back, the step reached, and how ``send(None)``
    ended (``("returned", value)`` or ``("yielded", value)``).
    """
    log = {"yielded": [], "step": "running_max()", "state": None, "end": None}

    def run():
        gen = log["gen"] = fn()
        if not hasattr(gen, "send"):
            return
        if inspect.isgenerator(gen):
            log["state"] = inspect.getgeneratorstate(gen)
        for value in values:
            log["step"] = f"send({value!r})"
            log["yielded"].append(gen.send(value))
        log["step"] = "send(None)"
        try:
            log["end"] = ("yielded", gen.send(None))
        except StopIteration as stop:
            log["end"] = ("returned", stop.value)

    run_ = attempt(run, timeout=5)
    if not run_.timed_out and hasattr(log.get("gen"), "close"):
        with contextlib.suppress(Exception):
            log["gen"].close()
    return run_, log


def _delegated(fn, values):
    """The value of ``yield from`` the undecorated generator, sent ``values`` then None; or None.

    ``yield from`` primes by itself (its first send is None, the sentinel), so it
    needs the generator before ``@coroutine`` primed it: ``functools.wraps``
    keeps that function as ``__wrapped__``. None when there is no such function.
    """
    inner = inspect.unwrap(fn)()
    if not inspect.isgenerator(inner) or inspect.getgeneratorstate(inner) != inspect.GEN_CREATED:
        with contextlib.suppress(Exception):
            inner.close()
        return None
    results = []

    def delegate():
        results.append((yield from inner))  # as the notebook's delegate(): the return lands here

    outer = delegate()
    next(outer)
    for value in values:
        outer.send(value)
    with contextlib.suppress(StopIteration):
        outer.send(None)
    outer.close()
    return results


def _yield_hint(values, yielded) -> str:
    """The likeliest mistake behind a wrong series of yielded values, as a hint."""
    if yielded == list(values):
        return _("It yields the value just sent: keep the highest so far in a variable, and yield that.")
    if None in yielded:
        return _(
            "One yield per pass: `value = yield highest` both hands out the highest and takes the value."
        )
    if max(values) < 0:
        return _("Start from the first value sent, not from 0: 0 is higher than any negative number.")
    return _("After each value: highest = max(highest, value); the next pass yields it.")


def running_max(fn) -> Feedback:
    """Check ``fn()``: a primed coroutine; ``send(x)`` yields the highest so far, ``send(None)`` returns.

    Sends two series to fresh coroutines, straight after creating them (so they
    must be primed), compares what each ``send`` gives back with the running
    maximum, and reads ``(highest, count)`` from ``StopIteration.value`` and as
    the value of a ``yield from``.
    """
    fb = Feedback(_("Exercise 1 · running_max, a primed coroutine"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write running_max() in the starter cell: a while-True loop around `value = "
                "yield highest`, under @coroutine; then run this check again.",
            )
        )
    hints = []
    for values in _SERIES:
        run, log = _exchange(fn, values)
        if run.not_implemented:
            return fb.not_started(
                _(
                    "Replace the `raise NotImplementedError` in running_max with your loop.",
                )
            )
        sent, want, summary = _show(values), _highest_so_far(values), (max(values), len(values))
        gen, yielded, step, end = log.get("gen"), log["yielded"], log["step"], log["end"]
        if run.timed_out:
            fb.fail(_("sending {sent} did not finish within 5 s", sent=sent))
            return fb.hint(
                _(
                    "Each send() should run the loop once, up to its next yield: does every pass yield?",
                )
            )
        if "gen" not in log:
            fb.fail(_("running_max() {describe}", describe=run.describe()))
            return fb.hint(
                _(
                    "Creating it runs the body up to its first yield only: nothing there should fail.",
                )
            )
        if not hasattr(gen, "send"):
            fb.fail(
                _(
                    "running_max() returned {name}, not a generator: nothing to send to",
                    name=type(gen).__name__,
                )
            )
            return fb.hint(
                _(
                    "Put `value = yield highest` in a `while True:` loop: the yield makes a generator.",
                )
            )
        if log["state"] == inspect.GEN_CREATED:
            fb.fail(
                _(
                    "running_max() gave a generator that had not started (GEN_CREATED): not primed, "
                    "so its first send({values!r}) {describe}",
                    values=values[0],
                    describe=run.describe(),
                )
            )
            return fb.hint(
                _(
                    "Put the notebook's @coroutine above `def running_max`: it runs it to its first yield.",
                )
            )
        if not run.ok and step != "send(None)":
            fb.fail(
                _(
                    "sending {sent}: {step}, after {n_yielded} sends, {describe}",
                    sent=sent,
                    step=step,
                    n_yielded=len(yielded),
                    describe=run.describe(),
                )
            )
            if isinstance(run.error, StopIteration):
                return fb.hint(
                    _(
                        "The generator ended early: keep `value = yield highest` inside `while True:`.",
                    )
                )
            return fb.hint(
                _(
                    "After each value: highest = max(highest, value), then yield it at the next pass.",
                )
            )
        if not fb.require(
            yielded == want,
            _(
                "primed: a fresh running_max(), sent {sent}, yielded {show}, the highest so far",
                sent=sent,
                show=_show(want),
            ),
            _(
                "sent {sent}: it yielded {show}; the highest so far is {show2}",
                sent=sent,
                show=_show(yielded),
                show2=_show(want),
            ),
        ):
            hints.append(_yield_hint(values, yielded))
        if not run.ok:
            fb.fail(
                _(
                    "sending {sent}, then None: send(None) {describe}",
                    sent=sent,
                    describe=run.describe(),
                )
            )
            hints.append(
                _("Check for None first: `if value is None: return highest, count`, before comparing.")
            )
        elif end[0] == "yielded" or end[1] is None:
            what = (
                _("yielded {value!r} instead of ending", value=end[1])
                if end[0] == "yielded"
                else _("ended, but returned None")
            )
            fb.fail(
                _(
                    "sending {sent}, then None: it {what}; StopIteration.value should be {summary!r}",
                    sent=sent,
                    what=what,
                    summary=summary,
                )
            )
            hints.append(_("On None, `return highest, count`: the value travels in StopIteration.value."))
        else:
            if not fb.require(
                isinstance(end[1], tuple | list) and tuple(end[1]) == summary,
                _(
                    "then send(None): it returned {summary!r} (highest, count), in StopIteration.value",
                    summary=summary,
                ),
                _(
                    "sending {sent}, then None: it returned {end!r}; expected {summary!r} (highest, count)",
                    sent=sent,
                    end=end[1],
                    summary=summary,
                ),
            ):
                hints.append(
                    _("Return a pair: the highest first, then how many numbers came (None not counted).")
                )
    if fb.failures:
        for hint in dict.fromkeys(hints):
            fb.hint(hint)
        return fb
    values, summary = _SERIES[0], (max(_SERIES[0]), len(_SERIES[0]))
    through = attempt(_delegated, fn, values, timeout=5)
    if through.ok and through.value is None:
        fb.note(
            _(
                "not tried inside `yield from`: running_max has no __wrapped__ (the notebook's "
                "@coroutine has)",
            )
        )
    elif through.ok and [tuple(r) if isinstance(r, list) else r for r in through.value] == [summary]:
        fb.ok(
            _(
                "inside `yield from` (the undecorated generator, as in delegate()): its value is {summary!r}",
                summary=summary,
            )
        )
    else:
        said = through.describe(5) if not through.ok else _("gave {value!r}", value=through.value)
        fb.fail(
            _(
                "`yield from` the undecorated running_max, sent {show} then None: {said}",
                show=_show(values),
                said=said,
            )
        )
        fb.hint(
            _(
                "Without @coroutine it should behave the same: `yield from` primes it by itself.",
            )
        )
    return fb


# ---------------------------------------------------------------- exercise 2: run_by_hand


@types.coroutine
def _pause():
    """A bare ``yield``: one pause back to whoever drives the coroutine."""
    yield


class _Ticks:
    """An awaitable that pauses ``n`` times, counting how often it was resumed."""

    def __init__(self, n: int):
        self.n, self.resumed = n, 0

    def __await__(self):
        for _unused in range(self.n):
            yield
            self.resumed += 1
        return f"{self.n} ticks later"


async def _answer():
    return 42


async def _ticking(ticks):
    await _pause()
    return await ticks


async def _nested():
    first = await _ticking(_Ticks(2))
    return [first, await _Ticks(3)]


async def _failing():
    await _pause()
    raise ValueError("boom, from inside the coroutine")


def _drive(fn, coro):
    """Run ``fn(coro)`` with a timeout; return the attempt and whether ``coro`` was left paused.

    ``coro`` is closed afterwards, so an unfinished one never warns "never awaited".
    """
    run = attempt(fn, coro, timeout=5)
    if run.timed_out:  # still running in the attempt's thread: leave it alone
        return run, False
    paused = inspect.getcoroutinestate(coro) != inspect.CORO_CLOSED
    with contextlib.suppress(ValueError, RuntimeError):
        coro.close()
    return run, paused


# (what the coroutine does, how to make one, its value; None: it raises ValueError)
_CASES = (
    (N_("never pauses"), lambda: _answer(), 42),
    (N_("pauses 6 times"), lambda: _ticking(_Ticks(5)), "5 ticks later"),
    (N_("awaits another coroutine"), lambda: _nested(), ["2 ticks later", "3 ticks later"]),
    (N_("raises ValueError"), lambda: _failing(), None),
)


def run_by_hand(fn) -> Feedback:
    """Check ``fn(coro)``: drives ``coro`` with ``send(None)`` to its end and returns its value.

    Tries a coroutine that never pauses, one that pauses six times (a bare
    ``yield`` and a custom awaitable), one that awaits another coroutine, and
    one that raises (the exception must come out of ``fn``).
    """
    fb = Feedback(_("Exercise 2 · drive it yourself"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write run_by_hand(coro): call coro.send(None) until it raises StopIteration, "
                "and return the exception's .value; then run this check again.",
            )
        )
    # what went wrong, for the hints below (flags, not the wording: the feedback may be Korean)
    left_paused = returned_none = swallowed = False
    for what, make, expected in _CASES:
        what = _(what)
        run, paused = _drive(fn, make())
        if run.not_implemented:
            return fb.not_started(
                _(
                    "Replace the `raise NotImplementedError` in run_by_hand with your loop.",
                )
            )
        said = _("a coroutine that {what}: run_by_hand", what=what)
        if expected is None and isinstance(run.error, ValueError):
            fb.ok(
                _(
                    "a coroutine that {what}: the error comes out of run_by_hand, as it should",
                    what=what,
                )
            )
        elif not run.ok:
            fb.fail(_("{said} {describe}", said=said, describe=run.describe(5)))
            if not isinstance(run.error, StopIteration | ValueError):
                if isinstance(run.error, TypeError | AttributeError):
                    fb.hint(
                        _(
                            "A coroutine is not an iterator (no for-loop, no next()): call coro.send(None).",
                        )
                    )
                return fb.hint(_("Loop: call coro.send(None) until it raises StopIteration."))
        elif paused:
            left_paused = True
            fb.fail(
                _(
                    "{said} returned {value!r} while the coroutine was still paused, unfinished",
                    said=said,
                    value=run.value,
                )
            )
        elif expected is None:
            swallowed = True
            fb.fail(
                _(
                    "{said} returned {value!r}, swallowing the coroutine's ValueError",
                    said=said,
                    value=run.value,
                )
            )
        else:
            returned_none |= run.value is None  # "returned None, not the coroutine's value"
            fb.require(
                run.value == expected,
                _(
                    "a coroutine that {what}: driven to its end, its value {expected!r} returned",
                    what=what,
                    expected=expected,
                ),
                _(
                    "{said} returned {value!r}, not the coroutine's value {expected!r}",
                    said=said,
                    value=run.value,
                    expected=expected,
                ),
            )
    failures = "\n".join(fb.failures)
    if "StopIteration" in failures:
        fb.hint(
            _(
                "StopIteration is how a coroutine says 'I returned': catch it, it is not an error.",
            )
        )
    if left_paused:
        fb.hint(_("Loop: keep calling coro.send(None) until it raises StopIteration."))
    if returned_none:
        fb.hint(
            _(
                "Its value travels inside StopIteration: `except StopIteration as stop: return stop.value`.",
            )
        )
    if swallowed:
        fb.hint(
            _(
                "Catch only StopIteration: any other exception should travel on to run_by_hand's caller.",
            )
        )
    return fb
