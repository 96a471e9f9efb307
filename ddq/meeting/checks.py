"""What a meeting accepts: the error it raises, user text as stored, dates in range."""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

from ddq.errors import DdqError
from ddq.metrics import EARLIEST_WEEK

MAX_TEXT = 4000
MAX_SHORT = 200


class InvalidMeeting(DdqError):
    """A meeting, note, attendance or action item that ddq does not accept."""


def refuse(problem: str) -> NoReturn:
    """Raise InvalidMeeting with ``problem`` as a sentence."""
    raise InvalidMeeting(problem[0].upper() + problem[1:] + ".")


def user_text(value: str | None, what: str, *, limit: int = MAX_TEXT, required: bool = True) -> str:
    """User text as stored: surrounding blank space removed, the rest exactly as given."""
    text = (value or "").strip()
    if required and not text:
        refuse(f"the {what} is empty")
    if len(text) > limit:
        refuse(f"the {what} is longer than {limit} characters ({len(text)})")
    return text


def day_problem(day: dt.date, what: str) -> str | None:
    """What is wrong with ``day`` as the ``what`` of a meeting or an action, or None."""
    if not isinstance(day, dt.date) or isinstance(day, dt.datetime):
        return f"the {what} must be a date (YYYY-MM-DD)"
    if day < EARLIEST_WEEK:
        return f"the {what} {day} is before {EARLIEST_WEEK}; check the year"
    return None
