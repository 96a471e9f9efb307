"""Writing CSV files that are safe to open in a spreadsheet and import back unchanged.

A cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would be run
as a formula by Excel or LibreOffice, so ddq writes it with a leading ``'`` (plain numbers
such as ``-10`` excepted). Cells that already start with ``'`` before such a character get
one more, so that every import, which removes one leading ``'``
(:func:`ddq.ingest.csvfile.strip_export_quote`), gives back exactly what was exported.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import duckdb

from ddq.bugmetrics import OWNERS_SQL, UNASSIGNED
from ddq.db import quote_literal, scalar, temp_table

# A cell a spreadsheet may run as a formula: it starts with = + - @ (or their full-width
# forms, which some spreadsheets read as the same), a tab or a carriage return, perhaps
# behind invisible characters (zero-width spaces and joiners, a byte-order mark) and the
# quotes of an earlier export. The same pattern serves Python and DuckDB (RE2).
FORMULA_START_PATTERN = "^'*[\u200b\u200c\u200d\u2060\ufeff]*[=+\\-@\t\r\uff1d\uff0b\uff0d\uff20]"
_FORMULA_START = re.compile(FORMULA_START_PATTERN)
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def formula_safe(value: str) -> str:
    """The cell text to write so that a spreadsheet shows it as text, not a formula."""
    if _FORMULA_START.match(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


# Whole numbers are written without ".0" so that counts read as counts; other values use
# DuckDB's shortest text that reads back as the same double.
VALUE_TEXT_SQL = (
    "CASE WHEN value = trunc(value) AND abs(value) < 1e15 "
    "THEN CAST(CAST(value AS BIGINT) AS VARCHAR) ELSE CAST(value AS VARCHAR) END"
)


def export_metrics(con: duckdb.DuckDBPyConnection, out: Path | TextIO | None = None) -> int:
    """Write every metric value as ``team,week,metric,value``, sorted; return the row count.

    Unassigned's values are left out: they are computed from the bugs no team owns (``ddq
    export bugs`` has them, team Unassigned), and no metrics file can carry them back in.
    ``out`` is a file path, an open text stream, or None for standard output.
    """
    names = con.execute("SELECT id, name FROM teams WHERE kind = 'team'").fetchall()
    temp_table(
        con,
        "safe_teams",
        {
            "id": [i for i, _ in names],
            "name": [formula_safe(n) for _, n in names],
            "sort_key": [n.lower() for _, n in names],
        },
        {"id": "INTEGER"},
    )
    keys = [k for (k,) in con.execute("SELECT key FROM metric_defs").fetchall()]
    temp_table(con, "safe_metrics", {"key": keys, "safe": [formula_safe(k) for k in keys]})
    query = f"""
        SELECT t.name AS team, strftime(mv.week, '%Y-%m-%d') AS week, m.safe AS metric,
               {VALUE_TEXT_SQL} AS value
        FROM metric_values mv
        JOIN safe_teams t ON t.id = mv.team_id
        JOIN safe_metrics m ON m.key = mv.metric
        ORDER BY t.sort_key, t.name, mv.week, mv.metric
    """
    return _copy_csv(con, query, out)


ROSTER_COLUMNS = ("area", "team", "champion", "email", "since")


def export_roster(con: duckdb.DuckDBPyConnection, out: Path | TextIO | None = None) -> int:
    """Write the roster as ``area,team,champion,email,since``; return the number of teams.

    One line per active team, sorted by area (teams without an area last) and team, with its
    current champion or empty cells. ``ddq import roster`` reads it back unchanged. ``out``
    is a file path, an open text stream, or None for standard output.
    """
    found = con.execute("""
        SELECT a.name, t.name, c.person, c.contact, c.since
        FROM teams t
        LEFT JOIN areas a ON a.id = t.area_id
        LEFT JOIN champions c ON c.team_id = t.id AND c.until IS NULL
        WHERE t.active AND t.kind = 'team'
        ORDER BY a.name_key NULLS LAST, t.name_key, c.since, c.id
    """).fetchall()

    def write(stream: TextIO) -> None:
        stream.write(csv_line(ROSTER_COLUMNS))
        for *texts, since in found:
            stream.write(
                csv_line(
                    [formula_safe(t) if t else "" for t in texts]
                    + [since.isoformat() if since else ""]
                )
            )

    if isinstance(out, Path):
        with out.open("w", encoding="utf-8", newline="") as f:
            write(f)
    else:
        write(out or sys.stdout)
    return len(found)


def _copy_csv(con: duckdb.DuckDBPyConnection, query: str, out: Path | TextIO | None) -> int:
    """Write a query's rows as CSV with DuckDB's COPY to a file, a stream or stdout.

    The database's own connection reaches no file (ddq.db.SAFE_CONFIG): the rows stream to
    an in-memory DuckDB that may write the one target file and nothing else.
    """
    with tempfile.TemporaryDirectory(prefix="ddq-export-") as tmp:
        target = out if isinstance(out, Path) else Path(tmp) / "export.csv"
        writer = duckdb.connect(":memory:")
        try:
            writer.register("export_rows", con.sql(query).to_arrow_reader())
            writer.execute("SET allowed_paths = ?", [[str(target.resolve())]])
            writer.execute("SET enable_external_access = false")
            writer.execute("SET lock_configuration = true")
            count: int = scalar(
                writer,
                f"COPY (SELECT * FROM export_rows) TO '{_sql_path(target.resolve())}' "
                "(HEADER, DELIMITER ',', QUOTE '\"')",
            )
        finally:
            writer.close()
        if not isinstance(out, Path):
            with target.open(encoding="utf-8", newline="") as f:
                shutil.copyfileobj(f, out or sys.stdout)
    return count


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def csv_line(cells: Sequence[str]) -> str:
    """One CSV line ending in ``\\n``; a cell with a comma, quote or line break is quoted.

    Python's csv writer with ``\\n`` line ends leaves a carriage return unquoted, and a
    spreadsheet starts a new row there: the rest of the cell, ``=...`` perhaps, would be
    read as a cell of its own (a formula), and the file would not import back.
    """
    if len(cells) == 1 and cells[0] == "":
        return '""\n'
    return ",".join(_quoted(c) for c in cells) + "\n"


def _quoted(cell: str) -> str:
    if any(c in cell for c in ',"\r\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def rows_to_csv(rows: list[dict[str, Any]]) -> str:
    """Rows as formula-safe CSV text: the data behind a chart, ready for a spreadsheet.

    Dates are ISO, missing values empty, whole numbers without ``.0``.
    """
    if not rows:
        return ""
    lines = [csv_line([formula_safe(str(c)) for c in rows[0]])]
    lines += [csv_line([_cell(v) for v in row.values()]) for row in rows]
    return "".join(lines)


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return formula_safe(str(value))


BUG_COLUMNS = (
    "key", "tracker", "team", "type", "status", "priority", "severity", "labels", "components",
    "created", "resolved", "summary", "description",
)  # fmt: skip
_FORMULA_START_SQL = "'" + FORMULA_START_PATTERN.replace("'", "''") + "'"


def export_bugs(con: duckdb.DuckDBPyConnection, out: Path | TextIO | None = None) -> int:
    """Write every bug as ``key,tracker,team,...,summary,description``; return the count.

    One line per bug, sorted by tracker and key (numbers in keys in numeric order). The
    team is the bug's owner (see :mod:`ddq.ownership`), or ``Unassigned``; labels and
    components are joined with ``; ``; timestamps are UTC ``YYYY-MM-DD HH:MM:SS``. Every
    text cell is formula-safe. ``out`` is a file path, an open text stream, or None for
    standard output.
    """
    # Only the few cells that start like a formula go through Python's formula_safe, so
    # the export escapes exactly as every other ddq CSV does.
    udf = "ddq_formula_safe"

    def safe(expr: str) -> str:
        return f"CASE WHEN regexp_matches({expr}, {_FORMULA_START_SQL}) THEN {udf}({expr}) ELSE {expr} END"

    def when(expr: str) -> str:
        return f"strftime({expr}, '%Y-%m-%d %H:%M:%S')"

    query = f"""
        WITH {OWNERS_SQL}
        SELECT {safe("b.key")} AS key, b.tracker,
               {safe(f"coalesce(t.name, {quote_literal(UNASSIGNED)})")} AS team,
               {safe("b.type")} AS type, {safe("b.status")} AS status,
               {safe("b.priority")} AS priority, {safe("b.severity")} AS severity,
               {safe("nullif(array_to_string(b.labels, '; '), '')")} AS labels,
               {safe("nullif(array_to_string(b.components, '; '), '')")} AS components,
               {when("b.created")} AS created, {when("b.resolved")} AS resolved,
               {safe("b.summary")} AS summary, {safe("b.description")} AS description
        FROM bugs b
        JOIN bug_owners o USING (tracker, key)
        LEFT JOIN teams t ON t.id = o.team_id
        ORDER BY b.tracker, regexp_replace(b.key, '[0-9]+$', ''),
                 TRY_CAST(regexp_extract(b.key, '[0-9]+$') AS BIGINT) NULLS FIRST, b.key
    """
    con.create_function(udf, formula_safe, [duckdb.sqltype("VARCHAR")],
                        duckdb.sqltype("VARCHAR"), side_effects=False)  # fmt: skip
    try:
        return _copy_csv(con, query, out)
    finally:
        con.remove_function(udf)
