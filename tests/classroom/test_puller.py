"""nbgitpuller, from the classroom's shared environment, run as a real student (a Unix user made here).

The teacher's repository is a bare git repository made from this repository's HEAD, served on
loopback by ``git daemon`` as a git host would serve it. The student pulls with the parameters of
the link ``helpers.classroom.puller.pull_link`` builds, through nbgitpuller's own ``GitPuller`` (the
``gitpuller`` command: the code the hub's git-pull page runs), in their own home.

What a teacher can rely on (nbgitpuller's "automatic merging", docs/topic/automatic-merging.md):
the first click clones the course; later clicks bring the teacher's new and changed files and keep
the student's edits. Where both changed the same lines of one file (a notebook is one JSON file, so
"the same spot"), git merges with ``-Xours``: the student's side wins that spot, and the teacher's
change there does not reach that student. A student who wants the teacher's version renames their
copy and clicks again: a tracked file that is missing comes back fresh.
"""

from __future__ import annotations

import shutil
import subprocess
import time
import urllib.parse
from pathlib import Path

import nbformat
import pytest

from helpers.classroom.puller import pull_link
from tests.classroom.upstream import EDIT, Upstream
from tests.classroom.users import UnixUser

pytestmark = [pytest.mark.classroom, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]


class Student(UnixUser):
    """A Unix user who pulls the course with nbgitpuller."""

    def __init__(self, layout):
        super().__init__(layout, prefix="pull")

    def pull(self, link: str) -> str:
        """What a click on ``link`` does on the hub: nbgitpuller's GitPuller with the link's repo,
        branch and targetpath, into this student's home (the server's root). Returns its output."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
        target = self.home / query["targetpath"]
        result = self.run(str(self.layout.bin("gitpuller")), query["repo"], query["branch"], str(target))
        output = result.stdout + result.stderr
        assert result.returncode == 0, f"gitpuller failed as {self.name}:\n{output[-3000:]}"
        return output

    def edit(self, notebook: Path, where: str, text: str) -> None:
        result = self.run(str(self.layout.bin("python")), "-c", EDIT, str(notebook), where, text)
        assert result.returncode == 0, result.stderr

    def write(self, path: Path, text: str) -> None:
        code = "import sys; open(sys.argv[1], 'a', encoding='utf-8').write(sys.argv[2])"
        result = self.run(str(self.layout.bin("python")), "-c", code, str(path), text)
        assert result.returncode == 0, result.stderr

    def not_mine(self, folder: Path) -> list[Path]:
        """Files and folders under ``folder`` this student does not own (the hub runs git as them)."""
        return [p for p in [folder, *folder.rglob("*")] if p.lstat().st_uid != self.uid]

    def close(self) -> None:
        subprocess.run(["userdel", "--remove", self.name], capture_output=True)
        if self.home.exists():
            shutil.rmtree(self.home)


@pytest.fixture
def upstream(layout):
    repo = Upstream(layout.bin("python"))
    yield repo
    repo.close()


@pytest.fixture
def student(layout):
    someone = Student(layout)
    yield someone
    someone.close()


def _cell(path: Path, where: str) -> str:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)  # a merged notebook must still open
    return nb.cells[-1].source if where == "end" else next(c.source for c in nb.cells if c.get("id") == where)


def _sources(path: Path) -> list[str]:
    return [cell.source for cell in nbformat.read(path, as_version=4).cells]


def test_a_second_pull_brings_the_teachers_changes_and_keeps_the_students_edits(upstream, student):
    link = pull_link("https://hub.example.edu", upstream.url, branch="main")
    started = time.perf_counter()

    student.pull(link)
    course = student.home / "course"
    urlpath = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))["urlpath"]
    assert urlpath == "lab/tree/course/notebooks/00_home.ipynb"
    assert (student.home / urlpath.removeprefix("lab/tree/")).is_file(), "JupyterLab would open nothing"
    shipped = sorted(p.name for p in (upstream.work / "notebooks").glob("*.ipynb"))
    assert sorted(p.name for p in (course / "notebooks").glob("*.ipynb")) == shipped and len(shipped) == 17
    assert not student.not_mine(course), f"owned by someone else: {student.not_mine(course)[:5]}"

    # The student works: an answer cell in 01, a note in the README, a file of their own.
    mine = "# my answer\nprint(sum(range(10)))"
    student.edit(course / "notebooks/01_for_loop.ipynb", "end", mine)
    student.write(course / "README.md", "\nMy notes: 01 took 12 s.\n")
    student.write(course / "notebooks/scratch.txt", "mine alone\n")

    # The teacher changes another notebook and adds one.
    upstream.edit("notebooks/02_threads.ipynb", "c00", "# 02 · Threads and a queue (revised)")
    bonus = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 17 · Bonus")])
    nbformat.write(bonus, upstream.work / "notebooks/17_bonus.ipynb")
    upstream.publish("02 revised; a bonus notebook")

    output = student.pull(link)
    assert _cell(course / "notebooks/02_threads.ipynb", "c00").startswith(
        "# 02 · Threads and a queue (revised)\n"
    )
    assert _sources(course / "notebooks/17_bonus.ipynb") == ["# 17 · Bonus"], output
    assert _cell(course / "notebooks/01_for_loop.ipynb", "end") == mine, "the student's answer was lost"
    assert (course / "README.md").read_text().endswith("\nMy notes: 01 took 12 s.\n")
    assert (course / "notebooks/scratch.txt").read_text() == "mine alone\n"
    assert not student.not_mine(course), f"owned by someone else: {student.not_mine(course)[:5]}"
    print(f"clone, edits, upstream commit and second pull: {time.perf_counter() - started:.1f} s")


def test_when_both_change_the_same_notebook_the_students_side_wins_where_they_collide(upstream, student):
    link = pull_link("https://hub.example.edu", upstream.url)
    student.pull(link)
    notebook = student.home / "course" / "notebooks" / "01_for_loop.ipynb"
    # The student turns a knob (cell c05's first line) and adds an answer cell at the end.
    student.edit(notebook, "c05", "N = 20  # number of requests (knob): mine")
    student.edit(notebook, "end", "# my answer")
    # The teacher retitles the notebook (a line the student left alone), turns the same knob, and
    # adds a cell at the end too.
    upstream.edit("notebooks/01_for_loop.ipynb", "c00", "# 01 · The for-loop (revised)")
    upstream.edit("notebooks/01_for_loop.ipynb", "c05", "N = 50  # number of requests (knob)")
    upstream.edit("notebooks/01_for_loop.ipynb", "end", "# the teacher's new exercise")
    upstream.publish("01 revised")

    student.pull(link)
    cells = _sources(notebook)
    assert _cell(notebook, "c00").startswith("# 01 · The for-loop (revised)\n"), "a separate change merges in"
    assert _cell(notebook, "c05").startswith("N = 20  # number of requests (knob): mine\n"), (
        "the student's line wins"
    )
    assert cells[-1] == "# my answer", "the student's cell stays"
    assert "# the teacher's new exercise" not in cells, (
        "where both added at the same spot, the student's side wins"
    )

    # Renamed by the student, then clicked again: the teacher's version comes back beside theirs.
    mine = notebook.with_name("01_for_loop-mine.ipynb")
    result = student.run("mv", str(notebook), str(mine))
    assert result.returncode == 0, result.stderr
    student.pull(link)
    assert _cell(notebook, "c05").startswith("N = 50  # number of requests (knob)\n")
    assert _sources(notebook)[-1] == "# the teacher's new exercise"
    assert _sources(mine)[-1] == "# my answer" and _cell(mine, "c05").startswith("N = 20")
    assert not student.not_mine(student.home / "course")
