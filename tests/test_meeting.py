"""ddq.meeting: a meeting walked through, actions carried forward, agenda orders, the
summary against a golden file, community health, and `ddq meeting` through the real command."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from ddq import audit, clock, db, progress, roster
from ddq import meeting as mt
from ddq.access import ADMIN, EDITOR, VIEWER, Actor, NotAllowed
from ddq.errors import Conflict, NotFound
from ddq.meeting import InvalidMeeting

GOLDEN = Path(__file__).parent / "data" / "meeting_summary.md"

BEFORE = dt.date(2026, 2, 25)  # a Wednesday; the week before HELD
HELD = dt.date(2026, 3, 4)  # a Wednesday of 2026-W10: latest complete week 2026-02-23
NEXT = dt.date(2026, 3, 11)
LAST_WEEK = dt.date(2026, 2, 23)
WHO = Actor("host", ADMIN)
ANN = Actor("ann", ADMIN)


def day(week: int) -> dt.date:
    """The Wednesday ``week`` weeks after 2026-01-07."""
    return dt.date(2026, 1, 7) + dt.timedelta(weeks=week)


@pytest.fixture
def con(make_db):
    with db.connect(make_db()) as connection:
        yield connection


def add_values(con, team: str, metric: str, values: list[float | None], last=LAST_WEEK):
    """Weekly values of a team, oldest first, the last in the week ``last``."""
    team_id = db.scalar(con, "SELECT id FROM teams WHERE name = ?", [team])
    import_id = db.scalar(
        con,
        "INSERT INTO imports (kind, file_name, who, imported_at) "
        "VALUES ('test', 'made in the test', 'test', ?) RETURNING id",
        [dt.datetime(2026, 2, 1)],
    )
    con.executemany(
        "INSERT INTO metric_values (team_id, week, metric, value, import_id) VALUES (?, ?, ?, ?, ?)",
        [
            (team_id, last - dt.timedelta(weeks=len(values) - 1 - i), metric, float(v), import_id)
            for i, v in enumerate(values)
            if v is not None
        ],
    )


def make_org(con) -> None:
    """Payments (Checkout, Ledger; head Dana Head) and Platform (Infra, Search without a
    champion), with a few weeks of open critical bugs."""
    with db.transaction(con):
        payments = roster.ensure_area(con, "Payments")[0]
        platform = roster.ensure_area(con, "Platform")[0]
        for team, area in (("Checkout", payments), ("Ledger", payments), ("Infra", platform),
                           ("Search", platform)):  # fmt: skip
            roster.ensure_team(con, team, area)
    since = dt.date(2025, 6, 2)
    roster.assign_champion(
        con, "Checkout", "Ann Lee", "ann@example.com", since, who=Actor("test", ADMIN)
    )
    roster.assign_champion(con, "Ledger", "Bo Chen", "@bo", since, who=Actor("test", ADMIN))
    roster.assign_champion(
        con, "Infra", "Cy Diaz", "cy@example.com", since, who=Actor("test", ADMIN)
    )
    roster.update_area(con, "Payments", head="Dana Head", who=Actor("test", ADMIN))
    # Open critical bugs: 4 weeks before the latest complete week -> that week.
    # Checkout 16 -> 12 (-4), Ledger 6 -> 5 (-1), Infra 9 -> 3 (-6).
    add_values(con, "Checkout", "open_critical_bugs",
               [20, 20, 20, 20, 19, 18, 17, 16, 15, 14, 14, 12])  # fmt: skip
    add_values(con, "Checkout", "test_pass_rate", [95.0, 96.0, 97.5])
    add_values(con, "Ledger", "open_critical_bugs", [6, 6, 5, 5, 5])
    add_values(con, "Infra", "open_critical_bugs", [9, 8, 6, 4, 3])


def agenda(con, meeting_id: int) -> list[str]:
    return [t["team"] for t in mt.get_meeting(con, meeting_id)["teams"]]


# ---------------------------------------------------------------------------- a meeting


def test_walk_a_meeting(con):
    make_org(con)
    meeting_id = mt.create_meeting(con, held_on=HELD, areas=["payments"], who=WHO)
    found = mt.get_meeting(con, meeting_id)
    assert found["scope_areas"] == ["Payments"]
    assert found["status"] == "open" and found["current_position"] is None
    assert agenda(con, meeting_id) == ["Checkout", "Ledger"]
    assert [t["champion"] for t in found["teams"]] == ["Ann Lee", "Bo Chen"]

    # The champion writes before the meeting; nothing is presented yet.
    mt.set_note(con, meeting_id, "Checkout", "doing", "  Daily triage\nwith on-call  ", ANN)
    assert not any(t["presented"] for t in mt.get_meeting(con, meeting_id)["teams"])

    assert mt.set_position(con, meeting_id, 0, WHO) == "Now presenting: Checkout (1 of 2)."
    mt.set_note(con, meeting_id, "Checkout", "feedback_wanted", "Is a bug bash worth it?", ANN)
    mt.set_note(con, meeting_id, "Checkout", "feedback_given", "Try it for a month.", WHO)
    action = mt.add_action(con, team="Checkout", text="Run a bug bash", owner="Ann Lee",
                           due=dt.date(2026, 3, 18), meeting_id=meeting_id, who=WHO)  # fmt: skip
    mt.set_attendance(con, meeting_id, "Checkout", True, WHO)
    mt.set_position(con, meeting_id, 1, WHO)
    mt.set_position(con, meeting_id, 0, WHO)  # back to the previous team
    found = mt.get_meeting(con, meeting_id)
    assert found["current_team"] == "Checkout"
    assert [t["presented"] for t in found["teams"]] == [True, True]
    mt.set_leader(con, meeting_id, True, None, WHO)  # one area: its head by default

    view = mt.team_view(con, meeting_id, "Checkout")
    assert view["champion"] == "Ann Lee" and view["present"] is True
    assert view["notes"] == {
        "doing": "Daily triage\nwith on-call",
        "feedback_wanted": "Is a bug bash worth it?",
        "feedback_given": "Try it for a month.",
    }
    assert [a["id"] for a in view["open_actions"]] == [action]
    assert view["open_actions"][0]["raised_here"] is True
    by_key = {m["key"]: m for m in view["metrics"]}
    assert by_key["open_critical_bugs"]["value"] == 12
    assert by_key["open_critical_bugs"]["previous"] == 14
    assert by_key["open_critical_bugs"]["change"] == -2
    assert by_key["open_critical_bugs"]["better"] is True
    assert by_key["open_critical_bugs"]["history"][-3:] == [14, 14, 12]
    assert by_key["test_pass_rate"]["change"] == 1.5

    message = mt.finish(con, meeting_id, WHO)
    assert message == "Meeting 1 (2026-03-04) finished: 2 of 2 teams presented."
    found = mt.get_meeting(con, meeting_id)
    assert found["status"] == "finished" and found["finished_at"] is not None
    assert [t["present"] for t in found["teams"]] == [True, False]  # unmarked: absent
    assert (found["leader_present"], found["leader_name"]) == (True, "Dana Head")
    with pytest.raises(Conflict, match="finished"):
        mt.set_position(con, meeting_id, 1, WHO)
    with pytest.raises(Conflict, match="finished"):
        mt.finish(con, meeting_id, WHO)
    # Corrections after the meeting are allowed, and audited.
    mt.set_attendance(con, meeting_id, "Ledger", True, WHO)
    actions = [e["action"] for e in audit.entries(con, subject=f"meeting {meeting_id}")]
    assert actions.count("meeting.position") == 3
    assert {"meeting.create", "meeting.note", "meeting.attendance", "meeting.leader",
            "meeting.finish"} <= set(actions)  # fmt: skip
    assert [e["action"] for e in audit.entries(con, subject=f"action {action}")] == ["action.add"]


def test_the_team_a_meeting_opens_at_is_presented_once_its_day_has_come(con):
    make_org(con)
    ahead = mt.create_meeting(con, held_on=NEXT, areas=["payments"], who=WHO)
    held = mt.create_meeting(con, held_on=HELD, areas=["payments"], who=WHO)
    with clock.frozen(HELD):
        # Looked at before its day, a meeting is being prepared: nothing is presented.
        assert mt.open_at(con, ahead, 0, WHO) is None
        assert mt.get_meeting(con, ahead)["current_position"] is None
        assert mt.open_at(con, held, 0, WHO) == "Now presenting: Checkout (1 of 2)."
        # Once moved through, opening it again changes nothing: the room stays where it is.
        mt.set_position(con, held, 1, WHO)
        assert mt.open_at(con, held, 0, WHO) is None
    found = mt.get_meeting(con, held)
    assert found["current_team"] == "Ledger"
    assert [t["presented"] for t in found["teams"]] == [True, True]
    assert "2 of 2 teams presented" in mt.summary_markdown(con, held)
    assert "not presented" not in mt.summary_markdown(con, held)
    with pytest.raises(NotAllowed):
        mt.open_at(con, ahead, 0, Actor("v", VIEWER))


def test_notes_are_replaced_and_removed_and_validated(con):
    make_org(con)
    meeting_id = mt.create_meeting(con, held_on=HELD, who=WHO)
    mt.set_note(con, meeting_id, "Infra", "doing", "first", WHO)
    mt.set_note(con, meeting_id, "Infra", "doing", "second", WHO)
    assert mt.team_view(con, meeting_id, "Infra")["notes"]["doing"] == "second"
    assert mt.set_note(con, meeting_id, "Infra", "doing", "second", WHO).endswith("unchanged.")
    mt.set_note(con, meeting_id, "Infra", "doing", "   ", WHO)
    assert mt.team_view(con, meeting_id, "Infra")["notes"]["doing"] == ""
    assert db.scalar(con, "SELECT count(*) FROM meeting_notes") == 0
    with pytest.raises(InvalidMeeting, match="Unknown kind"):
        mt.set_note(con, meeting_id, "Infra", "gossip", "x", WHO)
    with pytest.raises(InvalidMeeting, match="longer than 4000"):
        mt.set_note(con, meeting_id, "Infra", "doing", "x" * 4001, WHO)
    with pytest.raises(NotFound, match="Did you mean 'Infra'"):
        mt.set_note(con, meeting_id, "Infar", "doing", "x", WHO)
    area_meeting = mt.create_meeting(con, held_on=HELD, areas=["Payments"], who=WHO)
    with pytest.raises(InvalidMeeting, match="Infra is not on the agenda"):
        mt.set_note(con, area_meeting, "Infra", "doing", "x", WHO)
    with pytest.raises(InvalidMeeting, match="Position 2 is not on the agenda"):
        mt.set_position(con, area_meeting, 2, WHO)
    with pytest.raises(NotFound, match="no meeting 99"):
        mt.get_meeting(con, 99)


def test_attendance_needs_a_champion_and_follows_a_handover(con):
    make_org(con)
    meeting_id = mt.create_meeting(con, held_on=HELD, areas=["Platform"], who=WHO)
    with pytest.raises(Conflict, match="Search has no champion"):
        mt.set_attendance(con, meeting_id, "Search", True, WHO)
    roster.assign_champion(con, "Infra", "Eve Ng", "eve@example.com", dt.date(2026, 3, 2),
                           who=Actor("test", ADMIN))  # fmt: skip
    assert mt.set_attendance(con, meeting_id, "Infra", True, WHO) == "Eve Ng (Infra): present."
    assert mt.set_attendance(con, meeting_id, "Infra", None, WHO) == "Eve Ng (Infra): not marked."


# ---------------------------------------------------------------------------- action items


def test_next_weeks_meeting_carries_the_open_action_forward(con):
    make_org(con)
    first = mt.create_meeting(con, held_on=HELD, areas=["Payments"], who=WHO)
    mt.set_position(con, first, 0, WHO)
    kept = mt.add_action(con, team="Checkout", text="Run a bug bash", owner="Ann Lee",
                         due=dt.date(2026, 3, 18), meeting_id=first, who=WHO)  # fmt: skip
    done = mt.add_action(con, team="Checkout", text="Fix the alert", owner="Ann Lee",
                         due=dt.date(2026, 3, 6), meeting_id=first, who=WHO)  # fmt: skip
    later = mt.add_action(con, team="Checkout", text="Write it up", owner="Bo Chen",
                          due=dt.date(2026, 3, 10), meeting_id=first, who=WHO)  # fmt: skip
    mt.set_action_status(con, done, "done", WHO, meeting_id=first)
    mt.finish(con, first, WHO)

    second = mt.create_meeting(con, held_on=NEXT, areas=["Payments"], who=WHO)
    view = mt.team_view(con, second, "Checkout")
    carried = {a["id"]: a for a in view["open_actions"]}
    assert set(carried) == {kept, later}  # the done one is not carried
    assert carried[kept]["raised_here"] is False
    assert carried[kept]["meeting_held_on"] == HELD
    assert carried[later]["overdue"] is True and carried[later]["days_overdue"] == 1
    assert view["actions_raised"] == []
    assert view["changes"]["previous_meeting"] == {"id": first, "held_on": HELD}

    # Closed in the second meeting: no longer open there, and shown as a change.
    mt.set_action_status(con, later, "done", WHO, meeting_id=second)
    view = mt.team_view(con, second, "Checkout")
    assert [a["id"] for a in view["open_actions"]] == [kept]
    assert [a["id"] for a in view["changes"]["actions_closed"]] == [later]
    # The first meeting still tells what was open then.
    assert {a["id"] for a in mt.open_actions(con, "Checkout", as_of=HELD)} == {kept, later}
    assert "#3 Write it up (owner Bo Chen, due 2026-03-10)" in mt.summary_markdown(con, first)
    # Now: every open action of the team, whatever meeting raised it.
    assert [a["id"] for a in mt.open_actions(con, "Checkout")] == [kept]
    mt.set_action_status(con, kept, "dropped", WHO)
    assert mt.open_actions(con, "Checkout") == []
    mt.set_action_status(con, kept, "open", WHO)
    assert [a["id"] for a in mt.open_actions(con)] == [kept]


def test_actions_are_validated(con):
    make_org(con)
    meeting_id = mt.create_meeting(con, held_on=HELD, areas=["Payments"], who=WHO)
    args = {"team": "Checkout", "text": "Do it", "owner": "Ann", "meeting_id": meeting_id,
            "who": WHO}  # fmt: skip
    with pytest.raises(InvalidMeeting, match="before the day the action is raised"):
        mt.add_action(con, **args, due=HELD - dt.timedelta(days=1))
    with pytest.raises(InvalidMeeting, match="more than 5 years"):
        mt.add_action(con, **args, due=dt.date(2040, 1, 1))
    with pytest.raises(InvalidMeeting, match="owner is empty"):
        mt.add_action(con, **{**args, "owner": " "}, due=HELD)
    with pytest.raises(InvalidMeeting, match="action is empty"):
        mt.add_action(con, **{**args, "text": ""}, due=HELD)
    with pytest.raises(InvalidMeeting, match="Infra is not on the agenda"):
        mt.add_action(con, **{**args, "team": "Infra"}, due=HELD)
    action = mt.add_action(con, **args, due=HELD)
    with pytest.raises(InvalidMeeting, match="Unknown action status"):
        mt.set_action_status(con, action, "finished", WHO)
    earlier = mt.create_meeting(con, held_on=BEFORE, areas=["Payments"], who=WHO)
    with pytest.raises(InvalidMeeting, match="before action 1 was raised"):
        mt.set_action_status(con, action, "done", WHO, meeting_id=earlier)
    with pytest.raises(NotFound):
        mt.set_action_status(con, 42, "done", WHO)
    assert db.scalar(con, "SELECT count(*) FROM action_items") == 1


# ---------------------------------------------------------------------------- the agenda


def test_one_meeting_per_date_and_scope(con):
    make_org(con)
    first = mt.create_meeting(con, held_on=HELD, areas=["Payments", "Platform"], who=WHO)
    with pytest.raises(Conflict, match=f"already a meeting on {HELD} for Payments, Platform"):
        mt.create_meeting(con, held_on=HELD, areas=["platform", "Payments"], who=WHO)
    # Another scope, or another date, is another meeting.
    alone = mt.create_meeting(con, held_on=HELD, areas=["Payments"], who=WHO)
    everyone = mt.create_meeting(con, held_on=HELD, who=WHO)
    later = mt.create_meeting(con, held_on=NEXT, areas=["Platform", "Payments"], who=WHO)
    assert len({first, alone, everyone, later}) == 4
    assert mt.meeting_on(con, HELD, ["Platform", "Payments"])["id"] == first
    assert mt.meeting_on(con, HELD, [])["id"] == everyone
    assert mt.meeting_on(con, NEXT, ["Payments"]) is None
    assert [m["id"] for m in mt.meetings(con)] == [later, everyone, alone, first]
    assert [m["id"] for m in mt.meetings(con, limit=1)] == [later]
    with pytest.raises(NotFound, match=r"no area 'Paymnts'\. Did you mean 'Payments'"):
        mt.create_meeting(con, held_on=HELD, areas=["Paymnts"], who=WHO)
    with pytest.raises(InvalidMeeting, match="Unknown agenda order"):
        mt.create_meeting(con, held_on=BEFORE, order="alphabet", who=WHO)
    with pytest.raises(InvalidMeeting, match="more than a year ahead"):
        mt.create_meeting(con, held_on=dt.date(2099, 1, 1), who=WHO)


def test_agenda_orders(con, monkeypatch):
    make_org(con)
    by_area = mt.create_meeting(con, held_on=HELD, who=WHO)
    assert agenda(con, by_area) == ["Checkout", "Ledger", "Infra", "Search"]
    # Biggest absolute change of open critical bugs over 4 weeks first: Infra -6,
    # Checkout -4, Ledger -1; Search has no values and comes last.
    movers = mt.create_meeting(con, held_on=HELD, areas=["Payments", "Platform"],
                               order="movers", who=WHO)  # fmt: skip
    assert agenda(con, movers) == ["Infra", "Checkout", "Ledger", "Search"]
    # Status changes first (the change itself is ddq.progress's business).
    seen = {}

    def changes(con, *, today=None, area=None):
        seen.update(today=today, area=area)
        return [{"team": "Search"}, {"team": "Ledger"}]

    monkeypatch.setattr(progress, "status_changes", changes)
    status = mt.create_meeting(con, held_on=HELD, areas=["Payments"], order="status", who=WHO)
    assert agenda(con, status) == ["Ledger", "Checkout"]
    assert seen == {"today": HELD, "area": "Payments"}


def test_rotation_starts_where_the_last_meeting_stopped(con):
    make_org(con)
    first = mt.create_meeting(con, held_on=BEFORE, order="rotation", who=WHO)
    assert agenda(con, first) == ["Checkout", "Ledger", "Infra", "Search"]  # nothing before
    mt.set_position(con, first, 0, WHO)
    mt.set_position(con, first, 1, WHO)  # the meeting stopped after Ledger
    mt.set_position(con, first, 0, WHO)  # going back does not move where it stopped
    mt.finish(con, first, WHO)
    # A meeting of another scope does not count.
    other = mt.create_meeting(con, held_on=HELD, areas=["Platform"], who=WHO)
    mt.set_position(con, other, 1, WHO)

    second = mt.create_meeting(con, held_on=HELD, order="rotation", who=WHO)
    assert agenda(con, second) == ["Infra", "Search", "Checkout", "Ledger"]
    mt.set_position(con, second, 0, WHO)
    mt.set_position(con, second, 1, WHO)
    mt.set_position(con, second, 2, WHO)  # stopped at Checkout, wrapping around
    third = mt.create_meeting(con, held_on=NEXT, order="rotation", who=WHO)
    assert agenda(con, third) == ["Ledger", "Infra", "Search", "Checkout"]
    # A meeting that reached nobody leaves the rotation where the one before stopped.
    fourth = mt.create_meeting(con, held_on=NEXT + dt.timedelta(weeks=1), order="rotation",
                               who=WHO)  # fmt: skip
    assert agenda(con, fourth) == ["Ledger", "Infra", "Search", "Checkout"]


# ---------------------------------------------------------------------------- the summary


def fixed_meetings(con) -> int:
    """Two whole-program meetings with notes, actions and attendance; the second's id."""
    make_org(con)
    progress.set_target(con, "Checkout", "open_critical_bugs", target=8,
                        due=dt.date(2026, 6, 29), who=Actor("test", ADMIN), today=HELD)  # fmt: skip
    first = mt.create_meeting(con, held_on=BEFORE, who=WHO)
    mt.set_position(con, first, 0, WHO)  # Checkout
    overdue = mt.add_action(con, team="Ledger", text="Automate the smoke tests",
                            owner="Bo Chen", due=dt.date(2026, 3, 2), meeting_id=first,
                            who=WHO)  # fmt: skip
    flaky = mt.add_action(con, team="Checkout", text="Review the flaky-test list",
                          owner="Ann Lee", due=dt.date(2026, 3, 4), meeting_id=first,
                          who=WHO)  # fmt: skip
    mt.set_attendance(con, first, "Checkout", True, WHO)
    mt.set_attendance(con, first, "Infra", True, WHO)
    mt.finish(con, first, WHO)  # Bo Chen absent, no leader

    second = mt.create_meeting(con, held_on=HELD, order="rotation",
                               title="Weekly champions sync", who=WHO)  # fmt: skip
    mt.set_note(
        con, second, "Ledger", "doing", "Pairing on the reconciliation job.", Actor("bo", EDITOR)
    )
    mt.set_note(
        con,
        second,
        "Ledger",
        "feedback_wanted",
        "Is a weekly bug bash worth it?",
        Actor("bo", EDITOR),
    )
    mt.set_position(con, second, 0, WHO)  # Ledger
    mt.set_note(con, second, "Ledger", "feedback_given",
                "Try it for a month.\nShare the numbers next time.", WHO)  # fmt: skip
    mt.set_position(con, second, 1, WHO)  # Infra
    mt.set_note(con, second, "Infra", "doing", "Moved *all* alerts to #infra-oncall <@cy>", WHO)
    mt.add_action(con, team="Infra", text="Add disk alerts", owner="Cy Diaz",
                  due=dt.date(2026, 3, 18), meeting_id=second, who=WHO)  # fmt: skip
    mt.set_position(con, second, 3, WHO)  # Checkout; Search is skipped
    mt.set_action_status(con, flaky, "done", WHO, meeting_id=second)
    for team, present in (("Ledger", True), ("Checkout", True), ("Infra", False)):
        mt.set_attendance(con, second, team, present, WHO)
    mt.set_leader(con, second, True, "Dana Head", WHO)
    mt.finish(con, second, WHO)
    assert overdue == 1
    return second


