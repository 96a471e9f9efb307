"""The audit log: who changed what, when, and what it was before and after.

Every writing function in ddq records here, inside its own transaction, so a change and
its audit row land together or not at all. Rows are only ever appended.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

from ddq import clock
from ddq.db import rows

if TYPE_CHECKING:
    import duckdb


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, default=_plain, sort_keys=True, ensure_ascii=False)


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return str(value)


def record(
    con: duckdb.DuckDBPyConnection,
    who: str,
    action: str,
    subject: str,
    *,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one audit row (inside the caller's transaction).

    ``who`` is the acting user (a :class:`ddq.access.Actor`, whose role is recorded too). It
    is typed ``str`` because one row has no actor: a failed sign-in, recorded as ``guest``
    with no role.
    """
    con.execute(
        "INSERT INTO audit_log (happened_at, who, role, action, subject, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [clock.now(), str.__str__(who),
         getattr(who, "role", None), action, subject, _json(before), _json(after)],
    )  # fmt: skip


def entries(
    con: duckdb.DuckDBPyConnection,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    by: str | None = None,
    action: str | None = None,
    subject: str | None = None,
    text: str | None = None,
    limit: int | None = 1000,
) -> list[dict[str, Any]]:
    """Audit rows, newest first, filtered.

    ``since`` and ``until`` are days (UTC, both included); ``by`` matches the person
    exactly (case-insensitively); ``action`` matches an action or its family (``roster``
    matches ``roster.handover``); ``subject`` matches exactly; ``text`` is found anywhere in
    the subject, before or after.
    """
    pattern = None if not text else "%" + _like_escape(text) + "%"
    return rows(
        con,
        """
        SELECT id, happened_at, who, role, action, subject, before, after FROM audit_log
        WHERE (?::DATE IS NULL OR happened_at >= ?::DATE)
          AND (?::DATE IS NULL OR happened_at < ?::DATE + INTERVAL 1 DAY)
          AND (?::VARCHAR IS NULL OR lower(who) = lower(?))
          AND (?::VARCHAR IS NULL OR action = ? OR starts_with(action, ? || '.'))
          AND (?::VARCHAR IS NULL OR subject = ?)
          AND (?::VARCHAR IS NULL OR subject ILIKE ? ESCAPE '\\' OR before ILIKE ? ESCAPE '\\'
               OR after ILIKE ? ESCAPE '\\')
        ORDER BY id DESC LIMIT ?
        """,
        [since, since, until, until, by, by, action, action, action, subject, subject,
         pattern, pattern, pattern, pattern, limit],
    )  # fmt: skip


def actions(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every kind of change the log holds, for a filter."""
    return [r["action"] for r in rows(con, "SELECT DISTINCT action FROM audit_log ORDER BY 1")]


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def describe(entry: dict[str, Any]) -> str:
    """Before and after of one audit row, in one line: the fields that changed."""
    before = json.loads(entry["before"]) if entry.get("before") else None
    after = json.loads(entry["after"]) if entry.get("after") else None
    if isinstance(before, dict) and isinstance(after, dict):
        keys = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
        return "; ".join(f"{k}: {_short(before.get(k))} → {_short(after.get(k))}" for k in keys)
    parts = []
    if before is not None:
        parts.append(f"before: {_short(before)}")
    if after is not None:
        parts.append(f"after: {_short(after)}")
    return "; ".join(parts)


def _short(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_short(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_short(v) for v in value) + "]"
    return str(value)
