"""helpers.tooling.slides without a browser: offline templates, vendored reveal.js, notebook preparation.

The decks and pages themselves are opened in Chromium by tests/test_browser.py.
"""

from __future__ import annotations

import hashlib
import html
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from helpers.tooling import nav, slides
from tests.notebook_run import NOTEBOOKS, ROOT

# A 1x1 PNG: enough for an image output.
PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="


def _cell(kind, source, slide_type, **extra):
    make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = make(source, metadata={"slideshow": {"slide_type": slide_type}, **extra.pop("metadata", {})})
    for key, value in extra.items():
        cell[key] = value
    return cell


def _progress_widget_nb():
    """An executed-looking notebook: title, skipped setup, a section with a plot, notes, a tqdm bar."""
    state = {
        "box": {
            "model_name": "HBoxModel",
            "state": {"children": ["IPY_MODEL_left", "IPY_MODEL_bar", "IPY_MODEL_right"]},
        },
        "left": {"model_name": "HTMLModel", "state": {"value": "loop:\u2007100%"}},
        "bar": {"model_name": "FloatProgressModel", "state": {"value": 100.0, "max": 100.0}},
        "right": {"model_name": "HTMLModel", "state": {"value": "100/100 [00:01&lt;00:00]"}},
    }
    widget = nbformat.v4.new_output(
        "display_data",
        data={
            "application/vnd.jupyter.widget-view+json": {"model_id": "box", "version_major": 2},
            "text/plain": "loop:   0%|          | 0/100",
        },
    )
    plot = nbformat.v4.new_output("execute_result", data={"image/png": PNG, "text/plain": "<Figure>"})
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": state}}
    nb.cells = [
        _cell("markdown", "[Next](01_for_loop.ipynb) | [Contents](00_home.ipynb#Contents)", "skip"),
        _cell("markdown", "# 99 · Test deck\n*A promise.*", "slide"),
        _cell("code", "SETUP_ONLY = 1", "skip", metadata={"tags": ["setup"]}),
        _cell("markdown", "## A section\nSee [the for-loop](01_for_loop.ipynb).", "slide"),
        _cell("code", "plot()", "-", outputs=[plot], execution_count=1),
        _cell("markdown", "Say this aloud.", "notes"),
        _cell("markdown", "### A subslide", "subslide"),
        _cell("code", "for i in tqdm(range(100)): ...", "-", outputs=[widget], execution_count=2),
        _cell("markdown", "## Recap", "slide"),
    ]
    return nb


class _Links(HTMLParser):
    """Every URL a page would load by itself: script/img/iframe src, stylesheet href, CSS url()/@import."""

    def __init__(self):
        super().__init__()
        self.loads: list[str] = []
        self._in_style = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "img", "iframe", "source", "video", "audio", "embed") and attrs.get("src"):
            self.loads.append(attrs["src"])
        if tag == "link" and attrs.get("href"):
            self.loads.append(attrs["href"])
        self._in_style = tag == "style"

    def handle_endtag(self, tag):
        self._in_style = False

    def handle_data(self, data):
        if self._in_style:
            self.loads += re.findall(r"""url\(\s*['"]?([^'")]+)""", data)
            self.loads += re.findall(r"""@import\s+['"]([^'"]+)""", data)


def _loads(page: str) -> list[str]:
    parser = _Links()
    parser.feed(page)
    return parser.loads


@pytest.mark.parametrize("kind", ["slides", "html"])
def test_rendered_files_load_nothing_from_the_network(kind):
    page = slides.render(_progress_widget_nb(), kind, names=["00_home.ipynb", "01_for_loop.ipynb"])
    loads = _loads(page)
    remote = [url for url in loads if not url.startswith(("data:", "reveal.js/", "#"))]
    assert not remote, f"{kind}: loads {remote}"
    assert "require.js" not in page and "mathjax" not in page.lower() and "unpkg" not in page
    if kind == "slides":
        assert "reveal.js/dist/reveal.js" in loads and "reveal.js/plugin/notes/notes.js" in loads
        assert "reveal.js/dist/theme/white.css" in loads


