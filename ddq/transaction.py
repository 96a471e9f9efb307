"""Transactions: a block of work lands whole or not at all, nested blocks join the outer one.

Below :mod:`ddq.db` (which re-exports these names) so that the migrations in
:mod:`ddq.schema` run in transactions without importing the connection code that applies them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import duckdb

from ddq.errors import WriteConflict

_open_transactions: dict[int, int] = {}


def in_transaction(con: duckdb.DuckDBPyConnection) -> bool:
    """True inside a :func:`transaction` block on this connection."""
    return bool(_open_transactions.get(id(con)))


def _is_write_conflict(exc: BaseException) -> bool:
    """The database refused a write because another transaction wrote the same rows."""
    message = str(exc)
    if isinstance(exc, duckdb.ConstraintException):
        # A key this transaction did not see, because another inserted it since this one
        # began. (ddq checks for a key before inserting it, so this is a race, not a bug.)
        return "Duplicate key" in message
    if not isinstance(exc, duckdb.TransactionException):
        return False
    if "Conflict on" in message or "write-write conflict" in message.lower():
        return True
    # A key inserted by two transactions at once is only found when the second commits.
    return "Failed to commit" in message and "constraint" in message.lower()


def _rollback(con: duckdb.DuckDBPyConnection) -> None:
    """Roll back, when there is still something to roll back (a failed COMMIT already did)."""
    try:
        con.execute("ROLLBACK")
    except duckdb.TransactionException as exc:
        if "no transaction is active" not in str(exc):
            raise


def _write_conflict() -> WriteConflict:
    return WriteConflict(
        "Nothing was saved: what you changed was changed since you opened it (someone else "
        "saved a change to it at the same moment). You now see the new values; make your "
        "change again if it is still needed."
    )


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block atomically: everything in it lands, or nothing does.

    A block inside another block on the same connection joins the outer transaction, so
    a function that writes atomically on its own can also be one step of a larger change.
    When another transaction wrote the same rows (found by a statement or by the COMMIT),
    the outermost block rolls back and raises WriteConflict.
    """
    key = id(con)
    if _open_transactions.get(key):
        _open_transactions[key] += 1
        try:
            yield con
        finally:
            _open_transactions[key] -= 1
        return
    con.execute("BEGIN TRANSACTION")
    _open_transactions[key] = 1
    try:
        yield con
    except BaseException as exc:
        _open_transactions.pop(key, None)
        _rollback(con)
        if _is_write_conflict(exc):
            raise _write_conflict() from exc
        raise
    _open_transactions.pop(key, None)
    try:
        con.execute("COMMIT")
    except Exception as exc:
        _rollback(con)
        if _is_write_conflict(exc):
            raise _write_conflict() from exc
        raise
