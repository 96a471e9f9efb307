"""Targets per team and metric, and each team's progress toward them.

A target says where a team's metric started (the *baseline*), where it should be (the
*target*) and by when (the *due* date). The baseline is a value set by hand, the mean of a
chosen period, or by default the mean of the team's first 4 reported weeks of the metric;
the last two are computed when read, so a later import of older weeks moves them. Every
change to a target is in the audit log.

Progress, per team and metric, as of the latest complete week:

- *current level*: the mean of the last 4 reported weeks (a single week is too noisy);
- *share*: how much of the way from baseline to target the current level has come (0 at
  the baseline, 1 at the target; negative when it is worse than the baseline);
- *slope*: the Theil-Sen estimate over the last 12 weeks, in units per week: the median of
  the slopes between every pair of reported weeks, so one odd week does not swing it;
- *weeks left*: from the middle of the 4 weeks behind the current level to the due date (at
  least 1), so that a steady line that meets the target on the due date projects onto it;
- *needed pace*: (target - current level) / weeks left, in units per week;
- *projection*: current level + slope x weeks left.

The status, decided in this order (the constants are below):

1. ``no data``: fewer than MIN_WEEKS of the last SLOPE_WEEKS weeks reported, nothing
   reported in the last CURRENT_WEEKS weeks, or no baseline yet (the default one needs
   BASELINE_WEEKS reported weeks; a chosen period needs a reported week in it).
2. ``achieved``: the current level has reached the target (at or below it when lower is
   better, at or above it when higher is better).
3. ``off track`` (missed the due date): the due date has passed and the target is not reached.
4. ``on track``: the trend is clear and goes the good way at least as fast as the needed
   pace, that is, the projection reaches the target by the due date.
5. ``at risk``: improving, but slower than needed: the trend is clear and the slope goes
   the good way at FLAT_SHARE of the needed pace or more.
6. ``off track``: flat or worsening: the slope goes the wrong way, is zero, is less than
   FLAT_SHARE of the needed pace (at that pace the team would close less than a tenth of
   the remaining gap by the due date), or the trend is not clear.

A trend is *clear* when, of the pairs of weeks (among the last SLOPE_WEEKS) whose values
differ, at least TREND_AGREEMENT go the good way; noise alone gives about half. Without it
a flat, noisy team would swing between "at risk" and "off track" from week to week.
Both thresholds are scale-free: the first compares a team with its own goal, the second
with its own noise, whatever the metric's unit.

A team's metrics without a target show as ``no target``, so a page can call them out.
Besides the status: weeks since the last improvement signal on the team's own XmR chart of
the last XMR_WEEKS weeks (its baseline: the team's first XMR_BASELINE_WEEKS weeks in them).

Everything is read in a few set-based queries (targets with their baselines, the weekly
values of the last XMR_WEEKS weeks of every targeted series, the metrics reported without a
target) and computed with numpy over all series at once. At 500 teams x 260 weeks with 3
targets each, an area (about 23 teams) takes about 25 ms warm, the organisation about 110 ms.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from ddq import audit, clock, text, xmr
from ddq.access import EDITOR, requires
from ddq.db import claim, claim_each, retry_on_conflict, rows, transaction
from ddq.errors import Conflict, DdqError, NotFound
from ddq.metrics import (
    COUNT,
    DAYS,
    EARLIEST_WEEK,
    PERCENT,
    MetricDef,
    catalog,
    fold_name,
    today_utc,
)
from ddq.org import closest_name, find_own_team, name_key
from ddq.trends import latest_complete_week

if TYPE_CHECKING:
    import duckdb

# Statuses, in the order a meeting looks at them.
OFF_TRACK = "off track"
AT_RISK = "at risk"
NO_DATA = "no data"
ON_TRACK = "on track"
ACHIEVED = "achieved"
NO_TARGET = "no target"
STATUSES = (OFF_TRACK, AT_RISK, NO_DATA, ON_TRACK, ACHIEVED, NO_TARGET)
# Better statuses rank higher; "no data" and "no target" are neither better nor worse.
_RANK = {OFF_TRACK: 1, AT_RISK: 2, ON_TRACK: 3, ACHIEVED: 4}

# The default baseline: the mean of a team's first reported weeks of the metric.
BASELINE_WEEKS = 4
# The current level: the mean of the last reported weeks (one week is too noisy).
CURRENT_WEEKS = 4
# The slope looks at this many weeks: a quarter, long enough to see a trend through noise.
SLOPE_WEEKS = 12
# Reported weeks among the last SLOPE_WEEKS needed for a status: half of them.
MIN_WEEKS = 6
# A slope in the good direction below this share of the needed pace counts as flat.
FLAT_SHARE = 0.1
# A trend is clear when, of the pairs of weeks among the last SLOPE_WEEKS whose values
# differ, at least this share go the good way (noise alone gives about half).
TREND_AGREEMENT = 2 / 3
# Weeks of values behind each row's sparkline.
HISTORY_WEEKS = 26
# The XmR chart behind "weeks since the last improvement signal": the last year, with the
# limits from the team's first 20 weeks in it, from its first reported one (as the Trends
# page's default baseline: the first half of the window, at most 20 weeks).
XMR_WEEKS = 52
XMR_BASELINE_WEEKS = 20
# A due date further out than this is a typo, not a plan.
MAX_DUE_YEARS = 10

STATUS_RULES = f"""\
**Current level**: the mean of the last {CURRENT_WEEKS} reported weeks, up to the latest \
complete week. **Baseline**: set by hand, the mean of a chosen period, or by default the \
mean of the team's first {BASELINE_WEEKS} reported weeks. **Slope**: the median of the \
slopes between every pair of reported weeks among the last {SLOPE_WEEKS} (Theil-Sen), in \
units per week: one odd week does not swing it. **Needed pace**: (target - current level) \
/ weeks left to the due date. **Projection**: current level + slope x weeks left.

