"""The imports ledger: every import, what it changed, and undoing one exactly.

Each import is a row in ``imports``. The values it set carry its id in ``metric_values``;
the values it replaced are kept in ``import_overwrites`` and the teams it created in
``import_created_teams``, so :func:`undo` can put everything back as it was.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ddq import audit, clock, created, events
from ddq.access import EDITOR, requires
from ddq.db import rows, scalar, transaction
from ddq.errors import Conflict, NotFound

if TYPE_CHECKING:
    import duckdb

ROSTER = "roster"
BUGS = "bugs"
# The sample organisation (ddq.sample): undoing it removes everything it created, its
# meetings, definitions and the rest too (ddq.created), so that nothing of it is left.
DEMO = "demo"
# Bug metrics computed after a change (ddq.bugmetrics): they follow their inputs.
BUG_METRICS = "bug_metrics"
# A definition applied to history (ddq.critical.apply_to_history): a decision, undone by
# marking it undone; the metrics are then recomputed by the caller.
BUG_METRICS_HISTORY = "bug_metrics_history"
_COMPUTED = f"'{BUG_METRICS}', '{BUG_METRICS_HISTORY}'"
# The bugs table's columns; bug_overwrites holds the same after its overwritten_by.
_BUG_COLUMNS = (
    "tracker, key, project, type, status, priority, severity, labels, components, created, "
    "resolved, resolved_estimated, updated, summary, description, team_name, import_id"
)


def utc_now() -> dt.datetime:
    """Now in UTC, without tzinfo, as the ledger stores it."""
    return clock.now().replace(microsecond=0)


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


def list_imports(con: duckdb.DuckDBPyConnection, limit: int | None = None) -> list[dict[str, Any]]:
    """The ledger, newest first; ``skipped`` counts the rows an import skipped."""
    sql = (
        "SELECT id, kind, file_name, sha256, who, imported_at, rows_read, added, updated, unchanged, "
        "teams_created, status, undone_at, undone_by, "
        "(SELECT count(*) FROM import_skipped s WHERE s.import_id = i.id) AS skipped "
        "FROM imports i ORDER BY id DESC"
    )
    if limit is not None:
        return rows(con, sql + " LIMIT ?", [limit])
    return rows(con, sql)


def get(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[str, Any]:
    found = rows(con, "SELECT * FROM imports WHERE id = ?", [import_id])
    if not found:
        raise NotFound(f"There is no import {import_id}; `ddq imports` lists them.")
    return found[0]


def _mark_undone(
    con: duckdb.DuckDBPyConnection, entry: dict[str, Any], who: str, *, event: bool = True
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


@requires(EDITOR, "undo an import")
def reverse(con: duckdb.DuckDBPyConnection, import_id: int, *, who: str) -> dict[str, int]:
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
    if entry["kind"] == ROSTER:
        return _undo_roster(con, entry, who=who)
    if entry["kind"] == BUGS:
        return _undo_bugs(con, entry, who=who)
    if entry["kind"] == BUG_METRICS:
        raise Conflict(
            f"Import {import_id} holds bug metrics computed {entry['file_name']}. They follow "
            "the bugs, team mappings and definitions they come from, so they are not undone "
            "on their own: undo that change instead, and they are recomputed."
        )
    if entry["kind"] == BUG_METRICS_HISTORY:
        with transaction(con):
            _mark_undone(con, entry, who)
            audit.record(con, who, f"{entry['kind']}.undo", entry["file_name"],
                         before={"import_id": import_id, "status": "applied"},
                         after={"status": "undone"})  # fmt: skip
        return {"removed": 0, "restored": 0, "teams_removed": 0}
    for later_ids, what in ((undo_blockers(con, import_id), "values it set"),
                            (bugs_undo_blockers(con, import_id), "bugs it stored")):  # fmt: skip
        if later_ids:
            later = ", ".join(str(b) for b in later_ids)
            raise Conflict(
                f"Import {import_id} cannot be undone yet: later import(s) {later} changed "
                f"{what}. Undo {later} first (newest first), then import {import_id}."
            )
    # An import that also wrote the roster (the sample organisation does) takes it back too.
    changes = _roster_changes(con, import_id)
    _refuse_roster_conflicts(con, entry, changes)
    sample = entry["kind"] == DEMO
    if sample:
        _refuse_sample_conflicts(con, entry)
    with transaction(con):
        _reverse_roster_changes(con, import_id, changes)
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
            UPDATE metric_values SET value = o.old_value, import_id = o.old_import_id,
                                     definition_version = o.old_definition_version
            FROM import_overwrites o
            WHERE o.import_id = ? AND metric_values.team_id = o.team_id
              AND metric_values.week = o.week AND metric_values.metric = o.metric
            """,
            [import_id],
        )
        # Values the import removed (a bug-metrics run that no longer produced them) return.
        con.execute(
            """
            INSERT INTO metric_values (team_id, week, metric, value, import_id, definition_version)
            SELECT o.team_id, o.week, o.metric, o.old_value, o.old_import_id,
                   o.old_definition_version
            FROM import_overwrites o
            ANTI JOIN metric_values mv
              ON mv.team_id = o.team_id AND mv.week = o.week AND mv.metric = o.metric
            WHERE o.import_id = ?
            """,
            [import_id],
        )
        # Bugs the import brought (the sample organisation has some) go, and the ones they
        # replaced come back.
        _reverse_bugs(con, import_id)
        # Teams the import created go again, unless something else now refers to them.
        # Values computed from bugs do not hold a team: they are recomputed after the undo.
        con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE undo_teams AS
            SELECT c.team_id FROM import_created_teams c WHERE c.import_id = ?
              AND NOT EXISTS (SELECT 1 FROM metric_values mv WHERE mv.team_id = c.team_id
                              AND mv.import_id NOT IN (SELECT id FROM imports
                                                       WHERE kind IN ({_COMPUTED})))
              AND NOT EXISTS (SELECT 1 FROM champions ch WHERE ch.team_id = c.team_id)
              AND NOT EXISTS (SELECT 1 FROM roster_changes rc JOIN imports ri
                              ON ri.id = rc.import_id AND ri.status = 'applied'
                              WHERE rc.team_id = c.team_id AND rc.import_id <> c.import_id)
            """,
            [import_id],
        )
        teams_removed = scalar(con, "SELECT count(*) FROM undo_teams")
        con.execute("DELETE FROM metric_values WHERE team_id IN (SELECT team_id FROM undo_teams)")
        con.execute("DELETE FROM teams WHERE id IN (SELECT team_id FROM undo_teams)")
        con.execute("DROP TABLE temp.main.undo_teams")
        # Targets and owner mappings of the teams removed just now go with them.
        con.execute("DELETE FROM targets WHERE team_id NOT IN (SELECT id FROM teams)")
        con.execute("DELETE FROM team_mappings WHERE team_id NOT IN (SELECT id FROM teams)")
        done = {"removed": removed, "restored": restored, "teams_removed": teams_removed}
        if sample:  # and the rest of the sample: no chart annotation of it stays either
            done |= created.remove(con, import_id)
        _mark_undone(con, entry, who, event=not sample)
        audit.record(con, who, f"{entry['kind']}.undo", entry["file_name"],
                     before={"import_id": entry["id"], "status": "applied"},
                     after={"status": "undone", **done})  # fmt: skip
    return done


def _refuse_sample_conflicts(con: duckdb.DuckDBPyConnection, entry: dict[str, Any]) -> None:
    """Refuse to remove the sample while something a person added since refers to it."""
    found = created.blockers(con, entry["id"])
    if found:
        raise Conflict(
            f"The sample organisation (import {entry['id']}) cannot be removed: since it was "
            "loaded, people added things that refer to its teams, meetings or definitions, and "
            f"removing it would lose them. {' '.join(found)} Nothing was changed. To keep what "
            "was added, keep the sample, and start your own organisation in a new, empty "
            "database instead."
        )


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


def _roster_import_audit(con: duckdb.DuckDBPyConnection, entry: dict[str, Any]) -> dict | None:
    """The audit row the import wrote when it finished (its time and id mark "later")."""
    import json

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
    con: duckdb.DuckDBPyConnection, entry: dict[str, Any], changes: list[dict[str, Any]]
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


def _roster_changes(con: duckdb.DuckDBPyConnection, import_id: int) -> list[dict[str, Any]]:
    """What the import changed in the roster, newest first (the order undo reverses it in)."""
    return rows(
        con, "SELECT * FROM roster_changes WHERE import_id = ? ORDER BY seq DESC", [import_id]
    )


def _refuse_roster_conflicts(
    con: duckdb.DuckDBPyConnection, entry: dict[str, Any], changes: list[dict[str, Any]]
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


def _reverse_roster_changes(
    con: duckdb.DuckDBPyConnection, import_id: int, changes: list[dict[str, Any]]
) -> dict[str, int]:
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


def _undo_roster(con: duckdb.DuckDBPyConnection, entry: dict[str, Any], *, who: str) -> dict:
    """Reverse a roster import's changes exactly, newest first; return what was reversed.

    Refused while a later change to the same teams' champions stands: a later roster
    import (undo it first), or an edit made since (undoing would lose it).
    """
    import_id = entry["id"]
    changes = _roster_changes(con, import_id)
    _refuse_roster_conflicts(con, entry, changes)
    with transaction(con):
        done = _reverse_roster_changes(con, import_id, changes)
        _mark_undone(con, entry, who)
        # The keys the metrics undo reports, for callers that show either kind.
        done["removed"] = done["terms_removed"]
        done["restored"] = done["terms_reopened"] + done["starts_restored"]
        audit.record(con, who, "roster.undo", entry["file_name"],
                     before={"import_id": import_id}, after=done)  # fmt: skip
    return done


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


def _reverse_bugs(con: duckdb.DuckDBPyConnection, import_id: int) -> tuple[int, int]:
    """Remove the bugs an import stored and put back those it replaced (caller's
    transaction); return (stored, restored)."""
    stored = scalar(con, "SELECT count(*) FROM bugs WHERE import_id = ?", [import_id])
    restored = scalar(
        con, "SELECT count(*) FROM bug_overwrites WHERE overwritten_by = ?", [import_id]
    )
    con.execute("DELETE FROM bugs WHERE import_id = ?", [import_id])
    con.execute(
        f"INSERT INTO bugs ({_BUG_COLUMNS}) SELECT {_BUG_COLUMNS} FROM bug_overwrites "
        "WHERE overwritten_by = ?",
        [import_id],
    )
    return stored, restored


def _undo_bugs(con: duckdb.DuckDBPyConnection, entry: dict[str, Any], *, who: str) -> dict:
    """Remove the bugs a bug import added and put back the rows it replaced, exactly.

    Refused while a later import that replaced some of its bugs is still applied: undo
    that one first, so that no later row is lost.
    """
    import_id = entry["id"]
    blockers = bugs_undo_blockers(con, import_id)
    if blockers:
        later = ", ".join(str(b) for b in blockers)
        raise Conflict(
            f"Import {import_id} cannot be undone yet: later import(s) {later} changed bugs it "
            f"stored. Undo {later} first (newest first), then import {import_id}."
        )
    with transaction(con):
        stored, restored = _reverse_bugs(con, import_id)
        _mark_undone(con, entry, who)
        done = {"removed": stored - restored, "restored": restored, "teams_removed": 0,
                "bugs_removed": stored - restored, "bugs_restored": restored}  # fmt: skip
        audit.record(con, who, "bugs.undo", entry["file_name"],
                     before={"import_id": import_id}, after=done)  # fmt: skip
    return done


def skipped_rows(con: duckdb.DuckDBPyConnection, import_id: int) -> list[dict[str, Any]]:
    """The rows an import skipped (``--skip-bad-rows``): line and reason, in file order."""
    return rows(
        con,
        "SELECT line, reason FROM import_skipped WHERE import_id = ? ORDER BY line",
        [import_id],
    )
