"""``ddq questions`` and ``ddq requests``: the real command against a fake Slack workspace."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq import db, settings
from ddq.access import ADMIN, Actor
from ddq.slack import store
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack

ADA = Actor("ada", ADMIN)


@pytest.fixture
def fake():
    workspace = FakeSlack()
    workspace.add_channel("quality-champions")
    workspace.add_channel("quality-program")
    with serving(workspace):
        yield workspace


@pytest.fixture
def connected(make_db, fake, monkeypatch):
    path = make_db("Checkout")
    with db.connect(path) as con:
        settings.update(con, {"champions_channel": "#quality-champions",
                              "program_channel": "#quality-program"}, who=ADA)  # fmt: skip
        store.connect(con, token_env="SLACK_BOT_TOKEN", api_url=fake.url + "/api", who=ADA)
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    return path


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def hours_ago(hours: float) -> str:
    moment = dt.datetime.now(dt.UTC) - dt.timedelta(hours=hours)
    return f"{moment.timestamp():.6f}"


def test_questions_listed_with_their_links(connected, fake, run_ddq):
    assert ok(run_ddq("questions")).strip() == (
        "No unanswered questions after 24 h in #quality-champions."
    )
    asked = fake.say("quality-champions", "How do you count reopened bugs?", user="U0ANA",
                     name="Ana", ts=hours_ago(30))  # fmt: skip
    fake.say("quality-champions", "Who has a template for XmR?", ts=hours_ago(3))
    lines = ok(run_ddq("questions")).splitlines()
    channel = fake.channel("quality-champions").id
    assert lines[0].split() == ["channel", "waiting", "asked", "by", "link"]
    assert lines[1].split() == ["#quality-champions", "30", "h", "Ana",
        f"https://quality.slack.com/archives/{channel}/p{asked['ts'].replace('.', '')}"]  # fmt: skip
    assert len(lines) == 2
    assert len(ok(run_ddq("questions", "--hours", "2")).splitlines()) == 3


def test_questions_say_what_to_do(connected, fake, run_ddq, monkeypatch):
    fake.channel("quality-champions").is_member = False
    result = run_ddq("questions")
    assert result.returncode == 0
    assert "type /invite @ddq in #quality-champions" in result.stderr
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-not-the-token")
    result = run_ddq("questions")
    assert result.returncode == 1
    assert "refused the bot token in SLACK_BOT_TOKEN" in result.stderr
    assert "xoxb-not-the-token" not in result.stderr + result.stdout


def test_questions_without_slack(make_db, run_ddq):
    make_db()
    result = run_ddq("questions")
    assert result.returncode == 1 and "Slack is not connected" in result.stderr


def test_requests_add_list_and_set_status(connected, fake, run_ddq):
    out = ok(run_ddq("requests", "add", "--kind", "workshop", "--team", "checkout", "--topic",
                     "Exploratory testing", "--hopes", "A half-day session", "--dates", "May"))  # fmt: skip
    assert out.strip() == ("Request 1 recorded: A workshop for Checkout. "
                           "Slack: posted in #quality-program.")  # fmt: skip
    [message] = fake.posted("quality-program")
    assert "A workshop for Checkout (request 1, new): Exploratory testing." in message["text"]
    listed = ok(run_ddq("requests", "list")).splitlines()
    assert listed[1].split()[:4] == ["1", "workshop", "Checkout", "new"]
    assert ok(run_ddq("requests", "list", "--status", "done")).strip() == "no done requests"
    out = ok(run_ddq("requests", "set-status", "1", "scheduled"))
    assert out.strip() == "Request 1 is now scheduled. Slack: updated in #quality-program."
    assert "(request 1, scheduled)" in fake.posted("quality-program")[0]["text"]
    assert len(fake.posted("quality-program")) == 1
    out = ok(run_ddq("requests", "set-status", "1", "scheduled"))
    assert out.strip() == "Request 1 was already scheduled."
    result = run_ddq("requests", "set-status", "7", "done")
    assert result.returncode == 1 and "There is no request 7" in result.stderr
    result = run_ddq("requests", "set-status", "1", "maybe")
    assert result.returncode == 2 and "'maybe' is not one of" in result.stderr


def test_a_request_recorded_when_slack_refuses_then_posted(connected, fake, run_ddq):
    fake.channel("quality-program").is_member = False
    result = run_ddq("requests", "add", "--kind", "coaching", "--team", "Checkout",
                     "--topic", "Flaky tests")  # fmt: skip
    assert result.returncode == 0
    assert "Request 1 recorded: Coaching for Checkout. It is recorded but not in Slack: " in (
        result.stdout
    )
    assert "type /invite @ddq in #quality-program" in result.stdout
    assert "`ddq requests post 1`" in result.stdout
    assert "warning: request 1 is not in Slack." in result.stderr
    fake.channel("quality-program").is_member = True
    assert ok(run_ddq("requests", "post", "1")).strip() == "Request 1 posted in #quality-program."
    assert ok(run_ddq("requests", "post", "1")).strip() == "Request 1 updated in #quality-program."
    assert len(fake.posted("quality-program")) == 1
    assert BOT_TOKEN.encode() not in connected.read_bytes()