def test_deck_structure_follows_the_slide_metadata():
    page = slides.render(_progress_widget_nb(), "slides", names=["01_for_loop.ipynb"])
    assert "SETUP_ONLY" not in page, "skipped cells stay out of the deck"
    assert "[Next]" not in page, "navigation cells stay out of the deck"
    assert page.count('<aside class="notes">') == 1 and "Say this aloud." in page
    # title slide + "A section" (with its subslide) + "Recap": 4 leaf sections in 3 stacks
    assert page.count("<section") == 2 * 3 + 1
    assert 'href="01_for_loop.slides.html"' in page
    assert "data:image/png;base64," in page
    assert "In&nbsp;[" not in page, "no In [n]: prompts on slides"
    assert f"width: {slides.WIDTH}" in page and f"height: {slides.HEIGHT}" in page


def test_html_page_keeps_everything_and_links_pages():
    page = slides.render(_progress_widget_nb(), "html", names=["00_home.ipynb", "01_for_loop.ipynb"])
    assert "SETUP_ONLY" in page and "Say this aloud." in page
    assert 'href="01_for_loop.html"' in page and 'href="00_home.html#Contents"' in page
    assert "<script" not in page, "the reading edition needs no script at all"


def test_prepare_turns_progress_widgets_into_static_bars():
    nb = slides.prepare(_progress_widget_nb(), link_suffix=".html", names=["01_for_loop.ipynb"])
    assert "widgets" not in nb.metadata
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    bar = next(o.data["text/html"] for o in outputs if "text/html" in o.get("data", {}))
    assert '<progress max="100.0" value="100.0">' in bar and "loop:\u2007100%" in bar and "00:01&lt;" in bar


def test_prepare_keeps_the_text_of_unknown_widgets():
    nb = _progress_widget_nb()
    nb.metadata.pop("widgets")
    out = slides.prepare(nb, link_suffix=".html")
    widget_output = out.cells[7].outputs[0]
    assert list(widget_output.data) == ["text/plain"]


def test_slides_squeeze_blank_lines_in_code():
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("code", "import a\n\n\ndef f():\n    pass\n\n\n\nf()", "slide")]
    assert slides.prepare(nb, link_suffix=".html", compact=True).cells[0].source == (
        "import a\n\ndef f():\n    pass\n\nf()"
    )
    assert slides.prepare(nb, link_suffix=".html").cells[0].source == nb.cells[0].source


def test_relink_only_touches_course_notebooks():
    source = "[a](01_for_loop.ipynb) [b](01_for_loop.ipynb#Recap) [c](other.ipynb) [d](x/01_for_loop.ipynb)"
    assert slides._relink(source, ["01_for_loop.ipynb"], ".html") == (
        "[a](01_for_loop.html) [b](01_for_loop.html#Recap) [c](other.ipynb) [d](x/01_for_loop.ipynb)"
    )


def test_execution_is_cached_until_the_notebook_changes(tmp_path):
    path = tmp_path / "99_tiny.ipynb"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [_cell("code", "import os\nos.getcwd()", "slide")]
    nbformat.write(nb, path)
    cache = tmp_path / "cache"
    results = slides.execute_all([path], cache=cache)
    assert results[path].note.startswith("executed in"), results[path].note
    assert results[path].nb.cells[0].outputs[0].data["text/plain"] == repr(str(tmp_path)), "cwd: its folder"
    assert slides.execute_all([path], cache=cache)[path].note == "cached"
    nb.cells[0].source = "1 / 0"
    nbformat.write(nb, path)
    failed = slides.execute_all([path], cache=cache)[path]
    assert failed.nb is None and "ZeroDivisionError" in failed.note


def test_vendored_reveal_is_complete_and_unchanged():
    sums = (slides.REVEAL / "SHA256SUMS").read_text().splitlines()
    expected = dict(reversed(line.split("  ", 1)) for line in sums)
    assert set(expected) == set(slides.REVEAL_FILES)
    for name in slides.REVEAL_FILES:
        digest = hashlib.sha256((slides.REVEAL / name).read_bytes()).hexdigest()
        assert digest == expected[name], f"{name} differs from reveal.js {slides.REVEAL_VERSION}"
    # (the npm package 4.6.1 ships a dist/ whose banner and Reveal.VERSION still read 4.6.0)
    assert (slides.REVEAL / "dist/reveal.js").read_text().startswith("/*!\n* reveal.js 4.")


