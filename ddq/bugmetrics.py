"""Weekly bug metrics computed from the imported bugs, under the critical-bug definitions.

For every team and ISO week (Monday to Sunday, UTC) from the team's first bug to the
latest complete week, in one set of DuckDB queries (events: +1 when a bug is created, -1
when it is resolved, summed week by week):

- ``open_bugs``, ``open_critical_bugs``: created by the week's end and not resolved by then;
- ``new_critical_bugs``, ``resolved_critical_bugs``: created, resolved in the week;
- ``median_days_to_resolve_critical``: of the critical bugs resolved in the week (no value
  when none were);
- ``critical_bugs_past_sla``: open at the week's end and older than the definition's SLA.

Each week is computed under the newest of: the definition in force that week, and any
definition applied to history on purpose from an earlier week (:func:`ddq.critical.apply_to_history`,
kept in ``critical_history`` while its import stands). So adopting a new definition changes
the weeks from its effective date on, and history is never silently rewritten.

The metrics are derived data: a function of the stored bugs, the team mappings, the issue
types that count as bugs and the definitions (and of the clock, which decides the latest
complete week). Every change to one of those calls :func:`refresh` in its own transaction,
which writes the difference to a fresh computation, so the stored values always equal one;
``ddq check`` recomputes and compares (:func:`differences`).

- Bugs that no mapping gives to a team belong to the team "Unassigned" (``teams.kind``
  ``unassigned``, in no area): they count in the organisation's totals and show up to be
  mapped, never silently left out.
- A value uploaded from a metrics file wins over a computed one for the same team, week
  and metric: a person put it there. The computation leaves that cell alone and says so.
- Each refresh that changes something is a ledger row (kind ``bug_metrics``), named after
  the change that caused it. It is not undone on its own: undoing its cause recomputes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ddq import audit, clock, ledger, rules
from ddq import values as values_store
from ddq.access import EDITOR, requires
from ddq.db import (
    claim,
    drop_temp,
    quote_ident,
    retry_on_conflict,
    rows,
    scalar,
    transaction,
)

if TYPE_CHECKING:
    import duckdb

KIND = "bug_metrics"
# A decision to compute history under a definition; its values (before this was a table)
# were computed ones too.
HISTORY_KIND = "bug_metrics_history"
COMPUTED_KINDS = (KIND, HISTORY_KIND)
UNASSIGNED_KIND = "unassigned"
CRITICAL_METRICS = (
    "open_critical_bugs", "new_critical_bugs", "resolved_critical_bugs",
    "median_days_to_resolve_critical", "critical_bugs_past_sla",
)  # fmt: skip
METRICS = ("open_bugs", *CRITICAL_METRICS)
SECONDS_PER_DAY = 86400.0
UNASSIGNED = "Unassigned"
BUG_TYPES_SETTING = "bug_types"  # see ddq.settings

# Which team owns each bug (see ddq.ownership for the rule): one row per bug with its
# tracker, key and the owning team's id, NULL when unassigned. A mapping to a team that is
# gone, or to Unassigned itself, maps nothing.
OWNERS_SQL = """
    owner_named AS (
        SELECT b.tracker, b.key, t.id AS team_id
        FROM bugs b JOIN teams t ON t.name_key = lower(trim(b.team_name)) AND t.kind = 'team'
    ),
    owner_component AS (
        SELECT c.tracker, c.key, arg_min(m.team_id, c.position) AS team_id
        FROM (
            SELECT tracker, key, unnest(components) AS component,
                   unnest(range(1, len(components) + 1)) AS position
            FROM bugs
        ) c
        JOIN team_mappings m ON m.kind = 'component' AND m.value_key = lower(trim(c.component))
        JOIN teams mt ON mt.id = m.team_id AND mt.kind = 'team'
        GROUP BY c.tracker, c.key
    ),
    owner_project AS (
        SELECT b.tracker, b.key, m.team_id
        FROM bugs b
        JOIN team_mappings m ON m.kind = 'project' AND m.value_key = lower(trim(b.project))
        JOIN teams mt ON mt.id = m.team_id AND mt.kind = 'team'
    ),
    owner_label AS (
        SELECT l.tracker, l.key, arg_min(m.team_id, l.position) AS team_id
        FROM (
            SELECT tracker, key, unnest(labels) AS label,
                   unnest(range(1, len(labels) + 1)) AS position
            FROM bugs
        ) l
        JOIN team_mappings m ON m.kind = 'label' AND m.value_key = lower(trim(l.label))
        JOIN teams mt ON mt.id = m.team_id AND mt.kind = 'team'
        GROUP BY l.tracker, l.key
    ),
    bug_owners AS (
        SELECT b.tracker, b.key,
               coalesce(n.team_id, c.team_id, p.team_id, l.team_id) AS team_id
        FROM bugs b
        LEFT JOIN owner_named n USING (tracker, key)
        LEFT JOIN owner_component c USING (tracker, key)
        LEFT JOIN owner_project p USING (tracker, key)
        LEFT JOIN owner_label l USING (tracker, key)
    )
