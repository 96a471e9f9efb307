"""What the presenter view shows for each team of a meeting: numbers, notes, actions, changes.

One team's view and every team's (the summary, the slide deck) are the same code: each part
is read for all the teams asked at once, so a whole-program meeting costs a few queries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from ddq import clock, progress
from ddq.db import rows
from ddq.meeting.actions import actions_closed_since, actions_raised, open_actions
from ddq.meeting.agenda import on_agenda
from ddq.meeting.notes import NOTE_KINDS, Note, notes_for
from ddq.meeting.records import AgendaEntry, Meeting, get_meeting
from ddq.metrics import MetricDef, catalog
from ddq.org import find_team, name_key
from ddq.trends import team_headlines

if TYPE_CHECKING:
    import duckdb

# Progress toward targets as of a meeting, by (team name key, metric key).
ProgressIndex = dict[tuple[str, str], progress.TeamMetricProgress]


class MetricRow(TypedDict):
    """One metric the team reports, as the presenter view shows it."""

    metric: MetricDef
    key: str
    label: str
    week: dt.date
    value: float
    previous: float | None  # the week before
    change: float | None
    better: bool | None  # None when unchanged or unknown
    history: Sequence[float | None]  # for a sparkline
    # From the team's target for the metric, if any:
    target: float | None
    due: dt.date | None
    status: str | None
    reason: str | None


class ValueChange(TypedDict):
    """A metric's value as of the team's previous meeting, and now."""

    key: str
    label: str
    then: float | None
    now: float
    change: float | None
    better: bool | None


class PreviousMeeting(TypedDict):
    id: int
    held_on: dt.date


class Changes(TypedDict):
    """What changed since the team's previous meeting."""

    previous_meeting: PreviousMeeting | None
    actions_closed: list[dict[str, Any]]  # closed after it, up to this meeting
    previous_notes: dict[str, str]  # kind -> text
    values: list[ValueChange]


class TeamView(TypedDict):
    """Everything the presenter view shows for one team of a meeting (:func:`team_view`)."""

    meeting_id: int
    held_on: dt.date
    week: dt.date  # the latest complete week as of the meeting
    team: str
    area: str | None
    position: int  # 0-based
    presented: bool
    champion: str | None
    present: bool | None
    metrics: list[MetricRow]  # per metric the team reports, in catalog order
    notes: dict[str, str]  # kind -> text ("" when none)
    notes_detail: dict[str, Note]  # kind -> the stored note
    # The team's action items open as of the meeting (each with ``raised_here``), and
    # those raised in this meeting, any status (as :func:`ddq.meeting.open_actions`).
    open_actions: list[dict[str, Any]]
    actions_raised: list[dict[str, Any]]
    changes: Changes
    # A place on the agenda whose team was deleted since (as undoing the import that
    # created it does): it has nothing else to show.
    removed: bool


def progress_index(
    con: duckdb.DuckDBPyConnection, day: dt.date, team: str | None = None
) -> ProgressIndex:
    """Progress toward targets as of the meeting, by (team name key, metric key)."""
    return {
        (name_key(p.team), p.metric.key): p
        for p in progress.progress_for(con, team=team, today=day, targets_only=True)
        if p.has_target
    }


def team_view(con: duckdb.DuckDBPyConnection, meeting_id: int, team: str) -> TeamView:
    """Everything the presenter view shows for one team of a meeting (see :class:`TeamView`)."""
    meeting = get_meeting(con, meeting_id)
    gone = next((t for t in meeting["teams"] if t["removed"] and t["team"] == team), None)
    if gone is not None:
        return _removed_view(meeting, gone)
    position = on_agenda(meeting, find_team(con, team))
    [view] = _views(con, meeting, [meeting["teams"][position]])
    return view


def team_views(con: duckdb.DuckDBPyConnection, meeting_id: int) -> list[TeamView]:
    """:func:`team_view` of every place on the meeting's agenda, in agenda order."""
    return agenda_views(con, get_meeting(con, meeting_id))


