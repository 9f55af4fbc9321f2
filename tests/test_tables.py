"""helpers.tables.columns: the chosen columns of a fixed-width table, or the table unchanged."""

import pytest

from helpers.tables import columns

TABLE = """\
tid    task id   task name   coroutine stack        awaiter name
------------------------------------------------------------------
12     0x7f01    fetch-0     sleep -> fetch         Task-1
12     0x7f02    fetch-1     sleep -> fetch         Task-1"""


def test_keeps_the_named_columns_in_order():
    assert columns(TABLE, ("task name", "awaiter name")).splitlines() == [
        "task name  awaiter name",
        "fetch-0    Task-1",
        "fetch-1    Task-1",
    ]


def test_an_unknown_column_returns_the_table_unchanged():
    assert columns(TABLE, ("task name", "awaiter chain")) == TABLE
    assert columns("just one line", ("x",)) == "just one line"


@pytest.mark.parametrize("keep", [(), "task name", None])
def test_bad_keep_is_refused(keep):
    with pytest.raises(TypeError, match="keep a non-empty tuple"):
        columns(TABLE, keep)
