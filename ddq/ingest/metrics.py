"""Importing weekly metric values from a CSV file, all or nothing.

The file is staged by :mod:`ddq.ingest.csvfile`, every cell is checked with set-based SQL
(team, week and metric names are few, so they are resolved once per distinct value in
Python; values are checked per row in SQL), and an accepted file is applied in one
transaction that records what it added and what it overwrote in the ledger.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddq import audit, bugmetrics, ledger
from ddq import values as values_store
from ddq.access import EDITOR, requires
from ddq.db import (
    drop_temp,
    quote_ident,
    quote_literal,
    retry_on_conflict,
    temp_table,
    transaction,
)
from ddq.ingest.csvfile import (
    MAX_UPLOAD_MB,
    drop_staged,
    read_upload,
    stage_csv,
    strip_export_quote,
)
from ddq.ingest.problems import ImportRejected, Problem
from ddq.metrics import (
    COUNT,
    DAYS,
    EARLIEST_WEEK,
    PERCENT,
    catalog,
    current_week,
    fold_name,
)
from ddq.org import closest_name, name_key, some_names

if TYPE_CHECKING:
    import duckdb

Progress = Callable[[str, float], None]

LONG = "long"
WIDE = "wide"
CREATE_TEAMS_FLAG = "--create-teams"  # how the command lets an import create teams
# Rows of problems fetched from each check: more than anyone reads, few enough to stay fast
# on a file where every row is wrong.
_PROBLEM_FETCH_LIMIT = 1000
PREVIEW_ROWS = 20

_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?Z?)?$")
_ISO_WEEK = re.compile(r"^(\d{4})-?[Ww](\d{1,2})(?:-?[1-7])?$")


@dataclass
class MetricsImport:
    """What an import of a metrics file did, or (dry run) would do."""

    file_name: str
    sha256: str
    format: str
    rows_read: int
    values: int
    added: int
    updated: int
    unchanged: int
    teams_created: list[str]
    weeks: tuple[dt.date, dt.date] | None
    preview: list[dict[str, Any]] = field(default_factory=list)
    import_id: int | None = None
    metrics: bugmetrics.Computation | None = None  # bug metrics the upload took weeks from
    dry_run: bool = False

    def headline(self) -> dict[str, int]:
        """The numbers a person checks before applying, labelled for people."""
        return {"Rows": self.rows_read, "Values": self.values, "New": self.added,
                "Changed": self.updated, "Unchanged": self.unchanged}  # fmt: skip

    def notes(self) -> list[str]:
        """What else a person should know before applying."""
        found = []
        if self.weeks:
            found.append(f"{self.format.capitalize()} format, weeks {self.weeks[0]:%Y-%m-%d} "
                         f"to {self.weeks[1]:%Y-%m-%d}.")  # fmt: skip
        if self.teams_created:
            found.append(
                f"These {len(self.teams_created)} team(s) will be created: "
                f"{some_names(self.teams_created)}."
            )
        return found

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.updated or self.teams_created)

    def summary(self) -> str:
        counts = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        teams = ""
        if self.teams_created:
            verb = "would create" if self.dry_run else "created"
            teams = f"; {verb} {len(self.teams_created)} team(s): {some_names(self.teams_created)}"
        if self.dry_run:
            return f"dry run of {self.file_name}: would be {counts}{teams}; nothing was changed"
        return f"import {self.import_id}: {counts}{teams}"


@dataclass
class _Layout:
    format: str
    team_col: str
    week_col: str
    metric_col: str | None = None
    value_col: str | None = None
    # wide: (staged column, header name, metric key, unit)
    metric_cols: list[tuple[str, str, str, str]] = field(default_factory=list)
    header_names: dict[str, str] = field(default_factory=dict)  # staged column -> header name


@requires(EDITOR, "import metrics")
@retry_on_conflict  # another change at the same moment: the import runs again on top of it
def import_metrics(
    con: duckdb.DuckDBPyConnection,
    source: Path | bytes,
    *,
    file_name: str | None = None,
    who: str,
    dry_run: bool = False,
    create_teams: bool = False,
    create_teams_how: str = CREATE_TEAMS_FLAG,
    max_mb: float | None = MAX_UPLOAD_MB,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> MetricsImport:
    """Check a metrics CSV file and, unless ``dry_run``, apply it in one transaction.

    Raises :class:`ImportRejected` listing every problem when anything is wrong; the
    database is then left exactly as it was. A file over ``max_mb`` (None: no limit) or
    not a text file is refused before it is parsed. ``create_teams_how`` says, in an
    unknown team's problem, how the person lets the import create teams where they are
    (the command's flag, or a page's checkbox).
    """
    report = progress or (lambda stage, fraction: None)
    name = file_name or (source.name if isinstance(source, Path) else "upload.csv")
    report("reading", 0.0)
    data = read_upload(source, name, max_mb=max_mb)
    staged = stage_csv(con, data, name, path=source if isinstance(source, Path) else None)
    try:
        report("checking", 0.4)
        metrics = {m.key: m for m in catalog(con)}
        layout = _layout(staged.header, staged.columns, metrics, name)
        _resolve_names(con, layout, staged.table, metrics, create_teams, today, create_teams_how)
        _type_cells(con, layout, staged.table)
        problems, hidden, (values, first, last) = _row_problems(con, layout, staged.table)
        problems += staged.problems
        if problems:
            raise ImportRejected(name, problems, hidden=hidden)
        if values == 0:
            reason = (
                "the file has a header but no rows"
                if staged.rows == 0
                else "every metric cell is empty; there is nothing to import"
            )
            raise ImportRejected(name, [Problem(0, "", None, reason)])
        report("comparing", 0.6)
        result = _classify(
            con, name, staged.sha256, layout.format, staged.rows, values, (first, last)
        )
        result.dry_run = dry_run
        if not dry_run:
            report("applying", 0.75)
            _apply(con, result, who)
        report("done", 1.0)
        return result
    finally:
        drop_staged(con, staged.table)
        drop_temp(con, "typed", "team_map", "week_map", "metric_map", "changed",
                  views=["preview"])  # fmt: skip


def _layout(header: list[str], columns: list[str], metrics: dict, file_name: str) -> _Layout:
    problems: list[Problem] = []
    folded: dict[str, str] = {}
    names = dict(zip(columns, header, strict=True))
    for column, name in names.items():
        key = fold_name(name)
        if not key:
            problems.append(
                Problem(
                    1,
                    f"{columns.index(column) + 1}",
                    name,
                    "the header has an empty column name; name it or delete the column",
                )
            )
        elif key in folded:
            problems.append(
                Problem(
                    1,
                    name,
                    None,
                    f"appears twice in the header (also as {names[folded[key]]!r}); keep one",
                )
            )
        else:
            folded[key] = column
    missing = [c for c in ("team", "week") if c not in folded]
    if missing:
        problems.append(
            Problem(
                1,
                "",
                ",".join(header),
                f"the header has no {' or '.join(missing)} "
                "column; a metrics file starts with team,week,metric,value "
                "(long) or team,week,<metric>,... (wide)",
            )
        )
    if problems:
        raise ImportRejected(file_name, problems)
    layout = _Layout(
        format=LONG, team_col=folded["team"], week_col=folded["week"], header_names=names
    )
    if "metric" in folded and "value" in folded:
        layout.metric_col, layout.value_col = folded["metric"], folded["value"]
        extra = [
            names[c] for k, c in folded.items() if k not in ("team", "week", "metric", "value")
        ]
        for name in extra:
            problems.append(
                Problem(
                    1,
                    name,
                    None,
                    "unexpected column in a long-format file (team,week,metric,value); remove it",
                )
            )
    else:
        layout.format = WIDE
        by_fold = {fold_name(k): m for k, m in metrics.items()}
        by_fold |= {fold_name(m.label): m for m in metrics.values()}
        for key, column in folded.items():
            if key in ("team", "week"):
                continue
            metric = by_fold.get(key)
            if metric is None:
                problems.append(
                    Problem(
                        1,
                        names[column],
                        None,
                        "unknown metric; known metrics: " + ", ".join(metrics),
                    )
                )
            else:
                layout.metric_cols.append((column, names[column], metric.key, metric.unit))
        if not layout.metric_cols and not problems:
            problems.append(
                Problem(
                    1,
                    "",
                    None,
                    "no metric columns: add metric and value columns "
                    "(long format) or one column per metric (wide format)",
                )
            )
    if problems:
        raise ImportRejected(file_name, problems)
    return layout


def _distinct(con: duckdb.DuckDBPyConnection, table: str, column: str) -> list[str]:
    """Each distinct value of a staged column, an empty cell as ''."""
    return [
        v
        for (v,) in con.execute(
            f"SELECT DISTINCT coalesce({quote_ident(column)}, '') FROM {quote_ident(table)}"
        ).fetchall()
    ]


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
        return day - dt.timedelta(days=day.weekday())
    if match := _ISO_WEEK.match(text):
        try:
            return dt.date.fromisocalendar(int(match[1]), int(match[2]), 1)
        except ValueError:
            return None
    return None


def _iso_week_label(monday: dt.date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _resolve_names(
    con,
    layout: _Layout,
    table: str,
    metrics: dict,
    create_teams: bool,
    today: dt.date | None,
    create_teams_how: str = "",
) -> None:
    """Build small lookup tables from each distinct raw team, week and metric value.

    Each map gives a small integer (``*_no``) too, so that the duplicate check can hash one
    BIGINT per row instead of three strings.
    """
    known = {name_key(n): (i, n) for i, n in con.execute(
        "SELECT id, name FROM teams WHERE kind = 'team'").fetchall()}  # fmt: skip
    # Unassigned's values are computed from the bugs no team owns; nobody uploads them.
    reserved = {name_key(n) for (n,) in con.execute(
        "SELECT name FROM teams WHERE kind <> 'team'").fetchall()}  # fmt: skip
    team_rows: dict[str, list] = {
        "raw": [],
        "team_key": [],
        "team_id": [],
        "team_name": [],
        "team_no": [],
        "problem": [],
    }
    numbers: dict[str, int] = {}
    for raw in _distinct(con, table, layout.team_col):
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
    week_rows: dict[str, list] = {"raw": [], "week": [], "problem": []}
    for raw in _distinct(con, table, layout.week_col):
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
                f"week {_iso_week_label(monday)} is in the future (this is week "
                f"{_iso_week_label(this_week)}); check the year"
            )
        elif monday < EARLIEST_WEEK:
            problem = "the week is before 2000-01-03; check the year"
        week_rows["raw"].append(raw)
        week_rows["week"].append(monday if problem is None else None)
        week_rows["problem"].append(problem)

    metric_rows: dict[str, list] = {
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
        for raw in _distinct(con, table, layout.metric_col):
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
    temp_table(con, "week_map", week_rows, {"week": "DATE"})
    temp_table(con, "metric_map", metric_rows, {"metric_no": "BIGINT"})


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


def _type_cells(con: duckdb.DuckDBPyConnection, layout: _Layout, table: str) -> None:
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
        FROM ({_typed_sql(layout, quoted)})
    """)
    first_rows = f"(SELECT * FROM {quoted} LIMIT {PREVIEW_ROWS})"
    con.execute(f"CREATE OR REPLACE TEMP VIEW preview AS {_typed_sql(layout, first_rows)}")


