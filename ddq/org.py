"""Areas and teams: the organisation the metrics belong to."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from ddq.db import rows

if TYPE_CHECKING:
    import duckdb


def name_key(name: str) -> str:
    """How names are compared: case and runs of whitespace do not matter."""
    return " ".join(name.split()).lower()


def closest_name(name: str, candidates: list[str]) -> str | None:
    """The known name most like ``name``, to suggest when a file names an unknown one."""
    by_key = {name_key(c): c for c in candidates}
    match = difflib.get_close_matches(name_key(name), list(by_key), n=1, cutoff=0.6)
    return by_key[match[0]] if match else None


def teams(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every team with its area (None when unassigned), sorted by area then name."""
    return rows(
        con,
        """
        SELECT t.id, t.name, t.active, a.name AS area
        FROM teams t LEFT JOIN areas a ON a.id = t.area_id
        ORDER BY a.name_key NULLS LAST, t.name_key
        """,
    )


def areas(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Every area, sorted by name."""
    return rows(con, "SELECT id, name, head FROM areas ORDER BY name_key")
