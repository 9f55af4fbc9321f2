"""Argument checks shared by the helpers' public functions.

Each error names the parameter, what it accepts and the value it got, e.g.
``repeats must be an int >= 1, got 0``: TypeError for a value of the wrong
type, ValueError for one out of range. Every check returns the value it let through.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path


def got(value: object) -> str:
    """The value as the error messages show it: its repr, cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def is_number(value: object) -> bool:
    """An int or a float, but not a bool (``True`` is not a number of seconds)."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def int_range(minimum: int, maximum: int | None = None) -> str:
    """``"an int >= 1"`` or ``"an int in [0, 50]"``."""
    return f"an int >= {minimum}" if maximum is None else f"an int in [{minimum}, {maximum}]"


def check_int(name: str, value: object, *, minimum: int, maximum: int | None = None) -> int:
    allowed = int_range(minimum, maximum)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be {allowed}, got {got(value)}")
    if value < minimum or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {allowed}, got {got(value)}")
    return value


def check_number(
    name: str,
    value: object,
    *,
    low: float = 0.0,
    high: float = math.inf,
    open_low: bool = False,
    unit="seconds",
) -> float:
    """A finite int or float in [low, high] (or (low, high] with ``open_low``)."""
    if high == math.inf:
        allowed = f"a finite number of {unit} {'>' if open_low else '>='} {low:g}"
    else:
        allowed = f"a number of {unit} in {'(' if open_low else '['}{low:g}, {high:g}]"
    if not is_number(value):
        raise TypeError(f"{name} must be {allowed}, got {got(value)}")
    if not math.isfinite(value) or value < low or (open_low and value == low) or value > high:
        raise ValueError(f"{name} must be {allowed}, got {got(value)}")
    return value


def check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {got(value)}")
    return value


def check_str(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{name} must be a str, got {got(value)}")
    return value


def check_callable(name: str, value: object, what: str = "a function") -> Callable:
    if not callable(value):
        raise TypeError(f"{name} must be {what}, got {got(value)}")
    return value


def check_mapping(name: str, value: object, what: str = "a dict") -> Mapping:
    """A notebook (``nbformat.NotebookNode``) is a dict too."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be {what}, got {got(value)}")
    return value


def check_path(name: str, value: object) -> Path:
    """A path given as a ``str`` or a ``pathlib.Path`` (any ``os.PathLike``), returned as a Path."""
    if not isinstance(value, str | os.PathLike) or value == "":
        raise TypeError(f"{name} must be a path (a str or pathlib.Path), got {got(value)}")
    return Path(value)


def check_paths(name: str, value: object) -> list[Path]:
    """A list or tuple of paths (not a single str, whose characters are not paths)."""
    if isinstance(value, str | bytes | os.PathLike) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of paths (str or pathlib.Path), got {got(value)}")
    for item in value:
        if not isinstance(item, str | os.PathLike) or item == "":
            raise TypeError(f"{name} must be a list of paths (str or pathlib.Path), got an item {got(item)}")
    return [Path(item) for item in value]


def check_strings(name: str, value: object) -> list[str]:
    """An iterable of str (a list, a tuple, a set...), but not a str itself."""
    if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be a list of str, got {got(value)}")
    value = list(value)
    for item in value:
        if not isinstance(item, str):
            raise TypeError(f"{name} must be a list of str, got an item {got(item)}")
    return value


def check_argv(argv: object) -> list[str] | None:
    """A command line's arguments: None (``sys.argv[1:]``) or a list of str."""
    if argv is not None and (
        not isinstance(argv, list | tuple) or not all(isinstance(arg, str) for arg in argv)
    ):
        raise TypeError(f"argv must be a list of str (the command-line arguments) or None, got {got(argv)}")
    return argv


def cli_int(minimum: int, maximum: int | None = None) -> Callable[[str], int]:
    """An argparse ``type=``: ``--jobs 0`` fails with "argument --jobs: must be an int >= 1, got '0'"."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(f"must be {int_range(minimum, maximum)}, got {text!r}")
        return value

    return parse


def cli_number(low: float, high: float, unit: str = "seconds") -> Callable[[str], float]:
    """An argparse ``type=`` for a number in (low, high]: "argument --latency: must be ..."."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not low < value <= high:  # NaN fails too
            raise argparse.ArgumentTypeError(
                f"must be a number of {unit} in ({low:g}, {high:g}], got {text!r}"
            )
        return value

    return parse
