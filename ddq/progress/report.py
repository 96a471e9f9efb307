"""Each team's progress toward its targets, as of a week, and how statuses changed."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np

from ddq import clock
from ddq.db import rows
from ddq.errors import Conflict
from ddq.metrics import COUNT, DAYS, PERCENT, MetricDef, catalog
from ddq.org import name_key
from ddq.progress.baselines import _BASELINES, _baseline_problem, _baseline_words
from ddq.progress.names import _area, _team
from ddq.progress.series import _series_figures
from ddq.progress.status import (
    _RANK,
    HISTORY_WEEKS,
    NO_TARGET,
    XMR_WEEKS,
    classify,
)

if TYPE_CHECKING:
    import duckdb


class StatusChange(TypedDict):
    """A team target whose status differs from last week's (see :func:`status_changes`)."""

    team: str
    area: str | None
    champion: str | None
    metric: MetricDef
    before: str
    after: str
    reason: str  # this week's
    better: bool | None  # None when "no data" is involved
    # The target was set or changed in the last 7 days: the change may be the target's.
    target_changed: bool


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


def progress_for(
    con: duckdb.DuckDBPyConnection,
    *,
    team: str | None = None,
    area: str | None = None,
    today: dt.date | None = None,
    targets_only: bool = False,
) -> list[TeamMetricProgress]:
    """Progress of every active team (of an area, or one team) toward its targets.

    One row per team and metric with a target, plus (unless ``targets_only``) a ``no
    target`` row for each metric the team reported in the last XMR_WEEKS weeks without a
    target. Sorted by area, team and the metric's catalog position. ``today`` (default:
    today in UTC) sets the latest complete week the figures run to, and whether a due date
    has passed.
    """
    day = today or clock.today()
    [found] = _progress(con, team=team, area=area, days=[day], untargeted=not targets_only)
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
    lasts = [clock.latest_complete_week(day) for day in days]
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
    last = clock.latest_complete_week(day)
    width = values.shape[1]
    figures = _series_figures(values, *kinds)

    def number(name: str, i: int) -> float | None:
        value = float(figures[name][i])
        return None if math.isnan(value) else value

    history = values[:, -HISTORY_WEEKS:]
    cells = history.astype(object)
    cells[np.isnan(history)] = None
    history_cells = cells.tolist()
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
) -> list[tuple[tuple[str, str, int], TeamMetricProgress]]:
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
) -> list[StatusChange]:
    """Team targets whose status this week differs from last week's, for the meeting.

    Both weeks are judged against today's targets.
    """
    day = today or clock.today()
    this_week, last_week = _progress(
        con, team=None, area=area, days=[day, day - dt.timedelta(days=7)], untargeted=False
    )
    now = {(p.team, p.metric.key): p for p in this_week}
    before = {(p.team, p.metric.key): p.status for p in last_week}
    since = dt.datetime.combine(day - dt.timedelta(days=7), dt.time())
    changes: list[StatusChange] = []
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
