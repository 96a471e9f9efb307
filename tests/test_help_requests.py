"""Coaching and workshop requests: recorded, posted to the program channel, followed up."""

from __future__ import annotations

import pytest

from ddq import db, help_requests, settings
from ddq.access import ADMIN, EDITOR, VIEWER, Actor, NotAllowed
from ddq.errors import DdqError, NotFound, StaleEdit
from ddq.slack import requests, store
from ddq.slack.client import Slack
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack

ADA = Actor("ada", ADMIN)
ED = Actor("ed@example.com", EDITOR)
VI = Actor("vi", VIEWER)
ENV = {"SLACK_BOT_TOKEN": BOT_TOKEN}


@pytest.fixture
def fake():
    workspace = FakeSlack()
    workspace.add_channel("quality-program")
    with serving(workspace):
        yield workspace


@pytest.fixture
def con(make_db):
    with db.connect(make_db("Checkout", "Ledger")) as connection:
        yield connection


def connect(con, fake) -> Slack:
    settings.update(con, {"program_channel": "#quality-program",
                          "app_url": "https://ddq.example.com"}, who=ADA)  # fmt: skip
    store.connect(con, token_env="SLACK_BOT_TOKEN", api_url=fake.url + "/api", who=ADA)
    return Slack(store.required(con), env=ENV)


def ask(con, **kwargs) -> requests.Outcome:
    values = {"kind": "coaching", "team": "checkout", "topic": "Flaky tests",
              "hopes": "A plan <for> us & them", "dates": "any Tuesday in April"}  # fmt: skip
    values.update(kwargs)
    return requests.request_help(con, **values)


def test_recorded_without_slack(con):
    outcome = ask(con, who=ED)
    assert outcome.posted is None and outcome.problem is None
    request = outcome.request
    assert (request.kind, request.team, request.status, request.requested_by) == (
        "coaching", "Checkout", "new", "ed@example.com")  # fmt: skip
    assert outcome.words("Recorded") == "Recorded."
    assert requests.list_requests(con) == [request]
    assert requests.list_requests(con, "done") == []
    audit = con.execute("SELECT action, subject FROM audit_log WHERE action LIKE 'request%'")
    assert audit.fetchall() == [("request.add", f"request {request.id}")]


def test_roles_and_checks(con):
    with pytest.raises(NotAllowed, match="vi is a viewer"):
        ask(con, who=VI)
    with pytest.raises(NotFound, match="no team 'Nowhere'"):
        ask(con, team="Nowhere", who=ED)
    with pytest.raises(DdqError, match="topic is empty"):
        ask(con, topic="  ", who=ED)
    with pytest.raises(DdqError, match="not a kind of request"):
        ask(con, kind="lunch", who=ED)
    with pytest.raises(DdqError, match="keep it under 200"):
        ask(con, topic="x" * 201, who=ED)
    request = ask(con, who=ED).request
    with pytest.raises(NotAllowed, match="cannot change a request's status"):
        requests.set_status(con, request.id, "scheduled", who=ED)
    with pytest.raises(DdqError, match="not a request status"):
        requests.set_status(con, request.id, "maybe", who=ADA)
    with pytest.raises(NotFound, match="no request 99"):
        requests.set_status(con, 99, "done", who=ADA)


