"""The meeting's summary posted to a fake Slack: every printed line in the message, posted
once then updated, links back to ddq, the right channel, and Slack's refusals in words."""

from __future__ import annotations

import pytest

from ddq import db, roster, settings
from ddq import meeting as mt
from ddq.access import ADMIN, VIEWER, Actor, NotAllowed
from ddq.errors import DdqError
from ddq.slack import store
from ddq.slack.client import Slack, SlackError
from ddq.slack.summary import (
    MAX_BLOCKS,
    MAX_SECTION,
    MAX_TEXT,
    post_summary,
    team_link,
    unescape,
)
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.test_meeting import HELD, WHO, fixed_meetings, make_org

ENV = {"SLACK_BOT_TOKEN": BOT_TOKEN}
APP = "https://ddq.example.com"
ADMIN_WHO = Actor("admin", ADMIN)


@pytest.fixture
def fake():
    workspace = FakeSlack()
    for name in ("quality-champions", "quality-program", "payments-champions"):
        workspace.add_channel(name)
    with serving(workspace):
        yield workspace


@pytest.fixture
def con(make_db, fake):
    with db.connect(make_db()) as connection:
        store.connect(connection, token_env="SLACK_BOT_TOKEN", api_url=fake.url + "/api",
                      who=ADMIN_WHO)  # fmt: skip
        settings.update(connection, {"champions_channel": "#quality-champions",
                                     "program_channel": "#quality-program"}, who=ADMIN_WHO)  # fmt: skip
        yield connection


def slack(con, **kwargs) -> Slack:
    return Slack(store.required(con), env=kwargs.pop("env", ENV), **kwargs)


def block_text(message: dict) -> str:
    """Every text a message's blocks show, one block a line."""
    out = []
    for block in message["blocks"]:
        if block["type"] in ("header", "section"):
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out += [e["text"] for e in block["elements"]]
    return "\n".join(out)


def bare(text: str) -> str:
    """Text with Slack's escapes undone and its bold marks (``*``) left out."""
    return unescape(text).replace("*", "")


def printed_lines(con, meeting_id: int) -> list[str]:
    return [line for line in mt.summary_markdown(con, meeting_id).splitlines() if line.strip()]


def test_every_printed_line_is_in_the_message_and_a_second_post_updates_it(con, fake):
    meeting_id = fixed_meetings(con)
    settings.update(con, {"app_url": APP}, who=ADMIN_WHO)
    done = post_summary(con, slack(con), meeting_id, who=WHO)
    assert done.words() == "posted in #quality-program" and done.note() == ""
    [message] = fake.posted("quality-program")
    lines = printed_lines(con, meeting_id)
    assert len(lines) > 20
    for line in lines:
        assert line.replace("**", "") in unescape(message["text"]), line
        assert bare(line) in bare(block_text(message)), line
    # Slack's markup in user text is escaped: the note's <@cy> mentions nobody.
    assert "&lt;@cy&gt;" in message["text"] and "<@cy>" not in message["text"]
    assert "&lt;@cy&gt;" in block_text(message) and "<@cy>" not in block_text(message)
    assert message["blocks"][0] == {"type": "header", "text": {
        "type": "plain_text", "text": "Weekly champions sync, Wednesday 2026-03-04"}}  # fmt: skip
    assert "*Ledger* (Payments), champion Bo Chen" in block_text(message)  # Slack's bold
    assert all(len(b["text"]["text"]) <= MAX_SECTION for b in message["blocks"]
               if b["type"] == "section")  # fmt: skip
    # A link back to each team's view in the meeting page, URL-encoded.
    for team in ("Ledger", "Infra", "Search", "Checkout"):
        assert f"<{APP}/meeting?meeting={meeting_id}&team={team}|Open {team} in ddq>" in (
            block_text(message))  # fmt: skip
    assert team_link(APP + "/", 3, "Q&A team") == f"{APP}/meeting?meeting=3&team=Q%26A%20team"

    again = post_summary(con, slack(con), meeting_id, who=WHO)
    assert again.words() == "updated in #quality-program"
    assert (again.message.ts, again.message.channel_id) == (
        done.message.ts,
        done.message.channel_id,
    )
    [edited] = fake.posted("quality-program")
    assert "edited" in edited and edited["text"] == message["text"]
    assert [m for m, _ in fake.calls].count("chat.postMessage") == 1
    assert [m for m, _ in fake.calls].count("chat.update") == 1
    assert con.execute("SELECT count(*) FROM slack_posts").fetchone() == (1,)


