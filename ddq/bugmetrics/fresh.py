"""A fresh computation of the bug metrics, compared with the stored values, writing nothing."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from ddq import values as values_store
from ddq.bugmetrics.weekly import (
    _compute_table,
    _definition_timeline,
    _history,
    _prepare,
    _week_versions,
)
from ddq.bugowners import METRICS, OWNERS_SQL, UNASSIGNED, computed_cells_sql
from ddq.db import drop_temp, scalar

if TYPE_CHECKING:
    import duckdb


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


_TEMP = ("bug_facts", "week_grid", "computed", "stale", "changed", "uploaded")


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
    unassigned, estimated = _one_row(
        con,
        f"WITH {OWNERS_SQL} SELECT count(*) FILTER (o.team_id IS NULL), "
        "count(*) FILTER (b.resolved_estimated) FROM bugs b JOIN bug_owners o "
        "USING (tracker, key)",
    )
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
        WHERE mv.metric IN ({metric_list}) AND NOT {computed_cells_sql()}
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
        WHERE {computed_cells_sql()}
        """
    )
    upcoming = [(d["version"], d["from_week"]) for d in definitions if d["from_week"] > last]
    total, teams = _one_row(con, "SELECT count(*), count(DISTINCT team_id) FROM computed")
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


def _one_row(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[Any, ...]:
    """The one row of an aggregate query (which always has one)."""
    return cast("tuple[Any, ...]", con.execute(sql).fetchone())


def _drop_temp(con: duckdb.DuckDBPyConnection) -> None:
    drop_temp(con, *_TEMP)
