"""Reading the metrics back out: the catalog a database holds, its teams, weeks and sizes.

What a metric is (MetricDef, its directions and units, the default catalog) lives in
:mod:`ddq.catalog`; its names are importable from here too.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, TypedDict

import duckdb

from ddq import clock
from ddq.catalog import COUNT as COUNT
from ddq.catalog import DAYS as DAYS
from ddq.catalog import DEFAULT_CATALOG as DEFAULT_CATALOG
from ddq.catalog import HIGHER_IS_BETTER as HIGHER_IS_BETTER
from ddq.catalog import LOWER_IS_BETTER as LOWER_IS_BETTER
from ddq.catalog import PERCENT as PERCENT
from ddq.catalog import MetricDef as MetricDef
from ddq.db import rows

# No team measured anything with ddq before this Monday; an earlier week is a typo.
EARLIEST_WEEK = dt.date(2000, 1, 3)


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


class Counts(TypedDict):
    """Sizes of the database: areas, active teams, values, and the weeks the values span."""

    areas: int
    teams: int
    values: int
    first_week: dt.date | None
    last_week: dt.date | None


def counts(con: duckdb.DuckDBPyConnection) -> Counts:
    """Sizes of the database at a glance: areas, teams, values and the weeks they span."""
    areas_n, teams_n = _one_row(
        con,
        "SELECT (SELECT count(*) FROM areas), (SELECT count(*) FROM teams WHERE active AND kind = 'team')",
    )
    values_n, first, last = _one_row(
        con, "SELECT count(*), min(week), max(week) FROM metric_values"
    )
    return {
        "areas": areas_n,
        "teams": teams_n,
        "values": values_n,
        "first_week": first,
        "last_week": last,
    }


def _one_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The one row an aggregate query returns."""
    row = con.execute(sql).fetchone()
    assert row is not None  # an aggregate without GROUP BY always returns one row
    return row
