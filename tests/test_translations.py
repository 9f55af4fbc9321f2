"""The Korean edition: complete catalogs, notebooks built from them, the same code, Korean throughout.

Staleness is a failure here: an English paragraph that changes leaves its Korean message fuzzy
(or a new one untranslated), and the first test names the notebook, the cell and the message.
"""

from __future__ import annotations

import ast
import re
import shutil

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager

from helpers import checks, i18n
from helpers.exercises import nb07
from helpers.tooling import nav, translations
from tests.notebook_run import NOTEBOOKS

PATHS = nav.notebooks(NOTEBOOKS)
KOREAN = NOTEBOOKS / "ko"
HANGUL = re.compile("[\uac00-\ud7a3]")
# Markdown cells of the Korean edition with no Hangul: only code or links (cell ids, per notebook).
NO_HANGUL: dict[str, set[str]] = {}


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    i18n.set_language("en")


def test_every_message_is_translated_and_every_korean_notebook_is_built():
    """0 untranslated, 0 fuzzy, 0 wrong; each notebooks/ko/ notebook is what its catalog builds."""
    found = translations.problems()
    assert not found, f"{len(found)} to fix (then `make translations`):\n" + "\n".join(found)


def test_every_checker_message_is_translated():
    found = translations.helper_problems()
    assert not found, f"{len(found)} to fix (then `make translations`):\n" + "\n".join(found)


def test_counts_add_up():
    counts = translations.counts()
    assert list(counts) == [p.name for p in PATHS]
    for name, row in counts.items():
        assert row["messages"] > 20, name
        assert row["translated"] == row["messages"] and row["fuzzy"] == row["untranslated"] == 0, (name, row)


# --------------------------------------------------------------------------------------------
# Staleness, on a copy of notebook 01 and its catalog


@pytest.fixture
def copy_of_01(tmp_path, monkeypatch):
    """notebooks/01, its catalog and its Korean notebook, copied to a course folder of their own."""
    notebooks = tmp_path / "notebooks"
    (notebooks / "ko").mkdir(parents=True)
    (notebooks / "locale" / "ko" / "LC_MESSAGES").mkdir(parents=True)
    for source in PATHS[:2]:  # the home (its contents list the others) and 01
        shutil.copy(source, notebooks / source.name)
        shutil.copy(KOREAN / source.name, notebooks / "ko" / source.name)
        catalog = translations.catalog_path(source)
        shutil.copy(catalog, notebooks / "locale" / "ko" / "LC_MESSAGES" / catalog.name)
    monkeypatch.setattr(translations, "NOTEBOOKS", notebooks)
    monkeypatch.setattr(translations, "LOCALE", notebooks / "locale")
    monkeypatch.setattr(nav, "NOTEBOOKS", notebooks)
    translations.write()  # the home's contents and navigation, for these two notebooks
    assert translations.problems() == []  # the copy starts complete
    return notebooks / PATHS[1].name


def _edit_markdown(path, old: str, new: str) -> str:
    nb = nbformat.read(path, as_version=4)
    cell = next(
        c
        for c in nb.cells
        if c.cell_type == "markdown" and old in c.source and "nav" not in c.metadata.get("tags", [])
    )
    cell.source = cell.source.replace(old, new, 1)
    nbformat.write(nb, path)
    return cell.id


def test_a_changed_english_sentence_names_its_korean_message(copy_of_01):
    nb = nbformat.read(copy_of_01, as_version=4)
    paragraph = next(
        p
        for c in nb.cells
        if c.cell_type == "markdown" and "nav" not in c.metadata.get("tags", [])
        for p in translations.paragraphs(c.source)
        if len(p) > 80 and not p.startswith("#")
    )
    word = re.search(r"\b[a-z]{5,}\b", paragraph).group()
    cell_id = _edit_markdown(copy_of_01, paragraph, paragraph.replace(word, word.upper(), 1))
    found = translations.problems()
    assert len(found) == 2, found  # the message, and the Korean notebook now older than its source
    assert found[0].startswith(f"{copy_of_01.name}, cell {cell_id}: fuzzy (the English changed)")
    assert "older than" in found[1]
    counts = translations.counts()[copy_of_01.name]
    assert counts["fuzzy"] == 1 and counts["translated"] == counts["messages"] - 1  # the rest stay
    translations.write()
    built = (copy_of_01.parent / "ko" / copy_of_01.name).read_text(encoding="utf-8")
    assert word.upper() in built, "a fuzzy message's paragraph shows the current English"
    assert len(translations.problems()) == 1  # rebuilt: only the message is left to translate


