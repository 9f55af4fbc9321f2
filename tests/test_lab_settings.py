"""The course's JupyterLab defaults (helpers/static/overrides.json): names JupyterLab knows, installed
where JupyterLab reads them by `course.py setup`, the hub's install and Binder's postBuild; and the
notebooks' kernel metadata, which opens each "next →" notebook with no "Select Kernel" dialog.

(In a real browser: tests/test_browser.py, test_jupyterlab_does_not_ask_about_jupyter_news and
test_the_next_link_opens_the_next_notebook_ready_to_run.)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyterlab.commands import get_app_dir

import course
from helpers.classroom import hub
from tests.notebook_run import NOTEBOOKS, ROOT

SETTINGS = ROOT.joinpath(*course.LAB_SETTINGS)
WHERE = Path("share", "jupyter", "lab", "settings", "overrides.json")  # under a venv's sys.prefix
EXPECTED = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True},
}


def test_the_settings_are_the_course_s_three():
    assert json.loads(SETTINGS.read_text()) == EXPECTED


@pytest.mark.parametrize("plugin", sorted(EXPECTED))
def test_each_setting_exists_in_the_installed_jupyterlab_with_a_value_it_accepts(plugin):
    package, name = plugin.split(":")
    schema = json.loads((Path(get_app_dir()) / "schemas" / package / f"{name}.json").read_text())
    for key, value in json.loads(SETTINGS.read_text())[plugin].items():
        assert key in schema["properties"], f"{plugin} has no setting {key!r} in this JupyterLab"
        jsonschema.validate(value, schema["properties"][key])
        assert value != schema["properties"][key]["default"], f"{plugin} {key}: already JupyterLab's default"


def test_the_copy_goes_where_jupyterlab_reads_it(monkeypatch):
    monkeypatch.delenv("JUPYTERLAB_DIR", raising=False)
    # LabApp's app_settings_dir is {app_dir}/settings; its app_dir, {sys.prefix}/share/jupyter/lab.
    assert Path(get_app_dir()) / "settings" / "overrides.json" == Path(sys.prefix) / WHERE
    assert hub.LAB_SETTINGS == SETTINGS, "the hub's install copies another file"


def _course_copy(tmp_path: Path) -> Path:
    root = tmp_path / "course"
    (root / SETTINGS.relative_to(ROOT)).parent.mkdir(parents=True)
    for name in ("course.py", *course.INPUTS, SETTINGS.relative_to(ROOT)):
        shutil.copy(ROOT / name, root / name)
    return root


def test_course_setup_installs_the_settings_and_keeps_them_up_to_date(tmp_path, monkeypatch, capsys):
    root = _course_copy(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    monkeypatch.setattr(course, "pip_works", lambda python: True)
    monkeypatch.setattr(course, "wait_saying", lambda argv, cwd, doing: 0)  # pip "succeeds"
    course.setup(venv, root=root)
    assert (venv / WHERE).read_bytes() == SETTINGS.read_bytes(), "not installed after pip"

    # A changed settings file reaches the venv on the next run, with nothing to install.
    (root / SETTINGS.relative_to(ROOT)).write_text('{"@jupyterlab/apputils-extension:notification": {}}\n')
    monkeypatch.setattr(course, "wait_saying", lambda *args: pytest.fail("must not run pip"))
    capsys.readouterr()
    course.setup(venv, root=root)
    assert capsys.readouterr().out == "venv is up to date (nothing to install).\n"
    assert (venv / WHERE).read_text() == '{"@jupyterlab/apputils-extension:notification": {}}\n'


def test_binders_postbuild_installs_them_and_no_binder_folder_hides_environment_yml(tmp_path):
    assert os.access(ROOT / "postBuild", os.X_OK), "Binder runs postBuild only if it is executable"
    assert not (ROOT / "binder").exists() and not (ROOT / ".binder").exists()
    assert (ROOT / "environment.yml").is_file()
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "JUPYTERLAB_DIR": str(tmp_path),
    }
    result = subprocess.run(["bash", "postBuild"], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "settings" / "overrides.json").read_bytes() == SETTINGS.read_bytes()


@pytest.mark.parametrize("path", sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb")), ids=lambda p: p.stem)
def test_every_notebook_names_a_kernel_jupyterlab_starts_without_asking(path):
    """JupyterLab starts the kernel a notebook's metadata names; with none (or an unknown one) it asks
    "Select Kernel" (only autoStartDefaultKernel, above, makes it start Python 3 instead)."""
    spec = nbformat.read(path, as_version=4).metadata.get("kernelspec", {})
    assert (spec.get("name"), spec.get("language")) == ("python3", "python"), spec
    assert "python3" in KernelSpecManager().find_kernel_specs()
