"""Areas and teams: the organisation the metrics belong to."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any, TypedDict, cast

from ddq.db import rows
from ddq.errors import NotFound

if TYPE_CHECKING:
    import duckdb


class Team(TypedDict):
    """A team as :func:`find_team` finds it, with its area (None when it has none)."""

    id: int
    name: str
    name_key: str
    active: bool
    kind: str  # 'team', or 'unassigned' for the bugs no team owns
    area_id: int | None
    area: str | None
    area_key: str | None


def name_key(name: str) -> str:
    """How names are compared: case and runs of whitespace do not matter."""
    return " ".join(name.split()).lower()


def some_names(names: list[str], limit: int = 10) -> str:
    """Names for one line of a message: the first ``limit``, then how many more."""
    shown = ", ".join(names[:limit])
    more = len(names) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def closest_name(name: str, candidates: list[str]) -> str | None:
    """The known name most like ``name``, to suggest when a file names an unknown one."""
    by_key = {name_key(c): c for c in candidates}
    match = difflib.get_close_matches(name_key(name), list(by_key), n=1, cutoff=0.6)
    return by_key[match[0]] if match else None


def find_team(con: duckdb.DuckDBPyConnection, team: str) -> Team:
    """A team by name (case and spacing ignored), with its area; NotFound names the closest."""
    found = rows(
        con,
        "SELECT t.id, t.name, t.name_key, t.active, t.kind, t.area_id, a.name AS area, "
        "a.name_key AS area_key FROM teams t LEFT JOIN areas a ON a.id = t.area_id "
        "WHERE t.name_key = ?",
        [name_key(team)],
    )
    if not found:
        guess = closest_name(team, [r["name"] for r in rows(con, "SELECT name FROM teams")])
        hint = f" Did you mean {guess!r}?" if guess else ""
        raise NotFound(f"There is no team {team!r}.{hint}")
    return cast(Team, found[0])


def find_own_team(con: duckdb.DuckDBPyConnection, team: str) -> Team:
    """Like :func:`find_team`, for changes only a real team can take (a champion, a target,
    a stance): Unassigned, which holds the bugs no team owns, is refused with what to do."""
    found = find_team(con, team)
    if found["kind"] != "team":
        raise NotFound(
            f"{found['name']} holds the bugs that no team owns; it has no champion, targets or "
            "stances. Map its components, projects or labels to teams on the Critical bugs "
            "page (or with `ddq teams map`)."
        )
    return found


def teams(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every team with its area (None when unassigned), sorted by area then name."""
    return rows(
        con,
        """
        SELECT t.id, t.name, t.active, a.name AS area
        FROM teams t LEFT JOIN areas a ON a.id = t.area_id
        ORDER BY a.name_key NULLS LAST, t.name_key
        """,
    )


def areas(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Every area, sorted by name."""
    return rows(con, "SELECT id, name, head FROM areas ORDER BY name_key")
