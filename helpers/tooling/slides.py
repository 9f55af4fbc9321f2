"""Build the course's reveal.js decks and its reading edition (executed HTML pages), offline.

    python -m helpers.tooling.slides slides [NOTEBOOK ...]  # build/slides/NN_slug.slides.html + reveal.js/
    python -m helpers.tooling.slides html [NOTEBOOK ...]    # build/html/NN_slug.html + index.html
    python -m helpers.tooling.slides vendor                  # maintainers: re-fetch reveal.js (npm)

Both builds start from the **executed** notebook: each ``notebooks/NN_*.ipynb``
is run once in a fresh kernel (cwd ``notebooks/``) and the result is cached
under ``build/cache/``, keyed on the notebook and the helpers it imports, so
``make slides`` after ``make html`` executes nothing twice. ``--fresh``
ignores the cache; ``--jobs 2`` runs two notebooks at once (faster, noisier
timings).

Nothing is loaded from the network: nbconvert's templates load reveal.js,
require.js, jQuery, MathJax and the widget manager from CDNs, so the
templates below drop those and the decks load the reveal.js files vendored
under ``helpers/static/reveal.js/`` (copied next to the decks). Slides come
from each cell's ``slideshow.slide_type``: ``slide``/``subslide`` start one,
``notes`` become speaker notes (press ``s``), ``skip`` cells (setup,
navigation) are left out. Progress-bar widgets (tqdm) become static bars;
links between notebooks point to the matching deck or page.
"""

from __future__ import annotations

import argparse
import base64
import concurrent.futures
import copy
import hashlib
import html
import multiprocessing
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers._validate import (
    check_argv,
    check_bool,
    check_callable,
    check_int,
    check_mapping,
    check_path,
    check_paths,
    check_str,
    check_strings,
    cli_int,
    got,
)
from helpers.tooling.nav import NOTEBOOKS, notebooks, read_entry

ROOT = NOTEBOOKS.parent
BUILD = ROOT / "build"
CACHE = BUILD / "cache"
SLIDES = BUILD / "slides"
HTML = BUILD / "html"
STATIC = Path(__file__).resolve().parent.parent / "static"
HELPERS = Path(__file__).resolve().parent.parent

# reveal.js, vendored: `npm pack reveal.js@REVEAL_VERSION`, only the files the decks load.
REVEAL_VERSION = "4.6.1"
REVEAL_INTEGRITY = (
    "sha512-1CW0auaXNPmwmvQ7TwpszwVxMi2Xr5cTS3J3EBC/HHgbPF32Dn7aiu/LKWDOGjMbaDwKQiGmfqcoGQ74HUHCMw=="
)
REVEAL = STATIC / "reveal.js"
_FONTS = "dist/theme/fonts/source-sans-pro"
REVEAL_FILES = (
    "LICENSE",
    "dist/reveal.js",
    "dist/reveal.css",
    "dist/theme/white.css",
    f"{_FONTS}/LICENSE",
    f"{_FONTS}/source-sans-pro.css",
    # Every current browser takes the woff; the .eot/.ttf the css also names are never fetched.
    *(
        f"{_FONTS}/source-sans-pro-{face}.woff"
        for face in ("regular", "italic", "semibold", "semibolditalic")
    ),
    "plugin/notes/notes.js",  # speaker view (its page is inlined in this file)
)
THEME = "white"
# The slide canvas (reveal.js scales it to the screen): 16:9, the shape of most projectors today.
WIDTH, HEIGHT = 1280, 720

# --------------------------------------------------------------------------------------------
# Templates: nbconvert's own (reveal / lab) minus every CDN load.