def test_an_update_carries_what_changed_since(con, fake):
    make_org(con)
    meeting_id = mt.create_meeting(con, held_on=HELD, areas=["Payments"], who=WHO)
    roster.update_area(con, "Payments", champions_channel="#payments-champions", who=ADMIN_WHO)
    first = post_summary(con, slack(con), meeting_id, who=WHO)
    assert first.words() == "posted in #payments-champions"
    assert "No links back to ddq" in first.note()
    [message] = fake.posted("payments-champions")
    assert "<http" not in block_text(message) and "ddq.example" not in message["text"]
    mt.set_note(con, meeting_id, "Checkout", "doing", "Triage <daily> & on-call", WHO)
    second = post_summary(con, slack(con), meeting_id, who=WHO)
    assert second.message.updated and second.message.ts == first.message.ts
    [message] = fake.posted("payments-champions")
    assert "- What we're doing: Triage &lt;daily&gt; &amp; on-call" in message["text"]
    for line in printed_lines(con, meeting_id):
        assert line.replace("**", "") in unescape(message["text"]), line
        assert bare(line) in bare(block_text(message)), line


def test_which_channel(con, fake):
    make_org(con)
    platform = mt.create_meeting(con, held_on=HELD, areas=["Platform"], who=WHO)
    both = mt.create_meeting(con, held_on=HELD, areas=["Payments", "Platform"], who=WHO)
    program = mt.create_meeting(con, held_on=HELD, who=WHO)
    roster.update_area(con, "Payments", champions_channel="#payments-champions", who=ADMIN_WHO)
    client = slack(con)
    # An area without a channel of its own: the program's champions channel.
    assert post_summary(con, client, platform, who=WHO).message.channel == "#quality-champions"
    # Several areas, or the whole program: the program team's channel.
    assert post_summary(con, client, both, who=WHO).message.channel == "#quality-program"
    assert post_summary(con, client, program, who=WHO).message.channel == "#quality-program"
    settings.update(con, {"program_channel": ""}, who=ADMIN_WHO)
    assert post_summary(con, client, program, who=WHO).message.channel == "#quality-champions"
    settings.update(con, {"champions_channel": ""}, who=ADMIN_WHO)
    with pytest.raises(DdqError, match="No Slack channel for the summary of meeting"):
        post_summary(con, client, program, who=WHO)
    assert len(fake.posted("quality-champions")) == 2
    with pytest.raises(NotAllowed):
        post_summary(con, client, platform, who=Actor("vic", VIEWER))


def test_slacks_refusals_in_words_and_nothing_recorded(con, fake, make_db):
    make_org(con)
    meeting_id = mt.create_meeting(con, held_on=HELD, areas=["Payments"], who=WHO)
    fake.add_channel("outside", member=False)
    roster.update_area(con, "Payments", champions_channel="#outside", who=ADMIN_WHO)
    with pytest.raises(SlackError, match=r"not a member of #outside.*/invite @ddq") as refused:
        post_summary(con, slack(con), meeting_id, who=WHO)
    assert refused.value.code == "not_in_channel"
    roster.update_area(con, "Payments", champions_channel="#nowhere", who=ADMIN_WHO)
    with pytest.raises(SlackError, match="no channel #nowhere") as missing:
        post_summary(con, slack(con), meeting_id, who=WHO)
    assert missing.value.code == "channel_not_found"
    wrong = slack(con, env={"SLACK_BOT_TOKEN": "xoxb-not-the-one"})
    with pytest.raises(SlackError, match="refused the bot token in SLACK_BOT_TOKEN") as denied:
        post_summary(con, wrong, meeting_id, who=WHO)
    assert denied.value.code == "invalid_auth" and "xoxb-not-the-one" not in str(denied.value)
    assert con.execute("SELECT count(*) FROM slack_posts").fetchone() == (0,)
    assert fake.posted("quality-champions") == []

    # Rate limits are waited out, and said.
    roster.update_area(con, "Payments", champions_channel="", who=ADMIN_WHO)
    waits: list[float] = []
    naps: list[float] = []
    fake.rate_limit_next(retry_after=2, times=2)
    done = post_summary(con, slack(con, on_wait=lambda s, _: waits.append(s), sleep=naps.append),
                        meeting_id, who=WHO)  # fmt: skip
    assert waits == naps == [2.0, 2.0] and done.words() == "posted in #quality-champions"
    assert len(fake.posted("quality-champions")) == 1


