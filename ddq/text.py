"""How numbers read: one wording for the pages, the meeting summary and the command.

The rule, for every unit alike:

- A whole value reads whole: ``12``, ``0``, ``-4`` (a week's count of bugs always does).
- Any other value reads with one decimal (``8.5``, ``6.4``), or with two significant
  digits when it is below 1 in size (``0.75``, ``0.05``), so that a small value never
  reads as 0. Zeros at the end beyond that are dropped (``0.6``, not ``0.60``).
- A target reads as it was set (``1.75``, ``6.4``): it is never rounded.
- Values shown together (a card's baseline, current level and target; a level and its
  target; a pace and the pace needed) are worded together by :func:`numbers`: they share
  one number of decimals, so rounding never turns their order around, and get more
  decimals (up to MAX_DECIMALS) until different values read differently. "Target 1.7
  reached" never stands beside a level that reads 2, nor 1.66 beside a target 1.7 as
  "1.7 and 1.7".

Units: counts have no suffix, percentages ``%`` (``97.5%``), days ``days`` (``1 day``).
A change of a percentage is in points (``+1.5 pts``), not a percentage of itself.
Signed numbers use an ASCII ``-`` (Streamlit's delta arrows read it) and a ``+``.

Weeks read ``2026-W47 (16 Nov)``: the ISO week people say, and the date they can check;
days read ``Monday 30 Nov 2026``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence

# Beyond a millionth, two values are the same for anyone reading a dashboard.
MAX_DECIMALS = 6
NOTHING = "—"

_SUFFIX = {"percent": "%"}
_CHANGE_SUFFIX = {"percent": " pts"}


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def _whole(value: float) -> bool:
    return _close(value, round(value))


def _decimals(value: float, exact: bool) -> int:
    """The decimals one value needs on its own (0 for a whole value)."""
    if _whole(value):
        return 0
    if exact:  # as set: the fewest decimals that give it back
        return next(
            (d for d in range(1, MAX_DECIMALS) if _close(round(value, d), value)), MAX_DECIMALS
        )
    size = abs(value)
    if size >= 1:
        return 1
    return min(MAX_DECIMALS, 1 - math.floor(math.log10(size)))  # two significant digits


def _render(value: float, decimals: int, signed: bool) -> str:
    sign = "+" if signed else ""
    if _whole(value):
        whole = round(value)
        return f"{whole:{sign},d}" if whole else "0"
    text = f"{value:{sign},.{decimals}f}"
    # Zeros at the end say nothing; one decimal stays, so the value reads as not whole.
    while text.endswith("0") and not text.endswith(".0"):
        text = text[:-1]
    return text


def _suffix(unit: str | None, value: float, *, change: bool = False) -> str:
    if unit == "days":
        return " day" if _close(abs(value), 1.0) else " days"
    return (_CHANGE_SUFFIX if change else _SUFFIX).get(unit or "", "")


def numbers(
    values: Sequence[float | None],
    unit: str | None = None,
    *,
    exact: Sequence[bool] = (),
    signed: bool = False,
    change: bool = False,
) -> list[str]:
    """Values shown together, worded so that different values read differently.

    ``exact`` marks the values that read as they were set (targets). ``change``: the
    values are changes (a percentage's change is in points). None reads as a dash.
    """
    marks = list(exact) + [False] * (len(values) - len(exact))
    present = [(i, float(v)) for i, v in enumerate(values) if v is not None and math.isfinite(v)]
    decimals = max((_decimals(v, marks[i]) for i, v in present), default=0)

    def texts(d: int) -> dict[int, str]:
        return {i: _render(v, max(d, 1), signed) for i, v in present}

    shown = texts(decimals)
    while decimals < MAX_DECIMALS:
        seen: dict[str, float] = {}
        clash = False
        for i, v in present:
            other = seen.setdefault(shown[i], v)
            clash = clash or round(other, MAX_DECIMALS) != round(v, MAX_DECIMALS)
        if not clash:
            break
        decimals += 1
        shown = texts(decimals)
    out = []
    for i, value in enumerate(values):
        if i not in shown:
            out.append(NOTHING)
            continue
        assert value is not None
        out.append(shown[i] + _suffix(unit, value, change=change))
    return out


def number(
    value: float | None, unit: str | None = None, *, signed: bool = False, exact: bool = False
) -> str:
    """One value as people read it, with its unit (the module's rule); None is a dash."""
    return _one(value, unit, exact=exact, signed=signed, change=False)


def change(value: float | None, unit: str | None = None, *, signed: bool = True) -> str:
    """A change: ``-4``, ``+0.5 days``, ``+1.5 pts`` for a percentage (``signed=False``: no ``+``)."""
    return _one(value, unit, exact=False, signed=signed, change=True)


def _one(value: float | None, unit: str | None, *, exact: bool, signed: bool, change: bool) -> str:
    """:func:`numbers` of a single value: alone, it cannot clash with another, so it reads
    with the decimals it needs on its own. A summary words thousands of numbers this way."""
    if value is None or not math.isfinite(value):
        return NOTHING
    value = float(value)
    return _render(value, max(_decimals(value, exact), 1), signed) + _suffix(
        unit, value, change=change
    )


def teams_both_weeks(teams: int) -> str:
    """Who a like-for-like change is over: ``across the 8 teams that reported both weeks``."""
    return f"across the {teams} team{'s' if teams != 1 else ''} that reported both weeks"


def compared_teams(counts: Sequence[tuple[str, int | None]]) -> str:
    """Who a figure's like-for-like changes are over, for (against what, teams) pairs.

    ``Changes across the 8 teams that reported both weeks.`` when every change has as many
    teams, else ``Changes across the teams that reported both weeks: 8 against the week
    before, 7 against 13 weeks ago.`` A change no team could make (None) is left out: it
    reads "no value" where it is shown. "" when there is none.
    """
    found = [(what, n) for what, n in counts if n is not None]
    if not found:
        return ""
    if all(n == found[0][1] for _, n in found):
        return f"Changes {teams_both_weeks(found[0][1])}."
    parts = [f"{n} against {what}" for what, n in found]
    return f"Changes across the teams that reported both weeks: {', '.join(parts)}."


def week_label(monday: dt.date) -> str:
    """``2026-W47 (16 Nov)``: the ISO week people say, and the date they can check."""
    year, number_, _ = monday.isocalendar()
    return f"{year}-W{number_:02d} ({monday:%d %b})"


def day_label(day: dt.date) -> str:
    """``Monday 30 Nov 2026``: a day with its weekday, for a meeting or a due date."""
    return f"{day:%A %d %b %Y}"
