"""Champions who want no Slack reminders, kept by e-mail address (case ignored).

By address rather than by champion term: a person who opted out stays out for every team
they champion, now and after a handover back to them. An editor records it (the champion
asks, or a coach does it for them); every change is in the audit log.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ddq import audit, clock
from ddq.access import EDITOR, Actor, requires
from ddq.db import claim, retry_on_conflict, rows, scalar, transaction
from ddq.errors import DdqError

if TYPE_CHECKING:
    import duckdb

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def email_key(email: str) -> str:
    """The address as kept: trimmed, lower case; DdqError when it is not an address."""
    key = (email or "").strip().lower()
    if not _EMAIL.match(key):
        raise DdqError(f"{email!r} is not an e-mail address (name@example.com): reminders go "
                       "to the e-mail address the roster gives for a champion.")  # fmt: skip
    return key


def opted_out(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The addresses (lower case) of everyone who wants no reminders."""
    return {r["email_key"] for r in rows(con, "SELECT email_key FROM slack_optouts")}


@requires(EDITOR, "change who gets Slack reminders")
@retry_on_conflict
def opt_out(con: duckdb.DuckDBPyConnection, email: str, *, who: Actor) -> str:
    """No more Slack reminders for ``email``; what was done, in words."""
    key = email_key(email)
    with transaction(con):
        claim(con, "slack optout", key)
        if scalar(con, "SELECT count(*) FROM slack_optouts WHERE email_key = ?", [key]):
            return f"{key} already gets no Slack reminders."
        con.execute("INSERT INTO slack_optouts (email_key, opted_out_at, opted_out_by) "
                    "VALUES (?, ?, ?)", [key, clock.now(), str.__str__(who)])  # fmt: skip
        audit.record(con, who, "slack.opt_out", key, before={"reminders": True},
                     after={"reminders": False})  # fmt: skip
    return f"{key} gets no Slack reminders from now on."


@requires(EDITOR, "change who gets Slack reminders")
@retry_on_conflict
def opt_in(con: duckdb.DuckDBPyConnection, email: str, *, who: Actor) -> str:
    """Slack reminders again for ``email``; what was done, in words."""
    key = email_key(email)
    with transaction(con):
        claim(con, "slack optout", key)
        if not scalar(con, "SELECT count(*) FROM slack_optouts WHERE email_key = ?", [key]):
            return f"{key} already gets Slack reminders."
        con.execute("DELETE FROM slack_optouts WHERE email_key = ?", [key])
        audit.record(con, who, "slack.opt_in", key, before={"reminders": False},
                     after={"reminders": True})  # fmt: skip
    return f"{key} gets Slack reminders again."
