"""Slack on the pages through AppTest, against a fake Slack on loopback: the Settings page's
Slack section (admins: connect, test, disconnect) and the meeting page's "Post to Slack"."""

from __future__ import annotations

import pytest

from ddq import db, roster, settings
from ddq import meeting as core
from ddq.access import ADMIN, Actor
from ddq.slack import store
from ddq.ui.format import plain
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.pages.layout import in_page_order, right_after
from tests.pages.test_meeting import MONDAY, open_page, small_org

ADA = Actor("ada", ADMIN)
PASSWORDS = {"ddq": {"editor_password": "edit-me", "admin_password": "admin-me"}}


@pytest.fixture
def fake(monkeypatch):
    workspace = FakeSlack()
    workspace.add_channel("quality-champions")
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    with serving(workspace):
        yield workspace


def settings_page(page, secrets=None, session=None):
    at = page("app.py")
    if secrets:
        at.secrets.update(secrets)
    at.switch_page("app_pages/settings.py")
    at.run()
    if session:
        for key, value in session.items():
            at.session_state[key] = value
        at.run()
    assert not at.exception
    return at


def button(at, label):
    return next(b for b in at.button if b.label == label)


def typed(at, field, text, generation=0):
    """Type in the Slack form's ``field`` (var, url): the live sources' form has a "Token
    variable" too."""
    at.text_input(key=f"slack_connect_{field}_{generation}").input(text)


def shown(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_an_admin_connects_tests_and_disconnects_slack(app_db, page, fake, monkeypatch):
    with db.connect(app_db) as con:
        settings.update(con, {"champions_channel": "#quality-champions",
                              "community_channel": "#quality"}, who=ADA)  # fmt: skip
    at = settings_page(page)
    assert any(s.value == "Slack" for s in at.subheader)
    assert "Slack is not connected." in shown(at)
    assert "never asks for the bot token nor stores it" in shown(at)
    assert not any(b.label == "Test Slack" for b in at.button)

    typed(at, "var", BOT_TOKEN)  # the token itself: refused, in the form's words
    at.button(key="FormSubmitter:slack_connect-Connect Slack").click().run()
    assert any("“Bot token variable” takes the NAME" in e.value for e in at.error)
    typed(at, "var", "SLACK_BOT_TOKEN")
    typed(at, "url", fake.url + "/api")
    at.button(key="FormSubmitter:slack_connect-Connect Slack").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Slack connected" in s.value for s in at.success)
    with db.connect(app_db) as con:
        assert store.config(con).token_env == "SLACK_BOT_TOKEN"
    assert BOT_TOKEN.encode() not in app_db.read_bytes()

    button(at, "Test Slack").click().run()
    text = shown(at)
    assert plain("#quality-champions found, bot is a member") in text
    assert plain("#quality not found (check its name in Settings or the roster") in text
    assert any("Slack is not ready: 1 problem above." in e.value for e in at.error)
    fake.add_channel("quality")
    button(at, "Test Slack").click().run()
    assert any(s.value == "Slack is ready." for s in at.success)

    # The token from the app's secrets when the environment has none: under [slack] ...
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    button(at, "Test Slack").click().run()
    assert plain("SLACK_BOT_TOKEN is empty or not set") in shown(at)
    at.secrets["slack"] = {"SLACK_BOT_TOKEN": BOT_TOKEN}
    button(at, "Test Slack").click().run()
    assert any(s.value == "Slack is ready." for s in at.success)
    # ... or at the top level.
    del at.secrets["slack"]
    at.secrets["SLACK_BOT_TOKEN"] = BOT_TOKEN
    button(at, "Test Slack").click().run()
    assert any(s.value == "Slack is ready." for s in at.success)
    assert BOT_TOKEN not in shown(at)

    button(at, "Disconnect Slack").click().run()
    assert not at.exception
    assert any("Slack disconnected" in s.value for s in at.success)
    assert "Slack is not connected." in shown(at)
    with db.connect(app_db) as con:
        assert store.config(con) is None


def test_the_slack_section_is_for_admins_only(app_db, page, fake):
    editor = settings_page(page, secrets=PASSWORDS,
                           session={"ddq_signed_in": ("Eve Editor", "editor")})  # fmt: skip
    assert not any(s.value == "Slack" for s in editor.subheader)
    assert not any(t.key and t.key.startswith("slack_connect") for t in editor.text_input)


def connected_meeting(path, fake, channel="#quality-champions") -> int:
    small_org(path)
    with db.connect(path) as con:
        store.connect(con, token_env="SLACK_BOT_TOKEN", api_url=fake.url + "/api", who=ADA)
        roster.update_area(con, "Core", champions_channel=channel, who=ADA)
        return core.create_meeting(con, held_on=MONDAY, areas=["Core"], who=ADA)


def said_under_post(at) -> str:
    """The line right after the button: what the last post said."""
    return right_after(at.main, "Post to Slack").value


def test_post_to_slack_then_update_from_the_meeting_page(app_db, page, fake):
    meeting_id = connected_meeting(app_db, fake)
    at = open_page(page, meeting=str(meeting_id))
    assert not at.exception
    before = [n.type for n in in_page_order(at.main)]
    button(at, "Post to Slack").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert said_under_post(at).startswith(plain("Posted in #quality-champions at "))
    assert "No links back to ddq" in said_under_post(at)
    [message] = fake.posted("quality-champions")
    assert "Alpha" in message["text"]
    # The line was there, blank, before the post: nothing on the page moved.
    assert [n.type for n in in_page_order(at.main)] == before

    button(at, "Post to Slack").click().run()
    assert said_under_post(at).startswith(plain("Updated in #quality-champions at "))
    assert len(fake.posted("quality-champions")) == 1 and "edited" in fake.posted(
        "quality-champions")[0]  # fmt: skip


def test_a_refused_post_says_why_in_words(app_db, page, fake):
    fake.add_channel("outside", member=False)
    meeting_id = connected_meeting(app_db, fake, channel="#outside")
    at = open_page(page, meeting=str(meeting_id))
    button(at, "Post to Slack").click().run()
    assert not at.exception
    said = said_under_post(at)
    assert said.startswith(":red[Not posted: ")
    assert plain("The bot is not a member of #outside (not_in_channel)") in said
    assert plain("/invite @ddq in #outside") in said
    with db.connect(app_db) as con:
        assert con.execute("SELECT count(*) FROM slack_posts").fetchone() == (0,)


def test_no_button_without_slack_or_for_a_viewer(app_db, page, fake, monkeypatch):
    small_org(app_db)
    with db.connect(app_db) as con:
        meeting_id = core.create_meeting(con, held_on=MONDAY, who=ADA)
    at = open_page(page, meeting=str(meeting_id))
    assert not any(b.label == "Post to Slack" for b in at.button)  # not connected
    with db.connect(app_db) as con:
        store.connect(con, token_env="SLACK_BOT_TOKEN", api_url=fake.url + "/api", who=ADA)
    assert any(b.label == "Post to Slack" for b in open_page(page, meeting=str(meeting_id)).button)
    monkeypatch.setenv("DDQ_EDITOR_PASSWORD", "edit-me")  # sign-in on: this visitor views
    viewer = open_page(page, meeting=str(meeting_id))
    assert not viewer.exception
    assert not any(b.label == "Post to Slack" for b in viewer.button)
