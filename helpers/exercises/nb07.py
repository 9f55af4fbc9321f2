"""Checkers for the exercises of notebook 07 · Generators.

1. ``countdown`` (warm-up): a generator yielding ``n, n-1, …, 1``, and the
   learner's predictions of its states (``inspect.getgeneratorstate``).
2. ``slow_only`` (main): a lazy filtering stage in the URL pipeline; the lab
   server's request count shows whether it stops pulling when the consumer stops.
3. ``MyRange`` (stretch): a class with ``__iter__`` and ``__next__`` that gives
   the same values as ``range(n)`` and ends with ``StopIteration``.
"""

from __future__ import annotations

import inspect
import itertools
import random
import sys
import time

from helpers import checks
from helpers.checks import Feedback, attempt, is_stub
from helpers.i18n import N_, _
from helpers.lab import measurable, start_server
from helpers.timing import format_seconds

NOTEBOOK = "07"
SLOW_SERVER = {"latency": 0.05, "jitter": 0.1}  # exercise 2's lab server, as its starter starts it
SLOW_DELAY = 0.1  # on a server without jitter of ours: a third of the requests ask httpbin's /delay/0.1
MOMENTS = ("before the first next()", "after the first next()", "after list(gen)")
STATES = ("GEN_CREATED", "GEN_RUNNING", "GEN_SUSPENDED", "GEN_CLOSED")


def solution(name: str):
    """The solution to exercise ``name``, folded away until the reader opens it."""
    return checks.solution(NOTEBOOK, name)


def _show(values, limit: int) -> str:
    """``[3, 2, 1]``, or ``[3, 3, 3, 3, …]`` when a generator gave more than ``limit`` values."""
    values = list(values)
    if len(values) > limit:
        return "[" + ", ".join(repr(v) for v in values[:limit]) + ", …]"
    return repr(values)


def _state_name(prediction) -> str | None:
    """``"created"``, ``"GEN_CREATED"`` or ``inspect.GEN_CREATED`` → ``"GEN_CREATED"``; else None."""
    if not isinstance(prediction, str):
        return None
    name = prediction.strip().upper().replace(" ", "_")
    name = name if name.startswith("GEN_") else "GEN_" + name
    return name if name in STATES else None


def countdown(fn, predicted_states=None) -> Feedback:
    """Exercise 1: ``fn(n)`` is a generator giving ``n, n-1, …, 1``; the predicted states are right.

    ``predicted_states`` maps each of :data:`MOMENTS` to a state name (``"GEN_CREATED"``
    or ``"created"``…). The states are measured on the learner's ``countdown(3)``.
    """
    fb = Feedback(_("Exercise 1 · countdown and its states"))
    predicted = dict(predicted_states or {})
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write countdown(n) in the starter cell: a loop that yields n, then n - 1, … "
                "down to 1 (and fill in predicted_states before you run it).",
            )
        )
    made = attempt(fn, 3, timeout=5)
    if not made.ok:
        fb.fail(_("countdown(3) {describe}", describe=made.describe(5)))
        return fb.hint(
            _(
                "countdown(3) should only create a generator: its body runs at the first next().",
            )
        )
    gen = made.value
    if not inspect.isgenerator(gen):
        shown = _show(gen, 10) if isinstance(gen, (list, tuple)) else type(gen).__name__
        fb.fail(
            _(
                "countdown(3) returned {shown}, not a generator: it should yield its values one at a time",
                shown=shown,
            )
        )
        return fb.hint(_("Put a `yield` inside the loop (and no `return` of a list)."))
    # The states of countdown(3), measured.
    states = [inspect.getgeneratorstate(gen)]
    first = attempt(next, gen, None, timeout=5)
    states.append(inspect.getgeneratorstate(gen))
    rest = attempt(lambda: list(itertools.islice(gen, 10)), timeout=5)
    states.append(inspect.getgeneratorstate(gen))
    if not (first.ok and rest.ok):
        fb.fail(
            _(
                "running countdown(3) {describe}",
                describe=(first if not first.ok else rest).describe(5),
            )
        )
        return fb
    # The values, for a few n.
    for n in (3, 1, 0, 5):
        got = attempt(lambda n=n: list(itertools.islice(fn(n), n + 5)), timeout=5)
        want = list(range(n, 0, -1))
        if not got.ok:
            fb.fail(_("list(countdown({n})) {describe}", n=n, describe=got.describe(5)))
            break
        if got.value != want:
            fb.fail(
                _(
                    "countdown({n}) gave {show}; expected {want}",
                    n=n,
                    show=_show(got.value, n + 4),
                    want=want,
                )
            )
            if len(got.value) > n:
                fb.hint(
                    _(
                        "Does the loop variable go down at each step? A loop that never ends never closes.",
                    )
                )
            else:
                fb.hint(_("Count from n down to 1: n first, 1 last, and never 0."))
            break
    else:
        fb.ok(
            _(
                "countdown(n) yields n, n-1, …, 1 (tried n = 3, 1, 0, 5), one at a time",
            )
        )
    fb.note(_("countdown(3) went through {join}", join=" → ".join(states)))
    # The predictions.
    missing = [m for m in MOMENTS if predicted.get(m) is None]
    if missing:
        return fb.not_started(
            _(
                "Now write your predictions in predicted_states (missing: {join}), then run this "
                "check again.",
                join=", ".join(missing),
            )
        )
    expected = ["GEN_CREATED", "GEN_SUSPENDED", "GEN_CLOSED"]  # those of a countdown that works
    seen = _("the generator was") if states == expected else _("a countdown(3) that works is")
    for moment, state in zip(MOMENTS, expected, strict=True):
        guess = _state_name(predicted[moment])
        if guess is None:
            fb.fail(
                _(
                    "{moment}: {predicted!r} is not a state; write one of {join}",
                    moment=moment,
                    predicted=predicted[moment],
                    join=", ".join(STATES),
                )
            )
        elif fb.require(
            guess == state,
            _("{moment}: {state}, as you predicted", moment=moment, state=state),
            _(
                "{moment}: you predicted {guess}, {seen} {state}",
                moment=moment,
                guess=guess,
                seen=seen,
                state=state,
            ),
        ):
            continue
        elif guess == "GEN_RUNNING":
            fb.hint(
                _(
                    "GEN_RUNNING is seen only from inside the body, while it runs; next() has "
                    "returned by then.",
                )
            )
        else:
            fb.hint(
                _(
                    {
                        "GEN_CREATED": N_(
                            "countdown(3) runs none of its body: it waits for the first next()."
                        ),
                        "GEN_SUSPENDED": N_("After next() the body is paused at its yield, its locals kept."),
                        "GEN_CLOSED": N_(
                            "list() runs the body to its end (StopIteration): nothing is left to run."
                        ),
                    }[state]
                )
            )
    return fb


