"""Action items: raised for a team (in a meeting or between meetings), open until closed.

An action stays open, shown in every later meeting of the team, until it is done or
dropped. Each keeps the day it was raised and the day it was closed (the meeting's date
when that happened in a meeting), so what was open as of any meeting can be told again
later: a past meeting's summary does not change when its actions are closed afterwards.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ddq import audit, clock
from ddq.access import EDITOR, Actor, requires
from ddq.db import claim, retry_on_conflict, rows, scalar, transaction
from ddq.errors import Conflict, NotFound, stale
from ddq.meeting.agenda import on_agenda
from ddq.meeting.checks import MAX_SHORT, day_problem, refuse, user_text
from ddq.meeting.records import meeting_row
from ddq.meeting.scope import resolve_scope
from ddq.org import find_team

if TYPE_CHECKING:
    import duckdb

OPEN, DONE, DROPPED = "open", "done", "dropped"
ACTION_STATUSES = (OPEN, DONE, DROPPED)
# Champions meet weekly: what a meeting raises is due, by default, at the next one.
NEXT_MEETING = dt.timedelta(weeks=1)
MAX_DUE_YEARS = 5

# What every listing of actions shows of each: see :func:`open_actions`.
_ACTION_COLUMNS = """
    ai.id, t.name AS team, a.name AS area, ai.text, ai.owner, ai.due, ai.status,
    ai.meeting_id, m.held_on AS meeting_held_on, ai.raised_on, ai.closed_on,
    ai.closed_in_meeting, ai.created_by
"""
_ACTION_TABLES = """
    action_items ai JOIN teams t ON t.id = ai.team_id
    LEFT JOIN areas a ON a.id = t.area_id
    LEFT JOIN meetings m ON m.id = ai.meeting_id
"""


def _action_row(con: duckdb.DuckDBPyConnection, action_id: int) -> dict[str, Any]:
    found = rows(
        con,
        "SELECT ai.*, t.name AS team FROM action_items ai JOIN teams t ON t.id = ai.team_id "
        "WHERE ai.id = ?",
        [action_id],
    )
    if not found:
        raise NotFound(f"There is no action item {action_id}.")
    return found[0]


@requires(EDITOR, "add an action item")
def add_action(
    con: duckdb.DuckDBPyConnection,
    *,
    team: str,
    text: str,
    owner: str,
    due: dt.date,
    meeting_id: int | None = None,
    who: Actor,
) -> int:
    """Raise an action item for a team (in a meeting, or between meetings); return its id.

    It is raised on the meeting's date, or today. Refused when the team is unknown or
    retired, not on the meeting's agenda, the text or owner is empty, or the due date is
    before the day it is raised or more than 5 years after it.
    """
    found = find_team(con, team)
    if not found["active"]:
        raise Conflict(f"{found['name']} is retired; bring it back before giving it actions.")
    value = user_text(text, "action")
    who_owns = user_text(owner, "owner", limit=MAX_SHORT)
    problem = day_problem(due, "due date")
    if problem:
        refuse(problem)
    raised_on = clock.today()
    if meeting_id is not None:
        meeting = meeting_row(con, meeting_id)
        on_agenda(meeting, found)
        raised_on = meeting["held_on"]
    if due < raised_on:
        refuse(f"the due date {due} is before the day the action is raised ({raised_on})")
    if due > raised_on + dt.timedelta(days=365 * MAX_DUE_YEARS):
        refuse(f"the due date {due} is more than {MAX_DUE_YEARS} years away; check the year")
    with transaction(con):
        action_id: int = scalar(
            con,
            """
            INSERT INTO action_items (team_id, meeting_id, text, owner, due, raised_on,
                                      created_at, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            [found["id"], meeting_id, value, who_owns, due, raised_on, clock.now(), who],
        )
        audit.record(con, who, "action.add", f"action {action_id}",
                     after={"team": found["name"], "text": value, "owner": who_owns, "due": due,
                            "meeting": meeting_id})  # fmt: skip
    return action_id


@requires(EDITOR, "close or reopen an action item")
@retry_on_conflict
def set_action_status(
    con: duckdb.DuckDBPyConnection,
    action_id: int,
    status: str,
    who: Actor,
    meeting_id: int | None = None,
    *,
    expected: str | None = None,
) -> str:
    """Mark an action item done, dropped, or open again.

    Closed in a meeting (``meeting_id``), it is closed on the meeting's date; else today
    (never before the day it was raised). ``expected`` is the status the person saw:
    when someone else has changed it since to another status than this one, nothing is
    saved (StaleEdit). Asking for the status it already has is no change and no error.
    """
    if status not in ACTION_STATUSES:
        refuse(f"unknown action status {status!r}; choose one of {', '.join(ACTION_STATUSES)}")
    with transaction(con):
        return _set_action_status(con, action_id, status, who, meeting_id, expected)


