"""The Korean edition: gettext catalogs from the English notebooks, Korean notebooks from them.

    python -m helpers.tooling.translations            # update the catalogs, rebuild notebooks/ko/
    python -m helpers.tooling.translations --check    # change nothing; exit 1 naming what is stale
    python -m helpers.tooling.translations --stats    # messages per notebook, translated or not

The English notebooks are the source. Each ``notebooks/NN_slug.ipynb`` has a catalog
``notebooks/locale/ko/LC_MESSAGES/NN_slug.po`` (read and written with Babel) holding:

- one message per **paragraph** of every markdown cell (paragraphs are separated by blank
  lines; a fenced code block stays whole);
- one message per **comment** of a code cell (``# ...``, the ``#`` included);
- one message per **string literal** of a code cell that reads as prose (it has a space and
  a word): its Python source, quotes and ``f`` prefix included, so that a translation is
  itself a literal, with the same ``{expressions}``.

``notebooks/ko/NN_slug.ipynb`` is built from the English notebook by replacing each of
those with its translation; everything else (code, cell ids, tags, slide metadata) is the
English notebook's. Links that leave the notebooks folder gain a ``../``; the navigation and
contents cells are generated in Korean by :mod:`helpers.tooling.nav`.

When an English paragraph changes, the update marks its message fuzzy (with the old
translation and the previous English) or adds it untranslated; :func:`problems` names each
such message with its notebook and cell, and the tests fail until a translator fixes it.
"""

from __future__ import annotations

import argparse
import ast
import datetime as dt
import io
import re
import string
import sys
import tokenize
from dataclasses import dataclass
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, unescape, write_po

from helpers._validate import check_argv
from helpers.tooling import nav

NOTEBOOKS = nav.NOTEBOOKS
LOCALE = NOTEBOOKS / "locale"
LANGUAGES = ("ko",)
PROJECT = "From the for-loop to the event loop"
_FIXED_DATE = dt.datetime(2026, 12, 6, 0, 0, tzinfo=dt.UTC)
_LETTERS = re.compile(r"[A-Za-z]{2}")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_TOOL_COMMENT = re.compile(r"^#\s*(noqa|type:|fmt:|pragma|ruff:)")
_LINK = re.compile(r"(\]\(|\b(?:src|href)=[\"'])([^)\"'\s]+)")


def has_hangul(text: str) -> bool:
    """True if ``text`` holds at least one Hangul syllable."""
    return bool(_HANGUL.search(text))


# --------------------------------------------------------------------------------------------
# What is translated


