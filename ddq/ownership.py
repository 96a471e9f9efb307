"""Which team owns a bug: its tracker components, project or labels, mapped to teams.

A bug belongs to exactly one team: the team its export names (a team column in a mapped
CSV) when that team exists, else the first of its components, in the order the export
lists them, that is mapped; else its project; else its first mapped label. A bug none of
these map is "Unassigned", and pages show it as such rather than hide it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ddq import audit
from ddq.access import EDITOR, requires
from ddq.db import rows, scalar, transaction
from ddq.errors import DdqError, NotFound
from ddq.org import name_key

if TYPE_CHECKING:
    import duckdb

KINDS = ("component", "project", "label")
UNASSIGNED = "Unassigned"

# One row per bug: tracker, key and the owning team's id (NULL when unassigned).
OWNERS_SQL = """
    owner_named AS (
        SELECT b.tracker, b.key, t.id AS team_id
        FROM bugs b JOIN teams t ON t.name_key = lower(trim(b.team_name))
    ),
    owner_component AS (
        SELECT c.tracker, c.key, arg_min(m.team_id, c.position) AS team_id
        FROM (
            SELECT tracker, key, unnest(components) AS component,
                   unnest(range(1, len(components) + 1)) AS position
            FROM bugs
        ) c
        JOIN team_mappings m ON m.kind = 'component' AND m.value_key = lower(trim(c.component))
        GROUP BY c.tracker, c.key
    ),
    owner_project AS (
        SELECT b.tracker, b.key, m.team_id
        FROM bugs b
        JOIN team_mappings m ON m.kind = 'project' AND m.value_key = lower(trim(b.project))
    ),
    owner_label AS (
        SELECT l.tracker, l.key, arg_min(m.team_id, l.position) AS team_id
        FROM (
            SELECT tracker, key, unnest(labels) AS label,
                   unnest(range(1, len(labels) + 1)) AS position
            FROM bugs
        ) l
        JOIN team_mappings m ON m.kind = 'label' AND m.value_key = lower(trim(l.label))
        GROUP BY l.tracker, l.key
    ),
    bug_owners AS (
        SELECT b.tracker, b.key,
               coalesce(n.team_id, c.team_id, p.team_id, l.team_id) AS team_id
        FROM bugs b
        LEFT JOIN owner_named n USING (tracker, key)
        LEFT JOIN owner_component c USING (tracker, key)
        LEFT JOIN owner_project p USING (tracker, key)
        LEFT JOIN owner_label l USING (tracker, key)
    )
"""


class InvalidMapping(DdqError):
    """A team mapping that cannot be stored."""


def value_key(value: str) -> str:
    return value.strip().lower()


@requires(EDITOR, "map owners to teams")
def set_mapping(
    con: duckdb.DuckDBPyConnection, kind: str, value: str, team: str, *, who: str
) -> str:
    """Map a component, project key or label to a team (replacing an earlier mapping)."""
    if kind not in KINDS:
        raise InvalidMapping(f"Map a component, project or label, not {kind!r}.")
    if not value.strip():
        raise InvalidMapping(f"The {kind} to map is empty.")
    team_row = rows(con, "SELECT id, name FROM teams WHERE name_key = ?", [name_key(team)])
    if not team_row:
        raise NotFound(f"There is no team {team!r}; add it to the roster first.")
    before = scalar(
        con,
        "SELECT t.name FROM team_mappings m JOIN teams t ON t.id = m.team_id "
        "WHERE m.kind = ? AND m.value_key = ?",
        [kind, value_key(value)],
    )
    with transaction(con):
        con.execute(
            "INSERT OR REPLACE INTO team_mappings (kind, value, value_key, team_id) "
            "VALUES (?, ?, ?, ?)",
            [kind, value.strip(), value_key(value), team_row[0]["id"]],
        )
        audit.record(con, who, "mapping.set", f"{kind} {value.strip()}",
                     before={"team": before}, after={"team": team_row[0]["name"]})  # fmt: skip
    return f"{kind} {value.strip()!r} now belongs to {team_row[0]['name']}."


@requires(EDITOR, "map owners to teams")
def remove_mapping(con: duckdb.DuckDBPyConnection, kind: str, value: str, *, who: str) -> str:
    before = scalar(con, "SELECT value FROM team_mappings WHERE kind = ? AND value_key = ?",
                    [kind, value_key(value)])  # fmt: skip
    if before is None:
        raise NotFound(f"No {kind} {value!r} is mapped.")
    with transaction(con):
        con.execute("DELETE FROM team_mappings WHERE kind = ? AND value_key = ?",
                    [kind, value_key(value)])  # fmt: skip
        audit.record(con, who, "mapping.remove", f"{kind} {before}")
    return f"{kind} {before!r} is no longer mapped."


def mappings(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every mapping: kind, value and team, sorted."""
    return rows(
        con,
        "SELECT m.kind, m.value, t.name AS team FROM team_mappings m "
        "JOIN teams t ON t.id = m.team_id ORDER BY m.kind, m.value_key",
    )


def unmapped_values(con: duckdb.DuckDBPyConnection, limit: int = 50) -> list[dict[str, Any]]:
    """Components and projects of unassigned bugs, most frequent first: what to map next."""
    return rows(
        con,
        f"""
        WITH {OWNERS_SQL},
        unassigned AS (
            SELECT b.* FROM bugs b JOIN bug_owners o USING (tracker, key) WHERE o.team_id IS NULL
        )
        SELECT kind, value, count(*) AS bugs FROM (
            SELECT 'component' AS kind, unnest(components) AS value FROM unassigned
            UNION ALL
            SELECT 'project', project FROM unassigned WHERE project IS NOT NULL
        ) GROUP BY kind, value ORDER BY bugs DESC, kind, value LIMIT ?
        """,
        [limit],
    )
