"""The machinery of the exercises' check cells: feedback, safe calls, hidden solutions.

A check cell calls a checker (in ``helpers.exercises.nbNN``) on the learner's
code. A checker never raises on the learner's behalf: it returns a
:class:`Feedback`, which a notebook shows as a short list of what passed (✓),
what did not (✗) and what was measured (·). On an untouched starter cell the
feedback says "not started yet" and what to do, so Run All never breaks.

Solutions live as plain Python files in ``notebooks/solutions/NN_name.py``.
:func:`solution` shows one folded away (click to open), and
:func:`load_solution` runs one into a namespace (tests use it as the reference).
"""

from __future__ import annotations

import asyncio
import dis
import html
import inspect
import math
import os
import sys
import threading
import time
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from helpers.i18n import N_, _

__all__ = [
    "Attempt",
    "Feedback",
    "attempt",
    "attempt_async",
    "check_answers",
    "check_connections",
    "check_peak",
    "check_time",
    "not_judged",
    "starved",
    "unmeasured",
    "describe_error",
    "query_of",
    "seconds_or_none",
    "is_stub",
    "load_solution",
    "solution",
    "solution_path",
]

PASSED, FAILED, NOT_STARTED = "passed", "failed", "not started"
_MARKS = {"ok": "✓", "fail": "✗", "note": "·", "hint": "→"}
_COLOURS = {PASSED: "#1b7f3b", FAILED: "#b3261e", NOT_STARTED: "#555555"}
_HELPERS_DIR = Path(__file__).resolve().parent


class Feedback:
    """What a check found, shown as ✓ / ✗ / · lines under a one-line verdict.

    Build it with :meth:`ok`, :meth:`fail`, :meth:`require`, :meth:`note` and
    :meth:`hint`, or mark it :meth:`not_started`. The verdict is
    ``"not started"`` if :meth:`not_started` was called, ``"failed"`` if any
    line failed, ``"passed"`` if at least one line passed and none failed.
    ``bool(feedback)`` is True only when it passed.
    """

    def __init__(self, title: str):
        if not isinstance(title, str) or not title.strip():
            raise ValueError("title must be a non-empty string")
        self.title = title
        self.lines: list[tuple[str, str]] = []
        self._not_started = False

    # building
    def ok(self, text: str) -> Feedback:
        """Record something the learner's code got right."""
        self.lines.append(("ok", text))
        return self

    def fail(self, text: str) -> Feedback:
        """Record something wrong, said specifically (what was seen, what was expected)."""
        self.lines.append(("fail", text))
        return self

    def note(self, text: str) -> Feedback:
        """Record a measurement or remark that is neither right nor wrong."""
        self.lines.append(("note", text))
        return self

    def hint(self, text: str) -> Feedback:
        """Record a hint; hints are shown only when the check did not pass."""
        self.lines.append(("hint", text))
        return self

    def require(self, condition: Any, ok: str, fail: str) -> bool:
        """Record ``ok`` if ``condition`` is true, else ``fail``; return the condition as a bool."""
        (self.ok if condition else self.fail)(ok if condition else fail)
        return bool(condition)

    def not_started(self, what_to_do: str) -> Feedback:
        """Mark the exercise as not attempted yet, saying what to do first."""
        self._not_started = True
        self.lines.append(("hint", what_to_do))
        return self

    # reading
    @property
    def status(self) -> str:
        """``"passed"``, ``"failed"`` or ``"not started"``."""
        if self._not_started:
            return NOT_STARTED
        kinds = {kind for kind, _unused in self.lines}
        return PASSED if "ok" in kinds and "fail" not in kinds else FAILED

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def failures(self) -> list[str]:
        """The texts of the failed lines."""
        return [text for kind, text in self.lines if kind == "fail"]

    @property
    def text(self) -> str:
        """Every line's text, joined: handy for tests and for searching."""
        return "\n".join(text for _, text in self.lines)

    def __bool__(self) -> bool:
        return self.passed

    def _shown(self):
        passed = self.passed
        return [(k, t) for k, t in self.lines if not (passed and k == "hint")]

    def _verdict(self) -> str:
        return {PASSED: _("✓ passed"), FAILED: _("✗ not yet"), NOT_STARTED: _("… not started yet")}[
            self.status
        ]

    def __str__(self) -> str:
        head = f"{self.title}: {self._verdict()}"
        return "\n".join([head] + [f"  {_MARKS[k]} {t}" for k, t in self._shown()])

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        colour = _COLOURS[self.status]
        items = "".join(
            f"<li style='list-style:none'>{_MARKS[k]} {html.escape(t)}</li>" for k, t in self._shown()
        )
        return (
            f"<div style='border-left:6px solid {colour};padding:4px 12px;font-size:1.05em'>"
            f"<b>{html.escape(self.title)}: <span style='color:{colour}'>{self._verdict()}</span></b>"
            f"<ul style='margin:4px 0;padding-left:4px'>{items}</ul></div>"
        )


