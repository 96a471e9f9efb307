"""The Trends page's view of one metric: series, limits, signals, events, missed weeks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import events, xmr
from ddq.bugowners import COMPUTED_KINDS, METRICS, OWNERS_SQL
from ddq.db import scalar
from ddq.metrics import COUNT, MetricDef
from ddq.trends.scope import _SCOPED_TEAMS, Scope, _scope_params, window
from ddq.trends.series import (
    aggregate,
    default_baseline,
    limits_for,
    missing_reports,
    rolling_mean,
    team_series,
)

if TYPE_CHECKING:
    import duckdb

DEFAULT_WINDOW_WEEKS = 26
DEFAULT_ROLLING_WEEKS = 4
MAX_COMPARED_TEAMS = 10


@dataclass
class TrendView:
    """Everything the Trends page draws for one metric, scope and window."""

    metric: MetricDef
    scope: Scope
    weeks: list[dt.date]
    aggregation: str  # "total", "median", or "value" (one team)
    values: list[float | None]
    rolling: list[float | None]
    rolling_weeks: int
    reporting: list[int]
    expected: list[int]
    q1: list[float | None] | None
    q3: list[float | None] | None
    baseline: tuple[dt.date, dt.date]
    limits: xmr.Limits | None
    signals: list[xmr.Signal]
    compared: dict[str, list[float | None]]  # team -> values, when comparing teams
    events: list[dict[str, Any]]
    missing: list[dict[str, Any]]
    estimated: int = 0  # bugs behind these numbers whose resolution time is estimated

    @property
    def partial(self) -> list[bool]:
        """Weeks some expected teams did not report: their total is not comparable."""
        return [0 < r < e for r, e in zip(self.reporting, self.expected, strict=True)]

    def table(self) -> list[dict[str, Any]]:
        """The data behind the chart, one row per week (or per team and week)."""
        if self.compared:
            return [
                {"team": team, "week": week, "value": value}
                for team, values in self.compared.items()
                for week, value in zip(self.weeks, values, strict=True)
            ]
        flagged = {s.week: s for s in self.signals}
        out = []
        for i, week in enumerate(self.weeks):
            signal = flagged.get(week)
            out.append({
                "week": week,
                self.aggregation: self.values[i],
                f"mean_{self.rolling_weeks}_weeks": self.rolling[i],
                "teams_reporting": self.reporting[i],
                "teams_expected": self.expected[i],
                "centre_line": self.limits.centre if self.limits else None,
                "lower_limit": self.limits.lower if self.limits else None,
                "upper_limit": self.limits.upper if self.limits else None,
                "signal": "" if signal is None else
                f"{'better' if signal.better else 'worse'}: {signal.rule}",
            })  # fmt: skip
        return out


def build_trend(
    con: duckdb.DuckDBPyConnection,
    metric: MetricDef,
    scope: Scope,
    weeks: int | None = DEFAULT_WINDOW_WEEKS,
    *,
    rolling_weeks: int = DEFAULT_ROLLING_WEEKS,
    baseline: tuple[dt.date, dt.date] | None = None,
    today: dt.date | None = None,
) -> TrendView | None:
    """The trend of one metric for a scope over a window; None when there is no data.

    Process limits come from ``baseline`` (default: :func:`default_baseline`). Weeks some
    teams missed are left out of the limits and signals: a total with a team missing would
    read as an improvement that never happened.
    """
    span = window(con, weeks, today)
    if span is None:
        return None
    first, last = span
    week_list = [first + dt.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    chosen = baseline or default_baseline(first, last)
    found_events = events_between(con, first, last, scope)
    missing = missing_reports(con, scope, first, last)
    estimated = estimated_resolutions(con, scope, metric.key, first, last)
    if len(scope.teams) > 1:
        compared: dict[str, list[float | None]] = {}
        for row in team_series(con, scope, metric.key, first, last):
            compared.setdefault(row["team"], []).append(row["value"])
        return TrendView(
            metric,
            scope,
            week_list,
            "value",
            [],
            [],
            rolling_weeks,
            [],
            [],
            None,
            None,
            chosen,
            None,
            [],
            compared,
            found_events,
            missing,
        )
    series = aggregate(con, scope, first, last, metric.key)
    values = [r["value"] for r in series]
    reporting = [r["reporting"] for r in series]
    expected = [r["expected"] for r in series]
    comparable = [
        v if 0 < r == e or e == 0 else None
        for v, r, e in zip(values, reporting, expected, strict=True)
    ]
    found, signals = limits_for(metric, week_list, comparable, chosen)
    aggregation = "value" if scope.teams else "total" if metric.unit == COUNT else "median"
    band = aggregation == "median"
    return TrendView(
        metric, scope, week_list, aggregation, values, rolling_mean(values, rolling_weeks),
        rolling_weeks, reporting, expected,
        [r["q1"] for r in series] if band else None, [r["q3"] for r in series] if band else None,
        chosen, found, signals, {}, found_events, missing, estimated,
    )  # fmt: skip


def events_between(
    con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date, scope: Scope
) -> list[dict[str, Any]]:
    """The events (definition changes, a team's new practice) a chart of the scope marks."""
    return events.between(con, first, last, area=scope.area, teams=scope.teams)


def estimated_resolutions(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    metric: str,
    first: dt.date | None = None,
    last: dt.date | None = None,
) -> int:
    """How many of the scope's bugs feed ``metric`` with a resolution time estimated from
    their last update (their export had no resolution date).

    0 for metrics not computed from bugs, and when none of the scope's values of ``metric``
    between ``first`` and ``last`` (default: any week) were computed from them: uploaded
    numbers, or a critical-bug metric before any definition, have no bugs behind them.
    """
    if metric not in METRICS:
        return 0
    kinds = ", ".join("?" for _ in COMPUTED_KINDS)
    return int(
        scalar(
            con,
            f"""
        WITH {OWNERS_SQL}, {_SCOPED_TEAMS}
        SELECT count(*) FROM bugs b JOIN bug_owners o USING (tracker, key)
        JOIN scoped s ON s.id = o.team_id
        WHERE b.resolved_estimated AND EXISTS (
            SELECT 1 FROM metric_values mv JOIN imports i ON i.id = mv.import_id
            JOIN scoped sv ON sv.id = mv.team_id
            WHERE mv.metric = ? AND i.kind IN ({kinds})
              AND mv.week BETWEEN coalesce(?::DATE, DATE '2000-01-03')
                              AND coalesce(?::DATE, DATE '9999-12-27'))
        """,
            [*_scope_params(scope), metric, *COMPUTED_KINDS, first, last],
        )
    )
