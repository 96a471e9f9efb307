"""Writing weekly metric values so that every change can be undone exactly.

Both ways values arrive use this: a metrics file (ddq.ingest.metrics) and values computed
from bugs (ddq.bugmetrics). A source is a temporary table with ``team_id``, ``week``,
``metric``, ``value`` and ``definition_version`` (NULL for uploaded values). New cells are
inserted with the import's id; changed cells are updated, the old value, import and
definition kept in ``import_overwrites``; identical cells are left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ddq.db import quote_ident, scalar

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Comparison:
    """How a source compares with the stored values (the temp table ``changed`` holds it)."""

    total: int
    updated: int
    unchanged: int

    @property
    def added(self) -> int:
        return self.total - self.updated - self.unchanged


def compare(con: duckdb.DuckDBPyConnection, source: str, total: int) -> Comparison:
    """Match the source's cells with stored ones; the matches go to temp table ``changed``.

    A cell is updated when its value or its definition version differs.
    """
    table = quote_ident(source)
    first, last = _one_row(con, f"SELECT min(week), max(week) FROM {table}")
    overlap = first is not None and scalar(
        con, "SELECT count(*) FROM metric_values WHERE week BETWEEN ? AND ?", [first, last]
    )
    # With no stored value in the source's weeks, skip the join (the first import of a year).
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE changed AS
        SELECT s.team_id, s.week, s.metric, s.value, s.definition_version,
               mv.value AS old_value, mv.import_id AS old_import_id,
               mv.definition_version AS old_definition_version,
               (s.value <> mv.value OR s.definition_version IS DISTINCT FROM mv.definition_version)
                 AS differs
        FROM {table} s
        JOIN metric_values mv
          ON mv.team_id = s.team_id AND mv.week = s.week AND mv.metric = s.metric
        {"" if overlap else "WHERE false"}
    """)
    updated, unchanged = _one_row(
        con, "SELECT count(*) FILTER (differs), count(*) FILTER (NOT differs) FROM changed"
    )
    return Comparison(total, updated, unchanged)


def write(
    con: duckdb.DuckDBPyConnection,
    source: str,
    import_id: int,
    comparison: Comparison,
    *,
    keep_old: bool = True,
) -> None:
    """Apply a compared source under ``import_id`` (inside the caller's transaction).

    ``keep_old=False`` keeps no copy of what was replaced: for values that are recomputed
    from their inputs rather than undone (:mod:`ddq.bugmetrics`).
    """
    table = quote_ident(source)
    if comparison.updated and keep_old:
        con.execute(
            """
            INSERT INTO import_overwrites (import_id, team_id, week, metric, old_value,
                                           old_import_id, old_definition_version)
            SELECT ?, team_id, week, metric, old_value, old_import_id, old_definition_version
            FROM changed WHERE differs
            """,
            [import_id],
        )
    if comparison.updated:
        con.execute(
            """
            UPDATE metric_values
            SET value = c.value, import_id = ?, definition_version = c.definition_version
            FROM changed c
            WHERE c.differs AND metric_values.team_id = c.team_id
              AND metric_values.week = c.week AND metric_values.metric = c.metric
            """,
            [import_id],
        )
    if comparison.added == comparison.total:
        con.execute(
            f"""
            INSERT INTO metric_values (team_id, week, metric, value, import_id, definition_version)
            SELECT team_id, week, metric, value, ?, definition_version FROM {table}
            """,
            [import_id],
        )
    elif comparison.added:
        con.execute(
            f"""
            INSERT INTO metric_values (team_id, week, metric, value, import_id, definition_version)
            SELECT s.team_id, s.week, s.metric, s.value, ?, s.definition_version FROM {table} s
            ANTI JOIN changed c
              ON c.team_id = s.team_id AND c.week = s.week AND c.metric = s.metric
            """,
            [import_id],
        )


def remove(
    con: duckdb.DuckDBPyConnection, stale: str, import_id: int, *, keep_old: bool = True
) -> int:
    """Delete the cells listed in temp table ``stale`` (team_id, week, metric), keeping them.

    The removed values are kept in ``import_overwrites`` like overwritten ones, so undoing
    the import puts them back (unless ``keep_old`` is False). Returns how many were removed.
    """
    table = quote_ident(stale)
    if keep_old:
        con.execute(
            f"""
        INSERT INTO import_overwrites (import_id, team_id, week, metric, old_value,
                                       old_import_id, old_definition_version)
        SELECT ?, mv.team_id, mv.week, mv.metric, mv.value, mv.import_id, mv.definition_version
        FROM metric_values mv
        SEMI JOIN {table} s ON s.team_id = mv.team_id AND s.week = mv.week AND s.metric = mv.metric
        """,
            [import_id],
        )
    removed = scalar(
        con,
        f"""
        DELETE FROM metric_values mv USING {table} s
        WHERE s.team_id = mv.team_id AND s.week = mv.week AND s.metric = mv.metric
        """,
    )
    return int(removed)


def _one_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The one row of an aggregate query (which always has one)."""
    return cast("tuple[Any, ...]", con.execute(sql).fetchone())
