"""The language of the helpers' messages: English, or Korean in the Korean notebooks.

A Korean notebook's setup cell runs ``check_setup(language="ko")``, which calls
:func:`set_language`. From then on, in that kernel, the checkers' feedback (verdicts, ✓/✗
lines, hints), the messages for cells run out of order and the plots' own labels are Korean.
An English notebook's setup cell says ``language="en"``.

The translations are gettext catalogs, ``helpers/locale/ko/LC_MESSAGES/<module>.po``, one per
helpers module that speaks to the reader (``checks``, ``nb04``, ...). They are read with
Babel, compiled in memory and handed to the standard library's :class:`gettext.GNUTranslations`;
a message with no translation stays English.

In the helpers, a message is marked ``_("... {name} ...", name=value)``: the English text is
the key, and the ``{fields}`` are filled after translation, so every figure is the same in
both languages. ``N_("...")`` marks a message kept in a constant, translated where it is used.
"""

from __future__ import annotations

import gettext
import io
import threading
from pathlib import Path

__all__ = ["LANGUAGES", "N_", "_", "get_language", "set_language", "translations"]

LOCALE = Path(__file__).resolve().parent / "locale"
LANGUAGES = {"en": "English", "ko": "한국어"}
_ALIASES = {"en": "en", "english": "en", "ko": "ko", "korean": "ko", "한국어": "ko"}
_state = {"language": "en"}
_cache: dict[str, gettext.NullTranslations] = {}
_lock = threading.Lock()


def set_language(language: str) -> str:
    """Speak ``language`` from now on in this process: ``"en"`` or ``"ko"`` (also "English",
    "Korean", "한국어"). Returns the language's code; a clear ValueError for anything else."""
    if not isinstance(language, str) or language.strip().lower() not in _ALIASES:
        choices = ", ".join(repr(code) for code in LANGUAGES)
        raise ValueError(f"language must be one of {choices} (English, 한국어), got {language!r}")
    code = _ALIASES[language.strip().lower()]
    translations(code)  # a broken catalog fails here, at the setup cell, not in a check
    _state["language"] = code
    return code


def get_language() -> str:
    """The language the helpers speak now: ``"en"`` or ``"ko"``."""
    return _state["language"]


def translations(language: str | None = None) -> gettext.NullTranslations:
    """The gettext translations of ``language`` (default: the current one), built once."""
    code = language or get_language()
    if code == "en":
        return gettext.NullTranslations()
    with _lock:
        if code not in _cache:
            _cache[code] = _load(code)
        return _cache[code]


def _load(code: str) -> gettext.NullTranslations:
    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    merged = Catalog(locale=code)
    for path in sorted((LOCALE / code / "LC_MESSAGES").glob("*.po")):
        with open(path, "rb") as f:
            for message in read_po(f):
                if message.id and message.string and not message.fuzzy and message.id not in merged:
                    merged.add(message.id, message.string)
    compiled = io.BytesIO()
    write_mo(compiled, merged)
    compiled.seek(0)
    return gettext.GNUTranslations(compiled)


def _(message: str, /, **fields) -> str:
    """``message`` in the current language, its ``{fields}`` filled in."""
    text = message if get_language() == "en" else translations().gettext(message)
    return text.format(**fields) if fields else text


def N_(message: str) -> str:
    """Mark ``message`` for translation without translating it now (it is translated where used)."""
    return message