@dataclass
class Attempt:
    """The outcome of running the learner's code: its value, or what went wrong."""

    value: Any = None
    error: BaseException | None = None
    elapsed: float = 0.0
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out

    @property
    def not_implemented(self) -> bool:
        """True when the code raised NotImplementedError (an untouched starter, usually)."""
        return isinstance(self.error, NotImplementedError)

    def describe(self, timeout: float | None = None) -> str:
        """One line saying what went wrong, e.g. ``raised KeyError: 'x' (line 3, in fetch)``."""
        if self.timed_out:
            return (
                _("did not finish within {timeout:g} s", timeout=timeout) if timeout else _("did not finish")
            )
        if self.error is not None:
            return _("raised {error}", error=describe_error(self.error))
        return _("finished")


def _user_frame(exc: BaseException):
    """The innermost frame of the traceback that is not in helpers, the stdlib or site-packages."""
    prefixes = {str(_HELPERS_DIR), sys.prefix, sys.base_prefix, sys.exec_prefix}
    user = None
    for frame in traceback.extract_tb(exc.__traceback__):
        filename = os.path.abspath(frame.filename) if not frame.filename.startswith("<") else frame.filename
        if not any(filename.startswith(p) for p in prefixes):
            user = frame
    return user


def describe_error(exc: BaseException) -> str:
    """``ExcType: message (line N, in function)``: one line, no traceback."""
    if not isinstance(exc, BaseException):
        raise TypeError(f"exc must be an exception, not {type(exc).__name__}")
    message = str(exc).strip().splitlines()
    text = type(exc).__name__ + (f": {message[0]}" if message else "")
    frame = _user_frame(exc)
    if frame is not None:
        text += _(" (line {line}, in {function})", line=frame.lineno, function=frame.name)
    return text


def attempt(fn, *args, timeout: float | None = None, **kwargs) -> Attempt:
    """Call ``fn(*args, **kwargs)`` and return an :class:`Attempt`; never raises.

    With ``timeout`` (seconds), the call runs in a daemon thread and the
    attempt gives up after that long (the thread cannot be stopped; it is left
    to finish or to hang on its own). KeyboardInterrupt still propagates.
    """
    if not callable(fn):
        return Attempt(error=TypeError(f"expected a function, got {type(fn).__name__}"))
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds or None, not {timeout!r}")
    start = time.perf_counter()
    if timeout is None:
        try:
            value = fn(*args, **kwargs)
        except Exception as exc:
            return Attempt(error=exc, elapsed=time.perf_counter() - start)
        return Attempt(value=value, elapsed=time.perf_counter() - start)
    box: dict[str, Any] = {}

    def run():
        try:
            box["value"] = fn(*args, **kwargs)
        except BaseException as exc:  # reported, not raised: this is the learner's code
            box["error"] = exc

    thread = threading.Thread(target=run, name="check-attempt", daemon=True)
    thread.start()
    thread.join(timeout)
    elapsed = time.perf_counter() - start
    if thread.is_alive():
        return Attempt(elapsed=elapsed, timed_out=True)
    return Attempt(value=box.get("value"), error=box.get("error"), elapsed=elapsed)


