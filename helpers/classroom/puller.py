"""nbgitpuller links: one click puts the course into a student's home on a JupyterHub, or updates it.

    python -m helpers.classroom.puller --hub https://hub.example.edu --repo https://github.com/OWNER/REPO

prints the link to hand out. A student who clicks it logs in to the hub, their server clones the
repository into ``~/<target>`` (or, the next time, merges the upstream changes into it, keeping their
own edits) and JupyterLab opens the course's home notebook. The hub's user environment needs
nbgitpuller (the classroom's does: ``classroom/requirements.txt``).

The link has the form of nbgitpuller 1.3.0's link generator (its docs/_static/link_gen/link.js and
docs/topic/url-options.rst), query encoded as a browser's ``URLSearchParams`` would::

    {hub}/hub/user-redirect/git-pull?repo=…&branch=…&urlpath=lab/tree/<target>/<file>&targetpath=<target>
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.parse

from helpers._validate import check_str, got

__all__ = ["DEFAULT_BRANCH", "DEFAULT_FILE", "APPS", "pull_link", "default_target", "main"]

DEFAULT_BRANCH = "main"
DEFAULT_FILE = "notebooks/00_home.ipynb"
# Where each app opens a path, relative to the user's server (as nbgitpuller's own UIHandler builds it).
APPS = ("lab", "notebook")
REPO_SCHEMES = ("https", "http", "git", "file")  # what a student's server can clone with no password
# Pages of a repository on a forge, pasted instead of the repository: https://github.com/O/R/tree/main
FORGES = ("github.com", "gitlab.com", "codeberg.org")
_BAD_REF = re.compile(r"[\x00-\x20\x7f~^:?*\[\\]|\.\.|@\{|//")


def _check_hub(hub: object) -> str:
    """The hub's base URL, without a trailing slash."""
    check_str("hub", hub)
    parts = urllib.parse.urlsplit(hub.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ValueError(f"hub must be the hub's address, such as https://hub.example.edu, got {got(hub)}")
    if parts.query or parts.fragment or "/hub/" in parts.path + "/" or "/user/" in parts.path:
        raise ValueError(
            f"hub must be the hub's address alone (https://hub.example.edu), without /hub/…, /user/… "
            f"or a query, got {got(hub)}"
        )
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _check_repo(repo: object) -> str:
    check_str("repo", repo)
    repo = repo.strip()
    parts = urllib.parse.urlsplit(repo)
    wanted = "a git URL every student's server can clone with no password: https://…, http://…, git://… or file:///…"
    if parts.scheme not in REPO_SCHEMES:
        hint = " (ssh needs a key no student's server has)" if parts.scheme == "ssh" or "@" in repo else ""
        raise ValueError(f"repo must be {wanted}{hint}, got {got(repo)}")
    if parts.scheme == "file" and (parts.netloc or not parts.path.startswith("/")):
        raise ValueError(
            f"repo must be {wanted}; a file URL has three slashes (file:///srv/course.git), got {got(repo)}"
        )
    if parts.scheme != "file" and not parts.hostname:
        raise ValueError(f"repo must be {wanted}, got {got(repo)}")
    if parts.query or parts.fragment:
        raise ValueError(
            f"repo must be the repository's URL alone, with no query or #fragment, got {got(repo)}"
        )
    segments = [s for s in parts.path.split("/") if s]
    if parts.hostname in FORGES and len(segments) > 2:
        raise ValueError(
            f"repo must be the repository's URL (https://{parts.hostname}/OWNER/NAME), not a page in it, "
            f"got {got(repo)}"
        )
    if not segments:
        raise ValueError(f"repo must name a repository (a path after the host), got {got(repo)}")
    return repo


def _check_branch(branch: object) -> str:
    """A name git accepts for a branch (the rules of ``git check-ref-format --branch``)."""
    check_str("branch", branch)
    if not branch.strip():
        raise ValueError(f"branch must be a branch name, such as main, got {got(branch)}")
    if (
        _BAD_REF.search(branch)
        or branch.startswith(("-", "/", "."))
        or branch.endswith(("/", ".", ".lock"))
        or "/." in branch
        or branch == "@"
    ):
        raise ValueError(
            f"branch must be a branch name git accepts (no spaces, .., ~^:?*[\\), got {got(branch)}"
        )
    return branch


def _check_relative(name: str, value: object, what: str, folder: bool = False) -> str:
    check_str(name, value)
    parts = value.split("/")
    if (
        not value
        or value.startswith("/")
        or "\\" in value
        or any(part in ("", ".", "..") for part in parts)
        or (folder and len(parts) > 1)
        or any(ord(c) < 32 for c in value)
    ):
        raise ValueError(f"{name} must be {what}, got {got(value)}")
    return value


def default_target(repo: str) -> str:
    """The folder a clone of ``repo`` gets by default: its last path segment, without ``.git``."""
    name = [s for s in urllib.parse.urlsplit(_check_repo(repo)).path.split("/") if s][-1]
    return name[: -len(".git")] if name.endswith(".git") and len(name) > 4 else name


def pull_link(
    hub: str,
    repo: str,
    branch: str = DEFAULT_BRANCH,
    file: str = DEFAULT_FILE,
    app: str = "lab",
    target: str | None = None,
) -> str:
    """The nbgitpuller link that clones (or updates) ``repo``'s ``branch`` into ``~/<target>`` on
    ``hub`` and opens ``<target>/<file>`` in ``app`` ("lab": JupyterLab, or "notebook").

    ``target`` defaults to the repository's name (``default_target``). Every input is checked:
    TypeError for a value that is not a str, ValueError with what is expected otherwise.
    """
    base = _check_hub(hub)
    repo = _check_repo(repo)
    branch = _check_branch(branch)
    file = _check_relative("file", file, "a path inside the repository, such as notebooks/00_home.ipynb")
    check_str("app", app)
    if app not in APPS:
        raise ValueError(f"app must be one of {', '.join(APPS)}, got {got(app)}")
    target = default_target(repo) if target is None else target
    target = _check_relative(
        "target", target, "a folder name for the student's home (no /, no ..)", folder=True
    )
    path = urllib.parse.quote(f"{target}/{file}")
    if app == "lab":
        urlpath = f"lab/tree/{path}"
    else:  # Jupyter Notebook 7: notebooks/ opens a notebook, tree/ anything else
        urlpath = f"notebooks/{path}" if file.endswith(".ipynb") else f"tree/{path}"
    query = urllib.parse.urlencode({"repo": repo, "branch": branch, "urlpath": urlpath, "targetpath": target})
    return f"{base}/hub/user-redirect/git-pull?{query}"


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.classroom.puller --hub URL --repo URL [--branch B] …``: print the link."""
    parser = argparse.ArgumentParser(
        prog="python -m helpers.classroom.puller",
        description="Print the nbgitpuller link that puts the course into each student's home on a hub.",
    )
    parser.add_argument("--hub", required=True, help="the hub's address, e.g. https://hub.example.edu")
    parser.add_argument(
        "--repo", required=True, help="the course's git URL, e.g. https://github.com/OWNER/REPO"
    )
    parser.add_argument("--branch", default=DEFAULT_BRANCH, help=f"default: {DEFAULT_BRANCH}")
    parser.add_argument("--file", default=DEFAULT_FILE, help=f"what to open (default: {DEFAULT_FILE})")
    parser.add_argument("--app", default="lab", choices=APPS, help="default: lab (JupyterLab)")
    parser.add_argument(
        "--target", default=None, help="folder in the student's home (default: the repo's name)"
    )
    args = parser.parse_args(argv)
    try:
        link = pull_link(args.hub, args.repo, args.branch, args.file, args.app, args.target)
    except ValueError as error:
        parser.error(str(error))
    print(link)
    return 0


if __name__ == "__main__":
    sys.exit(main())
