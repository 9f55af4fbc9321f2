import os

import pytest

from helpers import lab
from helpers.lab import ENV_BASE_URL, LabServer
from helpers.server import LabConfig

# The tests always use the lab server, whatever the developer's shell says.
os.environ.pop("COURSE_BASE_URL", None)
# Kernels started by the notebook tests inherit this environment: they must get
# Jupyter's inline backend (a plot is an image output), not a headless one.
os.environ.pop("MPLBACKEND", None)

CONNECT_DELAY = 0.03  # seconds: the plain server's cost of a new connection


def pytest_collection_modifyitems(session, config, items):
    """Run the notebook tests first: their executions are cached for the decks that the
    browser tests build, so no notebook is executed a third time."""
    items.sort(key=lambda item: item.nodeid.split("::")[0] != "tests/test_notebooks.py")


@pytest.fixture(scope="session")
def plain_server():
    """An httpbin-like server with no /stats (``--plain``), on loopback, in its own process: the
    suite's stand-in for httpbin.org behind ``COURSE_BASE_URL``; 20-30 ms per /get, and 30 ms more
    for the first answer on each new connection, as TCP and TLS set-up cost over the internet."""
    server = LabServer(LabConfig(latency=0.02, jitter=0.01), plain=True, connect_delay=CONNECT_DELAY)
    yield server
    server.stop()


@pytest.fixture
def remote(plain_server, monkeypatch):
    """``COURSE_BASE_URL`` set to :func:`plain_server` for one test: ``start_server`` returns a
    RemoteServer (no counters, measured latency) instead of starting the lab."""
    monkeypatch.setenv(ENV_BASE_URL, plain_server.url)
    monkeypatch.setattr(lab, "_last_knobs", None)  # each test's first knobs are said
    return plain_server


@pytest.fixture(scope="session")
def distant_server():
    """Like :func:`plain_server`, but as far away as httpbin.org often is: 200-220 ms per /get, 100 ms
    more on each new connection. For verdicts judged by time alone, which a crowded machine can
    blur when a round trip costs little more than the client's own work (300 requests at once took
    163 ms against a 27 ms round trip under three CI suites)."""
    server = LabServer(LabConfig(latency=0.2, jitter=0.02), plain=True, connect_delay=0.1)
    yield server
    server.stop()


@pytest.fixture
def distant(distant_server, monkeypatch):
    """``COURSE_BASE_URL`` set to :func:`distant_server` for one test, as :func:`remote` does."""
    monkeypatch.setenv(ENV_BASE_URL, distant_server.url)
    monkeypatch.setattr(lab, "_last_knobs", None)
    return distant_server