"""


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
    kept_uploads: int = 0  # team-weeks whose uploaded bug metrics win
    # Definitions adopted to take effect after the last computed week: (version, first week).
    upcoming: list[tuple[int, dt.date]] = field(default_factory=list)
    import_id: int | None = None
    dry_run: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def summary(self) -> str:
        if self.first_week is None:
            if self.removed:
                head = "would remove" if self.dry_run else f"import {self.import_id}: removed"
                return f"{head} {self.removed} bug metric values (no bugs left to compute from)"
            return "no bugs to compute metrics from"
        under = ", ".join(f"v{v} for {n} weeks" for v, n in sorted(self.definitions.items()))
        if not under:
            under = "no critical-bug definition in force in these weeks: open bugs only"
        for version, week in self.upcoming:
            under += (f"; v{version} takes effect from the week of {week}, which is not complete "
                      "yet: its critical-bug metrics start once it is")  # fmt: skip
        if self.dry_run:
            head = "dry run: would compute"
        elif self.import_id is None:
            head = "up to date:"
        else:
            head = f"import {self.import_id}:"
        counts = (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                  f"{self.removed} removed")  # fmt: skip
        return (f"{head} bug metrics for {self.teams} teams, weeks {self.first_week} to "
                f"{self.last_week} ({under}); {counts}")  # fmt: skip


def _definition_timeline(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Adopted definitions (retired ones too: they were in force once), oldest first."""
    found = con.execute(
        "SELECT version, rule, sla_days, effective_from, retired_at FROM critical_defs "
        "WHERE status IN ('adopted', 'retired') AND effective_from IS NOT NULL "
        "ORDER BY effective_from, version"
    ).fetchall()
    return [{"version": v, "rule": rules.parse(r), "sla_days": s,
             "from_week": clock.week_start(e),
             "until_week": None if ended is None else clock.week_start(ended.date())}
            for v, r, s, e, ended in found]  # fmt: skip


def _history(con: duckdb.DuckDBPyConnection) -> list[tuple[int, dt.date]]:
    """Definitions applied to history on purpose, still standing: (version, first week)."""
    return [
        (r["version"], r["since_week"])
        for r in rows(
            con,
            "SELECT h.version, h.since_week FROM critical_history h "
            "JOIN imports i ON i.id = h.import_id AND i.status = 'applied' ORDER BY h.import_id",
        )
    ]


def bug_type_filter_sql(
    con: duckdb.DuckDBPyConnection, column: str = "type"
) -> tuple[str, list[Any]]:
    """The SQL condition (and its parameters) that keeps the issues counting as bugs.

    From the ``bug_types`` setting: the listed issue types, compared as :mod:`ddq.rules`
    compares names (case and surrounding whitespace ignored); when the setting is empty,
    every type whose name contains "bug" ("Bug", "Sub-bug", "bug report"). An issue
    without a type (NULL or blank, as exports without a type column give) always counts.
    ``column`` names the type column, qualified if needed (``"b.type"``).
    """
    col = ".".join(quote_ident(part) for part in column.split("."))
    ws = " || ".join(f"chr({ord(c)})" for c in rules.WHITESPACE)
    folded = f"lower(trim({col}, {ws}))"
    # Read here rather than through ddq.settings, which recomputes these metrics when the
    # setting changes. Never set, or set empty: the default.
    stored = scalar(con, "SELECT value FROM settings WHERE key = ?", [BUG_TYPES_SETTING]) or ""
    listed = list(dict.fromkeys(rules.fold(t) for t in stored.split(",") if t.strip()))
    missing = f"coalesce({folded}, '') = ''"
    if listed:
        marks = ", ".join("?" for _ in listed)
        return f"({missing} OR {folded} IN ({marks}))", listed
    return f"({missing} OR contains({folded}, ?))", ["bug"]


