"""Typing and checking every metric cell of a staged file, with set-based SQL."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ddq.db import quote_ident, quote_literal, scalar
from ddq.ingest.metrics.layout import LONG, Layout
from ddq.ingest.metrics.names import CellKeys, iso_week_label
from ddq.ingest.problems import Problem
from ddq.metrics import COUNT, DAYS, PERCENT

if TYPE_CHECKING:
    import duckdb

# Rows of problems fetched from each check: more than anyone reads, few enough to stay fast
# on a file where every row is wrong.
_PROBLEM_FETCH_LIMIT = 1000
PREVIEW_ROWS = 20
# The most cells (teams x weeks x metrics) whose duplicates are counted with a bitmap, one
# bit a cell (16 MB): a million-row file needs a million bits, and counting them is several
# times quicker than count(DISTINCT). A file naming more is counted the usual way.
_BITMAP_CELLS = 128 * 1024 * 1024


def _value_problem_sql(unit: str, raw: str, number: str) -> str:
    """SQL naming what is wrong with a value (NULL when nothing is) for a metric's unit."""
    checks = [
        f"WHEN {raw} IS NULL OR trim({raw}) = '' THEN 'the value is empty; leave the row out "
        "if the team did not report this week'",
        f"WHEN {number} IS NULL OR contains({raw}, '_') THEN 'not a number (write digits with "
        "a point as the decimal separator and no thousands separators)'",
        f"WHEN isnan({number}) OR isinf({number}) THEN 'NaN and infinity are not values'",
    ]
    if unit == COUNT:
        checks += [
            f"WHEN {number} < 0 THEN 'a count cannot be negative'",
            f"WHEN {number} <> trunc({number}) THEN 'a count is a whole number'",
        ]
    elif unit == PERCENT:
        checks += [f"WHEN {number} < 0 OR {number} > 100 THEN 'a percentage is between 0 and 100'"]
    elif unit == DAYS:
        checks += [f"WHEN {number} < 0 THEN 'a number of days cannot be negative'"]
    return "CASE " + " ".join(checks) + " END"