async def attempt_async(fn, *args, timeout: float | None = None, **kwargs) -> Attempt:  # noqa: ASYNC109
    """Await ``fn(*args, **kwargs)`` (or ``fn`` itself if it is awaitable); never raises.

    A plain function's return value is accepted too (awaited if it is
    awaitable). ``timeout`` cancels the learner's coroutine after that long.
    """
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"timeout must be a positive number of seconds or None, not {timeout!r}")
    start = time.perf_counter()
    try:
        async with asyncio.timeout(timeout) as scope:
            if inspect.isawaitable(fn):
                value = await fn
            elif callable(fn):
                value = fn(*args, **kwargs)
                if inspect.isawaitable(value):
                    value = await value
            else:
                raise TypeError(f"expected an async function, got {type(fn).__name__}")
    except TimeoutError as exc:
        if scope.expired():  # our own time limit, not a TimeoutError raised by the learner's code
            return Attempt(elapsed=time.perf_counter() - start, timed_out=True)
        return Attempt(error=exc, elapsed=time.perf_counter() - start)
    except Exception as exc:
        return Attempt(error=exc, elapsed=time.perf_counter() - start)
    return Attempt(value=value, elapsed=time.perf_counter() - start)


_ENDS = {"RETURN_CONST", "RETURN_VALUE", "RAISE_VARARGS"}
_LOADS = {"LOAD_CONST", "LOAD_COMMON_CONSTANT"}
_IGNORED_OPS = {"RESUME", "NOP", "CACHE", "RETURN_GENERATOR", "POP_TOP", "COPY_FREE_VARS", "MAKE_CELL"}


def is_stub(fn) -> bool:
    """True if ``fn`` is None, or a function whose body does nothing.

    A body of only ``pass``, ``...``, a docstring, or ``raise NotImplementedError``
    counts as a stub; so does an ``async def`` with such a body. Anything else
    (including a bare ``yield``) is left for the checker to judge by running it.
    """
    if fn is None:
        return True
    code = getattr(inspect.unwrap(fn) if callable(fn) else fn, "__code__", None)
    if code is None:
        return False
    ops = []
    for instruction in dis.get_instructions(code):
        if instruction.opname not in _IGNORED_OPS:
            ops.append(instruction)
        if instruction.opname in _ENDS:  # the normal path ends here; what follows is a handler
            break
    names = [i.opname for i in ops]
    # 3.11-3.13: RETURN_CONST None; 3.14: LOAD_CONST None, RETURN_VALUE; 3.15: LOAD_COMMON_CONSTANT None
    if names == ["RETURN_CONST"] or (len(names) == 2 and names[1] == "RETURN_VALUE" and names[0] in _LOADS):
        return ops[0].argval is None
    if names and names[-1] == "RAISE_VARARGS":
        return any(i.argval == "NotImplementedError" for i in ops)
    return False


def _solutions_dirs() -> list[Path]:
    return [_HELPERS_DIR.parent / "notebooks" / "solutions", Path.cwd() / "solutions"]


def solution_path(notebook: str, name: str) -> Path:
    """The file ``solutions/NN_name.py`` for a notebook number ``"NN"`` and an exercise name."""
    if not (isinstance(notebook, str) and len(notebook) == 2 and notebook.isdigit()):
        raise ValueError(f"notebook must be a two-digit string such as '03', not {notebook!r}")
    if not (isinstance(name, str) and name.isidentifier()):
        raise ValueError(f"name must be an exercise name such as 'polite_download', not {name!r}")
    for folder in _solutions_dirs():
        path = folder / f"{notebook}_{name}.py"
        if path.is_file():
            return path
    known = sorted(
        p.stem[3:] for folder in _solutions_dirs() if folder.is_dir() for p in folder.glob(f"{notebook}_*.py")
    )
    raise ValueError(
        f"no solution named {name!r} for notebook {notebook}; known: {', '.join(known) or 'none'}"
    )


