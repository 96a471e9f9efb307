"""Weekly bug metrics computed from the imported bugs, under the critical-bug definitions.

For every team and ISO week (Monday to Sunday, UTC) from the team's first bug to the
latest complete week, in one set of DuckDB queries (events: +1 when a bug is created, -1
when it is resolved, summed week by week):

- ``open_bugs``, ``open_critical_bugs``: created by the week's end and not resolved by then;
- ``new_critical_bugs``, ``resolved_critical_bugs``: created, resolved in the week;
- ``median_days_to_resolve_critical``: of the critical bugs resolved in the week (no value
  when none were);
- ``critical_bugs_past_sla``: open at the week's end and older than the definition's SLA.

Each week is computed under the newest of: the definition effective by that week, and the
one already recorded on its values (a definition applied to history on purpose). So adopting a
new definition changes the weeks from its effective date on, and never silently rewrites
history; :func:`recompute_history` does that on purpose, recorded and annotated.

The values are written like an import (kind ``bug_metrics``): into the weekly metrics table,
marked with their definition version and their import, kept in the ledger and undoable.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ddq import audit, events, ledger, rules
from ddq import values as values_store
from ddq.access import EDITOR, requires
from ddq.db import quote_ident, transaction
from ddq.ownership import OWNERS_SQL
from ddq.trends import latest_complete_week

if TYPE_CHECKING:
    import duckdb

KIND = "bug_metrics"
RECOMPUTE_KIND = "bug_metrics_history"
CRITICAL_METRICS = (
    "open_critical_bugs", "new_critical_bugs", "resolved_critical_bugs",
    "median_days_to_resolve_critical", "critical_bugs_past_sla",
)  # fmt: skip
METRICS = ("open_bugs", *CRITICAL_METRICS)
SECONDS_PER_DAY = 86400.0


@dataclass
class Computation:
    """What a computation of the bug metrics did (or, as a dry run, would do)."""

    first_week: dt.date | None
    last_week: dt.date
    teams: int
    values: int
    added: int
    updated: int
    unchanged: int
    removed: int
    definitions: dict[int, int]  # version -> weeks computed under it
    unassigned_bugs: int
    estimated_resolutions: int
    import_id: int | None = None
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        if self.first_week is None:
            return "no bugs to compute metrics from"
        under = ", ".join(f"v{v} for {n} weeks" for v, n in sorted(self.definitions.items()))
        counts = (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                  f"{self.removed} removed")  # fmt: skip
        head = "dry run: would compute" if self.dry_run else f"import {self.import_id}:"
        return (f"{head} bug metrics for {self.teams} teams, weeks {self.first_week} to "
                f"{self.last_week} ({under or 'no adopted definition: open bugs only'}); "
                f"{counts}")  # fmt: skip


def _definition_timeline(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Adopted definitions (retired ones too: they were in force once), oldest first."""
    found = con.execute(
        "SELECT version, rule, sla_days, effective_from, retired_at FROM critical_defs "
        "WHERE status IN ('adopted', 'retired') AND effective_from IS NOT NULL "
        "ORDER BY effective_from, version"
    ).fetchall()
    return [{"version": v, "rule": rules.parse(r), "sla_days": s, "from_week": _monday(e),
             "until_week": None if ended is None else _monday(ended.date())}
            for v, r, s, e, ended in found]  # fmt: skip


