"""Walking a meeting through AppTest: start, move, notes, an action, attendance, finish."""

from __future__ import annotations

import datetime as dt

from ddq import db, progress, roster
from ddq import meeting as core
from ddq.access import ADMIN, SYSTEM, Actor
from ddq.ui import meeting as ui
from tests.pages.builders import LAST, load
from tests.pages.layout import right_after

MONDAY = dt.date(2026, 11, 16)


def small_org(path):
    with db.connect(path) as con:
        with db.transaction(con):
            area = roster.ensure_area(con, "Core")[0]
            for team in ("Alpha", "Beta"):
                roster.ensure_team(con, team, area)
        roster.assign_champion(con, "Alpha", "Ann Lee", "ann@example.com", dt.date(2025, 1, 6),
                               who=Actor("t", ADMIN))  # fmt: skip
        roster.assign_champion(
            con, "Beta", "Bo Kim", "@bo", dt.date(2025, 1, 6), who=Actor("t", ADMIN)
        )


def open_page(page, **query):
    at = page("app.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page("app_pages/meeting.py")
    return at.run()


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_a_meeting_is_walked_and_its_open_action_carries_forward(app_db, page):
    small_org(app_db)
    at = open_page(page)
    assert not at.exception
    next(d for d in at.date_input if d.label == "Date").set_value(MONDAY)
    button(at, "Start").click().run()
    assert not at.exception and not at.error
    assert at.markdown[0].value.startswith("### Team 1 of 2: Alpha")
    # Notes, attendance and an action for Alpha.
    next(t for t in at.text_area if t.label == "What we're doing").input("Pairing on flaky tests")
    at.run()
    button(at, "Save what we're doing").click().run()
    next(t for t in at.toggle if t.label == "Champion present").set_value(True).run()
    next(t for t in at.text_input if t.label == "New action").input("Triage old criticals")
    next(t for t in at.text_input if t.label == "Owner").input("Ann Lee")
    next(d for d in at.date_input if d.label == "Due").set_value(MONDAY + dt.timedelta(days=14))
    button(at, "Add action").click().run()
    assert not at.error, [e.value for e in at.error]
    # On to Beta, then finish.
    button(at, "Next ▶").click().run()
    assert "Team 2 of 2: Beta" in at.markdown[0].value
    next(c for c in at.checkbox if c.label.startswith("The area head")).check().run()
    button(at, "Finish the meeting").click().run()
    with db.connect(app_db) as con:
        first = core.meetings(con)[0]
        assert first["status"] == "finished"
        summary = core.summary_markdown(con, first["id"])
        assert "Pairing on flaky tests" in summary and "Triage old criticals" in summary
        # Next week's meeting: Alpha's open action is carried forward.
        later = core.create_meeting(
            con, held_on=MONDAY + dt.timedelta(weeks=1), who=Actor("t", ADMIN)
        )
        view = core.team_view(con, later, "Alpha")
    assert [a["text"] for a in view["open_actions"]] == ["Triage old criticals"]
    at = open_page(page, meeting=str(later), team="Alpha")
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "Triage old criticals" in shown


def test_a_viewers_laptop_follows_the_presenter_until_they_move_on_their_own(
    app_db, page, monkeypatch
):
    small_org(app_db)
    with db.connect(app_db) as con:
        held = core.create_meeting(con, held_on=MONDAY, who=Actor("t", ADMIN))
        core.set_position(con, held, 0, Actor("t", ADMIN))
    monkeypatch.setenv("DDQ_EDITOR_PASSWORD", "edit-me")  # sign-in on: this visitor views
    viewer = open_page(page)
    assert "Team 1 of 2: Alpha" in viewer.markdown[0].value
    assert next(t for t in viewer.toggle if t.label == "Follow the presenter").value is True

    with db.connect(app_db) as con:  # the presenter moves on
        core.set_position(con, held, 1, Actor("t", ADMIN))
    viewer.run()
    assert "Team 2 of 2: Beta" in viewer.markdown[0].value

    button(viewer, "◀ Previous").click().run()  # looking back on their own: no more following
    assert "Team 1 of 2: Alpha" in viewer.markdown[0].value
    assert next(t for t in viewer.toggle if t.label == "Follow the presenter").value is False
    viewer.run()
    assert "Team 1 of 2: Alpha" in viewer.markdown[0].value
    with db.connect(app_db) as con:  # and the meeting itself did not move
        assert core.get_meeting(con, held)["current_team"] == "Beta"


def test_a_team_retired_since_the_meeting_began_still_opens(app_db, page):
    small_org(app_db)
    with db.connect(app_db) as con:
        held = core.create_meeting(con, held_on=MONDAY, who=Actor("t", ADMIN))
        roster.set_team_active(con, "Beta", False, who=Actor("t", ADMIN))
    at = open_page(page, meeting=str(held), team="Beta")
    assert not at.exception
    assert "Team 2 of 2: Beta" in at.markdown[0].value
    at.run()
    assert not at.exception


def test_a_team_removed_since_the_meeting_began_says_so(app_db, page):
    small_org(app_db)
    with db.connect(app_db) as con:
        with db.transaction(con):
            roster.ensure_team(con, "Gamma", None)
        held = core.create_meeting(con, held_on=MONDAY, who=Actor("t", ADMIN))
        gone = db.scalar(con, "SELECT id FROM teams WHERE name = 'Gamma'")
        con.execute("DELETE FROM teams WHERE id = ?", [gone])  # as undoing its import does
    at = open_page(page, meeting=str(held), team=f"team {gone} (removed)")
    assert not at.exception
    assert at.markdown[0].value.startswith("### Team 3 of 3: team 3")
    assert any("removed after the meeting began" in i.value for i in at.info)
    assert not at.text_area  # nothing to write notes on


def test_the_numbers_say_their_target_as_set_and_an_old_weeks_change_says_so(app_db, page):
    """Issue 14: the tooltip said "Target 6" where the summary said 6.4; a team that missed
    the latest week showed an older week's change as this week's."""
    small_org(app_db)
    load(app_db, [("Alpha", ago, "open_critical_bugs", 8 + ago % 2) for ago in range(12)]
         + [("Beta", ago, "open_critical_bugs", 3 + ago % 2) for ago in range(2, 12)])  # fmt: skip
    due = LAST + dt.timedelta(weeks=16)
    with db.connect(app_db) as con:
        progress.set_target(con, "Alpha", "open_critical_bugs", target=6.4, due=due,
                            baseline=8.5, who=SYSTEM)  # fmt: skip
        meeting_id = core.create_meeting(con, who=Actor("t", ADMIN))
        summary = core.summary_markdown(con, meeting_id)
    assert f"target 6.4 by {due}" in summary
    at = open_page(page, meeting=str(meeting_id), team="Alpha")
    assert not at.exception
    (alpha,) = at.metric
    assert alpha.help.startswith(f"Target 6.4 by {due:%d %b %Y}: ")
    # ... and on the card itself, in words, for a projector that shows no tooltip
    assert any(m.value.endswith(f"target 6.4 by {due:%d %b}") for m in at.markdown)
    assert (alpha.value, alpha.delta) == ("8", "-1")
    assert alpha.proto.delta_description == "vs week before"
    at = open_page(page, meeting=str(meeting_id), team="Beta")
    (beta,) = at.metric
    old = LAST - dt.timedelta(weeks=2)
    assert (beta.value, beta.delta) == ("3", "-1")
    assert beta.proto.delta_description == f"week of {old:%d %b}, vs week before"


def test_a_started_meeting_opens_at_its_first_team_with_the_start_form_closed(app_db, page):
    small_org(app_db)
    with db.connect(app_db) as con:  # last week's meeting, left on its second team
        before = core.create_meeting(con, held_on=MONDAY - dt.timedelta(weeks=1),
                                     who=Actor("t", ADMIN))  # fmt: skip
        core.set_position(con, before, 1, Actor("t", ADMIN))
    at = open_page(page)
    assert at.selectbox(key="meeting").value == before
    assert "Team 2 of 2: Beta" in at.markdown[0].value
    at.session_state["start_form"] = True  # the person opens the start form (its key)
    at.run()
    next(d for d in at.date_input if d.label == "Date").set_value(MONDAY)
    button(at, "Start").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with db.connect(app_db) as con:
        started = core.meetings(con)[0]["id"]
    assert started != before
    assert at.selectbox(key="meeting").value == started
    assert at.markdown[0].value.startswith("### Team 1 of 2: Alpha")
    form = next(e for e in at.main if getattr(e, "label", None) == "Start a meeting")
    assert at.session_state[ui.START_FORM] is False and not form.proto.expanded  # closed
    said = right_after(at.main, "Start")
    assert said.type == "success" and "Meeting started" in said.value
    # What is typed next goes to the new meeting.
    next(t for t in at.text_area if t.label == "What we're doing").input("Pairing")
    at.run()
    button(at, "Save what we're doing").click().run()
    with db.connect(app_db) as con:
        assert core.team_view(con, started, "Alpha")["notes"]["doing"] == "Pairing"
        assert core.team_view(con, before, "Alpha")["notes"]["doing"] == ""


def test_another_meeting_shows_its_own_team(app_db, page):
    small_org(app_db)
    with db.connect(app_db) as con:
        before = core.create_meeting(con, held_on=MONDAY - dt.timedelta(weeks=1),
                                     who=Actor("t", ADMIN))  # fmt: skip
        latest = core.create_meeting(con, held_on=MONDAY, who=Actor("t", ADMIN))
        core.set_position(con, latest, 1, Actor("t", ADMIN))
    at = open_page(page)
    assert at.selectbox(key="meeting").value == latest
    assert "Team 2 of 2: Beta" in at.markdown[0].value
    at.selectbox(key="meeting").select(before).run()
    assert "Team 1 of 2: Alpha" in at.markdown[0].value  # its first team: it never moved
    at.selectbox(key="meeting").select(latest).run()
    assert "Team 2 of 2: Beta" in at.markdown[0].value  # where that one is


def test_the_meeting_choice_cannot_be_cleared_into_an_empty_page(app_db, page):
    small_org(app_db)
    with db.connect(app_db) as con:
        latest = core.create_meeting(con, held_on=MONDAY, who=Actor("t", ADMIN))
        core.set_position(con, latest, 1, Actor("t", ADMIN))
    at = open_page(page)
    # Escape in the browser: the choice stays, and so does the team on screen.
    chooser = at.selectbox(key="meeting")
    assert chooser.proto.required
    chooser.set_value(None).run()
    assert not at.exception
    assert at.selectbox(key="meeting").value == latest
    assert "Team 2 of 2: Beta" in at.markdown[0].value


def test_the_team_a_meeting_opens_at_counts_as_presented(app_db, page):
    small_org(app_db)
    at = open_page(page)
    next(d for d in at.date_input if d.label == "Date").set_value(MONDAY)
    button(at, "Start").click().run()
    button(at, "Next ▶").click().run()
    button(at, "Finish the meeting").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with db.connect(app_db) as con:
        held = core.meetings(con)[0]
        summary = core.summary_markdown(con, held["id"])
    assert held["presented"] == 2
    assert "2 of 2 teams presented" in summary and "not presented" not in summary


def test_a_new_action_is_due_at_the_next_meeting(app_db, page):
    small_org(app_db)
    with db.connect(app_db) as con:
        held = core.create_meeting(con, held_on=MONDAY, who=Actor("t", ADMIN))
    at = open_page(page, meeting=str(held))
    due = next(d for d in at.date_input if d.label == "Due")
    assert due.value == MONDAY + dt.timedelta(weeks=1)
    next(t for t in at.text_input if t.label == "New action").input("Triage old criticals")
    button(at, "Add action").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with db.connect(app_db) as con:
        [action] = core.team_view(con, held, "Alpha")["open_actions"]
    assert action["due"] == MONDAY + dt.timedelta(weeks=1)