class Solution:
    """A solution file, shown folded away: its code appears only when the reader opens it."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.code = self.path.read_text(encoding="utf-8")

    @property
    def load_line(self) -> str:
        """``%load solutions/NN_name.py``, relative to the kernel's folder (``../solutions/`` from
        the Korean edition's)."""
        try:
            where = Path(os.path.relpath(self.path, Path.cwd())).as_posix()
        except ValueError:  # Windows: another drive
            where = self.path.as_posix()
        return f"%load {where}"

    def __repr__(self) -> str:
        return _(
            "Solution hidden. To see it (and run it), type `{load_line}` in a new cell and run "
            "that cell twice: once to load the code, once to run it.",
            load_line=self.load_line,
        )

    def _repr_html_(self) -> str:
        try:
            from pygments import highlight
            from pygments.formatters import HtmlFormatter
            from pygments.lexers import PythonLexer

            body = highlight(self.code, PythonLexer(), HtmlFormatter(noclasses=True, nowrap=False))
        except ImportError:  # pragma: no cover - pygments ships with IPython
            body = f"<pre>{html.escape(self.code)}</pre>"
        summary = _(
            "<b>Solution</b> (click to open; try first!) &nbsp;·&nbsp; or run <code>{load_line}</code> "
            "in a new cell",
            load_line=html.escape(self.load_line),
        )
        return f"<details><summary style='cursor:pointer'>{summary}</summary>{body}</details>"


def solution(notebook: str, name: str) -> Solution:
    """The solution to exercise ``name`` of notebook ``"NN"``, to display folded away."""
    return Solution(solution_path(notebook, name))


def load_solution(notebook: str, name: str, namespace: dict | None = None) -> dict:
    """Run the solution file in ``namespace`` (a fresh dict by default) and return it."""
    path = solution_path(notebook, name)
    namespace = {"__name__": f"solution_{notebook}_{name}"} if namespace is None else namespace
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)
    return namespace


# Building blocks for checkers: each records one ✓ or ✗ line and returns whether it passed.


