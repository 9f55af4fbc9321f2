"""Hangul in figures: a font found offline, used in Korean, and a clear fallback without one."""

from __future__ import annotations

import warnings

import matplotlib
import pytest
from matplotlib.ft2font import FT2Font

from helpers import fonts, i18n, plots
from helpers.setup import check_setup


@pytest.fixture(autouse=True)
def english_and_default_fonts():
    family = matplotlib.rcParams["font.family"]
    yield
    i18n.set_language("en")
    matplotlib.rcParams["font.family"] = family


def _texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(matplotlib.text.Text))


def test_an_installed_font_has_hangul():
    """CI installs Debian's fonts-nanum; a laptop has its own (macOS, Windows) or is told what to install."""
    name = fonts.hangul_font()
    assert name, "no font with Hangul: install fonts-nanum (Debian/Ubuntu)"
    path = matplotlib.font_manager.findfont(name, fallback_to_default=False)
    assert 0xAC00 in FT2Font(path).get_charmap()  # 가
    assert fonts.style() == {"font.family": [name, "DejaVu Sans"], "axes.unicode_minus": False}


def test_korean_figures_draw_hangul_without_a_missing_glyph(capsys):
    check_setup(language="ko")
    fig = plots.plot_comparison(
        {"스레드 (µs 단위)": 0.001, "aiohttp": 0.0005}, limit=0.0004, title="한글 제목"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Glyph ... missing from font(s)" would be a UserWarning
        fig.canvas.draw()  # tick labels are made now, after the figure was built
    shown = _texts(fig)
    assert "모든 요청에 걸린 시간" in shown and "왕복 한 번" in shown  # the plot's own labels, in Korean
    assert "준비 완료" in capsys.readouterr().out
    i18n.set_language("en")
    assert "time for all requests" in _texts(plots.plot_comparison({"a": 1.0}, limit=0.5))


def test_without_a_hangul_font_the_reader_is_told_once_and_labels_stay_english(monkeypatch, capsys):
    monkeypatch.setattr(fonts, "hangul_font", lambda: None)
    monkeypatch.setattr(fonts, "_warned", {"missing": False})
    with warnings.catch_warnings():  # the message silences the glyph warnings globally: keep it here
        check_setup(language="ko")
        said = capsys.readouterr().out
        assert "한글 글꼴이 설치되어 있지 않습니다" in said and "fonts-nanum" in said
        assert fonts.style() == {}
        fig = plots.plot_comparison({"a": 1.0}, limit=0.5)
        assert "time for all requests (s)" in _texts(fig)  # English rather than boxes
        assert fonts.missing_message() is None  # once
        fig.canvas.draw()
    i18n.set_language("en")
    monkeypatch.setattr(fonts, "_warned", {"missing": False})
    assert fonts.missing_message().startswith("No font with Hangul is installed")
