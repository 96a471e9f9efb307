"""Reminders before the meeting: who is mentioned and why, opt-outs, one message per area
updated in place, Slack's refusals in words, and `ddq remind` through the real command."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq import audit, clock, db, settings
from ddq import meeting as mt
from ddq.access import VIEWER, Actor, NotAllowed
from ddq.errors import DdqError
from ddq.slack import optouts, store
from ddq.slack import remind as rm
from ddq.slack.client import Slack, SlackConfig
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack
from tests.slack_org import WHO, connect, make_org, plan_meeting

TODAY = dt.date(2026, 3, 4)  # a Wednesday
TOMORROW = TODAY + dt.timedelta(days=1)
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
    for name in ("quality-champions", "core-champions"):
        fake.add_channel(name)
    for email in ("ann@example.com", "cy@example.com", "zoe@example.com"):
        fake.add_user(email)
    with serving(fake):
        yield fake


def slack(fake: FakeSlack) -> Slack:
    return Slack(SlackConfig("SLACK_BOT_TOKEN", fake.url + "/api"), env=ENV)


def test_who_is_reminded_and_why(con):
    meeting_id = plan_meeting(con, TODAY, TOMORROW)
    found = rm.remind(con, TODAY)
    assert (found.day, found.days_before) == (TOMORROW, 1)
    core, web = found.groups
    assert (core.area, core.channel, core.subject) == ("Core", "#core-champions",
                                                       "meeting 2026-03-05 Core")  # fmt: skip
    assert (web.area, web.channel, web.meetings) == ("Web", "#quality-champions", (meeting_id,))
    assert core.written == ["Alpha"] and [d.team for d in core.due] == ["Beta", "Epsilon"]
    assert [(d.champion, d.email) for d in core.to_remind] == [("Bo Chen", "bo@example.com")]
    assert [(d.team, d.champion, d.email, d.opted_out) for d in web.due] == [
        ("Delta", "Dee Fox", None, False),
        ("Gamma", "Cy Diaz", "cy@example.com", True),
        ("Zeta", "Zoe Kim", "zoe@example.com", False),
    ]
    words = found.words()
    assert "  not reminded: Cy Diaz for Gamma (opted out)" in words
    assert "  no champion to remind: Epsilon" in words
    assert (
        "  remind Dee Fox (@dee: no e-mail on the roster, named in plain words) for Delta" in words
    )
    assert words[-1] == rm.links.NO_APP_URL


def test_only_the_day_before_unless_a_day_is_named(con):
    plan_meeting(con, TODAY, TOMORROW + dt.timedelta(days=1))
    found = rm.remind(con, TODAY)
    assert found.groups == []
    assert found.notes == ["No open meeting is planned for Thursday 5 Mar 2026. The next is on "
                           "Friday 6 Mar 2026: its reminders go on Thursday 5 Mar 2026."]  # fmt: skip
    assert [g.area for g in rm.remind(con, TODAY + dt.timedelta(days=1)).groups] == ["Core", "Web"]
    named = rm.remind(con, TODAY, meeting_day=TOMORROW + dt.timedelta(days=1))
    assert len(named.groups) == 2
    store.connect(con, token_env="SLACK_BOT_TOKEN", remind_days_before=2, who=WHO)
    assert rm.remind(con, TODAY).day == TOMORROW + dt.timedelta(days=1)
    with pytest.raises(DdqError, match="is past"):
        rm.remind(con, TODAY, meeting_day=TODAY - dt.timedelta(days=1))


def test_no_planned_meeting_says_how_to_plan_it(con):
    with clock.frozen(TODAY):
        for weeks in (1, 2, 3):  # Thursdays
            mt.create_meeting(con, held_on=TOMORROW - dt.timedelta(weeks=weeks), who=WHO)
    found = rm.remind(con, TODAY)
    assert found.groups == []
    assert found.notes[0].startswith("The last meetings were on Thursdays, but none is planned "
                                     "for Thursday 5 Mar 2026: start it ahead (`ddq meeting "
                                     "start --date 2026-03-05`")  # fmt: skip


def test_champions_are_mentioned_by_the_id_slack_gives(con, workspace):
    plan_meeting(con, TODAY, TOMORROW)
    settings.update(con, {"app_url": APP}, who=WHO)
    sent = rm.post_reminders(con, slack(workspace), TODAY, who=WHO)
    assert [p.words() for p in sent.posted] == ["posted in #core-champions",
                                                "posted in #quality-champions"]  # fmt: skip
    assert sent.failed == [] and sent.skipped == []
    [core] = workspace.posted("core-champions")
    assert core["text"].startswith("*Meeting on Thursday 5 Mar 2026 (Core), tomorrow.*")
    assert "Bo Chen (Slack knows nobody by the roster's e-mail)" in core["text"]
    assert "Ann" not in core["text"] and "<@" not in core["text"]
    [web] = workspace.posted("quality-champions")
    zoe = workspace.users["zoe@example.com"]
    assert f"• <@{zoe}>: <{APP}/meeting?meeting=1&team=Zeta|Zeta>" in web["text"]
    assert "• Dee Fox (the roster has no e-mail for them): <" in web["text"]
    assert "Cy" not in web["text"] and workspace.users["cy@example.com"] not in web["text"]
    assert web["blocks"][0]["text"]["text"] == web["text"]
    looked_up = [
        args["email"] for method, args in workspace.calls if method == "users.lookupByEmail"
    ]
    assert sorted(looked_up) == ["bo@example.com", "zoe@example.com"]


def test_a_second_run_updates_and_thanks_when_everyone_has_written(con, workspace):
    meeting_id = plan_meeting(con, TODAY, TOMORROW)
    client = slack(workspace)
    first = rm.post_reminders(con, client, TODAY, who=WHO)
    with clock.frozen(TODAY):
        for team in ("Beta", "Zeta", "Delta"):
            mt.set_note(con, meeting_id, team, "doing", "On it.", WHO)
    again = rm.post_reminders(con, client, TODAY, who=WHO)
    assert [p.updated for p in again.posted] == [True, True]
    assert [p.ts for p in again.posted] == [p.ts for p in first.posted]
    [core] = workspace.posted("core-champions")
    assert "Every team has written what it is doing: thank you!" in core["text"]
    assert len(workspace.posted("quality-champions")) == 1
    fresh = plan_meeting(con, TODAY, TOMORROW + dt.timedelta(days=7))
    with clock.frozen(TODAY):
        for team in ("Beta", "Zeta", "Delta", "Gamma"):
            mt.set_note(con, fresh, team, "doing", "Done.", WHO)
    nobody = rm.post_reminders(con, client, TODAY + dt.timedelta(days=7), who=WHO)
    assert nobody.posted == [] and len(nobody.skipped) == 2
    assert nobody.skipped[0] == "Core: nobody to remind in #core-champions."


def test_a_channel_slack_refuses_is_said_and_the_others_still_posted(con, workspace):
    plan_meeting(con, TODAY, TOMORROW)
    workspace.channel("core-champions").is_member = False
    sent = rm.post_reminders(con, slack(workspace), TODAY, who=WHO)
    assert [p.channel for p in sent.posted] == ["#quality-champions"]
    assert sent.failed[0].startswith("Core in #core-champions: The bot is not a member of "
                                     "#core-champions (not_in_channel)")  # fmt: skip
    assert db.scalar(con, "SELECT list(channel) FROM slack_posts") == ["#quality-champions"]
    settings.update(con, {"champions_channel": ""}, who=WHO)
    sent = rm.post_reminders(con, slack(workspace), TODAY, who=WHO)
    assert any(f.startswith("Web: no champions channel") for f in sent.failed)


def test_opting_out_and_in_is_an_editors_change_in_the_audit_log(con):
    assert optouts.opt_out(con, " Bo@Example.com ", who=WHO) == (
        "bo@example.com gets no Slack reminders from now on.")  # fmt: skip
    assert optouts.opt_out(con, "bo@example.com", who=WHO).endswith(
        "already gets no Slack reminders."
    )
    assert optouts.opted_out(con) == {"bo@example.com", "cy@example.com"}
    assert (
        optouts.opt_in(con, "BO@example.com", who=WHO)
        == "bo@example.com gets Slack reminders again."
    )
    assert optouts.opt_in(con, "bo@example.com", who=WHO).endswith("already gets Slack reminders.")
    actions = [r["action"] for r in audit.entries(con) if r["subject"] == "bo@example.com"]
    assert sorted(actions) == ["slack.opt_in", "slack.opt_out"]
    with pytest.raises(NotAllowed):
        optouts.opt_out(con, "bo@example.com", who=Actor("viewer", VIEWER))
    with pytest.raises(DdqError, match="not an e-mail address"):
        optouts.opt_out(con, "@bo", who=WHO)


def test_cli_previews_posts_and_opts_out(con, db_path, workspace, run_ddq, monkeypatch):
    today = dt.datetime.now(dt.UTC).date()
    day = today + dt.timedelta(days=3)
    plan_meeting(con, today, day)
    connect(con, workspace.url)
    con.close()
    preview = run_ddq("remind", "--date", day.isoformat())
    assert preview.returncode == 0, preview.stderr
    assert "  remind Bo Chen (bo@example.com) for Beta" in preview.stdout and not workspace.calls
    out = run_ddq("remind", "--opt-out", "ZOE@example.com")
    assert out.stdout.strip() == "zoe@example.com gets no Slack reminders from now on."
    both = run_ddq("remind", "--opt-in", "zoe@example.com", "--post")
    assert both.returncode == 2 and "do not go together" in both.stderr
    monkeypatch.setenv("SLACK_BOT_TOKEN", BOT_TOKEN)
    workspace.channel("core-champions").is_member = False
    posted = run_ddq("remind", "--date", day.isoformat(), "--post")
    assert posted.returncode == 1
    assert "posted in #quality-champions" in posted.stdout
    assert "Not posted: Core in #core-champions: The bot is not a member" in posted.stderr
    [web] = workspace.posted("quality-champions")
    assert "<@" not in web["text"] and "Zoe" not in web["text"]  # opted out; Cy too
    nothing = run_ddq("remind")
    assert nothing.returncode == 0 and "No reminders for" in nothing.stdout
    assert BOT_TOKEN.encode() not in db_path.read_bytes()
    for result in (preview, out, both, posted, nothing):
        assert BOT_TOKEN not in result.stdout + result.stderr
