"""The navigation generator: links, contents, stable ids, and the staleness check."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from helpers.tooling import nav


def _write(folder, name, title, promise, toc=False):
    cells = [new_markdown_cell(f"# {title}\n*{promise}*"), new_code_cell("x = 1")]
    if toc:
        cells.insert(1, new_markdown_cell("", metadata={"tags": ["toc"]}))
    nbformat.write(new_notebook(cells=cells), folder / name)


@pytest.fixture
def course(tmp_path):
    _write(tmp_path, "00_home.ipynb", "Home", "Where it starts.", toc=True)
    _write(tmp_path, "01_loop.ipynb", "01 · The loop", "One at a time.")
    _write(tmp_path, "02_threads.ipynb", "02 · Threads", "Many at once.")
    (tmp_path / "scratch.ipynb").write_text((tmp_path / "01_loop.ipynb").read_text())  # not a course file
    return tmp_path


def _sources(path):
    return [c.source for c in nbformat.read(path, as_version=4).cells]


def test_generates_links_contents_and_reports_staleness(course):
    assert [p.name for p in nav.notebooks(course)] == ["00_home.ipynb", "01_loop.ipynb", "02_threads.ipynb"]
    assert len(nav.run(course, check=True)) == 3  # nothing generated yet
    assert len(nav.run(course)) == 3
    assert nav.run(course, check=True) == []  # fresh now, and stable

    middle = nbformat.read(course / "01_loop.ipynb", as_version=4)
    top, bottom = middle.cells[0], middle.cells[-1]
    assert top.source == bottom.source
    assert top.source.split(" | ") == [
        "[&larr; Home](00_home.ipynb)",
        "[Contents](00_home.ipynb#Contents)",
        "[02 · Threads &rarr;](02_threads.ipynb)",
    ]
    assert top.id == "nav-top" and bottom.id == "nav-bottom"
    assert top.metadata["slideshow"]["slide_type"] == "skip" and top.metadata["tags"] == ["nav"]

    home = _sources(course / "00_home.ipynb")
    assert home[0] == "[01 · The loop &rarr;](01_loop.ipynb)"
    assert home[2].splitlines()[2:] == [
        "- **00** [Home](00_home.ipynb) — Where it starts.",
        "- **01** [The loop](01_loop.ipynb) — One at a time.",
        "- **02** [Threads](02_threads.ipynb) — Many at once.",
    ]
    assert _sources(course / "02_threads.ipynb")[0].endswith("[Contents](00_home.ipynb#Contents)")


def test_a_new_notebook_makes_the_others_stale(course):
    nav.run(course)
    _write(course, "03_asyncio.ipynb", "03 · asyncio", "One thread, many requests.")
    stale = {p.name for p in nav.run(course, check=True)}
    assert stale == {"00_home.ipynb", "02_threads.ipynb", "03_asyncio.ipynb"}


def test_home_without_a_toc_cell_is_an_error(tmp_path):
    _write(tmp_path, "00_home.ipynb", "Home", "No contents cell.")
    with pytest.raises(ValueError, match="tagged 'toc'"):
        nav.run(tmp_path)


def test_a_notebook_without_a_title_is_an_error(tmp_path):
    nbformat.write(new_notebook(cells=[new_markdown_cell("no heading")]), tmp_path / "00_home.ipynb")
    with pytest.raises(ValueError, match="no '# Title' heading"):
        nav.run(tmp_path)
