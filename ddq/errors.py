"""Errors that carry a message meant for the person using ddq.

The CLI prints ``str(error)`` on stderr and exits non-zero; the pages show the same text.
Anything that is not a ``DdqError`` is a bug and is reported as such, without a traceback
for the user.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


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


def changed_since(
    expected: Mapping[str, object], current: Mapping[str, object], keys: Iterable[str]
) -> list[str]:
    """``key: now 'x' (was 'y')`` for each of ``keys`` whose current value is not the expected one."""
    return [
        f"{key.replace('_', ' ')}: now {current.get(key) or '(empty)'!s} "
        f"(was {expected.get(key) or '(empty)'!s})"
        for key in keys
        if key in expected and (expected.get(key) or "") != (current.get(key) or "")
    ]


# What Python's JSON reader means by its messages, and what a person does about each.
_JSON_HINTS = {
    "Expecting value": "expected a value here (text in double quotes, a number, a [list], an "
    "{object}, true, false or null); a comma just before ] or }, or a missing value, does this",
    "Expecting ',' delimiter": "expected a comma between two items, or the ] or } that closes "
    "the list or object",
    "Expecting ':' delimiter": 'expected a colon after the name, as in "field": "priority"',
    "Expecting property name enclosed in double quotes": "expected a name in double quotes, as "
    'in "field"; JSON takes no comma before } and no single quotes',
    "Unterminated string starting at": "the text in quotes that starts here never ends: add "
    "its closing double quote",
    "Extra data": "the JSON value ended before this point: remove what follows (or an extra "
    "} or ]), or put the values in one [list]",
    "Invalid control character at": "a line break or tab inside text in quotes: write it as "
    "\\n or \\t",
    "Invalid \\escape": "a backslash starts an unknown escape: write \\\\ for a backslash",
    "Invalid \\uXXXX escape": "\\u must be followed by four hexadecimal digits",
}


def json_error_words(exc: Exception, text: str, *, with_line: bool = True) -> str:
    """Where a JSON text stops being JSON and what to do, for a ``json.JSONDecodeError``.

    ``line L, column C (character N): <what is wrong and what to do>``, plus the start of
    the text there; a text that ends before its JSON does is called cut short. Without
    ``with_line``, the line is left out (a file problem names its line already).
    """
    pos = getattr(exc, "pos", 0)
    line, column = getattr(exc, "lineno", 1), getattr(exc, "colno", 1)
    message = getattr(exc, "msg", str(exc))
    hint = _JSON_HINTS.get(message, message[:1].lower() + message[1:])
    where = f"column {column} (character {pos + 1})"
    if with_line:
        where = f"line {line}, {where}"
    rest = text[pos:].strip()
    cut_short = not rest or message == "Unterminated string starting at"
    if cut_short:
        written = text.rstrip()  # its last character, not the line breaks after it
        end_line = written.count("\n") + 1
        end_column = len(written) - (written.rfind("\n") + 1)
        ending = (
            f"; the text ends at line {end_line}, column {end_column} before the JSON does: "
            "if it is a file, it looks cut short, so export or download it again"
        )
        if not rest:
            hint = "the JSON is not finished here (a value, a closing quote, ] or } is missing)"
        return f"{where}: not valid JSON: {hint}{ending}."
    near = rest.splitlines()[0][:30]
    return f"{where}: not valid JSON: {hint} (found {near!r})."