def _monday(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def _bug_filter(con: duckdb.DuckDBPyConnection) -> tuple[str, list[Any]]:
    from ddq.critical import bug_type_filter_sql

    return bug_type_filter_sql(con)


def _prepare(con: duckdb.DuckDBPyConnection, last: dt.date, definitions: list[dict]) -> None:
    """Temp table ``bug_facts``: each counted bug, its team, weeks and critical flags."""
    type_sql, type_params = _bug_filter(con)
    flags, params = [], []
    for d in definitions:
        sql, p = rules.to_sql(d["rule"], table="b")
        flags.append(f"({sql}) AS crit_{d['version']}")
        params += p
        sla = d["sla_days"]
        flags.append(
            f"b.created + INTERVAL ({int(sla)}) DAY AS sla_at_{d['version']}" if sla is not None
            else f"NULL::TIMESTAMP AS sla_at_{d['version']}"
        )  # fmt: skip
    extra = (", " + ", ".join(flags)) if flags else ""
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE bug_facts AS
        WITH {OWNERS_SQL}
        SELECT o.team_id, b.created,
               -- a resolution dated before creation counts at creation (DuckDB's greatest
               -- would turn a NULL resolution into the creation time, hence the CASE)
               CASE WHEN b.resolved IS NOT NULL THEN greatest(b.resolved, b.created) END
                 AS resolved,
               CASE WHEN b.resolved IS NOT NULL
                    THEN date_trunc('week', greatest(b.resolved, b.created))::DATE END
                 AS resolved_week,
               date_trunc('week', b.created)::DATE AS created_week
               {extra}
        FROM bugs b JOIN bug_owners o USING (tracker, key)
        WHERE o.team_id IS NOT NULL AND date_trunc('week', b.created)::DATE <= ?
          AND ({type_sql})
        """,
        [*params, last, *type_params],
    )


def _week_versions(
    con: duckdb.DuckDBPyConnection,
    first: dt.date,
    last: dt.date,
    definitions: list[dict],
    override: tuple[int, dt.date] | None,
) -> dict[dt.date, int | None]:
    """The definition each week is computed under (None: no definition in force yet)."""
    recorded = dict(con.execute(
        "SELECT week, max(definition_version) FROM metric_values "
        "WHERE definition_version IS NOT NULL AND week BETWEEN ? AND ? GROUP BY week",
        [first, last],
    ).fetchall())  # fmt: skip
    result: dict[dt.date, int | None] = {}
    week = first
    while week <= last:
        in_force = None
        for d in definitions:
            # in force from its effective week until the week it was retired (if ever)
            if d["from_week"] <= week and (d["until_week"] is None or week < d["until_week"]):
                in_force = d["version"]
        # The newest decision wins: a definition adopted since, from its effective week on;
        # a definition applied to history on purpose, for the weeks it was applied to.
        candidates = [v for v in (recorded.get(week), in_force) if v is not None]
        chosen = max(candidates) if candidates else None
        if override and week >= override[1]:
            chosen = override[0]
        result[week] = chosen
        week += dt.timedelta(weeks=1)
    return result


def _compute_table(
    con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date,
    versions: dict[dt.date, int | None], definitions: list[dict],
) -> None:  # fmt: skip
    """Temp table ``computed`` (team_id, week, metric, value, definition_version)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE week_grid AS
        WITH weeks AS (
            SELECT CAST(unnest(generate_series(?::TIMESTAMP, ?::TIMESTAMP, INTERVAL 7 DAY))
                        AS DATE) AS week
        ),
        starts AS (SELECT team_id, min(created_week) AS first_week FROM bug_facts GROUP BY ALL)
        SELECT s.team_id, w.week, v.version
        FROM starts s JOIN weeks w ON w.week >= s.first_week
        LEFT JOIN (SELECT unnest(?::DATE[]) AS week, unnest(?::INTEGER[]) AS version) v
          USING (week)
        """,
        [first, last, list(versions), list(versions.values())],
    )
    parts = [_running("open_bugs", "true", None)]
    for d in definitions:
        version = d["version"]
        if version not in versions.values():
            continue
        crit = f"crit_{version}"
        parts.append(_running("open_critical_bugs", crit, version))
        parts.append(_per_week("new_critical_bugs", "created_week", f"count(*) FILTER ({crit})",
                               version, zero=True))  # fmt: skip
        parts.append(_per_week("resolved_critical_bugs", "resolved_week",
                               f"count(*) FILTER ({crit})", version, zero=True))  # fmt: skip
        parts.append(_per_week(
            "median_days_to_resolve_critical", "resolved_week",
            f"round(median(epoch(resolved - created) / {SECONDS_PER_DAY}) FILTER ({crit}), 2)",
            version, zero=False,
        ))  # fmt: skip
        if d["sla_days"] is not None:
            parts.append(_past_sla(version))
    con.execute("CREATE OR REPLACE TEMP TABLE computed AS " + " UNION ALL ".join(parts))


def _running(metric: str, condition: str, version: int | None) -> str:
    """Bugs open at each week's end: +1 in the week created, -1 in the week resolved.

    The running sum goes over every week, and only then keeps the weeks computed under
    ``version``: the open count of a week depends on all the weeks before it.
    """
    return f"""
        SELECT g.team_id, g.week, '{metric}' AS metric,
               CAST(sum(coalesce(e.change, 0)) OVER (PARTITION BY g.team_id ORDER BY g.week)
                    AS DOUBLE) AS value,
               {"NULL::INTEGER" if version is None else int(version)} AS definition_version,
               g.version AS week_version
        FROM week_grid g
        LEFT JOIN (
            SELECT team_id, week, sum(change) AS change FROM (
                SELECT team_id, created_week AS week, 1 AS change FROM bug_facts
                WHERE {condition}
                UNION ALL
                SELECT team_id, resolved_week, -1 FROM bug_facts
                WHERE resolved IS NOT NULL AND {condition}
            ) GROUP BY ALL
        ) e USING (team_id, week)
        QUALIFY {"true" if version is None else f"g.version = {int(version)}"}
    """


def _per_week(metric: str, week_column: str, aggregate: str, version: int, *, zero: bool) -> str:
    """A per-week aggregate of the bugs created or resolved in it."""
    value = "coalesce(a.value, 0)" if zero else "a.value"
    return f"""
        SELECT g.team_id, g.week, '{metric}', CAST({value} AS DOUBLE), {int(version)}, g.version
        FROM week_grid g
        LEFT JOIN (
            SELECT team_id, {week_column} AS week, {aggregate} AS value FROM bug_facts
            WHERE {week_column} IS NOT NULL GROUP BY ALL
        ) a USING (team_id, week)
        WHERE g.version = {int(version)} AND {value} IS NOT NULL
    """


def _past_sla(version: int) -> str:
    """Open bugs older than the SLA: +1 when a bug passes it still open, -1 when resolved."""
    crit, sla = f"crit_{version}", f"sla_at_{version}"
    return f"""
        SELECT g.team_id, g.week, 'critical_bugs_past_sla',
               CAST(sum(coalesce(e.change, 0)) OVER (PARTITION BY g.team_id ORDER BY g.week)
                    AS DOUBLE),
               {int(version)}, g.version
        FROM week_grid g
        LEFT JOIN (
            SELECT team_id, week, sum(change) AS change FROM (
                SELECT team_id, date_trunc('week', {sla})::DATE AS week, 1 AS change
                FROM bug_facts WHERE {crit} AND (resolved IS NULL OR resolved > {sla})
                UNION ALL
                SELECT team_id, resolved_week, -1 FROM bug_facts
                WHERE {crit} AND resolved IS NOT NULL AND resolved > {sla}
            ) GROUP BY ALL
        ) e USING (team_id, week)
        QUALIFY g.version = {int(version)}
    """


@requires(EDITOR, "compute bug metrics")
def compute(
    con: duckdb.DuckDBPyConnection,
    *,
    who: str,
    today: dt.date | None = None,
    dry_run: bool = False,
    history_from: tuple[int, dt.date] | None = None,
) -> Computation:
    """Compute and store the weekly bug metrics (see the module's docstring).

    ``history_from`` (version, date) recomputes the weeks from that date under that
    definition instead of the recorded ones: use :func:`recompute_history`.
    """
    last = latest_complete_week(today)
    definitions = _definition_timeline(con)
    _prepare(con, last, definitions)
    try:
        first = con.execute("SELECT min(created_week) FROM bug_facts").fetchone()[0]
        unassigned, estimated = con.execute(
            f"WITH {OWNERS_SQL} SELECT count(*) FILTER (o.team_id IS NULL), "
            "count(*) FILTER (b.resolved_estimated) FROM bugs b JOIN bug_owners o "
            "USING (tracker, key)"
        ).fetchone()
        if first is None:
            return Computation(None, last, 0, 0, 0, 0, 0, 0, {}, unassigned, estimated,
                               dry_run=dry_run)  # fmt: skip
        override = None
        if history_from is not None:
            version, since = history_from
            override = (version, since - dt.timedelta(days=since.weekday()))
        versions = _week_versions(con, first, last, definitions, override)
        _compute_table(con, first, last, versions, definitions)
        _stale(con, first, last)
        total, teams = con.execute(
            "SELECT count(*), count(DISTINCT team_id) FROM computed"
        ).fetchone()
        comparison = values_store.compare(con, "computed", total)
        removed = con.execute("SELECT count(*) FROM stale").fetchone()[0]
        used: dict[int, int] = {}
        for version in versions.values():
            if version is not None:
                used[version] = used.get(version, 0) + 1
        result = Computation(first, last, teams, total, comparison.added, comparison.updated,
                             comparison.unchanged, removed, used, unassigned, estimated,
                             dry_run=dry_run)  # fmt: skip
        if estimated:
            result.notes.append(f"{estimated} bugs' resolution times are estimated from their "
                                "last update (the export had no resolution date).")  # fmt: skip
        if unassigned:
            result.notes.append(f"{unassigned} bugs belong to no team (Unassigned): map their "
                                "components or projects to teams to count them.")  # fmt: skip
        if dry_run or not (comparison.added or comparison.updated or removed):
            return result
        kind = KIND if history_from is None else RECOMPUTE_KIND
        with transaction(con):
            import_id = ledger.start(con, kind=kind, file_name="bugs", sha256=None, who=who)
            values_store.write(con, "computed", import_id, comparison)
            values_store.remove(con, "stale", import_id)
            ledger.finish(con, import_id, rows_read=total, added=comparison.added,
                          updated=comparison.updated + removed, unchanged=comparison.unchanged)  # fmt: skip
            audit.record(con, who, f"{kind}.compute", "bug metrics",
                         after={"import_id": import_id, "added": comparison.added,
                                "updated": comparison.updated, "removed": removed})  # fmt: skip
        result.import_id = import_id
        return result
    finally:
        for table in ("bug_facts", "week_grid", "computed", "stale", "changed"):
            con.execute(f"DROP TABLE IF EXISTS temp.main.{quote_ident(table)}")


def _stale(con: duckdb.DuckDBPyConnection, first: dt.date, last: dt.date) -> None:
    """Computed values from earlier runs that this run no longer produces (temp ``stale``)."""
    con.execute(
        """
        CREATE OR REPLACE TEMP TABLE stale AS
        SELECT mv.team_id, mv.week, mv.metric FROM metric_values mv
        JOIN imports i ON i.id = mv.import_id AND i.kind IN (?, ?)
        ANTI JOIN computed c ON c.team_id = mv.team_id AND c.week = mv.week AND c.metric = mv.metric
        WHERE mv.week BETWEEN ? AND ?
        """,
        [KIND, RECOMPUTE_KIND, first, last],
    )


@requires(EDITOR, "recompute bug metrics")
def recompute_history(
    con: duckdb.DuckDBPyConnection, version: int, *, since: dt.date, who: str,
    today: dt.date | None = None,
) -> Computation:  # fmt: skip
    """Recompute the weeks from ``since`` under an adopted definition, on purpose.

    Recorded in the ledger (and so undoable) and annotated on the trend charts.
    """
    from ddq.critical import get

    definition = get(con, version)
    if definition["status"] not in ("adopted", "retired"):
        from ddq.errors import Conflict

        raise Conflict(f"Version {version} is {definition['status']}; only an adopted "
                       "definition can be applied to history.")  # fmt: skip
    result = compute(con, who=who, today=today, history_from=(version, since))
    if result.import_id is not None:
        with transaction(con):
            events.add(con, kind="definition", title=f"History from {since} recomputed under "
                       f"definition v{version}", happened_at=dt.datetime.combine(since, dt.time()),
                       import_id=result.import_id)  # fmt: skip
    return result
