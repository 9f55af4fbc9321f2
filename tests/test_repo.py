"""House rules: clean notebooks, their anatomy, fresh navigation, lint, environments in step."""

from __future__ import annotations

import re
import subprocess
import sys

import nbformat
import pytest

from helpers.tooling import nav
from tests.notebook_run import NOTEBOOKS, ROOT

PATHS = nav.notebooks(NOTEBOOKS)
IDS = [p.stem for p in PATHS]


def _body(nb):
    return [c for c in nb.cells if not {"nav", "toc"} & set(c.metadata.get("tags", []))]


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_is_committed_clean(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert not cell.outputs, f"cell {i} has outputs: clear them before committing"
            assert cell.execution_count is None, f"cell {i} has an execution count"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_notebook_anatomy(path):
    nb = nbformat.read(path, as_version=4)
    body = _body(nb)
    first = body[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), "title cell first"
    assert nav.read_entry(path).promise, "a one-line promise under the title"
    for i, cell in enumerate(nb.cells):
        assert "slide_type" in cell.metadata.get("slideshow", {}), f"cell {i} has no slideshow.slide_type"
    assert first.metadata["slideshow"]["slide_type"] == "slide"
    markdown = "\n".join(c.source for c in body if c.cell_type == "markdown")
    assert re.search(r"you will learn", markdown, re.I), "a 'You will learn' list"
    assert re.search(r"^#+ .*recap", markdown, re.I | re.M), "a Recap section"
    assert re.search(r"^#+ .*exercise", markdown, re.I | re.M), "an Exercises section"
    setup = [c for c in body if "setup" in c.metadata.get("tags", [])]
    assert setup and setup[0].cell_type == "code", "a code cell tagged 'setup'"
    assert setup[0].metadata["slideshow"]["slide_type"] == "skip", "the setup cell is skipped in slides"
    for cell in body:
        if cell.cell_type == "markdown" and cell.source.startswith("## "):
            kind = cell.metadata["slideshow"]["slide_type"]
            assert kind in ("slide", "subslide"), f"section {cell.source.splitlines()[0]!r} is not a slide"
    code = "\n".join(c.source for c in body if c.cell_type == "code")
    assert re.search(r"\bplot_\w+\(", code), "the notebook plots what it measures"


@pytest.mark.parametrize("path", PATHS, ids=IDS)
def test_code_cells_fit_on_a_slide(path):
    for i, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type == "code":
            lines = cell.source.splitlines()
            assert len(lines) <= 20, f"cell {i} has {len(lines)} lines; split it (<= 20 fit a slide)"


def test_navigation_is_fresh():
    stale = nav.run(check=True)
    assert not stale, f"stale navigation in {[p.name for p in stale]}: run `make nav`"


def test_ruff_lints_the_entry_point_helpers_tests_and_notebooks():
    for args in (["check"], ["format", "--check"]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args, "course.py", "helpers", "tests", "notebooks"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stdout + result.stderr


def _pins(lines, sep):
    pins = {}
    for line in lines:
        line = line.split("#")[0].split(";")[0].strip().lstrip("- ").strip()  # ";": a pip marker
        if sep in line and not line.startswith(("python", "pip")):
            name, version = line.split(sep, 1)
            pins[name.strip().lower().replace("_", "-")] = version.strip().lstrip("=")  # conda's pip: "=="
    return pins


def test_requirements_and_environment_agree():
    req = _pins((ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines(), "==")
    env_text = (ROOT / "environment.yml").read_text(encoding="utf-8")
    env = _pins(env_text.splitlines(), "=")
    env["matplotlib"] = env.pop("matplotlib-base")
    assert req == env
    assert "- -e ." in env_text, "environment.yml installs the helpers package itself"


def test_helpers_import_has_no_side_effects():
    code = "import sys, helpers; print('matplotlib' in sys.modules, 'aiohttp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.split() == ["False", "False"]
    assert out.stderr == ""


def test_readme_links_point_at_files_that_exist():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(([^)\s#]+)", text)
    local = [t for t in targets if not t.startswith(("http://", "https://", "mailto:"))]
    assert local, "the README links the notebooks"
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README links to missing files: {missing}"
    listed = {p.name for p in PATHS}
    assert listed <= {t.rsplit("/", 1)[-1] for t in local}, "the README's course table lists every notebook"
    assert "README.ko.md" in local, "the README links the Korean one"


def test_korean_readme_links_point_at_files_that_exist():
    text = (ROOT / "README.ko.md").read_text(encoding="utf-8")
    local = [t for t in re.findall(r"\]\(([^)\s#]+)", text) if not t.startswith(("http://", "https://"))]
    missing = [t for t in local if not (ROOT / t).exists()]
    assert not missing, f"README.ko.md links to missing files: {missing}"
    assert "README.md" in local, "the Korean README links the English one"
    assert {f"notebooks/ko/{p.name}" for p in PATHS} <= set(local), (
        "its course map lists every Korean notebook"
    )
