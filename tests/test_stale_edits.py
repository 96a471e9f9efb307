"""Two editors change the same record: the second is told, sees the new value, loses nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq import db, meeting, roster, settings
from ddq.access import ADMIN, EDITOR, Actor
from ddq.errors import StaleEdit

ANN, BO = Actor("ann", ADMIN), Actor("bo", ADMIN)


@pytest.fixture
def con(tmp_path):
    with db.connect(tmp_path / "t.duckdb") as connection:
        roster.add_team(connection, "Ledger", "Payments", who=ANN)
        roster.add_team(connection, "Checkout", "Payments", who=ANN)
        roster.assign_champion(connection, "Ledger", "Cy Diaz", "cy@example.com",
                               dt.date(2026, 1, 5), who=ANN)  # fmt: skip
        yield connection


def _row(con, team):
    return next(r for r in roster.roster(con) if r["team"] == team)


def test_a_roster_edit_on_a_row_changed_since_is_refused(con):
    seen_by_bo = {r["team"]: r for r in roster.roster(con)}
    roster.apply_edits(con, [{"team": "Ledger", "area": "Payments", "champion": "Ann Lee",
                              "contact": "ann@example.com", "since": dt.date(2026, 3, 2)}],
                       who=ANN, expected={r["team"]: r for r in roster.roster(con)})  # fmt: skip
    with pytest.raises(StaleEdit) as refused:
        roster.apply_edits(con, [{"team": "Ledger", "area": "Payments", "champion": "Bo Chen",
                                  "contact": "bo@example.com", "since": dt.date(2026, 3, 2)}],
                           who=BO, expected=seen_by_bo)  # fmt: skip
    message = str(refused.value)
    assert message.startswith("Nothing was saved: the roster changed since you opened it (Ledger:")
    assert "champion: now Ann Lee (was Cy Diaz)" in message
    assert "You now see the new values" in message
    assert _row(con, "Ledger")["champion"] == "Ann Lee"  # Ann's change stands


def test_edits_of_other_rows_are_not_held_up(con):
    seen = {r["team"]: r for r in roster.roster(con)}
    roster.assign_champion(con, "Checkout", "Di Ng", "di@example.com", dt.date(2026, 2, 2),
                           who=ANN)  # fmt: skip
    roster.apply_edits(con, [{"team": "Ledger", "area": "Core", "champion": "Cy Diaz",
                              "contact": "cy@example.com", "since": dt.date(2026, 1, 5)}],
                       who=BO, expected=seen)  # fmt: skip
    assert _row(con, "Ledger")["area"] == "Core"
    assert _row(con, "Checkout")["champion"] == "Di Ng"


def test_settings_changed_meanwhile_are_not_overwritten(con):
    seen = settings.current(con)
    settings.update(con, {"program_name": "Quality Guild"}, who=ANN, expected=seen)
    with pytest.raises(StaleEdit, match="program name: now Quality Guild"):
        settings.update(con, {**seen, "program_name": "Bugs Club"}, who=BO, expected=seen)
    # Another setting, untouched by the first editor, still saves.
    done = settings.update(con, {**seen, "program_name": seen["program_name"],
                                 "community_channel": "#quality"}, who=BO, expected=seen)  # fmt: skip
    assert done["program_name"] == "Quality Guild" and done["community_channel"] == "#quality"


def test_area_details_changed_meanwhile_are_not_overwritten(con):
    seen = next(a for a in roster.areas_detail(con) if a["area"] == "Payments")
    roster.update_area(con, "Payments", who=ANN, head="Eve", expected=seen)
    with pytest.raises(StaleEdit, match="head: now Eve"):
        roster.update_area(con, "Payments", who=BO, head="Fay", expected=seen)
    assert next(a for a in roster.areas_detail(con) if a["area"] == "Payments")["head"] == "Eve"


def test_a_note_saved_meanwhile_is_not_overwritten(con):
    held = meeting.create_meeting(con, held_on=dt.date(2026, 3, 9), who=ANN)
    ed = Actor("ed", EDITOR)
    meeting.set_note(con, held, "Ledger", "doing", "Triage daily", ed, expected="")
    with pytest.raises(StaleEdit, match="it now reads 'Triage daily'"):
        meeting.set_note(con, held, "Ledger", "doing", "Pairing", BO, expected="")
    meeting.set_note(con, held, "Ledger", "doing", "Pairing", BO, expected="Triage daily")
    assert meeting.team_view(con, held, "Ledger")["notes"]["doing"] == "Pairing"
