"""Figures for the course, readable on a projector.

Every function returns a closed matplotlib :class:`~matplotlib.figure.Figure`:
make it the last expression of a cell and Jupyter shows it exactly once; call
``fig.savefig(...)`` to keep it. The style (:func:`course_style`) applies only
while a figure is being built: global ``rcParams`` are never changed.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import numbers
from collections.abc import Callable, Iterator, Mapping, Sequence

import matplotlib.pyplot as plt
from cycler import cycler
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter

from helpers import fonts
from helpers._validate import check_bool, check_str, got
from helpers.friendly import RunCellsAbove
from helpers.i18n import N_, _, get_language
from helpers.spans import Span, SpanRecorder
from helpers.timing import Timing, format_seconds

# Okabe & Ito's colour-blind-safe palette (yellow and black left out: poor on a white screen).
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9")
_SEED_GREY = "#BBBBBB"
_LINE_DARK = "#333333"

_STYLE = {
    "font.size": 13,
    "axes.titlesize": 15,
    "axes.labelsize": 13,
    "xtick.labelsize": 12,
    "ytick.labelsize": 12,
    "legend.fontsize": 12,
    "figure.dpi": 110,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.axisbelow": True,
    "axes.prop_cycle": cycler(color=PALETTE),
}


def course_style() -> contextlib.AbstractContextManager:
    """A context manager that applies the course's figure style inside its ``with`` block only.

    Large fonts (13 pt, titles 15 pt), 110 dpi, no top/right spines, a light grid
    and the Okabe-Ito colour cycle. Build a whole figure inside the block.
    """
    return plt.rc_context(_STYLE | _language_style())


def _language_style() -> dict:
    """In Korean, a font with Hangul (or, if none is installed, a message once: see helpers.fonts)."""
    if get_language() != "ko":
        return {}
    missing = fonts.missing_message()
    if missing:
        print(missing)
    return fonts.style()


def _say(text: str) -> str:
    """A label the plot writes itself, in the reader's language when the figure can show it."""
    if get_language() != "en" and fonts.hangul_font() is None:
        return text  # no Hangul font: English rather than boxes
    return _(text)


ONE_ROUND_TRIP = N_("one round trip")
SEED_LABEL = N_("seed, 2018 (httpbin.org)")
TIME_FOR_ALL = N_("time for all requests (s)")
TIME_SINCE_START = N_("time since start (s)")
NUMBER_OF_REQUESTS = N_("number of requests N")
TIME_S = N_("time (s)")


