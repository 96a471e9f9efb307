"""Sensible targets for every team at once: for the benchmark and the sample data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from ddq import clock
from ddq.access import EDITOR, Actor, requires
from ddq.db import scalar, transaction
from ddq.errors import NotFound
from ddq.metrics import catalog

if TYPE_CHECKING:
    import duckdb


@requires(EDITOR, "set targets")
def make_scale_targets(
    con: duckdb.DuckDBPyConnection,
    metrics: Sequence[str] = ("open_critical_bugs", "test_pass_rate", "escaped_defects"),
    *,
    today: dt.date | None = None,
    who: Actor,
    improvement: float = 0.25,
) -> int:
    """Give every active team a sensible target on each of ``metrics``; return how many.

    As if the targets had been set a quarter ago: the baseline is the mean of the 4 weeks
    before then, the target ``improvement`` (a share) better than it (for a percentage that
    is better higher, that share of the way to 100), due two quarters after it was set.
    Teams without values in that period are skipped. Set-based, for the benchmark and the
    sample: 500 teams take a fraction of a second. Existing targets are replaced; every
    target set is in the audit log.
    """
    last = clock.latest_complete_week(today)
    set_week = last - dt.timedelta(weeks=12)
    base_from, base_to = set_week - dt.timedelta(weeks=4), set_week - dt.timedelta(days=1)
    due = set_week + dt.timedelta(weeks=26)
    known = {m.key: m for m in catalog(con)}
    unknown = [k for k in metrics if k not in known]
    if unknown:
        raise NotFound(f"Unknown metric(s): {', '.join(unknown)}.")
    keep, now = 1.0 - improvement, clock.now()
    params = {"base_from": base_from, "base_to": base_to, "due": due, "now": now, "who": who}
    with transaction(con):
        con.execute(
            """
            CREATE OR REPLACE TEMP TABLE _ddq_scale_targets AS
            SELECT mv.team_id, t.name AS team, mv.metric,
                   round(CASE WHEN d.direction = 'lower_is_better' THEN avg(mv.value) * $keep
                              WHEN d.unit = 'percent'
                                   THEN 100 - (100 - avg(mv.value)) * $keep
                              ELSE avg(mv.value) / $keep END, 1) AS target
            FROM metric_values mv JOIN teams t ON t.id = mv.team_id AND t.active
            JOIN metric_defs d ON d.key = mv.metric
            WHERE mv.metric IN (SELECT unnest($metrics::VARCHAR[]))
              AND mv.week BETWEEN $base_from AND $base_to
            GROUP BY mv.team_id, t.name, mv.metric, d.direction, d.unit
            """,
            {"keep": keep, "metrics": list(metrics), "base_from": base_from,
             "base_to": base_to},
        )  # fmt: skip
        # The audit rows first: they keep what each replaced target was.
        con.execute(
            """
            INSERT INTO audit_log (happened_at, who, action, subject, before, after)
            SELECT $now, $who, 'target.set', n.team,
                   CASE WHEN o.team_id IS NOT NULL THEN json_object(
                       'metric', o.metric, 'baseline', o.baseline,
                       'baseline_from', o.baseline_from::VARCHAR,
                       'baseline_to', o.baseline_to::VARCHAR, 'target', o.target,
                       'due', o.due::VARCHAR)::VARCHAR END,
                   json_object('metric', n.metric, 'baseline', NULL,
                               'baseline_from', $base_from::VARCHAR,
                               'baseline_to', $base_to::VARCHAR, 'target', n.target,
                               'due', $due::VARCHAR)::VARCHAR
            FROM _ddq_scale_targets n
            LEFT JOIN targets o ON o.team_id = n.team_id AND o.metric = n.metric
            ORDER BY n.team, n.metric
            """,
            params,
        )
        count = scalar(
            con,
            """
            INSERT INTO targets (team_id, metric, baseline, baseline_from, baseline_to, target,
                                 due, set_at, set_by)
            SELECT team_id, metric, NULL, $base_from, $base_to, target, $due, $now, $who
            FROM _ddq_scale_targets
            ON CONFLICT (team_id, metric) DO UPDATE SET
                baseline = excluded.baseline, baseline_from = excluded.baseline_from,
                baseline_to = excluded.baseline_to, target = excluded.target,
                due = excluded.due, set_at = excluded.set_at, set_by = excluded.set_by
            """,
            params,
        )
        con.execute("DROP TABLE _ddq_scale_targets")
    return int(count)