_NO_CDN = r"""
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""

_SLIDES_TEMPLATE = (
    r"""{%- extends 'index.html.j2' -%}"""
    + _NO_CDN
    + r"""
{%- block html_head_css -%}
<style type="text/css">
{{ resources.course_css }}
</style>
{%- endblock html_head_css -%}
{% block footer_js %}
<script src="{{ resources.reveal.url_prefix }}/dist/reveal.js"></script>
<script src="{{ resources.reveal.url_prefix }}/plugin/notes/notes.js"></script>
<script>
Reveal.initialize({
  controls: true,
  progress: true,
  history: true,
  hash: true,
  center: false,
  transition: "{{ resources.reveal.transition }}",
  slideNumber: "c/t",
  width: {{ resources.reveal.width }},
  height: {{ resources.reveal.height }},
  margin: 0.04,
  plugins: [RevealNotes],
});
{{ resources.course_js }}
</script>
{% endblock footer_js %}
"""
)

_HTML_TEMPLATE = (
    r"""{%- extends 'index.html.j2' -%}"""
    + _NO_CDN
    + r"""
{%- block html_head_css -%}
<style type="text/css">
{{ resources.course_css }}
</style>
{%- endblock html_head_css -%}
"""
)

SLIDES_CSS = """
/* Course decks: readable from the back of a room (sizes in px of the 1280x720 canvas). */
.reveal .slides { text-align: left; }
.reveal .slides section { height: 100%; overflow-y: auto; scrollbar-width: thin; }
.reveal .slides section.stack { overflow: visible; }
.reveal .slides section :is(h1, h2, h3, h4) { text-transform: none; letter-spacing: 0; margin: 0 0 0.3em; }
.reveal .slides section h1 { font-size: 64px; }
.reveal .slides section h2 { font-size: 46px; }
.reveal .slides section h3 { font-size: 40px; }
.reveal .jp-RenderedHTMLCommon { font-size: 30px; }
.reveal .jp-RenderedHTMLCommon p, .reveal .jp-RenderedHTMLCommon li { line-height: 1.35; }
.reveal .jp-RenderedHTMLCommon table { font-size: 24px; }
.reveal .jp-RenderedHTMLCommon code { font-size: 0.9em; }
/* Code: the longest lines the course allows (110 characters) fit the width at 19px. */
.reveal pre { width: auto; margin: 0.3em 0; box-shadow: none; font-size: 19px; line-height: 1.3;
  white-space: pre-wrap; word-wrap: break-word; }
.reveal .jp-RenderedHTMLCommon pre { background: var(--jp-cell-editor-background); padding: 0.4em 0.6em; }
.reveal .jp-RenderedHTMLCommon pre code { font-size: 19px; }
.reveal .jp-InputArea-editor .highlight pre, .reveal .jp-OutputArea-output pre { font-size: 19px; }
.reveal .jp-Cell { padding: 3px 0; }
/* Figures: as wide as the slide, never wider; course_fit() below shrinks them when a slide overflows. */
.reveal .jp-OutputArea-output img { display: block; max-width: 100%; width: auto; height: auto;
  margin: 0 auto; }
.course-progress { display: flex; gap: 0.6em; align-items: center; font-family: var(--jp-code-font-family);
  font-size: 19px; }
