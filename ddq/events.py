"""Events: things that happened, drawn as annotations on the trend charts.

One table for every kind, so that a chart asks one question ("what happened in these
weeks, for this scope?") whatever feature recorded it.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ddq import clock
from ddq.db import rows, scalar

if TYPE_CHECKING:
    import duckdb

IMPORT = "import"
UNDO = "undo"


def add(
    con: duckdb.DuckDBPyConnection,
    *,
    kind: str,
    title: str,
    happened_at: dt.datetime,
    details: str = "",
    team_id: int | None = None,
    area_id: int | None = None,
    import_id: int | None = None,
) -> int:
    """Record an event (inside the caller's transaction); return its id."""
    event_id: int = scalar(
        con,
        "INSERT INTO events (happened_at, week, kind, title, details, team_id, area_id, "
        "import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        [happened_at, clock.week_start(happened_at.date()), kind, title, details, team_id, area_id,
         import_id],
    )  # fmt: skip
    return event_id


def between(
    con: duckdb.DuckDBPyConnection,
    first: dt.date,
    last: dt.date,
    *,
    area: str | None = None,
    teams: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """Events in the weeks ``first`` to ``last`` that concern the scope, oldest first.

    Organisation-wide events always concern every scope; an area's events concern that
    area and its teams' charts; a team's events concern that team.
    """
    return rows(
        con,
        """
        SELECT e.week, e.happened_at, e.kind, e.title, e.details, t.name AS team, a.name AS area
        FROM events e
        LEFT JOIN teams t ON t.id = e.team_id
        LEFT JOIN areas a ON a.id = coalesce(e.area_id, t.area_id)
        WHERE e.week BETWEEN ? AND ?
          AND (
            (e.team_id IS NULL AND e.area_id IS NULL)
            OR (? IS NOT NULL AND a.name_key = lower(?))
            OR (t.name_key IN (SELECT unnest(?::VARCHAR[])))
          )
        ORDER BY e.happened_at, e.id
        """,
        [first, last, area, area, [" ".join(n.split()).lower() for n in teams]],
    )
