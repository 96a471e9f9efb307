"""Undoing what was computed or decided rather than imported from a file."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ddq.errors import Conflict
from ddq.ledger.kinds import Counts, Entry

if TYPE_CHECKING:
    import duckdb


def refuse_bug_metrics(con: duckdb.DuckDBPyConnection, entry: Entry) -> None:
    """Computed bug metrics follow their inputs: they are never undone on their own."""
    raise Conflict(
        f"Import {entry['id']} holds bug metrics computed {entry['file_name']}. They follow "
        "the bugs, team mappings and definitions they come from, so they are not undone "
        "on their own: undo that change instead, and they are recomputed."
    )


def reverse_decision(con: duckdb.DuckDBPyConnection, entry: Entry) -> Counts:
    """A definition applied to history is undone by marking it undone, nothing more; the
    caller recomputes the metrics."""
    return {"removed": 0, "restored": 0, "teams_removed": 0}