def test_summary_equals_the_golden_file(con):
    meeting_id = fixed_meetings(con)
    text = mt.summary_markdown(con, meeting_id)
    assert text == GOLDEN.read_text(encoding="utf-8")
    assert mt.summary_markdown(con, meeting_id) == text  # deterministic


def test_summary_of_an_open_meeting_says_so(con):
    make_org(con)
    meeting_id = mt.create_meeting(con, held_on=HELD, areas=["Platform"], who=WHO)
    text = mt.summary_markdown(con, meeting_id)
    assert "The meeting is still open: this summary may change." in text
    assert "- Not marked yet (1): Cy Diaz (Infra)" in text
    assert "- No champion: Search" in text
    assert "- Leader: not marked yet" in text
    assert "**Search** (Platform), no champion, not presented\n- Numbers: none reported" in text


# ---------------------------------------------------------------------------- community health


def test_community_health_on_hand_made_meetings(con):
    make_org(con)
    # Ten weekly Payments meetings (weeks 0-9), and one of Platform alone.
    ids = []
    for week in range(10):
        meeting_id = mt.create_meeting(con, held_on=day(week), areas=["Payments"], who=WHO)
        ids.append(meeting_id)
        mt.set_position(con, meeting_id, 0, WHO)  # Checkout, every week
        if week == 4:
            mt.set_position(con, meeting_id, 1, WHO)  # Ledger, once
        mt.set_attendance(con, meeting_id, "Checkout", week >= 2, WHO)  # absent twice, early
        if week % 2 == 0:
            mt.set_attendance(con, meeting_id, "Ledger", True, WHO)
        if week >= 8:
            mt.set_leader(con, meeting_id, True, None, WHO)
        if week < 9:
            mt.finish(con, meeting_id, WHO)  # the last one is still open
    platform = mt.create_meeting(con, held_on=day(9), areas=["Platform"], who=WHO)
    mt.set_leader(con, platform, True, "Pat Lead", WHO)
    late = mt.add_action(con, team="Ledger", text="Late", owner="Bo", due=day(1),
                         meeting_id=ids[0], who=WHO)  # fmt: skip
    closed = mt.add_action(con, team="Ledger", text="Closed", owner="Bo", due=day(1),
                           meeting_id=ids[0], who=WHO)  # fmt: skip
    mt.set_action_status(con, closed, "done", WHO, meeting_id=ids[2])
    mt.add_action(con, team="Checkout", text="Not yet due", owner="Ann", due=day(12),
                  meeting_id=ids[0], who=WHO)  # fmt: skip

    health = mt.community_health(con, as_of=day(9), areas=["Payments"])
    assert health["areas"] == ["Payments"]
    assert [m["id"] for m in health["meetings"]] == ids[:1:-1]  # the last 8, newest first
    assert health["leader"] == {"meetings": 8, "marked": 8, "attended": 2}
    rates = {a["champion"]: a for a in health["attendance"]}
    assert set(rates) == {"Ann Lee", "Bo Chen"}
    # Ann: present in weeks 2-9, the last 8 meetings; Bo: present in weeks 2, 4, 6 and 8,
    # absent in 3, 5 and 7 (finished unmarked), week 9 not marked yet.
    assert (rates["Ann Lee"]["present"], rates["Ann Lee"]["marked"]) == (8, 8)
    assert rates["Ann Lee"]["rate"] == 1.0
    assert (rates["Bo Chen"]["meetings"], rates["Bo Chen"]["marked"]) == (8, 7)
    assert rates["Bo Chen"]["present"] == 4
    assert rates["Bo Chen"]["rate"] == pytest.approx(4 / 7)
    assert rates["Bo Chen"]["teams"] == ["Ledger"]
    # Ledger was last presented in week 4: five weeks before week 9.
    assert health["not_presented"] == [
        {"team": "Ledger", "area": "Payments", "last_presented": day(4), "weeks": 5}
    ]
    assert [a["id"] for a in health["overdue"]] == [late]
    assert health["overdue"][0]["days_overdue"] == 56

    # The whole program: the Platform meeting counts, and its teams.
    everyone = mt.community_health(con, as_of=day(9))
    assert everyone["meetings"][0]["id"] == platform
    assert everyone["leader"] == {"meetings": 8, "marked": 8, "attended": 3}
    assert [r["team"] for r in everyone["not_presented"]] == ["Infra", "Search", "Ledger"]
    assert {a["champion"]: a["meetings"] for a in everyone["attendance"]}["Cy Diaz"] == 1
    # As of an earlier day, later meetings do not count.
    early = mt.community_health(con, as_of=day(1), areas=["Payments"])
    assert early["leader"] == {"meetings": 2, "marked": 2, "attended": 0}
    assert early["not_presented"] == [
        {"team": "Ledger", "area": "Payments", "last_presented": None, "weeks": None}
    ]
    assert early["overdue"] == []  # due on day(1): not overdue that day


