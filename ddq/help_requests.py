"""Coaching and workshop requests: a team asks the program team for help, and it is followed up.

A request is recorded here whether or not Slack is connected (carrying it to the program
team's channel is :mod:`ddq.slack.requests`' job), so none is lost when Slack is down.

Who may do what: anyone who can act for a team, so at least an editor (champions are
editors; viewers only read), records a request; the program team, the admins who run the
community, moves it from new to scheduled to done (or back, to correct a slip).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ddq import audit, clock, org
from ddq.access import ADMIN, EDITOR, Actor, requires
from ddq.db import claim, retry_on_conflict, rows, transaction
from ddq.errors import DdqError, NotFound, stale

if TYPE_CHECKING:
    import duckdb

KINDS = ("coaching", "workshop")
KIND_WORDS = {"coaching": "Coaching", "workshop": "A workshop"}
STATUSES = ("new", "scheduled", "done")
# Room for a sentence or two each; the program team follows up in person for the rest.
TOPIC_MAX = 200
HOPES_MAX = 2000
DATES_MAX = 200


@dataclass(frozen=True)
class HelpRequest:
    """A request for coaching or a workshop, as recorded."""

    id: int
    kind: str
    team: str | None
    topic: str
    hopes: str
    dates: str
    status: str
    requested_at: dt.datetime
    requested_by: str
    updated_at: dt.datetime
    updated_by: str

    @property
    def what(self) -> str:
        """'Coaching for Payments', 'A workshop for Payments'."""
        return f"{KIND_WORDS[self.kind]} for {self.team or 'a removed team'}"


def _text(
    value: str | None, label: str, limit: int, *, required: bool = False, lines: bool = False
) -> str:
    """``value`` trimmed (runs of spaces and line breaks joined, unless ``lines``), checked."""
    text = (value or "").strip() if lines else " ".join((value or "").split())
    if required and not text:
        raise DdqError(f"{label} is empty: say in a few words what the request is about.")
    if len(text) > limit:
        raise DdqError(f"{label} is {len(text)} characters long; keep it under {limit}.")
    return text


_SELECT = """
    SELECT r.id, r.kind, t.name AS team, r.topic, coalesce(r.hopes, '') AS hopes,
           coalesce(r.dates, '') AS dates, r.status, r.requested_at, r.requested_by,
           r.updated_at, r.updated_by
    FROM help_requests r LEFT JOIN teams t ON t.id = r.team_id
"""


def get(con: duckdb.DuckDBPyConnection, request_id: int) -> HelpRequest:
    """One request by its number; NotFound when there is none."""
    found = rows(con, _SELECT + " WHERE r.id = ?", [request_id])
    if not found:
        raise NotFound(f"There is no request {request_id}: `ddq requests list` shows them.")
    return HelpRequest(**found[0])


def list_requests(con: duckdb.DuckDBPyConnection, status: str | None = None) -> list[HelpRequest]:
    """The requests, newest first; only those with ``status`` when given."""
    if status is not None and status not in STATUSES:
        raise DdqError(f"{status!r} is not a request status; use {', '.join(STATUSES)}.")
    where, params = (" WHERE r.status = ?", [status]) if status else ("", [])
    found = rows(con, _SELECT + where + " ORDER BY r.requested_at DESC, r.id DESC", params)
    return [HelpRequest(**r) for r in found]


@requires(EDITOR, "request coaching or a workshop")
@retry_on_conflict
def record(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    team: str,
    topic: str,
    hopes: str = "",
    dates: str = "",
    *,
    who: Actor,
) -> HelpRequest:
    """Record a request for ``team``; the request as stored (status new)."""
    if kind not in KINDS:
        raise DdqError(f"{kind!r} is not a kind of request; use {' or '.join(KINDS)}.")
    found = org.find_own_team(con, team)
    values = (
        _text(topic, "The topic", TOPIC_MAX, required=True),
        _text(hopes, "What you hope for", HOPES_MAX, lines=True),
        _text(dates, "The dates", DATES_MAX),
    )
    now = clock.now()
    with transaction(con):
        request_id = con.execute(
            "INSERT INTO help_requests (kind, team_id, topic, hopes, dates, status, "
            "requested_at, requested_by, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?, ?, 'new', ?, ?, ?, ?) RETURNING id",
            [kind, found["id"], *values, now, who.name, now, who.name],
        ).fetchone()[0]  # type: ignore[index]  # RETURNING always gives the row
        audit.record(con, who, "request.add", f"request {request_id}",
                     after={"kind": kind, "team": found["name"], "topic": values[0],
                            "hopes": values[1], "dates": values[2]})  # fmt: skip
    return get(con, request_id)


@requires(ADMIN, "change a request's status")
@retry_on_conflict
def change_status(
    con: duckdb.DuckDBPyConnection,
    request_id: int,
    status: str,
    *,
    expected: str | None = None,
    who: Actor,
) -> tuple[HelpRequest, bool]:
    """Set a request's status; the request, and whether it changed.

    ``expected`` is the status the person saw: when someone else has changed it since to
    another, nothing is saved (StaleEdit).
    """
    if status not in STATUSES:
        raise DdqError(f"{status!r} is not a request status; use {', '.join(STATUSES)}.")
    with transaction(con):
        claim(con, "help request", request_id)
        before = get(con, request_id)
        if before.status == status:
            return before, False
        if expected is not None and before.status != expected:
            raise stale(f"request {request_id}",
                        [f"its status is now {before.status} (by {before.updated_by})"])  # fmt: skip
        con.execute(
            "UPDATE help_requests SET status = ?, updated_at = ?, updated_by = ? WHERE id = ?",
            [status, clock.now(), who.name, request_id],
        )
        audit.record(con, who, "request.status", f"request {request_id}",
                     before={"status": before.status}, after={"status": status})  # fmt: skip
    return get(con, request_id), True