def plot_comparison(
    results: Mapping[str, float | Timing],
    *,
    limit: float | None = None,
    limit_label: str = ONE_ROUND_TRIP,
    seed: Mapping[str, float] | None = None,
    seed_label: str = SEED_LABEL,
    log: bool = False,
    title: str = "",
    xlabel: str = TIME_FOR_ALL,
) -> Figure:
    """Horizontal bars comparing approaches: one bar per entry of ``results``, in order, top to bottom.

    Values are seconds; a :class:`Timing` shows its median with a min-max error bar.
    Each bar is annotated with its value and, when ``limit`` (seconds) is given, with
    how many times ``limit`` it is; ``limit`` is also drawn as a dashed line.
    ``seed`` values whose keys are in ``results`` appear as hatched grey bars beside
    ours (other seed keys are ignored). ``log=True`` uses a logarithmic x axis.
    """
    if not isinstance(results, Mapping):
        raise TypeError(f"results must be a mapping {{approach: seconds or Timing}}, got {got(results)}")
    if not results:
        raise RunCellsAbove(
            "plot_comparison got no timings: run the measurement cells above first "
            "(results must be a non-empty mapping {approach: seconds or Timing}, got {})"
        )
    _check_flags_and_texts(
        log=log, title=title, xlabel=xlabel, limit_label=limit_label, seed_label=seed_label
    )
    xlabel, limit_label, seed_label = _say(xlabel), _say(limit_label), _say(seed_label)
    measured_here = _say(N_("this machine, measured"))
    values = {name: _seconds(v, f"results[{name!r}]", positive=log) for name, v in results.items()}
    seeds: dict[str, float] = {}
    if seed is not None:
        if not isinstance(seed, Mapping):
            raise TypeError(
                f"seed must be a mapping {{approach: seconds}} or None, got {type(seed).__name__}"
            )
        seeds = {k: _seconds(v, f"seed[{k!r}]", positive=log) for k, v in seed.items() if k in results}
    if limit is not None:
        limit = _seconds(limit, "limit", positive=True, why="")

    height = 0.38 if seeds else 0.6
    with _figure(10, max(2.8, 1.4 + (0.95 if seeds else 0.6) * len(results))) as (fig, ax):
        labels: list[tuple[Text, float]] = []  # annotation, x where it is anchored
        legend: dict[str, Artist] = {}
        for row, (name, value) in enumerate(values.items()):
            y = row - height / 2 if name in seeds else row
            legend[measured_here] = ax.barh(y, value, height=height, color=PALETTE[0])
            text = format_seconds(value) + (
                _say(N_("  ({times} limit)")).format(times=_times(value / limit)) if limit else ""
            )
            right = value
            timing = results[name]
            if isinstance(timing, Timing) and timing.n > 1:
                lo, hi = value - timing.min, timing.max - value
                ax.errorbar(
                    value, y, xerr=[[lo], [hi]], fmt="none", ecolor=_LINE_DARK, elinewidth=1.2, capsize=4
                )
                right = timing.max
            labels.append((_annotate(ax, right, y, text), right))
            if name in seeds:
                legend[seed_label] = ax.barh(
                    row + height / 2,
                    seeds[name],
                    height=height,
                    color=_SEED_GREY,
                    hatch="//",
                    edgecolor="white",
                )
                labels.append(
                    (_annotate(ax, seeds[name], row + height / 2, format_seconds(seeds[name])), seeds[name])
                )
        if not seeds:
            del legend[measured_here]  # one kind of bar needs no legend entry
        if limit is not None:
            limit_name = f"{limit_label} = {format_seconds(limit)}"
            legend[limit_name] = ax.axvline(limit, color=_LINE_DARK, linestyle="--", linewidth=1.5)

        ax.set_yticks(range(len(values)), list(values))
        ax.set_ylim(len(values) - 0.5, -0.5)  # first entry on top
        ax.tick_params(axis="y", length=0, labelsize=13)
        ax.grid(False, axis="y")
        if title:
            ax.set_title(title)
        # The axis must hold every bar, error bar (labels are anchored at their right end) and the limit.
        everything = [*values.values(), *(x for _, x in labels), *([limit] if limit else [])]
        if log:
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(_plain_number))
            ax.set_xlim(min(everything) / 2, max(everything) * 1.5)
            ax.set_xlabel(xlabel)
        else:
            ax.set_xlim(0, max(everything) * 1.05 or 1.0)
            ax.set_xlabel(_seconds_axis(ax.xaxis, max(everything), xlabel))
        if legend:
            fig.legend(legend.values(), legend.keys(), loc="outside lower center", ncols=3, frameon=False)
        _make_room_on_the_right(fig, ax, labels)
    return fig


def plot_timeline(
    spans: SpanRecorder | Sequence[Span],
    *,
    title: str = "",
    limit: float | None = None,
    limit_label: str = ONE_ROUND_TRIP,
    max_lanes: int = 40,
    xlabel: str = TIME_SINCE_START,
) -> Figure:
    """A Gantt chart of spans: one row per lane (first lane on top), one bar per span.

    Lanes keep the order of their first span; x is seconds since the first span's start.
    Only the first ``max_lanes`` lanes are drawn (the title says how many are not),
    and the x axis ends with the last of their spans.
    ``limit`` (seconds) draws a dashed vertical line at x = ``limit``.
    """
    if isinstance(spans, SpanRecorder):
        spans = spans.spans
    elif isinstance(spans, Sequence) and all(isinstance(s, Span) for s in spans):
        spans = sorted(spans, key=lambda s: s.start)
    else:
        raise TypeError(f"spans must be a SpanRecorder or a sequence of Span, got {type(spans).__name__}")
    if not spans:
        raise RunCellsAbove(
            "plot_timeline got no spans to plot; record some with SpanRecorder.span(...) first: "
            "run the measurement cells above, then this one"
        )
    _check_flags_and_texts(title=title, xlabel=xlabel, limit_label=limit_label)
    xlabel, limit_label = _say(xlabel), _say(limit_label)
    if isinstance(max_lanes, bool) or not isinstance(max_lanes, int):
        raise TypeError(f"max_lanes must be an int >= 1, got {max_lanes!r}")
    if max_lanes < 1:
        raise ValueError(f"max_lanes must be an int >= 1, got {max_lanes!r}")
    if limit is not None:
        limit = _seconds(limit, "limit", positive=True, why="")

    all_lanes = list(dict.fromkeys(s.lane for s in spans))
    lanes = all_lanes[:max_lanes]
    row_of = {lane: row for row, lane in enumerate(lanes)}
    t0 = spans[0].start
    t_end = max(s.end for s in spans if s.lane in row_of) - t0  # the x axis covers the lanes shown

    with _figure(10, min(9.0, max(2.8, 1.8 + 0.2 * len(lanes)))) as (fig, ax):
        for lane, row in row_of.items():
            bars = [(s.start - t0, s.duration) for s in spans if s.lane == lane]
            colour = PALETTE[row % len(PALETTE)]
            ax.broken_barh(bars, (row - 0.4, 0.8), facecolors=colour, edgecolor="white", linewidth=0.6)
        if limit is not None:
            label = f"{limit_label} = {format_seconds(limit)}"
            ax.axvline(limit, color=_LINE_DARK, linestyle="--", linewidth=1.5, label=label)
            fig.legend(loc="outside lower center", frameon=False)

        step = math.ceil(len(lanes) / 20)  # at most ~20 lane names, so they stay legible
        ax.set_yticks(range(0, len(lanes), step), lanes[::step])
        ax.set_ylim(len(lanes) - 0.5, -0.5)  # first lane on top
        ax.tick_params(axis="y", length=0)
        ax.grid(False, axis="y")
        ax.set_xlim(0, max(t_end, limit or 0) * 1.02 or 1.0)
        ax.set_xlabel(xlabel)
        hidden = len(all_lanes) - len(lanes)
        note = (
            _say(N_("(+{hidden} more lane{s} not shown)")).format(hidden=hidden, s="s" * (hidden > 1))
            if hidden
            else ""
        )
        if title or note:
            ax.set_title("\n".join(t for t in (title, note) if t))
    return fig


