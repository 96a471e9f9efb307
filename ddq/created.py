"""What an import created beyond its values, teams and roster, so that undo removes exactly that.

The sample organisation creates more than weekly values, teams, areas, champion terms and
bugs (which the ledger's own tables record): meetings with their attendance, notes and
action items, critical-bug definitions and the teams' stances on them, targets, the bug
mappings of its teams, and the events on the charts. :func:`snapshot` notes the keys of
those records before the sample writes, and :func:`record` keeps the keys of the new ones
in ``import_created_records``. Undoing the sample then removes exactly the recorded ones
(:func:`remove`), in whatever state people left them (a note edited, an action closed, a
stance changed, a proposal adopted): they are the sample's.

What a person added since and that refers to the sample's teams, meetings or definitions
is theirs, and removing the sample would lose it or leave it pointing at nothing, so
:func:`blockers` names it and the undo is refused, as the ledger refuses to undo an import
that a later one built on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ddq.db import drop_temp, rows, scalar

if TYPE_CHECKING:
    import duckdb

# Each kind of record and its key, as (id, team_id, name, detail); see schema migration 11.
_KEYS: dict[str, str] = {
    "meeting": "SELECT id, NULL, NULL, NULL FROM meetings",
    "note": "SELECT meeting_id, team_id, kind, NULL FROM meeting_notes",
    "action": "SELECT id, team_id, NULL, NULL FROM action_items",
    "definition": "SELECT version, NULL, NULL, NULL FROM critical_defs",
    "stance": "SELECT version, team_id, NULL, NULL FROM endorsements",
    "target": "SELECT NULL, team_id, metric, NULL FROM targets",
    "mapping": "SELECT NULL, team_id, kind, value_key FROM team_mappings",
    "event": "SELECT id, NULL, NULL, NULL FROM events",
}
_BEFORE = "import_created_before"


def _all_keys() -> str:
    return " UNION ALL ".join(
        f"SELECT '{kind}' AS kind, CAST(k.a AS INTEGER) AS id, CAST(k.b AS INTEGER) AS team_id, "
        f"CAST(k.c AS VARCHAR) AS name, CAST(k.d AS VARCHAR) AS detail FROM ({sql}) k(a, b, c, d)"
        for kind, sql in _KEYS.items()
    )


def snapshot(con: duckdb.DuckDBPyConnection) -> None:
    """Note the records that exist before an import writes (caller's transaction)."""
    con.execute(f"CREATE OR REPLACE TEMP TABLE {_BEFORE} AS {_all_keys()}")


def record(con: duckdb.DuckDBPyConnection, import_id: int) -> None:
    """Record as the import's every record created since :func:`snapshot` (same transaction)."""
    try:
        con.execute(
            f"INSERT INTO import_created_records (import_id, kind, id, team_id, name, detail) "
            f"SELECT ?, * FROM ({_all_keys()} EXCEPT SELECT * FROM {_BEFORE})",
            [import_id],
        )
    finally:
        drop_temp(con, _BEFORE)


# The recorded keys of one kind: `mine('meeting')` in a query, with the import id bound as $id.
def _mine(kind: str, columns: str = "id") -> str:
    return (
        f"(SELECT {columns} FROM import_created_records WHERE import_id = $id AND kind = '{kind}')"
    )


_TEAMS = "(SELECT team_id FROM import_created_teams WHERE import_id = $id)"
_MEETINGS = _mine("meeting")
_DEFINITIONS = _mine("definition")
_COMPUTED = "(SELECT id FROM imports WHERE kind IN ('bug_metrics', 'bug_metrics_history'))"

# What a person added since the import that refers to what it created: (what it is, SQL
# giving one line per finding in a column `what`, what to do about it).
_FINDINGS: list[tuple[str, str, str]] = [
    (
        "metric values of its teams from other imports",
        f"""SELECT 'import ' || i.id || ' (' || i.file_name || '): ' || count(*)
                   || ' value(s) of ' || string_agg(DISTINCT t.name, ', ' ORDER BY t.name) AS what
            FROM metric_values mv JOIN imports i ON i.id = mv.import_id
            JOIN teams t ON t.id = mv.team_id
            WHERE mv.team_id IN {_TEAMS} AND mv.import_id <> $id
              AND mv.import_id NOT IN {_COMPUTED}
            GROUP BY i.id, i.file_name ORDER BY i.id""",
        "Undo those imports first, newest first.",
    ),
    (
        "definitions of the sample applied to history",
        f"""SELECT 'import ' || i.id || ' (' || i.file_name || ')' AS what
            FROM critical_history h JOIN imports i ON i.id = h.import_id
            WHERE i.status = 'applied' AND h.version IN {_DEFINITIONS} ORDER BY i.id""",
        "Undo those imports first.",
    ),
    (
        "meetings with its teams on the agenda",
        f"""SELECT 'meeting ' || m.id || ' of ' || m.held_on AS what FROM meetings m
            WHERE m.id NOT IN {_MEETINGS}
              AND EXISTS (SELECT 1 FROM (SELECT unnest(m.agenda) AS team_id) a
                          WHERE a.team_id IN {_TEAMS})
            ORDER BY m.id""",
        "A meeting cannot be deleted.",
    ),
    (
        "meeting notes written since",
        f"""SELECT coalesce(t.name, 'team ' || n.team_id) || ' in meeting ' || n.meeting_id
                   || ' (' || n.kind || ')' AS what
            FROM meeting_notes n LEFT JOIN teams t ON t.id = n.team_id
            WHERE (n.meeting_id, n.team_id, n.kind) NOT IN {_mine("note", "id, team_id, name")}
              AND (n.team_id IN {_TEAMS} OR n.meeting_id IN {_MEETINGS})
            ORDER BY n.meeting_id, t.name_key, n.kind""",
        "Clear them on the Meeting page.",
    ),
    (
        "action items added since",
        f"""SELECT coalesce(t.name, 'team ' || a.team_id) || ': ' || a.text AS what
            FROM action_items a LEFT JOIN teams t ON t.id = a.team_id
            WHERE a.id NOT IN {_mine("action")}
              AND (a.team_id IN {_TEAMS} OR a.meeting_id IN {_MEETINGS}
                   OR a.closed_in_meeting IN {_MEETINGS})
            ORDER BY a.id""",
        "An action item cannot be deleted.",
    ),
    (
        "targets set since",
        f"""SELECT t.name || ' ' || g.metric AS what FROM targets g JOIN teams t ON t.id = g.team_id
            WHERE g.team_id IN {_TEAMS}
              AND (g.team_id, g.metric) NOT IN {_mine("target", "team_id, name")}
            ORDER BY t.name_key, g.metric""",
        "Remove them (`ddq target remove`).",
    ),
    (
        "bug mappings to its teams made since",
        f"""SELECT m.kind || ' ' || m.value || ' to ' || t.name AS what
            FROM team_mappings m JOIN teams t ON t.id = m.team_id
            WHERE m.team_id IN {_TEAMS}
              AND (m.kind, m.value_key, m.team_id)
                  NOT IN {_mine("mapping", "name, detail, team_id")}
            ORDER BY m.kind, m.value_key""",
        "Map those values to other teams, or remove the mappings (`ddq teams unmap`).",
    ),
    (
        "stances recorded since",
        f"""SELECT coalesce(t.name, 'team ' || e.team_id) || ' on v' || e.version AS what
            FROM endorsements e LEFT JOIN teams t ON t.id = e.team_id
            WHERE (e.version, e.team_id) NOT IN {_mine("stance", "id, team_id")}
              AND (e.team_id IN {_TEAMS} OR e.version IN {_DEFINITIONS})
            ORDER BY e.version, t.name_key""",
        "A stance cannot be deleted.",
    ),
    (
        "chart events about its teams",
        f"""SELECT e.title AS what FROM events e
            WHERE e.team_id IN {_TEAMS} AND e.id NOT IN {_mine("event")} ORDER BY e.id""",
        "An event cannot be deleted.",
    ),
]
_SHOWN = 5  # findings named per kind; the rest are counted


def blockers(con: duckdb.DuckDBPyConnection, import_id: int) -> list[str]:
    """What a person added since the import that refers to what it created: a sentence or
    two per kind of record, naming them and what to do; empty when the import can be undone."""
    found = []
    for what, sql, remedy in _FINDINGS:
        lines = [r["what"] for r in rows(con, sql, {"id": import_id})]
        if lines:
            named = "; ".join(lines[:_SHOWN])
            more = f" and {len(lines) - _SHOWN} more" if len(lines) > _SHOWN else ""
            found.append(f"{what[0].upper()}{what[1:]}: {named}{more}. {remedy}")
    return found


def _definition_event_titles(con: duckdb.DuckDBPyConnection, import_id: int) -> list[str]:
    """The start of the titles ddq.critical gives the events of adopting or retiring the
    import's definitions (an adoption of its proposal made later has no other link)."""
    versions = [r["id"] for r in rows(con, f"SELECT id FROM {_DEFINITIONS}", {"id": import_id})]
    return [f"Definition v{v} {verb}: " for v in versions for verb in ("adopted", "retired")]


def remove(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[str, Any]:
    """Remove what the import recorded (caller's transaction, after :func:`blockers`, once
    its teams are gone); return how many meetings, definitions and areas were removed.

    A meeting goes with its attendance, the teams it presented, its notes and its action
    items; a definition with its stances and the events of its adoption or retirement.
    The areas the import created go too, unless a team is in one now or a later roster
    import refers to it.
    """
    params = {"id": import_id}
    counts = {
        "meetings_removed": scalar(
            con, f"SELECT count(*) FROM meetings WHERE id IN {_MEETINGS}", params
        ),
        "definitions_removed": scalar(
            con, f"SELECT count(*) FROM critical_defs WHERE version IN {_DEFINITIONS}", params
        ),
    }
    titles = _definition_event_titles(con, import_id)
    for statement in (
        f"DELETE FROM attendance WHERE meeting_id IN {_MEETINGS}",
        f"DELETE FROM presented WHERE meeting_id IN {_MEETINGS}",
        f"DELETE FROM meeting_notes WHERE (meeting_id, team_id, kind) IN "
        f"{_mine('note', 'id, team_id, name')}",
        f"DELETE FROM action_items WHERE id IN {_mine('action')}",
        f"DELETE FROM meetings WHERE id IN {_MEETINGS}",
        f"DELETE FROM endorsements WHERE (version, team_id) IN {_mine('stance', 'id, team_id')}",
        f"DELETE FROM critical_defs WHERE version IN {_DEFINITIONS}",
        f"DELETE FROM targets WHERE (team_id, metric) IN {_mine('target', 'team_id, name')}",
        f"DELETE FROM team_mappings WHERE (kind, value_key, team_id) IN "
        f"{_mine('mapping', 'name, detail, team_id')}",
        f"DELETE FROM events WHERE id IN {_mine('event')} OR import_id = $id",
    ):
        con.execute(statement, params)
    if titles:
        con.execute(
            "DELETE FROM events WHERE kind = 'definition' AND EXISTS (SELECT 1 FROM "
            "unnest(?::VARCHAR[]) p(prefix) WHERE starts_with(events.title, p.prefix))",
            [titles],
        )
    counts["areas_removed"] = len(con.execute(
        """
        DELETE FROM areas WHERE id IN (SELECT area_id FROM import_created_areas
                                       WHERE import_id = $id)
          AND NOT EXISTS (SELECT 1 FROM teams WHERE teams.area_id = areas.id)
          AND NOT EXISTS (SELECT 1 FROM events WHERE events.area_id = areas.id)
          AND NOT EXISTS (SELECT 1 FROM roster_changes rc JOIN imports i
                          ON i.id = rc.import_id AND i.status = 'applied'
                          WHERE areas.id IN (rc.area_id, rc.old_area_id) AND rc.import_id <> $id)
        RETURNING id
        """,
        params,
    ).fetchall())  # fmt: skip
    return counts
