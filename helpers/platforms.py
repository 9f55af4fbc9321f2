"""What the operating system lets this process open at once: Linux, macOS and Windows differ.

>>> open_file_limit()                   # doctest: +SKIP
256                                     # a macOS process started from a Terminal
>>> raise_open_file_limit()             # doctest: +SKIP
4096

On Linux and macOS every socket is a file descriptor, and a process may hold at
most its *soft* ``RLIMIT_NOFILE`` of them (``ulimit -n``): usually 1,024 on
Linux, but **256** on macOS, where a few hundred connections at once fail with
"Too many open files" (``EMFILE``). A process may raise its own soft limit up to
its hard limit without any privilege: :func:`raise_open_file_limit` does that,
and the lab server and :func:`helpers.lab.start_server` call it. Windows has
neither the limit for sockets nor the :mod:`resource` module: both functions
return None there. (Windows' own cap is elsewhere: ``select()``, hence
``selectors.DefaultSelector``, watches at most 512 sockets; asyncio's default
loop there, the proactor, has no such cap.)
"""

from __future__ import annotations

#: The soft limit asked for: room for notebook 16's 500 connections, on both ends, and more.
WANTED_OPEN_FILES = 4096


def _resource():
    """The :mod:`resource` module, or None where it does not exist (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    return resource


def open_file_limit() -> int | None:
    """This process's soft limit on open files, sockets included; None when it has none.

    None on Windows (no such limit for sockets) and where the soft limit is unlimited.
    """
    resource = _resource()
    if resource is None:
        return None
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else int(soft)


def raise_open_file_limit(want: int = WANTED_OPEN_FILES) -> int | None:
    """Raise this process's soft open-file limit to ``want``, or to its hard limit if that is lower.

    Never lowers it. Returns the soft limit in force afterwards (None where there is
    none: Windows, or already unlimited). If the system refuses (macOS also caps it
    at ``kern.maxfilesperproc``), the limit stays as it was; nothing is raised.
    """
    if isinstance(want, bool) or not isinstance(want, int) or want < 1:
        raise ValueError(f"want must be an int >= 1 (open files), got {want!r}")
    resource = _resource()
    if resource is None:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= want:
        return open_file_limit()
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if target > soft:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError):  # refused: keep the limit this process has
            pass
    return open_file_limit()
