"""Weekly series for a scope (the organisation, an area, or a few teams), as charts draw them.

Everything is aggregated in DuckDB and returns only what is drawn. Counts add up across
teams; rates and durations do not, so those take the median (with the middle half of
teams as a band). A week nobody reported is a gap (None), never a zero; a week some teams
missed is marked as partial, because its total is not comparable with its neighbours.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import clock, xmr
from ddq.db import rows, scalar
from ddq.metrics import COUNT, PERCENT, MetricDef

if TYPE_CHECKING:
    import duckdb

DEFAULT_WINDOW_WEEKS = 26
DEFAULT_ROLLING_WEEKS = 4
# Overview compares the latest complete week with the one before and with a quarter ago.
QUARTER_WEEKS = 13
# Movers compare the mean of the last RECENT_WEEKS with the same span a quarter earlier:
# one week is too noisy to rank teams by.
RECENT_WEEKS = 4
SILENT_WEEKS = 3
MAX_COMPARED_TEAMS = 10
# Movers need a quarter and its RECENT_WEEKS before it: the earlier span's first week to now.
MOVERS_HISTORY_WEEKS = QUARTER_WEEKS + RECENT_WEEKS


@dataclass(frozen=True)
class Scope:
    """What a chart covers: the organisation, one area, or a few teams compared."""

    area: str | None = None
    teams: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "teams" if self.teams else "area" if self.area else "organisation"

    @property
    def label(self) -> str:
        if self.teams:
            return ", ".join(self.teams)
        return self.area or "Organisation"


latest_complete_week = clock.latest_complete_week


def window(
    con: duckdb.DuckDBPyConnection, weeks: int | None, today: dt.date | None = None
) -> tuple[dt.date, dt.date] | None:
    """The weeks a chart shows: ``weeks`` weeks (None: all) ending with the latest complete one.

    If every value is older than that, the window ends at the newest value instead, so an
    old database still shows its data. None when there is no data at all.
    """
    first_data, last_data = con.execute("SELECT min(week), max(week) FROM metric_values").fetchone()
    if first_data is None:
        return None
    last = latest_complete_week(today)
    if weeks is not None and last_data < last - dt.timedelta(weeks=weeks - 1):
        last = last_data
    first = first_data if weeks is None else max(first_data, last - dt.timedelta(weeks=weeks - 1))
    return (first, last) if first <= last else (last, last)


_SCOPED_TEAMS = """
    scoped AS (
        SELECT t.id, t.name FROM teams t LEFT JOIN areas a ON a.id = t.area_id
        WHERE t.active
          AND (?::VARCHAR IS NULL OR a.name_key = lower(?::VARCHAR))
          AND (len(?::VARCHAR[]) = 0 OR t.name_key IN (SELECT unnest(?::VARCHAR[])))
    )
"""


def _scope_params(scope: Scope) -> list[Any]:
    keys = [" ".join(t.split()).lower() for t in scope.teams]
    return [scope.area, scope.area, keys, keys]


def _weeks_cte() -> str:
    return (
        "weeks AS (SELECT CAST(unnest(generate_series(?::TIMESTAMP, ?::TIMESTAMP, "
        "INTERVAL 7 DAY)) AS DATE) AS week)"
    )


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

    The same figures as ``headlines(con, Scope(teams=(name,)), ...)`` for every team (one
    team's sum or median is its value), for pages that show many teams one by one.
    ``reporting`` is 1 where the team reported, ``expected`` is left out.
    """
    window = _headline_window(con, today, history_weeks)
    if window is None:
        return {team: [] for team in team_ids}
    series: dict[int, dict[str, dict[dt.date, dict[str, Any]]]] = {}
    for row in rows(
        con,
        """
        SELECT mv.team_id, mv.metric, mv.week, mv.value FROM metric_values mv
        JOIN teams t ON t.id = mv.team_id
        WHERE t.active AND mv.team_id IN (SELECT unnest(?::INTEGER[]))
          AND mv.week BETWEEN ? AND ?
        """,
        [team_ids, *window],
    ):
        weeks = series.setdefault(row["team_id"], {}).setdefault(row["metric"], {})
        weeks[row["week"]] = {"value": row["value"], "reporting": 1, "expected": None}
    members = ("members AS (SELECT id AS team_id, id AS grp FROM teams "
               "WHERE active AND id IN (SELECT unnest(?::INTEGER[])))")  # fmt: skip
    changes = _like_for_like(con, members, [team_ids], window)
    return {team: _headline_entries(series.get(team, {}), metrics, history_weeks,
                                    changes.get(team, {}))
            for team in team_ids}  # fmt: skip


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
    last = latest_complete_week(today)
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

        def value_at(offset: int, series: dict = series, week: dt.date = week) -> float | None:
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
    last = latest_complete_week(today)
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
    last = latest_complete_week(today)
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


def freshness(
    con: duckdb.DuckDBPyConnection, scope: Scope, today: dt.date | None = None
) -> dict[str, Any]:
    """How current the data is: the last import, who missed the latest complete week, who is silent.

    ``not_reported``: teams (that had started reporting) with no value in the latest complete
    week. ``silent``: teams whose last value is SILENT_WEEKS or more weeks before it, with
    that week.
    """
    week = latest_complete_week(today)
    last_import = rows(
        con,
        "SELECT id, file_name, who, imported_at FROM imports WHERE status = 'applied' "
        "ORDER BY id DESC LIMIT 1",
    )
    teams = rows(
        con,
        f"""
        WITH {_SCOPED_TEAMS}
        SELECT s.name AS team, max(mv.week) AS last_week
        FROM scoped s JOIN metric_values mv ON mv.team_id = s.id AND mv.week <= ?
        GROUP BY s.name ORDER BY lower(s.name)
        """,
        [*_scope_params(scope), week],
    )
    silent_before = week - dt.timedelta(weeks=SILENT_WEEKS)
    return {
        "week": week,
        "last_import": last_import[0] if last_import else None,
        "not_reported": [t["team"] for t in teams if t["last_week"] < week],
        "silent": [t for t in teams if t["last_week"] <= silent_before],
    }


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
    from ddq import events

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
    from ddq.bugmetrics import COMPUTED_KINDS, METRICS, OWNERS_SQL

    if metric not in METRICS:
        return 0
    kinds = ", ".join("?" for _ in COMPUTED_KINDS)
    return scalar(
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
