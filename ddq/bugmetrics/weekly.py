"""The SQL that computes each team's weekly bug metrics, week by week, under its definition.

Everything here builds temp tables (``bug_facts``, ``week_grid``, ``computed``) and writes
nothing stored; :mod:`ddq.bugmetrics.fresh` compares them with what is stored.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ddq import clock, rules
from ddq.bugowners import OWNERS_SQL
from ddq.db import quote_ident, rows, scalar

if TYPE_CHECKING:
    import duckdb

SECONDS_PER_DAY = 86400.0
BUG_TYPES_SETTING = "bug_types"  # see ddq.settings


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
    con: duckdb.DuckDBPyConnection,
    last: dt.date,
    definitions: list[dict[str, Any]],
    unassigned_id: int,
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
    definitions: list[dict[str, Any]],
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
    versions: dict[dt.date, int | None], definitions: list[dict[str, Any]],
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