@dataclass(frozen=True)
class Unit:
    """One translatable piece of a notebook: its English text, cell and kind."""

    msgid: str
    cell_id: str
    kind: str  # "markdown", "comment" or "string"


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a markdown text: blocks between blank lines, fenced code kept whole."""
    blocks: list[str] = []
    current: list[str] = []
    fence = None
    for line in text.split("\n"):
        stripped = line.lstrip()
        if fence:
            current.append(line)
            if stripped.startswith(fence):
                fence = None
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            current.append(line)
            continue
        if not line.strip():
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _translatable(text: str) -> bool:
    return bool(_LETTERS.search(text))


def _prose(value: str) -> bool:
    """A string a reader reads: a space and a word (not a key, a URL or a path)."""
    return " " in value.strip() and _translatable(value) and "://" not in value


def _string_value(node) -> str:
    if isinstance(node, ast.Constant):
        return node.value
    return "".join(v.value for v in node.values if isinstance(v, ast.Constant))


def _parse(source: str):
    flags = ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT
    return compile(source, "<cell>", "exec", flags=flags, dont_inherit=True)


def _offsets(source: str) -> list[int]:
    """Character offset of the start of each line (1-based line numbers: index 0 is unused)."""
    starts, total = [0, 0], 0
    for line in source.splitlines(keepends=True):
        total += len(line)
        starts.append(total)
    return starts


def _code_spans(source: str) -> list[tuple[int, int, str]]:
    """(start, end, kind) character spans of the translatable comments and strings of a cell."""
    starts = _offsets(source)
    lines = source.splitlines(keepends=True)
    spans = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT and _translatable(tok.string) and not _TOOL_COMMENT.match(tok.string):
            (r0, c0), (r1, c1) = tok.start, tok.end
            spans.append((starts[r0] + c0, starts[r1] + c1, "comment"))

    def char_col(row: int, byte_col: int) -> int:
        return len(lines[row - 1].encode()[:byte_col].decode())

    def visit(node) -> None:
        if isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and type(node.value) is str):
            if _prose(_string_value(node)):
                start = starts[node.lineno] + char_col(node.lineno, node.col_offset)
                end = starts[node.end_lineno] + char_col(node.end_lineno, node.end_col_offset)
                spans.append((start, end, "string"))
            return  # never the constants inside an f-string
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(_parse(source))
    return sorted(spans)


def _generated(cell) -> bool:
    return bool({"nav", "toc"} & set(cell.get("metadata", {}).get("tags", [])))


def units(nb) -> list[Unit]:
    """Every translatable piece of an English notebook, in order."""
    found = []
    for cell in nb.cells:
        if _generated(cell):
            continue
        if cell.cell_type == "markdown":
            found += [Unit(p, cell.id, "markdown") for p in paragraphs(cell.source) if _translatable(p)]
        elif cell.cell_type == "code":
            found += [Unit(cell.source[a:b], cell.id, kind) for a, b, kind in _code_spans(cell.source)]
    return found


_HOW = {
    "markdown": "markdown. Keep links' targets, `code`, **bold** markers and the line structure of lists.",
    "comment": "a code comment: keep the leading '#'.",
    "string": "a Python string literal: keep its quotes, prefix and every {expression} as they are.",
}


def template(path: Path) -> Catalog:
    """The catalog of an English notebook's messages, untranslated."""
    nb = nbformat.read(path, as_version=4)
    catalog = _new_catalog("ko")
    for unit in units(nb):
        where = f"{path.name}#{unit.cell_id}"
        message = catalog.get(unit.msgid)
        if message is None:
            catalog.add(unit.msgid, locations=[(where, None)], auto_comments=[_HOW[unit.kind]])
        elif (where, None) not in message.locations:
            message.locations.append((where, None))
    return catalog


def _new_catalog(language: str) -> Catalog:
    return Catalog(
        locale=language,
        project=PROJECT,
        version="1",
        copyright_holder="the course's authors",
        msgid_bugs_address="https://github.com/ (the course's issue tracker)",
        creation_date=_FIXED_DATE,
        revision_date=_FIXED_DATE,
        last_translator="the course's translators",
        language_team=f"{language} <the course's issue tracker>",
        charset="utf-8",
        fuzzy=False,
    )


# --------------------------------------------------------------------------------------------
# Catalogs


def catalog_path(path: Path, language: str = "ko") -> Path:
    """Where the catalog of an English notebook lives."""
    return LOCALE / language / "LC_MESSAGES" / (path.stem + ".po")


def read_catalog(path: Path) -> Catalog:
    """The catalog at ``path``. A fuzzy message keeps its previous English (the ``#|`` lines);
    a message a translator has finished (fuzzy flag removed) drops it.

    Babel writes ``#|`` lines but reads them back as translator comments, which it would write as
    ``# |`` and keep for ever: they are turned back into ``previous_id`` here, or dropped.
    """
    with open(path, "rb") as f:
        catalog = read_po(f, abort_invalid=True)
    for message in catalog:
        previous = [c for c in message.user_comments if c.startswith("|")]
        if previous:
            message.user_comments = [c for c in message.user_comments if not c.startswith("|")]
            message.previous_id = _previous_id(previous) if message.fuzzy else []
    return catalog


def _previous_id(lines: list[str]) -> list[str]:
    """The msgid of ``#| msgid "…" "…"`` lines (as read, without the ``#``; wrapped at spaces)."""
    text = " ".join(line[1:].strip() for line in lines)
    if not text.startswith("msgid "):
        return []
    return ["".join(unescape(f'"{part}"') for part in re.findall(r'"((?:[^"\\]|\\.)*)"', text))]


def updated_catalog(path: Path, language: str = "ko") -> Catalog:
    """The catalog of ``path`` (an English notebook) brought up to date with its text, in memory.

    Unchanged messages keep their translation; changed ones become fuzzy (old translation,
    previous English kept); new ones are untranslated; those no longer in the notebook go.
    """
    return _updated(catalog_path(path, language), template(path), language)


