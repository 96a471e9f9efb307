"""Unanswered questions in the champions channels, read from a fake Slack workspace."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq import db, settings
from ddq.access import ADMIN, Actor
from ddq.slack import questions, store
from ddq.slack.client import Slack, SlackError
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack

ADMIN_USER = Actor("ada", ADMIN)
NOW = dt.datetime(2026, 3, 4, 12, 0)
ENV = {"SLACK_BOT_TOKEN": BOT_TOKEN}


def ts(hours_ago: float) -> str:
    """A Slack timestamp ``hours_ago`` before NOW."""
    moment = NOW.replace(tzinfo=dt.UTC) - dt.timedelta(hours=hours_ago)
    return f"{moment.timestamp():.6f}"


@pytest.fixture
def fake():
    workspace = FakeSlack(page_size=3)  # several pages of history
    workspace.add_channel("quality-champions")
    workspace.add_channel("payments-champions")
    workspace.add_channel("everyone")
    with serving(workspace):
        yield workspace


@pytest.fixture
def con(make_db, fake):
    path = make_db("Checkout", "Ledger")
    with db.connect(path) as connection:
        connection.execute("INSERT INTO areas (name, name_key, champions_channel) VALUES "
                           "('Payments', 'payments', '#payments-champions'), "
                           "('Retail', 'retail', NULL)")  # fmt: skip
        settings.update(connection, {"champions_channel": "#quality-champions",
                                     "community_channel": "#everyone"}, who=ADMIN_USER)  # fmt: skip
        store.connect(connection, token_env="SLACK_BOT_TOKEN", api_url=fake.url + "/api",
                      who=ADMIN_USER)  # fmt: skip
        yield connection


def client(con) -> Slack:
    return Slack(store.required(con), env=ENV, sleep=lambda _: None)


def test_asks_something():
    assert questions.asks_something("Does anyone have a dashboard for escaped defects")
    assert questions.asks_something("We tried it. Any idea why the count doubled?")
    assert questions.asks_something("how do you count reopened bugs")
    assert not questions.asks_something("Release notes: <https://x.example/?a=1|here>")
    assert not questions.asks_something("Ran `SELECT count(*) ?` and it worked")
    assert not questions.asks_something("```\nwhy?\n```\nShared the query above.")
    assert not questions.asks_something("Great meeting today, thanks all")
    assert not questions.asks_something("")


def test_permalink_as_slack_builds_it():
    assert (questions.permalink("https://quality.slack.com/", "C0001", "1700000000.000100")
            == "https://quality.slack.com/archives/C0001/p1700000000000100")  # fmt: skip


def test_champions_channels_each_once(con):
    # Retail has no channel of its own: it falls back to the program's, listed once.
    assert questions.champions_channels(con) == ["#quality-champions", "#payments-champions"]


def test_only_unanswered_questions_past_the_hours(con, fake):
    fake.add_user("ana@example.com")
    unanswered = fake.say("quality-champions", "How do you count reopened bugs?",
                          user="U0ANA", name="Ana", ts=ts(30))  # fmt: skip
    answered = fake.say("quality-champions", "Anyone using XmR charts?", user="U0BEN", ts=ts(40))
    fake.say("quality-champions", "Yes, every week", user="U0CAT", ts=ts(39),
             thread_ts=answered["ts"])  # fmt: skip
    self_only = fake.say("payments-champions", "Who owns the flaky test dashboard?",
                         user="U0DAN", ts=ts(50))  # fmt: skip
    fake.say("payments-champions", "bump?", user="U0DAN", ts=ts(26), thread_ts=self_only["ts"])
    bot_replied = fake.say("payments-champions", "is the export broken?", user="U0EVE",
                           ts=ts(60))  # fmt: skip
    fake.say("payments-champions", "Thanks for asking!", user="U0WF", bot=True, ts=ts(59),
             thread_ts=bot_replied["ts"])  # fmt: skip
    fake.say("quality-champions", "too new: what is a critical bug?", user="U0FAY", ts=ts(2))
    fake.say("quality-champions", "why so cold?", user="U0GUS", ts=ts(24 * 20))  # gone cold
    fake.say("quality-champions", "Summary posted, see thread", user="U0HAL", ts=ts(33))
    fake.say("quality-champions", "What?", user="U0BOT2", bot=True, ts=ts(31))
    fake.say("quality-champions", "has joined the channel?", user="U0IVY",
             subtype="channel_join", ts=ts(32))  # fmt: skip
    fake.say("everyone", "Where is the meeting?", user="U0JON", ts=ts(30))  # not champions

    found = questions.unanswered(con, client(con), now=NOW)

    assert [(q.channel, q.author) for q in found] == [
        ("#payments-champions", "U0EVE"),  # a bot's reply is no answer
        ("#payments-champions", "U0DAN"),  # nor the author's own follow-up
        ("#quality-champions", "Ana"),
    ]
    channel = fake.channel("quality-champions")
    assert found[-1].link == (
        f"https://quality.slack.com/archives/{channel.id}/p{unanswered['ts'].replace('.', '')}"
    )
    assert found[-1].user_id == "U0ANA"
    assert found[-1].asked_at == NOW - dt.timedelta(hours=30)
    assert found[-1].age(NOW) == "30 h"
    assert found[0].age(NOW) == "2 days"
    # A thread is read only for a question that has replies.
    replies = [args["ts"] for method, args in fake.calls if method == "conversations.replies"]
    assert sorted(replies) == sorted([answered["ts"], self_only["ts"], bot_replied["ts"]])
    # Fewer hours: the question of 2 hours ago too; more: only the older ones.
    assert len(questions.unanswered(con, client(con), hours=1, now=NOW)) == 4
    assert len(questions.unanswered(con, client(con), hours=45, now=NOW)) == 2


def test_nothing_is_stored(con, fake):
    fake.say("quality-champions", "How do you count reopened bugs?", ts=ts(30))
    before = con.execute("SELECT count(*) FROM audit_log").fetchone()
    assert questions.unanswered(con, client(con), now=NOW)
    assert con.execute("SELECT count(*) FROM audit_log").fetchone() == before
    assert con.execute("SELECT count(*) FROM slack_posts").fetchone() == (0,)


def test_a_channel_that_cannot_be_read_is_named_and_skipped(con, fake):
    fake.channel("payments-champions").is_member = False
    fake.say("quality-champions", "How do you count reopened bugs?", ts=ts(30))
    problems: list[str] = []
    found = questions.unanswered(con, client(con), now=NOW, on_problem=problems.append)
    assert [q.channel for q in found] == ["#quality-champions"]
    assert problems == ["The bot is not a member of #payments-champions (not_in_channel): "
                        "in Slack, type /invite @ddq in #payments-champions."]  # fmt: skip
    with pytest.raises(SlackError, match="not a member of #payments-champions"):
        questions.unanswered(con, client(con), now=NOW)


def test_a_refused_token_is_said_in_words(con, fake):
    wrong = Slack(store.required(con), env={"SLACK_BOT_TOKEN": "xoxb-wrong-token"})
    with pytest.raises(SlackError, match="refused the bot token in SLACK_BOT_TOKEN") as refused:
        questions.unanswered(con, wrong, now=NOW, on_problem=lambda _: None)
    assert "xoxb-wrong-token" not in str(refused.value)
