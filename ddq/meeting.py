"""The weekly community meeting: agenda, attendance, notes, action items and the summary.

A meeting is held on a date for a scope: one area, several (small areas can meet
together), or the whole program (no areas). There is at most one meeting per date and
scope. Its agenda is the scope's active teams, in an order the host picks when creating it
(:data:`ORDERS`), fixed from then on. The host walks through the agenda one team at a time
(:func:`set_position`; every team shown is recorded as presented, the one it opens at
too: :func:`open_at`), marks who attended, writes notes and raises action items, then
finishes the meeting. Finishing marks every champion not marked present as absent (the
host ticks who is there), and the leader as absent when nobody was marked.

Notes belong to a meeting and a team, one text per kind (:data:`NOTE_KINDS`): "what we're
doing" and "feedback wanted" are usually written by the champion before the meeting,
"feedback given" during it. Action items belong to a team and stay open, shown in every
later meeting of the team, until they are done or dropped. Each one keeps the day it was
raised and the day it was closed (the meeting's date when that happened in a meeting), so
what was open as of any meeting can be told again later: a past meeting's summary does not
change when its actions are closed afterwards.

Every change is validated, made in one transaction and written to the audit log. Dates are
days (the meeting's date), so everything here is reproducible from the data, whatever the
clock says.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ddq import audit, clock, text
from ddq.access import EDITOR, requires
from ddq.db import claim, claim_each, retry_on_conflict, rows, scalar, transaction
from ddq.errors import Conflict, DdqError, NotFound, stale
from ddq.metrics import EARLIEST_WEEK, MetricDef, catalog, today_utc
from ddq.org import closest_name, find_team, name_key
from ddq.trends import Scope, headlines, latest_complete_week, team_headlines

if TYPE_CHECKING:
    import duckdb

    from ddq.progress import TeamMetricProgress

# How the agenda is ordered.
ORDERS = ("area", "movers", "status", "rotation")
ORDER_WORDS = {
    "area": "by area",
    "movers": "biggest movers first",
    "status": "status changes first",
    "rotation": "rotation",
}
NOTE_KINDS = ("doing", "feedback_wanted", "feedback_given")
NOTE_LABELS = {
    "doing": "What we're doing",
    "feedback_wanted": "Feedback wanted",
    "feedback_given": "Feedback given",
}
OPEN, DONE, DROPPED = "open", "done", "dropped"
ACTION_STATUSES = (OPEN, DONE, DROPPED)
# Community health looks at each champion's last meetings and the scope's last meetings.
HEALTH_MEETINGS = 8
# A team not presented for this many weeks is called out.
NOT_PRESENTED_WEEKS = 4
# Champions meet weekly: what a meeting raises is due, by default, at the next one.
NEXT_MEETING = dt.timedelta(weeks=1)
# "Biggest movers first": the absolute change of this metric over the last weeks.
MOVERS_METRIC = "open_critical_bugs"
MOVERS_WEEKS = 4
MAX_TEXT = 4000
MAX_SHORT = 200
# A meeting may be planned ahead (champions write their notes before it), within a year.
MAX_AHEAD_DAYS = 366
MAX_DUE_YEARS = 5
WHOLE_PROGRAM = "Whole program"
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


class InvalidMeeting(DdqError):
    """A meeting, note, attendance or action item that ddq does not accept."""


def _now() -> dt.datetime:
    return clock.now()


def _refuse(problem: str) -> None:
    raise InvalidMeeting(problem[0].upper() + problem[1:] + ".")


def _text(value: str | None, what: str, *, limit: int = MAX_TEXT, required: bool = True) -> str:
    """User text as stored: surrounding blank space removed, the rest exactly as given."""
    text = (value or "").strip()
    if required and not text:
        _refuse(f"the {what} is empty")
    if len(text) > limit:
        _refuse(f"the {what} is longer than {limit} characters ({len(text)})")
    return text


def _day_problem(day: dt.date, what: str) -> str | None:
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        return f"the {what} must be a date (YYYY-MM-DD)"
    if day < EARLIEST_WEEK:
        return f"the {what} {day} is before {EARLIEST_WEEK}; check the year"
    return None


# ---------------------------------------------------------------------------- lookups


_team = find_team  # one lookup for every module: see ddq.org.find_team


def _scope(con: duckdb.DuckDBPyConnection, areas: Iterable[str]) -> tuple[list[str], list[str]]:
    """The areas' names and name keys, sorted by key; both empty for the whole program."""
    if isinstance(areas, str):
        areas = (areas,)
    names: dict[str, str] = {}
    for area in areas:
        if not area or not area.strip():
            _refuse("an area name is empty")
        found = rows(con, "SELECT name, name_key FROM areas WHERE name_key = ?", [name_key(area)])
        if not found:
            known = [r["name"] for r in rows(con, "SELECT name FROM areas")]
            guess = closest_name(area, known)
            hint = f" Did you mean {guess!r}?" if guess else ""
            raise NotFound(f"There is no area {area!r}.{hint}")
        names[found[0]["name_key"]] = found[0]["name"]
    keys = sorted(names)
    return [names[k] for k in keys], keys


def _scope_key(keys: Sequence[str]) -> str:
    return json.dumps(list(keys))


def scope_label(areas: Sequence[str]) -> str:
    """A meeting's scope in words: its areas, or the whole program."""
    return ", ".join(areas) if areas else WHOLE_PROGRAM


def _sort_key(team: dict[str, Any]) -> tuple[bool, str, str]:
    """Area order: by area (teams without one last), then by team name."""
    return team["area_key"] is None, team["area_key"] or "", team["name_key"]


