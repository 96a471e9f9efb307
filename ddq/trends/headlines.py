"""Headlines: each metric's latest complete week against the week before and a quarter before."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import clock
from ddq.db import scalar
from ddq.metrics import COUNT, MetricDef
from ddq.trends.scope import _SCOPED_TEAMS, Scope, _scope_params
from ddq.trends.series import aggregate

if TYPE_CHECKING:
    import duckdb

# Overview compares the latest complete week with the one before and with a quarter ago.
QUARTER_WEEKS = 13


@dataclass(frozen=True)
class Change:
    """A change like for like: the teams that reported both weeks, their figure then and now.

    ``before`` and ``after`` are the same teams' total (counts) or median (rates and
    days), so a team that did not report one of the weeks moves neither. For one team
    it is the team's own change.
    """

    weeks: int  # how many weeks back ``before`` is
    teams: int  # the teams that reported both weeks
    before: float
    after: float

    @property
    def value(self) -> float:
        return self.after - self.before


def headlines(
    con: duckdb.DuckDBPyConnection,
    scope: Scope,
    metrics: list[MetricDef],
    today: dt.date | None = None,
    history_weeks: int = 26,
) -> list[dict[str, Any]]:
    """Per metric: the latest complete week against the week before and a quarter before.

    Each entry: ``metric`` (its definition), ``week``, ``value`` (the total or median of
    the teams that reported that week), ``previous`` and ``quarter_ago`` (the same figure
    of those weeks, None where nobody reported), ``reporting``, ``expected``, ``history``
    (values for a sparkline, oldest first; gaps left out), and ``vs_previous`` and
    ``vs_quarter``: the :class:`Change` over the teams that reported both weeks (None
    when no team did). Compare with these, never with ``previous``: a team that did not
    report one of the weeks would read as a change.
    """
    window = _headline_window(con, today, history_weeks)
    if window is None:
        return []
    by_metric: dict[str, dict[dt.date, dict[str, Any]]] = {}
    for row in aggregate(con, scope, *window):
        by_metric.setdefault(row["metric"], {})[row["week"]] = row
    members = f"{_SCOPED_TEAMS}, members AS (SELECT id AS team_id, 0 AS grp FROM scoped)"
    changes = _like_for_like(con, members, _scope_params(scope), window)
    return _headline_entries(by_metric, metrics, history_weeks, changes.get(0, {}))


def team_headlines(
    con: duckdb.DuckDBPyConnection,
    team_ids: list[int],
    metrics: list[MetricDef],
    today: dt.date | None = None,
    history_weeks: int = 26,
) -> dict[int, list[dict[str, Any]]]:
    """:func:`headlines` of each active team on its own, by team id, in one query.

    The same figures as ``headlines(con, Scope(teams=(name,)), ...)`` for every team, for
    pages that show many teams one by one: one team's sum or median is its value, so its
    like-for-like change is its own change, when it reported both weeks. ``reporting`` is 1,
    ``expected`` is left out (None).
    """
    window = _headline_window(con, today, history_weeks)
    if window is None:
        return {team: [] for team in team_ids}
    found: dict[int, dict[str, tuple[Any, ...]]] = {}
    for team, metric, *figures in con.execute(
        """
        WITH vals AS (
            SELECT mv.team_id, mv.metric, mv.week, mv.value FROM metric_values mv
            JOIN teams t ON t.id = mv.team_id
            WHERE t.active AND mv.team_id IN (SELECT unnest(?::INTEGER[]))
              AND mv.week BETWEEN ? AND ?
        ),
        latest AS (
            SELECT team_id, metric, max(week) AS week, list(value ORDER BY week) AS history
            FROM vals GROUP BY team_id, metric
        )
        SELECT l.team_id, l.metric, l.week, was.value, quarter.value, l.history
        FROM latest l
        LEFT JOIN vals was ON was.team_id = l.team_id AND was.metric = l.metric
         AND was.week = CAST(l.week - to_weeks(1) AS DATE)
        LEFT JOIN vals quarter ON quarter.team_id = l.team_id AND quarter.metric = l.metric
         AND quarter.week = CAST(l.week - to_weeks(?) AS DATE)
        """,
        [team_ids, *window, QUARTER_WEEKS],
    ).fetchall():
        found.setdefault(team, {})[metric] = tuple(figures)
    return {team: _team_entries(found.get(team, {}), metrics, history_weeks) for team in team_ids}


def _team_entries(
    figures: dict[str, tuple[Any, ...]], metrics: list[MetricDef], history_weeks: int
) -> list[dict[str, Any]]:
    """One team's headline entries, as :func:`_headline_entries` words a scope's."""
    result = []
    for metric in metrics:
        if metric.key not in figures:
            continue
        week, previous, quarter_ago, history = figures[metric.key]
        value = history[-1]
        result.append(
            {
                "metric": metric,
                "week": week,
                "value": value,
                "previous": previous,
                "quarter_ago": quarter_ago,
                "vs_previous": None if previous is None else Change(1, 1, previous, value),
                "vs_quarter": (
                    None if quarter_ago is None else Change(QUARTER_WEEKS, 1, quarter_ago, value)
                ),
                "reporting": 1,
                "expected": None,
                "history": history[-history_weeks:],
            }
        )
    return result


def _like_for_like(
    con: duckdb.DuckDBPyConnection,
    members: str,
    params: list[Any],
    window: tuple[dt.date, dt.date],
    backs: tuple[int, ...] = (1, QUARTER_WEEKS),
) -> dict[int, dict[tuple[str, int], Change]]:
    """Like-for-like changes of every metric, from each group's latest week back ``backs`` weeks.

    ``members`` is SQL for CTEs ending in ``members (team_id, grp)``: which teams make up
    each group (one group for a scope, one per team for many teams at once), with
    ``params`` its parameters. For each group and metric, the latest week in ``window``
    with a value is compared with the week ``back`` weeks before it, over the teams that
    reported both: counts add up, other units take the median, as :func:`aggregate`
    does. Returns grp -> (metric, back) -> Change; a pair no team reported is left out.
    """
    # Counts and the others apart: a CASE over both aggregates would take medians of every
    # group, three times slower for a meeting's many one-team groups.
    found = con.execute(
        f"""
        WITH {members},
        vals AS (
            SELECT m.grp, mv.team_id, mv.metric, mv.week, mv.value
            FROM metric_values mv JOIN members m ON m.team_id = mv.team_id
            WHERE mv.week BETWEEN ? AND ?
        ),
        latest AS (SELECT grp, metric, max(week) AS week FROM vals GROUP BY grp, metric),
        pairs AS (
            SELECT l.grp, l.metric, b.back, now.value AS after, was.value AS before,
                   d.unit = '{COUNT}' AS adds
            FROM latest l CROSS JOIN (SELECT unnest(?::INTEGER[]) AS back) b
            JOIN metric_defs d ON d.key = l.metric
            JOIN vals now ON now.grp = l.grp AND now.metric = l.metric AND now.week = l.week
            JOIN vals was ON was.grp = l.grp AND was.team_id = now.team_id
             AND was.metric = l.metric AND was.week = CAST(l.week - to_weeks(b.back) AS DATE)
        )
        SELECT grp, metric, back, count(*), sum(before), sum(after) FROM pairs WHERE adds
        GROUP BY grp, metric, back
        UNION ALL
        SELECT grp, metric, back, count(*), median(before), median(after) FROM pairs
        WHERE NOT adds GROUP BY grp, metric, back
        """,
        [*params, *window, list(backs)],
    ).fetchall()
    result: dict[int, dict[tuple[str, int], Change]] = {}
    for grp, metric, back, teams, before, after in found:
        result.setdefault(grp, {})[(metric, back)] = Change(back, teams, before, after)
    return result


def _headline_window(
    con: duckdb.DuckDBPyConnection, today: dt.date | None, history_weeks: int
) -> tuple[dt.date, dt.date] | None:
    """The weeks headlines read: from a quarter or ``history_weeks`` back to the newest data."""
    last = clock.latest_complete_week(today)
    newest = scalar(con, "SELECT max(week) FROM metric_values WHERE week <= ?", [last])
    if newest is None:
        return None
    return newest - dt.timedelta(weeks=max(history_weeks, QUARTER_WEEKS + 1) - 1), newest


def _headline_entries(
    by_metric: dict[str, dict[dt.date, dict[str, Any]]],
    metrics: list[MetricDef],
    history_weeks: int,
    changes: dict[tuple[str, int], Change],
) -> list[dict[str, Any]]:
    result = []
    for metric in metrics:
        series = by_metric.get(metric.key, {})
        reported = [w for w in sorted(series) if series[w]["value"] is not None]
        if not reported:
            continue
        week = reported[-1]

        def value_at(
            offset: int, series: dict[dt.date, dict[str, Any]] = series, week: dt.date = week
        ) -> float | None:
            row = series.get(week - dt.timedelta(weeks=offset))
            return None if row is None else row["value"]

        result.append(
            {
                "metric": metric,
                "week": week,
                "value": series[week]["value"],
                "previous": value_at(1),
                "quarter_ago": value_at(QUARTER_WEEKS),
                "vs_previous": changes.get((metric.key, 1)),
                "vs_quarter": changes.get((metric.key, QUARTER_WEEKS)),
                "reporting": series[week]["reporting"],
                "expected": series[week]["expected"],
                "history": [series[w]["value"] for w in reported[-history_weeks:]],
            }
        )
    return result
