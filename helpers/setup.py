"""The check behind every notebook's setup cell: fail fast, say what to do."""

from __future__ import annotations

import os
import re
import sys
from importlib import metadata

from helpers.i18n import N_, _, set_language

MIN_PYTHON = (3, 11)
MAX_TESTED = (3, 15)  # the newest Python the course is tested on (CI: 3.11, 3.14 and 3.15)
REQUIRED = {"aiohttp": "3.9", "requests": "2.31", "matplotlib": "3.8"}
FIX = N_(
    "Start the course from its folder with `python3 course.py lab` (Windows: `py course.py lab`; "
    "or `make lab`), or see README.md, 'Set up'."
)


def _version_tuple(text: str) -> tuple[int, ...]:
    """'3.14.5' -> (3, 14, 5); '2.0rc1' -> (2, 0): the leading numbers of each part."""
    parts = []
    for piece in text.split(".")[:3]:
        match = re.match(r"\d+", piece)
        if not match:
            break
        parts.append(int(match.group()))
    return tuple(parts)


def check_setup(verbose: bool = True, friendly: bool = True, language: str = "en") -> None:
    """Check the Python version and the course's packages; print them when ``verbose``.

    ``language`` ("en", or "ko" in the Korean notebooks) is the language of the helpers'
    messages in this kernel from now on: feedback, hints, plots' labels (:mod:`helpers.i18n`).

    Raises RuntimeError with one sentence on what to do when something is
    missing or too old; a Python newer than 3.15 gets a printed note (untested),
    not an error. The printed line names the build too (free-threaded or not).
    With ``COURSE_BASE_URL`` set, checks that it is a URL (a bad one raises
    :class:`helpers.lab.BaseURLError`) and prints which server the notebooks
    will use. With ``friendly`` (the default), also makes this IPython kernel explain cells
    run out of order in plain words (:mod:`helpers.friendly`); outside IPython
    that does nothing.
    """
    if not isinstance(verbose, bool) or not isinstance(friendly, bool):
        raise TypeError(f"verbose and friendly must be True or False, got {verbose!r} and {friendly!r}")
    if set_language(language) == "ko":  # figures in Korean need a font with Hangul
        from helpers import fonts

        if fonts.use() is None:
            print(fonts.missing_message())
    if sys.version_info < MIN_PYTHON:
        raise RuntimeError(
            _(
                "This course needs Python >= {minimum}; this kernel runs {version}. {fix}",
                minimum=".".join(map(str, MIN_PYTHON)),
                version=sys.version.split()[0],
                fix=_(FIX),
            )
        )
    from helpers.builds import this_build

    versions = {"python": this_build().label()}
    for package, minimum in REQUIRED.items():
        try:
            version = metadata.version(package)
        except metadata.PackageNotFoundError:
            raise RuntimeError(
                _(
                    "The package {package!r} is not installed in this kernel. {fix}",
                    package=package,
                    fix=_(FIX),
                )
            ) from None
        if _version_tuple(version) < _version_tuple(minimum):
            raise RuntimeError(
                _(
                    "{package} {version} is too old (need >= {minimum}). {fix}",
                    package=package,
                    version=version,
                    minimum=minimum,
                    fix=_(FIX),
                )
            )
        versions[package] = version
    from helpers.lab import ENV_BASE_URL, check_base_url

    remote = os.environ.get(ENV_BASE_URL, "").strip()
    remote = check_base_url(remote) if remote else None  # its server is asked at start_server()
    if friendly:
        from helpers import friendly as _friendly

        _friendly.install()
    if verbose:
        print(
            _(
                "Ready: {versions}",
                versions=" · ".join(f"{name} {version}" for name, version in versions.items()),
            )
        )
        if sys.version_info[:2] > MAX_TESTED:
            tested = ".".join(map(str, MAX_TESTED))
            print(
                _(
                    "Note: this Python is newer than {tested}, the newest the course is tested on; "
                    "what a cell shows is still measured on it, but a cell may fail: please report it.",
                    tested=tested,
                )
            )
        if remote:
            print(
                _(
                    "Server: {remote} ({variable}), not the lab server: no counters, and the limit "
                    "is its measured round trip.",
                    remote=remote,
                    variable=ENV_BASE_URL,
                )
            )