def _updated(where: Path, fresh: Catalog, language: str) -> Catalog:
    """The catalog at ``where`` (or a new one) updated to the messages of ``fresh``, obsolete ones gone."""
    catalog = read_catalog(where) if where.exists() else _new_catalog(language)
    previous = {m.id: m.previous_id for m in catalog if m.id and m.previous_id}
    catalog.update(fresh, no_fuzzy_matching=False, update_header_comment=False, update_creation_date=False)
    for message in catalog:  # Babel forgets the previous English of a message that stays fuzzy
        if message.fuzzy and not message.previous_id and message.id in previous:
            message.previous_id = previous[message.id]
    for key in list(catalog.obsolete):
        del catalog.obsolete[key]
    return catalog


def _short(text: str) -> str:
    """A message on one line, cut at 70 characters: enough to find it in its catalog."""
    text = " ".join(text.split())
    return text if len(text) <= 70 else text[:67] + "..."


def _write_if_changed(target: Path, data: bytes, changed: list[Path]) -> None:
    if not target.exists() or target.read_bytes() != data:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        changed.append(target)


def po_text(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_po(out, catalog, width=100, ignore_obsolete=True, include_previous=True, sort_output=False)
    return out.getvalue()


def _translations(catalog: Catalog) -> dict[str, str]:
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


# --------------------------------------------------------------------------------------------
# Building a translated notebook


def _relink(text: str, notebook_names: set[str]) -> str:
    """Relative links that leave the notebooks folder gain ``../`` (the edition is one level down)."""

    def fix(match: re.Match) -> str:
        opener, target = match.groups()
        path = target.split("#", 1)[0]
        if not path or re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith("/"):
            return match.group(0)
        if path in notebook_names:
            return match.group(0)
        return opener + "../" + target

    return _LINK.sub(fix, text)


def translated_markdown(source: str, words: dict[str, str], notebook_names: set[str]) -> str:
    parts = [words.get(p, p) if _translatable(p) else p for p in paragraphs(source)]
    return _relink("\n\n".join(parts), notebook_names)


def translated_code(source: str, words: dict[str, str]) -> str:
    for start, end, _kind in reversed(_code_spans(source)):
        english = source[start:end]
        source = source[:start] + words.get(english, english) + source[end:]
    return source


SETUP_CALL = 'check_setup(language="{}")'  # the setup cell chooses the helpers' language


def build(path: Path, catalog: Catalog, notebook_names: set[str], language: str = "ko"):
    """The translated notebook of ``path`` (navigation not yet generated)."""
    nb = nbformat.read(path, as_version=4)
    words = _translations(catalog)
    for cell in nb.cells:
        if _generated(cell):
            continue
        if cell.cell_type == "markdown":
            cell.source = translated_markdown(cell.source, words, notebook_names)
        elif cell.cell_type == "code":
            cell.source = translated_code(cell.source, words)
            if "setup" in cell.metadata.get("tags", []):
                cell.source = cell.source.replace(SETUP_CALL.format("en"), SETUP_CALL.format(language))
    return nb


def _selected(paths: list[Path], only: list[str] | None) -> list[Path]:
    if not only:
        return paths
    chosen = [p for p in paths if any(p.name.startswith(prefix) for prefix in only)]
    if len(chosen) != len(only):
        raise ValueError(f"only must name notebooks by number or name (e.g. 04), got {only!r}")
    return chosen


def edition(language: str = "ko", only: list[str] | None = None) -> dict[Path, tuple[Catalog, object]]:
    """Every English notebook's updated catalog and translated notebook (with navigation), in memory.

    ``only`` (e.g. ``["04"]``) builds those notebooks alone; the others' titles, for the
    navigation, then come from their translated notebooks as they are on disk.
    """
    paths = nav.notebooks(NOTEBOOKS)
    names = {p.name for p in paths}
    folder = NOTEBOOKS / language
    built = {}
    for path in _selected(paths, only):
        catalog = updated_catalog(path, language)
        built[path] = (catalog, build(path, catalog, names, language))
    entries = []
    for path in paths:
        if path in built:
            entries.append(nav.entry_of(built[path][1], folder / path.name))
        else:
            entries.append(nav.read_entry(folder / path.name if (folder / path.name).exists() else path))
    for path, (catalog, nb) in built.items():
        ids = [cell.id for cell in nb.cells]  # the English notebook's, kept
        nb = nav.updated(nb, entries, paths.index(path), language=language)
        if len(nb.cells) == len(ids):
            for cell, cell_id in zip(nb.cells, ids, strict=True):
                cell.id = cell_id
        built[path] = (catalog, nb)
    return built


_MD_TARGET = re.compile(r"\]\(([^)\s]+)\)")


def _literal_fields(source: str):
    """The formatted expressions of a string literal's source, or None if it is not one literal."""
    try:
        tree = ast.parse("(" + source.strip() + "\n)", mode="eval")  # implicit concatenation over lines
    except SyntaxError:
        return None
    node = tree.body
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return []
    if not isinstance(node, ast.JoinedStr):
        return None
    return sorted(ast.dump(v) for v in node.values if isinstance(v, ast.FormattedValue))


def message_problems(message) -> list[str]:
    """What is wrong with one translated message (empty if it is fine or not translated yet)."""
    english, korean = message.id, message.string
    if not korean or message.fuzzy:
        return []
    found = []
    kind = next((k for k, how in _HOW.items() if how in message.auto_comments), "markdown")
    if kind == "comment":
        if not korean.startswith("#") or "\n" in korean:
            found.append("a comment's translation must be one line starting with '#'")
    elif kind == "string":
        fields = _literal_fields(english)
        if _literal_fields(korean) is None:
            found.append("the translation must be a Python string literal, as the English is")
        elif _literal_fields(korean) != fields:
            found.append("the translation must keep every {expression} of the f-string, unchanged")
    else:

        def targets(text: str) -> list[str]:  # an #anchor may follow a translated heading
            return [t.split("#", 1)[0] for t in _MD_TARGET.findall(text)]

        if targets(english) != targets(korean):
            found.append("the links' targets must stay as they are, in the same order")
        if not has_hangul(korean) and korean != english:
            found.append("a changed paragraph must be in Korean")
    return found


def _notebook_text(nb) -> str:
    return nbformat.writes(nb) + "\n"


# --------------------------------------------------------------------------------------------
# The helpers' own messages (feedback, hints, plots' labels): helpers/locale/<lang>/LC_MESSAGES

HELPERS = NOTEBOOKS.parent / "helpers"
HELPERS_LOCALE = HELPERS / "locale"


def helper_domains() -> dict[str, list[Path]]:
    """Catalog name -> the modules whose ``_()``/``N_()`` messages it holds: one catalog per
    exercise module (``nb04``), one (``helpers``) for the modules every notebook shares."""
    domains = {"helpers": sorted(HELPERS.glob("*.py"))}
    for path in sorted((HELPERS / "exercises").glob("nb*.py")):
        domains[path.stem] = [path]
    return domains


def helper_messages(path: Path) -> list[tuple[str, int]]:
    """(message, line) of every ``_("...")`` and ``N_("...")`` in a module, in order."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "N_")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.args[0].value, node.lineno))
    return sorted(found, key=lambda m: m[1])


def helper_template(domain: str) -> Catalog:
    catalog = _new_catalog("ko")
    for path in helper_domains()[domain]:
        for text, line in helper_messages(path):
            where = (str(path.relative_to(HELPERS.parent)), line)
            if text in catalog:
                catalog[text].locations.append(where)
            else:
                catalog.add(text, locations=[where], auto_comments=[_HELPER_HOW])
    return catalog


_HELPER_HOW = (
    "Keep every {field} (a figure or a name, filled in after translation); "
    "drop one only if Korean needs no word for it."
)


def helper_catalog_path(domain: str, language: str = "ko") -> Path:
    return HELPERS_LOCALE / language / "LC_MESSAGES" / f"{domain}.po"


def updated_helper_catalog(domain: str, language: str = "ko") -> Catalog:
    """The helpers' catalog ``domain`` brought up to date with their code, in memory."""
    return _updated(helper_catalog_path(domain, language), helper_template(domain), language)


def _fields(text: str):
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return None


def helper_problems(language: str = "ko", only: list[str] | None = None) -> list[str]:
    """Untranslated, fuzzy or wrong messages of the helpers' catalogs."""
    found = []
    for domain in helper_domains():
        if only and domain not in only and domain.removeprefix("nb") not in only:
            continue
        catalog = updated_helper_catalog(domain, language)
        where = helper_catalog_path(domain, language).relative_to(NOTEBOOKS.parent)
        for message in catalog:
            if not message.id:
                continue
            english = _short(message.id)
            lines = ", ".join(f"{f}:{n}" for f, n in message.locations)
            if not message.string or message.fuzzy:
                state = "fuzzy (the English changed)" if message.fuzzy else "untranslated"
            elif _fields(message.id) is not None and not (_fields(message.string) or set()) <= _fields(
                message.id
            ):
                state = "its {fields} must be the English message's (one may be left out, none added)"
            elif _fields(message.id) is not None and _fields(message.string) is None:
                state = "unbalanced { or } (write {{ and }} for a brace)"
            else:
                continue
            found.append(f"{lines}: {state} in {where}: {english!r}")
    return found


def write_helper_catalogs(language: str = "ko", only: list[str] | None = None) -> list[Path]:
    changed = []
    for domain in helper_domains():
        if only and domain not in only and domain.removeprefix("nb") not in only:
            continue
        data = po_text(updated_helper_catalog(domain, language))
        _write_if_changed(helper_catalog_path(domain, language), data, changed)
    return changed


# --------------------------------------------------------------------------------------------
# Checks and reports


def problems(language: str = "ko", only: list[str] | None = None) -> list[str]:
    """What is not translated or not built: one line per message or notebook, naming the cell."""
    found = []
    for path, (catalog, nb) in edition(language, only).items():
        where = catalog_path(path, language).relative_to(NOTEBOOKS.parent)
        for message in catalog:
            if not message.id:
                continue
            wrong = message_problems(message)
            if message.string and not message.fuzzy and not wrong:
                continue
            state = "fuzzy (the English changed)" if message.fuzzy else "untranslated"
            state = "; ".join(wrong) if wrong else state
            cells = ", ".join(loc.split("#", 1)[1] for loc, _ in message.locations)
            english = _short(message.id)
            found.append(f"{path.name}, cell {cells}: {state} in {where}: {english!r}")
        target = NOTEBOOKS / language / path.name
        if not target.exists():
            found.append(f"{target.relative_to(NOTEBOOKS.parent)}: missing (run `make translations`)")
        elif target.read_text(encoding="utf-8") != _notebook_text(nb):
            found.append(
                f"{target.relative_to(NOTEBOOKS.parent)}: older than {path.name} or its catalog "
                "(run `make translations`)"
            )
    return found


def counts(language: str = "ko") -> dict[str, dict[str, int]]:
    """Messages per notebook: total, translated, fuzzy, untranslated."""
    result = {}
    for path, (catalog, _nb) in edition(language).items():
        messages = [m for m in catalog if m.id]
        fuzzy = sum(1 for m in messages if m.fuzzy)
        done = sum(1 for m in messages if m.string and not m.fuzzy)
        result[path.name] = {
            "messages": len(messages),
            "translated": done,
            "fuzzy": fuzzy,
            "untranslated": len(messages) - done - fuzzy,
        }
    return result


def write(language: str = "ko", only: list[str] | None = None) -> list[Path]:
    """Update every catalog and rebuild every translated notebook; return the files changed."""
    changed = []
    (NOTEBOOKS / language).mkdir(exist_ok=True)
    for path, (catalog, nb) in edition(language, only).items():
        _write_if_changed(catalog_path(path, language), po_text(catalog), changed)
        _write_if_changed(NOTEBOOKS / language / path.name, _notebook_text(nb).encode(), changed)
    return changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m helpers.tooling.translations", description=__doc__.splitlines()[0]
    )
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="change nothing; exit 1 naming what is stale")
    group.add_argument("--stats", action="store_true", help="messages per notebook, translated or not")
    parser.add_argument(
        "--helpers", action="store_true", help="the helpers' catalogs only (e.g. --helpers nb04)"
    )
    parser.add_argument("only", nargs="*", help="these notebooks only, by number (e.g. 04 05); default: all")
    args = parser.parse_args(check_argv(argv))
    only = args.only or None
    if args.stats:
        for name, row in counts().items():
            print(f"{name:32} " + "  ".join(f"{k} {v:4}" for k, v in row.items()))
        return 0
    if not args.check:
        targets = [] if args.helpers else write(only=only)
        targets += write_helper_catalogs(only=only) if args.helpers or not only else []
        for target in targets:
            print(f"updated: {target.relative_to(NOTEBOOKS.parent)}")
    found = [] if args.helpers else problems(only=only)
    found += helper_problems(only=only) if args.helpers or not only else []
    for line in found:
        print(line, file=sys.stderr)
    if found:
        print(
            f"{len(found)} to fix: translate each message in its catalog (Poedit, or any editor: "
            "fill msgstr, remove the 'fuzzy' flag), then run `make translations`.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
