"""Every team of a meeting read at once: the same views as one team at a time, and the same
summary text, on small data with the awkward cases (teams without data or targets, ties,
missing weeks, a team retired or removed since, two meetings on one day)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ddq import db, progress, roster
from ddq import meeting as mt
from ddq.access import ADMIN, Actor
from tests.test_meeting import NEXT, WHO, add_values, fixed_meetings

# The summaries of the meetings below, as the text was before the teams were read at once.
GOLDEN = Path(__file__).parent / "data" / "meeting_summary_every_team.md"
LATER_WEEK = dt.date(2026, 3, 2)  # the latest complete week as of NEXT


@pytest.fixture
def con(make_db):
    with db.connect(make_db()) as connection:
        yield connection


def awkward_meetings(con) -> list[int]:
    """:func:`fixed_meetings`, then a Payments meeting and a whole-program meeting on one
    day, with gaps, ties, targets, a retired and a removed team. Every meeting's id."""
    second = fixed_meetings(con)
    with db.transaction(con):
        platform = db.scalar(con, "SELECT id FROM areas WHERE name = 'Platform'")
        for name in ("Edge", "Gone", "Quiet"):
            roster.ensure_team(con, name, platform)
    roster.assign_champion(con, "Quiet", "Di Quinn", "di@example.com", dt.date(2025, 6, 2),
                           who=WHO)  # fmt: skip
    # Missing weeks, and values tied with Checkout's.
    add_values(con, "Edge", "open_critical_bugs", [3, None, 4, None, 5, 5], last=LATER_WEEK)
    add_values(con, "Edge", "test_pass_rate", [95.0, 96.0, None, 97.5], last=LATER_WEEK)
    add_values(con, "Edge", "median_days_to_resolve_critical", [1, 1.25, None, 0.04])
    add_values(con, "Infra", "open_critical_bugs", [2], last=LATER_WEEK)
    add_values(con, "Ledger", "test_pass_rate", [99.5, 99.25, 99.125])
    test = Actor("test", ADMIN)
    for team, metric, target in (("Edge", "open_critical_bugs", 2),
                                 ("Infra", "open_critical_bugs", 1.75),
                                 ("Ledger", "test_pass_rate", 99.5)):  # fmt: skip
        progress.set_target(con, team, metric, target=target, due=dt.date(2026, 9, 28),
                            who=test, today=NEXT)  # fmt: skip

    payments = mt.create_meeting(con, held_on=NEXT, areas=["Payments"], who=WHO)
    mt.set_position(con, payments, 0, WHO)
    mt.set_note(con, payments, "Checkout", "doing", "Bug bash on Fridays", WHO)
    tied = [mt.add_action(con, team=team, text=f"Same due date, {team}", owner="someone",
                          due=dt.date(2026, 3, 25), meeting_id=payments, who=WHO)
            for team in ("Ledger", "Checkout")]  # fmt: skip
    mt.set_action_status(con, tied[1], "dropped", WHO, meeting_id=payments)

    whole = mt.create_meeting(con, held_on=NEXT, order="rotation", who=WHO)
    mt.set_position(con, whole, 2, WHO)
    mt.set_note(con, whole, "Edge", "feedback_wanted", "Two lines:\nthe second", WHO)
    mt.add_action(con, team="Edge", text="Fill the missing weeks", owner="the team",
                  due=dt.date(2026, 3, 18), meeting_id=whole, who=WHO)  # fmt: skip
    mt.set_attendance(con, whole, "Quiet", True, WHO)
    roster.set_team_active(con, "Ledger", False, who=WHO)  # retired since: no statuses
    con.execute("DELETE FROM teams WHERE name = 'Gone'")  # removed since, as undo does
    return [1, second, payments, whole]


def summaries(con, meeting_ids: list[int]) -> str:
    return "".join(f"===== meeting {m}\n{mt.summary_markdown(con, m)}" for m in meeting_ids)


def test_summaries_equal_the_golden_file(con):
    ids = awkward_meetings(con)
    assert summaries(con, ids) == GOLDEN.read_text(encoding="utf-8")


def test_every_team_at_once_is_each_team_alone(con):
    ids = awkward_meetings(con)
    for meeting_id in ids:
        views = mt.team_views(con, meeting_id)
        agenda = mt.get_meeting(con, meeting_id)["teams"]
        assert [v["team"] for v in views] == [t["team"] for t in agenda]
        for view in views:
            assert view == mt.team_view(con, meeting_id, view["team"]), (meeting_id, view["team"])
    whole = {v["team"]: v for v in mt.team_views(con, ids[-1])}
    assert whole["Search"]["metrics"] == [] and whole["team 6 (removed)"]["removed"]
    assert whole["Ledger"]["metrics"] == []  # retired: no numbers, as headlines() has it
    edge = {m["key"]: m for m in whole["Edge"]["metrics"]}
    assert edge["open_critical_bugs"]["change"] == 0 and edge["open_critical_bugs"]["target"] == 2
    assert edge["test_pass_rate"]["previous"] is None  # the week before is missing
    assert whole["Checkout"]["changes"]["previous_meeting"]["id"] == ids[2]  # same day, before
    assert whole["Checkout"]["changes"]["previous_notes"] == {"doing": "Bug bash on Fridays"}