def _set_action_status(
    con: duckdb.DuckDBPyConnection,
    action_id: int,
    status: str,
    who: Actor,
    meeting_id: int | None,
    expected: str | None,
) -> str:
    """:func:`set_action_status`'s reading, checking and writing, in its transaction."""
    claim(con, "action", action_id)
    action = _action_row(con, action_id)
    closed_on = max(clock.today(), action["raised_on"])
    if meeting_id is not None:
        meeting = meeting_row(con, meeting_id)
        if meeting["held_on"] < action["raised_on"]:
            refuse(
                f"meeting {meeting_id} was held on {meeting['held_on']}, before action "
                f"{action_id} was raised ({action['raised_on']})"
            )
        closed_on = meeting["held_on"]
    if action["status"] == status:
        return f"Action {action_id} is already {status}."
    if expected is not None and action["status"] != expected:
        raise stale(f"action {action_id} ({action['team']}: {action['text']})",
                    [f"status: now {action['status']} (was {expected})"])  # fmt: skip
    before = {"status": action["status"], "closed_on": action["closed_on"],
              "closed_in_meeting": action["closed_in_meeting"]}  # fmt: skip
    after: dict[str, Any]
    if status == OPEN:
        after = {"status": OPEN, "closed_on": None, "closed_in_meeting": None}
        closed_at = None
    else:
        after = {"status": status, "closed_on": closed_on, "closed_in_meeting": meeting_id}
        closed_at = clock.now()
    con.execute(
        "UPDATE action_items SET status = ?, closed_on = ?, closed_at = ?, "
        "closed_in_meeting = ? WHERE id = ?",
        [after["status"], after["closed_on"], closed_at, after["closed_in_meeting"], action_id],
    )
    audit.record(con, who, "action.status", f"action {action_id}", before=before,
                 after=after)  # fmt: skip
    words = {OPEN: "open again", DONE: "done", DROPPED: "dropped"}[status]
    return f"Action {action_id} ({action['team']}: {action['text']}) is {words}."


def open_actions(
    con: duckdb.DuckDBPyConnection,
    team: str | None = None,
    as_of: dt.date | None = None,
    *,
    areas: Iterable[str] = (),
) -> list[dict[str, Any]]:
    """Open action items (of a team, or of the areas' teams), carried forward: every one
    still open, whichever meeting raised it. Sorted by due date, team and id.

    Without ``as_of``: those open now. With it: those open as of that day (raised on or
    before it, not closed by then), so a past meeting shows what was open at the time.
    Each row: id, team, area, text, owner, due, status, meeting_id (where raised),
    meeting_held_on, raised_on, closed_on, closed_in_meeting, created_by, overdue (the due
    date is before the day) and days_overdue.
    """
    day = as_of or clock.today()
    team_key = None if team is None else find_team(con, team)["name_key"]
    _, keys = resolve_scope(con, areas)
    found = rows(
        con,
        f"""
        SELECT {_ACTION_COLUMNS}, t.name_key
        FROM {_ACTION_TABLES}
        WHERE (?::VARCHAR IS NULL OR t.name_key = ?)
          AND (len(?::VARCHAR[]) = 0 OR a.name_key IN (SELECT unnest(?::VARCHAR[])))
          AND CASE WHEN ?::DATE IS NULL THEN ai.status = 'open'
                   ELSE ai.raised_on <= ? AND (ai.closed_on IS NULL OR ai.closed_on > ?) END
        """,
        [team_key, team_key, keys, keys, as_of, as_of, as_of],
    )
    for r in found:
        r["overdue"] = r["due"] < day
        r["days_overdue"] = max(0, (day - r["due"]).days)
    found.sort(key=lambda r: (r["due"], r.pop("name_key"), r["id"]))
    return found


def actions_raised(con: duckdb.DuckDBPyConnection, meeting_id: int) -> list[dict[str, Any]]:
    """The action items raised in a meeting, whatever their status now, by team and id."""
    return rows(
        con,
        f"""
        SELECT {_ACTION_COLUMNS}
        FROM {_ACTION_TABLES}
        WHERE ai.meeting_id = ?
        ORDER BY t.name_key, ai.id
        """,
        [meeting_id],
    )


def actions_closed_since(
    con: duckdb.DuckDBPyConnection, since: Mapping[int, dt.date], until: dt.date
) -> dict[int, list[dict[str, Any]]]:
    """Per team id of ``since``: its action items closed after that day, up to and including
    ``until``, in the order they were closed (teams without one left out)."""
    found: dict[int, list[dict[str, Any]]] = {}
    for r in rows(
        con,
        f"""
        WITH asked AS (SELECT unnest(?::INTEGER[]) AS team_id, unnest(?::DATE[]) AS after)
        SELECT {_ACTION_COLUMNS}, ai.team_id AS asked_team
        FROM {_ACTION_TABLES} JOIN asked ON asked.team_id = ai.team_id
        WHERE ai.closed_on > asked.after AND ai.closed_on <= ?
        ORDER BY ai.closed_on, ai.id
        """,
        [list(since), list(since.values()), until],
    ):
        found.setdefault(r.pop("asked_team"), []).append(r)
    return found
