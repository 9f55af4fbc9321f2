"""The README's first command serves JupyterLab on the course home notebook: `python3 course.py lab`,
and `make lab`, its thin wrapper."""

from __future__ import annotations

import re
import shutil
import urllib.request

import pytest

from tests.lab_process import make_lab


@pytest.mark.parametrize("via", ["course.py", "make"])
def test_lab_serves_the_home_notebook(tmp_path, via):
    if via == "make" and shutil.which("make") is None:
        pytest.skip("make is not on PATH here (Windows, or macOS without the Xcode tools); course.py is")
    token = "course-test-token"
    with make_lab(tmp_path, token, via=via) as (base, log):
        printed = re.search(rf"{re.escape(base)}/lab/tree/00_\w+\.ipynb\?token={token}", log.read_text())
        assert printed, f"{via} lab printed no URL to the home notebook:\n{log.read_text()[-3000:]}"
        with urllib.request.urlopen(printed.group(), timeout=30) as response:
            assert response.status == 200
            assert b"JupyterLab" in response.read()
        with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=30) as response:
            assert response.status == 200
