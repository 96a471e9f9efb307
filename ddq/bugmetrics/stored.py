"""Keeping the stored bug metrics equal to a fresh computation, and checking that they are."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ddq import audit, clock, ledger
from ddq import values as values_store
from ddq.access import EDITOR, Actor, requires
from ddq.bugmetrics.fresh import Computation, _drop_temp, _fresh
from ddq.bugowners import (
    COMPUTED_KINDS,
    KIND,
    UNASSIGNED,
    UNASSIGNED_KIND,
    computed_cells_sql,
    unassigned_team_id,
)
from ddq.db import claim, retry_on_conflict, rows, scalar, transaction

if TYPE_CHECKING:
    import duckdb


def _ensure_unassigned_team(con: duckdb.DuckDBPyConnection) -> int:
    """The Unassigned team's id, creating it (in no area) on first need."""
    found = unassigned_team_id(con)
    if found is not None:
        return found
    name = UNASSIGNED
    # A real team may already be called "Unassigned": then this one says what it holds.
    if scalar(con, "SELECT count(*) FROM teams WHERE name_key = lower(?)", [name]):
        name = f"{UNASSIGNED} bugs"
    return int(
        scalar(
            con,
            "INSERT INTO teams (name, name_key, area_id, active, kind) VALUES (?, lower(?), NULL, "
            "false, ?) RETURNING id",
            [name, name, UNASSIGNED_KIND],
        )
    )


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
    who: Actor,
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
        scalar(con, f"SELECT max(week) FROM metric_values mv WHERE {computed_cells_sql()}")
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
    last: dt.date | None = scalar(
        con, f"SELECT max(week) FROM metric_values mv WHERE {computed_cells_sql()}"
    )
    if last is None:
        return 0
    return max(0, (clock.latest_complete_week() - last).days // 7)
