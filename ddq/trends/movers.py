"""Movers: which teams improved or regressed most over a quarter, and whether there is enough
history to say."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ddq import clock
from ddq.db import rows, scalar
from ddq.metrics import MetricDef
from ddq.trends.headlines import QUARTER_WEEKS
from ddq.trends.scope import _SCOPED_TEAMS, Scope, _scope_params

if TYPE_CHECKING:
    import duckdb

# Movers compare the mean of the last RECENT_WEEKS with the same span a quarter earlier:
# one week is too noisy to rank teams by.
RECENT_WEEKS = 4
# Movers need a quarter and its RECENT_WEEKS before it: the earlier span's first week to now.
MOVERS_HISTORY_WEEKS = QUARTER_WEEKS + RECENT_WEEKS


def movers(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    metric: MetricDef,
    today: dt.date | None = None,
) -> list[dict[str, Any]]:
    """Each team's change over a quarter: mean of its last 4 weeks against 4 weeks a quarter ago.

    Sorted from the most improved to the most regressed, for the metric's direction.
    ``improvement`` is positive when the change is for the better.
    """
    last = clock.latest_complete_week(today)
    recent_from = last - dt.timedelta(weeks=RECENT_WEEKS - 1)
    earlier_last = last - dt.timedelta(weeks=QUARTER_WEEKS)
    earlier_from = earlier_last - dt.timedelta(weeks=RECENT_WEEKS - 1)
    sign = -1 if metric.lower_is_better else 1
    return rows(
        con,
        f"""
        WITH {_SCOPED_TEAMS},
        periods AS (
            SELECT s.name AS team,
                   avg(mv.value) FILTER (mv.week BETWEEN ? AND ?) AS recent,
                   avg(mv.value) FILTER (mv.week BETWEEN ? AND ?) AS earlier
            FROM metric_values mv JOIN scoped s ON s.id = mv.team_id
            WHERE mv.metric = ? AND mv.week BETWEEN ? AND ?
            GROUP BY s.name
        )
        SELECT team, earlier, recent, recent - earlier AS change,
               ? * (recent - earlier) AS improvement
        FROM periods WHERE recent IS NOT NULL AND earlier IS NOT NULL
        ORDER BY improvement DESC, lower(team)
        """,
        [*_scope_params(scope), recent_from, last, earlier_from, earlier_last, metric.key,
         earlier_from, last, sign],
    )  # fmt: skip


def history_weeks(
    con: duckdb.DuckDBPyConnection, scope: Scope, metric: str, today: dt.date | None = None
) -> int:
    """Weeks of history the scope has of ``metric``: from its first value to the latest
    complete week, both counted (0 when it has none). Movers need MOVERS_HISTORY_WEEKS."""
    last = clock.latest_complete_week(today)
    first = scalar(
        con,
        f"""
        WITH {_SCOPED_TEAMS}
        SELECT min(mv.week) FROM metric_values mv JOIN scoped s ON s.id = mv.team_id
        WHERE mv.metric = ? AND mv.week <= ?
        """,
        [*_scope_params(scope), metric, last],
    )
    return 0 if first is None else (last - first).days // 7 + 1
