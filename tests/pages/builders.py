"""Tiny databases with known values, for the page tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ddq import db
from ddq.access import ADMIN, Actor
from ddq.ingest.metrics import import_metrics
from ddq.metrics import today_utc
from ddq.trends import latest_complete_week

LAST = latest_complete_week(today_utc())


def week(ago: int) -> str:
    """The ISO date of the Monday ``ago`` weeks before the latest complete week."""
    return (LAST - dt.timedelta(weeks=ago)).isoformat()


def load(path: Path, rows: list[tuple[str, int, str, float]], areas: dict[str, str] | None = None):
    """Import (team, weeks ago, metric, value) rows, creating teams; then put teams in areas."""
    text = "team,week,metric,value\n" + "".join(
        f"{team},{week(ago)},{metric},{value}\n" for team, ago, metric, value in rows
    )
    with db.connect(path) as con:
        import_metrics(
            con, text.encode(), file_name="known.csv", who=Actor("test", ADMIN), create_teams=True
        )
        for team, area in (areas or {}).items():
            con.execute(
                "INSERT INTO areas (name, name_key) SELECT ?, lower(?) WHERE NOT EXISTS "
                "(SELECT 1 FROM areas WHERE name_key = lower(?))",
                [area, area, area],
            )
            con.execute(
                "UPDATE teams SET area_id = (SELECT id FROM areas WHERE name_key = lower(?)) "
                "WHERE name_key = lower(?)",
                [area, team],
            )
