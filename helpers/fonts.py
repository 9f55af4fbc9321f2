"""A font with Hangul for the Korean notebooks' figures, found offline among the installed fonts.

matplotlib's default font (DejaVu Sans) has no Hangul: Korean text would show as boxes.
:func:`hangul_font` finds an installed font that has it: one of :data:`PREFERRED` (Debian's
``fonts-nanum`` or ``fonts-noto-cjk``; macOS's Apple SD Gothic Neo; Windows's Malgun Gothic),
else any font whose character map holds Hangul syllables. :func:`style` gives the rcParams
that use it. When there is none, :func:`missing_message` says what to install, once; the
figures still draw, with the helpers' own labels in English and the glyph warnings silenced.
"""

from __future__ import annotations

import functools
import re
import warnings
from pathlib import Path

__all__ = ["PREFERRED", "hangul_font", "missing_message", "style", "use"]

# Family names, best first: Debian/Ubuntu (fonts-nanum, fonts-noto-cjk), macOS, Windows, others.
PREFERRED = (
    "NanumGothic",
    "NanumBarunGothic",
    "Noto Sans CJK KR",
    "Noto Sans KR",
    "Apple SD Gothic Neo",
    "AppleGothic",
    "Malgun Gothic",
    "Noto Sans CJK JP",
    "Noto Sans CJK SC",
    "UnDotum",
    "Baekmuk Gulim",
)
_FILE_HINT = re.compile(
    r"nanum|notosanscjk|noto.?sans.?kr|applesdgothic|applegothic|malgun|undotum|baekmuk", re.I
)
_GA = 0xAC00  # 가, the first Hangul syllable
_warned = {"missing": False}


def _has_hangul(path: str) -> bool:
    from matplotlib.ft2font import FT2Font

    try:
        return _GA in FT2Font(path).get_charmap()
    except Exception:  # an unreadable font file is no candidate
        return False


@functools.cache
def hangul_font() -> str | None:
    """The family name of an installed font with Hangul (see :data:`PREFERRED`), or None.

    Looks in matplotlib's font list first, then among the system's font files (a font
    installed after matplotlib built its cache), which it adds to matplotlib's list.
    """
    from matplotlib import font_manager

    manager = font_manager.fontManager
    by_name: dict[str, str] = {}
    for entry in manager.ttflist:
        by_name.setdefault(entry.name, entry.fname)
    for name in PREFERRED:
        if name in by_name and _has_hangul(by_name[name]):
            return name
    added = []
    for path in sorted(font_manager.findSystemFonts()):
        if _FILE_HINT.search(Path(path).name) and _has_hangul(path):
            manager.addfont(path)
            added.append(manager.ttflist[-1].name)
    for name in [n for n in PREFERRED if n in added] + added:
        return name
    for name, path in sorted(by_name.items()):
        if _has_hangul(path):
            return name
    return None


def style() -> dict:
    """rcParams for Korean figures: the Hangul font, then DejaVu Sans for what it lacks (µ, →); {} if none."""
    name = hangul_font()
    if name is None:
        return {}
    return {"font.family": [name, "DejaVu Sans"], "axes.unicode_minus": False}


def use() -> str | None:
    """Make matplotlib draw with the Hangul font from now on, in this process (the Korean
    notebooks' setup cell does it, so that a reader's own figures show Hangul too). Returns the
    font's name, or None, and then :func:`missing_message` says what to install."""
    import matplotlib

    matplotlib.rcParams.update(style())
    return hangul_font()


def missing_message() -> str | None:
    """Once per process, when no Hangul font is installed: what to install (and the glyph
    warnings are silenced from then on, as the reader has been told). None otherwise."""
    if hangul_font() is not None or _warned["missing"]:
        return None
    _warned["missing"] = True
    warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from", category=UserWarning)
    from helpers.i18n import _

    return _(
        "No font with Hangul is installed: Korean text in figures shows as boxes, and the figures' own "
        "labels stay in English. Install one, then restart the kernel: Debian/Ubuntu `sudo apt install "
        "fonts-nanum` (or fonts-noto-cjk); Fedora `sudo dnf install google-noto-sans-cjk-fonts`. macOS "
        "and Windows have one already (Apple SD Gothic Neo, Malgun Gothic)."
    )
