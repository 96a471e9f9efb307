"""How ddq reaches Slack, kept in the database without the token, and which channel is whose.

Connecting is an admin's job (it decides which bot speaks for the community). Each area's
two channels come from the roster (its champions-and-leadership channel and its channel for
everyone interested), falling back to the program's own two from Settings; the program
team's channel (Settings) receives the requests and whatever concerns the whole program.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ddq import audit, clock, settings
from ddq.access import ADMIN, Actor, requires
from ddq.db import claim, retry_on_conflict, rows, transaction
from ddq.errors import DdqError
from ddq.slack.client import SLACK_API, SlackConfig
from ddq.web import check_url

if TYPE_CHECKING:
    import duckdb

_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
_TOKEN_LIKE = re.compile(r"^xox[abposre]-", re.IGNORECASE)

CHAMPIONS = "champions_channel"  # champions and leadership
COMMUNITY = "community_channel"  # everyone interested
PROGRAM = "program_channel"  # the program team


class NotConnected(DdqError):
    """Slack is not connected yet."""


def config(con: duckdb.DuckDBPyConnection) -> SlackConfig | None:
    """How to reach Slack, or None when it is not connected."""
    found = rows(con, "SELECT * FROM slack_config WHERE id = 1")
    if not found:
        return None
    r = found[0]
    return SlackConfig(r["token_env"], r["api_url"], r["remind_days_before"], r["question_hours"])


def required(con: duckdb.DuckDBPyConnection) -> SlackConfig:
    """How to reach Slack; NotConnected saying how to connect when it is not."""
    found = config(con)
    if found is None:
        raise NotConnected(
            "Slack is not connected: an admin connects it with `ddq slack connect --token-env "
            "VAR` (or on the Settings page), VAR holding the bot's token."
        )
    return found


@requires(ADMIN, "connect Slack")
@retry_on_conflict
def connect(
    con: duckdb.DuckDBPyConnection,
    *,
    token_env: str,
    api_url: str | None = None,
    remind_days_before: int | None = None,
    question_hours: int | None = None,
    who: Actor,
) -> SlackConfig:
    """Store how to reach Slack (replacing what was there); return it."""
    var = token_env.strip()
    if _TOKEN_LIKE.match(var) or not _ENV_NAME.match(var):
        raise DdqError(
            "--token-env takes the NAME of the environment variable that holds the bot token "
            "(like SLACK_BOT_TOKEN), not the token itself; ddq never stores a token."
        )
    url = check_url(api_url or SLACK_API, "--api-url", "https://slack.com/api")
    before = config(con)
    days = remind_days_before if remind_days_before is not None else (
        before.remind_days_before if before else 1)  # fmt: skip
    hours = question_hours if question_hours is not None else (
        before.question_hours if before else 24)  # fmt: skip
    if not 0 <= days <= 6:
        raise DdqError("Reminders go 0 to 6 days before the meeting.")
    if not 1 <= hours <= 24 * 14:
        raise DdqError("A question is unanswered after 1 to 336 hours.")
    chosen = SlackConfig(var, url, days, hours)
    with transaction(con):
        claim(con, "slack", 1)
        con.execute(
            "INSERT OR REPLACE INTO slack_config (id, token_env, api_url, remind_days_before, "
            "question_hours, updated_at, updated_by) VALUES (1, ?, ?, ?, ?, ?, ?)",
            [var, url, days, hours, clock.now(), str.__str__(who)],
        )
        audit.record(con, who, "slack.connect", "slack",
                     before=None if before is None else before.__dict__, after=chosen.__dict__)  # fmt: skip
    return chosen


@requires(ADMIN, "disconnect Slack")
@retry_on_conflict
def disconnect(con: duckdb.DuckDBPyConnection, *, who: Actor) -> None:
    before = required(con)
    with transaction(con):
        claim(con, "slack", 1)
        con.execute("DELETE FROM slack_config")
        audit.record(con, who, "slack.disconnect", "slack", before=before.__dict__)


def program_channels(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The program's channels from Settings that are set: champions, community, program."""
    values = settings.current(con)
    return {k: values[k] for k in (CHAMPIONS, COMMUNITY, PROGRAM) if values.get(k)}


def area_channel(con: duckdb.DuckDBPyConnection, area: str | None, which: str) -> str | None:
    """An area's champions or community channel, else the program's; None when neither is set.

    ``area`` None: the program's own (a whole-program meeting, the program-wide digest).
    """
    if area is not None:
        found = rows(con, f"SELECT {which} AS c FROM areas WHERE name = ?", [area])
        if found and found[0]["c"]:
            return str(found[0]["c"])
    return program_channels(con).get(which)


def configured_channels(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """Every channel ddq would use: (what it is for, its name), the program's first."""
    found = [
        (f"program: {label}", name)
        for label, name in (
            ("champions and leadership", program_channels(con).get(CHAMPIONS)),
            ("everyone interested", program_channels(con).get(COMMUNITY)),
            ("program team", program_channels(con).get(PROGRAM)),
        )
        if name
    ]
    for area in rows(con, "SELECT name, champions_channel, community_channel FROM areas "
                          "ORDER BY lower(name)"):  # fmt: skip
        for label, name in (("champions and leadership", area["champions_channel"]),
                            ("everyone interested", area["community_channel"])):  # fmt: skip
            if name:
                found.append((f"{area['name']}: {label}", str(name)))
    return found
