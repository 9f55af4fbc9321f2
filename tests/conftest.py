import os

# The tests always use the lab server, whatever the developer's shell says.
os.environ.pop("COURSE_BASE_URL", None)
# Kernels started by the notebook tests inherit this environment: they must get
# Jupyter's inline backend (a plot is an image output), not a headless one.
os.environ.pop("MPLBACKEND", None)


def pytest_collection_modifyitems(session, config, items):
    """Run the notebook tests first: their executions are cached for the decks that the
    browser tests build, so no notebook is executed a third time."""
    items.sort(key=lambda item: item.nodeid.split("::")[0] != "tests/test_notebooks.py")