def test_the_token_is_nowhere_in_the_database(make_db, fake):
    path = make_db()
    with db.connect(path) as con:
        store.connect(con, token_env="SLACK_BOT_TOKEN", api_url=fake.url + "/api",
                      who=ADMIN_WHO)  # fmt: skip
        settings.update(con, {"program_channel": "#quality-program"}, who=ADMIN_WHO)
        meeting_id = fixed_meetings(con)
        post_summary(con, slack(con), meeting_id, who=WHO)
        post_summary(con, slack(con), meeting_id, who=WHO)
        assert BOT_TOKEN not in str(con.execute("SELECT * FROM audit_log").fetchall())
    for file in path.parent.glob(path.name + "*"):  # the file, and a write-ahead log if any
        assert BOT_TOKEN.encode() not in file.read_bytes()
    assert len(fake.posted("quality-program")) == 1


def test_a_long_summary_continues_in_the_thread_and_updates_there(con, fake):
    teams = [f"Team {n:02d}" for n in range(70)]
    with db.transaction(con):
        area = roster.ensure_area(con, "Big")[0]
        for team in teams:
            roster.ensure_team(con, team, area)
    meeting_id = mt.create_meeting(con, held_on=HELD, areas=["Big"], who=WHO)
    long_note = " ".join(f"word{n}&<x>" for n in range(440))[:3990]  # one line, over 3,000
    for team in teams[:20]:
        mt.set_note(con, meeting_id, team, "doing", long_note, WHO)
    settings.update(con, {"app_url": APP}, who=ADMIN_WHO)

    done = post_summary(con, slack(con), meeting_id, who=WHO)
    posted = fake.posted("quality-champions")
    first, replies = posted[0], posted[1:]
    assert len(replies) == len(done.thread) >= 2
    assert all(r["thread_ts"] == first["ts"] for r in replies)
    assert done.words().startswith("posted in #quality-champions (continued in ")
    assert "continues in this message's thread" in first["text"]
    for message in posted:
        assert len(message["blocks"]) <= MAX_BLOCKS and len(message["text"]) <= MAX_TEXT
        assert all(len(b["text"]["text"]) <= MAX_SECTION for b in message["blocks"]
                   if b["type"] == "section")  # fmt: skip
    text = "\n".join(unescape(m["text"]) for m in posted)
    blocks = bare("\n".join(block_text(m) for m in posted)).replace("\n", "")
    for line in printed_lines(con, meeting_id):
        assert line.replace("**", "") in text, line  # whole, in the text
        assert bare(line).replace("\n", "") in blocks, line  # maybe cut, across blocks
    for team in teams:
        assert team_link(APP, meeting_id, team) in "".join(block_text(m) for m in posted)

    again = post_summary(con, slack(con), meeting_id, who=WHO)
    assert len(fake.posted("quality-champions")) == len(posted)
    assert all(p.updated for p in (again.message, *again.thread))
    # Shorter now: the replies it no longer needs say so.
    for team in teams[:20]:
        mt.set_note(con, meeting_id, team, "doing", "", WHO)
    shorter = post_summary(con, slack(con), meeting_id, who=WHO)
    now = fake.posted("quality-champions")
    assert len(now) == len(posted) and len(shorter.thread) < len(done.thread)
    assert "no longer needed" in now[-1]["text"]
    assert f"({len(shorter.thread)} more message" in now[0]["text"]
