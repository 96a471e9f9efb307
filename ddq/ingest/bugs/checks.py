"""Typing and checking every staged row as a bug, with set-based SQL.

Every cell is typed (dates by :mod:`ddq.ingest.dates`) and checked in one SELECT; a file
with broken rows is rejected with every problem named by its line, or (skipping bad rows)
each skipped row is kept with its line and reason.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ddq.db import quote_literal, scalar
from ddq.ingest import dates, github
from ddq.ingest.bugs.mappings import DATE_FIELDS
from ddq.ingest.bugs.staging import STAGED, WHITESPACE, Source
from ddq.ingest.problems import Problem, shorten

if TYPE_CHECKING:
    import duckdb

# The bugs table's columns, in its order (bug_overwrites has overwritten_by first).
BUG_COLUMNS: tuple[str, ...] = (
    "tracker", "key", "project", "type", "status", "priority", "severity", "labels",
    "components", "created", "resolved", "resolved_estimated", "updated", "summary",
    "description", "team_name", "import_id",
)  # fmt: skip
# The columns whose difference makes a re-imported bug "changed".
_PROBLEM_FETCH_LIMIT = 1000
_SKIPPED_SHOWN = 10
TEMP_TABLES = ("bugs_checked", "bugs_matched", "bugs_dups", "bugs_skipped")
_EMPTY_KEY = "the key is empty; every issue needs one"
_EMPTY_CREATED = "the creation date is empty; every issue needs one"
_FUTURE = "the creation date is in the future; check the date format (day and month swapped?)"
_CHECKS = (  # (field, problem column, bad value column)
    ("key", "key_problem", "NULL::VARCHAR"),
    ("created", "created_problem", "created_bad"),
    ("resolved", "resolved_problem", "resolved_bad"),
    ("updated", "updated_problem", "updated_bad"),
)
_ANY_PROBLEM = "(" + " OR ".join(f"{p} IS NOT NULL" for _, p, _ in _CHECKS) + ")"


def _samples(con: duckdb.DuckDBPyConnection, source: Source, field_name: str) -> list[str]:
    expr = source.exprs[field_name]
    return [
        v
        for (v,) in con.execute(
            f"SELECT v FROM (SELECT {expr} AS v FROM {source.table} s LIMIT 5000) "
            f"WHERE v IS NOT NULL LIMIT {dates.SAMPLE_SIZE}"
        ).fetchall()
    ]


def bug_rows_sql(
    con: duckdb.DuckDBPyConnection,
    source: Source,
    tracker: str,
    done: list[str],
    latest: dt.datetime,
) -> str:
    """SQL for every staged row as a bug, with its problems (one SELECT, no parameters).

    ``pos`` says which row it is: its line in a CSV file, its item in a JSON list.
    """
    e = source.exprs

    def text(name: str) -> str:
        return e.get(name, "NULL::VARCHAR")

    def listed(name: str) -> str:
        return e.get(name, "[]::VARCHAR[]")

    item = "s.item" if source.json_items else "NULL::BIGINT"
    usual = {
        name: dates.choose_format(con, _samples(con, source, name)) if name in e else None
        for name in DATE_FIELDS
    }
    parsed = {name: dates.timestamp_sql(f"{name}_raw", usual[name]) for name in DATE_FIELDS}
    not_a_date = {name: quote_literal(dates.hint(tracker, usual[name])) for name in DATE_FIELDS}
    done_list = "[" + ", ".join(quote_literal(s) for s in done) + "]::VARCHAR[]"
    prefix = "CASE WHEN contains(key, '-') THEN split_part(key, '-', 1) END"
    return f"""
        WITH r AS (
            SELECT {item if source.json_items else "s.line"} AS pos, s.line, {item} AS item,
                   {text("key")} AS key, {text("project")} AS project, {text("type")} AS type,
                   {text("status")} AS status, {text("priority")} AS priority,
                   {text("severity")} AS severity, {listed("labels")} AS labels,
                   {listed("components")} AS components, {text("summary")} AS summary,
                   {text("description")} AS description, {text("team")} AS team_name,
                   {text("created")} AS created_raw, {text("resolved")} AS resolved_raw,
                   {text("updated")} AS updated_raw
            FROM {source.table} s
        ),
        p AS (
            SELECT *, {parsed["created"]} AS created, {parsed["resolved"]} AS resolved_given,
                   {parsed["updated"]} AS updated,
                   coalesce(list_contains({done_list}, lower(status)), false) AS done
            FROM r
        )
        SELECT pos, line, item, {quote_literal(tracker)} AS tracker, key,
               coalesce(project, {prefix}) AS project, type, status, priority, severity,
               labels, components, created,
               coalesce(resolved_given, CASE WHEN done THEN updated END) AS resolved,
               resolved_given IS NULL AND done AND updated IS NOT NULL AS resolved_estimated,
               updated, summary, description, team_name,
               resolved_given IS NULL AND done AND updated IS NULL AS done_without_time,
               CASE WHEN key IS NULL THEN {quote_literal(_EMPTY_KEY)} END AS key_problem,
               CASE WHEN created IS NOT NULL THEN
                        CASE WHEN created > {quote_literal(latest.isoformat(sep=" "))}::TIMESTAMP
                             THEN {quote_literal(_FUTURE)} END
                    WHEN created_raw IS NULL OR trim(created_raw, {WHITESPACE}) = ''
                        THEN {quote_literal(_EMPTY_CREATED)}
                    ELSE {not_a_date["created"]} END AS created_problem,
               CASE WHEN created_problem IS NOT NULL THEN created_raw END AS created_bad,
               CASE WHEN resolved_given IS NULL AND trim(resolved_raw, {WHITESPACE}) <> ''
                    THEN {not_a_date["resolved"]} END AS resolved_problem,
               CASE WHEN resolved_problem IS NOT NULL THEN resolved_raw END AS resolved_bad,
               CASE WHEN updated IS NULL AND trim(updated_raw, {WHITESPACE}) <> ''
                    THEN {not_a_date["updated"]} END AS updated_problem,
               CASE WHEN updated_problem IS NOT NULL THEN updated_raw END AS updated_bad
        FROM p
    """


def check_rows(con: duckdb.DuckDBPyConnection, rows_sql: str) -> None:
    """The table ``bugs_checked``: what the checks need of each row (``skip``: left out).

    Only the key, status and timestamps are computed here: DuckDB leaves out the text
    columns that this table does not keep.
    """
    problem_columns = ", ".join(f"{p}, {bad}" if "::" not in bad else p for _, p, bad in _CHECKS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE bugs_checked AS
        SELECT pos, line, item, key, created, resolved_estimated, done_without_time,
               {problem_columns}, false AS skip
        FROM ({rows_sql})
    """)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bugs_skipped (pos BIGINT, line BIGINT, reason VARCHAR)"
    )


