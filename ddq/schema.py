"""Applying the schema migrations at start-up, each in its own transaction, and checking
that a database file holds nothing they did not create.

The migrations themselves are in :mod:`ddq.migrations`; ``schema_migrations`` records which
ones a file has had.
"""

from __future__ import annotations

import threading

import duckdb

from ddq.errors import DatabaseUnreadable
from ddq.migrations import MIGRATIONS as MIGRATIONS  # re-exported: tests and `ddq check`
from ddq.migrations import Migration as Migration
from ddq.transaction import transaction


def latest_version() -> int:
    return MIGRATIONS[-1][0]


def applied_versions(con: duckdb.DuckDBPyConnection) -> list[int]:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_migrations'"
    ).fetchone()
    if not exists or not exists[0]:
        return []
    return [
        v
        for (v,) in con.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
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


_CATALOG_SQL = """
    SELECT 'table ' || table_name, table_name,
           (SELECT string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index)
            FROM duckdb_columns() c
            WHERE c.database_name = t.database_name AND c.table_oid = t.table_oid)
    FROM duckdb_tables() t WHERE database_name = current_database() AND NOT temporary
    UNION ALL
    SELECT 'view ' || view_name, view_name, sql FROM duckdb_views()
    WHERE database_name = current_database() AND NOT internal AND NOT temporary
    UNION ALL
    SELECT DISTINCT 'macro ' || function_name, function_name, function_type
    FROM duckdb_functions()
    WHERE database_name = current_database() AND NOT internal
    UNION ALL
    SELECT 'sequence ' || sequence_name, sequence_name, '' FROM duckdb_sequences()
    WHERE database_name = current_database() AND NOT temporary
    UNION ALL
    SELECT 'index ' || index_name, index_name, table_name FROM duckdb_indexes()
    WHERE database_name = current_database()
    UNION ALL
    SELECT 'type ' || type_name, type_name, logical_type FROM duckdb_types()
    WHERE database_name = current_database() AND NOT internal
    UNION ALL
    SELECT 'schema ' || schema_name, schema_name, '' FROM duckdb_schemas()
    WHERE database_name = current_database() AND NOT internal
"""
_expected: frozenset[tuple[str, str, str]] | None = None
_expected_lock = threading.Lock()


def _catalog(con: duckdb.DuckDBPyConnection) -> set[tuple[str, str, str]]:
    return {
        (kind, name, detail or "") for kind, name, detail in con.execute(_CATALOG_SQL).fetchall()
    }


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
