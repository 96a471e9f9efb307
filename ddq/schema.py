"""Applying the schema migrations at start-up, each in its own transaction, and checking
that a database file holds nothing they did not create.

The migrations themselves are in :mod:`ddq.migrations`; ``schema_migrations`` records which
ones a file has had.
"""

from __future__ import annotations

import hashlib
import threading

import duckdb

from ddq.errors import DatabaseUnreadable
from ddq.migrations import MIGRATIONS as MIGRATIONS  # re-exported: tests and `ddq check`
from ddq.migrations import Migration as Migration
from ddq.transaction import transaction


def latest_version() -> int:
    return MIGRATIONS[-1][0]


def applied_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    exists = con.execute(  # built-ins named in full: see _CATALOG_SQL
        "SELECT table_name FROM system.main.duckdb_tables() "
        "WHERE database_name = system.main.current_database() AND schema_name = 'main' "
        "AND table_name = 'schema_migrations'"
    ).fetchall()
    if not exists:
        return []
    return [
        v
        for (v,) in con.execute(
            "SELECT version FROM main.schema_migrations ORDER BY version"
        ).fetchall()
    ]


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration the file has not had yet; return the versions applied."""
    con.execute("""
        CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY,
            name VARCHAR NOT NULL,
            applied_at TIMESTAMP NOT NULL DEFAULT (now() AT TIME ZONE 'UTC')
        )
    """)
    done = set(applied_versions(con))
    newest_known = latest_version()
    if done and max(done) > newest_known:
        raise DatabaseUnreadable(
            f"This database has schema version {max(done)}, newer than this ddq knows "
            f"({newest_known}). Upgrade ddq before opening it."
        )
    applied = []
    for version, name, step in MIGRATIONS:
        if version in done:
            continue
        with transaction(con):
            step(con)
            con.execute(
                "INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name]
            )
        applied.append(version)
    return applied


# What a database file holds, from DuckDB's own catalog functions. Every function here is
# named in full (system.main.*) and no operator is used (`||` is a function too): a macro
# that a file brings with it, named like a built-in, shadows that built-in in this file's
# queries, and could otherwise make the check see what it wants. Strings are put together
# in Python for the same reason.
_CATALOG_SQL = """
    SELECT 'column', table_name, column_index::VARCHAR, column_name, data_type, column_default
    FROM system.main.duckdb_columns()
    WHERE database_name = system.main.current_database()
    UNION ALL
    SELECT 'table', table_name, '', '', '', '' FROM system.main.duckdb_tables()
    WHERE database_name = system.main.current_database() AND NOT temporary
    UNION ALL
    SELECT 'view', view_name, sql, '', '', '' FROM system.main.duckdb_views()
    WHERE database_name = system.main.current_database() AND NOT internal AND NOT temporary
    UNION ALL
    SELECT DISTINCT 'macro', function_name, function_type, '', '', ''
    FROM system.main.duckdb_functions()
    WHERE database_name = system.main.current_database() AND NOT internal
    UNION ALL
    SELECT 'sequence', sequence_name, '', '', '', '' FROM system.main.duckdb_sequences()
    WHERE database_name = system.main.current_database() AND NOT temporary
    UNION ALL
    SELECT 'index', index_name, table_name, '', '', '' FROM system.main.duckdb_indexes()
    WHERE database_name = system.main.current_database()
    UNION ALL
    SELECT 'trigger', trigger_name, table_name, sql, '', '' FROM system.main.duckdb_triggers()
    WHERE database_name = system.main.current_database()
    UNION ALL
    SELECT 'type', type_name, logical_type, '', '', '' FROM system.main.duckdb_types()
    WHERE database_name = system.main.current_database() AND NOT internal
    UNION ALL
    SELECT 'schema', schema_name, '', '', '', '' FROM system.main.duckdb_schemas()
    WHERE database_name = system.main.current_database() AND NOT internal
"""
# The same, with the migrations the file records: what :func:`up_to_date` compares.
_STATE_SQL = (
    _CATALOG_SQL
    + "UNION ALL SELECT 'applied', version::VARCHAR, '', '', '', '' FROM main.schema_migrations"
)
# A digest of what the migrations create and record (:func:`catalog_digest` of a newly
# migrated database): opening a file compares its digest with this one in one query instead
# of running the migrations in memory to compare with. tests/test_db.py fails when a
# migration changes the catalog and this is not brought in step.
KEPT_CATALOG = "5162054162d387781ec041122059244a00983d1b76df067a4f34f41396fa1932"

_expected: frozenset[tuple[str, str, str]] | None = None
_expected_lock = threading.Lock()

Row = tuple[str, ...]


def _rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[Row]:
    return [tuple(value or "" for value in row) for row in con.execute(sql).fetchall()]


def _as_catalog(rows: list[Row]) -> set[tuple[str, str, str]]:
    """The rows as (kind, name, detail), a table's detail its columns and their defaults."""
    columns: dict[str, list[tuple[int, str]]] = {}
    catalog = set()
    for kind, name, detail, column, data_type, default in rows:
        if kind == "column":
            text = f"{column} {data_type}" + (f" DEFAULT {default}" if default else "")
            columns.setdefault(name, []).append((int(detail), text))
        elif kind != "applied":
            catalog.add((f"{kind} {name}", name, detail + (f" {column}" if column else "")))
    return {
        (
            kind,
            name,
            ", ".join(text for _, text in sorted(columns.get(name, [])))
            if kind.startswith("table ")
            else detail,
        )
        for kind, name, detail in catalog
    }


def _digest(rows: list[Row]) -> str:
    return hashlib.sha256(repr(sorted(rows)).encode()).hexdigest()


def catalog_digest(con: duckdb.DuckDBPyConnection) -> str:
    """A digest of everything the file's catalog holds and the migrations it records."""
    return _digest(_rows(con, _STATE_SQL))


def up_to_date(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the file has had every migration and holds exactly what they create: one
    query, the fast path of opening a database. False says look closer (:func:`migrate`,
    then :func:`foreign_objects`), not that anything is wrong."""
    try:
        return catalog_digest(con) == KEPT_CATALOG
    except duckdb.CatalogException:  # no schema_migrations yet: a new file
        return False


def _catalog(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    return _as_catalog(_rows(con, _CATALOG_SQL))


def expected_catalog() -> frozenset[tuple[str, str, str]]:
    """What the migrations create: found by running them on an empty in-memory database
    (once per process), so there is no list to keep in step by hand."""
    global _expected
    with _expected_lock:
        if _expected is None:
            scratch = duckdb.connect(":memory:")
            try:
                migrate(scratch)
                _expected = frozenset(_catalog(scratch))
            finally:
                scratch.close()
        return _expected


def foreign_objects(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Catalog objects ddq's migrations did not create (or created otherwise), in words."""
    expected = expected_catalog()
    by_name = {(kind, name): detail for kind, name, detail in expected}
    found = []
    for kind, name, detail in sorted(_catalog(con) - expected):
        what = kind.split(" ", 1)[0]
        if (kind, name) in by_name:
            found.append(f"a changed {what} {name!r} ({detail})")
        else:
            found.append(f"a {what} {name!r} of its own")
    return found
