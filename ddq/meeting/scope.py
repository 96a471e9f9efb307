"""A meeting's scope: one area, several, or the whole program; and the scope's teams."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ddq.db import rows
from ddq.errors import NotFound
from ddq.meeting.checks import refuse
from ddq.org import closest_name, name_key

if TYPE_CHECKING:
    import duckdb

WHOLE_PROGRAM = "Whole program"


def resolve_scope(
    con: duckdb.DuckDBPyConnection, areas: Iterable[str]
) -> tuple[list[str], list[str]]:
    """The areas' names and name keys, sorted by key; both empty for the whole program."""
    if isinstance(areas, str):
        areas = (areas,)
    names: dict[str, str] = {}
    for area in areas:
        if not area or not area.strip():
            refuse("an area name is empty")
        found = rows(con, "SELECT name, name_key FROM areas WHERE name_key = ?", [name_key(area)])
        if not found:
            known = [r["name"] for r in rows(con, "SELECT name FROM areas")]
            guess = closest_name(area, known)
            hint = f" Did you mean {guess!r}?" if guess else ""
            raise NotFound(f"There is no area {area!r}.{hint}")
        names[found[0]["name_key"]] = found[0]["name"]
    keys = sorted(names)
    return [names[k] for k in keys], keys


def scope_key(keys: Sequence[str]) -> str:
    """The stored key of a scope (its areas' name keys): one meeting per date and key."""
    return json.dumps(list(keys))


def scope_label(areas: Sequence[str]) -> str:
    """A meeting's scope in words: its areas, or the whole program."""
    return ", ".join(areas) if areas else WHOLE_PROGRAM


def overlaps(scope_areas: Sequence[str], keys: Sequence[str]) -> bool:
    """A meeting concerns the scope: it is the whole program's, or shares an area."""
    if not keys or not scope_areas:
        return True
    return bool({name_key(a) for a in scope_areas} & set(keys))


def area_order(team: dict[str, Any]) -> tuple[bool, str, str]:
    """Area order: by area (teams without one last), then by team name."""
    return team["area_key"] is None, team["area_key"] or "", team["name_key"]


def scope_teams(con: duckdb.DuckDBPyConnection, keys: Sequence[str]) -> list[dict[str, Any]]:
    """The scope's active teams with their current champion, in area order.

    Each: id, name, name_key, area, area_key, champion.
    """
    found = rows(
        con,
        """
        SELECT t.id, t.name, t.name_key, a.name AS area, a.name_key AS area_key,
               c.person AS champion
        FROM teams t LEFT JOIN areas a ON a.id = t.area_id
        LEFT JOIN champions c ON c.team_id = t.id AND c.until IS NULL
        WHERE t.active AND t.kind = 'team'
          AND (len(?::VARCHAR[]) = 0 OR a.name_key IN (SELECT unnest(?::VARCHAR[])))
        """,
        [list(keys), list(keys)],
    )
    return sorted(found, key=area_order)
