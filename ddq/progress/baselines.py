"""Where a target starts: the baseline set by hand, the mean of a period, or the default.

The last two are computed when read, so a later import of older weeks moves them.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ddq.db import rows

if TYPE_CHECKING:
    import duckdb

# The default baseline: the mean of a team's first reported weeks of the metric.
BASELINE_WEEKS = 4

# Effective baselines of the (team_id, metric, baseline, baseline_from, baseline_to) rows of
# a CTE named ``wanted``: the value set by hand, else the mean of the chosen period, else the
# mean of the first BASELINE_WEEKS reported weeks up to $last (None with fewer).
_BASELINES = f"""
    firsts AS (
        SELECT w.team_id, w.metric, min_by(mv.value, mv.week, {BASELINE_WEEKS}) AS vals,
               min(mv.week) AS first_week, list_max(min_by(mv.week, mv.week, {BASELINE_WEEKS}))
               AS last_week
        FROM wanted w JOIN metric_values mv ON mv.team_id = w.team_id AND mv.metric = w.metric
        WHERE w.baseline IS NULL AND w.baseline_from IS NULL AND mv.week <= $last
        GROUP BY w.team_id, w.metric
    ),
    periods AS (
        SELECT w.team_id, w.metric, avg(mv.value) AS mean, count(*) AS n
        FROM wanted w JOIN metric_values mv ON mv.team_id = w.team_id AND mv.metric = w.metric
             AND mv.week BETWEEN w.baseline_from AND w.baseline_to
        WHERE w.baseline IS NULL AND w.baseline_from IS NOT NULL
        GROUP BY w.team_id, w.metric
    ),
    baselines AS (
        SELECT w.team_id, w.metric,
               CASE WHEN w.baseline IS NOT NULL THEN w.baseline
                    WHEN w.baseline_from IS NOT NULL THEN p.mean
                    WHEN len(f.vals) >= {BASELINE_WEEKS} THEN list_avg(f.vals) END
               AS effective_baseline,
               coalesce(len(f.vals), p.n, 0) AS baseline_points,
               f.first_week AS baseline_first_week, f.last_week AS baseline_last_week
        FROM wanted w
        LEFT JOIN firsts f ON f.team_id = w.team_id AND f.metric = w.metric
        LEFT JOIN periods p ON p.team_id = w.team_id AND p.metric = w.metric
    )
"""


def _baseline_words(row: dict[str, Any]) -> str:
    """Where a target's baseline comes from, in words."""
    if row["baseline"] is not None:
        return "set by hand"
    if row["baseline_from"] is not None:
        return f"mean of {row['baseline_from']} to {row['baseline_to']}"
    if row.get("effective_baseline") is not None:
        return (
            f"mean of the first {BASELINE_WEEKS} reported weeks "
            f"({row['baseline_first_week']} to {row['baseline_last_week']})"
        )
    return f"mean of the first {BASELINE_WEEKS} reported weeks"


def _baseline_problem(row: dict[str, Any]) -> str:
    """Why a target has no effective baseline."""
    if row["baseline_from"] is not None:
        return f"no baseline: nothing reported from {row['baseline_from']} to {row['baseline_to']}"
    return (
        f"no baseline yet: {row['baseline_points'] or 0} of the first {BASELINE_WEEKS} "
        "weeks reported"
    )


def _effective_baselines(
    con: duckdb.DuckDBPyConnection,
    wanted: list[tuple[int, str, float | None, dt.date | None, dt.date | None]],
    last: dt.date,
) -> dict[tuple[int, str], dict[str, Any]]:
    """Effective baselines for (team_id, metric, baseline, from, to) tuples, by (team_id, metric)."""
    if not wanted:
        return {}
    columns = list(zip(*wanted, strict=True))
    found = rows(
        con,
        f"""
        WITH wanted AS (
            SELECT unnest($team_ids::INTEGER[]) AS team_id, unnest($metrics::VARCHAR[]) AS metric,
                   unnest($baselines::DOUBLE[]) AS baseline,
                   unnest($froms::DATE[]) AS baseline_from, unnest($tos::DATE[]) AS baseline_to
        ),
        {_BASELINES}
        SELECT * FROM baselines
        """,
        {"team_ids": list(columns[0]), "metrics": list(columns[1]),
         "baselines": list(columns[2]), "froms": list(columns[3]), "tos": list(columns[4]),
         "last": last},
    )  # fmt: skip
    return {(r["team_id"], r["metric"]): r for r in found}
