"""How a meeting's day is written, the same in its summary and on its slides.

(Fixed English names rather than ``%A``, which follows the machine's locale.)
"""

from __future__ import annotations

import datetime as dt

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def day_name(day: dt.date) -> str:
    """``Monday`` for any Monday."""
    return _DAY_NAMES[day.weekday()]


def long_date(day: dt.date) -> str:
    """``Wednesday 4 Mar 2026``: a slide's way of writing a day."""
    return f"{day_name(day)} {day.day} {day:%b %Y}"
