"""Generate the navigation cells of the course notebooks (never edit them by hand).

Each notebook ``notebooks/NN_slug.ipynb`` gets a navigation cell at its top and
at its bottom (``< previous | contents | next >``), and the home notebook
(``00_*``) gets its table of contents filled into the cell tagged ``toc``.
The titles come from each notebook's first ``# `` heading, the one-line
promise from the line that follows it.

    python -m helpers.tooling.nav            # rewrite the cells
    python -m helpers.tooling.nav --check    # exit 1 and name the stale notebooks

Generated cells carry the tag ``nav`` (or ``toc``) and ``slide_type: skip``.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from helpers._validate import check_argv, check_bool, check_int, check_mapping, check_path, check_str, got

NOTEBOOKS = Path(__file__).resolve().parent.parent.parent / "notebooks"
NAME = re.compile(r"^(\d\d)_[a-z0-9_]+\.ipynb$")
CONTENTS = {"en": "Contents", "ko": "목차"}  # the contents heading, and the anchor links point to it


@dataclass(frozen=True)
class Entry:
    path: Path
    title: str
    promise: str

    def __post_init__(self) -> None:
        if not isinstance(self.path, Path):
            raise TypeError(f"path must be a pathlib.Path, got {got(self.path)}")
        check_str("title", self.title)
        check_str("promise", self.promise)


def notebooks(folder: Path = NOTEBOOKS) -> list[Path]:
    """The course notebooks in order: files named ``NN_slug.ipynb``."""
    folder = check_path("folder", folder)
    if not folder.is_dir():
        raise ValueError(f"folder must be an existing folder of notebooks, got {str(folder)!r}")
    return sorted(p for p in folder.glob("*.ipynb") if NAME.match(p.name))


def read_entry(path: Path) -> Entry:
    """Title (first ``# `` heading) and promise (the next non-empty line) of a notebook."""
    path = check_path("path", path)
    return entry_of(nbformat.read(path, as_version=4), path)


def entry_of(nb, path: Path) -> Entry:
    """Title and promise of the notebook ``nb`` (read from ``path``, or built in memory for it)."""
    for cell in nb.cells:
        if cell.cell_type != "markdown" or _tag(cell) in ("nav", "toc"):
            continue
        lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
        for i, line in enumerate(lines):
            if line.startswith("# "):
                promise = lines[i + 1] if i + 1 < len(lines) else ""
                return Entry(path, line[2:].strip(), promise.strip("*_ "))
    raise ValueError(f"{path.name}: no '# Title' heading in its markdown cells")


def _tag(cell) -> str | None:
    tags = cell.get("metadata", {}).get("tags", [])
    for tag in ("nav", "toc"):
        if tag in tags:
            return tag
    return None


def _nav_source(entries: list[Entry], i: int, language: str = "en") -> str:
    home = entries[0].path.name
    contents = CONTENTS[language]
    parts = []
    if i > 0:
        parts.append(f"[&larr; {entries[i - 1].title}]({entries[i - 1].path.name})")
    if i != 0:
        parts.append(f"[{contents}]({home}#{contents})")
    if i + 1 < len(entries):
        parts.append(f"[{entries[i + 1].title} &rarr;]({entries[i + 1].path.name})")
    return " | ".join(parts)


def _toc_source(entries: list[Entry], language: str = "en") -> str:
    lines = [f"## {CONTENTS[language]}", ""]
    for entry in entries:
        number = entry.path.name[:2]
        title = re.sub(rf"^{number}\s*[·.:-]\s*", "", entry.title)  # "01 · The for-loop" -> "The for-loop"
        promise = f" — {entry.promise}" if entry.promise else ""
        lines.append(f"- **{number}** [{title}]({entry.path.name}){promise}")
    return "\n".join(lines)


def _cell(source: str, tag: str, cell_id: str):
    metadata = {"tags": [tag], "slideshow": {"slide_type": "skip"}}
    cell = nbformat.v4.new_markdown_cell(source, metadata=metadata)
    cell.id = cell_id  # stable ids: regenerating changes nothing but the text
    return cell


def updated(nb, entries: list[Entry], i: int, language: str = "en"):
    """A copy of ``nb`` with fresh navigation (and, for the home notebook, contents).

    ``entries`` are those of every course notebook, in order; ``nb`` is the one at index ``i``;
    ``language`` ("en" or "ko") names the contents.
    """
    if language not in CONTENTS:
        raise ValueError(f"language must be one of {sorted(CONTENTS)}, got {language!r}")
    check_mapping("nb", nb, "a notebook (nbformat.NotebookNode)")
    if not isinstance(entries, list | tuple) or not all(isinstance(e, Entry) for e in entries):
        raise TypeError(f"entries must be a list of Entry (from read_entry), got {got(entries)}")
    if not entries:
        raise ValueError("entries must hold at least one Entry (one per course notebook), got none")
    check_int("i", i, minimum=0, maximum=len(entries) - 1)
    nb = nbformat.from_dict(nb)
    body = [c for c in nb.cells if _tag(c) != "nav"]
    if i == 0:
        toc = _toc_source(entries, language)
        found = False
        for cell in body:
            if _tag(cell) == "toc":
                cell.source, found = toc, True
        if not found:
            raise ValueError(f"{entries[0].path.name}: add a markdown cell tagged 'toc' for the contents")
    nav = _nav_source(entries, i, language)
    nb.cells = [_cell(nav, "nav", "nav-top"), *body, _cell(nav, "nav", "nav-bottom")]
    return nb


def _same(a, b) -> bool:
    def key(nb):
        return [(c.cell_type, c.source, c.get("metadata", {}).get("tags", [])) for c in nb.cells]

    return key(a) == key(b)


def run(folder: Path = NOTEBOOKS, check: bool = False) -> list[Path]:
    """Regenerate (or, with ``check``, only compare) the cells; return the stale notebooks."""
    check_bool("check", check)
    paths = notebooks(folder)
    if not paths:
        return []
    entries = [read_entry(p) for p in paths]
    stale = []
    for i, path in enumerate(paths):
        nb = nbformat.read(path, as_version=4)
        new = updated(nb, entries, i)
        if _same(nb, new):
            continue
        stale.append(path)
        if not check:
            nbformat.write(new, path)
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.tooling.nav", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if any cell is stale")
    args = parser.parse_args(check_argv(argv))
    stale = run(check=args.check)
    for path in stale:
        print(f"{'stale' if args.check else 'updated'}: {path.name}")
    if args.check and stale:
        print(
            "Run `python -m helpers.tooling.nav` (or `make nav`) to regenerate the navigation.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