def _prepare(
    con: duckdb.DuckDBPyConnection, last: dt.date, definitions: list[dict], unassigned_id: int
) -> None:
    """Temp table ``bug_facts``: each counted bug, its team, weeks and critical flags.

    A bug no mapping gives to a team counts for the team ``unassigned_id``.
    """
    type_sql, type_params = bug_type_filter_sql(con)
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
        SELECT coalesce(o.team_id, ?) AS team_id, b.created,
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
        WHERE date_trunc('week', b.created)::DATE <= ? AND ({type_sql})
        """,
        [unassigned_id, *params, last, *type_params],
    )


def _week_versions(
    first: dt.date,
    last: dt.date,
    definitions: list[dict],
    history: list[tuple[int, dt.date]],
) -> dict[dt.date, int | None]:
    """The definition each week is computed under (None: no definition in force yet).

    The newest decision wins: the definition in force that week, or a definition applied
    to history from that week or earlier, whichever is the newer version. A definition
    applied to history never reaches past the week it was retired in.
    """
    until = {d["version"]: d["until_week"] for d in definitions}
    result: dict[dt.date, int | None] = {}
    week = first
    while week <= last:
        candidates = [
            d["version"] for d in definitions
            # in force from its effective week until the week it was retired (if ever)
            if d["from_week"] <= week and (d["until_week"] is None or week < d["until_week"])
        ]  # fmt: skip
        candidates += [
            version for version, since in history
            if since <= week and (until.get(version) is None or week < until[version])
        ]  # fmt: skip
        result[week] = max(candidates) if candidates else None
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


_TEMP = ("bug_facts", "week_grid", "computed", "stale", "changed", "uploaded")


def unassigned_team_id(con: duckdb.DuckDBPyConnection) -> int | None:
    """The id of the team that holds unassigned bugs, if it was ever needed."""
    return scalar(con, "SELECT id FROM teams WHERE kind = ? ORDER BY id LIMIT 1",
                  [UNASSIGNED_KIND])  # fmt: skip


def _ensure_unassigned_team(con: duckdb.DuckDBPyConnection) -> int:
    """The Unassigned team's id, creating it (in no area) on first need."""
    found = unassigned_team_id(con)
    if found is not None:
        return found
    name = UNASSIGNED
    # A real team may already be called "Unassigned": then this one says what it holds.
    if scalar(con, "SELECT count(*) FROM teams WHERE name_key = lower(?)", [name]):
        name = f"{UNASSIGNED} bugs"
    return scalar(
        con,
        "INSERT INTO teams (name, name_key, area_id, active, kind) VALUES (?, lower(?), NULL, "
        "false, ?) RETURNING id",
        [name, name, UNASSIGNED_KIND],
    )


def _computed_cells_sql(alias: str = "mv") -> str:
    """The condition that a stored value was computed from bugs (not uploaded)."""
    kinds = ", ".join(f"'{k}'" for k in COMPUTED_KINDS)
    return f"{alias}.import_id IN (SELECT id FROM imports WHERE kind IN ({kinds}))"