def test_vendored_theme_loads_only_vendored_files():
    """The theme's @import and its fonts' url()s all resolve inside the vendored folder."""
    theme = slides.REVEAL / "dist/theme/white.css"
    fonts_css = slides.REVEAL / slides._FONTS / "source-sans-pro.css"
    imports = re.findall(r"@import url\(([^)]+)\)", theme.read_text())
    assert [(theme.parent / url).resolve() for url in imports] == [fonts_css.resolve()]
    woff = re.findall(r"url\('([^']+\.woff)'\)", fonts_css.read_text())
    assert woff and all((fonts_css.parent / url).exists() for url in woff)


def test_the_static_files_ship_with_the_package():
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert re.search(
        r'\[tool\.setuptools\.package-data\]\s*\n(#.*\n)*helpers = \["static/\*\*/\*"[],]', pyproject
    )


def test_no_notebook_needs_mathjax():
    """The decks and pages ship no MathJax (it would load from a CDN): no TeX math in the notebooks."""
    math = re.compile(r"\$\$|\\\(|\\\[|(?<![\w$\\])\$[^$\s][^$\n]*?(?<!\s)\$(?![\w$])")
    for path in nav.notebooks(NOTEBOOKS):
        for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
            if cell.cell_type == "markdown":
                found = math.search(cell.source)
                assert not found, (
                    f"{path.name} cell {i} uses TeX math ({found.group()!r}): vendor MathJax in "
                    "helpers/static and load it in helpers/tooling/slides.py, or write it without math"
                )


def test_index_lists_the_notebooks_in_order(tmp_path):
    paths = nav.notebooks(NOTEBOOKS)
    pages = []
    for path in paths:
        pages.append(tmp_path / f"{path.stem}.html")
        pages[-1].write_text("<html></html>")
    index = slides.write_index(pages, tmp_path / "index.html").read_text()
    hrefs = re.findall(r'<li><b>\d\d</b> <a href="([^"]+)"', index)
    assert hrefs == [p.name for p in pages]
    for path in paths:
        promise = nav.read_entry(path).promise
        assert html.escape(promise) in index
    assert '<html lang="en">' in index and '<a href="ko/index.html" lang="ko">한국어판</a>' in index
    korean = slides.write_index(pages, tmp_path / "ko-index.html", language="ko").read_text()
    assert re.findall(r'<li><b>\d\d</b> <a href="([^"]+)"', korean) == hrefs
    assert '<html lang="ko">' in korean and '<a href="../index.html" lang="en">English edition</a>' in korean
    for path in nav.notebooks(NOTEBOOKS / "ko"):
        assert html.escape(nav.read_entry(path).title.split(" · ", 1)[-1]) in korean


def test_make_has_slides_and_html_targets(monkeypatch):
    makefile = (ROOT / "Makefile").read_text()
    for target in ("slides", "html"):
        assert re.search(rf"^{target}:\n\t@\$\(COURSE\) {target} \$\(SLIDES_ARGS\)$", makefile, re.M), target
    # ... and course.py runs helpers.tooling.slides for them, with what follows on its command line
    import course

    ran = []
    monkeypatch.setattr(course, "setup", lambda venv: Path("py"))
    monkeypatch.setattr(course, "run", lambda argv, final=False: ran.append([str(a) for a in argv]) or 0)
    for target in ("slides", "html"):
        assert course.main([target, "--jobs", "2"]) == 0
    assert ran == [
        ["py", "-m", "helpers.tooling.slides", target, "--jobs", "2"] for target in ("slides", "html")
    ]


def test_command_line_help():
    result = subprocess.run(
        [sys.executable, "-m", "helpers.tooling.slides", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "slides" in result.stdout and "html" in result.stdout and "--jobs" in result.stdout
