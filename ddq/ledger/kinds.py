"""What kinds of change the imports ledger records, and what undoing one of each takes.

Every row of ``imports`` has a kind. The names are here, once, so that no module retypes
them; :mod:`ddq.ledger.reversal` holds each kind's undo (the side tables it cleans), and
:mod:`ddq.ingest.pipeline` each importer.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypedDict

if TYPE_CHECKING:
    import duckdb

METRICS = "metrics"
ROSTER = "roster"
BUGS = "bugs"
# Bugs read from a tracker's API by a live source (ddq.sources): a bug import whose undo
# also takes back what the sync recorded (where the next sync starts, vanished bugs).
SYNC = "sync"
# The sample organisation (ddq.sample): undoing it removes everything it created, its
# meetings, definitions and the rest too (ddq.created), so that nothing of it is left.
DEMO = "demo"
# Bug metrics computed after a change (ddq.bugmetrics): they follow their inputs.
BUG_METRICS = "bug_metrics"
# A definition applied to history (ddq.critical.apply_to_history): a decision, undone by
# marking it undone; the metrics are then recomputed by the caller.
BUG_METRICS_HISTORY = "bug_metrics_history"
# The kinds whose values are computed from other data, never uploaded.
COMPUTED = (BUG_METRICS, BUG_METRICS_HISTORY)
# The kinds a person imports from a file (the Upload page and ``ddq import``).
FILE_KINDS = (METRICS, ROSTER, BUGS)


class ImportEntry(TypedDict):
    """A row of the ledger (``imports``): one import, or one computation or decision."""

    id: int
    kind: str
    file_name: str
    sha256: str | None
    who: str
    imported_at: dt.datetime  # UTC
    rows_read: int
    added: int
    updated: int
    unchanged: int
    teams_created: int
    status: str  # applied or undone
    undone_at: dt.datetime | None
    undone_by: str | None


class ListedImport(ImportEntry):
    """A ledger row as the ledger lists it, with how many rows the import skipped."""

    skipped: int


class SkippedRow(TypedDict):
    """A row an import skipped (``--skip-bad-rows``), by its line, and why."""

    line: int
    reason: str


Entry = ImportEntry
Counts = dict[str, int]  # what an undo removed, restored or kept, by name


def status_audit(entry: Entry, done: Counts) -> tuple[dict[str, Any], dict[str, Any]]:
    """The audit row of an undo: the status it changed, and what it did."""
    return {"import_id": entry["id"], "status": "applied"}, {"status": "undone", **done}


def counts_audit(entry: Entry, done: Counts) -> tuple[dict[str, Any], dict[str, Any]]:
    """The audit row of an undo that reports its counts only."""
    return {"import_id": entry["id"]}, dict(done)


def decision_audit(entry: Entry, done: Counts) -> tuple[dict[str, Any], dict[str, Any]]:
    """The audit row of an undone decision: nothing but its status changed."""
    return {"import_id": entry["id"], "status": "applied"}, {"status": "undone"}


@dataclass(frozen=True)
class KindUndo:
    """How one kind of import is undone.

    ``refuse`` raises :class:`ddq.errors.Conflict` when the undo would lose a later change
    (it runs before the transaction); ``reverse`` cleans the kind's tables inside the
    ledger's transaction and says what it did. ``event`` says whether the undo is shown on
    the charts; ``audit`` gives the audit row's before and after.
    """

    reverse: Callable[[duckdb.DuckDBPyConnection, Entry], Counts]
    refuse: Callable[[duckdb.DuckDBPyConnection, Entry], None] | None = None
    event: bool = True
    audit: Callable[[Entry, Counts], tuple[dict[str, Any], dict[str, Any]]] = status_audit