The status, checked in this order:

- **No data**: fewer than {MIN_WEEKS} of the last {SLOPE_WEEKS} weeks reported, nothing \
reported in the last {CURRENT_WEEKS} weeks, or no baseline yet.
- **Achieved**: the current level has reached the target (at or below it when lower is \
better, at or above it when higher is better).
- **Off track, missed the due date**: the due date has passed and the target is not reached.
- **On track**: the trend is clear and at least as fast as the needed pace: the \
projection reaches the target by the due date.
- **At risk**: improving, but slower than needed: a clear trend the good way, at least \
{FLAT_SHARE:.0%} of the needed pace.
- **Off track**: flat or worsening: the slope goes the wrong way, is zero, is under \
{FLAT_SHARE:.0%} of the needed pace, or the trend is not clear.

A trend is **clear** when, of the pairs of weeks among the last {SLOPE_WEEKS} whose values \
differ, at least {TREND_AGREEMENT:.0%} go the good way (noise alone gives about half).

**Weeks since the last improvement signal**: on the team's own XmR chart of the last \
{XMR_WEEKS} weeks (limits from its first {XMR_BASELINE_WEEKS} weeks in them), how long ago \
a week was a signal in the good direction (outside the limits, or in a run of \
{xmr.RUN_LENGTH} on the good side of the centre line).
"""


class InvalidTarget(DdqError):
    """A target, baseline or due date that ddq does not accept."""


# ---------------------------------------------------------------------------- numbers


def theil_sen(xs: Sequence[float], ys: Sequence[float | None]) -> float | None:
    """The median of the slopes between every pair of points (None for fewer than two).

    Points whose y is None are left out. Robust: up to about 29% of the points can be
    wild without moving the estimate far, where a least-squares line follows every outlier.
    """
    points = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None and not math.isnan(y)]
    slopes = sorted(
        (y2 - y1) / (x2 - x1)
        for i, (x1, y1) in enumerate(points)
        for x2, y2 in points[i + 1 :]
        if x2 != x1
    )
    if not slopes:
        return None
    middle = len(slopes) // 2
    return slopes[middle] if len(slopes) % 2 else (slopes[middle - 1] + slopes[middle]) / 2


def _good_sign(metric: MetricDef) -> int:
    return -1 if metric.lower_is_better else 1


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


def _better_or_equal(metric: MetricDef, value: float, than: float) -> bool:
    """``value`` is at least as good as ``than`` for the metric's direction."""
    tolerance = 1e-9 * max(1.0, abs(than))
    if metric.lower_is_better:
        return value <= than + tolerance
    return value >= than - tolerance


# ---------------------------------------------------------------------------- lookups


_team = find_own_team  # one lookup for every module: see ddq.org.find_own_team


def _area(con: duckdb.DuckDBPyConnection, area: str) -> dict[str, Any]:
    found = rows(con, "SELECT id, name FROM areas WHERE name_key = ?", [name_key(area)])
    if not found:
        guess = closest_name(area, [r["name"] for r in rows(con, "SELECT name FROM areas")])
        hint = f" Did you mean {guess!r}?" if guess else ""
        raise NotFound(f"There is no area {area!r}.{hint}")
    return found[0]


def _metric(con: duckdb.DuckDBPyConnection, metric: str) -> MetricDef:
    """The metric named by its key or its label (case, spaces, ``_`` and ``-`` folded)."""
    known = catalog(con)
    wanted = fold_name(metric)
    for m in known:
        if wanted in (fold_name(m.key), fold_name(m.label)):
            return m
    guess = closest_name(metric.replace("_", " "), [m.key.replace("_", " ") for m in known])
    hint = f" Did you mean {guess.replace(' ', '_')!r}?" if guess else ""
    raise NotFound(
        f"There is no metric {metric!r}.{hint} Known metrics: {', '.join(m.key for m in known)}."
    )