def plot_scaling(
    series: Mapping[str, Mapping[int | float, float | Timing]],
    *,
    reference: Mapping[str, Callable[[float], float]] | None = None,
    log: bool = True,
    title: str = "",
    xlabel: str = NUMBER_OF_REQUESTS,
    ylabel: str = TIME_S,
) -> Figure:
    """Time against N: one line with markers per series, points sorted by N.

    ``series`` maps a name to ``{N: seconds or Timing}`` (a Timing counts as its median);
    N is any number on the x axis (requests, a latency in ms...), > 0 on log axes.
    ``reference`` maps a label to a function of N, drawn dashed across the whole N range.
    ``log=True`` (default) uses log-log axes.
    """
    if not isinstance(series, Mapping):
        raise TypeError(f"series must be a mapping {{name: {{N: seconds or Timing}}}}, got {got(series)}")
    if not series:
        raise RunCellsAbove(
            "plot_scaling got no series: run the measurement cells above first "
            "(series must be a non-empty mapping {name: {N: seconds or Timing}}, got {})"
        )
    _check_flags_and_texts(log=log, title=title, xlabel=xlabel, ylabel=ylabel)
    xlabel, ylabel = _say(xlabel), _say(ylabel)
    points: dict[str, list[tuple[float, float]]] = {}
    for name, by_n in series.items():
        if not isinstance(by_n, Mapping):
            raise TypeError(f"series[{name!r}] must be a mapping {{N: seconds or Timing}}, got {got(by_n)}")
        if not by_n:
            raise RunCellsAbove(
                f"plot_scaling got no points for {name!r}: run the measurement cells above first "
                f"(series[{name!r}] must be a non-empty mapping {{N: seconds or Timing}}, got {{}})"
            )
        for n in by_n:
            bound = "> 0 (log axes)" if log else ">= 0"
            if isinstance(n, bool) or not isinstance(n, int | float):
                raise TypeError(f"the N values of series[{name!r}] must be numbers {bound}, got {n!r}")
            if not math.isfinite(n) or n < 0 or (log and n == 0):
                raise ValueError(f"the N values of series[{name!r}] must be numbers {bound}, got {n!r}")
        points[name] = [(n, _seconds(by_n[n], f"series[{name!r}][{n}]", positive=log)) for n in sorted(by_n)]
    if reference is not None and not (
        isinstance(reference, Mapping) and all(callable(f) for f in reference.values())
    ):
        raise TypeError(f"reference must be a mapping {{label: function of N}} or None, got {got(reference)}")
    n_min = min(n for pts in points.values() for n, _ in pts)
    n_max = max(n for pts in points.values() for n, _ in pts)
    steps = 100
    xs = [
        n_min * (n_max / n_min) ** (i / steps) if log else n_min + (n_max - n_min) * i / steps
        for i in range(steps + 1)
    ]
    lines = {label: _reference_line(label, fn, xs) for label, fn in (reference or {}).items()}

    with _figure(9, 5.5) as (fig, ax):
        markers = "os^Dv<>"
        for i, (name, pts) in enumerate(points.items()):
            ns, ts = zip(*pts, strict=True)
            ax.plot(ns, ts, marker=markers[i % len(markers)], markersize=7, linewidth=2, label=name)
        for i, (label, ys) in enumerate(lines.items()):
            style = ("--", ":", "-.")[i % 3]
            ax.plot(xs, ys, linestyle=style, color=_LINE_DARK, linewidth=1.5, label=label, zorder=1.5)
        if log:
            ax.set_xscale("log")
            ax.set_yscale("log")
            for axis in (ax.xaxis, ax.yaxis):
                axis.set_major_formatter(FuncFormatter(_plain_number))
        else:
            ax.set_xlim(left=0)
            ax.set_ylim(bottom=0)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        if title:
            ax.set_title(title)
        ax.legend(loc="best")
    return fig


