"""The weekly digest: each section from the function its page uses, links into ddq, posted
once a week in the channel for everyone interested, and `ddq digest` through the real command."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ddq import db, settings, trends
from ddq.access import VIEWER, Actor, NotAllowed
from ddq.errors import DdqError, NotFound
from ddq.meeting import open_actions
from ddq.slack import digest as dg
from ddq.slack.client import Slack, SlackConfig, SlackError
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.slack_org import WHO, add_overdue_action, connect, make_org, propose_definition

TODAY = dt.date(2026, 3, 4)  # a Wednesday of 2026-W10; the digest reports on 2026-W09
ENV = {"SLACK_BOT_TOKEN": BOT_TOKEN}
APP = "https://ddq.example.com"


@pytest.fixture
def con(make_db):
    with db.connect(make_db()) as connection:
        make_org(connection, TODAY)
        yield connection


@pytest.fixture
def workspace():
    fake = FakeSlack()
    for name in ("quality", "core-all", "quality-champions", "core-champions"):
        fake.add_channel(name)
    with serving(fake):
        yield fake


def section(made: dg.Digest, title: str) -> dg.Section:
    return next(s for s in made.sections if s.title.startswith(title))


def test_each_section_says_what_its_page_says(con):
    meeting_id = add_overdue_action(con, TODAY)
    version = propose_definition(con, TODAY)
    settings.update(con, {"app_url": APP + "/"}, who=WHO)
    made = dg.digest(con, today=TODAY)
    assert (
        made.title == "Data-Driven Quality weekly digest · whole program · week 2026-W09 (23 Feb)"
    )
    assert made.subject == "digest 2026-W10 program" and not made.notes

    signals = section(made, "Signals")
    assert [(line.label, line.detail) for line in signals.lines] == [
        ("Open critical bugs · Alpha", "30, above the upper limit 8.2 (worse)")]  # fmt: skip
    assert signals.lines[0].url == (
        f"{APP}/trends?metric=open_critical_bugs&scope=Teams&team=Alpha"
    )
    view = trends.build_trend(con, next(m for m in dg.metrics.catalog(con)
                                        if m.key == "open_critical_bugs"),
                              trends.Scope(teams=("Alpha",)), today=TODAY)  # fmt: skip
    assert view is not None and [s.week for s in view.signals] == [made.week]

    movers = section(made, "Biggest movers")
    assert [(line.label, line.detail) for line in movers.lines] == [
        ("Beta", "improved, 20 → 10 (-10)"), ("Alpha", "regressed, 5.5 → 11.5 (+6)")]  # fmt: skip
    assert movers.url == f"{APP}/?metric=open_critical_bugs"

    missing = section(made, "Not reported")
    assert missing.title == "Not reported for 2026-W09 (23 Feb)"
    assert [line.label for line in missing.lines] == ["Beta"]
    assert trends.freshness(con, trends.Scope(), TODAY)["not_reported"] == ["Beta"]

    overdue = section(made, "Overdue actions")
    assert [line.detail for line in overdue.lines] == [
        "#1 Triage the <backlog> (owner Ann, due 2026-02-25, 7 days overdue)"]  # fmt: skip
    assert overdue.lines[0].url == f"{APP}/meeting?meeting={meeting_id}&team=Alpha"
    assert [a["id"] for a in open_actions(con, as_of=TODAY) if a["overdue"]] == [1]

    proposals = section(made, "Definition proposals")
    assert proposals.lines[0].label == f"Version {version}: Blockers"
    assert proposals.lines[0].detail == (
        "1 agree, 0 disagree, 0 abstain, 4 not yet; waiting for Beta (Bo Chen), "
        "Delta (Dee Fox), Gamma (Cy Diaz), Zeta (Zoe Kim)"
    )
    assert proposals.lines[0].url == f"{APP}/critical_bugs"

    assert made.summary() == (f"{made.title}: signals: 1; movers: 2; teams not reported: 1; "
                              "overdue actions: 1; proposals waiting: 1.")  # fmt: skip
    text = made.text()
    assert "- Beta: improved, 20 → 10 (-10) (https://ddq.example.com/trends?" in text
    blocks = json.dumps(made.blocks())
    assert "Triage the &lt;backlog&gt;" in blocks and "<backlog>" not in blocks
    assert f"<{APP}/critical_bugs|Version {version}: Blockers>" in blocks


def test_an_area_digest_keeps_to_its_teams_and_without_app_url_has_no_links(con):
    add_overdue_action(con, TODAY)
    propose_definition(con, TODAY)
    web = dg.digest(con, "web", today=TODAY)
    assert web.area == "Web" and web.subject == "digest 2026-W10 Web"
    assert web.notes == [dg.links.NO_APP_URL]
    assert section(web, "Signals").lines == [] and section(web, "Overdue actions").lines == []
    assert section(web, "Signals").empty.startswith("No signals in 2026-W09")
    assert section(web, "Not reported").empty == "Every team has reported 2026-W09 (23 Feb)."
    assert section(web, "Definition proposals").lines[0].detail.endswith(
        "waiting for Delta (Dee Fox), Gamma (Cy Diaz), Zeta (Zoe Kim)")  # fmt: skip
    assert "(http" not in web.text() and "<http" not in json.dumps(web.blocks())
    with pytest.raises(NotFound, match="no area 'Nowhere'"):
        dg.digest(con, "Nowhere", today=TODAY)


def test_movers_need_history(make_db):
    with db.connect(make_db("Solo")) as con:
        made = dg.digest(con, today=TODAY)
    assert section(made, "Biggest movers").empty == "Movers need 17 weeks of history; there are 0."


def test_long_sections_are_cut_with_a_link_to_the_rest():
    lines = [dg.Line(f"team {i}", "", f"{APP}/x") for i in range(20)]
    made = dg.Digest("T", None, TODAY, "2026-W10",
                     [dg.Section("Many", lines, "none", url=f"{APP}/all")])  # fmt: skip
    assert made.text().splitlines()[-1] == f"- and 8 more ({APP}/all)"
    assert all(len(b.get("text", {}).get("text", "")) <= 3000 for b in made.blocks())


def test_posting_twice_in_a_week_updates_the_message(con, workspace):
    slack = Slack(SlackConfig("SLACK_BOT_TOKEN", workspace.url + "/api"), env=ENV)
    first = dg.post_digest(con, slack, "Core", today=TODAY, who=WHO)
    assert (first.channel, first.updated) == ("#core-all", False)
    again = dg.post_digest(con, slack, "core", today=TODAY + dt.timedelta(days=2), who=WHO)
    assert again.updated and again.ts == first.ts
    [message] = workspace.posted("core-all")
    assert message["blocks"][0]["text"]["text"].startswith("Data-Driven Quality weekly digest")
    assert "Alpha" in json.dumps(message["blocks"])
    program = dg.post_digest(con, slack, today=TODAY, who=WHO)
    assert program.channel == "#quality" and not program.updated
    next_week = dg.post_digest(con, slack, today=TODAY + dt.timedelta(weeks=1), who=WHO)
    assert not next_week.updated and len(workspace.posted("quality")) == 2
    with pytest.raises(NotAllowed):
        dg.post_digest(con, slack, today=TODAY, who=Actor("viewer", VIEWER))


def test_a_channel_slack_refuses_is_said_and_nothing_is_recorded(con, workspace):
    slack = Slack(SlackConfig("SLACK_BOT_TOKEN", workspace.url + "/api"), env=ENV)
    workspace.channel("quality").is_member = False
    with pytest.raises(SlackError, match=r"not a member of #quality.*/invite"):
        dg.post_digest(con, slack, "Web", today=TODAY, who=WHO)
    settings.update(con, {"community_channel": ""}, who=WHO)
    with pytest.raises(DdqError, match="area Web has none on the roster"):
        dg.post_digest(con, slack, "Web", today=TODAY, who=WHO)
    assert con.execute("SELECT count(*) FROM slack_posts").fetchone() == (0,)


def test_cli_prints_posts_and_updates(con, db_path, workspace, run_ddq, monkeypatch):
    connect(con, workspace.url)
    con.close()
    no_token = run_ddq("digest", "--post")
    assert no_token.returncode == 1 and "SLACK_BOT_TOKEN is empty or not set" in no_token.stderr
    assert "weekly digest · whole program" in no_token.stdout and not workspace.calls
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    posted = run_ddq("digest", "--area", "Core", "--post")
    assert posted.returncode == 0, posted.stderr
    assert "weekly digest · Core" in posted.stdout
    assert posted.stdout.splitlines()[-1] == "posted in #core-all"
    again = run_ddq("digest", "--area", "Core", "--post")
    assert again.stdout.splitlines()[-1] == "updated in #core-all"
    assert len(workspace.posted("core-all")) == 1
    workspace.channel("quality").is_member = False
    refused = run_ddq("digest", "--area", "Web", "--post")
    assert refused.returncode == 1 and "/invite @ddq in #quality" in refused.stderr
    assert BOT_TOKEN.encode() not in db_path.read_bytes()
    for result in (no_token, posted, again, refused):
        assert BOT_TOKEN not in result.stdout + result.stderr


def test_with_slack_the_digest_lists_the_questions_waiting_for_an_answer(con, workspace):
    import time

    connect(con, workspace.url)
    day = 24 * 3600
    asked = workspace.say("core-champions", "Does anyone know how to tag flaky tests?",
                          ts=f"{time.time() - 2 * day:.6f}")  # fmt: skip
    answered = workspace.say("core-champions", "How do we count reopened bugs?",
                             ts=f"{time.time() - 2 * day:.6f}")  # fmt: skip
    workspace.say("core-champions", "We count them again.", user="U0OTHER001",
                  thread_ts=answered["ts"])  # fmt: skip
    workspace.say("core-champions", "Where is the board?", ts=f"{time.time() - 60:.6f}")  # too new
    slack = Slack(SlackConfig("SLACK_BOT_TOKEN", workspace.url + "/api"), env=ENV)
    made = dg.digest(con, "Core", TODAY, slack=slack)
    waiting = section(made, "Questions waiting for an answer")
    assert len(waiting.lines) == 1
    assert waiting.lines[0].url.endswith("/p" + asked["ts"].replace(".", ""))
    assert "Questions waiting for an answer (1)" in made.text()
    assert not any(s.title.startswith("Questions") for s in dg.digest(con, "Core", TODAY).sections)
    workspace.channel("core-champions").is_member = False
    refused = section(dg.digest(con, "Core", TODAY, slack=slack), "Questions waiting")
    assert refused.lines == [] and "Not read: " in refused.note and "/invite @ddq" in refused.note
