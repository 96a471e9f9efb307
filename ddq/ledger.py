"""The imports ledger: every import, what it changed, and undoing one exactly.

Each import is a row in ``imports``. The values it set carry its id in ``metric_values``;
the values it replaced are kept in ``import_overwrites`` and the teams it created in
``import_created_teams``, so :func:`undo` can put everything back as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ddq import events
from ddq.db import rows, scalar, transaction
from ddq.errors import Conflict, NotFound

if TYPE_CHECKING:
    import duckdb


def utc_now() -> dt.datetime:
    """Now in UTC, without tzinfo, as the ledger stores it."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def start(
    con: duckdb.DuckDBPyConnection, *, kind: str, file_name: str, sha256: str | None, who: str
) -> int:
    """Open a ledger row for an import inside the caller's transaction; return its id."""
    return scalar(
        con,
        "INSERT INTO imports (kind, file_name, sha256, who, imported_at) VALUES (?, ?, ?, ?, ?) "
        "RETURNING id",
        [kind, file_name, sha256, who, utc_now()],
    )


def finish(
    con: duckdb.DuckDBPyConnection,
    import_id: int,
    *,
    rows_read: int,
    added: int,
    updated: int,
    unchanged: int,
    teams_created: int = 0,
) -> None:
    """Record the import's counts, and the import as an event for the charts."""
    entry = get(con, import_id)
    events.add(
        con,
        kind=events.IMPORT,
        happened_at=entry["imported_at"],
        import_id=import_id,
        title=f"Import {import_id}: {entry['file_name']}",
        details=f"{added} added, {updated} updated, {unchanged} unchanged, by {entry['who']}",
    )
    con.execute(
        "UPDATE imports SET rows_read = ?, added = ?, updated = ?, unchanged = ?, "
        "teams_created = ? WHERE id = ?",
        [rows_read, added, updated, unchanged, teams_created, import_id],
    )


def list_imports(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[dict[str, Any]]:
    """The ledger, newest first."""
    sql = (
        "SELECT id, kind, file_name, sha256, who, imported_at, rows_read, added, updated, unchanged, "
        "teams_created, status, undone_at, undone_by FROM imports ORDER BY id DESC"
    )
    if limit is not None:
        return rows(con, sql + " LIMIT ?", [limit])
    return rows(con, sql)


def get(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[str, Any]:
    found = rows(con, "SELECT * FROM imports WHERE id = ?", [import_id])
    if not found:
        raise NotFound(f"There is no import {import_id}; `ddq imports` lists them.")
    return found[0]


def undo_blockers(con: duckdb.DuckDBPyConnection, import_id: int) -> list[int]:
    """Later imports, still applied, that changed values this import set."""
    return [
        r["import_id"]
        for r in rows(
            con,
            """
        SELECT DISTINCT o.import_id FROM import_overwrites o
        JOIN imports i ON i.id = o.import_id
        WHERE o.old_import_id = ? AND i.status = 'applied'
        ORDER BY o.import_id
        """,
            [import_id],
        )
    ]


def undo(con: duckdb.DuckDBPyConnection, import_id: int, *, who: str) -> dict[str, int]:
    """Restore exactly what the values were before the import; return what was restored.

    Refused while a later import that overwrote this one's values is still applied: undo
    that one first, so that no later value is lost.
    """
    entry = get(con, import_id)
    if entry["status"] == "undone":
        raise Conflict(
            f"Import {import_id} was already undone on {entry['undone_at']:%Y-%m-%d %H:%M} "
            f"UTC by {entry['undone_by']}."
        )
    blockers = undo_blockers(con, import_id)
    if blockers:
        later = ", ".join(str(b) for b in blockers)
        raise Conflict(
            f"Import {import_id} cannot be undone yet: later import(s) {later} changed values it "
            f"set. Undo {later} first (newest first), then import {import_id}."
        )
    with transaction(con):
        restored = scalar(
            con, "SELECT count(*) FROM import_overwrites WHERE import_id = ?", [import_id]
        )
        removed = scalar(
            con,
            """
            SELECT count(*) FROM metric_values mv WHERE mv.import_id = ? AND NOT EXISTS (
                SELECT 1 FROM import_overwrites o WHERE o.import_id = mv.import_id
                  AND o.team_id = mv.team_id AND o.week = mv.week AND o.metric = mv.metric)
            """,
            [import_id],
        )
        con.execute(
            """
            DELETE FROM metric_values WHERE import_id = ? AND NOT EXISTS (
                SELECT 1 FROM import_overwrites o WHERE o.import_id = metric_values.import_id
                  AND o.team_id = metric_values.team_id AND o.week = metric_values.week
                  AND o.metric = metric_values.metric)
            """,
            [import_id],
        )
        con.execute(
            """
            UPDATE metric_values SET value = o.old_value, import_id = o.old_import_id
            FROM import_overwrites o
            WHERE o.import_id = ? AND metric_values.team_id = o.team_id
              AND metric_values.week = o.week AND metric_values.metric = o.metric
            """,
            [import_id],
        )
        # Teams the import created go again, unless something else now refers to them.
        teams_removed = scalar(
            con,
            """
            SELECT count(*) FROM import_created_teams c WHERE c.import_id = ?
              AND NOT EXISTS (SELECT 1 FROM metric_values mv WHERE mv.team_id = c.team_id)
            """,
            [import_id],
        )
        con.execute(
            """
            DELETE FROM teams WHERE id IN (
                SELECT c.team_id FROM import_created_teams c WHERE c.import_id = ?
                  AND NOT EXISTS (SELECT 1 FROM metric_values mv WHERE mv.team_id = c.team_id))
            """,
            [import_id],
        )
        now = utc_now()
        con.execute(
            "UPDATE imports SET status = 'undone', undone_at = ?, undone_by = ? WHERE id = ?",
            [now, who, import_id],
        )
        events.add(
            con,
            kind=events.UNDO,
            happened_at=now,
            import_id=import_id,
            title=f"Import {import_id} undone",
            details=f"{entry['file_name']}, by {who}",
        )
    return {"removed": removed, "restored": restored, "teams_removed": teams_removed}
