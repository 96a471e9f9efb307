"""Undoing a roster import: each change in ``roster_changes`` reversed, newest first.

Refused while a later change to the same teams' champions stands: a later roster import
(undo it first), or an edit made since (undoing would lose it).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from ddq.db import rows, scalar
from ddq.errors import Conflict
from ddq.ledger.kinds import ROSTER, Counts, Entry

if TYPE_CHECKING:
    import duckdb

# A roster import's changes, and how undo reverses each (in reverse order).
_ROSTER_REVERSALS = {
    "champion_opened": "DELETE FROM champions WHERE id = $champion_id",
    "champion_closed": "UPDATE champions SET until = NULL, closed_at = NULL WHERE id = $champion_id",
    "champion_since": "UPDATE champions SET since = $old_since WHERE id = $champion_id",
    "team_moved": "UPDATE teams SET area_id = $old_area_id WHERE id = $team_id",
    # Created teams and areas go again, unless something else now refers to them.
    "team_created": """
        DELETE FROM teams WHERE id = $team_id
          AND NOT EXISTS (SELECT 1 FROM metric_values WHERE team_id = $team_id)
          AND NOT EXISTS (SELECT 1 FROM champions WHERE team_id = $team_id)
          AND NOT EXISTS (SELECT 1 FROM events WHERE team_id = $team_id)
          AND NOT EXISTS (SELECT 1 FROM roster_changes rc JOIN imports i
                          ON i.id = rc.import_id AND i.status = 'applied'
                          WHERE rc.team_id = $team_id AND rc.import_id <> $import_id)
        RETURNING id
    """,
    "area_created": """
        DELETE FROM areas WHERE id = $area_id
          AND NOT EXISTS (SELECT 1 FROM teams WHERE area_id = $area_id)
          AND NOT EXISTS (SELECT 1 FROM events WHERE area_id = $area_id)
          AND NOT EXISTS (SELECT 1 FROM roster_changes rc JOIN imports i
                          ON i.id = rc.import_id AND i.status = 'applied'
                          WHERE $area_id IN (rc.area_id, rc.old_area_id)
                            AND rc.import_id <> $import_id)
        RETURNING id
    """,
}
_ROSTER_COUNTS = {
    "champion_opened": "terms_removed",
    "champion_closed": "terms_reopened",
    "champion_since": "starts_restored",
    "team_moved": "teams_moved_back",
    "team_created": "teams_removed",
    "area_created": "areas_removed",
}


def roster_undo_blockers(con: duckdb.DuckDBPyConnection, import_id: int) -> list[int]:
    """Later roster imports, still applied, that changed teams this roster import changed."""
    return [
        r["import_id"]
        for r in rows(
            con,
            """
        SELECT DISTINCT later.import_id FROM roster_changes later
        JOIN imports i ON i.id = later.import_id
        WHERE later.import_id > ? AND i.status = 'applied' AND i.kind = ?
          AND later.team_id IN (SELECT team_id FROM roster_changes
                                WHERE import_id = ? AND team_id IS NOT NULL)
        ORDER BY later.import_id
        """,
            [import_id, ROSTER, import_id],
        )
    ]


def _roster_import_audit(con: duckdb.DuckDBPyConnection, entry: Entry) -> dict[str, Any] | None:
    """The audit row the import wrote when it finished (its time and id mark "later")."""
    for row in rows(
        con,
        "SELECT id, happened_at, after FROM audit_log WHERE action = 'roster.import' "
        "AND subject = ? ORDER BY id",
        [entry["file_name"]],
    ):
        if row["after"] and json.loads(row["after"]).get("import_id") == entry["id"]:
            return row
    return None


def _later_roster_edits(
    con: duckdb.DuckDBPyConnection, entry: Entry, changes: list[dict[str, Any]]
) -> list[str]:
    """Teams of the import whose champion changed after it, other than by a roster import."""
    team_ids = sorted({c["team_id"] for c in changes if c["team_id"] is not None})
    if not team_ids:
        return []
    opened = [c["champion_id"] for c in changes if c["kind"] == "champion_opened"]
    closed = [c["champion_id"] for c in changes if c["kind"] == "champion_closed"]
    mark = _roster_import_audit(con, entry)
    after_time = mark["happened_at"] if mark else entry["imported_at"]
    after_id = mark["id"] if mark else None
    return [
        r["name"]
        for r in rows(
            con,
            """
            SELECT t.name FROM teams t WHERE list_contains(?::INTEGER[], t.id) AND (
                EXISTS (SELECT 1 FROM champions c WHERE c.team_id = t.id AND (
                    (c.created_at > ? AND NOT list_contains(?::INTEGER[], c.id))
                    OR (c.closed_at > ? AND NOT list_contains(?::INTEGER[], c.id))))
                OR EXISTS (SELECT 1 FROM audit_log a WHERE a.subject = t.name
                    AND (a.action LIKE 'champion.%' OR a.action LIKE 'team.%')
                    AND (a.id > ? OR (?::BIGINT IS NULL AND a.happened_at > ?))))
            ORDER BY t.name_key
            """,
            [team_ids, after_time, opened, after_time, closed, after_id, after_id, after_time],
        )
    ]


def roster_changes(con: duckdb.DuckDBPyConnection, import_id: int) -> list[dict[str, Any]]:
    """What the import changed in the roster, newest first (the order undo reverses it in)."""
    return rows(
        con, "SELECT * FROM roster_changes WHERE import_id = ? ORDER BY seq DESC", [import_id]
    )


def refuse_roster_conflicts(
    con: duckdb.DuckDBPyConnection, entry: Entry, changes: list[dict[str, Any]]
) -> None:
    """Refuse to undo roster changes that a later change to the same teams builds on."""
    if not changes:
        return
    import_id = entry["id"]
    blockers = roster_undo_blockers(con, import_id)
    if blockers:
        later = ", ".join(str(b) for b in blockers)
        raise Conflict(
            f"Import {import_id} cannot be undone yet: later roster import(s) {later} changed "
            f"the same teams. Undo import {later} first (newest first), then import {import_id}."
        )
    edited = _later_roster_edits(con, entry, changes)
    if edited:
        raise Conflict(
            f"Import {import_id} cannot be undone: the champions or areas of "
            f"{', '.join(edited)} changed after it, and undoing it would lose those changes. "
            "Change the roster by hand, or import a corrected roster file."
        )


def reverse_roster_changes(
    con: duckdb.DuckDBPyConnection, import_id: int, changes: list[dict[str, Any]]
) -> Counts:
    """Reverse each change, newest first (caller's transaction); count what was reversed.

    ``kept`` counts created teams and areas left in place because something else now
    refers to them.
    """
    done = dict.fromkeys(_ROSTER_COUNTS.values(), 0) | {"kept": 0}
    for change in changes:
        sql = _ROSTER_REVERSALS[change["kind"]]
        values = {**change, "import_id": import_id}
        params = {k: v for k, v in values.items() if f"${k}" in sql}
        if "RETURNING" in sql and not con.execute(sql, params).fetchall():
            done["kept"] += 1
            continue
        if "RETURNING" not in sql:
            con.execute(sql, params)
        done[_ROSTER_COUNTS[change["kind"]]] += 1
    team_ids = sorted({c["team_id"] for c in changes if c["team_id"] is not None})
    doubled = scalar(
        con,
        "SELECT count(*) FROM (SELECT team_id FROM champions WHERE until IS NULL "
        "AND list_contains(?::INTEGER[], team_id) GROUP BY team_id HAVING count(*) > 1)",
        [team_ids],
    )
    if doubled:  # the checks before make this impossible; never leave it behind
        raise Conflict(
            f"Import {import_id} cannot be undone: it would leave {doubled} team(s) with two "
            "current champions. Nothing was changed; run `ddq check`."
        )
    return done


def refuse(con: duckdb.DuckDBPyConnection, entry: Entry) -> None:
    refuse_roster_conflicts(con, entry, roster_changes(con, entry["id"]))


def reverse(con: duckdb.DuckDBPyConnection, entry: Entry) -> Counts:
    """Reverse a roster import's changes exactly, newest first; return what was reversed."""
    import_id = entry["id"]
    done = reverse_roster_changes(con, import_id, roster_changes(con, import_id))
    # The keys the metrics undo reports, for callers that show either kind.
    done["removed"] = done["terms_removed"]
    done["restored"] = done["terms_reopened"] + done["starts_restored"]
    return done
