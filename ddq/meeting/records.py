"""Meetings as stored: listing, reading one with its agenda, finding one, finishing it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict, cast

from ddq import audit, clock
from ddq.access import EDITOR, Actor, requires
from ddq.db import claim, claim_each, retry_on_conflict, rows, scalar, transaction
from ddq.errors import Conflict, NotFound
from ddq.meeting.scope import resolve_scope, scope_key, scope_label
from ddq.org import closest_name, name_key

if TYPE_CHECKING:
    import duckdb


class AgendaEntry(TypedDict):
    """One place on a meeting's agenda, as :func:`get_meeting` gives it."""

    position: int  # 0-based
    team_id: int
    team: str  # "team 7 (removed)" for a team deleted since
    area: str | None
    champion: str | None
    present: bool | None  # None: not marked
    presented: bool
    removed: bool  # the team was deleted since, as undoing the import that created it does


class Meeting(TypedDict):
    """A meeting with its agenda (:func:`get_meeting`)."""

    id: int
    held_on: dt.date
    title: str | None
    scope_areas: list[str]
    scope: str  # in words
    agenda_order: str
    agenda: list[int]  # team ids
    current_position: int | None  # 0-based; None before the first team
    current_team: str | None
    leader_present: bool | None
    leader_name: str | None
    status: str  # "open" or "finished"
    created_at: dt.datetime
    created_by: str
    finished_at: dt.datetime | None
    teams: list[AgendaEntry]


def meeting_row(con: duckdb.DuckDBPyConnection, meeting_id: int) -> dict[str, Any]:
    """The meeting's stored row; NotFound when there is none."""
    found = rows(con, "SELECT * FROM meetings WHERE id = ?", [meeting_id])
    if not found:
        raise NotFound(f"There is no meeting {meeting_id}; `ddq meeting list` shows them.")
    return found[0]


def require_open(meeting: Mapping[str, Any], what: str) -> None:
    """Refuse (Conflict) a change that only an open meeting takes; ``what`` says why."""
    if meeting["status"] != "open":
        raise Conflict(f"Meeting {meeting['id']} ({meeting['held_on']}) is finished; {what}.")