@contextlib.contextmanager
def _figure(width: float, height: float) -> Iterator[tuple[Figure, Axes]]:
    """Create a figure in the course style and close it when the block ends (even on error)."""
    with course_style():
        fig, ax = plt.subplots(figsize=(width, height), layout="constrained")
        try:
            yield fig, ax
        finally:
            plt.close(fig)  # the caller gets the figure; pyplot forgets it, so Jupyter shows it once


def _check_flags_and_texts(**arguments: object) -> None:
    """``log`` must be True or False; every other argument given (a title, a label) a str."""
    for name, value in arguments.items():
        if name == "log":
            check_bool(name, value)
        else:
            check_str(name, value)


def _reference_line(label: object, fn: Callable, xs: list[float]) -> list[float]:
    """``fn(x)`` for each x, checked: a function of one argument N returning finite numbers."""
    name = f"reference[{label!r}]"
    try:
        inspect.signature(fn).bind(xs[0])
    except TypeError:
        raise TypeError(f"{name} must be a function of one argument N (e.g. lambda n: n * 0.1)") from None
    except ValueError:  # no signature to inspect (some built-ins): just call it
        pass
    ys = [fn(x) for x in xs]
    for x, y in zip(xs, ys, strict=True):
        if isinstance(y, bool) or not isinstance(y, numbers.Real):
            raise TypeError(f"{name}(N) must return a finite number of seconds, got {got(y)} for N = {x:g}")
        if not math.isfinite(y):
            raise ValueError(f"{name}(N) must return a finite number of seconds, got {got(y)} for N = {x:g}")
    return ys


def _seconds(
    value: object, name: str, *, positive: bool = False, why: str = " (a log axis has no 0)"
) -> float:
    """``value`` (a number of seconds or a Timing) as float seconds, checked: > 0 if ``positive``."""
    seconds = value.median if isinstance(value, Timing) else value
    if isinstance(seconds, bool) or not isinstance(seconds, int | float):
        raise TypeError(f"{name} must be a number of seconds or a Timing, got {type(value).__name__}")
    if not math.isfinite(seconds) or seconds < 0 or (positive and seconds == 0):
        bound = f"> 0{why}" if positive else ">= 0"
        raise ValueError(f"{name} must be a finite number of seconds {bound}, got {seconds!r}")
    return float(seconds)


def _times(ratio: float) -> str:
    """``104.2 -> "104×"``, ``12.34 -> "12.3×"``, ``1.2 -> "1.2×"``."""
    return f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:.3g}×"


def _plain_number(value: float, _pos: object = None) -> str:
    """Tick labels like 0.1, 1, 10, 1,000 instead of 10⁻¹, 10⁰, 10¹, 10³."""
    return f"{value:,.0f}" if value >= 1 else f"{value:g}"


def _seconds_axis(axis, largest: float, label: str) -> str:
    """Tick a linear axis of seconds in s, ms or µs, whichever reads best; return the label to use.

    The label's ``(s)`` becomes ``(ms)`` or ``(µs)`` to match: 0.00005 reads as 50 (µs).
    """
    unit, scale = ("s", 1.0) if largest >= 1 else ("ms", 1e-3) if largest >= 1e-3 else ("µs", 1e-6)
    if unit != "s":
        axis.set_major_formatter(FuncFormatter(lambda value, _pos: f"{value / scale:g}"))
    return label.replace("(s)", f"({unit})")


def _annotate(ax: Axes, x: float, y: float, text: str) -> Text:
    return ax.annotate(text, (x, y), xytext=(6, 0), textcoords="offset points", va="center", ha="left")


def _make_room_on_the_right(fig: Figure, ax: Axes, labels: list[tuple[Text, float]]) -> None:
    """Widen the x axis so that every annotation ends inside the axes."""
    fig.draw_without_rendering()  # lays the figure out, so that sizes in pixels are final
    box = ax.get_window_extent()
    scale = ax.xaxis.get_transform()  # identity, or log10 on a log axis
    left = scale.transform([ax.get_xlim()[0]])[0]
    right = scale.transform([ax.get_xlim()[1]])[0]
    for text, x in labels:
        room = box.width - (text.get_window_extent().x1 - ax.transData.transform((x, 0))[0]) - 4
        x_scaled = scale.transform([x])[0]
        if room > 0:  # the axis must reach far enough that x sits at `room` pixels from its left
            right = max(right, left + (x_scaled - left) * box.width / room)
    ax.set_xlim(ax.get_xlim()[0], scale.inverted().transform([right])[0])