def _scope_teams(con: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> list[dict[str, Any]]:
    """The scope's active teams with their current champion, in area order."""
    found = rows(
        con,
        """
        SELECT t.id, t.name, t.name_key, a.name AS area, a.name_key AS area_key,
               c.person AS champion
        FROM teams t LEFT JOIN areas a ON a.id = t.area_id
        LEFT JOIN champions c ON c.team_id = t.id AND c.until IS NULL
        WHERE t.active AND t.kind = 'team'
          AND (len(?::VARCHAR[]) = 0 OR a.name_key IN (SELECT unnest(?::VARCHAR[])))
        """,
        [list(keys), list(keys)],
    )
    return sorted(found, key=_sort_key)


def _meeting_row(con: duckdb.DuckDBPyConnection, meeting_id: int) -> dict[str, Any]:
    found = rows(con, "SELECT * FROM meetings WHERE id = ?", [meeting_id])
    if not found:
        raise NotFound(f"There is no meeting {meeting_id}; `ddq meeting list` shows them.")
    return found[0]


def _require_open(meeting: dict[str, Any], what: str) -> None:
    if meeting["status"] != "open":
        raise Conflict(f"Meeting {meeting['id']} ({meeting['held_on']}) is finished; {what}.")


def _on_agenda(meeting: dict[str, Any], team: dict[str, Any]) -> int:
    """The team's 0-based position on the meeting's agenda (refused when not on it)."""
    if team["id"] not in meeting["agenda"]:
        raise InvalidMeeting(
            f"{team['name']} is not on the agenda of meeting {meeting['id']} "
            f"({meeting['held_on']}, {scope_label(meeting['scope_areas'])})."
        )
    return meeting["agenda"].index(team["id"])


# ---------------------------------------------------------------------------- the agenda


def _movers(con: duckdb.DuckDBPyConnection, team_ids: list[int], day: dt.date) -> dict[int, float]:
    """Each team's change of MOVERS_METRIC from MOVERS_WEEKS weeks before the latest
    complete week to that week (teams without both values are left out)."""
    last = latest_complete_week(day)
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
    from ddq.progress import status_changes

    found = status_changes(con, today=day, area=areas[0] if len(areas) == 1 else None)
    return {name_key(c["team"]) for c in found}


def _rotation_start(
    con: duckdb.DuckDBPyConnection, teams: list[dict[str, Any]], scope_key: str, day: dt.date
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
        [scope_key, day],
    )
    if not stop:
        return 0
    stopped = _sort_key(stop[0])
    return next((i for i, t in enumerate(teams) if _sort_key(t) > stopped), 0)


def _order_agenda(
    con: duckdb.DuckDBPyConnection,
    teams: list[dict[str, Any]],
    order: str,
    day: dt.date,
    areas: list[str],
    scope_key: str,
) -> list[dict[str, Any]]:
    if order == "movers":
        change = _movers(con, [t["id"] for t in teams], day)
        return sorted(teams, key=lambda t: (t["id"] not in change, -abs(change.get(t["id"], 0))))
    if order == "status":
        changed = _status_changed(con, areas, day)
        return sorted(teams, key=lambda t: t["name_key"] not in changed)
    if order == "rotation":
        start = _rotation_start(con, teams, scope_key, day)
        return teams[start:] + teams[:start]
    return teams


# ---------------------------------------------------------------------------- meetings


@requires(EDITOR, "start a meeting")
@retry_on_conflict  # two starts at once: the second is told the meeting exists
def create_meeting(
    con: duckdb.DuckDBPyConnection,
    *,
    held_on: dt.date | None = None,
    areas: Iterable[str] = (),
    order: str = "area",
    title: str | None = None,
    who: str,
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
    day = held_on or today_utc()
    problem = _day_problem(day, "meeting date")
    if problem:
        _refuse(problem)
    if day > today_utc() + dt.timedelta(days=MAX_AHEAD_DAYS):
        _refuse(f"the meeting date {day} is more than a year ahead; check the year")
    if order not in ORDERS:
        _refuse(f"unknown agenda order {order!r}; choose one of {', '.join(ORDERS)}")
    title = _text(title, "title", limit=MAX_SHORT, required=False)
    names, keys = _scope(con, areas)
    scope_key = _scope_key(keys)
    existing = scalar(
        con, "SELECT id FROM meetings WHERE held_on = ? AND scope_key = ?", [day, scope_key]
    )
    if existing is not None:
        raise Conflict(
            f"There is already a meeting on {day} for {scope_label(names)}: meeting {existing}. "
            "Open that one, or choose another date or scope."
        )
    teams = _scope_teams(con, keys)
    if not teams:
        _refuse(f"{scope_label(names)} has no active teams to put on an agenda")
    agenda = _order_agenda(con, teams, order, day, names, scope_key)
    # Started twice at once, the second start's insert is refused; run again, it finds
    # the first one's meeting above.
    with transaction(con):
        meeting_id = scalar(
            con,
            """
            INSERT INTO meetings (held_on, title, scope_areas, scope_key, agenda_order,
                                  agenda, created_at, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            [day, title, names, scope_key, order, [t["id"] for t in agenda], _now(), who],
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


def get_meeting(con: duckdb.DuckDBPyConnection, meeting_id: int) -> dict[str, Any]:
    """A meeting with its agenda.

    The meeting's columns (id, held_on, title, scope_areas, agenda_order, agenda (team
    ids), current_position (0-based; None before the first team), leader_present,
    leader_name, status, created_at, created_by, finished_at), plus ``scope`` (in words),
    ``current_team`` (name or None) and ``teams``: per agenda position, in order, position,
    team_id, team, area, champion, present (None: not marked), presented and removed (the
    team was deleted since, as undoing the import that created it does).
    """
    meeting = _meeting_row(con, meeting_id)
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
    return meeting


def meeting_on(
    con: duckdb.DuckDBPyConnection, held_on: dt.date, areas: Iterable[str] = ()
) -> dict[str, Any] | None:
    """The meeting of that date and scope (as :func:`get_meeting`), or None."""
    _, keys = _scope(con, areas)
    found = scalar(
        con,
        "SELECT id FROM meetings WHERE held_on = ? AND scope_key = ?",
        [held_on, _scope_key(keys)],
    )
    return None if found is None else get_meeting(con, found)


@requires(EDITOR, "move through a meeting")
@retry_on_conflict
def set_position(con: duckdb.DuckDBPyConnection, meeting_id: int, position: int, who: str) -> str:
    """Show the team at ``position`` (0-based) of the agenda: the previous or the next one,
    or any other. The team is recorded as presented in this meeting.

    The last move wins: it is where the room is now (every laptop that follows goes
    there), and two people moving to the same team at once agree.
    """
    with transaction(con):
        claim(con, "meeting", meeting_id)
        meeting = _meeting_row(con, meeting_id)
        _require_open(meeting, "its walk through the teams is over")
        return _move(con, meeting, position, who)


@requires(EDITOR, "move through a meeting")
@retry_on_conflict
def open_at(con: duckdb.DuckDBPyConnection, meeting_id: int, position: int, who: str) -> str | None:
    """The meeting opens at the team at ``position``: it is presented, as if moved to.

    Once only: when nobody has moved through the meeting yet, it is open, and its day has
    come (a meeting looked at ahead of its day is being prepared, not held). Returns None
    when it records nothing, so a page may call it whenever it shows such a meeting.
    """

    def opens(meeting: dict[str, Any]) -> bool:
        return (meeting["current_position"] is None and meeting["status"] == "open"
                and meeting["held_on"] <= today_utc())  # fmt: skip

    if not opens(_meeting_row(con, meeting_id)):
        return None  # nothing to record, so nothing claimed: pages call this freely
    with transaction(con):
        claim(con, "meeting", meeting_id)
        meeting = _meeting_row(con, meeting_id)
        return _move(con, meeting, position, who) if opens(meeting) else None


def _move(con: duckdb.DuckDBPyConnection, meeting: dict[str, Any], position: int, who: str) -> str:
    """:func:`set_position`'s checking and writing, in its transaction."""
    meeting_id, size = meeting["id"], len(meeting["agenda"])
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < size:
        _refuse(f"position {position} is not on the agenda; it has positions 0 to {size - 1}")
    team_id = meeting["agenda"][position]
    team = scalar(con, "SELECT name FROM teams WHERE id = ?", [team_id])
    con.execute("UPDATE meetings SET current_position = ? WHERE id = ?", [position, meeting_id])
    con.execute(
        "INSERT INTO presented (meeting_id, team_id, presented_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [meeting_id, team_id, _now()],
    )
    audit.record(con, who, "meeting.position", f"meeting {meeting_id}",
                 before={"position": meeting["current_position"]},
                 after={"position": position, "team": team})  # fmt: skip
    return f"Now presenting: {team} ({position + 1} of {size})."


@requires(EDITOR, "take attendance")
@retry_on_conflict
def set_attendance(
    con: duckdb.DuckDBPyConnection, meeting_id: int, team: str, present: bool | None, who: str
) -> str:
    """Mark the team's champion present (True), absent (False) or not marked (None).

    While the meeting is open the team's current champion is recorded (a handover since
    the meeting was created counts); a finished meeting keeps the champion it had, and
    may still be corrected. A mark is what its writer sees in the room now, so the last
    one stands: two people ticking the same champion present agree, and the audit log
    keeps every mark with the one it replaced.
    """
    if present is not None and not isinstance(present, bool):
        _refuse("attendance is present (true), absent (false) or not marked (none)")
    with transaction(con):
        return _set_attendance(con, meeting_id, team, present, who)


def _set_attendance(
    con: duckdb.DuckDBPyConnection, meeting_id: int, team: str, present: bool | None, who: str
) -> str:
    """:func:`set_attendance`'s reading, checking and writing, in its transaction."""
    meeting = _meeting_row(con, meeting_id)
    found = _team(con, team)
    _on_agenda(meeting, found)
    claim(con, "attendance", meeting_id, found["id"])
    before = rows(
        con,
        "SELECT champion, present FROM attendance WHERE meeting_id = ? AND team_id = ?",
        [meeting_id, found["id"]],
    )[0]
    champion = before["champion"]
    if meeting["status"] == "open":
        current = scalar(
            con,
            "SELECT person FROM champions WHERE team_id = ? AND until IS NULL",
            [found["id"]],
        )
        champion = current or champion
    if champion is None:
        raise Conflict(
            f"{found['name']} has no champion to mark; name one on the Champions page first."
        )
    words = {True: "present", False: "absent", None: "not marked"}[present]
    if before == {"champion": champion, "present": present}:
        return f"{champion} ({found['name']}) is already {words}."
    con.execute(
        "UPDATE attendance SET champion = ?, present = ? WHERE meeting_id = ? AND team_id = ?",
        [champion, present, meeting_id, found["id"]],
    )
    audit.record(con, who, "meeting.attendance", f"meeting {meeting_id}",
                 before={"team": found["name"], **before},
                 after={"team": found["name"], "champion": champion,
                        "present": present})  # fmt: skip
    return f"{champion} ({found['name']}): {words}."


@requires(EDITOR, "record the meeting's leader")
@retry_on_conflict
def set_leader(
    con: duckdb.DuckDBPyConnection,
    meeting_id: int,
    present: bool | None,
    name: str | None,
    who: str,
) -> str:
    """Record whether the area head or another leader attended, and who.

    Without a name, a present leader of a one-area meeting is that area's head (when it
    has one). ``present`` None clears the mark. As attendance, the last mark stands.
    """
    if present is not None and not isinstance(present, bool):
        _refuse("the leader is present (true), absent (false) or not marked (none)")
    leader = _text(name, "leader's name", limit=MAX_SHORT, required=False) or None
    with transaction(con):
        claim(con, "meeting", meeting_id)
        meeting = _meeting_row(con, meeting_id)
        if present and leader is None and len(meeting["scope_areas"]) == 1:
            leader = scalar(
                con,
                "SELECT nullif(trim(head), '') FROM areas WHERE name_key = ?",
                [name_key(meeting["scope_areas"][0])],
            )
        if not present:
            leader = None
        before = {"present": meeting["leader_present"], "name": meeting["leader_name"]}
        after = {"present": present, "name": leader}
        if before == after:
            return "The leader's attendance is already recorded so."
        con.execute(
            "UPDATE meetings SET leader_present = ?, leader_name = ? WHERE id = ?",
            [present, leader, meeting_id],
        )
        audit.record(con, who, "meeting.leader", f"meeting {meeting_id}", before=before,
                     after=after)  # fmt: skip
    if present:
        return f"Leader present{': ' + leader if leader else ''}."
    return "No leader attended." if present is False else "Leader attendance not marked."


@requires(EDITOR, "write meeting notes")
@retry_on_conflict
def set_note(
    con: duckdb.DuckDBPyConnection,
    meeting_id: int,
    team: str,
    kind: str,
    text: str,
    who: str,
    *,
    expected: str | None = None,
) -> str:
    """Write the team's note of one kind for the meeting (empty text removes it).

    Notes may be written before the meeting (what we're doing, feedback wanted), during
    it, and corrected after it. The text is kept as given, blank space around it removed.
    ``expected`` is the text the writer started from: when someone else has saved another
    text since (even at the same moment), nothing is saved and StaleEdit shows theirs.
    Without it (the command line) the text replaces whatever is stored.
    """
    if kind not in NOTE_KINDS:
        _refuse(f"unknown kind of note {kind!r}; choose one of {', '.join(NOTE_KINDS)}")
    value = _text(text, NOTE_LABELS[kind].lower(), required=False)
    with transaction(con):
        meeting = _meeting_row(con, meeting_id)
        found = _team(con, team)
        _on_agenda(meeting, found)
        claim(con, "meeting note", meeting_id, found["id"], kind)
        before = scalar(
            con,
            "SELECT text FROM meeting_notes WHERE meeting_id = ? AND team_id = ? AND kind = ?",
            [meeting_id, found["id"], kind],
        )
        if (before or "") == value:
            return f"{NOTE_LABELS[kind]} for {found['name']} is unchanged."
        if expected is not None and (before or "") != expected.strip():
            raise stale(f"{found['name']}'s {NOTE_LABELS[kind].lower()}",
                        [f"it now reads {before or '(empty)'!r}"])  # fmt: skip
        if value:
            con.execute(
                """
                INSERT INTO meeting_notes (meeting_id, team_id, kind, text, updated_at,
                                           updated_by)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (meeting_id, team_id, kind) DO UPDATE SET
                    text = excluded.text, updated_at = excluded.updated_at,
                    updated_by = excluded.updated_by
                """,
                [meeting_id, found["id"], kind, value, _now(), who],
            )
        else:
            con.execute(
                "DELETE FROM meeting_notes WHERE meeting_id = ? AND team_id = ? AND kind = ?",
                [meeting_id, found["id"], kind],
            )
        audit.record(con, who, "meeting.note", f"meeting {meeting_id}",
                     before=None if before is None else {"team": found["name"], "kind": kind,
                                                         "text": before},
                     after={"team": found["name"], "kind": kind, "text": value})  # fmt: skip
    verb = "saved" if value else "removed"
    return f"{NOTE_LABELS[kind]} for {found['name']} {verb}."


@requires(EDITOR, "finish a meeting")
@retry_on_conflict  # finished twice at once: the second is told it was finished before
def finish(con: duckdb.DuckDBPyConnection, meeting_id: int, who: str) -> str:
    """Finish the meeting: champions not marked present are absent, as is an unmarked
    leader. Notes, attendance and actions may still be corrected afterwards."""
    with transaction(con):
        # Finishing changes the meeting and marks attendance: nobody moves through the
        # agenda, records the leader or marks a champion at the same moment.
        claim(con, "meeting", meeting_id)
        meeting = _meeting_row(con, meeting_id)
        _require_open(meeting, "it was finished before")
        claim_each(con, "attendance", [(meeting_id, team_id) for team_id in meeting["agenda"]])
        unmarked = con.execute(
            "UPDATE attendance SET present = false "
            "WHERE meeting_id = ? AND champion IS NOT NULL AND present IS NULL",
            [meeting_id],
        ).fetchone()[0]
        con.execute(
            "UPDATE meetings SET status = 'finished', finished_at = ?, "
            "leader_present = coalesce(leader_present, false) WHERE id = ?",
            [_now(), meeting_id],
        )
        audit.record(con, who, "meeting.finish", f"meeting {meeting_id}",
                     before={"status": "open"},
                     after={"status": "finished", "marked_absent": unmarked})  # fmt: skip
    presented = scalar(con, "SELECT count(*) FROM presented WHERE meeting_id = ?", [meeting_id])
    return (
        f"Meeting {meeting_id} ({meeting['held_on']}) finished: {presented} of "
        f"{len(meeting['agenda'])} teams presented."
    )


# ---------------------------------------------------------------------------- action items


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
    who: str,
) -> int:
    """Raise an action item for a team (in a meeting, or between meetings); return its id.

    It is raised on the meeting's date, or today. Refused when the team is unknown or
    retired, not on the meeting's agenda, the text or owner is empty, or the due date is
    before the day it is raised or more than 5 years after it.
    """
    found = _team(con, team)
    if not found["active"]:
        raise Conflict(f"{found['name']} is retired; bring it back before giving it actions.")
    value = _text(text, "action")
    who_owns = _text(owner, "owner", limit=MAX_SHORT)
    problem = _day_problem(due, "due date")
    if problem:
        _refuse(problem)
    raised_on = today_utc()
    if meeting_id is not None:
        meeting = _meeting_row(con, meeting_id)
        _on_agenda(meeting, found)
        raised_on = meeting["held_on"]
    if due < raised_on:
        _refuse(f"the due date {due} is before the day the action is raised ({raised_on})")
    if due > raised_on + dt.timedelta(days=365 * MAX_DUE_YEARS):
        _refuse(f"the due date {due} is more than {MAX_DUE_YEARS} years away; check the year")
    with transaction(con):
        action_id = scalar(
            con,
            """
            INSERT INTO action_items (team_id, meeting_id, text, owner, due, raised_on,
                                      created_at, created_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
            """,
            [found["id"], meeting_id, value, who_owns, due, raised_on, _now(), who],
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
    who: str,
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
        _refuse(f"unknown action status {status!r}; choose one of {', '.join(ACTION_STATUSES)}")
    with transaction(con):
        return _set_action_status(con, action_id, status, who, meeting_id, expected)


def _set_action_status(
    con: duckdb.DuckDBPyConnection,
    action_id: int,
    status: str,
    who: str,
    meeting_id: int | None,
    expected: str | None,
) -> str:
    """:func:`set_action_status`'s reading, checking and writing, in its transaction."""
    claim(con, "action", action_id)
    action = _action_row(con, action_id)
    closed_on = max(today_utc(), action["raised_on"])
    if meeting_id is not None:
        meeting = _meeting_row(con, meeting_id)
        if meeting["held_on"] < action["raised_on"]:
            _refuse(
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
    if status == OPEN:
        after = {"status": OPEN, "closed_on": None, "closed_in_meeting": None}
        closed_at = None
    else:
        after = {"status": status, "closed_on": closed_on, "closed_in_meeting": meeting_id}
        closed_at = _now()
    con.execute(
        "UPDATE action_items SET status = ?, closed_on = ?, closed_at = ?, "
        "closed_in_meeting = ? WHERE id = ?",
        [after["status"], after["closed_on"], closed_at, after["closed_in_meeting"], action_id],
    )
    audit.record(con, who, "action.status", f"action {action_id}", before=before,
                 after=after)  # fmt: skip
    words = {OPEN: "open again", DONE: "done", DROPPED: "dropped"}[status]
    return f"Action {action_id} ({action['team']}: {action['text']}) is {words}."


_ACTION_COLUMNS = """
    ai.id, t.name AS team, a.name AS area, ai.text, ai.owner, ai.due, ai.status,
    ai.meeting_id, m.held_on AS meeting_held_on, ai.raised_on, ai.closed_on,
    ai.closed_in_meeting, ai.created_by
"""


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
    day = as_of or today_utc()
    team_key = None if team is None else _team(con, team)["name_key"]
    _, keys = _scope(con, areas)
    found = rows(
        con,
        f"""
        SELECT {_ACTION_COLUMNS}, t.name_key
        FROM action_items ai JOIN teams t ON t.id = ai.team_id
        LEFT JOIN areas a ON a.id = t.area_id
        LEFT JOIN meetings m ON m.id = ai.meeting_id
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
        FROM action_items ai JOIN teams t ON t.id = ai.team_id
        LEFT JOIN areas a ON a.id = t.area_id
        LEFT JOIN meetings m ON m.id = ai.meeting_id
        WHERE ai.meeting_id = ?
        ORDER BY t.name_key, ai.id
        """,
        [meeting_id],
    )


# ---------------------------------------------------------------------------- the presenter view


def _notes(con: duckdb.DuckDBPyConnection, meeting_id: int, team_id: int) -> dict[str, Any]:
    found = rows(
        con,
        "SELECT kind, text, updated_at, updated_by FROM meeting_notes "
        "WHERE meeting_id = ? AND team_id = ?",
        [meeting_id, team_id],
    )
    return {r["kind"]: r for r in found}


def _previous_meeting(
    con: duckdb.DuckDBPyConnection, meeting: dict[str, Any], team_id: int
) -> dict[str, Any] | None:
    found = rows(
        con,
        """
        SELECT id, held_on FROM meetings
        WHERE list_contains(agenda, ?) AND (held_on < ? OR (held_on = ? AND id < ?))
        ORDER BY held_on DESC, id DESC LIMIT 1
        """,
        [team_id, meeting["held_on"], meeting["held_on"], meeting["id"]],
    )
    return found[0] if found else None


def _progress_index(
    con: duckdb.DuckDBPyConnection, day: dt.date, team: str | None = None
) -> dict[tuple[str, str], TeamMetricProgress]:
    """Progress toward targets as of the meeting, by (team name key, metric key)."""
    from ddq.progress import progress_for

    return {
        (name_key(p.team), p.metric.key): p
        for p in progress_for(con, team=team, today=day)
        if p.has_target
    }


def _better(metric: MetricDef, change: float | None) -> bool | None:
    if change is None or change == 0:
        return None
    return (change < 0) == metric.lower_is_better


def _shared_reads(con: duckdb.DuckDBPyConnection, meeting: dict[str, Any]) -> dict[str, Any]:
    """What every team's view of a meeting reads alike: read once for a whole summary."""
    return {"meeting": meeting, "catalog": catalog(con),
            "actions_raised": actions_raised(con, meeting["id"])}  # fmt: skip


def team_view(
    con: duckdb.DuckDBPyConnection,
    meeting_id: int,
    team: str,
    *,
    progress: dict[tuple[str, str], TeamMetricProgress] | None = None,
    shared: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the presenter view shows for one team of a meeting.

    - ``meeting_id``, ``held_on``, ``week`` (the latest complete week as of the meeting),
      ``team``, ``area``, ``position`` (0-based), ``presented``, ``champion``, ``present``;
    - ``metrics``: per metric the team reports, in catalog order: ``metric`` (its
      definition), key, label, week, value, previous (the week before), change, better
      (True, False, or None when unchanged or unknown), history (for a sparkline), and
      from its target, if any: target, due, status, reason;
    - ``notes``: kind -> text ("" when none), and ``notes_detail``: kind -> text,
      updated_at, updated_by;
    - ``open_actions``: the team's action items open as of the meeting, each with
      ``raised_here``; ``actions_raised``: those raised in this meeting, any status;
    - ``changes``, since the team's previous meeting: previous_meeting (id, held_on, or
      None), actions_closed (closed after it, up to this meeting), previous_notes (kind ->
      text), values (per metric: key, label, then (its value as of that meeting), now,
      change, better);
    - ``removed``: True for a place on the agenda whose team was deleted since (as undoing
      the import that created it does), which has nothing else to show.

    ``progress`` may pass :func:`_progress_index` computed once for many teams, and
    ``shared`` what :func:`_shared_reads` reads once for all teams of the meeting.
    """
    shared = shared or _shared_reads(con, get_meeting(con, meeting_id))
    meeting = shared["meeting"]
    gone = next((t for t in meeting["teams"] if t["removed"] and t["team"] == team), None)
    if gone is not None:
        return _removed_view(meeting, gone)
    found = _team(con, team)
    position = _on_agenda(meeting, found)
    entry = meeting["teams"][position]
    day = meeting["held_on"]
    if progress is None:  # a team retired since has its numbers shown, without statuses
        progress = _progress_index(con, day, team=found["name"]) if found["active"] else {}
    heads = (
        shared["headlines"][found["id"]]
        if "headlines" in shared
        else headlines(con, Scope(teams=(found["name"],)), shared["catalog"], today=day)
    )
    metric_rows = []
    for h in heads:
        m: MetricDef = h["metric"]
        change = None if h["vs_previous"] is None else h["vs_previous"].value
        p = progress.get((found["name_key"], m.key))
        metric_rows.append({
            "metric": m, "key": m.key, "label": m.label, "week": h["week"], "value": h["value"],
            "previous": h["previous"], "change": change, "better": _better(m, change),
            "history": h["history"],
            "target": None if p is None else p.target, "due": None if p is None else p.due,
            "status": None if p is None else p.status, "reason": None if p is None else p.reason,
        })  # fmt: skip
    detail = _notes(con, meeting_id, found["id"])
    opened = (
        [dict(a) for a in shared["open_actions"] if a["team"] == found["name"]]
        if "open_actions" in shared
        else open_actions(con, team=found["name"], as_of=day)
    )
    for a in opened:
        a["raised_here"] = a["meeting_id"] == meeting_id
    raised = [a for a in shared["actions_raised"] if a["team"] == found["name"]]

    previous = _previous_meeting(con, meeting, found["id"])
    changes: dict[str, Any] = {"previous_meeting": previous, "actions_closed": [],
                               "previous_notes": {}, "values": []}  # fmt: skip
    if previous is not None:
        changes["actions_closed"] = rows(
            con,
            f"""
            SELECT {_ACTION_COLUMNS}
            FROM action_items ai JOIN teams t ON t.id = ai.team_id
            LEFT JOIN areas a ON a.id = t.area_id
            LEFT JOIN meetings m ON m.id = ai.meeting_id
            WHERE ai.team_id = ? AND ai.closed_on > ? AND ai.closed_on <= ?
            ORDER BY ai.closed_on, ai.id
            """,
            [found["id"], previous["held_on"], day],
        )
        changes["previous_notes"] = {
            kind: r["text"] for kind, r in _notes(con, previous["id"], found["id"]).items()
        }
        then = {
            r["metric"]: r["value"]
            for r in rows(
                con,
                "SELECT metric, arg_max(value, week) AS value FROM metric_values "
                "WHERE team_id = ? AND week <= ? GROUP BY metric",
                [found["id"], latest_complete_week(previous["held_on"])],
            )
        }
        for r in metric_rows:
            before = then.get(r["key"])
            change = None if before is None else r["value"] - before
            changes["values"].append({
                "key": r["key"], "label": r["label"], "then": before, "now": r["value"],
                "change": change, "better": _better(r["metric"], change),
            })  # fmt: skip
    return {
        "meeting_id": meeting_id,
        "held_on": day,
        "week": latest_complete_week(day),
        "team": found["name"],
        "area": found["area"],
        "position": position,
        "presented": entry["presented"],
        "champion": entry["champion"],
        "present": entry["present"],
        "metrics": metric_rows,
        "notes": {kind: detail[kind]["text"] if kind in detail else "" for kind in NOTE_KINDS},
        "notes_detail": detail,
        "open_actions": opened,
        "actions_raised": raised,
        "changes": changes,
        "removed": False,
    }


def _removed_view(meeting: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """:func:`team_view` of an agenda place whose team was deleted since: nothing to show."""
    return {
        "meeting_id": meeting["id"], "held_on": meeting["held_on"],
        "week": latest_complete_week(meeting["held_on"]), "team": entry["team"], "area": None,
        "position": entry["position"], "presented": entry["presented"], "champion": None,
        "present": None, "metrics": [], "notes": dict.fromkeys(NOTE_KINDS, ""),
        "notes_detail": {}, "open_actions": [], "actions_raised": [],
        "changes": {"previous_meeting": None, "actions_closed": [], "previous_notes": {},
                    "values": []},
        "removed": True,
    }  # fmt: skip


def team_views(con: duckdb.DuckDBPyConnection, meeting_id: int) -> list[dict[str, Any]]:
    """:func:`team_view` of every place on the meeting's agenda, in agenda order.

    What the views share (the meeting, the catalog, progress, every team's headlines and
    open actions) is read once, so that a whole-program meeting of hundreds of teams costs
    a few small queries per team rather than a dashboard's worth each.
    """
    meeting = get_meeting(con, meeting_id)
    day = meeting["held_on"]
    progress = _progress_index(con, day)
    shared = _shared_reads(con, meeting)
    shared["headlines"] = team_headlines(con, meeting["agenda"], shared["catalog"], today=day)
    shared["open_actions"] = open_actions(con, as_of=day)
    return [
        team_view(con, meeting_id, t["team"], progress=progress, shared=shared)
        for t in meeting["teams"]
    ]


# ---------------------------------------------------------------------------- community health


def _overlaps(scope_areas: Sequence[str], keys: Sequence[str]) -> bool:
    """A meeting concerns the scope: it is the whole program's, or shares an area."""
    if not keys or not scope_areas:
        return True
    return bool({name_key(a) for a in scope_areas} & set(keys))


def community_health(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date | None = None,
    areas: Iterable[str] = (),
) -> dict[str, Any]:
    """How the community is doing, as of a day (default: today), for the areas' teams.

    - ``meetings``: the last HEALTH_MEETINGS meetings held on or before the day that
      concern the scope (whole-program ones, or sharing an area), newest first: id,
      held_on, scope, status, leader_present, leader_name; ``leader``: {meetings,
      marked, attended};
    - ``attendance``: per current champion of the scope's active teams, by name: champion,
      teams (they champion now), meetings (their last HEALTH_MEETINGS meetings, those
      their team was on the agenda of), marked (their attendance was marked), present,
      rate (present / marked; None before any);
    - ``not_presented``: active teams not presented for NOT_PRESENTED_WEEKS weeks or more,
      never presented first, then the longest ago: team, area, last_presented (a meeting's
      date, or None), weeks;
    - ``overdue``: action items open as of the day and past their due date (as
      :func:`open_actions`).
    """
    day = as_of or today_utc()
    names, keys = _scope(con, areas)
    held = rows(
        con,
        "SELECT id, held_on, scope_areas, status, leader_present, leader_name FROM meetings "
        "WHERE held_on <= ? ORDER BY held_on DESC, id DESC",
        [day],
    )
    recent = [m for m in held if _overlaps(m["scope_areas"], keys)][:HEALTH_MEETINGS]
    for m in recent:
        m["scope"] = scope_label(m.pop("scope_areas"))

    teams = _scope_teams(con, keys)
    champions: dict[str, dict[str, Any]] = {}
    for t in teams:
        if t["champion"]:
            entry = champions.setdefault(
                name_key(t["champion"]), {"champion": t["champion"], "teams": []}
            )
            entry["teams"].append(t["name"])
    marks = rows(
        con,
        """
        SELECT att.champion, m.id, m.held_on, att.present
        FROM attendance att JOIN meetings m ON m.id = att.meeting_id
        WHERE att.champion IS NOT NULL AND m.held_on <= ?
        """,
        [day],
    )
    per_meeting: dict[str, dict[tuple[dt.date, int], bool | None]] = {}
    for r in marks:
        key = name_key(r["champion"])
        if key not in champions:
            continue
        slot = per_meeting.setdefault(key, {})
        meeting_key = (r["held_on"], r["id"])
        was = slot.get(meeting_key)
        # A person who champions several teams attended if marked present for any.
        if was is True or r["present"] is True:
            slot[meeting_key] = True
        elif r["present"] is False or was is False:
            slot[meeting_key] = False
        else:
            slot[meeting_key] = None
    attendance = []
    for key in sorted(champions):
        last = sorted(per_meeting.get(key, {}).items(), reverse=True)[:HEALTH_MEETINGS]
        marked = [v for _, v in last if v is not None]
        present = sum(1 for v in marked if v)
        attendance.append({
            "champion": champions[key]["champion"], "teams": sorted(champions[key]["teams"],
                                                                    key=name_key),
            "meetings": len(last), "marked": len(marked), "present": present,
            "rate": present / len(marked) if marked else None,
        })  # fmt: skip

    last_shown = {
        r["team_id"]: r["last"]
        for r in rows(
            con,
            "SELECT p.team_id, max(m.held_on) AS last FROM presented p "
            "JOIN meetings m ON m.id = p.meeting_id WHERE m.held_on <= ? GROUP BY p.team_id",
            [day],
        )
    }
    not_presented = []
    for t in teams:
        last = last_shown.get(t["id"])
        if last is None or (day - last).days >= 7 * NOT_PRESENTED_WEEKS:
            not_presented.append({
                "team": t["name"], "area": t["area"], "last_presented": last,
                "weeks": None if last is None else (day - last).days // 7,
                "_key": (last is not None, last or day, t["name_key"]),
            })  # fmt: skip
    not_presented.sort(key=lambda r: r.pop("_key"))

    return {
        "as_of": day,
        "areas": names,
        "meetings": recent,
        "leader": {
            "meetings": len(recent),
            "marked": sum(1 for m in recent if m["leader_present"] is not None),
            "attended": sum(1 for m in recent if m["leader_present"]),
        },
        "attendance": attendance,
        "not_presented": not_presented,
        "overdue": [a for a in open_actions(con, as_of=day, areas=names) if a["overdue"]],
    }


# ---------------------------------------------------------------------------- the summary


def _indented(text: str, indent: str) -> str:
    """User text as given; its later lines indented so that they stay in the list item."""
    lines = text.split("\n")
    return "\n".join([lines[0], *[indent + line if line else "" for line in lines[1:]]])


def _metric_words(row: dict[str, Any], week: dt.date) -> str:
    m: MetricDef = row["metric"]
    words = f"{m.label} {text.number(row['value'], m.unit)}"
    details = []
    if row["week"] != week:
        details.append(f"week of {row['week']}")
    if row["change"] is None:
        details.append("no value the week before")
    elif row["change"] == 0:
        details.append("unchanged")
    else:
        details.append(text.change(row["change"], m.unit))
    if row["target"] is not None:
        target = text.number(row["target"], m.unit, exact=True)
        details.append(f"target {target} by {row['due']}: {row['status']}")
    return f"{words} ({'; '.join(details)})"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _action_words(action: dict[str, Any], day: dt.date) -> str:
    """An action item as of the meeting's day: closed by then (with how), or overdue."""
    words = f"#{action['id']} {action['text']} (owner {action['owner']}, due {action['due']}"
    if action["closed_on"] is not None and action["closed_on"] <= day:
        words += f", {action['status']}"
    elif action["due"] < day:
        words += f", {_days((day - action['due']).days)} overdue"
    return words + ")"


def summary_markdown(con: duckdb.DuckDBPyConnection, meeting_id: int) -> str:
    """The meeting in Markdown, to paste into the community's Slack channel.

    Attendance (present and absent champions, the leader), then per team in agenda order
    its headline numbers (value and change on the week before, and its target), what it is
    doing, the feedback wanted and given, the actions raised and those still open; then
    community health. Section titles are bold lines (Slack shows no headings). User text
    is written as given. Deterministic: the same database gives the same text.
    """
    from ddq.settings import current

    meeting = get_meeting(con, meeting_id)
    day = meeting["held_on"]
    week = latest_complete_week(day)
    program = current(con).get("program_name") or "Community"
    title = meeting["title"] or f"{program} meeting"
    out = [f"**{title}, {_DAY_NAMES[day.weekday()]} {day}**", ""]
    presented = sum(1 for t in meeting["teams"] if t["presented"])
    out.append(f"Scope: {meeting['scope']}. Agenda: {ORDER_WORDS[meeting['agenda_order']]}; "
               f"{presented} of {len(meeting['teams'])} teams presented.")  # fmt: skip
    if meeting["status"] == "open":
        out.append("The meeting is still open: this summary may change.")
    out.append("")

    out.append("**Attendance**")
    groups: dict[Any, list[str]] = {True: [], False: [], None: []}
    no_champion = []
    for t in meeting["teams"]:
        if t["champion"] is None:
            no_champion.append(t["team"])
        else:
            groups[t["present"]].append(f"{t['champion']} ({t['team']})")
    for flag, label in ((True, "Present"), (False, "Absent"), (None, "Not marked yet")):
        if groups[flag]:
            out.append(f"- {label} ({len(groups[flag])}): {', '.join(groups[flag])}")
    if no_champion:
        out.append(f"- No champion: {', '.join(no_champion)}")
    if meeting["leader_present"]:
        out.append(f"- Leader: {meeting['leader_name'] or 'a leader'} attended")
    elif meeting["leader_present"] is False:
        out.append("- Leader: no leader attended")
    else:
        out.append("- Leader: not marked yet")
    out.append("")

    progress = _progress_index(con, day)
    shared = _shared_reads(con, meeting)
    shared["headlines"] = team_headlines(con, meeting["agenda"], shared["catalog"], today=day)
    shared["open_actions"] = open_actions(con, as_of=day)  # every team's, in due-date order
    for t in meeting["teams"]:
        heading = f"**{t['team']}**"
        if t["area"]:
            heading += f" ({t['area']})"
        heading += f", champion {t['champion']}" if t["champion"] else ", no champion"
        if not t["presented"]:
            heading += ", not presented"
        out.append(heading)
        if t["removed"]:
            out.append("")
            continue
        view = team_view(con, meeting_id, t["team"], progress=progress, shared=shared)
        if view["metrics"]:
            numbers = ", ".join(_metric_words(r, week) for r in view["metrics"])
            out.append(f"- Numbers, week of {week}: {numbers}")
        else:
            out.append("- Numbers: none reported")
        for kind in NOTE_KINDS:
            if view["notes"][kind]:
                out.append(f"- {NOTE_LABELS[kind]}: {_indented(view['notes'][kind], '  ')}")
        if view["actions_raised"]:
            out.append("- Actions raised:")
            for a in view["actions_raised"]:
                words = _action_words(a, day)
                out.append(f"  - {_indented(words, '    ')}")
        carried = [a for a in view["open_actions"] if not a["raised_here"]]
        if carried:
            out.append("- Open actions:")
            for a in carried:
                words = _action_words(a, day)
                out.append(f"  - {_indented(words, '    ')}")
        closed = [a for a in view["changes"]["actions_closed"] if a["meeting_id"] != meeting_id]
        if closed:
            out.append("- Actions closed since the last meeting:")
            for a in closed:
                words = _action_words(a, day)
                out.append(f"  - {_indented(words, '    ')}")
        out.append("")

    health = community_health(con, as_of=day, areas=meeting["scope_areas"])
    out.append(f"**Community health** (as of {day})")
    if health["attendance"]:
        parts = []
        for a in health["attendance"]:
            if not a["meetings"]:
                parts.append(f"{a['champion']} no meeting yet")
            elif a["rate"] is None:
                parts.append(f"{a['champion']} not marked yet")
            else:
                parts.append(f"{a['champion']} {a['present']} of {a['marked']} ({a['rate']:.0%})")
        out.append(f"- Attendance, each champion's last {HEALTH_MEETINGS} meetings: "
                   f"{', '.join(parts)}")  # fmt: skip
    leader = health["leader"]
    words = f"- A leader attended {leader['attended']} of the last {leader['meetings']} meetings"
    if leader["meetings"] == 1:
        words = f"- A leader attended {leader['attended']} of the last 1 meeting"
    unmarked = leader["meetings"] - leader["marked"]
    out.append(words + (f" ({unmarked} not marked yet)" if unmarked else ""))
    if health["not_presented"]:
        parts = [
            f"{r['team']} (never)" if r["last_presented"] is None
            else f"{r['team']} ({r['weeks']} weeks, last {r['last_presented']})"
            for r in health["not_presented"]
        ]  # fmt: skip
        out.append(f"- Not presented for {NOT_PRESENTED_WEEKS}+ weeks: {', '.join(parts)}")
    else:
        out.append(f"- Not presented for {NOT_PRESENTED_WEEKS}+ weeks: none")
    if health["overdue"]:
        out.append("- Overdue actions:")
        for a in health["overdue"]:
            words = _action_words(a, day)
            out.append(f"  - {a['team']}: {_indented(words, '    ')}")
    else:
        out.append("- Overdue actions: none")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ finding a meeting or a team


def choose_meeting(
    listed: Sequence[dict[str, Any]],
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

    def in_scope(m: dict[str, Any]) -> bool:
        return not areas or sorted(name_key(a) for a in m["scope_areas"]) == wanted

    if meeting_id is not None:
        if not any(m["id"] == meeting_id for m in listed):
            raise NotFound(f"There is no meeting {meeting_id}; `ddq meeting list` shows them.")
        return meeting_id
    if day is None:
        held = [m for m in listed if m["held_on"] <= clock.today() and in_scope(m)]
        if not held:
            raise NotFound("No meeting has been held yet; start one with `ddq meeting start`.")
        return held[0]["id"]
    same_day = [m for m in listed if m["held_on"] == day and in_scope(m)]
    if not same_day:
        scope = f" for {scope_label(list(areas))}" if areas else ""
        raise NotFound(f"There is no meeting on {day}{scope}; `ddq meeting list` shows them.")
    if len(same_day) > 1:
        choices = "; ".join(f"meeting {m['id']}: {m['scope']}" for m in same_day)
        raise Conflict(f"{len(same_day)} meetings on {day} ({choices}); name one by its id "
                       "or its areas.")  # fmt: skip
    return same_day[0]["id"]


def meeting_named(listed: Sequence[dict[str, Any]], text: str) -> int:
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


def agenda_position(found: dict[str, Any], team: str) -> int:
    """The 0-based place on the meeting's agenda of ``team``: its name (case and spacing
    ignored) or its number on the agenda, from 1."""
    teams = found["teams"]
    by_name = [t["position"] for t in teams if name_key(t["team"]) == name_key(team)]
    if by_name:
        return by_name[0]
    text = team.strip()
    if text.isdigit() and 1 <= int(text) <= len(teams):
        return int(text) - 1
    guess = closest_name(team, [t["team"] for t in teams])
    hint = f" Did you mean {guess!r}?" if guess else ""
    raise NotFound(f"{team!r} is neither a team on this meeting's agenda nor its number "
                   f"(1 to {len(teams)}).{hint}")  # fmt: skip
