"""The Slack client against a fake workspace: the calls ddq makes, and Slack's errors in words."""

from __future__ import annotations

import pytest

from ddq.slack.client import Slack, SlackConfig, SlackError
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack

ENV = {"SLACK_BOT_TOKEN": BOT_TOKEN}


@pytest.fixture
def workspace():
    fake = FakeSlack(page_size=2)
    for name in ("quality-champions", "quality", "general"):
        fake.add_channel(name)
    fake.add_channel("outside", member=False)
    with serving(fake):
        yield fake


def slack(fake: FakeSlack, env=ENV, **kwargs) -> Slack:
    return Slack(SlackConfig("SLACK_BOT_TOKEN", fake.url + "/api"), env=env, **kwargs)


def test_post_update_and_look_up(workspace):
    client = slack(workspace)
    assert client.identity()["user_id"] == "U0BOT00001"
    assert set(client.channels()) == {"quality-champions", "quality", "general", "outside"}
    channel = client.channel("#quality")
    ts = client.post(
        channel, "Hello", [{"type": "section", "text": {"type": "mrkdwn", "text": "Hello"}}]
    )
    assert client.update(channel, ts, "Hello again") == ts
    assert [m["text"] for m in workspace.posted("quality")] == ["Hello again"]
    workspace.add_user("ana@example.com")
    assert client.user_by_email("ANA@example.com") == "U00000001"
    assert client.user_by_email("nobody@example.com") is None


def test_slacks_errors_say_what_to_do(workspace):
    with pytest.raises(SlackError, match="SLACK_BOT_TOKEN is empty or not set"):
        slack(workspace, env={})
    wrong = slack(workspace, env={"SLACK_BOT_TOKEN": "xoxb-wrong"})
    with pytest.raises(SlackError, match="refused the bot token in SLACK_BOT_TOKEN") as refused:
        wrong.identity()
    assert "xoxb" not in str(refused.value).replace("(xoxb-...)", "")
    client = slack(workspace)
    with pytest.raises(SlackError, match="no channel #nowhere"):
        client.channel("#nowhere")
    with pytest.raises(SlackError, match=r"not a member of #outside.*/invite @ddq"):
        client.post(client.channel("outside"), "hi")


def test_rate_limits_are_waited_out_and_shown(workspace):
    waits: list[tuple[float, str]] = []
    naps: list[float] = []
    client = slack(workspace, on_wait=lambda s, why: waits.append((s, why)), sleep=naps.append)
    workspace.rate_limit_next(retry_after=3, times=2)
    assert client.identity()["ok"]
    assert waits == [(3.0, "Slack's rate limit")] * 2 and naps == [3.0, 3.0]
    workspace.rate_limit_next(retry_after=3, times=9)
    with pytest.raises(SlackError, match="ratelimited"):
        client.identity()


def test_an_unreachable_slack_says_so(workspace):
    client = Slack(SlackConfig("SLACK_BOT_TOKEN", "http://127.0.0.1:9/api"), env=ENV)
    with pytest.raises(SlackError, match=r"Could not reach Slack at http://127\.0\.0\.1:9/api"):
        client.identity()


def test_posting_the_same_thing_twice_updates_the_message(workspace, make_db):
    from ddq import db
    from ddq.access import EDITOR, Actor
    from ddq.slack.posting import post_once

    who = Actor("eve", EDITOR)
    client = slack(workspace)
    with db.connect(make_db()) as con:
        first = post_once(con, client, kind="summary", subject="meeting 1", channel="quality",
                          text="v1", who=who)  # fmt: skip
        again = post_once(con, client, kind="summary", subject="meeting 1", channel="#quality",
                          text="v2", who=who)  # fmt: skip
        assert (first.updated, again.updated, again.ts) == (False, True, first.ts)
        assert [m["text"] for m in workspace.posted("quality")] == ["v2"]
        workspace.channel("quality").messages.clear()  # deleted in Slack since
        third = post_once(con, client, kind="summary", subject="meeting 1", channel="quality",
                          text="v3", who=who)  # fmt: skip
        assert not third.updated and [m["text"] for m in workspace.posted("quality")] == ["v3"]
        with pytest.raises(SlackError, match="not a member of #outside"):
            post_once(con, client, kind="summary", subject="meeting 1", channel="outside",
                      text="v1", who=who)  # fmt: skip
        assert con.execute("SELECT count(*) FROM slack_posts").fetchone() == (1,)
        dump = str(con.execute("SELECT * FROM audit_log").fetchall())
        assert BOT_TOKEN not in dump
