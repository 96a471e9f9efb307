"""Undoing an import of any kind, and what was computed from it.

The ledger puts back exactly what the import changed (:func:`ddq.ledger.reverse`); the
weekly bug metrics are then recomputed in the same transaction, so that nothing computed
stands on data that was undone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ddq import bugmetrics, ledger
from ddq.access import EDITOR, Actor, requires
from ddq.db import retry_on_conflict, transaction
from ddq.ledger.kinds import BUG_METRICS_HISTORY, DEMO

if TYPE_CHECKING:
    import duckdb


@dataclass
class Undone:
    """What undoing an import changed: the ledger's counts and the recomputation."""

    import_id: int
    kind: str
    file_name: str
    counts: dict[str, int]
    metrics: bugmetrics.Computation

    def summary(self) -> str:
        """One line saying what was undone, as the command and the page print it."""
        done = self.counts
        if "terms_removed" in done:  # a roster import
            parts = [
                f"{n} {what}"
                for n, what in (
                    (done["terms_removed"], "champion term(s) removed"),
                    (done["terms_reopened"], "reopened"),
                    (done["starts_restored"], "start date(s) restored"),
                    (done["teams_moved_back"], "team(s) moved back"),
                    (done["teams_removed"], "created team(s) removed"),
                    (done["areas_removed"], "created area(s) removed"),
                    (done["kept"], "created team(s) or area(s) kept: other data refers to them"),
                )
                if n
            ]
            text = f"import {self.import_id} undone: {', '.join(parts) or 'it had changed nothing'}"
        elif "bugs_removed" in done:  # a bug import
            text = (f"import {self.import_id} undone: {done['bugs_removed']} added bug(s) removed, "
                    f"{done['bugs_restored']} replaced bug(s) restored")  # fmt: skip
        elif self.kind == DEMO:
            text = (f"import {self.import_id} undone: the sample organisation is removed "
                    f"({done['teams_removed']} teams, {done['removed']} values, "
                    f"{done['meetings_removed']} meetings, {done['definitions_removed']} "
                    f"critical-bug definitions, {done['areas_removed']} areas, with their "
                    "roster, bugs, stances, targets, mappings and events)")  # fmt: skip
        elif self.kind == BUG_METRICS_HISTORY:
            text = f"import {self.import_id} undone: {self.file_name} no longer applies"
        else:
            text = (f"import {self.import_id} undone: {done['removed']} added values removed, "
                    f"{done['restored']} overwritten values restored, "
                    f"{done['teams_removed']} created teams removed")  # fmt: skip
        return text


@requires(EDITOR, "undo an import")
@retry_on_conflict  # run again on top of a change made at the same moment
def undo(con: duckdb.DuckDBPyConnection, import_id: int, *, who: Actor) -> Undone:
    """Undo an import and recompute the bug metrics, all in one transaction."""
    entry = ledger.get(con, import_id)
    with transaction(con):
        counts = ledger.reverse(con, import_id, who=who)
        metrics = bugmetrics.refresh(
            con, who=who, reason=f"after undoing import {import_id} ({entry['file_name']})"
        )
    return Undone(import_id, entry["kind"], entry["file_name"], counts, metrics)