def slow_only(fn, *, threshold: float = 0.1, take: int = 3, n: int = 100) -> Feedback:
    """Exercise 2: ``fn(responses, threshold)`` passes on only the slow responses, lazily.

    The check builds the pipeline ``make_urls → fetch_each → slow_only → take 3``
    against the lab server of the starter cell (``latency=0.05, jitter=0.1``), and
    checks that the 3 responses passed on are the first 3 slower than
    ``threshold``, in order, and that the server saw only the requests needed to
    find them: a lazy stage stops pulling when the consumer stops.

    On a server that keeps no counters (``COURSE_BASE_URL``), a random third of
    the requests ask ``/delay/0.1``, ``threshold`` is the measured round trip +
    0.05 s, and the requests are counted where the check's ``fetch_each`` sends them.
    """
    fb = Feedback(_("Exercise 2 · slow_only, a lazy filtering stage"))
    if is_stub(fn):
        return fb.not_started(
            _(
                "Write slow_only(responses, threshold) in the starter cell: loop over responses "
                "and yield only those whose response.elapsed.total_seconds() is above threshold.",
            )
        )
    import requests

    server = start_server(**SLOW_SERVER)
    if not server.has_stats:  # no jitter of ours: httpbin's /delay makes some requests slow
        threshold = server.latency + SLOW_DELAY / 2
        paths = [f"/delay/{SLOW_DELAY:g}" if random.random() < 1 / 3 else "/get" for _unused in range(n)]
    else:
        paths = ["/get"] * n
    extra_allowed = 10  # pulls past the point where a lazy stage would have stopped (then: cut)
    fetched, delivered, cut = [], [], []

    def is_slow(response) -> bool:
        return response.elapsed.total_seconds() > threshold

    def fetch_each(session):
        extra = 0
        for i in range(n):
            if sum(map(is_slow, fetched)) >= take and len(delivered) < take:
                extra += 1  # the stage already had what the consumer wants, and asks for more
                if extra > extra_allowed:
                    cut.append(i)
                    return  # stop feeding it: the rest would only confirm it
            response = session.get(f"{server.url}{paths[i]}?{i}")
            fetched.append(response)
            yield response

    def consume():
        with requests.Session() as session:
            responses = fetch_each(session)
            try:
                for response in itertools.islice(fn(responses, threshold), take):
                    delivered.append(response)
            finally:
                responses.close()

    server.reset_stats()
    run = attempt(consume, timeout=60)
    if not run.ok:
        fb.fail(
            _(
                "the pipeline with slow_only(responses, {threshold:.3g}) {describe}",
                threshold=threshold,
                describe=run.describe(60),
            )
        )
        return fb.hint(
            _(
                "slow_only(responses, threshold) loops over responses and yields some of them.",
            )
        )
    requests_seen = server.stats(note=False)["requests"]
    seen_by = _("the server saw")
    if not measurable(requests_seen):
        fb.note(
            _(
                "requests at the server: not measurable on this server (it keeps no counters)",
            )
        )
        requests_seen, seen_by = len(fetched), _("the pipeline sent")  # counted by the check's fetch_each
    slow = [r for r in fetched if is_slow(r)]
    expected = slow[:take]
    needed = fetched.index(expected[-1]) + 1 if len(expected) == take else len(fetched)
    # What it passed on.
    wrong = next((r for r in delivered if not any(r is f for f in fetched)), None)
    fast = next((r for r in delivered if wrong is None and not is_slow(r)), None)
    if wrong is not None:
        fb.fail(
            _(
                "slow_only passed on a {name}: it should pass on the responses themselves",
                name=type(wrong).__name__,
            )
        )
    elif fast is not None:
        fb.fail(
            _(
                "slow_only passed on a response that took {total_seconds:.3f} s: only those over "
                "{threshold:.3g} s should pass",
                total_seconds=fast.elapsed.total_seconds(),
                threshold=threshold,
            )
        )
        fb.hint(
            _(
                "Compare response.elapsed.total_seconds() with threshold: > keeps the slow ones.",
            )
        )
    elif len(delivered) < len(expected):
        fb.fail(
            _(
                "slow_only passed on only {n_delivered} of the {n_slow} responses over "
                "{threshold:.3g} s among the {n_fetched} it read",
                n_delivered=len(delivered),
                n_slow=len(slow),
                threshold=threshold,
                n_fetched=len(fetched),
            )
        )
    else:
        fb.require(
            all(a is b for a, b in zip(delivered, expected, strict=True)),
            _(
                "passed on the first {take} responses slower than {threshold:.3g} s, in order ({join})",
                take=take,
                threshold=threshold,
                join=", ".join(f"{r.elapsed.total_seconds():.3f} s" for r in delivered),
            ),
            _(
                "passed on {take} slow responses, but not the first {take} in order",
                take=take,
            ),
        )
    # How many it pulled (judged only when it passed on the right responses).
    if fb.failures:
        fb.note(
            _(
                "{seen_by} {requests_seen} requests; the first {take} slow responses were among "
                "the first {needed}",
                seen_by=seen_by,
                requests_seen=requests_seen,
                take=take,
                needed=needed,
            )
        )
    elif fb.require(
        requests_seen == needed,
        _(
            "{seen_by} {requests_seen} requests: exactly the {needed} needed to find {take} "
            "slow ones; the other {value} URLs were never fetched",
            seen_by=seen_by,
            requests_seen=requests_seen,
            needed=needed,
            take=take,
            value=n - requests_seen,
        ),
        _(
            "{seen_by} {requests_seen} requests, but the first {take} slow responses were "
            "among the first {needed}: slow_only kept pulling after it had them{value}",
            seen_by=seen_by,
            requests_seen=requests_seen,
            take=take,
            needed=needed,
            value=_(" (the check stopped feeding it after {extra_allowed} more)", extra_allowed=extra_allowed)
            if cut
            else "",
        ),
    ):
        fb.note(
            _(
                "run the check again: the number of requests changes from run to run — why?",
            )
        )
    else:
        fb.hint(
            _(
                "yield each slow response as soon as you see it; no list(...), sorted(...) or len(...).",
            )
        )
    return fb


