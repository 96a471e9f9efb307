"""Applying an adopted definition to earlier weeks, on purpose.

Adopting a definition never rewrites history; a community that decides to does it here,
as an import in the ledger that can be undone.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ddq import audit, bugmetrics, clock, events, ledger
from ddq.access import EDITOR, Actor, requires
from ddq.critical.definitions import (
    ADOPTED,
    EVENT_KIND,
    RETIRED,
    SUBJECT,
    InvalidDefinition,
    get,
    midnight,
)
from ddq.db import retry_on_conflict, transaction
from ddq.errors import Conflict
from ddq.metrics import EARLIEST_WEEK

if TYPE_CHECKING:
    import duckdb


@requires(EDITOR, "recompute bug metrics")
@retry_on_conflict
def apply_to_history(
    con: duckdb.DuckDBPyConnection, version: int, *, since: dt.date, who: Actor
) -> bugmetrics.Computation:
    """Compute the weeks from ``since`` under an adopted definition, on purpose.

    History is never rewritten by adopting a definition; this is how a community decides
    to. The decision is an import in the ledger (undoing it puts the weeks back under the
    definitions in force then) and an event on the trend charts; the metrics are
    recomputed in the same transaction.
    """
    definition = get(con, version)
    if definition["status"] not in (ADOPTED, RETIRED) or definition["effective_from"] is None:
        raise Conflict(f"Version {version} is {definition['status']}; only an adopted "
                       "definition can be applied to history.")  # fmt: skip
    if isinstance(since, dt.datetime) or not isinstance(since, dt.date):
        raise InvalidDefinition(f"The first day must be a date, not {since!r}.")
    if since < EARLIEST_WEEK:
        raise InvalidDefinition(f"The first day {since} is before 2000; check it.")
    if since >= definition["effective_from"]:
        raise InvalidDefinition(
            f"Version {version} is in force from {definition['effective_from']} already; "
            "choose a day before that to apply it to history."
        )
    week = clock.week_start(since)
    title = f"History from {since} recomputed under definition v{version}"
    with transaction(con):
        import_id = ledger.start(con, kind=ledger.BUG_METRICS_HISTORY, file_name=title,
                                 sha256=None, who=who)  # fmt: skip
        con.execute(
            "INSERT INTO critical_history (import_id, version, since_week) VALUES (?, ?, ?)",
            [import_id, version, week],
        )
        events.add(con, kind=EVENT_KIND, title=title, happened_at=midnight(week),
                   import_id=import_id)  # fmt: skip
        audit.record(con, who, "definition.history", SUBJECT.format(version),
                     after={"import_id": import_id, "since": since})  # fmt: skip
        result = bugmetrics.refresh(con, who=who, reason=f"after import {import_id} ({title})")
    return result
