"""Presenter mode through AppTest: what it shows and hides, moving, leaving it, links.

What fits the projector's 1280x720 and what the keys do is checked in a real browser
(tests/e2e/test_presenter_browser.py); here, the page's logic on each run.
"""

from __future__ import annotations

import datetime as dt

from ddq import db, progress
from ddq import meeting as core
from ddq.access import ADMIN, Actor
from tests.pages.builders import LAST, load
from tests.pages.test_meeting import button, open_page, small_org

HOST = Actor("Host", ADMIN)
HELD = LAST + dt.timedelta(weeks=1)  # its numbers are those of the latest complete week


def a_meeting(path) -> int:
    """Alpha (Ann Lee, present, a note, an action, a target) then Beta."""
    small_org(path)
    load(path, [("Alpha", 1, "open_bugs", 9), ("Alpha", 0, "open_bugs", 7),
                ("Beta", 1, "open_bugs", 4), ("Beta", 0, "open_bugs", 5)])  # fmt: skip
    with db.connect(path) as con:
        progress.set_target(con, "Alpha", "open_bugs", target=3, who=HOST,
                            due=LAST + dt.timedelta(weeks=12))  # fmt: skip
        held = core.create_meeting(con, held_on=HELD, order="area", who=HOST)
        core.set_attendance(con, held, "Alpha", True, who=HOST)
        core.set_note(con, held, "Alpha", "doing", "Pairing on flaky tests", who=HOST)
        core.add_action(con, team="Alpha", text="Triage old criticals", owner="Ann Lee",
                        due=HELD + dt.timedelta(days=14), meeting_id=held, who=HOST)  # fmt: skip
    return held


def texts(at) -> list[str]:
    return [m.value for m in at.markdown]


def test_a_presenter_link_shows_the_team_alone(app_db, page):
    held = a_meeting(app_db)
    at = open_page(page, meeting=str(held), present="1")
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert not at.title  # no page title, no banners
    assert not at.selectbox and not at.expander and not at.text_area and not at.toggle
    assert not at.info and not at.warning
    shown = texts(at)
    assert shown[0] == "# Alpha :gray[· 1 of 2]"
    assert "Champion Ann Lee · :green[present]" in shown[1]
    (card,) = at.metric
    assert (card.label, card.value) == ("Open bugs", "7")
    assert f"target 3 by {LAST + dt.timedelta(weeks=12):%d %b}" in shown
    assert "Pairing on flaky tests" in shown
    assert any(t.startswith("Triage old criticals — Ann Lee") for t in shown)
    assert not at.toast
    assert at.query_params["present"] in ("1", ["1"])


def test_moving_in_presenter_mode_and_leaving_it_keeps_the_team_and_the_meeting(app_db, page):
    held = a_meeting(app_db)
    at = open_page(page, meeting=str(held), present="1")
    button(at, "▶").click().run()
    assert texts(at)[0] == "# Beta :gray[· 2 of 2]"
    with db.connect(app_db) as con:
        assert core.get_meeting(con, held)["current_team"] == "Beta"
    assert button(at, "▶").disabled and not button(at, "◀").disabled
    assert button(at, "Next team").disabled  # PageDown at the end of the agenda
    button(at, "Previous team").click().run()  # PageUp
    assert texts(at)[0] == "# Alpha :gray[· 1 of 2]"
    button(at, "▶").click().run()
    button(at, "Leave").click().run()
    assert not at.exception
    assert at.title[0].value == "Weekly meeting"
    assert at.selectbox(key="meeting").value == held
    assert any(m.value.startswith("### Team 2 of 2: Beta") for m in at.markdown)
    assert "present" not in at.query_params
    button(at, "Present").click().run()
    assert texts(at)[0] == "# Beta :gray[· 2 of 2]" and not at.title


def test_the_time_box_and_following_survive_a_turn_in_presenter_mode(app_db, page):
    held = a_meeting(app_db)
    at = open_page(page, meeting=str(held))
    at.number_input(key="timebox").set_value(5).run()
    at.toggle(key=f"follow_{held}").set_value(True).run()
    button(at, "Present").click().run()
    button(at, "Leave").click().run()
    assert at.number_input(key="timebox").value == 5
    assert at.toggle(key=f"follow_{held}").value is True


def test_a_bad_present_value_in_a_link_is_named_and_the_full_page_shown(app_db, page):
    held = a_meeting(app_db)
    at = open_page(page, meeting=str(held), present="<yes>")
    assert not at.exception
    assert at.title[0].value == "Weekly meeting"
    assert any("present=" in c.value and "not 1" in c.value for c in at.caption)
    assert not any("<yes>" in c.value for c in at.caption)  # escaped, never HTML


def test_presenter_mode_without_a_meeting_shows_the_page_to_start_one(app_db, page):
    small_org(app_db)
    at = open_page(page, present="1")
    assert not at.exception
    assert at.title[0].value == "Weekly meeting"
    assert any(e.label == "Start a meeting" for e in at.expander)


def test_a_save_is_said_on_its_own_line_and_nothing_appears_or_goes(app_db, page):
    held = a_meeting(app_db)
    at = open_page(page, meeting=str(held))
    buttons_before = [b.label for b in at.button]
    next(t for t in at.text_area if t.label == "Feedback wanted").input("Is a bug bash worth it?")
    at.run()
    assert [b.label for b in at.button] == buttons_before  # no button appears while typing
    button(at, "Save feedback wanted").click().run()
    assert not at.toast and not at.error
    assert [b.label for b in at.button] == buttons_before
    assert any(c.value.startswith("Feedback wanted saved") for c in at.caption)
    button(at, "Save feedback wanted").click().run()  # again, with nothing changed
    assert any(c.value.startswith("Nothing new to save") for c in at.caption)
    with db.connect(app_db) as con:
        assert core.team_view(con, held, "Alpha")["notes"]["feedback_wanted"] == (
            "Is a bug bash worth it?"
        )
