"""`ddq slack connect|test|disconnect` and `ddq meeting summary --post`, the real command
against a fake Slack workspace on loopback."""

from __future__ import annotations

import pytest

from ddq import db, roster, settings
from ddq import meeting as mt
from ddq.access import ADMIN, Actor
from tests.conftest import query
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.test_meeting import HELD, WHO, make_org

ADMIN_WHO = Actor("admin", ADMIN)


@pytest.fixture
def fake(monkeypatch):
    workspace = FakeSlack()
    workspace.add_channel("quality-champions")
    workspace.add_channel("quality", member=False)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    with serving(workspace):
        yield workspace


@pytest.fixture
def path(make_db):
    target = make_db()
    with db.connect(target) as con:
        make_org(con)
        settings.update(con, {"champions_channel": "#quality-champions",
                              "community_channel": "#quality"}, who=ADMIN_WHO)  # fmt: skip
        roster.update_area(con, "Payments", champions_channel="#payments-champions",
                           who=ADMIN_WHO)  # fmt: skip
    return target


def test_connect_test_and_disconnect(path, fake, run_ddq, monkeypatch):
    before = run_ddq("slack", "test")
    assert before.returncode == 1 and "Slack is not connected" in before.stderr
    token = run_ddq("slack", "connect", "--token-env", BOT_TOKEN)
    assert token.returncode == 1 and "not the token itself" in token.stderr
    assert BOT_TOKEN not in token.stderr + token.stdout

    connected = run_ddq("slack", "connect", "--token-env", "SLACK_BOT_TOKEN", "--api-url",
                        fake.url + "/api", "--remind-days", "2", "--question-hours", "12")  # fmt: skip
    assert connected.returncode == 0, connected.stderr
    assert connected.stdout.splitlines() == [
        f"connected Slack at {fake.url}/api: the bot token is read from SLACK_BOT_TOKEN; "
        "reminders 2 days before the meeting; questions unanswered after 12 hours",
        "check it with `ddq slack test`",
    ]

    tested = run_ddq("slack", "test")
    assert tested.returncode == 1
    assert tested.stdout.splitlines() == [
        f"Slack API at {fake.url}/api, bot token read from SLACK_BOT_TOKEN",
        "Workspace Quality (https://quality.slack.com/), bot @ddq (U0BOT00001)",
        "#quality-champions found, bot is a member; used for program: champions and leadership",
        "#quality found, bot is NOT a member: /invite @ddq in #quality; used for program: "
        "everyone interested",
        "#payments-champions not found (check its name in Settings or the roster; a private "
        "channel needs /invite @ddq in it first); used for Payments: champions and leadership",
        "No app address (app_url) in Settings: messages will carry no links back to ddq.",
    ]
    assert "Slack is not ready: 2 problems above" in tested.stderr

    fake.channel("quality").is_member = True
    fake.add_channel("payments-champions")
    good = run_ddq("slack", "test")
    assert good.returncode == 0, good.stdout + good.stderr
    assert "#payments-champions found, bot is a member" in good.stdout

    monkeypatch.delenv("SLACK_BOT_TOKEN")
    unset = run_ddq("slack", "test")
    assert unset.returncode == 1
    assert "SLACK_BOT_TOKEN is empty or not set" in unset.stdout
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-wrong")
    wrong = run_ddq("slack", "test")
    assert wrong.returncode == 1 and "invalid_auth" in wrong.stdout

    gone = run_ddq("slack", "disconnect")
    assert gone.returncode == 0 and gone.stdout.startswith("disconnected Slack")
    assert run_ddq("slack", "test").returncode == 1
    assert query(path, "SELECT count(*) FROM slack_config") == [(0,)]
    assert BOT_TOKEN.encode() not in path.read_bytes()


def test_summary_post_twice_then_a_refusal(path, fake, run_ddq):
    with db.connect(path) as con:
        meeting_id = mt.create_meeting(con, held_on=HELD, areas=["Platform"], who=WHO)
        mt.set_note(con, meeting_id, "Infra", "doing", "Alerts <@here> & pages", WHO)
    not_yet = run_ddq("meeting", "summary", "--post")
    assert not_yet.returncode == 1 and "Slack is not connected" in not_yet.stderr
    assert run_ddq("slack", "connect", "--token-env", "SLACK_BOT_TOKEN", "--api-url",
                   fake.url + "/api").returncode == 0  # fmt: skip
    printed = run_ddq("meeting", "summary")

    posted = run_ddq("meeting", "summary", "--post")
    assert posted.returncode == 0, posted.stderr
    assert posted.stdout == printed.stdout + "posted in #quality-champions\n"
    assert "No links back to ddq" in posted.stderr
    updated = run_ddq("meeting", "summary", "--post", "--id", str(meeting_id))
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout == printed.stdout + "updated in #quality-champions\n"
    [message] = fake.posted("quality-champions")
    assert "edited" in message and "Alerts &lt;@here&gt; &amp; pages" in message["text"]

    with db.connect(path) as con:
        roster.update_area(con, "Platform", champions_channel="#quality", who=ADMIN_WHO)
    refused = run_ddq("meeting", "summary", "--post")
    assert refused.returncode == 1
    assert refused.stdout == printed.stdout
    assert "not posted to Slack: The bot is not a member of #quality (not_in_channel)" in (
        refused.stderr)  # fmt: skip
    assert "/invite @ddq in #quality" in refused.stderr
    assert query(path, "SELECT channel FROM slack_posts") == [("#quality-champions",)]
    assert fake.posted("quality") == []
