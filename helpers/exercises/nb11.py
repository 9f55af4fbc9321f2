"""Checkers for the exercises of notebook 11 · The event loop: asyncio's pieces.

1. :func:`scheduling_order` (warm-up): the learner predicts the order in which
   :func:`five_events` (a cell's own line, a ``call_soon`` callback, a
   ``call_later(0)`` callback, a task's first line and its line after
   ``await asyncio.sleep(0)``) happen; the checker runs that program on the
   running loop and compares, explaining each event that was misplaced.
2. :func:`my_sleep` (main): ``asyncio.sleep`` built from a Future and
   ``loop.call_later``. The checker awaits one call (its time and its result),
   twenty at once (about one sleep in all, not twenty: nothing blocks the loop),
   then cancels one mid-sleep and waits past its timer: no error may reach the
   loop's exception handler (a timer that sets the result of a cancelled Future
   raises ``InvalidStateError`` there).
"""

from __future__ import annotations

import asyncio

from helpers import checks
from helpers.checks import Feedback, attempt_async, is_stub
from helpers.i18n import N_, _
from helpers.timing import format_seconds

NOTEBOOK = "11"


def solution(name: str):
    """The solution to exercise ``name``, folded away until the reader opens it."""
    return checks.solution(NOTEBOOK, name)


# ---------------------------------------------------------------- exercise 1: scheduling order


async def five_events(log):
    loop = asyncio.get_running_loop()

    async def job():
        log("task: start")
        await asyncio.sleep(0)
        log("task: after sleep(0)")

    loop.call_later(0, log, "call_later(0)")
    task = asyncio.create_task(job())
    loop.call_soon(log, "call_soon")
    log("cell")
    await task


# The labels as the task lists them (not in their true order), and that order on a default loop
# (no eager task factory), the same on Python 3.11 to 3.15; and why.
LABELS = ("cell", "call_soon", "call_later(0)", "task: start", "task: after sleep(0)")
TRUE_ORDER = ("cell", "task: start", "call_soon", "call_later(0)", "task: after sleep(0)")
WHY = {  # shown through _(): the labels stay English, they are what the learner types
    "cell": N_(
        "the cell's own code runs without a break until it awaits: until then the loop can run "
        "nothing else, so its line comes first"
    ),
    "task: start": N_(
        "create_task only schedules the task's first step (with call_soon): it runs on the "
        "loop's next turn, first in the queue, as create_task came before call_soon"
    ),
    "call_soon": N_(
        "call_soon queues its callback for the loop's next turn, first in, first out: behind "
        "the task's first step, which create_task queued before it"
    ),
    "call_later(0)": N_(
        "call_later(0) sets a timer, it does not queue anything: on its next turn the loop "
        "moves the due timers to the END of the ready queue, behind the task's start and the call_soon, "
        "although call_later was called first"
    ),
    "task: after sleep(0)": N_(
        "await asyncio.sleep(0) gives the loop one turn: the task's next step is "
        "queued behind everything already waiting, the call_later(0) callback included, so it comes last"
    ),
}
_EAGER = N_(" (a task starts inside create_task only if it is eager, as above)")


def _label(value) -> str | None:
    """A prediction's label as one of LABELS (case and spaces ignored), or None."""
    if not isinstance(value, str):
        return None
    key = "".join(value.lower().split())
    return next((label for label in LABELS if "".join(label.split()) == key), None)


def _nth(i: int) -> str:
    return _((N_("1st"), N_("2nd"), N_("3rd"))[i]) if i < 3 else _("{n}th", n=i + 1)


def _arrows(order) -> str:
    return " → ".join(order)


async def scheduling_order(predicted) -> Feedback:
    """Exercise 1: ``predicted`` lists :func:`five_events`'s five labels in the order they happen.

    Checks that it is a list of the five labels (case and spaces ignored), each
    once; then runs ``five_events`` on the running loop and compares, event by
    event, saying for each misplaced one where it really came and why. The truth
    is what the loop did; on a default loop that is ``TRUE_ORDER``.
    """
    fb = Feedback(_("Exercise 1 · predict the scheduling order"))
    labels = ", ".join(f'"{label}"' for label in LABELS)
    if predicted is None:
        return fb.not_started(
            _(
                "Set PREDICTED to a list of the five labels ({labels}) in the order you expect "
                "them to happen, before running anything; then run this check.",
                labels=labels,
            )
        )
    if isinstance(predicted, str) or not isinstance(predicted, list | tuple):
        fb.fail(
            _(
                "PREDICTED is a {name}: make it a list of the five labels",
                name=type(predicted).__name__,
            )
        )
        return fb.hint(
            _(
                "For example PREDICTED = [{labels}], reordered as you predict.",
                labels=labels,
            )
        )
    named = [_label(value) for value in predicted]
    unknown = [value for value, label in zip(predicted, named, strict=True) if label is None]
    missing = [label for label in LABELS if label not in named]
    doubled = sorted({label for label in named if label is not None and named.count(label) > 1})
    if unknown or missing or doubled:
        if unknown:
            fb.fail(
                _(
                    "PREDICTED holds {unknown!r}, which is none of the five labels",
                    unknown=unknown[0],
                )
            )
        if missing:
            fb.fail(
                _(
                    "PREDICTED lacks {join}: place every event once",
                    join=", ".join(repr(m) for m in missing),
                )
            )
        if doubled:
            fb.fail(
                _(
                    "PREDICTED holds {join} more than once",
                    join=", ".join(repr(d) for d in doubled),
                )
            )
        return fb.hint(_("Use exactly these five labels, each once: {labels}.", labels=labels))
    seen: list[str] = []
    run = await attempt_async(five_events, seen.append, timeout=5)
    if not run.ok:  # pragma: no cover - the program is ours; only a very odd loop gets here
        return fb.fail(
            _(
                "the program {describe} on this loop: run the check again",
                describe=run.describe(5),
            )
        )
    truth = tuple(seen)
    usual = truth == TRUE_ORDER
    if not usual:
        factory = asyncio.get_running_loop().get_task_factory()
        fb.note(
            _(
                "this loop did not run the default order (its task factory: {factory!r}); you "
                "are judged against what it did",
                factory=factory,
            )
        )
    if named == list(truth):
        fb.ok(_("you predicted the true order: {arrows}", arrows=_arrows(truth)))
        if usual:
            for label in truth:
                fb.note(f'"{label}": {_(WHY[label])}')
        return fb
    fb.fail(
        _(
            "you predicted {arrows}; the true order is {arrows2}",
            arrows=_arrows(named),
            arrows2=_arrows(truth),
        )
    )
    for place, label in enumerate(truth):
        yours = named.index(label)
        if yours == place:
            fb.ok(_('"{label}" {nth}: right', label=label, nth=_nth(place)))
            continue
        why = f": {_(WHY[label])}" if usual else ""
        if usual and label == "task: start" and yours < named.index("cell"):
            why += _(_EAGER)
        fb.fail(
            _(
                '"{label}": you put it {nth}, it came {nth2}{why}',
                label=label,
                nth=_nth(yours),
                nth2=_nth(place),
                why=why,
            )
        )
    return fb.hint(
        _(
            "One turn of the loop: move the due timers to the end of the ready queue, then "
            "run what was queued; what those callbacks queue waits for the next turn.",
        )
    )


