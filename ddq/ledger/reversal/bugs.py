"""Undoing a bug import: its bugs go, and the rows it replaced (``bug_overwrites``) return."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ddq.db import rows, scalar
from ddq.errors import Conflict
from ddq.ledger.kinds import Counts, Entry

if TYPE_CHECKING:
    import duckdb

# The bugs table's columns; bug_overwrites holds the same after its overwritten_by.
_BUG_COLUMNS = (
    "tracker, key, project, type, status, priority, severity, labels, components, created, "
    "resolved, resolved_estimated, updated, summary, description, team_name, import_id"
)


def bugs_undo_blockers(con: duckdb.DuckDBPyConnection, import_id: int) -> list[int]:
    """Later imports, still applied, that replaced bugs this bug import stored."""
    return [
        r["overwritten_by"]
        for r in rows(
            con,
            """
            SELECT DISTINCT o.overwritten_by FROM bug_overwrites o
            JOIN imports i ON i.id = o.overwritten_by
            WHERE o.import_id = ? AND i.status = 'applied'
            ORDER BY o.overwritten_by
            """,
            [import_id],
        )
    ]


def reverse_bugs(con: duckdb.DuckDBPyConnection, import_id: int) -> tuple[int, int]:
    """Remove the bugs an import stored and put back those it replaced (caller's
    transaction); return (stored, restored)."""
    stored: int = scalar(con, "SELECT count(*) FROM bugs WHERE import_id = ?", [import_id])
    restored: int = scalar(
        con, "SELECT count(*) FROM bug_overwrites WHERE overwritten_by = ?", [import_id]
    )
    con.execute("DELETE FROM bugs WHERE import_id = ?", [import_id])
    con.execute(
        f"INSERT INTO bugs ({_BUG_COLUMNS}) SELECT {_BUG_COLUMNS} FROM bug_overwrites "
        "WHERE overwritten_by = ?",
        [import_id],
    )
    return stored, restored


def refuse(con: duckdb.DuckDBPyConnection, entry: Entry) -> None:
    """Refused while a later import that replaced some of its bugs is still applied: undo
    that one first, so that no later row is lost."""
    import_id = entry["id"]
    blockers = bugs_undo_blockers(con, import_id)
    if blockers:
        later = ", ".join(str(b) for b in blockers)
        raise Conflict(
            f"Import {import_id} cannot be undone yet: later import(s) {later} changed bugs it "
            f"stored. Undo {later} first (newest first), then import {import_id}."
        )


def reverse(con: duckdb.DuckDBPyConnection, entry: Entry) -> Counts:
    """Remove the bugs a bug import added and put back the rows it replaced, exactly."""
    stored, restored = reverse_bugs(con, entry["id"])
    return {"removed": stored - restored, "restored": restored, "teams_removed": 0,
            "bugs_removed": stored - restored, "bugs_restored": restored}  # fmt: skip


def reverse_sync(con: duckdb.DuckDBPyConnection, entry: Entry) -> Counts:
    """Undo a sync: its bugs as for a bug import, and what it recorded about its source.

    The bugs it first delivered are no longer the source's; the vanished marks it set go and
    those it cleared return; and its sync, with every later one of the same source, no
    longer counts as where the next sync starts reading, so the next one reads from the
    last good sync still standing.
    """
    import_id = entry["id"]
    done = reverse(con, entry)
    con.execute("DELETE FROM source_keys WHERE import_id = ?", [import_id])
    con.execute("DELETE FROM bugs_vanished WHERE import_id = ?", [import_id])
    con.execute("UPDATE bugs_vanished SET cleared_by = NULL WHERE cleared_by = ?", [import_id])
    con.execute(
        """
        UPDATE source_syncs SET standing = false
        WHERE standing AND (source, started_at) IN (
            SELECT s.source, later.started_at FROM source_syncs s
            JOIN source_syncs later ON later.source = s.source AND later.started_at >= s.started_at
            WHERE s.import_id = ?)
        """,
        [import_id],
    )
    return done