def _fresh(
    con: duckdb.DuckDBPyConnection, last: dt.date, unassigned_id: int
) -> tuple[Computation, values_store.Comparison]:
    """Compute every value into temp ``computed`` and what to drop into temp ``stale``.

    Leaves the comparison with the stored values in temp ``changed`` (see
    :func:`ddq.values.compare`). Writes nothing.
    """
    definitions = _definition_timeline(con)
    _prepare(con, last, definitions, unassigned_id)
    first = scalar(con, "SELECT min(created_week) FROM bug_facts")
    unassigned, estimated = con.execute(
        f"WITH {OWNERS_SQL} SELECT count(*) FILTER (o.team_id IS NULL), "
        "count(*) FILTER (b.resolved_estimated) FROM bugs b JOIN bug_owners o "
        "USING (tracker, key)"
    ).fetchone()
    used: dict[int, int] = {}
    if first is None:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE computed (team_id INTEGER, week DATE, metric VARCHAR, "
            "value DOUBLE, definition_version INTEGER)"
        )
    else:
        versions = _week_versions(first, last, definitions, _history(con))
        _compute_table(con, first, last, versions, definitions)
        for version in versions.values():
            if version is not None:
                used[version] = used.get(version, 0) + 1
    # A team-week someone uploaded bug metrics for keeps them: its numbers then come from
    # one source, so they hang together (no computed median beside an uploaded "none
    # resolved"). The weeks nobody uploaded are computed, so a team can move from files to
    # its tracker from one week to the next.
    metric_list = ", ".join(f"'{m}'" for m in METRICS)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE uploaded AS
        SELECT DISTINCT mv.team_id, mv.week FROM metric_values mv
        SEMI JOIN computed c ON c.team_id = mv.team_id AND c.week = mv.week
        WHERE mv.metric IN ({metric_list}) AND NOT {_computed_cells_sql()}
        """
    )
    kept = scalar(con, "SELECT count(*) FROM uploaded")
    if kept:
        con.execute(
            "DELETE FROM computed c USING uploaded u WHERE c.team_id = u.team_id "
            "AND c.week = u.week"
        )
    # Computed values this computation no longer produces, in any week: their bugs, owners
    # or definitions changed, or were undone.
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE stale AS
        SELECT mv.team_id, mv.week, mv.metric FROM metric_values mv
        ANTI JOIN computed c ON c.team_id = mv.team_id AND c.week = mv.week AND c.metric = mv.metric
        WHERE {_computed_cells_sql()}
        """
    )
    upcoming = [(d["version"], d["from_week"]) for d in definitions if d["from_week"] > last]
    total, teams = con.execute("SELECT count(*), count(DISTINCT team_id) FROM computed").fetchone()
    comparison = values_store.compare(con, "computed", total)
    # A value whose import was undone (a decision about history, taken back) is rewritten
    # under this computation even when the number stayed the same.
    orphans = scalar(
        con,
        "UPDATE changed SET differs = true WHERE NOT differs AND old_import_id IN "
        "(SELECT id FROM imports WHERE status <> 'applied')",
    )
    if orphans:
        comparison = values_store.Comparison(
            total, comparison.updated + orphans, comparison.unchanged - orphans
        )
    removed = scalar(con, "SELECT count(*) FROM stale")
    result = Computation(first, last, teams, total, comparison.added, comparison.updated,
                         comparison.unchanged, removed, used, unassigned, estimated,
                         kept_uploads=kept, upcoming=upcoming)  # fmt: skip
    if estimated:
        result.notes.append(f"{estimated} bugs' resolution times are estimated from their "
                            "last update (the export had no resolution date).")  # fmt: skip
    if unassigned:
        result.notes.append(f"{unassigned} bugs belong to no team and count as {UNASSIGNED}: "
                            "map their components, projects or labels to teams.")  # fmt: skip
    if kept:
        result.notes.append(f"{kept} team-weeks keep the bug metrics uploaded for them: what "
                            "a person uploaded wins over what ddq computes from bugs (undo "
                            "that upload to use the computed ones).")  # fmt: skip
    return result, comparison


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    drop_temp(con, *_TEMP)


def _anything_to_compute(con: duckdb.DuckDBPyConnection) -> bool:
    """Bugs to compute from, or computed values that may have to go."""
    kinds = ", ".join(f"'{k}'" for k in COMPUTED_KINDS)
    return bool(scalar(
        con,
        f"SELECT EXISTS (SELECT 1 FROM bugs) OR EXISTS (SELECT 1 FROM metric_values mv "
        f"WHERE mv.import_id IN (SELECT id FROM imports WHERE kind IN ({kinds})))",
    ))  # fmt: skip