async def my_sleep(fn, *, seconds: float = 0.1, many: int = 20) -> Feedback:
    """Exercise 2: ``await fn(seconds, result)`` waits ``seconds`` without blocking and returns ``result``.

    Judged on this loop: one call takes at least ``seconds`` (and not three times
    as long, with 0.5 s of room for a crowded machine) and returns its result;
    ``many`` calls gathered take about one ``seconds``, not ``many``; a call
    cancelled mid-sleep ends cancelled, and its timer, when it fires, reports no
    error to the loop.
    """
    fb = Feedback(_("Exercise 2 · asyncio.sleep, built from a Future"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write my_sleep(seconds, result=None) in the starter cell: future = "
                "loop.create_future(), loop.call_later(seconds, future.set_result, result), then "
                "return await future.",
            )
        )
    loop = asyncio.get_running_loop()
    errors: list[dict] = []
    previous = loop.get_exception_handler()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    try:
        run = await attempt_async(fn, seconds, "woken", timeout=10 * seconds + 5)
        if not run.ok:
            fb.fail(
                _(
                    "await my_sleep({seconds:g}, 'woken') {describe}",
                    seconds=seconds,
                    describe=run.describe(10 * seconds + 5),
                )
            )
            return fb.hint(_("Await the Future: `return await future`."))
        fb.require(
            run.value == "woken",
            _(
                "await my_sleep({seconds:g}, 'woken') returned 'woken'",
                seconds=seconds,
            ),
            _(
                "await my_sleep({seconds:g}, 'woken') returned {value!r:.40}, not 'woken': set "
                "the Future's result to `result`",
                seconds=seconds,
                value=run.value,
            ),
        )
        fb.require(
            seconds * 0.95 <= run.elapsed <= 3 * seconds + 0.5,
            _(
                "it took {elapsed}, one sleep of {seconds:g} s",
                elapsed=format_seconds(run.elapsed),
                seconds=seconds,
            ),
            _(
                "it took {elapsed} for a sleep of {seconds:g} s: call_later(seconds, ...)",
                elapsed=format_seconds(run.elapsed),
                seconds=seconds,
            ),
        )
        calls = [fn(seconds, i) for i in range(many)]
        run = await attempt_async(asyncio.gather, *calls, timeout=many * seconds + 5)
        if not run.ok:
            fb.fail(
                _(
                    "{many} calls gathered: {describe}",
                    many=many,
                    describe=run.describe(many * seconds + 5),
                )
            )
        else:
            took = format_seconds(run.elapsed)
            fb.require(
                list(run.value) == list(range(many)) and run.elapsed < 0.5 * many * seconds,
                _(
                    "{many} calls at once took {took}: about one sleep, they waited together",
                    many=many,
                    took=took,
                ),
                _(
                    "{many} calls at once took {took} and returned {value!r:.60}: expected about "
                    "{seconds:g} s and 0, 1, 2, … (time.sleep would block the loop)",
                    many=many,
                    took=took,
                    value=list(run.value),
                    seconds=seconds,
                ),
            )
        task = asyncio.ensure_future(fn(seconds, "never"))
        await asyncio.sleep(seconds / 4)
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        except Exception as exc:  # noqa: BLE001 - the learner's code may raise anything
            fb.fail(
                _(
                    "cancelled mid-sleep, it raised {name}: {exc}",
                    name=type(exc).__name__,
                    exc=exc,
                )
            )
        await asyncio.sleep(seconds * 1.5)  # past the timer: does it fire into a cancelled Future?
        problems = [] if task.cancelled() else [_("it did not end cancelled")]
        if errors:
            problems.append(
                _("the loop reported {message!r:.80}", message=errors[0].get("message", errors[0]))
            )
        fb.require(
            not problems,
            _(
                "cancelled mid-sleep: it ended cancelled, and its timer reported no error",
            ),
            _("cancelled mid-sleep: {problems}", problems="; ".join(problems)),
        )
        if errors:
            fb.hint(
                _(
                    "Keep the handle: handle = loop.call_later(...); then `try: return await future` "
                    "`finally: handle.cancel()` (or set the result only `if not future.done()`).",
                )
            )
    finally:
        loop.set_exception_handler(previous)
    return fb