/* A slide that still overflows scrolls (mouse wheel); a cue says so until its end is in view. */
.reveal .slides section.course-scrolls::after { content: "\\25BE  more below (scroll)"; position: sticky;
  bottom: 0; display: block; padding: 24px 0 2px; text-align: center; font-size: 18px; color: #666;
  background: linear-gradient(rgba(255, 255, 255, 0), #fff 60%); pointer-events: none; }
.course-progress progress { flex: 1; max-width: 40%; height: 1em; }
"""

# When a slide is taller than the canvas: shrink its figures first (down to half the height), then
# the whole slide (down to 85 %: smaller is unreadable); what still does not fit scrolls (mouse wheel).
# `python -m helpers.tooling.slides screenshots` names the slides that scroll: split them with a subslide.
FIT_JS = """
function courseFit(slide) {
  if (!slide || slide.classList.contains("stack")) return;
  const cells = Array.from(slide.children), images = slide.querySelectorAll(".jp-OutputArea-output img");
  images.forEach((img) => { if (!img.complete) img.addEventListener("load", () => courseFit(slide)); });
  cells.forEach((cell) => { cell.style.zoom = ""; });
  images.forEach((img) => { img.style.maxHeight = ""; });
  const room = slide.clientHeight;
  let over = slide.scrollHeight - room;
  if (over > 1 && images.length) {
    const share = over / images.length;
    images.forEach((img) => {
      img.style.maxHeight = Math.max(0.5 * room, img.offsetHeight - share) + "px";
    });
    over = slide.scrollHeight - room;
  }
  if (over > 1) {
    const zoom = Math.max(0.85, room / slide.scrollHeight);
    cells.forEach((cell) => { cell.style.zoom = zoom; });
  }
  over = slide.scrollHeight - room;
  slide.dataset.courseOverflow = over > 4 ? over : 0;
  slide.classList.toggle("course-scrolls", over > 4 && slide.scrollTop + room < slide.scrollHeight - 4);
  slide.onscroll = () => courseFit.cue(slide);
}
courseFit.cue = (slide) => {
  const more = slide.scrollTop + slide.clientHeight < slide.scrollHeight - 4;
  slide.classList.toggle("course-scrolls", more && +slide.dataset.courseOverflow > 0);
};
function courseFitCurrent() { courseFit(Reveal.getCurrentSlide()); }
Reveal.on("ready", courseFitCurrent);
Reveal.on("slidechanged", courseFitCurrent);
Reveal.on("resize", courseFitCurrent);
window.addEventListener("load", courseFitCurrent);
"""

HTML_CSS = """
/* Course reading edition: one readable column. */
:root { --jp-content-font-size1: 15px; --jp-code-font-size: 14px; }
body.jp-Notebook main { max-width: 1100px; margin: 0 auto; padding: 1.5em 1em 4em; }
.jp-RenderedHTMLCommon pre { background: var(--jp-cell-editor-background); padding: 0.5em 0.8em; }
.jp-OutputArea-output img { max-width: 100%; height: auto; }
.course-progress { display: flex; gap: 0.6em; align-items: center; font-family: var(--jp-code-font-family); }
.course-progress progress { flex: 1; max-width: 40%; height: 1em; }
"""

INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>{title}</title>
<style>
body {{ font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 46em; margin: 2em auto;
  padding: 0 1em; line-height: 1.5; color: #222; }}
ul {{ list-style: none; padding: 0; }}
li {{ margin: 0.8em 0; }}
li b {{ display: inline-block; width: 2em; color: #555; }}
li a {{ font-size: 1.15em; font-weight: 600; }}
li span {{ display: block; margin-left: 2.4em; color: #555; font-style: italic; }}
</style>
</head>
<body>
<h1>{title}</h1>
{intro}
{other}
<ul>
{items}
</ul>
</body>
</html>
"""


# --------------------------------------------------------------------------------------------
# Execution (cached)


def _helpers_digest() -> str:
    """What the notebooks import from here: a change in any helper (or in a translation of its
    messages) invalidates the cache."""
    digest = hashlib.sha256()
    for path in sorted(HELPERS.glob("*.py")) + sorted(HELPERS.glob("locale/*/LC_MESSAGES/*.po")):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()


def edition(path: Path) -> str:
    """``"ko"`` for a notebook of the Korean edition (``notebooks/ko/``), else ``"en"``."""
    return "ko" if Path(path).parent.name == "ko" else "en"


def editions() -> list[Path]:
    """Every notebook of every edition: the English ones, then the Korean ones."""
    korean = NOTEBOOKS / "ko"
    return notebooks(NOTEBOOKS) + (notebooks(korean) if korean.is_dir() else [])


def _in_edition(folder: Path, path: Path) -> Path:
    """``folder`` for an English notebook, ``folder/ko`` for a Korean one."""
    return folder / "ko" if edition(path) == "ko" else folder


def _cache_key(path: Path) -> str:
    return hashlib.sha256(path.read_bytes() + _helpers_digest().encode()).hexdigest()


def execute(
    path: Path, *, timeout: int = 600, fresh: bool = False, cache: Path = CACHE
) -> nbformat.NotebookNode:
    """The notebook at ``path`` run once, top to bottom, in a fresh kernel (cwd: its folder).

    Cached in ``cache`` until the notebook or a helper changes (``fresh`` runs
    it anyway). Raises ``nbclient.exceptions.CellExecutionError`` when a cell
    not tagged ``raises-exception`` fails.
    """
    path = check_path("path", path)
    _check_run_options(timeout=timeout, fresh=fresh, cache=cache)
    return _execute(path.resolve(), timeout, fresh, Path(cache))[0]


def _execute(path: Path, timeout: int, fresh: bool, cache: Path) -> tuple[nbformat.NotebookNode, str]:
    from nbclient import NotebookClient

    cached = _in_edition(cache, path) / path.name
    if not fresh and cached.exists():
        nb = nbformat.read(cached, as_version=4)
        if nb.metadata.get("course_build", {}).get("key") == _cache_key(path):
            return nb, "cached"
    nb = nbformat.read(path, as_version=4)
    # Kernels must get Jupyter's inline backend (a plot is an image output), not a headless one.
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    cached.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    # The kernel process's own log (not the cells' output) goes to a file beside the cache.
    with open(cached.parent / f"{path.stem}.kernel.log", "w", encoding="utf-8") as kernel_log:
        client.execute(env=env, stderr=kernel_log)
    seconds = time.perf_counter() - start
    store_executed(path, nb, cache)
    return nb, f"executed in {seconds:.1f} s"


def store_executed(path: Path, nb: nbformat.NotebookNode, cache: Path = CACHE) -> None:
    """Keep ``nb``, an execution of the notebook at ``path`` from the top in a fresh kernel, as
    its cached execution (the notebook tests hand theirs over, so decks need no run of their own)."""
    path = check_path("path", path).resolve()
    check_mapping("nb", nb, "a notebook (nbformat.NotebookNode)")
    cache = check_path("cache", cache)
    nb.metadata["course_build"] = {"key": _cache_key(path)}
    cached = _in_edition(cache, path) / path.name
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    nbformat.write(nb, partial)
    partial.replace(cached)  # atomic: a concurrent build never reads half a notebook


def _execute_quietly(path: Path, timeout: int, fresh: bool, cache: Path) -> tuple[bool, str]:
    """Worker: execute into the cache; (True, how) or (False, the error) instead of raising."""
    try:
        return True, _execute(path, timeout, fresh, cache)[1]
    except Exception as exc:  # noqa: BLE001 - reported per notebook; the others still build
        return False, f"{type(exc).__name__}: {exc}"


@dataclass
class Executed:
    """One notebook's execution: the executed notebook (None if it failed) and how it went."""

    nb: nbformat.NotebookNode | None
    note: str


def execute_all(
    paths: Sequence[Path], *, jobs: int = 1, timeout: int = 600, fresh: bool = False, cache: Path = CACHE
) -> dict[Path, Executed]:
    """Execute several notebooks, ``jobs`` at a time (separate processes); never raises for a cell."""
    paths = [p.resolve() for p in check_paths("paths", paths)]
    _check_run_options(jobs=jobs, timeout=timeout, fresh=fresh, cache=cache)
    cache = Path(cache)
    args = [(path, timeout, fresh, cache) for path in paths]
    if jobs > 1 and len(paths) > 1:
        context = multiprocessing.get_context("spawn")  # never fork a process that may hold threads
        with concurrent.futures.ProcessPoolExecutor(min(jobs, len(paths)), mp_context=context) as pool:
            results = list(pool.map(_execute_quietly, *zip(*args, strict=True)))
    else:
        results = [_execute_quietly(*arg) for arg in args]
    executed = {}
    for path, (ok, note) in zip(paths, results, strict=True):
        cached = _in_edition(cache, path) / path.name
        executed[path] = Executed(nbformat.read(cached, as_version=4) if ok else None, note)
    return executed


def _check_run_options(*, timeout: object, fresh: object, cache: object, jobs: object = 1) -> None:
    check_int("jobs", jobs, minimum=1)
    check_int("timeout", timeout, minimum=1)  # seconds per cell
    check_bool("fresh", fresh)
    check_path("cache", cache)


def _check_build_args(paths: object, out: object, *, log: object, **options: object) -> None:
    """Checked before a build touches anything (build_slides first replaces ``out/reveal.js``)."""
    if paths is not None:
        check_paths("paths", paths)
    check_path("out", out)
    _check_run_options(**options)
    check_callable("log", log, "a function of one str (e.g. print)")


# --------------------------------------------------------------------------------------------
# Preparing an executed notebook for the page


def _widget_states(nb) -> dict:
    return (
        nb.metadata.get("widgets", {}).get("application/vnd.jupyter.widget-state+json", {}).get("state", {})
    )


def _static_progress(model_id: str, states: dict) -> str | None:
    """The final state of a tqdm progress bar (HBox of HTML, FloatProgress, HTML) as static HTML."""
    box = states.get(model_id, {})
    children = [
        states.get(child.removeprefix("IPY_MODEL_"), {}) for child in box.get("state", {}).get("children", [])
    ]
    kinds = [child.get("model_name") for child in children]
    if kinds != ["HTMLModel", "FloatProgressModel", "HTMLModel"]:
        return None
    left, bar, right = (child["state"] for child in children)
    return (
        '<div class="course-progress">'
        f"<span>{left.get('value', '')}</span>"
        f'<progress max="{bar.get("max", 100)}" value="{bar.get("value", 0)}"></progress>'
        f"<span>{right.get('value', '')}</span></div>"
    )


def _relink(source: str, names: Iterable[str], suffix: str) -> str:
    """Markdown links to course notebooks (``01_for_loop.ipynb#x``) -> the built files."""
    for name in names:
        stem = name.removesuffix(".ipynb")
        source = re.sub(rf"\]\({re.escape(name)}(?=[)#])", f"]({stem}{suffix}", source)
    return source


def prepare(
    nb, *, link_suffix: str, names: Iterable[str] = (), compact: bool = False
) -> nbformat.NotebookNode:
    """A copy of an executed notebook ready to render statically.

    Widget outputs become their final static form (tqdm bars) or their text;
    the widget state goes (nothing could render it offline); links to the
    notebooks in ``names`` get ``link_suffix`` instead of ``.ipynb``.
    ``compact``: runs of blank lines in code become one (slides are short of height).
    """
    check_mapping("nb", nb, "a notebook (nbformat.NotebookNode)")
    check_str("link_suffix", link_suffix)
    names = check_strings("names", names)
    check_bool("compact", compact)
    nb = copy.deepcopy(nb)
    states = _widget_states(nb)
    for cell in nb.cells:
        if cell.cell_type == "markdown" and names:
            cell.source = _relink(cell.source, names, link_suffix)
        if cell.cell_type == "code" and compact:
            cell.source = re.sub(r"\n(?:[ \t]*\n){2,}", "\n\n", cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            view = data.pop("application/vnd.jupyter.widget-view+json", None)
            if view is not None:
                static = _static_progress(view.get("model_id", ""), states)
                if static is not None:
                    data["text/html"] = static
    nb.metadata.pop("widgets", None)
    return nb


# --------------------------------------------------------------------------------------------
# Exporters


def _exporter(kind: str, language: str = "en"):
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter, SlidesExporter

    if kind == "slides":
        exporter = SlidesExporter(
            extra_loaders=[DictLoader({"course_slides.html.j2": _SLIDES_TEMPLATE})],
            template_file="course_slides.html.j2",
            reveal_url_prefix="reveal.js",
            reveal_theme=THEME,
            reveal_transition="none",
            reveal_width=str(WIDTH),
            reveal_height=str(HEIGHT),
            exclude_input_prompt=True,
            exclude_output_prompt=True,
            language_code=language,
        )
    else:
        exporter = HTMLExporter(
            extra_loaders=[DictLoader({"course_page.html.j2": _HTML_TEMPLATE})],
            template_file="course_page.html.j2",
            language_code=language,  # <html lang="ko">: browsers pick Hangul fonts by it
        )
    return exporter


def render(nb, kind: str, *, names: Iterable[str] = (), language: str = "en") -> str:
    """An executed notebook as one HTML file: a deck (``kind="slides"``) or a page (``"html"``).

    ``names``: the course notebooks' file names, whose links are pointed at the built files;
    ``language``: the page's ``lang`` ("en", or "ko" for the Korean edition).
    """
    if kind not in ("slides", "html"):
        raise ValueError(f"kind must be 'slides' or 'html', not {kind!r}")
    check_mapping("nb", nb, "a notebook (nbformat.NotebookNode)")
    suffix = ".slides.html" if kind == "slides" else ".html"
    ready = prepare(nb, link_suffix=suffix, names=names, compact=kind == "slides")
    resources = {"course_css": SLIDES_CSS if kind == "slides" else HTML_CSS, "course_js": FIT_JS}
    body, _ = _exporter(kind, language).from_notebook_node(ready, resources=resources)
    return body


@dataclass
class Built:
    """What a build made: the files written and the notebooks that failed (name -> error)."""

    files: list[Path]
    failed: dict[str, str]


def _build(
    kind: str,
    paths: Sequence[Path] | None,
    out: Path,
    *,
    jobs: int,
    fresh: bool,
    timeout: int,
    cache: Path,
    log: Callable[[str], None],
) -> Built:
    everything = editions()
    paths = [Path(p).resolve() for p in (paths or everything)]
    names = {p.name for p in everything} | {p.name for p in paths}  # the same names in both editions
    out.mkdir(parents=True, exist_ok=True)
    suffix = ".slides.html" if kind == "slides" else ".html"
    built = Built([], {})
    start = time.perf_counter()
    for path, result in execute_all(paths, jobs=jobs, timeout=timeout, fresh=fresh, cache=cache).items():
        if result.nb is None:
            built.failed[path.name] = result.note
            log(f"FAILED {path.name}: {result.note.splitlines()[0]}")
            continue
        target = _in_edition(out, path) / f"{path.stem}{suffix}"
        target.parent.mkdir(parents=True, exist_ok=True)
        if kind == "slides" and not (target.parent / "reveal.js").exists():
            shutil.copytree(REVEAL, target.parent / "reveal.js", ignore=shutil.ignore_patterns("SHA256SUMS"))
        language = edition(path)
        target.write_text(render(result.nb, kind, names=sorted(names), language=language), encoding="utf-8")
        built.files.append(target)
        log(f"{target}  ({result.note})")
    log(
        f"{kind}: {len(built.files)} built, {len(built.failed)} failed in {time.perf_counter() - start:.0f} s"
    )
    return built


def build_slides(
    paths: Sequence[Path] | None = None,
    out: Path = SLIDES,
    *,
    jobs: int = 1,
    fresh: bool = False,
    timeout: int = 600,
    cache: Path = CACHE,
    log: Callable[[str], None] = print,
) -> Built:
    """One reveal.js deck per notebook (default: all, both editions) in ``out`` (the Korean ones in
    ``out/ko``), with reveal.js copied beside them."""
    _check_build_args(paths, out, jobs=jobs, fresh=fresh, timeout=timeout, cache=cache, log=log)
    for target in (Path(out) / "reveal.js", Path(out) / "ko" / "reveal.js"):
        if target.exists():
            shutil.rmtree(target)
    target = Path(out) / "reveal.js"
    shutil.copytree(REVEAL, target, ignore=shutil.ignore_patterns("SHA256SUMS"))
    return _build("slides", paths, Path(out), jobs=jobs, fresh=fresh, timeout=timeout, cache=cache, log=log)


def build_html(
    paths: Sequence[Path] | None = None,
    out: Path = HTML,
    *,
    jobs: int = 1,
    fresh: bool = False,
    timeout: int = 600,
    cache: Path = CACHE,
    log: Callable[[str], None] = print,
) -> Built:
    """One executed HTML page per notebook (default: all, both editions) in ``out`` (the Korean ones
    in ``out/ko``), and an ``index.html`` linking each edition's pages."""
    _check_build_args(paths, out, jobs=jobs, fresh=fresh, timeout=timeout, cache=cache, log=log)
    out = Path(out)
    built = _build("html", paths, out, jobs=jobs, fresh=fresh, timeout=timeout, cache=cache, log=log)
    built.files.append(write_index(sorted(out.glob("[0-9][0-9]_*.html")), out / "index.html"))
    korean = sorted((out / "ko").glob("[0-9][0-9]_*.html"))
    if korean:
        built.files.append(write_index(korean, out / "ko" / "index.html", language="ko"))
    return built


_INTRO = {
    "en": "<p>The reading edition: every notebook executed, with its outputs and plots.\n"
    "Run them yourself in JupyterLab (<code>python3 course.py lab</code>) to measure on your machine.</p>",
    "ko": "<p>읽기용판: 모든 노트북을 실행한 결과와 그림을 담았습니다.\n"
    "내 컴퓨터에서 직접 재 보려면 JupyterLab에서 실행하세요 (<code>python3 course.py lab</code>).</p>",
}
_OTHER_EDITION = {
    "en": '<p class="other"><a href="ko/index.html" lang="ko">한국어판</a></p>',
    "ko": '<p class="other"><a href="../index.html" lang="en">English edition</a></p>',
}


def write_index(pages: Sequence[Path], target: Path, language: str = "en") -> Path:
    """``index.html``: the pages in course order, each with its notebook's title and promise, and a
    link to the other edition's index (``language``: "en" or "ko", the pages' edition)."""
    pages = check_paths("pages", pages)
    target = check_path("target", target)
    if language not in _OTHER_EDITION:
        raise ValueError(f"language must be 'en' or 'ko', got {language!r}")
    folder = NOTEBOOKS / "ko" if language == "ko" else NOTEBOOKS
    items = []
    home_title = "From the for-loop to the event loop"
    for page in pages:
        source = folder / f"{page.stem}.ipynb"
        if not source.exists():
            continue
        entry = read_entry(source)
        if page.stem.startswith("00"):
            home_title = entry.title
        number = page.stem[:2]
        title = re.sub(rf"^{number}\s*[·.:-]\s*", "", entry.title)  # "01 · The for-loop" -> "The for-loop"
        items.append(
            f'<li><b>{number}</b> <a href="{html.escape(page.name)}">{html.escape(title)}</a>'
            f"<span>{html.escape(entry.promise)}</span></li>"
        )
    other = _OTHER_EDITION[language] if (NOTEBOOKS / "ko").is_dir() else ""
    text = INDEX_TEMPLATE.format(
        title=html.escape(home_title), items="\n".join(items), intro=_INTRO[language], other=other
    )
    target.write_text(text.replace('<html lang="en">', f'<html lang="{language}">'), "utf-8")
    return target


# --------------------------------------------------------------------------------------------
# Vendoring (maintainers only; needs npm and the npm registry)


def sha256sums(folder: Path = REVEAL) -> str:
    """``sha256sum``'s lines for the REVEAL_FILES in ``folder`` (the vendored copy by default)."""
    folder = check_path("folder", folder)
    lines = []
    for name in REVEAL_FILES:
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        lines.append(f"{digest}  {name}")
    return "\n".join(lines) + "\n"


def vendor(folder: Path = REVEAL) -> None:
    """Fetch ``reveal.js@REVEAL_VERSION`` with ``npm pack``, check its integrity, keep REVEAL_FILES."""
    folder = check_path("folder", folder)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(  # npm is npm.cmd on Windows: found by which, not by CreateProcess
            [shutil.which("npm") or "npm", "pack", f"reveal.js@{REVEAL_VERSION}", "--silent"],
            cwd=tmp,
            check=True,
            capture_output=True,
        )
        tarball = Path(tmp) / f"reveal.js-{REVEAL_VERSION}.tgz"
        data = tarball.read_bytes()
        integrity = "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()
        if integrity != REVEAL_INTEGRITY:
            raise RuntimeError(
                f"reveal.js {REVEAL_VERSION}: integrity {integrity}, pinned {REVEAL_INTEGRITY}"
            )
        with tarfile.open(tarball) as tar:
            tar.extractall(tmp, filter="data")
        if folder.exists():
            shutil.rmtree(folder)
        for name in REVEAL_FILES:
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(tmp) / "package" / name, folder / name)
    (folder / "SHA256SUMS").write_text(sha256sums(folder), encoding="utf-8", newline="\n")  # as sha256sum


# --------------------------------------------------------------------------------------------
# A real browser: Debian's Chromium driven by playwright (test dependencies)

CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
INSTALL_CHROMIUM = (
    "Chromium is needed for the browser tests and slide screenshots, and was not found at {path}. "
    "Install it with `sudo apt-get install chromium` (Debian/Ubuntu), or point COURSE_CHROMIUM "
    "at a Chromium or Chrome executable."
)


def chromium_path() -> Path:
    """The browser to drive: $COURSE_CHROMIUM, else Debian's /usr/bin/chromium (checked to exist)."""
    path = Path(os.environ.get("COURSE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium")
    if not path.exists():
        raise FileNotFoundError(INSTALL_CHROMIUM.format(path=path))
    return path


def launch_chromium(playwright):
    """Headless Chromium from ``chromium_path()`` (playwright downloads no browser here)."""
    if not hasattr(playwright, "chromium"):
        raise TypeError(
            f"playwright must be the object of `with sync_playwright() as playwright:`, got {got(playwright)}"
        )
    return playwright.chromium.launch(executable_path=str(chromium_path()), args=list(CHROMIUM_ARGS))


_SLIDE_TITLE = """(() => {
  const heading = Reveal.getCurrentSlide().querySelector("h1, h2, h3");
  return heading ? heading.textContent.replace("\u00b6", "").trim() : "";
})()"""


def screenshots(decks: Sequence[Path], out: Path, log: Callable[[str], None] = print) -> list[Path]:
    """Every slide of every deck as a PNG (``out/<deck>/NN.png``, 1280×720), offline."""
    decks = check_paths("decks", decks)
    out = check_path("out", out)
    check_callable("log", log, "a function of one str (e.g. print)")
    from playwright.sync_api import sync_playwright

    shots = []
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
            page.route(
                "**/*",
                lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort(),
            )
            for deck in decks:
                folder = out / deck.name.removesuffix(".slides.html")
                folder.mkdir(parents=True, exist_ok=True)
                page.goto(Path(deck).resolve().as_uri())
                page.wait_for_function("window.Reveal && Reveal.isReady()")
                total = page.evaluate("Reveal.getTotalSlides()")
                for number in range(total):
                    page.evaluate(
                        "n => { const s = Reveal.getSlides()[n]; const i = Reveal.getIndices(s);"
                        " Reveal.slide(i.h, i.v); }",
                        number,
                    )
                    page.wait_for_timeout(150)
                    shot = folder / f"{number:02d}.png"
                    page.screenshot(path=shot)
                    shots.append(shot)
                    over = page.evaluate("+(Reveal.getCurrentSlide().dataset.courseOverflow || 0)")
                    if over > 0:
                        title = page.evaluate(_SLIDE_TITLE)
                        log(f"  {shot.name}: {over:.0f} px taller than the slide (it scrolls): {title!r}")
                log(f"{folder}: {total} slides")
        finally:
            browser.close()
    return shots


# --------------------------------------------------------------------------------------------
# Command line


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.tooling.slides", description=__doc__.splitlines()[0]
    )
    parser.add_argument("what", choices=("slides", "html", "screenshots", "vendor"), help="what to build")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN_*.ipynb")
    parser.add_argument("--out", type=Path, help="output folder (default: build/slides or build/html)")
    parser.add_argument("--jobs", type=cli_int(1), default=1, help="notebooks executed at once (default 1)")
    parser.add_argument("--fresh", action="store_true", help="execute again even if the cache is fresh")
    parser.add_argument("--timeout", type=cli_int(1), default=600, help="seconds per cell (default 600)")
    args = parser.parse_args(check_argv(argv))
    if args.what == "vendor":
        vendor()
        print(f"reveal.js {REVEAL_VERSION}: {len(REVEAL_FILES)} files in {REVEAL}")
        return 0
    if args.what == "screenshots":
        decks = args.notebooks or sorted(SLIDES.glob("*.slides.html")) + sorted(
            SLIDES.glob("ko/*.slides.html")
        )
        shots = screenshots(decks, args.out or BUILD / "screenshots")
        print(f"{len(shots)} screenshots")
        return 0
    build = build_slides if args.what == "slides" else build_html
    out = args.out or (SLIDES if args.what == "slides" else HTML)
    built = build(args.notebooks or None, out, jobs=args.jobs, fresh=args.fresh, timeout=args.timeout)
    for name, error in built.failed.items():
        print(f"\n{name} failed:\n{error}", file=sys.stderr)
    if built.files:
        first = built.files[-1] if args.what == "html" else built.files[0]  # the index, or deck 00
        print(f"open {first.resolve().as_uri()}")
    return 1 if built.failed else 0


if __name__ == "__main__":
    sys.exit(main())