def type_cells(con: duckdb.DuckDBPyConnection, layout: Layout, table: str, keys: CellKeys) -> None:
    """The view ``typed``: one row per metric cell, names resolved through the maps.

    Kept narrow (the raw text of a value only where it has a problem): the checks and
    the final insert each scan it once. ``preview`` is the same query, as a view over the
    file's first rows only.
    """
    quoted = quote_ident(table)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE typed AS
        SELECT line, value_column, team_no, team_id, week, metric, value, value_problem,
               CASE WHEN value_problem IS NOT NULL THEN value_raw END AS value_raw, cell_key,
               NULL::INTEGER AS definition_version
        FROM ({_typed_sql(layout, quoted, keys)})
    """)
    first_rows = f"(SELECT * FROM {quoted} LIMIT {PREVIEW_ROWS})"
    con.execute(f"CREATE OR REPLACE TEMP VIEW preview AS {_typed_sql(layout, first_rows, keys)}")


def _typed_sql(layout: Layout, staged: str, keys: CellKeys) -> str:
    team, week = quote_ident(layout.team_col), quote_ident(layout.week_col)
    if layout.format == LONG:
        assert layout.metric_col is not None and layout.value_col is not None  # long: both
        metric, value = quote_ident(layout.metric_col), quote_ident(layout.value_col)
        cells = f"""
            SELECT line, {team} AS team_raw, {week} AS week_raw, {metric} AS metric_raw,
                   NULL::VARCHAR AS value_column, {value} AS value_raw
            FROM {staged}
        """
    else:
        parts = []
        for column, header, key, _unit in layout.metric_cols:
            col = quote_ident(column)
            parts.append(f"""
                SELECT line, {team} AS team_raw, {week} AS week_raw,
                       {quote_literal(key)} AS metric_raw, {quote_literal(header)} AS value_column,
                       {col} AS value_raw
                FROM {staged} WHERE {col} IS NOT NULL AND trim({col}) <> ''
            """)
        cells = " UNION ALL ".join(parts)
    raw, number = "c.value_raw", "c.value"
    return f"""
        WITH c AS (SELECT *, TRY_CAST(value_raw AS DOUBLE) AS value FROM ({cells})),
        resolved AS (
            SELECT c.line, c.value_column, c.value_raw, c.value, tm.team_no, tm.team_id,
                   wm.week, wm.week_no, mm.metric, mm.metric_no,
                   CASE
                     WHEN mm.metric IS NULL THEN NULL
                     WHEN mm.unit = '{COUNT}' THEN {_value_problem_sql(COUNT, raw, number)}
                     WHEN mm.unit = '{PERCENT}' THEN {_value_problem_sql(PERCENT, raw, number)}
                     WHEN mm.unit = '{DAYS}' THEN {_value_problem_sql(DAYS, raw, number)}
                     ELSE {_value_problem_sql("", raw, number)}
                   END AS value_problem
            FROM c
            JOIN team_map tm ON tm.raw = coalesce(c.team_raw, '')
            JOIN week_map wm ON wm.raw = coalesce(c.week_raw, '')
            JOIN metric_map mm ON mm.raw = coalesce(c.metric_raw, '')
        )
        SELECT line, value_column, team_no, team_id, week, metric, value, value_problem,
               value_raw,
               -- one number per (team, week, metric), for a cheap duplicate check
               (team_no * {keys.weeks:d} + week_no) * {keys.metrics:d} + metric_no AS cell_key
        FROM resolved
    """


def row_problems(
    con: duckdb.DuckDBPyConnection, layout: Layout, table: str, keys: CellKeys
) -> tuple[list[Problem], int, tuple[int, dt.date | None, dt.date | None]]:
    """Every problem in the cells, every key that appears twice, and how many more.

    Also returns, from the same pass, the number of values and their first and last week.

    Unknown teams, weeks and metrics are found in the small maps first; the big table is
    searched only for the kinds of problem that occur.
    """
    names = layout.header_names
    value_header = names.get(layout.value_col or "", "")
    found: list[Problem] = []
    hidden = 0
    name_checks = [
        ("team_map", layout.team_col),
        ("week_map", layout.week_col),
    ]
    if layout.format == LONG and layout.metric_col is not None:
        name_checks.append(("metric_map", layout.metric_col))
    for map_table, column in name_checks:
        if not scalar(con, f"SELECT count(problem) FROM {map_table}"):
            continue
        query = f"""
            FROM {quote_ident(table)} s JOIN {map_table} m ON m.raw = coalesce(s.{quote_ident(column)}, '')
            WHERE m.problem IS NOT NULL
        """
        total: int = scalar(con, f"SELECT count(*) {query}")
        hidden += max(0, total - _PROBLEM_FETCH_LIMIT)
        for line, raw, reason in con.execute(
            f"SELECT s.line, m.raw, m.problem {query} ORDER BY s.line LIMIT {_PROBLEM_FETCH_LIMIT}"
        ).fetchall():
            found.append(Problem(line, names[column], raw, reason))
    distinct = (
        f"coalesce(bit_count(bitstring_agg(cell_key, 0, {keys.cells - 1:d})), 0)"
        if 0 < keys.cells <= _BITMAP_CELLS
        else "count(DISTINCT cell_key)"
    )
    summary = con.execute(
        f"SELECT count(value_problem), count(cell_key) - {distinct}, count(*), "
        "min(week), max(week) FROM typed"
    ).fetchone()
    assert summary is not None  # an aggregate returns one row
    total_values, duplicates, values, first, last = summary
    if total_values:
        hidden += max(0, total_values - _PROBLEM_FETCH_LIMIT)
        for line, column, raw, reason in con.execute(
            f"SELECT line, coalesce(value_column, ?), value_raw, value_problem FROM typed "
            f"WHERE value_problem IS NOT NULL ORDER BY line LIMIT {_PROBLEM_FETCH_LIMIT}",
            [value_header],
        ).fetchall():
            found.append(Problem(line, column, raw if raw is not None else "", reason))
    if duplicates:
        found += _duplicate_problems(
            con, names[layout.team_col], [header for _, header, _, _ in layout.metric_cols]
        )
    return found, hidden, (values, first, last)


def _duplicate_problems(
    con: duckdb.DuckDBPyConnection, team_header: str, wide_headers: list[str]
) -> list[Problem]:
    """A problem for each later row that gives a (team, week, metric) again.

    In a wide file a row repeats a team's week with all its columns at once: one problem
    for the row, naming the repeated columns by the file's own headers.
    """
    found = []
    repeats: dict[tuple[int, tuple[int, ...]], tuple[str, dt.date, list[str]]] = {}
    for lines, team_raw, week, metric, header in con.execute(
        f"""
        SELECT list(line ORDER BY line) AS lines, any_value(m.raw), any_value(week),
               any_value(metric), min(value_column) AS header
        FROM typed JOIN (SELECT team_no, min(raw) AS raw FROM team_map GROUP BY team_no) m
          USING (team_no)
        WHERE cell_key IS NOT NULL
        GROUP BY cell_key HAVING count(*) > 1
        ORDER BY lines[2], header
        LIMIT {_PROBLEM_FETCH_LIMIT}
        """
    ).fetchall():
        shown = ", ".join(map(str, lines))
        for later in lines[1:]:
            if wide_headers:
                repeats.setdefault((later, tuple(lines)), (team_raw or "", week, []))[2].append(
                    header
                )
                continue
            found.append(
                Problem(
                    later,
                    team_header,
                    team_raw or "",
                    f"{metric} for this team in week {iso_week_label(week)} is also on line "
                    f"{lines[0]} (lines {shown}); keep one value per team, week and metric",
                )
            )
    for (later, lines), (team_raw, week, headers) in repeats.items():
        columns = ", ".join(sorted(headers, key=wide_headers.index))  # the file's order
        found.append(
            Problem(
                later,
                team_header,
                team_raw,
                f"this team's week {iso_week_label(week)} is also on line {lines[0]} (lines "
                f"{', '.join(map(str, lines))}), with values in {columns}; keep one row per "
                "team and week",
            )
        )
    return found