def seconds_or_none(value) -> float | None:
    """``value`` as a positive, finite number of seconds (a learner's prediction, say), or None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and value > 0 else None


def query_of(answer) -> str | None:
    """The query string a lab-server answer was for (``"3"`` for ``/get?3``), or None.

    Accepts the ``/get`` JSON as a dict, a str or bytes, or a ``requests.Response``.
    """
    if hasattr(answer, "json") and callable(answer.json) and not isinstance(answer, dict):
        try:
            answer = answer.json()
        except Exception:
            return None
    if isinstance(answer, (bytes, bytearray)):
        answer = answer.decode("utf-8", "replace")
    if isinstance(answer, str):
        try:
            import json

            answer = json.loads(answer)
        except ValueError:
            return None
    if isinstance(answer, dict) and isinstance(answer.get("url"), str):
        return urlsplit(answer["url"]).query
    return None


def check_answers(fb: Feedback, answers, queries: list[str], *, ordered: bool = True) -> bool:
    """One answer per query (lab-server ``/get`` JSON), none lost or doubled, in order if ``ordered``."""
    n = len(queries)
    if answers is None:
        return fb.require(
            False,
            "",
            _(
                "got None instead of {n} answers: did you forget to return them?",
                n=n,
            ),
        )
    try:
        answers = list(answers)
    except TypeError:
        return fb.require(
            False,
            "",
            _(
                "got a {name}, not a list of {n} answers",
                name=type(answers).__name__,
                n=n,
            ),
        )
    got = [query_of(a) for a in answers]
    if None in got:
        bad = got.index(None)
        return fb.require(
            False,
            "",
            _(
                "answer {bad} is not the lab server's JSON (its type is {name})",
                bad=bad,
                name=type(answers[bad]).__name__,
            ),
        )
    missing = sorted(set(queries) - set(got), key=queries.index)
    extra = [q for q in set(got) if got.count(q) > 1 or q not in queries]
    if len(got) != n or missing or extra:
        detail = []
        if missing:
            detail.append(_("missing {n} (first: ?{first})", n=len(missing), first=missing[0]))
        if extra:
            detail.append(
                _("doubled or unexpected {n} (first: ?{first})", n=len(extra), first=sorted(extra)[0])
            )
        return fb.require(
            False,
            "",
            _(
                "{n_got} answers for {n} queries: {join}",
                n_got=len(got),
                n=n,
                join=", ".join(detail),
            ),
        )
    if ordered and got != list(queries):
        first = next(i for i, (a, b) in enumerate(zip(got, queries, strict=True)) if a != b)
        return fb.require(
            False,
            "",
            _(
                "all {n} answers came back, but out of order (position {first} holds ?{got}, not ?{queries})",
                n=n,
                first=first,
                got=got[first],
                queries=queries[first],
            ),
        )
    return fb.require(True, _("all {n} answers, in order", n=n) if ordered else _("all {n} answers", n=n), "")


def unmeasured(fb: Feedback, stats, key: str, what: str) -> bool:
    """True, after a "· {what}: not measurable on this server" line, when ``stats`` lacks ``key``.

    A server other than the lab (``COURSE_BASE_URL``) keeps no counters: a
    checker judges what it can and says which part it could not verify; it never
    fails a solution for that.
    """
    from helpers.lab import measurable

    if measurable(stats[key]):
        return False
    fb.note(
        _(
            "{what}: not measurable on this server (it keeps no counters)",
            what=_(what),  # marked N_() where it was written
        )
    )
    return True


def check_peak(fb: Feedback, stats: dict, limit: int, *, exactly: bool = False) -> bool:
    """``peak_in_flight`` at most ``limit`` (or exactly ``limit``) according to the server's stats.

    True with a note when the server keeps no counters (:func:`unmeasured`).
    """
    if unmeasured(fb, stats, "peak_in_flight", N_("requests in flight")):
        return True
    peak = stats["peak_in_flight"]
    if peak > limit:
        return fb.require(
            False,
            "",
            _(
                "{peak} requests were in flight at once; the limit was {limit}",
                peak=peak,
                limit=limit,
            ),
        )
    if exactly and peak < limit:
        return fb.require(
            False,
            "",
            _(
                "at most {peak} requests were in flight at once: the limit of {limit} was never used fully",
                peak=peak,
                limit=limit,
            ),
        )
    return fb.require(
        True,
        _(
            "at most {limit} requests in flight (the server saw a peak of {peak})",
            limit=limit,
            peak=peak,
        ),
        "",
    )


def check_connections(fb: Feedback, stats: dict, expected: int, *, at_most: bool = False) -> bool:
    """The number of TCP connections that carried requests equals (or is at most) ``expected``.

    True with a note when the server keeps no counters (:func:`unmeasured`).
    """
    if unmeasured(fb, stats, "connections", N_("connections")):
        return True
    got = stats["connections"]
    good = got <= expected if at_most else got == expected
    want = _("at most {expected}", expected=expected) if at_most else str(expected)
    return fb.require(
        good,
        _(
            "{got} TCP connection{value} carried the requests (expected {want})",
            got=got,
            value="s" * (got != 1),
            want=want,
        ),
        _(
            "{got} TCP connections carried the requests; expected {want}",
            got=got,
            want=want,
        ),
    )


THE_LIMIT = N_("the limit")  # check_time's default label
STARVED_S = 0.05  # the lab server waited this long for a CPU at once: too busy a machine to judge time by


def _foreign(stall) -> int:
    """Requests and connections from other users' processes in ``stall`` (a server's stats), or 0."""
    if not isinstance(stall, Mapping):
        return 0
    counts = (stall.get("foreign_requests"), stall.get("foreign_connections"))
    return sum(n for n in counts if isinstance(n, int) and not isinstance(n, bool))


def _cpu_wait(stall) -> float:
    """On a server without counters, the seconds this process's threads waited for a CPU during
    the run (``NoCounters.cpu_wait``), or 0 when not known."""
    waited = getattr(stall, "cpu_wait", None)
    return waited if isinstance(waited, float) and math.isfinite(waited) else 0.0


def _lag(stall):
    """The ``loop_lag_max`` figure in ``stall``: the number itself, or read from a server's stats."""
    return stall.get("loop_lag_max") if isinstance(stall, Mapping) else stall


