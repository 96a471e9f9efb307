"""A meeting's agenda: the scope's teams in the order the host picks, fixed at creation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ddq import audit, clock, progress
from ddq.access import EDITOR, Actor, requires
from ddq.db import retry_on_conflict, rows, scalar, transaction
from ddq.errors import Conflict
from ddq.meeting.checks import MAX_SHORT, InvalidMeeting, day_problem, refuse, user_text
from ddq.meeting.scope import (
    area_order,
    resolve_scope,
    scope_key,
    scope_label,
    scope_teams,
)
from ddq.org import name_key

if TYPE_CHECKING:
    import duckdb

# How the agenda is ordered.
ORDERS = ("area", "movers", "status", "rotation")
ORDER_WORDS = {
    "area": "by area",
    "movers": "biggest movers first",
    "status": "status changes first",
    "rotation": "rotation",
}
# "Biggest movers first": the absolute change of this metric over the last weeks.
MOVERS_METRIC = "open_critical_bugs"
MOVERS_WEEKS = 4
# A meeting may be planned ahead (champions write their notes before it), within a year.
MAX_AHEAD_DAYS = 366


def on_agenda(meeting: Mapping[str, Any], team: Mapping[str, Any]) -> int:
    """The team's 0-based position on the meeting's agenda (refused when not on it)."""
    if team["id"] not in meeting["agenda"]:
        raise InvalidMeeting(
            f"{team['name']} is not on the agenda of meeting {meeting['id']} "
            f"({meeting['held_on']}, {scope_label(meeting['scope_areas'])})."
        )
    return int(meeting["agenda"].index(team["id"]))


def _movers(con: duckdb.DuckDBPyConnection, team_ids: list[int], day: dt.date) -> dict[int, float]:
    """Each team's change of MOVERS_METRIC from MOVERS_WEEKS weeks before the latest
    complete week to that week (teams without both values are left out)."""
    last = clock.latest_complete_week(day)
    first = last - dt.timedelta(weeks=MOVERS_WEEKS)
    found = rows(
        con,
        """
        SELECT team_id,
               max(value) FILTER (week = ?) - max(value) FILTER (week = ?) AS change
        FROM metric_values
        WHERE metric = ? AND week IN (?, ?) AND team_id IN (SELECT unnest(?::INTEGER[]))
        GROUP BY team_id
        """,
        [last, first, MOVERS_METRIC, last, first, team_ids],
    )
    return {r["team_id"]: r["change"] for r in found if r["change"] is not None}


def _status_changed(con: duckdb.DuckDBPyConnection, areas: list[str], day: dt.date) -> set[str]:
    """Name keys of the teams with a target whose progress status changed this week."""
    found = progress.status_changes(con, today=day, area=areas[0] if len(areas) == 1 else None)
    return {name_key(c["team"]) for c in found}


def _rotation_start(
    con: duckdb.DuckDBPyConnection, teams: list[dict[str, Any]], key: str, day: dt.date
) -> int:
    """Where a rotation starts: after the furthest team the scope's last meeting reached."""
    stop = rows(
        con,
        """
        SELECT t.name_key, a.name_key AS area_key
        FROM meetings m JOIN presented p ON p.meeting_id = m.id
        JOIN teams t ON t.id = p.team_id LEFT JOIN areas a ON a.id = t.area_id
        WHERE m.scope_key = ? AND m.held_on < ?
        ORDER BY m.held_on DESC, m.id DESC, list_position(m.agenda, p.team_id) DESC
        LIMIT 1
        """,
        [key, day],
    )
    if not stop:
        return 0
    stopped = area_order(stop[0])
    return next((i for i, t in enumerate(teams) if area_order(t) > stopped), 0)


def _order_agenda(
    con: duckdb.DuckDBPyConnection,
    teams: list[dict[str, Any]],
    order: str,
    day: dt.date,
    areas: list[str],
    key: str,
) -> list[dict[str, Any]]:
    if order == "movers":
        change = _movers(con, [t["id"] for t in teams], day)
        return sorted(teams, key=lambda t: (t["id"] not in change, -abs(change.get(t["id"], 0))))
    if order == "status":
        changed = _status_changed(con, areas, day)
        return sorted(teams, key=lambda t: t["name_key"] not in changed)
    if order == "rotation":
        start = _rotation_start(con, teams, key, day)
        return teams[start:] + teams[:start]
    return teams


@requires(EDITOR, "start a meeting")
@retry_on_conflict  # two starts at once: the second is told the meeting exists
def create_meeting(
    con: duckdb.DuckDBPyConnection,
    *,
    held_on: dt.date | None = None,
    areas: Iterable[str] = (),
    order: str = "area",
    title: str | None = None,
    who: Actor,
) -> int:
    """Create the meeting of ``held_on`` (default: today, UTC) for the scope; return its id.

    ``areas``: one area, several, or none for the whole program. The agenda is the scope's
    active teams, ordered by ``order``:

    - ``area``: by area (teams without one last), then by name;
    - ``movers``: the biggest absolute change of open critical bugs from 4 weeks before the
      latest complete week to that week first; teams without both values after them;
    - ``status``: the teams whose progress status (``ddq.progress.status_changes``) changed
      this week first;
    - ``rotation``: area order, starting after the furthest team the previous meeting of
      the same scope reached (from the start when it reached none).

    Ties keep area order. Each team's current champion is recorded for attendance.
    Refused when there is already a meeting on that date for the same scope, the scope
    has no active team, or the date is before 2000 or more than a year ahead.
    """
    day = held_on or clock.today()
    problem = day_problem(day, "meeting date")
    if problem:
        refuse(problem)
    if day > clock.today() + dt.timedelta(days=MAX_AHEAD_DAYS):
        refuse(f"the meeting date {day} is more than a year ahead; check the year")
    if order not in ORDERS:
        refuse(f"unknown agenda order {order!r}; choose one of {', '.join(ORDERS)}")
    title = user_text(title, "title", limit=MAX_SHORT, required=False)
    names, keys = resolve_scope(con, areas)
    key = scope_key(keys)
    existing = scalar(
        con, "SELECT id FROM meetings WHERE held_on = ? AND scope_key = ?", [day, key]
    )
    if existing is not None:
        raise Conflict(
            f"There is already a meeting on {day} for {scope_label(names)}: meeting {existing}. "
            "Open that one, or choose another date or scope."
        )
    teams = scope_teams(con, keys)
    if not teams:
        refuse(f"{scope_label(names)} has no active teams to put on an agenda")
    agenda = _order_agenda(con, teams, order, day, names, key)
    # Started twice at once, the second start's insert is refused; run again, it finds
    # the first one's meeting above.
    with transaction(con):
        meeting_id: int = scalar(
            con,
            """
            INSERT INTO meetings (held_on, title, scope_areas, scope_key, agenda_order,
                                  agenda, created_at, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            [day, title, names, key, order, [t["id"] for t in agenda], clock.now(), who],
        )
        con.execute(
            "INSERT INTO attendance (meeting_id, team_id, champion, present) "
            "SELECT ?, unnest(?::INTEGER[]), unnest(?::VARCHAR[]), NULL",
            [meeting_id, [t["id"] for t in agenda], [t["champion"] for t in agenda]],
        )
        audit.record(
            con, who, "meeting.create", f"meeting {meeting_id}",
            after={"held_on": day, "scope": names, "order": order, "title": title,
                   "agenda": [t["name"] for t in agenda]},
        )  # fmt: skip
    return meeting_id
