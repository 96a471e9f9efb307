"""Undoing the sample organisation: everything it created goes (:mod:`ddq.created`), its
meetings, definitions and the rest too, so that nothing of it is left."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ddq import created
from ddq.errors import Conflict
from ddq.ledger.kinds import Counts, Entry
from ddq.ledger.reversal import values

if TYPE_CHECKING:
    import duckdb


def refuse(con: duckdb.DuckDBPyConnection, entry: Entry) -> None:
    """Refuse to remove the sample while something a person added since refers to it."""
    values.refuse(con, entry)
    found = created.blockers(con, entry["id"])
    if found:
        raise Conflict(
            f"The sample organisation (import {entry['id']}) cannot be removed: since it was "
            "loaded, people added things that refer to its teams, meetings or definitions, and "
            f"removing it would lose them. {' '.join(found)} Nothing was changed. To keep what "
            "was added, keep the sample, and start your own organisation in a new, empty "
            "database instead."
        )


def reverse(con: duckdb.DuckDBPyConnection, entry: Entry) -> Counts:
    """Its values, roster and bugs as any import's, then the rest of what it created (no
    chart annotation of it stays either)."""
    done = values.reverse(con, entry)
    done |= created.remove(con, entry["id"])
    return done
