"""The roster editor's edits: an unedited table (most runs) is no edit, found without comparing
row by row; an edit in a large table is still found."""

from __future__ import annotations

import datetime as dt

from ddq.ui import roster


def _rows(n: int) -> list[dict]:
    return [{"team": f"Team {i}", "area": "Core", "champion": f"Person {i}", "contact": None,
             "since": dt.date(2025, 1, 6)} for i in range(n)]  # fmt: skip


def test_an_unedited_table_is_no_edit():
    before = roster.editor_frame(_rows(500))
    assert roster.edited_rows(before, before.copy()) == []


def test_an_edit_is_found_among_many_rows():
    before = roster.editor_frame(_rows(500))
    after = before.copy()
    after.loc[321, "champion"] = "  New Person "
    assert roster.edited_rows(before, after) == [
        {"team": "Team 321", "area": "Core", "champion": "New Person", "contact": None,
         "since": dt.date(2025, 1, 6)}
    ]  # fmt: skip
