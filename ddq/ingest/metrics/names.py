"""Resolving a metrics file's teams, weeks and metrics, once per distinct value.

Names are few, so each distinct raw value is resolved in Python into a small lookup table
(``team_map``, ``week_map``, ``metric_map``) that the set-based checks join.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import clock
from ddq.db import quote_ident, temp_table
from ddq.ingest.csvfile import strip_export_quote
from ddq.ingest.metrics.layout import LONG, Layout
from ddq.metrics import EARLIEST_WEEK, MetricDef, current_week, fold_name
from ddq.org import closest_name, name_key

if TYPE_CHECKING:
    import duckdb

_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?$")
_ISO_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})(?:-?[1-7])?$")


@dataclass(frozen=True)
class CellKeys:
    """How many teams, weeks and metrics a file's maps number: a cell's key is
    ``(team_no * weeks + week_no) * metrics + metric_no``, from 0 to ``cells - 1``."""

    teams: int
    weeks: int
    metrics: int

    @property
    def cells(self) -> int:
        return self.teams * self.weeks * self.metrics


def _distinct(con: duckdb.DuckDBPyConnection, table: str, columns: list[str]) -> list[list[str]]:
    """Each distinct value of each staged column, an empty cell as '', in one scan."""
    lists = ", ".join(f"list(DISTINCT coalesce({quote_ident(column)}, ''))" for column in columns)
    row = con.execute(f"SELECT {lists} FROM {quote_ident(table)}").fetchone()
    assert row is not None  # an aggregate returns one row
    return [values or [] for values in row]


def _clean_text(raw: str | None) -> str:
    return strip_export_quote((raw or "").strip())


def parse_week(raw: str) -> dt.date | None:
    """The Monday of the ISO week written as an ISO date (any weekday) or as ``2026-W14``."""
    text = raw.strip()
    if match := _ISO_DATE.match(text):
        try:
            day = dt.date.fromisoformat(match[1])
        except ValueError:
            return None
        return clock.week_start(day)
    if match := _ISO_WEEK.match(text):
        try:
            return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            return None
    return None


def iso_week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def resolve_names(
    con: duckdb.DuckDBPyConnection,
    layout: Layout,
    table: str,
    metrics: dict[str, MetricDef],
    create_teams: bool,
    today: dt.date | None,
    create_teams_how: str = "",
) -> CellKeys:
    """Build small lookup tables from each distinct raw team, week and metric value.

    Each map gives a small integer (``*_no``) too, numbered from 0, so that a cell's
    (team, week, metric) is one dense BIGINT (:class:`CellKeys`) for the duplicate check.
    """
    known = {name_key(n): (i, n) for i, n in con.execute(
        "SELECT id, name FROM teams WHERE kind = 'team'").fetchall()}  # fmt: skip
    # Unassigned's values are computed from the bugs no team owns; nobody uploads them.
    reserved = {name_key(n) for (n,) in con.execute(
        "SELECT name FROM teams WHERE kind <> 'team'").fetchall()}  # fmt: skip
    team_rows: dict[str, list[Any]] = {
        "raw": [],
        "team_key": [],
        "team_id": [],
        "team_name": [],
        "team_no": [],
        "problem": [],
    }
    numbers: dict[str, int] = {}
    columns = [layout.team_col, layout.week_col]
    if layout.format == LONG:
        assert layout.metric_col is not None  # a long file has one
        columns.append(layout.metric_col)
    team_raws, week_raws, *metric_raws = _distinct(con, table, columns)
    for raw in team_raws:
        text = _clean_text(raw)
        key = name_key(text)
        problem = None
        if not key:
            problem = "the team is empty; every row needs a team"
        elif key in reserved:
            problem = ("this is the name ddq gives the bugs that no team owns; its values are "
                       "computed from them, not uploaded")  # fmt: skip
        elif key not in known and not create_teams:
            guess = closest_name(text, [n for _, n in known.values()])
            hint = f" (did you mean {guess!r}?)" if guess else ""
            problem = (
                f"unknown team{hint}; add it to the roster first, or let the import "
                f"create missing teams ({create_teams_how})"
            )
        team_id, team_name = known.get(key, (None, text))
        for column, value in (
            ("raw", raw),
            ("team_key", key),
            ("team_id", team_id),
            ("team_name", team_name),
            ("problem", problem),
            ("team_no", numbers.setdefault(key, len(numbers))),
        ):
            team_rows[column].append(value)

    this_week = current_week(today)
    week_rows: dict[str, list[Any]] = {"raw": [], "week": [], "week_no": [], "problem": []}
    week_numbers: dict[dt.date, int] = {}
    for raw in week_raws:
        text = (raw or "").strip()
        monday = parse_week(text) if text else None
        problem = None
        if not text:
            problem = "the week is empty; every row needs a week"
        elif monday is None:
            problem = (
                "not a week: write an ISO date such as 2026-03-02 (any day of the week) "
                "or an ISO week such as 2026-W10"
            )
        elif monday > this_week:
            problem = (
                f"week {iso_week_label(monday)} is in the future (this is week "
                f"{iso_week_label(this_week)}); check the year"
            )
        elif monday < EARLIEST_WEEK:
            problem = "the week is before 2000-01-03; check the year"
        week_rows["raw"].append(raw)
        week_rows["week"].append(monday if problem is None else None)
        week_rows["week_no"].append(
            week_numbers.setdefault(monday, len(week_numbers))
            if monday is not None and problem is None
            else None
        )
        week_rows["problem"].append(problem)

    metric_rows: dict[str, list[Any]] = {
        "raw": [],
        "metric": [],
        "unit": [],
        "metric_no": [],
        "problem": [],
    }
    keys = list(metrics)
    if layout.format == LONG:
        by_fold = {fold_name(k): m for k, m in metrics.items()}
        by_fold |= {fold_name(m.label): m for m in metrics.values()}
        for raw in metric_raws[0]:
            text = _clean_text(raw)
            metric = by_fold.get(fold_name(text)) if text else None
            problem = None
            if not text:
                problem = "the metric is empty; every row needs a metric"
            elif metric is None:
                problem = "unknown metric; known metrics: " + ", ".join(metrics)
            metric_rows["raw"].append(raw)
            metric_rows["metric"].append(metric.key if metric else None)
            metric_rows["unit"].append(metric.unit if metric else None)
            metric_rows["metric_no"].append(keys.index(metric.key) if metric else None)
            metric_rows["problem"].append(problem)
    else:
        for _column, _header, key, unit in layout.metric_cols:
            for column, value in (
                ("raw", key),
                ("metric", key),
                ("unit", unit),
                ("metric_no", keys.index(key)),
                ("problem", None),
            ):
                metric_rows[column].append(value)

    temp_table(con, "team_map", team_rows, {"team_id": "INTEGER", "team_no": "BIGINT"})
    temp_table(con, "week_map", week_rows, {"week": "DATE", "week_no": "BIGINT"})
    temp_table(con, "metric_map", metric_rows, {"metric_no": "BIGINT"})
    return CellKeys(teams=len(numbers), weeks=len(week_numbers), metrics=len(keys))
