"""Undoing a metrics import: the values it set go, those it overwrote return, and the
teams it created go again.

The values it set carry its id in ``metric_values``; the values it replaced are kept in
``import_overwrites`` and the teams it created in ``import_created_teams``. An import that
also wrote the roster or stored bugs (the sample organisation does) takes those back too.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ddq.db import rows, scalar
from ddq.errors import Conflict
from ddq.ledger.kinds import COMPUTED, Counts, Entry
from ddq.ledger.reversal import bugs, roster

if TYPE_CHECKING:
    import duckdb

_COMPUTED = ", ".join(f"'{kind}'" for kind in COMPUTED)


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


def refuse(con: duckdb.DuckDBPyConnection, entry: Entry) -> None:
    """Refused while a later import that overwrote this one's values (or bugs) is still
    applied, or a later change builds on its roster changes."""
    import_id = entry["id"]
    for later_ids, what in ((undo_blockers(con, import_id), "values it set"),
                            (bugs.bugs_undo_blockers(con, import_id), "bugs it stored")):  # fmt: skip
        if later_ids:
            later = ", ".join(str(b) for b in later_ids)
            raise Conflict(
                f"Import {import_id} cannot be undone yet: later import(s) {later} changed "
                f"{what}. Undo {later} first (newest first), then import {import_id}."
            )
    roster.refuse(con, entry)


def reverse(con: duckdb.DuckDBPyConnection, entry: Entry) -> Counts:
    """Restore exactly what the import changed (caller's transaction)."""
    import_id = entry["id"]
    roster.reverse_roster_changes(con, import_id, roster.roster_changes(con, import_id))
    restored: int = scalar(
        con, "SELECT count(*) FROM import_overwrites WHERE import_id = ?", [import_id]
    )
    removed: int = scalar(
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
    bugs.reverse_bugs(con, import_id)
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
    teams_removed: int = scalar(con, "SELECT count(*) FROM undo_teams")
    con.execute("DELETE FROM metric_values WHERE team_id IN (SELECT team_id FROM undo_teams)")
    con.execute("DELETE FROM teams WHERE id IN (SELECT team_id FROM undo_teams)")
    con.execute("DROP TABLE temp.main.undo_teams")
    # Targets and owner mappings of the teams removed just now go with them.
    con.execute("DELETE FROM targets WHERE team_id NOT IN (SELECT id FROM teams)")
    con.execute("DELETE FROM team_mappings WHERE team_id NOT IN (SELECT id FROM teams)")
    return {"removed": removed, "restored": restored, "teams_removed": teams_removed}
