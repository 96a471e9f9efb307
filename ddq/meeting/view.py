"""What the presenter view shows for one team of a meeting: numbers, notes, actions, changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypedDict

from ddq import clock, progress
from ddq.db import rows
from ddq.meeting.actions import actions_closed_between, actions_raised, open_actions
from ddq.meeting.agenda import on_agenda
from ddq.meeting.notes import NOTE_KINDS, Note, notes_of
from ddq.meeting.records import AgendaEntry, Meeting, get_meeting
from ddq.metrics import MetricDef, catalog
from ddq.org import find_team, name_key
from ddq.trends import Scope, headlines, team_headlines

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
        for p in progress.progress_for(con, team=team, today=day)
        if p.has_target
    }


def shared_reads(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> dict[str, Any]:
    """What every team's view of a meeting reads alike: read once for a whole summary.

    Keys: meeting, catalog, actions_raised; and, when read once for every team,
    headlines (by team id) and open_actions (every team's).
    """
    return {"meeting": meeting, "catalog": catalog(con),
            "actions_raised": actions_raised(con, meeting["id"])}  # fmt: skip


def every_team_reads(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> dict[str, Any]:
    """:func:`shared_reads` with every team's headlines and open actions read at once."""
    day = meeting["held_on"]
    shared = shared_reads(con, meeting)
    shared["headlines"] = team_headlines(con, meeting["agenda"], shared["catalog"], today=day)
    shared["open_actions"] = open_actions(con, as_of=day)  # every team's, in due-date order
    return shared


def _previous_meeting(
    con: duckdb.DuckDBPyConnection, meeting: Meeting, team_id: int
) -> PreviousMeeting | None:
    found = rows(
        con,
        """
        SELECT id, held_on FROM meetings
        WHERE list_contains(agenda, ?) AND (held_on < ? OR (held_on = ? AND id < ?))
        ORDER BY held_on DESC, id DESC LIMIT 1
        """,
        [team_id, meeting["held_on"], meeting["held_on"], meeting["id"]],
    )
    return PreviousMeeting(id=found[0]["id"], held_on=found[0]["held_on"]) if found else None


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


def _changes(
    con: duckdb.DuckDBPyConnection,
    meeting: Meeting,
    team: Mapping[str, Any],
    metric_rows: list[MetricRow],
) -> Changes:
    """What changed for the team since its previous meeting, up to this one."""
    previous = _previous_meeting(con, meeting, team["id"])
    changes = Changes(previous_meeting=previous, actions_closed=[], previous_notes={}, values=[])
    if previous is None:
        return changes
    changes["actions_closed"] = actions_closed_between(
        con, team["id"], previous["held_on"], meeting["held_on"]
    )
    changes["previous_notes"] = {
        kind: r["text"] for kind, r in notes_of(con, previous["id"], team["id"]).items()
    }
    then = {
        r["metric"]: r["value"]
        for r in rows(
            con,
            "SELECT metric, arg_max(value, week) AS value FROM metric_values "
            "WHERE team_id = ? AND week <= ? GROUP BY metric",
            [team["id"], clock.latest_complete_week(previous["held_on"])],
        )
    }
    for r in metric_rows:
        before = then.get(r["key"])
        change = None if before is None else r["value"] - before
        changes["values"].append(ValueChange(
            key=r["key"], label=r["label"], then=before, now=r["value"], change=change,
            better=r["metric"].better(change),
        ))  # fmt: skip
    return changes


def team_view(
    con: duckdb.DuckDBPyConnection,
    meeting_id: int,
    team: str,
    *,
    progress: ProgressIndex | None = None,
    shared: dict[str, Any] | None = None,
) -> TeamView:
    """Everything the presenter view shows for one team of a meeting (see :class:`TeamView`).

    ``progress`` may pass :func:`progress_index` computed once for many teams, and
    ``shared`` what :func:`shared_reads` reads once for all teams of the meeting.
    """
    shared = shared or shared_reads(con, get_meeting(con, meeting_id))
    meeting: Meeting = shared["meeting"]
    gone = next((t for t in meeting["teams"] if t["removed"] and t["team"] == team), None)
    if gone is not None:
        return _removed_view(meeting, gone)
    found = find_team(con, team)
    position = on_agenda(meeting, found)
    entry = meeting["teams"][position]
    day = meeting["held_on"]
    if progress is None:  # a team retired since has its numbers shown, without statuses
        progress = progress_index(con, day, team=found["name"]) if found["active"] else {}
    heads = (
        shared["headlines"][found["id"]]
        if "headlines" in shared
        else headlines(con, Scope(teams=(found["name"],)), shared["catalog"], today=day)
    )
    metric_rows = _metric_rows(heads, progress, found["name_key"])
    detail = notes_of(con, meeting_id, found["id"])
    opened = (
        [dict(a) for a in shared["open_actions"] if a["team"] == found["name"]]
        if "open_actions" in shared
        else open_actions(con, team=found["name"], as_of=day)
    )
    for a in opened:
        a["raised_here"] = a["meeting_id"] == meeting_id
    raised = [a for a in shared["actions_raised"] if a["team"] == found["name"]]
    return TeamView(
        meeting_id=meeting_id,
        held_on=day,
        week=clock.latest_complete_week(day),
        team=found["name"],
        area=found["area"],
        position=position,
        presented=entry["presented"],
        champion=entry["champion"],
        present=entry["present"],
        metrics=metric_rows,
        notes={kind: detail[kind]["text"] if kind in detail else "" for kind in NOTE_KINDS},
        notes_detail=detail,
        open_actions=opened,
        actions_raised=raised,
        changes=_changes(con, meeting, found, metric_rows),
        removed=False,
    )


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


def team_views(con: duckdb.DuckDBPyConnection, meeting_id: int) -> list[TeamView]:
    """:func:`team_view` of every place on the meeting's agenda, in agenda order.

    What the views share (the meeting, the catalog, progress, every team's headlines and
    open actions) is read once, so that a whole-program meeting of hundreds of teams costs
    a few small queries per team rather than a dashboard's worth each.
    """
    meeting = get_meeting(con, meeting_id)
    index = progress_index(con, meeting["held_on"])
    shared = every_team_reads(con, meeting)
    return [
        team_view(con, meeting_id, t["team"], progress=index, shared=shared)
        for t in meeting["teams"]
    ]