# ---------------------------------------------------------------------------- baselines

# Effective baselines of the (team_id, metric, baseline, baseline_from, baseline_to) rows of
# a CTE named ``wanted``: the value set by hand, else the mean of the chosen period, else the
# mean of the first BASELINE_WEEKS reported weeks up to $last (None with fewer).
_BASELINES = f"""
    firsts AS (
        SELECT w.team_id, w.metric, min_by(mv.value, mv.week, {BASELINE_WEEKS}) AS vals,
               min(mv.week) AS first_week, list_max(min_by(mv.week, mv.week, {BASELINE_WEEKS}))
               AS last_week
        FROM wanted w JOIN metric_values mv ON mv.team_id = w.team_id AND mv.metric = w.metric
        WHERE w.baseline IS NULL AND w.baseline_from IS NULL AND mv.week <= $last
        GROUP BY w.team_id, w.metric
    ),
    periods AS (
        SELECT w.team_id, w.metric, avg(mv.value) AS mean, count(*) AS n
        FROM wanted w JOIN metric_values mv ON mv.team_id = w.team_id AND mv.metric = w.metric
             AND mv.week BETWEEN w.baseline_from AND w.baseline_to
        WHERE w.baseline IS NULL AND w.baseline_from IS NOT NULL
        GROUP BY w.team_id, w.metric
    ),
    baselines AS (
        SELECT w.team_id, w.metric,
               CASE WHEN w.baseline IS NOT NULL THEN w.baseline
                    WHEN w.baseline_from IS NOT NULL THEN p.mean
                    WHEN len(f.vals) >= {BASELINE_WEEKS} THEN list_avg(f.vals) END
               AS effective_baseline,
               coalesce(len(f.vals), p.n, 0) AS baseline_points,
               f.first_week AS baseline_first_week, f.last_week AS baseline_last_week
        FROM wanted w
        LEFT JOIN firsts f ON f.team_id = w.team_id AND f.metric = w.metric
        LEFT JOIN periods p ON p.team_id = w.team_id AND p.metric = w.metric
    )
"""


def _baseline_words(row: dict[str, Any]) -> str:
    """Where a target's baseline comes from, in words."""
    if row["baseline"] is not None:
        return "set by hand"
    if row["baseline_from"] is not None:
        return f"mean of {row['baseline_from']} to {row['baseline_to']}"
    if row.get("effective_baseline") is not None:
        return (
            f"mean of the first {BASELINE_WEEKS} reported weeks "
            f"({row['baseline_first_week']} to {row['baseline_last_week']})"
        )
    return f"mean of the first {BASELINE_WEEKS} reported weeks"


def _baseline_problem(row: dict[str, Any]) -> str:
    """Why a target has no effective baseline."""
    if row["baseline_from"] is not None:
        return f"no baseline: nothing reported from {row['baseline_from']} to {row['baseline_to']}"
    return (
        f"no baseline yet: {row['baseline_points'] or 0} of the first {BASELINE_WEEKS} "
        "weeks reported"
    )


def _effective_baselines(
    con: duckdb.DuckDBPyConnection,
    wanted: list[tuple[int, str, float | None, dt.date | None, dt.date | None]],
    last: dt.date,
) -> dict[tuple[int, str], dict[str, Any]]:
    """Effective baselines for (team_id, metric, baseline, from, to) tuples, by (team_id, metric)."""
    if not wanted:
        return {}
    columns = list(zip(*wanted, strict=True))
    found = rows(
        con,
        f"""
        WITH wanted AS (
            SELECT unnest($team_ids::INTEGER[]) AS team_id, unnest($metrics::VARCHAR[]) AS metric,
                   unnest($baselines::DOUBLE[]) AS baseline,
                   unnest($froms::DATE[]) AS baseline_from, unnest($tos::DATE[]) AS baseline_to
        ),
        {_BASELINES}
        SELECT * FROM baselines
        """,
        {"team_ids": list(columns[0]), "metrics": list(columns[1]),
         "baselines": list(columns[2]), "froms": list(columns[3]), "tos": list(columns[4]),
         "last": last},
    )  # fmt: skip
    return {(r["team_id"], r["metric"]): r for r in found}


# ---------------------------------------------------------------------------- writing


