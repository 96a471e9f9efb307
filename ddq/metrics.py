"""The metric catalog, ISO weeks, and reading the weekly metric values back out."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ddq import clock
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


week_monday = clock.week_start
today_utc = clock.today


def current_week(today: dt.date | None = None) -> dt.date:
    """The Monday of the current ISO week, in UTC."""
    return week_monday(today or today_utc())


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


def team_names(con: duckdb.DuckDBPyConnection, *, own_only: bool = False) -> list[str]:
    """Names of all teams, active or not, sorted case-insensitively.

    Unassigned (the bugs no team owns) is listed while it holds values, unless ``own_only``.
    """
    return [r["name"] for r in rows(
        con,
        "SELECT name FROM teams WHERE kind = 'team' OR (active AND NOT ?) ORDER BY name_key",
        [own_only],
    )]  # fmt: skip


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, object]:
    """Sizes of the database at a glance: areas, teams, values and the weeks they span."""
    areas_n, teams_n = con.execute(
        "SELECT (SELECT count(*) FROM areas), (SELECT count(*) FROM teams WHERE active AND kind = 'team')"
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
