"""Which team owns a bug: its tracker components, project or labels, mapped to teams.

A bug belongs to exactly one team: the team its export names (a team column in a mapped
CSV) when that team exists, else the first of its components, in the order the export
lists them, that is mapped; else its project; else its first mapped label. A bug none of
these map is "Unassigned", and pages show it as such rather than hide it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import audit, bugmetrics
from ddq.access import EDITOR, requires
from ddq.bugmetrics import OWNERS_SQL
from ddq.db import claim, retry_on_conflict, rows, scalar, transaction
from ddq.errors import DdqError, NotFound
from ddq.org import name_key

if TYPE_CHECKING:
    import duckdb

KINDS = ("component", "project", "label")


@dataclass(frozen=True)
class UnassignedBugs:
    """The bugs no team owns: counted for the organisation as the team ``team``."""

    team: str
    bugs: int  # counted as bugs (the issue types that count), any state
    open_bugs: int  # of them, open now
    to_map: list[dict[str, Any]]  # the components and projects most of them carry


def unassigned(con: duckdb.DuckDBPyConnection) -> UnassignedBugs | None:
    """The bugs that no mapping gives to a team, or None when every bug has a team."""
    team_id = bugmetrics.unassigned_team_id(con)
    if team_id is None:
        return None
    type_sql, type_params = bugmetrics.bug_type_filter_sql(con, "b.type")
    counted, still_open = con.execute(
        f"""
        WITH {OWNERS_SQL}
        SELECT count(*), count(*) FILTER (b.resolved IS NULL)
        FROM bugs b JOIN bug_owners o USING (tracker, key)
        WHERE o.team_id IS NULL AND {type_sql}
        """,
        type_params,
    ).fetchone()
    if not counted:
        return None
    name = scalar(con, "SELECT name FROM teams WHERE id = ?", [team_id])
    return UnassignedBugs(name, counted, still_open, unmapped_values(con, limit=3))


class InvalidMapping(DdqError):
    """A team mapping that cannot be stored."""


def value_key(value: str) -> str:
    return value.strip().lower()


@requires(EDITOR, "map owners to teams")
@retry_on_conflict  # the last mapping wins: it says who owns the bugs from now on
def set_mapping(
    con: duckdb.DuckDBPyConnection, kind: str, value: str, team: str, *, who: str
) -> str:
    """Map a component, project key or label to a team (replacing an earlier mapping)."""
    if kind not in KINDS:
        raise InvalidMapping(f"Map a component, project or label, not {kind!r}.")
    if not value.strip():
        raise InvalidMapping(f"The {kind} to map is empty.")
    team_row = rows(con, "SELECT id, name, kind FROM teams WHERE name_key = ?", [name_key(team)])
    if not team_row:
        raise NotFound(f"There is no team {team!r}; add it to the roster first.")
    if team_row[0]["kind"] != "team":
        raise InvalidMapping(f"{team_row[0]['name']} holds the bugs no team owns; map the "
                             f"{kind} to the team that owns it.")  # fmt: skip
    with transaction(con):
        claim(con, "team mapping", kind, value_key(value))
        before = scalar(
            con,
            "SELECT t.name FROM team_mappings m JOIN teams t ON t.id = m.team_id "
            "WHERE m.kind = ? AND m.value_key = ?",
            [kind, value_key(value)],
        )
        con.execute(
            "INSERT OR REPLACE INTO team_mappings (kind, value, value_key, team_id) "
            "VALUES (?, ?, ?, ?)",
            [kind, value.strip(), value_key(value), team_row[0]["id"]],
        )
        audit.record(con, who, "mapping.set", f"{kind} {value.strip()}",
                     before={"team": before}, after={"team": team_row[0]["name"]})  # fmt: skip
        computed = bugmetrics.refresh(con, who=who, reason=f"after mapping {kind} "
                                      f"{value.strip()!r} to {team_row[0]['name']}")  # fmt: skip
    return _with_metrics(f"{kind} {value.strip()!r} now belongs to {team_row[0]['name']}.",
                         computed)  # fmt: skip


@requires(EDITOR, "map owners to teams")
@retry_on_conflict
def remove_mapping(con: duckdb.DuckDBPyConnection, kind: str, value: str, *, who: str) -> str:
    with transaction(con):
        claim(con, "team mapping", kind, value_key(value))
        before = scalar(con, "SELECT value FROM team_mappings WHERE kind = ? AND value_key = ?",
                        [kind, value_key(value)])  # fmt: skip
        if before is None:
            raise NotFound(f"No {kind} {value!r} is mapped.")
        con.execute("DELETE FROM team_mappings WHERE kind = ? AND value_key = ?",
                    [kind, value_key(value)])  # fmt: skip
        audit.record(con, who, "mapping.remove", f"{kind} {before}")
        computed = bugmetrics.refresh(con, who=who, reason=f"after unmapping {kind} {before!r}")
    return _with_metrics(f"{kind} {before!r} is no longer mapped.", computed)


def _with_metrics(message: str, computed: bugmetrics.Computation) -> str:
    """The confirmation, and what the change did to the bug metrics when it did anything."""
    if not computed.changed:
        return message
    return f"{message} Bug metrics recomputed: {computed.summary()}."


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