def _now() -> dt.datetime:
    return clock.now()


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
    con: duckdb.DuckDBPyConnection, team_id: int, metric: str, values: dict[str, Any], who: str
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
         values["target"], values["due"], _now(), who],
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
    who: str,
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
    day = today or today_utc()
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
        con, [(found["id"], m.key, baseline, period[0], period[1])], latest_complete_week(day)
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
def remove_target(con: duckdb.DuckDBPyConnection, team: str, metric: str, *, who: str) -> str:
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
    who: str,
    teams: Iterable[str] | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Give every active team of an area (or the named ``teams`` in it) the same target.

    One transaction: every team gets it, or none does. A team keeps how its baseline is
    measured (a value or period it set before; else the default). A team whose baseline is
    already at or beyond the area's target gets it too (it shows as achieved while it holds
    the line). Returns ``teams`` (names set), ``already`` (those at or beyond it from the
    start), ``unchanged`` and a ``message``.
    """
    day = today or today_utc()
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
    who: str,
    teams: Iterable[str] | None,
    day: dt.date,
) -> dict[str, Any]:
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
        latest_complete_week(day),
    )
    done, already, unchanged = [], [], []
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
    day = today or today_utc()
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
) -> list[dict[str, Any]]:
    """Every target (of a team, or an area's teams), sorted by area, team and metric.

    Each row: team, area, active, metric (key), label, unit, baseline (effective; None when not
    known yet), baseline_source (in words), baseline_value/_from/_to (as set), target,
    due, set_at, set_by.
    """
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
         "last": latest_complete_week(today)},
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


# ---------------------------------------------------------------------------- progress


@dataclass(frozen=True)
class TeamMetricProgress:
    """One team's progress toward its target for one metric (or a metric without target)."""

    team: str
    area: str | None
    champion: str | None
    metric: MetricDef
    status: str
    reason: str
    as_of: dt.date  # the latest complete week (Monday) the figures run to
    baseline: float | None = None
    baseline_source: str = ""
    current: float | None = None  # mean of the last CURRENT_WEEKS reported weeks
    target: float | None = None
    due: dt.date | None = None
    share: float | None = None  # of the way from baseline to target: 0 start, 1 there
    slope: float | None = None  # units per week (Theil-Sen over SLOPE_WEEKS weeks)
    agreement: float | None = None  # of differing week pairs, the share going the good way
    needed: float | None = None  # units per week to reach the target by the due date
    weeks_left: float | None = None
    projection: float | None = None  # current + slope x weeks_left
    # The fitted trend (through the current level, at the slope) at ``as_of``: where the
    # projection starts, on the same line the status is judged by.
    trend_now: float | None = None
    reported_weeks: int = 0  # of the last SLOPE_WEEKS
    weeks_since_signal: int | None = None  # since the last good XmR signal; None: never
    history: tuple[float | None, ...] = ()  # last HISTORY_WEEKS weeks, oldest first
    set_at: dt.datetime | None = None
    set_by: str | None = None

    @property
    def has_target(self) -> bool:
        return self.status != NO_TARGET


def classify(
    metric: MetricDef,
    *,
    current: float | None,
    target: float,
    due: dt.date,
    today: dt.date,
    slope: float | None,
    weeks_left: float,
    reported_weeks: int,
    weeks_since_report: int | None,
    baseline: float | None,
    agreement: float | None = 1.0,
    baseline_problem: str = "no baseline yet",
) -> tuple[str, str, float | None]:
    """The status rule (module docstring): (status, reason in words, needed pace or None)."""
    if reported_weeks < MIN_WEEKS or current is None:
        return (
            NO_DATA,
            (f"{reported_weeks} of the last {SLOPE_WEEKS} weeks reported; needs {MIN_WEEKS}"),
            None,
        )
    if weeks_since_report is None or weeks_since_report >= CURRENT_WEEKS:
        return NO_DATA, f"nothing reported in the last {CURRENT_WEEKS} weeks", None
    if baseline is None:
        return NO_DATA, baseline_problem, None
    level, goal = text.numbers([current, target], metric.unit, exact=[False, True])
    if _better_or_equal(metric, current, target):
        return ACHIEVED, f"at {level}, target {goal} reached", None
    if due < today:
        return OFF_TRACK, f"missed the due date {due}: at {level}, target {goal}", None
    needed = (target - current) / weeks_left
    sign = _good_sign(metric)
    pace, wanted = sign * (slope or 0.0), sign * needed  # wanted > 0: the target is ahead
    clear = agreement is not None and agreement >= TREND_AGREEMENT
    # Worded together: a pace just under the one needed never reads as the same number.
    need_words, slope_words = text.numbers([needed, slope], metric.unit, signed=True, change=True)
    words = f"needs {need_words} a week"
    going = f"going {slope_words}"
    if clear and pace >= wanted * (1 - 1e-9):
        return ON_TRACK, f"{words}, {going}", needed
    if clear and pace >= FLAT_SHARE * wanted:
        return AT_RISK, f"{words}, {going}", needed
    if pace < 0:
        return OFF_TRACK, f"{words}, {going}: the wrong way", needed
    if pace == 0:
        return OFF_TRACK, f"{words}, flat", needed
    if not clear:
        return OFF_TRACK, f"{words}, {going}: no clear trend, as good as flat", needed
    return OFF_TRACK, f"{words}, {going}: under {FLAT_SHARE:.0%} of that, as good as flat", needed


_SCOPED = """
    scoped AS (
        SELECT t.id, t.name, t.name_key, a.name AS area, a.name_key AS area_key
        FROM teams t LEFT JOIN areas a ON a.id = t.area_id
        WHERE t.active AND ($area::VARCHAR IS NULL OR a.name_key = $area)
          AND ($team::VARCHAR IS NULL OR t.name_key = $team)
    ),
    wanted AS (
        SELECT tg.*, row_number() OVER (ORDER BY tg.team_id, tg.metric) - 1 AS sid
        FROM targets tg JOIN scoped s ON s.id = tg.team_id
        WHERE tg.metric IN (SELECT key FROM metric_defs)
    )
"""


def _series_figures(
    values: np.ndarray, lower_is_better: np.ndarray, floor: np.ndarray, ceiling: np.ndarray
) -> dict[str, np.ndarray]:
    """Per series (rows of ``values``, weeks in columns, NaN = not reported): the figures.

    Returns arrays: ``current``, ``centre`` (column the current level is centred on),
    ``reported`` (in the last SLOPE_WEEKS), ``last_col`` (last reported column, -1 none),
    ``slope`` (NaN with fewer than 2 points) and ``signal_col`` (last good XmR signal, -1).
    """
    n, width = values.shape
    cols = np.arange(width)
    valid = ~np.isnan(values)
    recent = values[:, -SLOPE_WEEKS:]
    recent_valid = valid[:, -SLOPE_WEEKS:]
    offset = width - recent.shape[1]
    reported = recent_valid.sum(axis=1)

    # Current level: the last CURRENT_WEEKS reported weeks among the recent ones.
    from_right = np.cumsum(recent_valid[:, ::-1], axis=1)[:, ::-1]
    chosen = recent_valid & (from_right <= CURRENT_WEEKS)
    count = chosen.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        current = np.where(chosen, recent, 0.0).sum(axis=1) / count
        centre = np.where(chosen, cols[offset:], 0).sum(axis=1) / count + 0.0
    last_col = np.where(valid.any(axis=1), width - 1 - valid[:, ::-1].argmax(axis=1), -1)

    # Theil-Sen over the recent weeks: the median of every pair's slope.
    first_i, second_i = np.triu_indices(recent.shape[1], k=1)
    slopes = (recent[:, second_i] - recent[:, first_i]) / (second_i - first_i)
    slope = np.full(n, np.nan)
    enough = reported >= 2
    if enough.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            slope[enough] = np.nanmedian(slopes[enough], axis=1)
    # How clearly it moves: of the pairs of weeks whose values differ, the share that goes
    # the good way (ties say nothing either way; NaN when no pair differs).
    signed = slopes * np.where(lower_is_better, -1.0, 1.0)[:, None]
    good, bad = (signed > 0).sum(axis=1), (signed < 0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = good / (good + bad)

    return {
        "current": current,
        "centre": centre,
        "reported": reported,
        "last_col": last_col,
        "slope": slope,
        "agreement": agreement,
        "signal_col": _last_good_signal(values, valid, lower_is_better, floor, ceiling),
    }


def _last_good_signal(
    values: np.ndarray,
    valid: np.ndarray,
    lower_is_better: np.ndarray,
    floor: np.ndarray,
    ceiling: np.ndarray,
) -> np.ndarray:
    """Per series, the last column that is an XmR signal in the good direction (-1: none).

    The same rules as :mod:`ddq.xmr` (limits from the series' first XMR_BASELINE_WEEKS
    columns that follow its first reported one, clipped to ``floor``/``ceiling``; a point
    outside the limits, or in a run of RUN_LENGTH reported points on one side of the centre
    line; unreported weeks skipped), computed for all series at once.
    """
    n, width = values.shape
    cols = np.arange(width)
    rows_i = np.arange(n)[:, None]
    first = np.where(valid.any(axis=1), valid.argmax(axis=1), width)
    in_base = valid & (cols >= first[:, None]) & (cols < first[:, None] + XMR_BASELINE_WEEKS)
    points = in_base.sum(axis=1)
    # The previous reported column of each column (-1: none), for moving ranges.
    seen = np.maximum.accumulate(np.where(valid, cols, -1), axis=1)
    previous = np.concatenate([np.full((n, 1), -1), seen[:, :-1]], axis=1)
    ranged = in_base & (previous >= 0)
    moving = np.abs(values - values[rows_i, np.maximum(previous, 0)])
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(in_base, values, 0.0).sum(axis=1) / points
        mean_range = np.where(ranged, moving, 0.0).sum(axis=1) / ranged.sum(axis=1)
    lower = np.maximum(centre - xmr.NATURAL_LIMIT_FACTOR * mean_range, floor)
    upper = np.minimum(centre + xmr.NATURAL_LIMIT_FACTOR * mean_range, ceiling)
    has_limits = points >= xmr.MIN_BASELINE_POINTS
    good_side = np.where(lower_is_better, -1, 1)

    with np.errstate(invalid="ignore"):
        above, below = values > upper[:, None], values < lower[:, None]
        side = np.sign(values - centre[:, None])
    outside_good = valid & np.where(lower_is_better[:, None], below, above)
    last = np.full(n, -1)
    run_length = np.zeros(n, dtype=np.int64)
    run_side = np.zeros(n)
    for col in range(width):
        here = valid[:, col]
        s = np.nan_to_num(side[:, col])
        continues = here & (s != 0) & (s == run_side)
        run_length = np.where(here, np.where(continues, run_length + 1, (s != 0) * 1), run_length)
        run_side = np.where(here, s, run_side)
        good = outside_good[:, col] | (
            here & (run_length >= xmr.RUN_LENGTH) & (run_side == good_side)
        )
        last = np.where(good, col, last)
    return np.where(has_limits, last, -1)


def progress_for(
    con: duckdb.DuckDBPyConnection,
    *,
    team: str | None = None,
    area: str | None = None,
    today: dt.date | None = None,
) -> list[TeamMetricProgress]:
    """Progress of every active team (of an area, or one team) toward its targets.

    One row per team and metric with a target, plus a ``no target`` row for each metric the
    team reported in the last XMR_WEEKS weeks without a target. Sorted by area, team and the
    metric's catalog position. ``today`` (default: today in UTC) sets the latest complete
    week the figures run to, and whether a due date has passed.
    """
    day = today or today_utc()
    [found] = _progress(con, team=team, area=area, days=[day], untargeted=True)
    return found


def _progress(
    con: duckdb.DuckDBPyConnection,
    *,
    team: str | None,
    area: str | None,
    days: list[dt.date],
    untargeted: bool,
) -> list[list[TeamMetricProgress]]:
    """:func:`progress_for` as of each of ``days``, from one read of the values."""
    if team is not None and not _team(con, team)["active"]:
        raise Conflict(f"{_team(con, team)['name']} is retired; progress is followed for active "
                       "teams only (its targets are kept).")  # fmt: skip
    if area is not None:
        _area(con, area)
    lasts = [latest_complete_week(day) for day in days]
    newest = max(lasts)
    first = min(lasts) - dt.timedelta(weeks=XMR_WEEKS - 1)
    params = {"team": None if team is None else name_key(team),
              "area": None if area is None else name_key(area)}  # fmt: skip
    defs = {m.key: (position, m) for position, m in enumerate(catalog(con))}
    # Baselines as of the newest day serve the older ones too: a default baseline that an
    # older day lacks (fewer than 4 weeks reported by then) means too few weeks for a status.
    meta = rows(
        con,
        f"""
        WITH {_SCOPED}, {_BASELINES}
        SELECT w.sid, w.team_id, w.metric, w.baseline, w.baseline_from, w.baseline_to,
               w.target, w.due, w.set_at, w.set_by, s.name AS team, s.area, s.name_key,
               s.area_key, c.person AS champion, b.effective_baseline, b.baseline_points,
               b.baseline_first_week, b.baseline_last_week
        FROM wanted w JOIN scoped s ON s.id = w.team_id
        JOIN baselines b ON b.team_id = w.team_id AND b.metric = w.metric
        LEFT JOIN champions c ON c.team_id = w.team_id AND c.until IS NULL
        ORDER BY w.sid
        """,
        {**params, "last": newest},
    )
    values = np.full((len(meta), (newest - first).days // 7 + 1), np.nan)
    if meta:
        fetched = con.execute(
            f"""
            WITH {_SCOPED}
            SELECT w.sid, date_diff('day', $first, mv.week) // 7 AS col, mv.value
            FROM wanted w JOIN metric_values mv
              ON mv.team_id = w.team_id AND mv.metric = w.metric
            WHERE mv.week BETWEEN $first AND $last
            """,
            {**params, "first": first, "last": newest},
        ).fetchnumpy()
        values[np.asarray(fetched["sid"]), np.asarray(fetched["col"])] = np.asarray(
            fetched["value"], dtype=np.float64
        )
    metrics = [defs[r["metric"]][1] for r in meta]
    kinds = (
        np.array([m.lower_is_better for m in metrics], dtype=bool),
        np.array([0.0 if m.unit in (COUNT, PERCENT, DAYS) else -np.inf for m in metrics]),
        np.array([100.0 if m.unit == PERCENT else np.inf for m in metrics]),
    )
    results = []
    for day, last in zip(days, lasts, strict=True):
        end = (last - first).days // 7 + 1
        result = [
            ((r["area_key"] or "\uffff", r["name_key"], defs[r["metric"]][0]), row)
            for r, row in zip(
                meta,
                _rows_as_of(meta, metrics, values[:, end - XMR_WEEKS : end], kinds, day),
                strict=True,
            )
        ]
        if untargeted:
            result += _untargeted(con, params, defs, last)
        result.sort(key=lambda pair: pair[0])
        results.append([row for _, row in result])
    return results


def _rows_as_of(
    meta: list[dict[str, Any]],
    metrics: list[MetricDef],
    values: np.ndarray,
    kinds: tuple[np.ndarray, np.ndarray, np.ndarray],
    day: dt.date,
) -> list[TeamMetricProgress]:
    """The progress rows of targeted series whose last XMR_WEEKS weeks are ``values``."""
    last = latest_complete_week(day)
    width = values.shape[1]
    figures = _series_figures(values, *kinds)

    def number(name: str, i: int) -> float | None:
        value = float(figures[name][i])
        return None if math.isnan(value) else value

    history = values[:, -HISTORY_WEEKS:]
    history_cells = np.where(np.isnan(history), None, history).tolist()
    found = []
    for i, r in enumerate(meta):
        m = metrics[i]
        current, slope, centre = number("current", i), number("slope", i), number("centre", i)
        agreement = number("agreement", i)
        last_col, signal_col = int(figures["last_col"][i]), int(figures["signal_col"][i])
        reported = int(figures["reported"][i])
        weeks_left = max(
            1.0, (r["due"] - last).days / 7 + ((width - 1 - centre) if centre is not None else 0)
        )
        start = r["effective_baseline"]
        status, reason, needed = classify(
            m,
            current=current,
            target=r["target"],
            due=r["due"],
            today=day,
            slope=slope,
            agreement=agreement,
            weeks_left=weeks_left,
            reported_weeks=reported,
            weeks_since_report=None if last_col < 0 else width - 1 - last_col,
            baseline=start,
            baseline_problem=_baseline_problem(r),
        )
        gap = None if start is None else r["target"] - start
        share = (current - start) / gap if gap and current is not None else None
        projection = trend_now = None
        if current is not None and slope is not None:
            projection = current + slope * weeks_left
            if centre is not None:
                trend_now = current + slope * (width - 1 - centre)
        found.append(TeamMetricProgress(
            team=r["team"], area=r["area"], champion=r["champion"], metric=m, status=status,
            reason=reason, as_of=last, baseline=start, baseline_source=_baseline_words(r),
            current=current, target=r["target"], due=r["due"], share=share, slope=slope,
            agreement=agreement, needed=needed, weeks_left=weeks_left, projection=projection,
            trend_now=trend_now, reported_weeks=reported,
            weeks_since_signal=None if signal_col < 0 else width - 1 - signal_col,
            history=tuple(history_cells[i]), set_at=r["set_at"], set_by=r["set_by"],
        ))  # fmt: skip
    return found


def _untargeted(
    con: duckdb.DuckDBPyConnection,
    params: dict[str, Any],
    defs: dict[str, tuple[int, MetricDef]],
    last: dt.date,
) -> list[tuple[tuple, TeamMetricProgress]]:
    """``no target`` rows: metrics the scoped teams reported in the last XMR_WEEKS weeks."""
    found = []
    for r in rows(
        con,
        f"""
        WITH {_SCOPED},
        reported AS (
            SELECT team_id, metric FROM metric_values
            WHERE week BETWEEN $first AND $last AND team_id IN (SELECT id FROM scoped)
            GROUP BY team_id, metric
        )
        SELECT s.name AS team, s.area, s.name_key, s.area_key, r.metric, c.person AS champion
        FROM reported r JOIN scoped s ON s.id = r.team_id
        LEFT JOIN champions c ON c.team_id = s.id AND c.until IS NULL
        ANTI JOIN targets tg ON tg.team_id = r.team_id AND tg.metric = r.metric
        """,
        {**params, "first": last - dt.timedelta(weeks=XMR_WEEKS - 1), "last": last},
    ):
        if r["metric"] not in defs:
            continue
        position, m = defs[r["metric"]]
        row = TeamMetricProgress(
            team=r["team"], area=r["area"], champion=r["champion"], metric=m, status=NO_TARGET,
            reason="no target set", as_of=last,
        )  # fmt: skip
        found.append(((r["area_key"] or "\uffff", r["name_key"], position), row))
    return found


def status_changes(
    con: duckdb.DuckDBPyConnection,
    *,
    today: dt.date | None = None,
    area: str | None = None,
) -> list[dict[str, Any]]:
    """Team targets whose status this week differs from last week's, for the meeting.

    Both weeks are judged against today's targets. Each entry: team, area, champion,
    metric (its definition), before, after, reason (this week's), better (True, False, or
    None when "no data" is involved) and target_changed (the target was set or changed in
    the last 7 days, so the change may be the target's rather than the team's).
    """
    day = today or today_utc()
    this_week, last_week = _progress(
        con, team=None, area=area, days=[day, day - dt.timedelta(days=7)], untargeted=False
    )
    now = {(p.team, p.metric.key): p for p in this_week}
    before = {(p.team, p.metric.key): p.status for p in last_week}
    since = dt.datetime.combine(day - dt.timedelta(days=7), dt.time())
    changes = []
    for key, p in now.items():
        was = before.get(key)
        if was is None or was == p.status:
            continue
        rank_before, rank_after = _RANK.get(was), _RANK.get(p.status)
        better = None if rank_before is None or rank_after is None else rank_after > rank_before
        changes.append({
            "team": p.team, "area": p.area, "champion": p.champion, "metric": p.metric,
            "before": was, "after": p.status, "reason": p.reason, "better": better,
            "target_changed": p.set_at is not None and p.set_at >= since,
        })  # fmt: skip
    return changes


# ---------------------------------------------------------------------------- scale data


@requires(EDITOR, "set targets")
def make_scale_targets(
    con: duckdb.DuckDBPyConnection,
    metrics: Sequence[str] = ("open_critical_bugs", "test_pass_rate", "escaped_defects"),
    *,
    today: dt.date | None = None,
    who: str,
    improvement: float = 0.25,
) -> int:
    """Give every active team a sensible target on each of ``metrics``; return how many.

    As if the targets had been set a quarter ago: the baseline is the mean of the 4 weeks
    before then, the target ``improvement`` (a share) better than it (for a percentage that
    is better higher, that share of the way to 100), due two quarters after it was set.
    Teams without values in that period are skipped. Set-based, for the benchmark and the
    sample: 500 teams take a fraction of a second. Existing targets are replaced; every
    target set is in the audit log.
    """
    last = latest_complete_week(today)
    set_week = last - dt.timedelta(weeks=12)
    base_from, base_to = set_week - dt.timedelta(weeks=4), set_week - dt.timedelta(days=1)
    due = set_week + dt.timedelta(weeks=26)
    known = {m.key: m for m in catalog(con)}
    unknown = [k for k in metrics if k not in known]
    if unknown:
        raise NotFound(f"Unknown metric(s): {', '.join(unknown)}.")
    keep, now = 1.0 - improvement, _now()
    params = {"base_from": base_from, "base_to": base_to, "due": due, "now": now, "who": who}
    with transaction(con):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _ddq_scale_targets AS
            SELECT mv.team_id, t.name AS team, mv.metric,
                   round(CASE WHEN d.direction = 'lower_is_better' THEN avg(mv.value) * $keep
                              WHEN d.unit = 'percent'
                                   THEN 100 - (100 - avg(mv.value)) * $keep
                              ELSE avg(mv.value) / $keep END, 1) AS target
            FROM metric_values mv JOIN teams t ON t.id = mv.team_id AND t.active
            JOIN metric_defs d ON d.key = mv.metric
            WHERE mv.metric IN (SELECT unnest($metrics::VARCHAR[]))
              AND mv.week BETWEEN $base_from AND $base_to
            GROUP BY mv.team_id, t.name, mv.metric, d.direction, d.unit
            """,
            {"keep": keep, "metrics": list(metrics), "base_from": base_from,
             "base_to": base_to},
        )  # fmt: skip
        # The audit rows first: they keep what each replaced target was.
        con.execute(
            """
            INSERT INTO audit_log (happened_at, who, action, subject, before, after)
            SELECT $now, $who, 'target.set', n.team,
                   CASE WHEN o.team_id IS NOT NULL THEN json_object(
                       'metric', o.metric, 'baseline', o.baseline,
                       'baseline_from', o.baseline_from::VARCHAR,
                       'baseline_to', o.baseline_to::VARCHAR, 'target', o.target,
                       'due', o.due::VARCHAR)::VARCHAR END,
                   json_object('metric', n.metric, 'baseline', NULL,
                               'baseline_from', $base_from::VARCHAR,
                               'baseline_to', $base_to::VARCHAR, 'target', n.target,
                               'due', $due::VARCHAR)::VARCHAR
            FROM _ddq_scale_targets n
            LEFT JOIN targets o ON o.team_id = n.team_id AND o.metric = n.metric
            ORDER BY n.team, n.metric
            """,
            params,
        )
        count = con.execute(
            """
            INSERT INTO targets (team_id, metric, baseline, baseline_from, baseline_to, target,
                                 due, set_at, set_by)
            SELECT team_id, metric, NULL, $base_from, $base_to, target, $due, $now, $who
            FROM _ddq_scale_targets
            ON CONFLICT (team_id, metric) DO UPDATE SET
                baseline = excluded.baseline, baseline_from = excluded.baseline_from,
                baseline_to = excluded.baseline_to, target = excluded.target,
                due = excluded.due, set_at = excluded.set_at, set_by = excluded.set_by
            """,
            params,
        ).fetchone()[0]
        con.execute("DROP TABLE _ddq_scale_targets")
    return count
