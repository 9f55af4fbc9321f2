"""Tests for helpers.plots: what each figure shows, that it is closed, and its errors."""

import matplotlib

matplotlib.use("Agg")  # draw off-screen

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from helpers.plots import course_style, plot_comparison, plot_scaling, plot_timeline  # noqa: E402
from helpers.seed import SEED_2018  # noqa: E402
from helpers.spans import Span, SpanRecorder  # noqa: E402
from helpers.timing import Timing  # noqa: E402

RESULTS = {
    "for-loop": Timing("for-loop", (10.2, 10.4, 10.5)),
    "threads + queue": 0.21,
    "thread pool": 0.2,
    "aiohttp": 0.12,
}


def _bars(fig: Figure) -> list[Rectangle]:
    return [p for p in fig.axes[0].patches if isinstance(p, Rectangle)]


def _texts(fig: Figure) -> list[str]:
    return [t.get_text() for t in fig.axes[0].texts]


def _legend(fig: Figure) -> list[str]:
    legend = fig.legends[0] if fig.legends else fig.axes[0].get_legend()
    return [t.get_text() for t in legend.get_texts()]


def _screen_y(fig: Figure, bar: Rectangle) -> float:
    """Height of a bar's centre on the screen (larger is higher)."""
    return fig.axes[0].transData.transform((0, bar.get_y() + bar.get_height() / 2))[1]


def _assert_returned_closed(fig: object) -> None:
    assert isinstance(fig, Figure)
    assert fig.number not in plt.get_fignums()


def test_course_style_is_scoped_to_its_block():
    before = (matplotlib.rcParams["font.size"], matplotlib.rcParams["axes.spines.top"])
    with course_style():
        assert matplotlib.rcParams["font.size"] == 13
        assert matplotlib.rcParams["axes.spines.top"] is False
    assert (matplotlib.rcParams["font.size"], matplotlib.rcParams["axes.spines.top"]) == before


def test_comparison_bars_annotations_and_order():
    fig = plot_comparison(RESULTS, limit=0.1)
    _assert_returned_closed(fig)
    ax = fig.axes[0]
    bars = _bars(fig)
    assert [b.get_width() for b in bars] == [10.4, 0.21, 0.2, 0.12]  # a Timing counts as its median
    heights = [_screen_y(fig, b) for b in bars]
    assert heights == sorted(heights, reverse=True)  # first entry on top
    assert [t.get_text() for t in ax.get_yticklabels()] == list(RESULTS)
    assert _texts(fig) == [
        "10.4 s  (104× limit)",
        "210 ms  (2.1× limit)",
        "200 ms  (2× limit)",
        "120 ms  (1.2× limit)",
    ]
    assert _legend(fig) == ["one round trip = 100 ms"]
    assert "(s)" in ax.get_xlabel()
    assert ax.get_xscale() == "linear"
    assert fig.dpi == 110 and ax.title.get_text() == ""


def test_comparison_timing_gets_a_min_max_error_bar():
    fig = plot_comparison(RESULTS)
    (container,) = [c for c in fig.axes[0].containers if isinstance(c, ErrorbarContainer)]
    (segment,) = container.lines[2][0].get_segments()
    assert [point[0] for point in segment] == pytest.approx([10.2, 10.5])
    assert _texts(fig)[0] == "10.4 s"  # no limit, no ratio


def test_comparison_with_seed():
    fig = plot_comparison(RESULTS, limit=0.1, seed={**SEED_2018, "curl": 3.0}, title="100 GETs")
    bars = _bars(fig)
    assert len(bars) == 4 + 3  # "thread pool" has no seed value; "curl" is not in results
    seed_bars = [b for b in bars if b.get_hatch()]
    assert sorted(b.get_width() for b in seed_bars) == [0.64, 1.25, 40.84]
    assert {"40.8 s", "1.25 s", "640 ms"} <= set(_texts(fig))
    assert _legend(fig) == ["this machine, measured", "seed, 2018 (httpbin.org)", "one round trip = 100 ms"]
    assert fig.axes[0].get_title() == "100 GETs"


