"""What a chart covers (the organisation, an area, a few teams) and which weeks it shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from ddq import clock

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Scope:
    """What a chart covers: the organisation, one area, or a few teams compared."""

    area: str | None = None
    teams: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "teams" if self.teams else "area" if self.area else "organisation"

    @property
    def label(self) -> str:
        if self.teams:
            return ", ".join(self.teams)
        return self.area or "Organisation"


def window(
    con: duckdb.DuckDBPyConnection, weeks: int | None, today: dt.date | None = None
) -> tuple[dt.date, dt.date] | None:
    """The weeks a chart shows: ``weeks`` weeks (None: all) ending with the latest complete one.

    If every value is older than that, the window ends at the newest value instead, so an
    old database still shows its data. None when there is no data at all.
    """
    span = con.execute("SELECT min(week), max(week) FROM metric_values").fetchone()
    first_data, last_data = cast("tuple[dt.date | None, dt.date]", span)
    if first_data is None:
        return None
    last = clock.latest_complete_week(today)
    if weeks is not None and last_data < last - dt.timedelta(weeks=weeks - 1):
        last = last_data
    first = first_data if weeks is None else max(first_data, last - dt.timedelta(weeks=weeks - 1))
    return (first, last) if first <= last else (last, last)


_SCOPED_TEAMS = """
    scoped AS (
        SELECT t.id, t.name FROM teams t LEFT JOIN areas a ON a.id = t.area_id
        WHERE t.active
          AND (?::VARCHAR IS NULL OR a.name_key = lower(?::VARCHAR))
          AND (len(?::VARCHAR[]) = 0 OR t.name_key IN (SELECT unnest(?::VARCHAR[])))
    )
"""


def _scope_params(scope: Scope) -> list[Any]:
    keys = [" ".join(t.split()).lower() for t in scope.teams]
    return [scope.area, scope.area, keys, keys]


def _weeks_cte() -> str:
    return (
        "weeks AS (SELECT CAST(unnest(generate_series(?::TIMESTAMP, ?::TIMESTAMP, "
        "INTERVAL 7 DAY)) AS DATE) AS week)"
    )
