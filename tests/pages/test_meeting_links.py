"""A link to the meeting page names the meeting by id or date, the team in any case or by number."""

from __future__ import annotations

import datetime as dt

from ddq import db, roster
from ddq import meeting as core
from ddq.access import ADMIN, Actor
from tests.pages.test_meeting import open_page

ADA = Actor("ada", ADMIN)
MONDAY = dt.date(2026, 11, 16)


def meeting_of_three(path) -> int:
    with db.connect(path) as con:
        for team in ("Ledger", "iOS App", "Web"):
            roster.add_team(con, team, "Core", who=ADA)
        return core.create_meeting(con, held_on=MONDAY, who=ADA)


def heading(at) -> str:
    return next(m.value for m in at.markdown if m.value.startswith("### Team"))


def test_a_date_and_a_lower_case_team_open_that_meeting_at_that_team(app_db, page):
    chosen = meeting_of_three(app_db)
    at = open_page(page, meeting=MONDAY.isoformat(), team="ios app")
    assert not at.exception
    assert at.selectbox(key="meeting").value == chosen
    assert "iOS App" in heading(at)
    assert at.query_params["team"] in ("iOS App", ["iOS App"])


def test_a_team_by_its_number_on_the_agenda(app_db, page):
    meeting_of_three(app_db)
    at = open_page(page, team="3")
    assert not at.exception and "Team 3 of 3" in heading(at)


def test_a_link_to_nothing_says_so_and_shows_the_default(app_db, page):
    meeting_of_three(app_db)
    at = open_page(page, meeting="2020-01-06", team="Nobody")
    assert not at.exception
    notes = " ".join(c.value for c in at.caption)
    assert "meeting=" in notes and "team=" in notes
    assert "Team 1 of 3" in heading(at)
