"""A small organisation for the digest and reminder tests, made through ddq's own functions.

Core (Alpha: Ann; Beta: Bo, whom Slack does not know; Epsilon: no champion) and Web (Gamma:
Cy, who opted out; Delta: Dee, a chat handle on the roster; Zeta: Zoe, her address in
capitals). Twenty weeks of open critical bugs up to the latest complete week before
``today``: Alpha steady at 5 and 6, then 30 (a signal, and the most regressed); Beta from 20
down to 10, and no value in the latest week (not reported; the most improved); Gamma at 3.
"""

from __future__ import annotations

import datetime as dt

from ddq import clock, critical, db, roster, settings
from ddq import meeting as mt
from ddq.access import ADMIN, Actor
from ddq.slack import optouts, store

WHO = Actor("coach", ADMIN)
RULE = '{"field": "priority", "in": ["Blocker"]}'
CHAMPIONS = {  # team -> (area, champion, contact)
    "Alpha": ("Core", "Ann Lee", "ann@example.com"),
    "Beta": ("Core", "Bo Chen", "bo@example.com"),
    "Epsilon": ("Core", None, None),
    "Gamma": ("Web", "Cy Diaz", "cy@example.com"),
    "Delta": ("Web", "Dee Fox", "@dee"),
    "Zeta": ("Web", "Zoe Kim", "ZOE@Example.com"),
}


def add_values(con, team: str, values: list[float | None], last: dt.date) -> None:
    """Weekly open critical bugs of a team, oldest first, the last in the week ``last``."""
    team_id = db.scalar(con, "SELECT id FROM teams WHERE name = ?", [team])
    import_id = db.scalar(con, "INSERT INTO imports (kind, file_name, who, imported_at) VALUES "
                               "('test', 'made in the test', 'test', ?) RETURNING id",
                          [dt.datetime(2026, 1, 1)])  # fmt: skip
    con.executemany(
        "INSERT INTO metric_values (team_id, week, metric, value, import_id) VALUES (?, ?, ?, ?, ?)",
        [(team_id, last - dt.timedelta(weeks=len(values) - 1 - i), "open_critical_bugs",
          float(v), import_id) for i, v in enumerate(values) if v is not None],
    )  # fmt: skip


def make_org(con, today: dt.date) -> None:
    with clock.frozen(today):
        with db.transaction(con):
            areas = {name: roster.ensure_area(con, name)[0] for name in ("Core", "Web")}
            for team, (area, _, _) in CHAMPIONS.items():
                roster.ensure_team(con, team, areas[area])
        since = today - dt.timedelta(days=200)
        for team, (_, person, contact) in CHAMPIONS.items():
            if person:
                roster.assign_champion(con, team, person, contact, since, who=WHO)
        roster.update_area(con, "Core", community_channel="#core-all",
                           champions_channel="#core-champions", who=WHO)  # fmt: skip
        settings.update(con, {"community_channel": "#quality",
                              "champions_channel": "#quality-champions"}, who=WHO)  # fmt: skip
        last = clock.latest_complete_week(today)
        add_values(con, "Alpha", [5, 6] * 9 + [5, 30], last)
        add_values(con, "Beta", [20] * 7 + [10] * 12 + [None], last)
        add_values(con, "Gamma", [3] * 20, last)
        optouts.opt_out(con, "CY@example.com", who=WHO)


def add_overdue_action(con, today: dt.date) -> int:
    """A Core meeting two weeks ago that raised an action for Alpha, due a week ago."""
    with clock.frozen(today):
        held = today - dt.timedelta(weeks=2)
        meeting_id = mt.create_meeting(con, held_on=held, areas=["Core"], who=WHO)
        mt.add_action(con, team="Alpha", text="Triage the <backlog>", owner="Ann",
                      due=today - dt.timedelta(weeks=1), meeting_id=meeting_id, who=WHO)  # fmt: skip
    return meeting_id


def propose_definition(con, today: dt.date) -> int:
    """A proposed definition that Alpha agrees with; the other teams have not said."""
    with clock.frozen(today):
        version = critical.create_draft(con, title="Blockers", rule=RULE, who=WHO)
        critical.propose(con, version, who=WHO)
        critical.record_stance(con, version, team="Alpha", stance="agree", who=WHO)
    return version


def plan_meeting(con, today: dt.date, day: dt.date) -> int:
    """A whole-program meeting on ``day``, Alpha's "what we're doing" already written."""
    with clock.frozen(today):
        meeting_id = mt.create_meeting(con, held_on=day, who=WHO)
        mt.set_note(con, meeting_id, "Alpha", "doing", "Fixing the flaky tests.", WHO)
    return meeting_id


def connect(con, url: str) -> None:
    store.connect(con, token_env="SLACK_BOT_TOKEN", api_url=url + "/api", who=WHO)
