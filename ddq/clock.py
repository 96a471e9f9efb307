"""The one clock: what time it is, and which weeks that makes, for every part of ddq.

Weeks turn over at the same moment for every team: ddq's day is the UTC day and its week
the ISO week (Monday to Sunday), stored as its Monday. Tests set the clock with
:func:`frozen` instead of patching modules one by one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

_frozen_at: dt.datetime | None = None


def now() -> dt.datetime:
    """Now in UTC, without tzinfo: how ddq stores times."""
    if _frozen_at is not None:
        return _frozen_at
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def today() -> dt.date:
    """Today's date in UTC."""
    return now().date()


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week that ``day`` falls in."""
    return day - dt.timedelta(days=day.weekday())


def latest_complete_week(day: dt.date | None = None) -> dt.date:
    """The Monday of last ISO week: the current week is still being reported."""
    return week_start(day or today()) - dt.timedelta(weeks=1)


@contextmanager
def frozen(at: dt.datetime | dt.date) -> Iterator[None]:
    """Stop the clock at ``at`` (a date means its midnight) for the block: for tests."""
    global _frozen_at
    before = _frozen_at
    moment = at if isinstance(at, dt.datetime) else dt.datetime.combine(at, dt.time())
    _frozen_at = moment.replace(tzinfo=None)
    try:
        yield
    finally:
        _frozen_at = before
