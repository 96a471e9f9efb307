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


class NotFound(DdqError):
    """A named thing (import, team, metric) does not exist."""


class Conflict(DdqError):
    """The request cannot be carried out without losing or overwriting something."""