@requires(EDITOR, "compute bug metrics")
@retry_on_conflict
def refresh(
    con: duckdb.DuckDBPyConnection,
    *,
    who: str,
    reason: str = "computed on request",
    through: dt.date | None = None,
    dry_run: bool = False,
) -> Computation:
    """Bring the stored bug metrics to a fresh computation, in one transaction.

    Every change to what the metrics come from calls this inside its own transaction (so
    both land or neither does); ``reason`` names that change in the ledger. ``through``
    is the last week to compute (default: the latest complete week). With ``dry_run``,
    say what would change and change nothing.
    """
    last = through or clock.latest_complete_week()
    if not _anything_to_compute(con):  # most databases without bugs: nothing to read
        return Computation(None, last, 0, 0, 0, 0, 0, 0, {}, 0, 0, dry_run=dry_run)
    with transaction(con):
        if not dry_run:
            # Two changes at once each recompute from their own snapshot: one of them must
            # go again on top of the other, or each would keep only its own effect.
            claim(con, "bug metrics")
        unassigned_id = unassigned_team_id(con)
        try:
            # Until Unassigned is first needed, its values carry a placeholder id.
            result, comparison = _fresh(con, last, -1 if unassigned_id is None else unassigned_id)
            result.dry_run = dry_run
            if dry_run or not result.changed:
                return result
            if unassigned_id is None:
                unassigned_id = -1
                if scalar(con, "SELECT count(*) FROM computed WHERE team_id = -1"):
                    unassigned_id = _ensure_unassigned_team(con)
                    con.execute("UPDATE computed SET team_id = ? WHERE team_id = -1",
                                [unassigned_id])  # fmt: skip
            import_id = ledger.start(con, kind=KIND, file_name=reason, sha256=None, who=who)
            values_store.write(con, "computed", import_id, comparison, keep_old=False)
            values_store.remove(con, "stale", import_id, keep_old=False)
            ledger.finish(con, import_id, rows_read=result.values, added=result.added,
                          updated=result.updated + result.removed, unchanged=result.unchanged,
                          event=False)  # fmt: skip
            # Unassigned is listed while it holds bugs' values, and hidden when it holds none.
            con.execute(
                "UPDATE teams SET active = EXISTS (SELECT 1 FROM metric_values WHERE team_id = ?) "
                "WHERE id = ?",
                [unassigned_id, unassigned_id],
            )
            audit.record(con, who, f"{KIND}.compute", reason,
                         after={"import_id": import_id, "added": result.added,
                                "updated": result.updated, "removed": result.removed})  # fmt: skip
            result.import_id = import_id
            return result
        finally:
            _drop_temp(con)


@dataclass(frozen=True)
class Difference:
    """A stored bug-metric value that a fresh computation does not give."""

    team: str
    week: dt.date
    metric: str
    stored: float | None
    fresh: float | None

    def describe(self) -> str:
        def shown(value: float | None) -> str:
            return "no value" if value is None else f"{value:g}"

        return (f"{self.team}, week of {self.week}, {self.metric}: stored {shown(self.stored)}, "
                f"a fresh computation gives {shown(self.fresh)}")  # fmt: skip


def differences(con: duckdb.DuckDBPyConnection, limit: int = 20) -> tuple[int, list[Difference]]:
    """Stored bug metrics that differ from a fresh computation: (how many, the first ones).

    The fresh computation goes through the last week stored, so a week that completed
    since the last computation is not a difference (see :func:`weeks_behind`).
    """
    last = (
        scalar(con, f"SELECT max(week) FROM metric_values mv WHERE {_computed_cells_sql()}")
        or clock.latest_complete_week()
    )
    unassigned_id = unassigned_team_id(con)
    try:
        _fresh(con, last, -1 if unassigned_id is None else unassigned_id)
        found = rows(
            con,
            """
            WITH diff AS (
                SELECT team_id, week, metric, NULL::DOUBLE AS stored, value AS fresh
                FROM computed c ANTI JOIN changed USING (team_id, week, metric)
                UNION ALL
                SELECT team_id, week, metric, old_value, value FROM changed WHERE differs
                UNION ALL
                SELECT s.team_id, s.week, s.metric, mv.value, NULL FROM stale s
                JOIN metric_values mv USING (team_id, week, metric)
            )
            SELECT coalesce(t.name, '(team ' || d.team_id || ')') AS team, d.week, d.metric,
                   d.stored, d.fresh, count(*) OVER () AS total
            FROM diff d LEFT JOIN teams t ON t.id = d.team_id
            ORDER BY d.week, t.name_key, d.metric LIMIT ?
            """,
            [limit],
        )
    finally:
        _drop_temp(con)
    total = found[0]["total"] if found else 0
    return total, [Difference(r["team"], r["week"], r["metric"], r["stored"], r["fresh"])
                   for r in found]  # fmt: skip


def weeks_behind(con: duckdb.DuckDBPyConnection) -> int:
    """Complete weeks since the last stored bug metrics (0 when up to date or no bugs)."""
    last = scalar(con, f"SELECT max(week) FROM metric_values mv WHERE {_computed_cells_sql()}")
    if last is None:
        return 0
    return max(0, (clock.latest_complete_week() - last).days // 7)