# ---------------------------------------------------------------------------- the command


def test_cli_walks_a_meeting(make_db, db_path, run_ddq):
    with db.connect(make_db()) as con:
        make_org(con)

    started = run_ddq("meeting", "start", "--date", "2026-03-04", "--area", "Payments")
    assert started.returncode == 0, started.stderr
    assert started.stdout.splitlines() == [
        "meeting 1 on 2026-03-04 (Payments), 2 teams, by area:",
        "  1. Checkout (Ann Lee)",
        "  2. Ledger (Bo Chen)",
    ]
    again = run_ddq("meeting", "start", "--date", "2026-03-04", "--area", "payments")
    assert again.returncode == 1
    assert "already a meeting on 2026-03-04 for Payments: meeting 1" in again.stderr

    for args in (
        ("meeting", "goto", "1", "Checkout"),
        ("meeting", "note", "1", "Checkout", "Daily triage", "--kind", "doing"),
        ("meeting", "attend", "1", "Checkout"),
        ("meeting", "attend", "1", "Ledger", "--absent"),
        ("meeting", "leader", "1"),
        ("meeting", "action", "add", "Checkout", "Run a bug bash", "--owner", "Ann Lee",
         "--due", "2026-03-18", "--meeting", "1"),
    ):  # fmt: skip
        done = run_ddq(*args)
        assert done.returncode == 0, (args, done.stderr)
    shown = run_ddq("meeting", "show", "1")
    assert shown.returncode == 0, shown.stderr
    assert "> 1. Checkout: Ann Lee, present, presented" in shown.stdout
    assert "  2. Ledger: Bo Chen, absent, not presented" in shown.stdout
    assert "leader: present (Dana Head)" in shown.stdout
    listed = run_ddq("meeting", "action", "list")
    assert "Run a bug bash" in listed.stdout

    finished = run_ddq("meeting", "finish", "1")
    assert finished.stdout.strip() == "Meeting 1 (2026-03-04) finished: 1 of 2 teams presented."
    summary = run_ddq("meeting", "summary", "--date", "2026-03-04")
    assert summary.returncode == 0, summary.stderr
    assert summary.stdout.startswith("**Data-Driven Quality meeting, Wednesday 2026-03-04**\n")
    assert "- What we're doing: Daily triage\n" in summary.stdout
    assert "  - #1 Run a bug bash (owner Ann Lee, due 2026-03-18)\n" in summary.stdout
    by_id = run_ddq("meeting", "summary", "--id", "1")
    latest = run_ddq("meeting", "summary")
    assert by_id.stdout == summary.stdout == latest.stdout

    done = run_ddq("meeting", "action", "done", "1", "--meeting", "1")
    assert done.stdout.strip() == "Action 1 (Checkout: Run a bug bash) is done."
    listed = run_ddq("meeting", "list")
    assert listed.stdout.splitlines()[1].split()[:4] == ["1", "2026-03-04", "Payments", "finished"]


