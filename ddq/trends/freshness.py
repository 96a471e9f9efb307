"""How current a scope's data is: the last import, who missed the latest week, who went silent."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ddq import clock
from ddq.db import rows
from ddq.trends.scope import _SCOPED_TEAMS, Scope, _scope_params

if TYPE_CHECKING:
    import duckdb

SILENT_WEEKS = 3


def freshness(
    con: duckdb.DuckDBPyConnection, scope: Scope, today: dt.date | None = None
) -> dict[str, Any]:
    """How current the data is: the last import, who missed the latest complete week, who is silent.

    ``not_reported``: teams (that had started reporting) with no value in the latest complete
    week. ``silent``: teams whose last value is SILENT_WEEKS or more weeks before it, with
    that week.
    """
    week = clock.latest_complete_week(today)
    last_import = rows(
        con,
        "SELECT id, file_name, who, imported_at FROM imports WHERE status = 'applied' "
        "ORDER BY id DESC LIMIT 1",
    )
    teams = rows(
        con,
        f"""
        WITH {_SCOPED_TEAMS}
        SELECT s.name AS team, max(mv.week) AS last_week
        FROM scoped s JOIN metric_values mv ON mv.team_id = s.id AND mv.week <= ?
        GROUP BY s.name ORDER BY lower(s.name)
        """,
        [*_scope_params(scope), week],
    )
    silent_before = week - dt.timedelta(weeks=SILENT_WEEKS)
    return {
        "week": week,
        "last_import": last_import[0] if last_import else None,
        "not_reported": [t["team"] for t in teams if t["last_week"] < week],
        "silent": [t for t in teams if t["last_week"] <= silent_before],
    }