def agenda_views(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> list[TeamView]:
    """:func:`team_views` of a meeting already read (as :func:`get_meeting` gives it)."""
    return _views(con, meeting, meeting["teams"])


def _views(
    con: duckdb.DuckDBPyConnection, meeting: Meeting, entries: Sequence[AgendaEntry]
) -> list[TeamView]:
    """The views of these places on the agenda, each part read once for all of them.

    A whole-program meeting has hundreds of teams: what each view shows is read for every
    team at once (a few queries in all), never a query per team.
    """
    meeting_id, day = meeting["id"], meeting["held_on"]
    ids = [e["team_id"] for e in entries if not e["removed"]]
    teams = {t["id"]: t for t in rows(con, _TEAMS, [ids])}
    # Progress (and headlines) are followed for active teams only: a team retired since
    # stays on the agenda without them.
    active = [teams[i]["name"] for i in ids if teams[i]["active"]]
    one = active[0] if len(active) == 1 else None  # one team's view reads only its own
    index = progress_index(con, day, team=one) if active else {}
    heads = team_headlines(con, ids, catalog(con), today=day)
    opened = _by_team(open_actions(con, as_of=day))  # in due-date order
    raised = _by_team(actions_raised(con, meeting_id))
    previous = _previous_meetings(con, meeting, ids)
    notes = notes_for(con, [(meeting_id, i) for i in ids]
                      + [(p["id"], i) for i, p in previous.items()])  # fmt: skip
    closed = actions_closed_since(con, {i: p["held_on"] for i, p in previous.items()}, day)
    then = _values_as_of(con, {i: clock.latest_complete_week(p["held_on"])
                               for i, p in previous.items()})  # fmt: skip
    views = []
    for entry in entries:
        if entry["removed"]:
            views.append(_removed_view(meeting, entry))
            continue
        team = teams[entry["team_id"]]
        metric_rows = _metric_rows(heads[team["id"]], index, team["name_key"])
        detail = notes.get((meeting_id, team["id"]), {})
        mine = [dict(a) for a in opened.get(team["name"], [])]
        for a in mine:
            a["raised_here"] = a["meeting_id"] == meeting_id
        before = previous.get(team["id"])
        changes = Changes(previous_meeting=before, actions_closed=[], previous_notes={},
                          values=[])  # fmt: skip
        if before is not None:
            changes["actions_closed"] = closed.get(team["id"], [])
            changes["previous_notes"] = {
                kind: r["text"] for kind, r in notes.get((before["id"], team["id"]), {}).items()
            }
            changes["values"] = _value_changes(metric_rows, then.get(team["id"], {}))
        views.append(TeamView(
            meeting_id=meeting_id, held_on=day, week=clock.latest_complete_week(day),
            team=team["name"], area=team["area"], position=entry["position"],
            presented=entry["presented"], champion=entry["champion"], present=entry["present"],
            metrics=metric_rows,
            notes={kind: detail[kind]["text"] if kind in detail else "" for kind in NOTE_KINDS},
            notes_detail=detail, open_actions=mine,
            actions_raised=raised.get(team["name"], []),
            changes=changes, removed=False,
        ))  # fmt: skip
    return views


def _by_team(actions: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Action items by their team's name, each team's in the order given."""
    found: dict[str, list[dict[str, Any]]] = {}
    for a in actions:
        found.setdefault(a["team"], []).append(a)
    return found


_TEAMS = """
    SELECT t.id, t.name, t.name_key, t.active, a.name AS area
    FROM teams t LEFT JOIN areas a ON a.id = t.area_id
    WHERE t.id IN (SELECT unnest(?::INTEGER[]))
"""


def _previous_meetings(
    con: duckdb.DuckDBPyConnection, meeting: Meeting, team_ids: list[int]
) -> dict[int, PreviousMeeting]:
    """Each team's meeting before this one (the same day counts, if created earlier)."""
    found = rows(
        con,
        """
        WITH asked AS (SELECT unnest(?::INTEGER[]) AS team_id)
        SELECT asked.team_id, m.id, m.held_on
        FROM asked JOIN meetings m ON list_contains(m.agenda, asked.team_id)
        WHERE m.held_on < ? OR (m.held_on = ? AND m.id < ?)
        QUALIFY row_number() OVER (PARTITION BY asked.team_id
                                   ORDER BY m.held_on DESC, m.id DESC) = 1
        """,
        [team_ids, meeting["held_on"], meeting["held_on"], meeting["id"]],
    )
    return {r["team_id"]: PreviousMeeting(id=r["id"], held_on=r["held_on"]) for r in found}


def _values_as_of(
    con: duckdb.DuckDBPyConnection, until: dict[int, dt.date]
) -> dict[int, dict[str, float]]:
    """Per team id: each metric's latest value up to the team's week in ``until``."""
    found: dict[int, dict[str, float]] = {}
    for r in rows(
        con,
        """
        WITH asked AS (SELECT unnest(?::INTEGER[]) AS team_id, unnest(?::DATE[]) AS until)
        SELECT mv.team_id, mv.metric, arg_max(mv.value, mv.week) AS value
        FROM metric_values mv JOIN asked ON asked.team_id = mv.team_id AND mv.week <= asked.until
        GROUP BY mv.team_id, mv.metric
        """,
        [list(until), list(until.values())],
    ):
        found.setdefault(r["team_id"], {})[r["metric"]] = r["value"]
    return found


def _metric_rows(
    heads: Sequence[Mapping[str, Any]], index: ProgressIndex, team_key: str
) -> list[MetricRow]:
    out = []
    for h in heads:
        m: MetricDef = h["metric"]
        change = None if h["vs_previous"] is None else h["vs_previous"].value
        p = index.get((team_key, m.key))
        out.append(MetricRow(
            metric=m, key=m.key, label=m.label, week=h["week"], value=h["value"],
            previous=h["previous"], change=change, better=m.better(change),
            history=h["history"],
            target=None if p is None else p.target, due=None if p is None else p.due,
            status=None if p is None else p.status, reason=None if p is None else p.reason,
        ))  # fmt: skip
    return out


def _value_changes(metric_rows: list[MetricRow], then: dict[str, float]) -> list[ValueChange]:
    """Each metric's value as of the team's previous meeting, against now."""
    changes = []
    for r in metric_rows:
        before = then.get(r["key"])
        change = None if before is None else r["value"] - before
        changes.append(ValueChange(
            key=r["key"], label=r["label"], then=before, now=r["value"], change=change,
            better=r["metric"].better(change),
        ))  # fmt: skip
    return changes


def _removed_view(meeting: Meeting, entry: AgendaEntry) -> TeamView:
    """:func:`team_view` of an agenda place whose team was deleted since: nothing to show."""
    return TeamView(
        meeting_id=meeting["id"], held_on=meeting["held_on"],
        week=clock.latest_complete_week(meeting["held_on"]), team=entry["team"], area=None,
        position=entry["position"], presented=entry["presented"], champion=None,
        present=None, metrics=[], notes=dict.fromkeys(NOTE_KINDS, ""),
        notes_detail={}, open_actions=[], actions_raised=[],
        changes=Changes(previous_meeting=None, actions_closed=[], previous_notes={},
                        values=[]),
        removed=True,
    )  # fmt: skip