def test_the_previous_english_stays_while_fuzzy_and_goes_once_translated(copy_of_01):
    """``#|`` lines show a translator the English before the change, through any number of updates,
    and go when the translator removes the fuzzy flag by hand (as the failure message says)."""
    nb = nbformat.read(copy_of_01, as_version=4)
    paragraph = next(
        p
        for c in nb.cells
        if c.cell_type == "markdown" and "nav" not in c.metadata.get("tags", [])
        for p in translations.paragraphs(c.source)
        if len(p) > 80 and not p.startswith(("#", "```"))  # prose: its translation has Hangul
    )
    _edit_markdown(copy_of_01, paragraph, paragraph + " One more sentence.")
    po = translations.catalog_path(copy_of_01)
    for _ in range(2):  # an update of a still-fuzzy catalog keeps the previous English as it was
        translations.write()
        text = po.read_text(encoding="utf-8")
        assert text.count("#, fuzzy") == 1 and "#| msgid" in text and "# |" not in text, text
        previous = translations.read_catalog(po)
        (fuzzy,) = [m for m in previous if m.fuzzy]
        assert fuzzy.previous_id == [paragraph] and not fuzzy.user_comments, fuzzy.previous_id
    po.write_text(text.replace("#, fuzzy\n", ""), encoding="utf-8")  # the translator's edit
    translations.write()
    text = po.read_text(encoding="utf-8")
    assert "#|" not in text and "# |" not in text and "fuzzy" not in text
    assert translations.problems() == []


def test_a_new_english_paragraph_is_untranslated_until_translated(copy_of_01):
    nb = nbformat.read(copy_of_01, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "markdown" and "nav" not in c.metadata.get("tags", []))
    cell.source += "\n\nA brand new paragraph for the test."
    nbformat.write(nb, copy_of_01)
    cell_id = cell.id
    found = translations.problems()
    assert any(
        line.startswith(f"{copy_of_01.name}, cell {cell_id}: untranslated") and "brand new" in line
        for line in found
    ), found
    catalog = translations.updated_catalog(copy_of_01)
    catalog.get("A brand new paragraph for the test.").string = "테스트를 위한 새 문단입니다."
    translations.catalog_path(copy_of_01).write_bytes(translations.po_text(catalog))
    translations.write()
    assert translations.problems() == []
    assert "테스트를 위한 새 문단입니다." in (copy_of_01.parent / "ko" / copy_of_01.name).read_text("utf-8")


def test_changed_english_code_makes_the_korean_notebook_stale(copy_of_01):
    nb = nbformat.read(copy_of_01, as_version=4)
    cell = next(c for c in nb.cells if c.cell_type == "code" and "tags" not in c.metadata)
    cell.source += "\nx_for_the_test = 1"
    nbformat.write(nb, copy_of_01)
    stale = f"notebooks/ko/{copy_of_01.name}: older than {copy_of_01.name} or its catalog"
    assert translations.problems() == [f"{stale} (run `make translations`)"]


def test_a_translation_that_breaks_a_literal_is_refused():
    catalog = translations._new_catalog("ko")
    catalog.add(
        'f"{n} requests in {t:.2f} s"',
        'f"요청 {n}개, {t:.1f}초"',
        auto_comments=[translations._HOW["string"]],
    )
    catalog.add("# a comment", "한국어 주석", auto_comments=[translations._HOW["comment"]])
    catalog.add("See [notebook 02](02_threads.ipynb).", "[노트북 02](03_threads.ipynb)를 보세요.")
    catalog.add("An English paragraph.", "Still English.")
    problems = [translations.message_problems(m) for m in catalog if m.id]
    assert problems == [
        ["the translation must keep every {expression} of the f-string, unchanged"],
        ["a comment's translation must be one line starting with '#'"],
        ["the links' targets must stay as they are, in the same order"],
        ["a changed paragraph must be in Korean"],
    ]


# --------------------------------------------------------------------------------------------
# The Korean notebooks themselves


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_korean_markdown_is_korean(path):
    korean = nbformat.read(KOREAN / path.name, as_version=4)
    without = {c.id for c in korean.cells if c.cell_type == "markdown" and not HANGUL.search(c.source)}
    assert without == NO_HANGUL.get(path.stem, set()), f"markdown cells without Hangul: {sorted(without)}"


def _tree(source: str):
    python = TransformerManager().transform_cell(source)  # %magics -> Python, as IPython runs them
    return compile(python, "<cell>", "exec", flags=ast.PyCF_ONLY_AST | ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)


