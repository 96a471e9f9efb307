"""The metric catalog, ISO weeks, and reading the weekly metric values back out."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ddq.db import rows

if TYPE_CHECKING:
    import duckdb

LOWER_IS_BETTER = "lower_is_better"
HIGHER_IS_BETTER = "higher_is_better"

# Units whose values the importer checks; any other unit accepts any finite number.
COUNT = "count"
PERCENT = "percent"
DAYS = "days"

# No team measured anything with ddq before this Monday; an earlier week is a typo.
EARLIEST_WEEK = dt.date(2000, 1, 3)


@dataclass(frozen=True)
class MetricDef:
    key: str
    label: str
    unit: str
    direction: str
    description: str = ""

    @property
    def lower_is_better(self) -> bool:
        return self.direction == LOWER_IS_BETTER


DEFAULT_CATALOG: tuple[MetricDef, ...] = (
    MetricDef("open_bugs", "Open bugs", COUNT, LOWER_IS_BETTER,
              "Bugs open at the end of the week."),
    MetricDef("open_critical_bugs", "Open critical bugs", COUNT, LOWER_IS_BETTER,
              "Critical bugs (by the adopted definition) open at the end of the week."),
    MetricDef("new_critical_bugs", "New critical bugs", COUNT, LOWER_IS_BETTER,
              "Critical bugs created during the week."),
    MetricDef("resolved_critical_bugs", "Resolved critical bugs", COUNT, HIGHER_IS_BETTER,
              "Critical bugs resolved during the week."),
    MetricDef("critical_bugs_past_sla", "Critical bugs past SLA", COUNT, LOWER_IS_BETTER,
              "Open critical bugs older than the agreed time to resolve."),
    MetricDef("median_days_to_resolve_critical", "Median days to resolve critical", DAYS,
              LOWER_IS_BETTER, "Median age, in days, of the critical bugs resolved that week."),
    MetricDef("escaped_defects", "Escaped defects", COUNT, LOWER_IS_BETTER,
              "Defects found in production rather than before release."),
    MetricDef("test_pass_rate", "Test pass rate", PERCENT, HIGHER_IS_BETTER,
              "Share of automated test runs that passed, in percent."),
)  # fmt: skip


def fold_name(name: str) -> str:
    """Fold a header or metric name: case, spaces, ``_`` and ``-`` do not matter."""
    return re.sub(r"[\s_\-]+", "", name.strip().lower())


def week_monday(day: dt.date) -> dt.date:
    """The Monday of the ISO week that ``day`` falls in."""
    return day - dt.timedelta(days=day.weekday())


def current_week(today: dt.date | None = None) -> dt.date:
    """The Monday of the current ISO week, in UTC."""
    return week_monday(today or dt.datetime.now(dt.UTC).date())


def catalog(con: duckdb.DuckDBPyConnection) -> list[MetricDef]:
    """Every metric the database knows, in display order."""
    return [
        MetricDef(r["key"], r["label"], r["unit"], r["direction"], r["description"])
        for r in rows(
            con,
            "SELECT key, label, unit, direction, description FROM metric_defs "
            "ORDER BY position, key",
        )
    ]


def team_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of all teams, active or not, sorted case-insensitively."""
    return [r["name"] for r in rows(con, "SELECT name FROM teams ORDER BY name_key")]


def organisation_weekly(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Per metric and week, the organisation's figure and how many teams reported.

    Counts add up across teams; rates and durations do not, so those take the median of
    the teams that reported.
    """
    return rows(
        con,
        f"""
        SELECT mv.metric, mv.week,
               CASE WHEN any_value(m.unit) = '{COUNT}' THEN sum(mv.value)
                    ELSE median(mv.value) END AS value,
               count(*) AS teams_reporting
        FROM metric_values mv JOIN metric_defs m ON m.key = mv.metric
        GROUP BY mv.metric, mv.week
        ORDER BY mv.metric, mv.week
        """,
    )


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Sizes of the database at a glance: areas, teams, values and the weeks they span."""
    areas_n, teams_n = con.execute(
        "SELECT (SELECT count(*) FROM areas), (SELECT count(*) FROM teams WHERE active)"
    ).fetchone()
    values_n, first, last = con.execute(
        "SELECT count(*), min(week), max(week) FROM metric_values"
    ).fetchone()
    return {
        "areas": areas_n,
        "teams": teams_n,
        "values": values_n,
        "first_week": first,
        "last_week": last,
    }


def latest_complete_week(today: dt.date | None = None) -> dt.date:
    """The Monday of last ISO week: the current week is still being reported."""
    return current_week(today) - dt.timedelta(weeks=1)


def organisation_headlines(
    con: duckdb.DuckDBPyConnection, today: dt.date | None = None, history_weeks: int = 26
) -> list[dict]:
    """Per metric, the organisation's latest complete week against the week before.

    Each entry has the metric's definition, ``week``, ``value``, ``previous`` (None when
    the week before has no data), ``teams_reporting`` and ``history`` (the last
    ``history_weeks`` weekly values, oldest first, for a sparkline).
    """
    week = latest_complete_week(today)
    weekly: dict[str, dict[dt.date, dict]] = {}
    for row in organisation_weekly(con):
        weekly.setdefault(row["metric"], {})[row["week"]] = row
    headlines = []
    for metric in catalog(con):
        series = weekly.get(metric.key, {})
        reported = sorted(w for w in series if w <= week)
        if not reported:
            continue
        latest = reported[-1]
        before = series.get(latest - dt.timedelta(weeks=1))
        headlines.append(
            {
                "metric": metric,
                "week": latest,
                "value": series[latest]["value"],
                "previous": before["value"] if before else None,
                "teams_reporting": series[latest]["teams_reporting"],
                "history": [series[w]["value"] for w in reported[-history_weeks:]],
            }
        )
    return headlines
