"""The nbgitpuller link (helpers/classroom/puller.py), parsed back; what nbgitpuller does with it is
tests/classroom/test_puller.py's."""

from __future__ import annotations

import subprocess
import sys
import urllib.parse

import pytest

from helpers.classroom.puller import DEFAULT_FILE, default_target, main, pull_link
from tests.notebook_run import ROOT

HUB = "https://hub.example.edu"
REPO = "https://github.com/owner/event-loop-course"


def _parts(link: str) -> tuple[urllib.parse.SplitResult, dict[str, str]]:
    parts = urllib.parse.urlsplit(link)
    pairs = urllib.parse.parse_qsl(parts.query, strict_parsing=True)
    assert len(pairs) == len(dict(pairs)), f"a parameter twice: {pairs}"
    return parts, dict(pairs)


def test_the_link_has_nbgitpullers_form():
    parts, query = _parts(pull_link(HUB, REPO))
    assert (parts.scheme, parts.netloc, parts.path) == (
        "https",
        "hub.example.edu",
        "/hub/user-redirect/git-pull",
    )
    assert query == {
        "repo": REPO,
        "branch": "main",
        "urlpath": f"lab/tree/event-loop-course/{DEFAULT_FILE}",
        "targetpath": "event-loop-course",
    }
    assert DEFAULT_FILE == "notebooks/00_home.ipynb" and (ROOT / DEFAULT_FILE).is_file()


def test_the_query_is_encoded_as_a_browser_encodes_a_form():
    link = pull_link(HUB, REPO)
    # URLSearchParams (nbgitpuller's link generator): / and : are escaped inside a value
    assert "repo=https%3A%2F%2Fgithub.com%2Fowner%2Fevent-loop-course&" in link
    assert "&urlpath=lab%2Ftree%2Fevent-loop-course%2Fnotebooks%2F00_home.ipynb&" in link


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"branch": "week-2"}, {"branch": "week-2"}),
        (
            {"target": "async-course", "file": "notebooks/04_aiohttp.ipynb"},
            {"targetpath": "async-course", "urlpath": "lab/tree/async-course/notebooks/04_aiohttp.ipynb"},
        ),
        ({"app": "notebook"}, {"urlpath": f"notebooks/event-loop-course/{DEFAULT_FILE}"}),
        ({"app": "notebook", "file": "notebooks"}, {"urlpath": "tree/event-loop-course/notebooks"}),
        ({"file": "my notes.ipynb"}, {"urlpath": "lab/tree/event-loop-course/my%20notes.ipynb"}),
    ],
)
def test_each_option_reaches_its_parameter(kwargs, expected):
    _, query = _parts(pull_link(HUB, REPO, **kwargs))
    for key, value in expected.items():
        assert query[key] == value


def test_a_hub_under_a_path_and_a_trailing_slash():
    parts, _ = _parts(pull_link("http://10.0.0.5:8000/course/", REPO))
    assert (parts.scheme, parts.netloc, parts.path) == (
        "http",
        "10.0.0.5:8000",
        "/course/hub/user-redirect/git-pull",
    )


@pytest.mark.parametrize(
    "repo, target",
    [
        ("https://github.com/owner/event-loop-course.git", "event-loop-course"),
        ("https://gitlab.example.edu/teachers/python/event-loop/", "event-loop"),
        ("file:///srv/git/course.git", "course"),
        ("git://git.example.edu/course", "course"),
    ],
)
def test_the_default_folder_is_the_repositorys_name(repo, target):
    assert default_target(repo) == target
    assert _parts(pull_link(HUB, repo))[1]["targetpath"] == target


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"hub": "hub.example.edu"}, "hub must be the hub's address"),
        ({"hub": "ftp://hub.example.edu"}, "hub must be the hub's address"),
        ({"hub": "https://hub.example.edu/hub/home"}, "without /hub/"),
        ({"hub": "https://hub.example.edu/user/ann/lab"}, "without /hub/…, /user/"),
        ({"hub": "https://hub.example.edu/?next=x"}, "or a query"),
        ({"repo": "git@github.com:owner/event-loop-course.git"}, "ssh needs a key"),
        ({"repo": "ssh://git@github.com/owner/course"}, "ssh needs a key"),
        ({"repo": "/srv/git/course.git"}, "https://"),
        ({"repo": "file://srv/git/course.git"}, "three slashes"),
        ({"repo": "https://github.com/owner/event-loop-course/tree/main"}, "not a page in it"),
        ({"repo": "https://github.com"}, "must name a repository"),
        ({"branch": ""}, "branch must be a branch name"),
        ({"branch": "   "}, "branch must be a branch name"),
        ({"branch": "week 2"}, "branch must be a branch name git accepts"),
        ({"branch": "a..b"}, "branch must be a branch name git accepts"),
        ({"branch": "-main"}, "branch must be a branch name git accepts"),
        ({"branch": "main.lock"}, "branch must be a branch name git accepts"),
        ({"file": ""}, "file must be a path inside the repository"),
        ({"file": "/etc/passwd"}, "file must be a path inside the repository"),
        ({"file": "../outside.ipynb"}, "file must be a path inside the repository"),
        ({"target": "a/b"}, "target must be a folder name"),
        ({"target": ".."}, "target must be a folder name"),
        ({"target": ""}, "target must be a folder name"),
        ({"app": "rstudio"}, "app must be one of lab, notebook"),
    ],
)
def test_bad_input_gets_a_clear_error(kwargs, message):
    args = {"hub": HUB, "repo": REPO, **kwargs}
    with pytest.raises(ValueError) as error:
        pull_link(**args)
    assert message in str(error.value)


@pytest.mark.parametrize("name", ["hub", "repo", "branch", "file", "app", "target"])
def test_a_value_that_is_not_a_str_is_a_type_error(name):
    args = {"hub": HUB, "repo": REPO, name: 3}
    with pytest.raises(TypeError, match=f"{name} must be a str, got 3"):
        pull_link(**args)


def test_the_branch_rule_agrees_with_git():
    for branch in ["main", "week-2", "release/2026", "a..b", "week 2", "-x", "x.lock", "x/", "x:y", "a@{b"]:
        git = (
            subprocess.run(["git", "check-ref-format", "--branch", branch], capture_output=True).returncode
            == 0
        )
        try:
            pull_link(HUB, REPO, branch=branch)
            ours = True
        except ValueError:
            ours = False
        assert ours == git, branch


def test_the_command_prints_the_link(capsys):
    assert main(["--hub", HUB, "--repo", REPO, "--branch", "main"]) == 0
    assert capsys.readouterr().out == pull_link(HUB, REPO, "main") + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "helpers.classroom.puller", "--hub", HUB, "--repo", REPO, "--branch", "main"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert (result.returncode, result.stdout) == (0, pull_link(HUB, REPO) + "\n"), result.stderr


def test_the_command_says_what_is_wrong(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--hub", "hub.example.edu", "--repo", REPO])
    assert exit_.value.code == 2
    assert "hub must be the hub's address" in capsys.readouterr().err