def test_cli_reports_mistakes(make_db, run_ddq):
    with db.connect(make_db()) as con:
        make_org(con)
    assert run_ddq("meeting", "summary").stderr.strip().startswith("No meeting has been held")
    unknown = run_ddq("meeting", "start", "--date", "2026-03-04", "--area", "Paymnts")
    assert unknown.returncode == 1
    assert "There is no area 'Paymnts'. Did you mean 'Payments'?" in unknown.stderr
    run_ddq("meeting", "start", "--date", "2026-03-04", "--area", "Payments")
    run_ddq("meeting", "start", "--date", "2026-03-04", "--area", "Platform")
    both = run_ddq("meeting", "summary", "--date", "2026-03-04")
    assert both.returncode == 2 and "name one with --id or --area" in both.stderr
    one = run_ddq("meeting", "summary", "--date", "2026-03-04", "--area", "Platform")
    assert one.returncode == 0 and "Scope: Platform." in one.stdout
    kind = run_ddq("meeting", "note", "1", "Checkout", "x", "--kind", "gossip")
    assert kind.returncode == 2
    off = run_ddq("meeting", "note", "1", "Infra", "x", "--kind", "doing")
    assert off.returncode == 1 and "Infra is not on the agenda of meeting 1" in off.stderr


def test_a_team_removed_since_stays_on_the_agenda(con):
    make_org(con)
    meeting_id = mt.create_meeting(con, held_on=HELD, areas=["Platform"], who=WHO)
    mt.set_position(con, meeting_id, 1, WHO)
    con.execute("DELETE FROM teams WHERE name = 'Search'")  # as undoing its import does
    found = mt.get_meeting(con, meeting_id)
    assert [t["team"] for t in found["teams"]] == ["Infra", "team 4 (removed)"]
    assert found["current_team"] == "team 4 (removed)"
    assert "**team 4 (removed)** (Platform)" not in mt.summary_markdown(con, meeting_id)
    assert "**team 4 (removed)**, no champion\n\n" in mt.summary_markdown(con, meeting_id)
    view = mt.team_view(con, meeting_id, "team 4 (removed)")
    assert (view["removed"], view["position"], view["metrics"], view["open_actions"]) == (
        True, 1, [], [],
    )  # fmt: skip
    assert mt.team_view(con, meeting_id, "Infra")["removed"] is False


def test_a_team_retired_since_stays_on_the_agenda_without_statuses(con):
    """Progress is followed for active teams only; the meeting still shows the team."""
    make_org(con)
    meeting_id = mt.create_meeting(con, held_on=HELD, areas=["Payments"], who=WHO)
    progress.set_target(con, "Checkout", "open_critical_bugs", target=5, due=dt.date(2026, 9, 1),
                        who=WHO, today=HELD)  # fmt: skip
    roster.set_team_active(con, "Checkout", False, who=WHO)
    view = mt.team_view(con, meeting_id, "Checkout")
    assert view["team"] == "Checkout" and view["position"] == 0
    assert all(m["status"] is None for m in view["metrics"])
    assert "**Checkout**" in mt.summary_markdown(con, meeting_id)