def _strings_apart(tree) -> tuple[str, list[str]]:
    """The tree's dump with every string blanked, and the strings' texts, in order. An f-string
    keeps its {fields} (in any order: Korean puts words in another order), not its words."""
    strings = []

    class Blank(ast.NodeTransformer):
        def visit_JoinedStr(self, node):
            fields = sorted(ast.dump(v) for v in node.values if isinstance(v, ast.FormattedValue))  # code
            strings.append("".join(v.value for v in node.values if isinstance(v, ast.Constant)))
            return ast.Constant(value="f-string with " + " ".join(fields))

        def visit_Constant(self, node):
            if type(node.value) is str:
                strings.append(node.value)
                return ast.Constant(value="")
            return node

    return ast.dump(Blank().visit(tree)), strings


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_korean_code_is_the_english_code(path):
    """Same cells (type, id, tags, slides); code cells differ only in comments and in strings a
    reader sees, which must then be Korean (the setup cell's language aside)."""
    english = nbformat.read(path, as_version=4)
    korean = nbformat.read(KOREAN / path.name, as_version=4)
    assert [(c.cell_type, c.id, c.metadata) for c in korean.cells] == [
        (c.cell_type, c.id, c.metadata) for c in english.cells
    ]
    for en, ko in zip(english.cells, korean.cells, strict=True):
        if en.cell_type != "code":
            continue
        en_dump, en_strings = _strings_apart(_tree(en.source))
        ko_dump, ko_strings = _strings_apart(_tree(ko.source))
        assert ko_dump == en_dump, f"cell {en.id}: the code differs beyond strings and comments"
        for a, b in zip(en_strings, ko_strings, strict=True):
            allowed = HANGUL.search(b) or (a, b) == ("en", "ko") and "setup" in en.metadata.get("tags", [])
            assert a == b or allowed, f"cell {en.id}: {a!r} became {b!r}, which is not Korean"
        if "setup" in en.metadata.get("tags", []):
            assert 'check_setup(language="en")' in en.source and 'check_setup(language="ko")' in ko.source


def test_the_2018_note_is_quoted_in_its_own_korean():
    """Where the English quotes the seed note, the Korean edition quotes its original sentences."""
    seed = (NOTEBOOKS.parent.parent / "shared" / "seed").glob("*.txt")
    text = "\n".join(p.read_text(encoding="utf-8") for p in seed)
    korean = " ".join(
        " ".join(c.source.split())  # one line: a quote may wrap in the markdown
        for p in PATHS
        for c in nbformat.read(KOREAN / p.name, as_version=4).cells
        if c.cell_type == "markdown"
    )
    for sentence in (
        "코루틴을 이해하기 위해서는 먼저 Generator에 대한 이해가 필수적이다",  # 07
        "파이썬의 메모리 관리가 thread safe 하지 않기 때문에",  # 03
    ):
        assert sentence in korean
        assert not text or sentence in text  # the seed (outside the repository) says so, where present


# --------------------------------------------------------------------------------------------
# The helpers in Korean


def test_set_language_takes_codes_and_names_and_refuses_the_rest():
    for name, code in (("en", "en"), ("English", "en"), ("ko", "ko"), ("Korean", "ko"), ("한국어", "ko")):
        assert i18n.set_language(name) == code and i18n.get_language() == code
    for bad in ("fr", "", None, 3):
        with pytest.raises(ValueError, match="language must be one of 'en', 'ko'"):
            i18n.set_language(bad)


def test_messages_keep_their_figures_exact_in_both_languages():
    def feedback():
        fb = checks.Feedback("T")
        checks.check_answers(fb, [{"url": f"http://127.0.0.1/get?{i}"} for i in (0, 2, 1)], ["0", "1", "2"])
        checks.check_peak(fb, {"peak_in_flight": 137}, 100)
        checks.check_time(fb, 2.345, 1.0, stall=None)
        return fb.text

    english = feedback()
    i18n.set_language("ko")
    korean = feedback()
    assert HANGUL.search(korean) and not HANGUL.search(english)
    numbers = re.compile(r"\d+(?:\.\d+)?")
    assert sorted(numbers.findall(korean)) == sorted(numbers.findall(english))
    assert "137" in korean and "2.35" in korean and "?1" in korean


@pytest.mark.parametrize("language", ["en", "ko"])
def test_a_checker_speaks_the_notebook_language_on_a_pass_and_a_failure(language):
    i18n.set_language(language)
    ns = checks.load_solution("07", "countdown")
    states = {
        "before the first next()": "GEN_CREATED",
        "after the first next()": "suspended",
        "after list(gen)": "closed",
    }
    passed = nb07.countdown(ns["countdown"], states)
    failed = nb07.countdown(lambda n: list(range(n, 0, -1)), states)
    assert passed.status == "passed" and failed.status == "failed"
    for fb in (passed, failed):
        shown = str(fb)
        if language == "ko":
            assert HANGUL.search(shown) and ("✓ 통과" in shown or "✗ 아직 아님" in shown), shown
        else:
            assert not HANGUL.search(shown) and ("✓ passed" in shown or "✗ not yet" in shown), shown
    assert "[3, 2, 1]" in str(failed)  # the learner's own value, quoted exactly in both


def test_every_catalog_loads_into_gettext():
    translated = i18n.translations("ko")
    assert translated.gettext("✓ passed") == "✓ 통과"
    assert i18n.translations("en").gettext("✓ passed") == "✓ passed"
    strings: dict[str, set[str]] = {}
    for domain in translations.helper_domains():
        for message in translations.read_catalog(translations.helper_catalog_path(domain)):
            if message.id:
                strings.setdefault(message.id, set()).add(message.string)
    assert len(strings) > 500
    for english, korean in strings.items():  # a message in two catalogs: either translation
        assert translated.gettext(english) in korean, english