def _myrange(n):
    i = 0
    while i < n:
        yield i
        i += 1


def MyRange(cls) -> Feedback:  # noqa: N802 - named after the class the learner writes
    """Exercise 3: ``cls(n)`` is an iterator over ``0, 1, …, n-1`` (``__iter__`` returns it,
    ``__next__`` gives the values, then raises ``StopIteration`` and keeps raising it).
    Notes the time to iterate over 100,000 items, and the sizes, beside the generator ``myrange``.
    """
    fb = Feedback(_("Exercise 3 · MyRange, a class instead"))
    methods = vars(cls) if isinstance(cls, type) else {}
    if all(name not in methods or is_stub(methods[name]) for name in ("__init__", "__iter__", "__next__")):
        return fb.not_started(
            _(
                "Write class MyRange in the starter cell: __init__(self, n) keeps n and a "
                "counter, __iter__ returns self, __next__ returns the next value or raises "
                "StopIteration.",
            )
        )
    made = attempt(cls, 3, timeout=5)
    if made.not_implemented:
        return fb.not_started(_("Write __init__, __iter__ and __next__ in the starter cell."))
    if not made.ok:
        fb.fail(_("MyRange(3) {describe}", describe=made.describe(5)))
        return fb
    obj = made.value
    it = attempt(iter, obj, timeout=5)
    if not it.ok:
        fb.fail(
            _(
                "iter(MyRange(3)) {describe}: a for loop calls iter() first",
                describe=it.describe(5),
            )
        )
        return fb.hint(
            _(
                "Add __iter__(self), returning self: an iterator is its own iterable.",
            )
        )
    if not fb.require(
        it.value is obj,
        _(
            "iter(r) returns r itself: a MyRange is its own iterator, like a generator",
        ),
        _(
            "iter(MyRange(3)) returned a {name}, not the MyRange itself",
            name=type(it.value).__name__,
        ),
    ):
        return fb.hint(_("__iter__(self) should return self, and __next__ give the values."))
    if not hasattr(type(obj), "__next__"):
        fb.fail(_("MyRange has no __next__: next(r) cannot get a value"))
        return fb
    # next() by hand: n values, then StopIteration, and StopIteration again.
    values = []
    for _unused in range(3):
        step = attempt(next, obj, timeout=5)
        if not step.ok:
            fb.fail(
                _(
                    "next() on MyRange(3), after {values}, {describe}",
                    values=values,
                    describe=step.describe(5),
                )
            )
            return fb.hint(
                _(
                    "Return the values 0, 1, 2 first; raise StopIteration only after them.",
                )
            )
        values.append(step.value)
    end = attempt(next, obj, timeout=5)
    if end.ok:
        fb.fail(
            _(
                "after {values}, next() on MyRange(3) returned {value!r}: when there are no more "
                "values, raise StopIteration",
                values=values,
                value=end.value,
            )
        )
        return fb.hint(
            _(
                "if self.i >= self.n: raise StopIteration — that is what ends a for loop.",
            )
        )
    if not isinstance(end.error, StopIteration):
        fb.fail(
            _(
                "after {values}, next() on MyRange(3) {describe}; it should raise StopIteration",
                values=values,
                describe=end.describe(5),
            )
        )
        return fb.hint(
            _(
                "Raise StopIteration (not IndexError, not a bare return) when there are no more.",
            )
        )
    again = attempt(next, obj, timeout=5)
    fb.require(
        isinstance(again.error, StopIteration),
        _("at the end, next() raises StopIteration, and keeps raising it"),
        _(
            "at the end, next() raised StopIteration once, then {describe}: once done, it stays done",
            describe=again.describe(5),
        ),
    )
    # The values, for a few n, as a for loop sees them.
    for n in (0, 1, 5, 10):
        got = attempt(lambda n=n: list(itertools.islice(cls(n), n + 5)), timeout=5)
        if not got.ok:
            fb.fail(_("list(MyRange({n})) {describe}", n=n, describe=got.describe(5)))
            return fb
        if got.value != list(range(n)):
            fb.fail(
                _(
                    "list(MyRange({n})) gave {show}; list(range({n})) is {range}",
                    n=n,
                    show=_show(got.value, n + 4),
                    range=list(range(n)),
                )
            )
            return fb.hint(_("Start at 0, stop before n: range(n) never includes n."))
    fb.ok(_("list(MyRange(n)) == list(range(n)) for n = 0, 1, 5, 10"))
    _compare(fb, cls)
    return fb


def _compare(fb: Feedback, cls, n: int = 100_000) -> None:
    """Notes: the time to iterate over n items with MyRange and with myrange, and their sizes."""

    def loop(iterable):
        start = time.perf_counter()
        for _unused in iterable:
            pass
        return time.perf_counter() - start

    run = attempt(lambda: (min(loop(cls(n)) for _i in range(3)), min(loop(_myrange(n)) for _i in range(3))))
    if not run.ok:
        return
    t_class, t_gen = run.value
    fb.note(
        _(
            "iterating over {n:,} items: MyRange {t_class}, the generator myrange {t_gen} "
            "({value:.1f} × as long with the class)",
            n=n,
            t_class=format_seconds(t_class),
            t_gen=format_seconds(t_gen),
            value=t_class / t_gen,
        )
    )
    obj = cls(n)
    own = sys.getsizeof(obj) + (sys.getsizeof(vars(obj)) if hasattr(obj, "__dict__") else 0)
    fb.note(
        _(
            "size: a MyRange object {own} bytes (with its __dict__), a myrange generator "
            "{getsizeof} bytes: both stay the same size whatever n",
            own=own,
            getsizeof=sys.getsizeof(_myrange(n)),
        )
    )