# The largest value is a Timing's max, beyond its median (its label sits after the error bar).
WIDE_ERROR = {
    "get": Timing("get", (0.0957, 0.0967, 0.108)),
    "session": Timing("session", (0.067, 0.068, 0.07)),
}


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize(
    ("results", "kwargs"), [(RESULTS, {"limit": 0.1, "seed": SEED_2018}), (WIDE_ERROR, {})]
)
def test_comparison_annotations_stay_inside_the_axes(log, results, kwargs):
    fig = plot_comparison(results, log=log, **kwargs)
    fig.draw_without_rendering()
    ax = fig.axes[0]
    assert ax.get_xscale() == ("log" if log else "linear")
    assert len(ax.texts) >= len(results)
    right_edge = ax.get_window_extent().x1
    assert all(t.get_window_extent().x1 <= right_edge + 1 for t in ax.texts)
    largest = max(r.max if isinstance(r, Timing) else r for r in results.values())
    assert ax.get_xlim()[1] > largest  # error bars are inside too


@pytest.mark.parametrize(
    ("results", "kwargs", "error", "message"),
    [
        ({}, {}, ValueError, "results must be a non-empty mapping"),
        ({"a": 0.0}, {"log": True}, ValueError, r"results\['a'\] must be a finite number of seconds > 0"),
        ({"a": -1.0}, {}, ValueError, r"results\['a'\] must be a finite number of seconds >= 0"),
        ({"a": "fast"}, {}, TypeError, r"results\['a'\] must be a number of seconds or a Timing"),
        ({"a": 1.0}, {"limit": 0}, ValueError, "limit must be a finite number of seconds > 0"),
        ({"a": 1.0}, {"seed": [1.0]}, TypeError, "seed must be a mapping"),
    ],
)
def test_comparison_rejects_bad_input(results, kwargs, error, message):
    with pytest.raises(error, match=message):
        plot_comparison(results, **kwargs)


def test_timeline_rows_bars_and_limit():
    rec = SpanRecorder()
    o = rec.origin
    rec.record("GET", o + 1.0, o + 1.5, lane="A")
    rec.record("GET", o + 1.2, o + 1.4, lane="B")
    rec.record("GET", o + 1.5, o + 2.0, lane="A")
    fig = plot_timeline(rec, limit=0.1, title="two lanes")
    _assert_returned_closed(fig)
    ax = fig.axes[0]
    rows = ax.collections
    assert len(rows) == 2 and [len(r.get_paths()) for r in rows] == [2, 1]  # one bar per span
    starts = sorted(min(p.vertices[:, 0]) for r in rows for p in r.get_paths())
    assert starts == pytest.approx([0.0, 0.2, 0.5])  # seconds since the first start
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "B"]
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # first lane on top
    assert _legend(fig) == ["one round trip = 100 ms"]
    assert ax.get_title() == "two lanes"
    assert "(s)" in ax.get_xlabel()


def test_timeline_many_lanes_are_capped_and_thinned():
    spans = [Span("GET", f"Task-{i}", i * 0.001, 0.1 + i * 0.001) for i in range(100)]
    fig = plot_timeline(spans, max_lanes=40, title="100 tasks")
    ax = fig.axes[0]
    assert len(ax.collections) == 40
    assert ax.get_title() == "100 tasks\n(+60 more lanes not shown)"
    assert len(ax.get_yticklabels()) == 20
    assert fig.get_figheight() <= 9
    assert ax.get_xlim()[1] == pytest.approx((0.1 + 0.039) * 1.02)  # ends with the lanes shown

    all_lanes = plot_timeline(spans, max_lanes=100)
    assert len(all_lanes.axes[0].collections) == 100 and all_lanes.axes[0].get_title() == ""
    assert len(all_lanes.axes[0].get_yticklabels()) == 20