def _typed_sql(layout: _Layout, staged: str) -> str:
    team, week = quote_ident(layout.team_col), quote_ident(layout.week_col)
    if layout.format == LONG:
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
                   wm.week, mm.metric, mm.metric_no,
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
               (team_no * 1000000 + (week - DATE '2000-01-03')) * 1000 + metric_no AS cell_key
        FROM resolved
    """


def _row_problems(
    con: duckdb.DuckDBPyConnection, layout: _Layout, table: str
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
    if layout.format == LONG:
        name_checks.append(("metric_map", layout.metric_col))
    for map_table, column in name_checks:
        if not con.execute(f"SELECT count(problem) FROM {map_table}").fetchone()[0]:
            continue
        query = f"""
            FROM {quote_ident(table)} s JOIN {map_table} m ON m.raw = coalesce(s.{quote_ident(column)}, '')
            WHERE m.problem IS NOT NULL
        """
        total = con.execute(f"SELECT count(*) {query}").fetchone()[0]
        hidden += max(0, total - _PROBLEM_FETCH_LIMIT)
        for line, raw, reason in con.execute(
            f"SELECT s.line, m.raw, m.problem {query} ORDER BY s.line LIMIT {_PROBLEM_FETCH_LIMIT}"
        ).fetchall():
            found.append(Problem(line, names[column], raw, reason))
    total_values, duplicates, values, first, last = con.execute(
        "SELECT count(value_problem), count(cell_key) - count(DISTINCT cell_key), count(*), "
        "min(week), max(week) FROM typed"
    ).fetchone()
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
                    f"{metric} for this team in week {_iso_week_label(week)} is also on line "
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
                f"this team's week {_iso_week_label(week)} is also on line {lines[0]} (lines "
                f"{', '.join(map(str, lines))}), with values in {columns}; keep one row per "
                "team and week",
            )
        )
    return found


def _classify(
    con: duckdb.DuckDBPyConnection,
    file_name: str,
    sha256: str,
    fmt: str,
    rows_read: int,
    values: int,
    weeks: tuple[dt.date, dt.date],
) -> MetricsImport:
    """Compare the file's values with the stored ones: what would be added, updated, kept."""
    first, last = weeks
    comparison = values_store.compare(con, "typed", values)
    updated, unchanged = comparison.updated, comparison.unchanged
    new_teams = [
        n
        for (n,) in con.execute(
            "SELECT min(team_name) FROM team_map WHERE team_id IS NULL AND problem IS NULL "
            "GROUP BY team_key ORDER BY team_key"
        ).fetchall()
    ]
    preview = [
        dict(zip(("line", "team", "week", "metric", "value"), r, strict=True))
        for r in con.execute(
            f"SELECT line, m.team_name, week, metric, value FROM preview JOIN "
            f"(SELECT team_no, min(team_name) AS team_name FROM team_map GROUP BY team_no) m "
            f"USING (team_no) ORDER BY line, value_column LIMIT {PREVIEW_ROWS}"
        ).fetchall()
    ]
    return MetricsImport(
        file_name=file_name,
        sha256=sha256,
        format=fmt,
        rows_read=rows_read,
        values=values,
        added=values - updated - unchanged,
        updated=updated,
        unchanged=unchanged,
        teams_created=new_teams,
        weeks=(first, last) if first else None,
        preview=preview,
    )


