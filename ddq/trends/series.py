"""Weekly series of a scope, its rolling mean and process limits, and the weeks teams missed."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ddq import xmr
from ddq.db import rows
from ddq.metrics import COUNT, PERCENT, MetricDef
from ddq.trends.scope import _SCOPED_TEAMS, Scope, _scope_params, _weeks_cte

if TYPE_CHECKING:
    import duckdb


def aggregate(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    first: dt.date,
    last: dt.date,
    metric: str | None = None,
) -> list[dict[str, Any]]:
    """Per metric and week of the window: the scope's figure, or None for a week with no data.

    Each row: ``metric``, ``week``, ``value`` (sum for counts, median otherwise), ``q1`` and
    ``q3`` (the middle half of teams), ``reporting`` (teams with a value) and ``expected``
    (teams that had started reporting the metric by then).
    """
    return rows(
        con,
        f"""
        WITH {_weeks_cte()}, {_SCOPED_TEAMS},
        defs AS (SELECT key, unit FROM metric_defs WHERE ?::VARCHAR IS NULL OR key = ?),
        starts AS (
            SELECT mv.metric, mv.team_id, min(mv.week) AS first_week
            FROM metric_values mv JOIN scoped s ON s.id = mv.team_id
            WHERE mv.metric IN (SELECT key FROM defs) AND mv.week <= ?
            GROUP BY ALL
        ),
        expected AS (
            SELECT d.key AS metric, w.week, count(s.team_id) AS expected
            FROM defs d CROSS JOIN weeks w
            LEFT JOIN starts s ON s.metric = d.key AND s.first_week <= w.week
            GROUP BY ALL
        ),
        agg AS (
            SELECT mv.metric, mv.week,
                   CASE WHEN any_value(d.unit) = '{COUNT}' THEN sum(mv.value)
                        ELSE median(mv.value) END AS value,
                   quantile_cont(mv.value, 0.25) AS q1, quantile_cont(mv.value, 0.75) AS q3,
                   count(*) AS reporting
            FROM metric_values mv
            JOIN scoped s ON s.id = mv.team_id
            JOIN defs d ON d.key = mv.metric
            WHERE mv.week BETWEEN ? AND ?
            GROUP BY mv.metric, mv.week
        )
        SELECT e.metric, e.week, a.value, a.q1, a.q3, coalesce(a.reporting, 0) AS reporting,
               e.expected
        FROM expected e LEFT JOIN agg a USING (metric, week)
        ORDER BY e.metric, e.week
        """,
        [first, last, *_scope_params(scope), metric, metric, last, first, last],
    )


def team_series(
    con: duckdb.DuckDBPyConnection, scope: Scope, metric: str, first: dt.date, last: dt.date
) -> list[dict[str, Any]]:
    """Per team in the scope and week of the window: the team's value, None when missing."""
    return rows(
        con,
        f"""
        WITH {_weeks_cte()}, {_SCOPED_TEAMS}
        SELECT s.name AS team, w.week, mv.value
        FROM scoped s CROSS JOIN weeks w
        LEFT JOIN metric_values mv
          ON mv.team_id = s.id AND mv.week = w.week AND mv.metric = ?
        ORDER BY lower(s.name), w.week
        """,
        [first, last, *_scope_params(scope), metric],
    )


def rolling_mean(values: list[float | None], weeks: int) -> list[float | None]:
    """Mean of the reported values among the last ``weeks`` weeks (None if none reported)."""
    result: list[float | None] = []
    for i in range(len(values)):
        recent = [v for v in values[max(0, i - weeks + 1) : i + 1] if v is not None]
        result.append(sum(recent) / len(recent) if recent else None)
    return result


def limits_for(
    metric: MetricDef,
    weeks: list[dt.date],
    values: list[float | None],
    baseline: tuple[dt.date, dt.date],
) -> tuple[xmr.Limits | None, list[xmr.Signal]]:
    """Natural process limits and signals, clipped to the values the metric can take."""
    found = xmr.limits(
        weeks,
        values,
        baseline,
        floor=0.0 if metric.unit in (COUNT, PERCENT, "days") else None,
        ceiling=100.0 if metric.unit == PERCENT else None,
    )
    if found is None:
        return None, []
    return found, xmr.signals(weeks, values, found, lower_is_better=metric.lower_is_better)


def default_baseline(first: dt.date, last: dt.date) -> tuple[dt.date, dt.date]:
    """The first half of the window, at most 20 weeks: enough points, and before the change."""
    span = (last - first).days // 7 + 1
    length = max(xmr.MIN_BASELINE_POINTS, min(20, span // 2))
    return first, min(last, first + dt.timedelta(weeks=length - 1))


def missing_reports(
    con: duckdb.DuckDBPyConnection, scope: Scope, first: dt.date, last: dt.date
) -> list[dict[str, Any]]:
    """Teams that did not report at all in some weeks of the window (after they started)."""
    return rows(
        con,
        f"""
        WITH {_weeks_cte()}, {_SCOPED_TEAMS},
        starts AS (
            SELECT team_id, min(week) AS first_week FROM metric_values
            WHERE team_id IN (SELECT id FROM scoped) GROUP BY team_id
        ),
        reported AS (
            SELECT DISTINCT team_id, week FROM metric_values
            WHERE week BETWEEN ? AND ? AND team_id IN (SELECT id FROM scoped)
        ),
        expected AS (
            SELECT s.id AS team_id, s.name, w.week FROM scoped s
            JOIN starts st ON st.team_id = s.id CROSS JOIN weeks w
            WHERE w.week >= st.first_week
        )
        SELECT e.name AS team, list(e.week ORDER BY e.week) AS weeks
        FROM expected e ANTI JOIN reported r ON r.team_id = e.team_id AND r.week = e.week
        GROUP BY e.name ORDER BY lower(e.name)
        """,
        [first, last, *_scope_params(scope), first, last],
    )
