"""Errors that carry a message meant for the person using ddq.

The CLI prints ``str(error)`` on stderr and exits non-zero; the pages show the same text.
Anything that is not a ``DdqError`` is a bug and is reported as such, without a traceback
for the user.
"""

from __future__ import annotations


class DdqError(Exception):
    """Base of every error whose message is written for the user."""


class DatabaseBusy(DdqError):
    """Another process holds the database file's write lock for longer than we wait."""


class DatabaseUnreadable(DdqError):
    """The database file is not a DuckDB file, is damaged, or is newer than this ddq."""


class ForeignCatalog(DatabaseUnreadable):
    """The database holds views, macros or tables that ddq's migrations did not create."""


class NotFound(DdqError):
    """A named thing (import, team, metric) does not exist."""


class Conflict(DdqError):
    """The request cannot be carried out without losing or overwriting something."""


class StaleEdit(Conflict):
    """Someone else changed the record since this person opened it; nothing was saved."""


class WriteConflict(StaleEdit):
    """Another transaction wrote the same rows at the same moment; this one was rolled back.

    Raised by :func:`ddq.db.transaction` for the database's own conflict errors; a change
    marked with :func:`ddq.db.retry_on_conflict` runs again instead, and says precisely
    what changed when it finds the record is no longer what the person started from.
    """


def stale(what: str, changes: list[str]) -> StaleEdit:
    """The error for an edit made on values that have changed since: what changed, to what."""
    return StaleEdit(
        f"Nothing was saved: {what} changed since you opened it ({'; '.join(changes)}). "
        "You now see the new values; make your change again if it is still needed."
    )


def changed_since(expected: dict, current: dict, keys: object) -> list[str]:
    """``key: now 'x' (was 'y')`` for each of ``keys`` whose current value is not the expected one."""
    return [
        f"{key.replace('_', ' ')}: now {current.get(key) or '(empty)'!s} "
        f"(was {expected.get(key) or '(empty)'!s})"
        for key in keys  # type: ignore[attr-defined]
        if key in expected and (expected.get(key) or "") != (current.get(key) or "")
    ]
