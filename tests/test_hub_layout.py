"""The classroom's shared environment knows when it is up to date (no root, no install needed)."""

from __future__ import annotations

import json

from helpers.classroom import hub


def test_up_to_date_only_for_the_same_course_files_and_python(tmp_path):
    layout = hub.Layout(tmp_path)
    assert not hub.up_to_date(layout)  # never installed
    (tmp_path / "installed.json").write_text("not json")
    assert not hub.up_to_date(layout)
    stamp = {"digest": hub._digest("/usr/bin/python3"), "python": "/usr/bin/python3"}
    (tmp_path / "installed.json").write_text(json.dumps(stamp))
    assert hub.up_to_date(layout)
    assert not hub.up_to_date(layout, "/usr/local/bin/python3")  # another Python: install again
    (tmp_path / "installed.json").write_text(json.dumps({**stamp, "digest": "an older course"}))
    assert not hub.up_to_date(layout)
