"""The audit log: who changed what, when, and what it was before and after.

Every writing function in ddq records here, inside its own transaction, so a change and
its audit row land together or not at all. Rows are only ever appended.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

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
    """Append one audit row (inside the caller's transaction)."""
    con.execute(
        "INSERT INTO audit_log (happened_at, who, action, subject, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [dt.datetime.now(dt.UTC).replace(tzinfo=None), who, action, subject, _json(before),
         _json(after)],
    )  # fmt: skip


def entries(
    con: duckdb.DuckDBPyConnection,
    *,
    since: dt.date | None = None,
    subject: str | None = None,
    limit: int = 1000,
) -> list[dict[str, Any]]:
    """Audit rows, newest first, optionally since a day or about a subject."""
    return rows(
        con,
        """
        SELECT id, happened_at, who, action, subject, before, after FROM audit_log
        WHERE (?::DATE IS NULL OR happened_at >= ?::DATE)
          AND (?::VARCHAR IS NULL OR subject = ?)
        ORDER BY id DESC LIMIT ?
        """,
        [since, since, subject, subject, limit],
    )
