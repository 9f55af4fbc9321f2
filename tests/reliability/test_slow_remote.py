"""A slow, jittery server without counters behind COURSE_BASE_URL: what a reader far from httpbin.org
gets. Every /get waits 150-300 ms, so the measured limit (a median) is well under the slowest
answer; 04, the notebook that counts, limits and retries the most, must still run twice, cleanly.
(`make test` runs every notebook against a 20-30 ms server without counters.)"""

from __future__ import annotations

import pytest

from helpers.lab import ENV_BASE_URL, LabServer
from helpers.server import LabConfig
from tests.notebook_run import NOTEBOOKS, assert_clean, output_texts, run_twice

pytestmark = pytest.mark.reliability

STEMS = ("05_robust_clients",)


@pytest.fixture(scope="module")
def slow_plain_server():
    server = LabServer(LabConfig(latency=0.15, jitter=0.15), plain=True)
    yield server
    server.stop()


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_runs_twice_against_a_slow_jittery_server_without_counters(stem, slow_plain_server):
    nb, seconds, servers = run_twice(
        NOTEBOOKS / f"{stem}.ipynb", timeout=300, env={ENV_BASE_URL: slow_plain_server.url}
    )
    assert_clean(nb)
    assert not servers
    shown = "\n".join(t for c in nb.cells if c.cell_type == "code" for t in output_texts(c))
    assert "keeps no counters" in shown and "has no effect" in shown
    print(f"{stem} against a 150-300 ms server: two passes in {seconds:.1f} s")
