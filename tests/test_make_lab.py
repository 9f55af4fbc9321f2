"""`make lab` (the README's first command) serves JupyterLab on the course home notebook."""

from __future__ import annotations

import re
import urllib.request

from tests.lab_process import make_lab


def test_make_lab_serves_the_home_notebook(tmp_path):
    token = "course-test-token"
    with make_lab(tmp_path, token) as (base, log):
        printed = re.search(rf"{re.escape(base)}/lab/tree/00_\w+\.ipynb\?token={token}", log.read_text())
        assert printed, f"make lab printed no URL to the home notebook:\n{log.read_text()[-3000:]}"
        with urllib.request.urlopen(printed.group(), timeout=30) as response:
            assert response.status == 200
            assert b"JupyterLab" in response.read()
        with urllib.request.urlopen(f"{base}/lab?token={token}", timeout=30) as response:
            assert response.status == 200
