"""The imports ledger: every import, what it changed, and undoing one exactly.

Each import is a row in ``imports``, with its kind (:mod:`ddq.ledger.kinds`). What undoing
one takes depends on its kind: :func:`reverse` asks the kind registry
(:func:`ddq.ledger.reversal.undo_of`) which side tables to clean, and records the undo.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, cast

from ddq import audit, clock, events
from ddq.access import EDITOR, Actor, requires
from ddq.db import rows, scalar, transaction
from ddq.errors import Conflict, NotFound
from ddq.ledger.kinds import (
    BUG_METRICS,
    BUG_METRICS_HISTORY,
    BUGS,
    DEMO,
    METRICS,
    ROSTER,
    ImportEntry,
    ListedImport,
    SkippedRow,
)
from ddq.ledger.reversal import (
    bugs_undo_blockers,
    roster_undo_blockers,
    undo_blockers,
    undo_of,
)

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "BUGS",
    "BUG_METRICS",
    "BUG_METRICS_HISTORY",
    "DEMO",
    "METRICS",
    "ROSTER",
    "ImportEntry",
    "ListedImport",
    "SkippedRow",
    "bugs_undo_blockers",
    "finish",
    "get",
    "list_imports",
    "reverse",
    "roster_undo_blockers",
    "skipped_rows",
    "start",
    "undo_blockers",
    "utc_now",
]


def utc_now() -> dt.datetime:
    """Now in UTC, without tzinfo, as the ledger stores it."""
    return clock.now().replace(microsecond=0)


def start(
    con: duckdb.DuckDBPyConnection, *, kind: str, file_name: str, sha256: str | None, who: str
) -> int:
    """Open a ledger row for an import inside the caller's transaction; return its id."""
    import_id: int = scalar(
        con,
        "INSERT INTO imports (kind, file_name, sha256, who, imported_at) VALUES (?, ?, ?, ?, ?) "
        "RETURNING id",
        [kind, file_name, sha256, who, utc_now()],
    )
    return import_id


def finish(
    con: duckdb.DuckDBPyConnection,
    import_id: int,
    *,
    rows_read: int,
    added: int,
    updated: int,
    unchanged: int,
    teams_created: int = 0,
    event: bool = True,
) -> None:
    """Record the import's counts, and (unless ``event`` is False) the import as an event
    for the charts."""
    entry = get(con, import_id)
    if event:
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


def list_imports(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[ListedImport]:
    """The ledger, newest first; ``skipped`` counts the rows an import skipped."""
    sql = (
        "SELECT id, kind, file_name, sha256, who, imported_at, rows_read, added, updated, unchanged, "
        "teams_created, status, undone_at, undone_by, "
        "(SELECT count(*) FROM import_skipped s WHERE s.import_id = i.id) AS skipped "
        "FROM imports i ORDER BY id DESC"
    )
    if limit is not None:
        return cast("list[ListedImport]", rows(con, sql + " LIMIT ?", [limit]))
    return cast("list[ListedImport]", rows(con, sql))


def applied_kinds(con: duckdb.DuckDBPyConnection) -> set[str]:
    """The kinds of the imports still applied (not undone): one small query, for a banner."""
    return {
        str(kind)
        for (kind,) in con.execute(
            "SELECT DISTINCT kind FROM imports WHERE status = 'applied'"
        ).fetchall()
    }


def get(con: duckdb.DuckDBPyConnection, import_id: int) -> ImportEntry:
    found = rows(con, "SELECT * FROM imports WHERE id = ?", [import_id])
    if not found:
        raise NotFound(f"There is no import {import_id}; `ddq imports` lists them.")
    return cast(ImportEntry, found[0])


def _mark_undone(
    con: duckdb.DuckDBPyConnection, entry: ImportEntry, who: str, *, event: bool = True
) -> None:
    """Close an undo (inside its transaction): the ledger row, and (unless ``event`` is
    False) an event for the charts."""
    now = utc_now()
    con.execute(
        "UPDATE imports SET status = 'undone', undone_at = ?, undone_by = ? WHERE id = ?",
        [now, who, entry["id"]],
    )
    if not event:
        return
    events.add(con, kind=events.UNDO, happened_at=now, import_id=entry["id"],
               title=f"Import {entry['id']} undone", details=f"{entry['file_name']}, by {who}")  # fmt: skip


@requires(EDITOR, "undo an import")
def reverse(con: duckdb.DuckDBPyConnection, import_id: int, *, who: Actor) -> dict[str, int]:
    """Restore exactly what the import changed; return what was restored.

    Only the stored inputs are put back: :func:`ddq.ingest.undo.undo` calls this and then
    recomputes the bug metrics in the same transaction, which is what pages and commands
    use. Refused while a later import that overwrote this one's values is still applied:
    undo that one first, so that no later value is lost.
    """
    entry = get(con, import_id)
    if entry["status"] == "undone":
        raise Conflict(
            f"Import {import_id} was already undone on {entry['undone_at']:%Y-%m-%d %H:%M} "
            f"UTC by {entry['undone_by']}."
        )
    kind = undo_of(entry["kind"])
    if kind.refuse is not None:
        kind.refuse(con, entry)
    with transaction(con):
        done = kind.reverse(con, entry)
        _mark_undone(con, entry, who, event=kind.event)
        before, after = kind.audit(entry, done)
        audit.record(con, who, f"{entry['kind']}.undo", entry["file_name"],
                     before=before, after=after)  # fmt: skip
    return done


def skipped_rows(con: duckdb.DuckDBPyConnection, import_id: int) -> list[SkippedRow]:
    """The rows an import skipped (``--skip-bad-rows``): line and reason, in file order."""
    found = rows(
        con,
        "SELECT line, reason FROM import_skipped WHERE import_id = ? ORDER BY line",
        [import_id],
    )
    return cast("list[SkippedRow]", found)