def define_bugs(con: duckdb.DuckDBPyConnection, rows_sql: str) -> None:
    """The view ``bugs_typed``: the bugs to store, computed from the staged rows as read.

    Computing them afresh (rather than keeping them in a table since the checks) lets
    DuckDB stream a million bugs straight into the bugs table, on every core.
    """
    skipped = scalar(con, "SELECT count(*) FROM bugs_skipped")
    where = "WHERE pos NOT IN (SELECT pos FROM bugs_skipped)" if skipped else ""
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW bugs_typed AS
        SELECT line, item, {", ".join(c for c in BUG_COLUMNS if c != "import_id")}
        FROM ({rows_sql}) {where}
    """)


def _item_names(con: duckdb.DuckDBPyConnection, items: list[int]) -> dict[int, str]:
    """How problems name these items of a JSON file: index, number and title (see
    :func:`ddq.ingest.github.item_words`), and their line when items are on several lines."""
    multiline = scalar(con, f"SELECT count(DISTINCT line) > 1 FROM {STAGED}")
    return {
        item: github.item_words(item, line if multiline else None,
                                number=key.rsplit("#", 1)[-1] if key else None, title=title)
        for item, line, key, title in con.execute(
            f"SELECT item, line, key, summary FROM {STAGED} "
            "WHERE item IN (SELECT unnest(?::BIGINT[]))",
            [sorted(set(items))],
        ).fetchall()
    }  # fmt: skip


def row_problems(con: duckdb.DuckDBPyConnection, source: Source) -> tuple[list[Problem], int]:
    """The cell problems (up to a limit) and how many more there are."""
    total = scalar(
        con, "SELECT " + " + ".join(f"count({p})" for _, p, _ in _CHECKS) + " FROM bugs_checked"
    )
    if not total:
        return [], 0
    union = " UNION ALL ".join(
        f"SELECT line, item, {quote_literal(f)} AS field, {bad} AS raw, {p} AS reason "
        f"FROM bugs_checked WHERE {p} IS NOT NULL"
        for f, p, bad in _CHECKS
    )
    fetched = con.execute(
        f"SELECT * FROM ({union}) ORDER BY line, item, field LIMIT {_PROBLEM_FETCH_LIMIT}"
    ).fetchall()
    names = _item_names(con, [r[1] for r in fetched]) if source.json_items else {}
    found = [
        Problem(line, source.headers.get(f, f), raw, reason, names.get(item, ""), item or 0)
        for line, item, f, raw, reason in fetched
    ]
    return found, max(0, total - _PROBLEM_FETCH_LIMIT)


def find_duplicates(con: duckdb.DuckDBPyConnection) -> int:
    """The table ``bugs_dups``: keys on more than one kept row, with those rows in order."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE bugs_dups AS
        SELECT key FROM bugs_checked WHERE key IS NOT NULL AND NOT skip
        GROUP BY key HAVING count(*) > 1
    """)
    count: int = scalar(con, "SELECT count(*) FROM bugs_dups")
    if count:  # rare: only then gather where each one is
        con.execute("""
            CREATE OR REPLACE TEMP TABLE bugs_dups AS
            SELECT key, list(line ORDER BY item, line) AS lines,
                   list(item ORDER BY item, line) AS items
            FROM bugs_checked SEMI JOIN bugs_dups USING (key)
            WHERE NOT skip
            GROUP BY key
        """)
    return count


def _duplicate_reason(key: str, lines: list[int], items: list[int | None]) -> str:
    if items[0] is not None:
        where = ", ".join(str(i) for i in items)
        return f"issue {key} appears more than once: items {where}; keep one per issue"
    return (
        f"issue {key} is also on line {lines[0]} (lines {', '.join(map(str, lines))}); "
        "keep one row per issue"
    )


def duplicate_problems(con: duckdb.DuckDBPyConnection, key_header: str) -> list[Problem]:
    found = []
    fetched = con.execute(
        f"SELECT key, lines, items FROM bugs_dups ORDER BY lines[2] LIMIT {_PROBLEM_FETCH_LIMIT}"
    ).fetchall()
    json_items = [i for _, _, items in fetched for i in items if i is not None]
    names = _item_names(con, json_items) if json_items else {}
    for key, lines, items in fetched:
        reason = _duplicate_reason(key, lines, items)
        found += [
            Problem(line, key_header, key, reason, names.get(item, ""), item or 0)
            for line, item in zip(lines[1:], items[1:], strict=True)
        ]
    return found


def _skip_reason_sql(source: Source) -> str:
    """SQL: why a row with problems is skipped, as Problem's text without the line."""
    parts = []
    for f, p, bad in _CHECKS:
        header = quote_literal(f"column {source.headers.get(f, f)}")
        shown = f"CASE WHEN length({bad}) > 60 THEN left({bad}, 59) || '…' ELSE {bad} END"
        value = f"coalesce(', value ' || chr(39) || {shown} || chr(39), '')"
        parts.append(f"CASE WHEN {p} IS NOT NULL THEN {header} || {value} || ': ' || {p} END")
    where = "coalesce('item ' || item || ': ', '')"  # a JSON file's item, not its line
    return f"{where} || concat_ws('; ', {', '.join(parts)})"