def meetings(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[dict[str, Any]]:
    """Every meeting, newest first, with how far it got and who attended.

    Each row: id, held_on, title, scope_areas, scope (in words), agenda_order, status,
    teams (on the agenda), presented, champions (expected), present, leader_present,
    leader_name, created_by, created_at, finished_at.
    """
    found = rows(
        con,
        """
        SELECT m.id, m.held_on, m.title, m.scope_areas, m.agenda_order, m.status,
               len(m.agenda) AS teams,
               (SELECT count(*) FROM presented p WHERE p.meeting_id = m.id) AS presented,
               (SELECT count(*) FROM attendance a
                WHERE a.meeting_id = m.id AND a.champion IS NOT NULL) AS champions,
               (SELECT count(*) FROM attendance a
                WHERE a.meeting_id = m.id AND a.present) AS present,
               m.leader_present, m.leader_name, m.created_by, m.created_at, m.finished_at
        FROM meetings m
        ORDER BY m.held_on DESC, m.id DESC
        LIMIT ?
        """,
        [limit],
    )
    for r in found:
        r["scope"] = scope_label(r["scope_areas"])
    return found


def get_meeting(con: duckdb.DuckDBPyConnection, meeting_id: int) -> Meeting:
    """A meeting with its agenda: its stored columns, ``scope`` (in words), ``current_team``
    and ``teams`` (:class:`AgendaEntry` per agenda position, in order)."""
    meeting = meeting_row(con, meeting_id)
    meeting.pop("scope_key")
    meeting["scope"] = scope_label(meeting["scope_areas"])
    meeting["teams"] = rows(
        con,
        """
        WITH ag AS (
            SELECT unnest(agenda) AS team_id, generate_subscripts(agenda, 1) - 1 AS position
            FROM meetings WHERE id = ?
        )
        SELECT ag.position, ag.team_id,
               coalesce(t.name, 'team ' || ag.team_id || ' (removed)') AS team,
               a.name AS area, att.champion, att.present, p.team_id IS NOT NULL AS presented,
               t.id IS NULL AS removed
        FROM ag LEFT JOIN teams t ON t.id = ag.team_id
        LEFT JOIN areas a ON a.id = t.area_id
        LEFT JOIN attendance att ON att.meeting_id = ? AND att.team_id = ag.team_id
        LEFT JOIN presented p ON p.meeting_id = ? AND p.team_id = ag.team_id
        ORDER BY ag.position
        """,
        [meeting_id, meeting_id, meeting_id],
    )
    position = meeting["current_position"]
    meeting["current_team"] = next(
        (t["team"] for t in meeting["teams"] if t["position"] == position), None
    )
    return cast(Meeting, meeting)


def meeting_on(
    con: duckdb.DuckDBPyConnection, held_on: dt.date, areas: Iterable[str] = ()
) -> Meeting | None:
    """The meeting of that date and scope (as :func:`get_meeting`), or None."""
    _, keys = resolve_scope(con, areas)
    found = scalar(
        con,
        "SELECT id FROM meetings WHERE held_on = ? AND scope_key = ?",
        [held_on, scope_key(keys)],
    )
    return None if found is None else get_meeting(con, found)


@requires(EDITOR, "finish a meeting")
@retry_on_conflict  # finished twice at once: the second is told it was finished before
def finish(con: duckdb.DuckDBPyConnection, meeting_id: int, who: Actor) -> str:
    """Finish the meeting: champions not marked present are absent, as is an unmarked
    leader. Notes, attendance and actions may still be corrected afterwards."""
    with transaction(con):
        # Finishing changes the meeting and marks attendance: nobody moves through the
        # agenda, records the leader or marks a champion at the same moment.
        claim(con, "meeting", meeting_id)
        meeting = meeting_row(con, meeting_id)
        require_open(meeting, "it was finished before")
        claim_each(con, "attendance", [(meeting_id, team_id) for team_id in meeting["agenda"]])
        unmarked = scalar(
            con,
            "UPDATE attendance SET present = false "
            "WHERE meeting_id = ? AND champion IS NOT NULL AND present IS NULL",
            [meeting_id],
        )
        con.execute(
            "UPDATE meetings SET status = 'finished', finished_at = ?, "
            "leader_present = coalesce(leader_present, false) WHERE id = ?",
            [clock.now(), meeting_id],
        )
        audit.record(con, who, "meeting.finish", f"meeting {meeting_id}",
                     before={"status": "open"},
                     after={"status": "finished", "marked_absent": unmarked})  # fmt: skip
    presented = scalar(con, "SELECT count(*) FROM presented WHERE meeting_id = ?", [meeting_id])
    return (
        f"Meeting {meeting_id} ({meeting['held_on']}) finished: {presented} of "
        f"{len(meeting['agenda'])} teams presented."
    )


def choose_meeting(
    listed: Sequence[Mapping[str, Any]],
    *,
    meeting_id: int | None = None,
    day: dt.date | None = None,
    areas: Sequence[str] = (),
) -> int:
    """The meeting named by id, else by day (and areas), else the latest held (of those areas).

    ``listed`` is :func:`meetings` (newest first). The command and the page's links both
    find meetings this way; NotFound or Conflict say what to do.
    """
    wanted = sorted(name_key(a) for a in areas)

    def in_scope(m: Mapping[str, Any]) -> bool:
        return not areas or sorted(name_key(a) for a in m["scope_areas"]) == wanted

    if meeting_id is not None:
        if not any(m["id"] == meeting_id for m in listed):
            raise NotFound(f"There is no meeting {meeting_id}; `ddq meeting list` shows them.")
        return meeting_id
    if day is None:
        held = [m for m in listed if m["held_on"] <= clock.today() and in_scope(m)]
        if not held:
            raise NotFound("No meeting has been held yet; start one with `ddq meeting start`.")
        return int(held[0]["id"])
    same_day = [m for m in listed if m["held_on"] == day and in_scope(m)]
    if not same_day:
        scope = f" for {scope_label(list(areas))}" if areas else ""
        raise NotFound(f"There is no meeting on {day}{scope}; `ddq meeting list` shows them.")
    if len(same_day) > 1:
        choices = "; ".join(f"meeting {m['id']}: {m['scope']}" for m in same_day)
        raise Conflict(f"{len(same_day)} meetings on {day} ({choices}); name one by its id "
                       "or its areas.")  # fmt: skip
    return int(same_day[0]["id"])


def meeting_named(listed: Sequence[Mapping[str, Any]], text: str) -> int:
    """The meeting a link or a person names: its id, or its date (2026-03-09)."""
    text = text.strip()
    if text.isdigit():
        return choose_meeting(listed, meeting_id=int(text))
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise NotFound(
            f"{text!r} is neither a meeting's number nor a date like 2026-03-09."
        ) from None
    return choose_meeting(listed, day=day)


def find_meeting(
    con: duckdb.DuckDBPyConnection,
    *,
    meeting_id: int | None = None,
    day: dt.date | None = None,
    areas: Sequence[str] = (),
) -> int:
    """:func:`choose_meeting` among the stored meetings."""
    return choose_meeting(meetings(con), meeting_id=meeting_id, day=day, areas=areas)


def agenda_position(found: Mapping[str, Any], team: str) -> int:
    """The 0-based place on the meeting's agenda of ``team``: its name (case and spacing
    ignored) or its number on the agenda, from 1."""
    teams = found["teams"]
    by_name = [t["position"] for t in teams if name_key(t["team"]) == name_key(team)]
    if by_name:
        return int(by_name[0])
    text = team.strip()
    if text.isdigit() and 1 <= int(text) <= len(teams):
        return int(text) - 1
    guess = closest_name(team, [t["team"] for t in teams])
    hint = f" Did you mean {guess!r}?" if guess else ""
    raise NotFound(f"{team!r} is neither a team on this meeting's agenda nor its number "
                   f"(1 to {len(teams)}).{hint}")  # fmt: skip