def starved(stall) -> bool:
    """True when the run's time cannot be judged: ``stall``, the lab server's stats for the run
    (reset before it) or their ``loop_lag_max`` alone, says that the server, ready to run, waited
    ``STARVED_S`` (50 ms) or more for a CPU at once (a busy machine); or, for stats, that another
    user's processes sent requests to it meanwhile (they cost it time; they are not counted).
    On a server without counters (``n/a``), its :class:`~helpers.lab.NoCounters` may carry
    ``cpu_wait``: this process's threads waited ``STARVED_S`` or more, in all, for a CPU during the run.
    False for None, or ``n/a`` without that figure (macOS, Windows): then there is no telling,
    and time is judged as it is."""
    from helpers.lab import measurable

    if _foreign(stall):
        return True
    if _cpu_wait(stall) >= STARVED_S:
        return True
    lag = _lag(stall)
    if lag is None or not measurable(lag) or isinstance(lag, bool):
        return False
    return isinstance(lag, int | float) and math.isfinite(lag) and lag >= STARVED_S


def not_judged(fb: Feedback, measured: str, stall) -> bool:
    """Record ``measured`` (a time claim that did not hold) as a note, not a ✗, saying why the
    time cannot be judged (``stall``: see :func:`starved`); return True, as nothing failed."""
    foreign = _foreign(stall)
    if foreign:
        users = ", ".join(stall.get("foreign_users") or []) or _("another user")
        why = _(
            "another user's processes ({users}) opened {connections} connections and sent {requests} "
            "requests to your lab server during the run; they are not counted, but they cost it time",
            users=users,
            connections=stall["foreign_connections"],
            requests=stall["foreign_requests"],
        )
    elif _cpu_wait(stall) >= STARVED_S:
        why = _(
            "this machine was busy (for {ms:.0f} ms of the run, work on it waited for a CPU)",
            ms=_cpu_wait(stall) * 1000,
        )
    else:
        why = _(
            "this machine was busy (the lab server waited up to {ms:.0f} ms at once for a CPU "
            "during the run)",
            ms=_lag(stall) * 1000,
        )
    fb.note(
        _(
            "{measured}, not judged: {why}; run the check again when it is quieter",
            measured=measured,
            why=why,
        )
    )
    return True


def check_time(
    fb: Feedback, elapsed: float, limit: float, *, factor: float = 1.5, what=THE_LIMIT, stall=None
) -> bool:
    """``elapsed`` within ``factor`` × ``limit`` seconds; the line states the ratio.

    ``stall``: the lab server's stats for the run (reset before it), or their ``loop_lag_max``.
    When the time is over and :func:`starved` says it cannot be judged, the line is a
    note saying what was measured, not a ✗ (and this returns True); a ✓ stays a ✓. Without a
    stall figure (None, or ``n/a`` on a server without counters) the time is judged as it is.
    """
    from helpers.timing import format_seconds

    ratio = elapsed / limit if limit > 0 else float("inf")
    took = _(
        "took {elapsed} = {ratio:.2f} × {what} ({limit}",
        elapsed=format_seconds(elapsed),
        ratio=ratio,
        what=_(what),  # a label marked N_() where it was written, or already translated
        limit=format_seconds(limit),
    )
    if ratio > factor and starved(stall):
        return not_judged(fb, _("{took}; allowed is {factor:g}×)", took=took, factor=factor), stall)
    return fb.require(
        ratio <= factor,
        _("{took}; allowed {factor:g}×)", took=took, factor=factor),
        _("{took}); allowed is {factor:g}×", took=took, factor=factor),
    )
