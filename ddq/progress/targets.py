"""Setting, removing and listing targets, for one team or every team of an area.

Every change to a target is in the audit log, with the target it replaced.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

from ddq import audit, clock, text
from ddq.access import EDITOR, Actor, requires
from ddq.db import claim, claim_each, retry_on_conflict, rows, transaction
from ddq.errors import Conflict, DdqError, NotFound
from ddq.metrics import COUNT, DAYS, EARLIEST_WEEK, PERCENT, MetricDef
from ddq.org import name_key
from ddq.progress.baselines import (
    _BASELINES,
    _baseline_problem,
    _baseline_words,
    _effective_baselines,
)
from ddq.progress.names import _area, _metric, _team
from ddq.progress.status import _better_or_equal

if TYPE_CHECKING:
    import duckdb

# A due date further out than this is a typo, not a plan.
MAX_DUE_YEARS = 10


class InvalidTarget(DdqError):
    """A target, baseline or due date that ddq does not accept."""


class AreaTargetResult(TypedDict):
    """What :func:`adopt_area_target` did."""

    teams: list[str]  # the teams whose target was set
    already: list[str]  # of all of them, those at or beyond it from their baseline
    unchanged: list[str]  # those that already had exactly this target
    message: str


class TargetRow(TypedDict):
    """One target as :func:`targets` lists it."""

    team: str
    area: str | None
    active: bool
    metric: str  # its key
    label: str
    unit: str | None
    baseline: float | None  # effective; None when not known yet
    baseline_source: str  # in words
    baseline_value: float | None  # as set by hand
    baseline_from: dt.date | None
    baseline_to: dt.date | None
    target: float
    due: dt.date
    set_at: dt.datetime
    set_by: str


def unit_problem(metric: MetricDef, value: float, what: str) -> str | None:
    """Why ``value`` cannot be a target or baseline of ``metric`` (None when it can)."""
    if not math.isfinite(value):
        return f"the {what} must be a number"
    if metric.unit in (COUNT, DAYS) and value < 0:
        unit = "a count" if metric.unit == COUNT else "a number of days"
        return f"the {what} {text.number(value, exact=True)} is below 0, and {metric.key} is {unit}"
    if metric.unit == PERCENT and not 0 <= value <= 100:
        return (f"the {what} {text.number(value, exact=True)} is outside 0 to 100, and "
                f"{metric.key} is a percentage")  # fmt: skip
    return None


def _due_problem(due: dt.date, today: dt.date) -> str | None:
    if due < today:
        return f"the due date {due} is in the past: choose {today} or later"
    if due > today + dt.timedelta(days=365 * MAX_DUE_YEARS):
        return f"the due date {due} is more than {MAX_DUE_YEARS} years away; check the year"
    return None


def quarter_after(day: dt.date) -> dt.date:
    """The last day of the quarter after ``day``'s: a due date far enough for a trend to show."""
    quarter = (day.month - 1) // 3 + 2  # the quarter after the next one, counted from 0
    starts = dt.date(day.year + quarter // 4, quarter % 4 * 3 + 1, 1)
    return starts - dt.timedelta(days=1)


def _period_problem(period: tuple[dt.date, dt.date], today: dt.date) -> str | None:
    first, last = period
    if first > last:
        return f"the baseline period starts ({first}) after it ends ({last})"
    if last > today:
        return f"the baseline period ends in the future ({last}); a baseline is what was measured"
    if first < EARLIEST_WEEK:
        return f"the baseline period starts before {EARLIEST_WEEK}; check the year"
    return None


def _refuse(problems: list[str]) -> None:
    if problems:
        text = "; ".join(problems)
        raise InvalidTarget(text[0].upper() + text[1:] + ".")


def _named(m: MetricDef) -> str:
    """The metric's label inside a sentence: ``median days to resolve critical``."""
    return m.label[:1].lower() + m.label[1:] if m.label[1:2].islower() else m.label


def _amount(m: MetricDef, value: float) -> str:
    """A target with its unit, as a sentence says it: ``5 days``, ``95%``, ``12``."""
    return text.number(value, m.unit, exact=True)


def _stored(con: duckdb.DuckDBPyConnection, team_id: int, metric: str) -> dict[str, Any] | None:
    found = rows(
        con,
        "SELECT baseline, baseline_from, baseline_to, target, due FROM targets "
        "WHERE team_id = ? AND metric = ?",
        [team_id, metric],
    )
    return found[0] if found else None


def _upsert(
    con: duckdb.DuckDBPyConnection, team_id: int, metric: str, values: dict[str, Any], who: Actor
) -> None:
    con.execute(
        """
        INSERT INTO targets (team_id, metric, baseline, baseline_from, baseline_to, target, due,
                             set_at, set_by)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (team_id, metric) DO UPDATE SET
            baseline = excluded.baseline, baseline_from = excluded.baseline_from,
            baseline_to = excluded.baseline_to, target = excluded.target, due = excluded.due,
            set_at = excluded.set_at, set_by = excluded.set_by
        """,
        [team_id, metric, values["baseline"], values["baseline_from"], values["baseline_to"],
         values["target"], values["due"], clock.now(), who],
    )  # fmt: skip


@requires(EDITOR, "set a target")
@retry_on_conflict
def set_target(
    con: duckdb.DuckDBPyConnection,
    team: str,
    metric: str,
    *,
    target: float,
    due: dt.date,
    who: Actor,
    baseline: float | None = None,
    baseline_period: tuple[dt.date, dt.date] | None = None,
    today: dt.date | None = None,
) -> str:
    """Set (or change) a team's target for a metric; return what happened, in words.

    ``baseline`` sets the starting value by hand; ``baseline_period`` (first, last day)
    makes it the mean of the values reported in those weeks; with neither it is the mean
    of the team's first BASELINE_WEEKS reported weeks. Refused, with every reason, when the
    team or metric is unknown, the team is retired, the due date has passed, a value is
    outside what the metric can take, or the target is worse than the baseline (a target
    equal to the baseline means holding the line, and is accepted). The form sets a
    target afresh rather than editing the stored one, so the last one set stands; the
    audit log records each with the target it replaced.
    """
    day = today or clock.today()
    found = _team(con, team)
    m = _metric(con, metric)
    if not found["active"]:
        raise Conflict(f"{found['name']} is retired; bring it back before setting a target.")
    target = float(target)
    problems = [p for p in (unit_problem(m, target, "target"), _due_problem(due, day)) if p]
    if baseline is not None and baseline_period is not None:
        problems.append("give a baseline value or a baseline period, not both")
    if baseline is not None:
        baseline = float(baseline)
        problems += [p for p in [unit_problem(m, baseline, "baseline")] if p]
    if baseline_period is not None:
        problems += [p for p in [_period_problem(baseline_period, day)] if p]
    _refuse(problems)
    period = baseline_period or (None, None)
    values = {"baseline": baseline, "baseline_from": period[0], "baseline_to": period[1],
              "target": target, "due": due}  # fmt: skip
    effective = _effective_baselines(
        con, [(found["id"], m.key, baseline, period[0], period[1])], clock.latest_complete_week(day)
    )[(found["id"], m.key)]
    start = effective["effective_baseline"]
    if start is None and baseline_period is not None:
        _refuse([_baseline_problem({**values, **effective})])
    target_words, start_words = text.numbers([target, start], m.unit, exact=[True])
    if start is not None and not _better_or_equal(m, target, start):
        better, side = ("lower", "below") if m.lower_is_better else ("higher", "above")
        _refuse([
            f"the target {target_words} is worse than the baseline {start_words} "
            f"({_baseline_words({**values, **effective})}): {better} is better for {m.key}, "
            f"so the target must be {side} the baseline, or equal to it to hold the line"
        ])  # fmt: skip
    with transaction(con):
        claim(con, "target", found["id"], m.key)
        before = _stored(con, found["id"], m.key)
        if before == values:
            return (f"{found['name']} already has this target for {_named(m)}: "
                    f"{_amount(m, target)} by {due}.")  # fmt: skip
        _upsert(con, found["id"], m.key, values, who)
        audit.record(con, who, "target.set", found["name"],
                     before=None if before is None else {"metric": m.key, **before},
                     after={"metric": m.key, **values})  # fmt: skip
    if start is None:
        base = "the baseline is not known yet: it will be the mean of the first 4 reported weeks"
    else:
        base = f"baseline {start_words}, {_baseline_words({**values, **effective})}"
    verb = "changed" if before else "set"
    return (f"Target for {_named(m)} {verb} for {found['name']}: {target_words} by {due} "
            f"({base}).")  # fmt: skip


@requires(EDITOR, "remove a target")
@retry_on_conflict
def remove_target(con: duckdb.DuckDBPyConnection, team: str, metric: str, *, who: Actor) -> str:
    """Remove a team's target for a metric (the audit log keeps what it was)."""
    found = _team(con, team)
    m = _metric(con, metric)
    with transaction(con):
        claim(con, "target", found["id"], m.key)
        before = _stored(con, found["id"], m.key)
        if before is None:
            return f"{found['name']} has no target for {m.key}."
        con.execute("DELETE FROM targets WHERE team_id = ? AND metric = ?", [found["id"], m.key])
        audit.record(con, who, "target.remove", found["name"], before={"metric": m.key, **before})
    return (
        f"Target for {found['name']}, {m.key} removed (it was "
        f"{text.number(before['target'], m.unit, exact=True)} by "
        f"{before['due']})."
    )


@requires(EDITOR, "set an area's targets")
@retry_on_conflict
def adopt_area_target(
    con: duckdb.DuckDBPyConnection,
    area: str,
    metric: str,
    *,
    target: float,
    due: dt.date,
    who: Actor,
    teams: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> AreaTargetResult:
    """Give every active team of an area (or the named ``teams`` in it) the same target.

    One transaction: every team gets it, or none does. A team keeps how its baseline is
    measured (a value or period it set before; else the default). A team whose baseline is
    already at or beyond the area's target gets it too (it shows as achieved while it holds
    the line). Returns ``teams`` (names set), ``already`` (those at or beyond it from the
    start), ``unchanged`` and a ``message``.
    """
    day = today or clock.today()
    found_area = _area(con, area)
    m = _metric(con, metric)
    target = float(target)
    _refuse([p for p in (unit_problem(m, target, "target"), _due_problem(due, day)) if p])
    with transaction(con):
        return _adopt_area_target(con, found_area, m, target, due, who, teams, day)


def _adopt_area_target(
    con: duckdb.DuckDBPyConnection,
    found_area: dict[str, Any],
    m: MetricDef,
    target: float,
    due: dt.date,
    who: Actor,
    teams: Iterable[str] | None,
    day: dt.date,
) -> AreaTargetResult:
    """:func:`adopt_area_target`'s reading, checking and writing, in its transaction."""
    members = rows(
        con,
        """
        SELECT t.id, t.name, t.name_key, tg.baseline, tg.baseline_from, tg.baseline_to,
               tg.target, tg.due
        FROM teams t LEFT JOIN targets tg ON tg.team_id = t.id AND tg.metric = ?
        WHERE t.active AND t.area_id = ? ORDER BY t.name_key
        """,
        [m.key, found_area["id"]],
    )
    if teams is not None:
        keys = {name_key(t): t for t in teams}
        known = {r["name_key"] for r in members}
        strangers = [name for key, name in keys.items() if key not in known]
        if strangers:
            raise NotFound(
                f"Not active teams of {found_area['name']}: {', '.join(strangers)}. Its teams: "
                f"{', '.join(r['name'] for r in members) or 'none'}."
            )
        members = [r for r in members if r["name_key"] in keys]
    if not members:
        raise NotFound(f"{found_area['name']} has no active teams to set a target for.")
    baselines = _effective_baselines(
        con,
        [(r["id"], m.key, r["baseline"], r["baseline_from"], r["baseline_to"]) for r in members],
        clock.latest_complete_week(day),
    )
    done: list[str] = []
    already: list[str] = []
    unchanged: list[str] = []
    claim_each(con, "target", [(r["id"], m.key) for r in members])
    for r in members:
        values = {"baseline": r["baseline"], "baseline_from": r["baseline_from"],
                  "baseline_to": r["baseline_to"], "target": target, "due": due}  # fmt: skip
        start = baselines[(r["id"], m.key)]["effective_baseline"]
        if start is not None and _better_or_equal(m, start, target):
            already.append(r["name"])
        before = None if r["target"] is None else {
            k: r[k] for k in ("baseline", "baseline_from", "baseline_to", "target", "due")
        }  # fmt: skip
        if before == values:
            unchanged.append(r["name"])
            continue
        _upsert(con, r["id"], m.key, values, who)
        audit.record(con, who, "target.set", r["name"],
                     before=None if before is None else {"metric": m.key, **before},
                     after={"metric": m.key, "area_wide": found_area["name"], **values})  # fmt: skip
        done.append(r["name"])
    everyone = f"{len(members)} {found_area['name']} team{'' if len(members) == 1 else 's'}"
    if not done:
        message = f"The {everyone} already had this target for {_named(m)}"
    elif unchanged:
        message = (f"Target for {_named(m)} set for {len(done)} of the {everyone} "
                   f"({len(unchanged)} already had it)")  # fmt: skip
    else:
        message = f"Target for {_named(m)} set for the {everyone}"
    message += f": {_amount(m, target)} by {due}"
    if already:
        message += f"; already at or beyond it from their baseline: {', '.join(already)}"
    return {"teams": done, "already": already, "unchanged": unchanged, "message": message + "."}


@dataclass(frozen=True)
class TargetDraft:
    """What a target form starts from, before the person changes anything."""

    target: float | None  # None: nothing to start from, so the person types it
    due: dt.date


def target_draft(
    con: duckdb.DuckDBPyConnection,
    metric: str,
    *,
    team: str | None = None,
    area: str | None = None,
    today: dt.date | None = None,
) -> TargetDraft:
    """Where a form setting ``team``'s (or every team of ``area``'s) target should start.

    The target the team has for the metric, or that every active team of the area shares;
    else none, never a made-up number. Its due date when that is still ahead, else the end
    of the next quarter (a date today would leave no time for a trend to show).
    """
    day = today or clock.today()
    m = _metric(con, metric)
    if team is not None:
        stored = rows(con, "SELECT target, due FROM targets WHERE team_id = ? AND metric = ?",
                      [_team(con, team)["id"], m.key])  # fmt: skip
    elif area is not None:
        stored = rows(
            con,
            "SELECT DISTINCT tg.target, tg.due FROM teams t LEFT JOIN targets tg "
            "ON tg.team_id = t.id AND tg.metric = ? WHERE t.active AND t.area_id = ?",
            [m.key, _area(con, area)["id"]],
        )
    else:
        stored = []
    if len(stored) != 1 or stored[0]["target"] is None:
        return TargetDraft(None, quarter_after(day))
    due = stored[0]["due"]
    return TargetDraft(stored[0]["target"], due if due > day else quarter_after(day))


def targets(
    con: duckdb.DuckDBPyConnection,
    team: str | None = None,
    area: str | None = None,
    *,
    today: dt.date | None = None,
) -> list[TargetRow]:
    """Every target (of a team, or an area's teams), sorted by area, team and metric."""
    if team is not None:
        _team(con, team)
    if area is not None:
        _area(con, area)
    found = rows(
        con,
        f"""
        WITH wanted AS (
            SELECT tg.*, t.name AS team, t.name_key, t.active, a.name AS area,
                   a.name_key AS area_key
            FROM targets tg JOIN teams t ON t.id = tg.team_id
            LEFT JOIN areas a ON a.id = t.area_id
            WHERE ($team::VARCHAR IS NULL OR t.name_key = $team)
              AND ($area::VARCHAR IS NULL OR a.name_key = $area)
        ),
        {_BASELINES}
        SELECT w.*, b.effective_baseline, b.baseline_points, b.baseline_first_week,
               b.baseline_last_week, d.label, d.unit, d.position
        FROM wanted w JOIN baselines b ON b.team_id = w.team_id AND b.metric = w.metric
        LEFT JOIN metric_defs d ON d.key = w.metric
        ORDER BY w.area_key NULLS LAST, w.name_key, d.position, w.metric
        """,
        {"team": None if team is None else name_key(team),
         "area": None if area is None else name_key(area),
         "last": clock.latest_complete_week(today)},
    )  # fmt: skip
    return [
        {
            "team": r["team"],
            "area": r["area"],
            "active": r["active"],
            "metric": r["metric"],
            "label": r["label"] or r["metric"],
            "unit": r["unit"],
            "baseline": r["effective_baseline"],
            "baseline_source": _baseline_words(r),
            "baseline_value": r["baseline"],
            "baseline_from": r["baseline_from"],
            "baseline_to": r["baseline_to"],
            "target": r["target"],
            "due": r["due"],
            "set_at": r["set_at"],
            "set_by": r["set_by"],
        }
        for r in found
    ]