def test_posted_to_the_program_channel_and_updated_with_its_status(con, fake):
    slack = connect(con, fake)
    outcome = ask(con, who=ED, slack=slack)
    assert outcome.problem is None and outcome.posted is not None
    assert outcome.words("Recorded") == "Recorded. Slack: posted in #quality-program."
    [message] = fake.posted("quality-program")
    assert "Coaching for Checkout (request 1, new): Flaky tests." in message["text"]
    shown = str(message["blocks"])
    assert "A plan &lt;for&gt; us &amp; them" in shown  # user text escaped for mrkdwn
    assert "https://ddq.example.com/settings" in shown

    changed = requests.set_status(con, outcome.request.id, "scheduled", who=ADA, slack=slack)
    assert changed.changed and changed.posted is not None and changed.posted.updated
    [message] = fake.posted("quality-program")  # the same message, edited
    assert "(request 1, scheduled)" in message["text"]
    assert "Scheduled (by ada)" in str(message["blocks"])
    assert "edited" in message
    assert help_requests.get(con, 1).status == "scheduled"
    again = requests.set_status(con, 1, "scheduled", who=ADA, slack=slack)
    assert not again.changed and again.posted is None
    with pytest.raises(StaleEdit, match="its status is now scheduled"):
        requests.set_status(con, 1, "done", expected="new", who=ADA, slack=slack)
    requests.set_status(con, 1, "done", expected="scheduled", who=ADA, slack=slack)
    assert "(request 1, done)" in fake.posted("quality-program")[0]["text"]
    actions = con.execute("SELECT action FROM audit_log WHERE action LIKE 'request%' "
                          "OR action = 'slack.request' ORDER BY id").fetchall()  # fmt: skip
    assert [a for (a,) in actions] == ["request.add", "slack.request", "request.status",
                                       "slack.request", "request.status", "slack.request"]  # fmt: skip


def test_a_failed_post_keeps_the_request(con, fake):
    slack = connect(con, fake)
    fake.channel("quality-program").is_member = False
    outcome = ask(con, who=ED, slack=slack)
    assert outcome.posted is None
    assert outcome.problem == ("The bot is not a member of #quality-program (not_in_channel): in "
                               "Slack, type /invite @ddq in #quality-program. Then post it with "
                               "`ddq requests post 1`.")  # fmt: skip
    assert "It is recorded but not in Slack" in outcome.words("Recorded")
    assert [r.id for r in requests.list_requests(con)] == [1]
    assert con.execute("SELECT count(*) FROM slack_posts").fetchone() == (0,)
    # Never posted: a status change has no message to update.
    assert requests.set_status(con, 1, "scheduled", who=ADA, slack=slack).posted is None
    fake.channel("quality-program").is_member = True
    posted = requests.post_request(con, 1, who=ADA, slack=slack)
    assert not posted.updated and len(fake.posted("quality-program")) == 1
    assert "(request 1, scheduled)" in fake.posted("quality-program")[0]["text"]


def test_a_status_change_kept_when_slack_refuses_the_update(con, fake):
    slack = connect(con, fake)
    ask(con, who=ED, slack=slack)
    wrong = Slack(store.required(con), env={"SLACK_BOT_TOKEN": "xoxb-wrong-token"})
    outcome = requests.set_status(con, 1, "done", who=ADA, slack=wrong)
    assert outcome.changed and outcome.posted is None
    assert "refused the bot token in SLACK_BOT_TOKEN" in (outcome.problem or "")
    assert help_requests.get(con, 1).status == "done"
    assert "(request 1, new)" in fake.posted("quality-program")[0]["text"]


def test_no_program_channel_or_no_token_says_what_to_do(con, fake, db_path):
    store.connect(con, token_env="SLACK_BOT_TOKEN", api_url=fake.url + "/api", who=ADA)
    outcome = ask(con, who=ED, env=ENV)
    assert outcome.problem is not None and "channel is not set: an admin sets program_channel" in (
        outcome.problem
    )
    settings.update(con, {"program_channel": "#quality-program"}, who=ADA)
    outcome = ask(con, who=ED, env={})
    assert outcome.problem is not None and "SLACK_BOT_TOKEN is empty or not set" in outcome.problem
    outcome = ask(con, who=ED, env=ENV)
    assert outcome.posted is not None
    assert BOT_TOKEN not in str(db.rows(con, "SELECT * FROM audit_log"))
    con.execute("CHECKPOINT")
    assert BOT_TOKEN.encode() not in db_path.read_bytes()
