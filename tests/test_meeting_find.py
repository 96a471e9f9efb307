"""Finding a meeting by id, date or scope, and a team on its agenda: one way for every front end."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq import clock, db, roster
from ddq import meeting as core
from ddq.access import ADMIN, Actor
from ddq.errors import Conflict, NotFound

ADA = Actor("ada", ADMIN)
MONDAY = dt.date(2026, 3, 9)


@pytest.fixture
def con(tmp_path):
    with clock.frozen(dt.date(2026, 3, 18)), db.connect(tmp_path / "m.duckdb") as connection:
        for team, area in (("Ledger", "Payments"), ("iOS App", "Mobile"), ("Web", "Mobile")):
            roster.add_team(connection, team, area, who=ADA)
        yield connection


def test_a_meeting_by_id_day_areas_or_the_latest(con):
    program = core.create_meeting(con, held_on=MONDAY, who=ADA)
    mobile = core.create_meeting(con, held_on=MONDAY, areas=["Mobile"], who=ADA)
    later = core.create_meeting(con, held_on=MONDAY + dt.timedelta(weeks=1), who=ADA)
    core.create_meeting(con, held_on=MONDAY + dt.timedelta(weeks=2), who=ADA)  # not held yet
    assert core.find_meeting(con, meeting_id=mobile) == mobile
    assert core.find_meeting(con) == later
    assert core.find_meeting(con, areas=["mobile"]) == mobile
    assert core.find_meeting(con, day=MONDAY, areas=["MOBILE"]) == mobile
    with pytest.raises(Conflict, match="2 meetings on 2026-03-09") as two:
        core.find_meeting(con, day=MONDAY)
    assert f"meeting {program}: Whole program" in str(two.value)
    with pytest.raises(NotFound, match="no meeting on 2026-03-02"):
        core.find_meeting(con, day=MONDAY - dt.timedelta(weeks=1))
    with pytest.raises(NotFound, match="no meeting 99"):
        core.find_meeting(con, meeting_id=99)


def test_a_team_on_the_agenda_by_name_in_any_case_or_number(con):
    found = core.get_meeting(con, core.create_meeting(con, held_on=MONDAY, who=ADA))
    names = [t["team"] for t in found["teams"]]
    assert core.agenda_position(found, "ios app") == names.index("iOS App")
    assert core.agenda_position(found, " IOS  APP ") == names.index("iOS App")
    assert core.agenda_position(found, "3") == 2
    with pytest.raises(NotFound, match="Did you mean 'Ledger'"):
        core.agenda_position(found, "Ledgr")
    with pytest.raises(NotFound, match="1 to 3"):
        core.agenda_position(found, "4")


def test_the_command_finds_them_the_same_way(con, tmp_path):
    """`ddq meeting goto` and `--date` go through the same functions (no copy in the CLI)."""
    import inspect

    from ddq.cli import meeting as cli

    source = inspect.getsource(cli)
    assert "find_meeting(" in source and "agenda_position(" in source
    assert 'name_key(t["team"])' not in source