def test_timeline_rejects_bad_input():
    with pytest.raises(
        ValueError, match=r"no spans to plot; record some with SpanRecorder.span\(...\) first"
    ):
        plot_timeline(SpanRecorder())
    with pytest.raises(ValueError, match="no spans to plot"):
        plot_timeline([])
    with pytest.raises(TypeError, match="spans must be a SpanRecorder or a sequence of Span"):
        plot_timeline([(0.0, 1.0)])
    with pytest.raises(ValueError, match="max_lanes must be an int >= 1, got 0"):
        plot_timeline([Span("GET", "A", 0.0, 1.0)], max_lanes=0)


def test_scaling_lines_and_reference():
    series = {
        "for-loop": {100: 10.4, 1: 0.104, 10: 1.04},
        "aiohttp": {1: 0.1, 1000: Timing("aiohttp", (0.3, 0.31, 0.35))},
    }
    fig = plot_scaling(series, reference={"N × latency": lambda n: n * 0.1})
    _assert_returned_closed(fig)
    ax = fig.axes[0]
    loop, aio, ref = ax.get_lines()
    assert list(loop.get_xdata()) == [1, 10, 100]  # sorted by N
    assert list(loop.get_ydata()) == [0.104, 1.04, 10.4]
    assert list(aio.get_ydata()) == [0.1, 0.31]  # a Timing counts as its median
    assert ref.get_xdata()[0] == pytest.approx(1) and ref.get_xdata()[-1] == pytest.approx(1000)
    assert ref.get_ydata()[-1] == pytest.approx(100)
    assert ref.get_linestyle() == "--"
    assert _legend(fig) == ["for-loop", "aiohttp", "N × latency"]
    assert (ax.get_xscale(), ax.get_yscale()) == ("log", "log")
    assert "(s)" in ax.get_ylabel() and "N" in ax.get_xlabel()


def test_scaling_linear_accepts_zero():
    fig = plot_scaling(
        {"one GET": {0: 0.0012, 100: 0.101, 25: 0.026}},
        reference={"latency": lambda ms: ms / 1000},
        log=False,
        xlabel="lab server latency (ms)",
    )
    ax = fig.axes[0]
    assert (ax.get_xscale(), ax.get_yscale()) == ("linear", "linear")
    measured, ref = ax.get_lines()
    assert list(measured.get_xdata()) == [0, 25, 100]
    assert ref.get_xdata()[0] == 0 and ref.get_ydata()[-1] == pytest.approx(0.1)
    assert ax.get_xlim()[0] == 0 and ax.get_ylim()[0] == 0
    with pytest.raises(ValueError, match=r"the N values of series\['a'\] must be numbers >= 0, got -1"):
        plot_scaling({"a": {-1: 1.0}}, log=False)


@pytest.mark.parametrize(
    ("series", "error", "message"),
    [
        ({}, ValueError, "series must be a non-empty mapping"),
        ({"a": {}}, ValueError, r"series\['a'\] must be a non-empty mapping"),
        (
            {"a": {0: 1.0}},
            ValueError,
            r"the N values of series\['a'\] must be numbers > 0 \(log axes\), got 0",
        ),
        ({"a": {"10": 1.0}}, TypeError, r"the N values of series\['a'\] must be numbers > 0"),
        ({"a": {1: 0.0}}, ValueError, r"series\['a'\]\[1\] must be a finite number of seconds > 0"),
    ],
)
def test_scaling_rejects_bad_input(series, error, message):
    with pytest.raises(error, match=message):
        plot_scaling(series)


@pytest.mark.parametrize(
    ("value", "unit", "tick"), [(5.0, "(s)", None), (0.068, "(ms)", "20"), (0.000188, "(µs)", "100")]
)
def test_comparison_ticks_small_times_in_ms_or_us(value, unit, tick):
    fig = plot_comparison({"a": value, "b": value / 2}, xlabel="time per unit (s)")
    ax = fig.axes[0]
    assert ax.get_xlabel() == f"time per unit {unit}"
    fig.draw_without_rendering()
    labels = [t.get_text() for t in ax.get_xticklabels()]
    if tick is not None:
        assert tick in labels and not any("e-" in label or "0.000" in label for label in labels)
