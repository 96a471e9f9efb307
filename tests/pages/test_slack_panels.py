"""Slack in the app, through AppTest: the questions on the meeting's side panel, the request
form opened from the sidebar, and the program team's status control on Settings."""

from __future__ import annotations

import datetime as dt

import pytest
import streamlit as st

from ddq import db, help_requests, settings
from ddq.access import ADMIN, Actor
from ddq.slack import store
from ddq.ui.format import plain
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.pages.test_meeting import open_page
from tests.pages.test_presenter import a_meeting

ADA = Actor("ada", ADMIN)


@pytest.fixture
def fake(monkeypatch):
    workspace = FakeSlack()
    workspace.add_channel("quality-champions")
    workspace.add_channel("quality-program")
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    st.cache_data.clear()  # the questions are kept for minutes per server: start afresh
    with serving(workspace):
        yield workspace
    st.cache_data.clear()


def connect(path, fake) -> None:
    with db.connect(path) as con:
        settings.update(con, {"champions_channel": "#quality-champions",
                              "program_channel": "#quality-program",
                              "coaching_url": "https://wiki.example.com/coaching"}, who=ADA)  # fmt: skip
        store.connect(con, token_env="SLACK_BOT_TOKEN", api_url=fake.url + "/api", who=ADA)


def ago(hours: float) -> str:
    return f"{(dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)).timestamp():.6f}"


def sidebar_texts(at) -> list[str]:
    return [m.value for m in at.sidebar.markdown] + [c.value for c in at.sidebar.caption]


def button(at, label):
    return next(b for b in at.button if b.label == label)


def test_questions_waiting_on_the_meeting_side_panel(app_db, page, fake):
    held = a_meeting(app_db)
    connect(app_db, fake)
    asked = fake.say("quality-champions", "How do you count reopened bugs?", name="Ana",
                     ts=ago(30))  # fmt: skip
    fake.say("quality-champions", "Anyone for XmR?", ts=ago(2))  # not yet due
    at = open_page(page, meeting=str(held))
    assert not at.exception
    shown = sidebar_texts(at)
    assert "**Questions waiting for an answer**" in shown
    link = f"/archives/{fake.channel('quality-champions').id}/p{asked['ts'].replace('.', '')}"
    [line] = [t for t in shown if link in t]
    assert line.startswith("[\\#quality\\-champions · 30 h · Ana](https://quality.slack.com")
    # Read once for the whole server, not on every rerun.
    reads = sum(1 for method, _ in fake.calls if method == "conversations.history")
    at.run()
    assert sum(1 for method, _ in fake.calls if method == "conversations.history") == reads
    # Presenter mode shows nothing of it.
    presenting = open_page(page, meeting=str(held), present="1")
    assert "**Questions waiting for an answer**" not in sidebar_texts(presenting)


def test_no_panel_without_slack_and_a_short_note_when_slack_fails(app_db, page, fake,
                                                                   monkeypatch):  # fmt: skip
    held = a_meeting(app_db)
    at = open_page(page, meeting=str(held))
    assert "**Questions waiting for an answer**" not in sidebar_texts(at)
    connect(app_db, fake)
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-the-token")
    at = open_page(page, meeting=str(held))
    assert not at.exception and not at.error
    [note] = [c.value for c in at.sidebar.caption if "Could not read Slack" in c.value]
    assert "refused the bot token in SLACK\\_BOT\\_TOKEN" in note
    assert "xoxb-not-the-token" not in note


def test_the_sidebar_links_stay_links_without_slack(app_db, page):
    with db.connect(app_db) as con:
        settings.update(con, {"coaching_url": "https://wiki.example.com/coaching"}, who=ADA)
    at = page("app.py").run()
    assert not [b for b in at.button if b.label.startswith("Request")]
    assert [b.proto.url for b in at.get("link_button")] == ["https://wiki.example.com/coaching"]


def test_a_viewer_keeps_the_links(app_db, page, fake, monkeypatch):
    connect(app_db, fake)
    monkeypatch.setenv("DDQ_EDITOR_PASSWORD", "a long editor password")  # a guest is a viewer
    at = page("app.py").run()
    assert not [b for b in at.button if b.label.startswith("Request")]
    assert [b.proto.url for b in at.get("link_button")] == ["https://wiki.example.com/coaching"]


def test_a_request_sent_from_the_form_then_moved_on(app_db, page, fake):
    a_meeting(app_db)
    connect(app_db, fake)
    at = page("app.py").run()
    assert not at.get("link_button")  # the form replaces the external link
    button(at, "Request a workshop").click().run()
    assert next(r for r in at.radio if r.label == "What you ask for").value == "workshop"
    button(at, "Send request").click().run()
    assert [e.value for e in at.error] == ["Choose the team the request is for."]
    next(s for s in at.selectbox if s.label == "Team").select("Beta")
    button(at, "Send request").click().run()
    assert "The topic is empty" in at.error[0].value
    next(t for t in at.text_input if t.label == "Topic").input("Exploratory testing")
    next(t for t in at.text_area if t.label == "What you hope for").input("A half-day session")
    next(t for t in at.text_input if t.label == "Dates that suit you").input("Any day in May")
    button(at, "Send request").click().run()
    assert not at.exception and not at.error
    assert [s.value for s in at.sidebar.success] == [
        plain("Request 1 sent: A workshop for Beta. Slack: posted in #quality-program.")
    ]
    assert not [t for t in at.text_input if t.label == "Topic"]  # the dialog closed
    [message] = fake.posted("quality-program")
    assert "A workshop for Beta (request 1, new): Exploratory testing." in message["text"]

    at.switch_page("app_pages/settings.py").run()
    assert not at.exception
    assert next(d for d in at.dataframe if "Topic" in d.value.columns).value["Status"][0] == "new"
    next(r for r in at.radio if r.label == "Status").set_value("scheduled")
    button(at, "Save status").click().run()
    assert not at.exception and not at.error
    assert plain("Request 1 is now scheduled. Slack: updated in #quality-program.") in [
        s.value for s in at.success
    ]
    assert "(request 1, scheduled)" in fake.posted("quality-program")[0]["text"]
    with db.connect(app_db) as con:
        assert help_requests.get(con, 1).status == "scheduled"


def test_a_request_kept_when_slack_refuses(app_db, page, fake):
    a_meeting(app_db)
    connect(app_db, fake)
    fake.channel("quality-program").is_member = False
    at = page("app.py").run()
    button(at, "Request coaching").click().run()
    next(s for s in at.selectbox if s.label == "Team").select("Alpha")
    next(t for t in at.text_input if t.label == "Topic").input("Flaky tests")
    button(at, "Send request").click().run()
    [warning] = [w.value for w in at.sidebar.warning]
    assert warning.startswith(plain("Request 1 sent: Coaching for Alpha. It is recorded but not"))
    assert plain("/invite @ddq in #quality-program") in warning
    fake.channel("quality-program").is_member = True
    at.switch_page("app_pages/settings.py").run()
    button(at, "Post to Slack").click().run()
    assert plain("Request 1 posted in #quality-program.") in [s.value for s in at.success]
    assert len(fake.posted("quality-program")) == 1