def skip_broken_rows(con: duckdb.DuckDBPyConnection, source: Source) -> None:
    """Mark every row with a problem (then every repeat of a key) skipped, saying why."""
    if source.bad_rows:  # never staged, so at no position (line or item) of a staged row
        con.executemany(
            "INSERT INTO bugs_skipped VALUES (?, ?, ?)",
            [(p.item, p.line, (f"item {p.item}: " if p.item else "") + p.detail())
             for p in source.bad_rows],
        )  # fmt: skip
    con.execute(
        f"INSERT INTO bugs_skipped SELECT pos, line, {_skip_reason_sql(source)} "
        f"FROM bugs_checked WHERE {_ANY_PROBLEM}"
    )
    con.execute(f"UPDATE bugs_checked SET skip = true WHERE {_ANY_PROBLEM}")
    if find_duplicates(con):
        later = []
        for key, lines, items in con.execute("SELECT key, lines, items FROM bugs_dups").fetchall():
            reason = f"column {source.headers['key']}, value {shorten(key)!r}: " + (
                _duplicate_reason(key, lines, items)
            )
            later += [
                (item, line, f"item {item}: {reason}") if item is not None else (line, line, reason)
                for line, item in zip(lines[1:], items[1:], strict=True)
            ]
        con.executemany("INSERT INTO bugs_skipped VALUES (?, ?, ?)", later)
        con.execute("""
            UPDATE bugs_checked SET skip = true
            WHERE pos IN (SELECT pos FROM bugs_skipped)
        """)


def skipped_problems(con: duckdb.DuckDBPyConnection, source: Source) -> tuple[list[Problem], int]:
    """The first skipped rows (a JSON file's named by their item) and how many there are."""
    count = scalar(con, "SELECT count(*) FROM bugs_skipped")
    order = "pos, line" if source.json_items else "line"
    shown = []
    for pos, line, reason in con.execute(
        f"SELECT pos, line, reason FROM bugs_skipped ORDER BY {order} LIMIT {_SKIPPED_SHOWN}"
    ).fetchall():
        if source.json_items and reason.startswith("item "):
            where, reason = reason.split(": ", 1)  # "item 3: why"
            shown.append(Problem(line, "", None, reason, where, pos))
        else:
            shown.append(Problem(line, "", None, reason))
    return shown, count
