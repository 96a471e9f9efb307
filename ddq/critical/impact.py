"""What adopting a version would change, before anyone adopts it: which open bugs change
class and how each team's count of critical bugs would move, computed in DuckDB from the
rule's compiled SQL (:func:`ddq.rules.to_sql`).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypedDict, cast

from ddq import bugmetrics, clock, rules
from ddq.bugmetrics import OWNERS_SQL, UNASSIGNED
from ddq.critical.definitions import DEFAULT_IMPACT_LIMIT, InvalidDefinition, current, get, midnight
from ddq.db import quote_ident, rows

if TYPE_CHECKING:
    import duckdb


class TeamImpact(TypedDict):
    """How a team's count of open critical bugs would move: before is under the baseline,
    after under the version; ``change`` is after minus before."""

    team: str
    area: str | None
    unassigned: bool  # the row of bugs no team owns
    open_bugs: int
    critical_before: int
    critical_after: int
    became_critical: int
    became_not_critical: int
    change: int


class ChangedBug(TypedDict):
    """An open bug that would change class; ``becomes`` is "critical" or "not critical"."""

    tracker: str
    key: str
    team: str
    summary: str | None
    priority: str | None
    severity: str | None
    type: str | None
    status: str | None
    labels: list[str]
    components: list[str]
    becomes: str


class Impact(TypedDict):
    """What adopting ``version`` would change, against a baseline (None: nothing in force)."""

    version: int
    title: str
    against: int | None
    against_title: str | None
    on: dt.date
    teams: list[TeamImpact]
    totals: dict[str, int]  # the counts of TeamImpact over all rows
    changed: list[ChangedBug]  # up to ``limit``, by team then key
    changed_total: int
    limit: int


def field_values(con: duckdb.DuckDBPyConnection, limit: int = 200) -> dict[str, list[str]]:
    """The names the imported bugs use in each rule field, most used first: what a rule
    builder offers to pick (any other name can still be typed). One query for every field:
    the page's first run pays for one, not one per field."""
    branches = []
    for name in rules.FIELDS:
        column = quote_ident(name)
        values = f"unnest({column})" if name in rules.LIST_FIELDS else column
        branches.append(f"SELECT ? AS field, trim({values}) AS v FROM bugs")
    found: dict[str, list[str]] = {name: [] for name in rules.FIELDS}
    for field, value in con.execute(
        "SELECT field, v FROM (SELECT field, v, row_number() OVER (PARTITION BY field "
        "ORDER BY count(*) DESC, v) AS r FROM (" + " UNION ALL ".join(branches) + ") "
        "WHERE v <> '' GROUP BY field, v) WHERE r <= ? ORDER BY field, r",
        [*rules.FIELDS, limit],
    ).fetchall():
        found[field].append(value)
    return found


def impact(
    con: duckdb.DuckDBPyConnection,
    version: int,
    *,
    against: int | None = None,
    on: dt.date | None = None,
    limit: int = DEFAULT_IMPACT_LIMIT,
) -> Impact:
    """What adopting ``version`` would change, before anyone adopts it.

    Compares ``version`` with the definition in force on ``on`` (or with version
    ``against``) over the bugs open at the end of ``on`` (today by default): created on
    or before that day and not resolved by then (resolved NULL, or after the day), of the
    issue types that count as bugs (:func:`ddq.bugmetrics.bug_type_filter_sql`). Owners come from
    :data:`ddq.ownership.OWNERS_SQL`. When nothing is in force, every bug the version
    makes critical "becomes critical".

    ``teams`` has one row per active team (also a retired team that owns open bugs), then
    ``Unassigned``; ``changed_total`` counts every bug that changes class, ``changed``
    lists up to ``limit`` of them.
    """
    day = on or clock.today()
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise InvalidDefinition(f"The limit is a whole number of bugs, not {limit!r}.")
    draft = get(con, version)
    base = get(con, against) if against is not None else current(con, day)
    new_sql, new_params = rules.to_sql(draft["rule"], table="b")
    if base is None:
        old_sql, old_params = "false", list[str]()
    else:
        old_sql, old_params = rules.to_sql(base["rule"], table="b")
    type_sql, type_params = bugmetrics.bug_type_filter_sql(con, "b.type")
    end = midnight(day + dt.timedelta(days=1))
    classified = f"""
        WITH {OWNERS_SQL},
        classified AS (
            SELECT b.tracker, b.key, o.team_id, b.summary, b.priority, b.severity, b.type,
                   b.status, b.labels, b.components,
                   {old_sql} AS was_critical, {new_sql} AS is_critical
            FROM bugs b JOIN bug_owners o ON o.tracker = b.tracker AND o.key = b.key
            WHERE b.created < ? AND (b.resolved IS NULL OR b.resolved >= ?) AND {type_sql}
        )
    """
    params = [*old_params, *new_params, end, end, *type_params]
    teams = rows(
        con,
        classified
        + """,
        per_team AS (
            SELECT team_id, count(*) AS open_bugs,
                   count(*) FILTER (was_critical) AS critical_before,
                   count(*) FILTER (is_critical) AS critical_after,
                   count(*) FILTER (is_critical AND NOT was_critical) AS became_critical,
                   count(*) FILTER (was_critical AND NOT is_critical) AS became_not_critical
            FROM classified GROUP BY team_id
        ),
        shown AS (
            SELECT id, name, area_id, name_key FROM teams
            WHERE kind = 'team' AND (active OR id IN (SELECT team_id FROM per_team))
            UNION ALL SELECT NULL, ?, NULL, NULL
        )
        SELECT s.name AS team, a.name AS area, s.id IS NULL AS unassigned,
               coalesce(p.open_bugs, 0) AS open_bugs,
               coalesce(p.critical_before, 0) AS critical_before,
               coalesce(p.critical_after, 0) AS critical_after,
               coalesce(p.became_critical, 0) AS became_critical,
               coalesce(p.became_not_critical, 0) AS became_not_critical,
               coalesce(p.critical_after, 0) - coalesce(p.critical_before, 0) AS change
        FROM shown s
        LEFT JOIN per_team p ON p.team_id IS NOT DISTINCT FROM s.id
        LEFT JOIN areas a ON a.id = s.area_id
        ORDER BY s.id IS NULL, a.name_key NULLS LAST, s.name_key
        """,
        [*params, UNASSIGNED],
    )
    changed = rows(
        con,
        classified
        + """
        SELECT c.tracker, c.key, coalesce(t.name, ?) AS team, c.summary, c.priority,
               c.severity, c.type, c.status, c.labels, c.components,
               CASE WHEN c.is_critical THEN 'critical' ELSE 'not critical' END AS becomes
        FROM classified c LEFT JOIN teams t ON t.id = c.team_id
        WHERE c.was_critical <> c.is_critical
        ORDER BY c.team_id IS NULL, t.name_key, c.key, c.tracker
        LIMIT ?
        """,
        [*params, UNASSIGNED, limit],
    )
    count_keys = ("open_bugs", "critical_before", "critical_after", "became_critical",
                  "became_not_critical", "change")  # fmt: skip
    totals = {k: sum(t[k] for t in teams) for k in count_keys}
    return {
        "version": version,
        "title": draft["title"],
        "against": None if base is None else base["version"],
        "against_title": None if base is None else base["title"],
        "on": day,
        "teams": cast(list[TeamImpact], teams),
        "totals": totals,
        "changed": cast(list[ChangedBug], changed),
        "changed_total": totals["became_critical"] + totals["became_not_critical"],
        "limit": limit,
    }