def _apply(con: duckdb.DuckDBPyConnection, result: MetricsImport, who: str) -> None:
    with transaction(con):
        import_id = ledger.start(
            con, kind="metrics", file_name=result.file_name, sha256=result.sha256, who=who
        )
        if result.teams_created:
            con.execute("""
                INSERT INTO teams (name, name_key)
                SELECT min(team_name), team_key FROM team_map WHERE team_id IS NULL
                GROUP BY team_key
            """)
            con.execute(
                """
                INSERT INTO import_created_teams (import_id, team_id)
                SELECT DISTINCT ?, t.id FROM teams t JOIN team_map m ON m.team_key = t.name_key
                WHERE m.team_id IS NULL
            """,
                [import_id],
            )
            con.execute("""
                UPDATE team_map SET team_id = t.id FROM teams t
                WHERE team_map.team_id IS NULL AND t.name_key = team_map.team_key
            """)
            con.execute("""
                UPDATE typed SET team_id = m.team_id FROM team_map m
                WHERE typed.team_id IS NULL AND typed.team_no = m.team_no
            """)
        values_store.write(
            con, "typed", import_id,
            values_store.Comparison(result.values, result.updated, result.unchanged),
        )  # fmt: skip
        ledger.finish(
            con,
            import_id,
            rows_read=result.rows_read,
            added=result.added,
            updated=result.updated,
            unchanged=result.unchanged,
            teams_created=len(result.teams_created),
        )
        audit.record(con, who, "metrics.import", result.file_name,
                     after={"import_id": import_id, "rows": result.rows_read,
                            "added": result.added, "updated": result.updated,
                            "teams_created": len(result.teams_created)})  # fmt: skip
        # Uploaded bug metrics take their team-weeks over from computed ones.
        result.metrics = bugmetrics.refresh(
            con, who=who, reason=f"after import {import_id} ({result.file_name})"
        )
    result.import_id = import_id
