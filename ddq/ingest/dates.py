"""Timestamps in bug-tracker exports, parsed by DuckDB in bulk and stored in UTC.

Trackers write dates in their own formats: Jira's ``22/Mar/14 07:59`` or ``11/May/24 03:26
PM`` (the exporter's locale settings), ISO ``2024-05-11 15:26``, GitHub's
``2024-05-11T15:26:00Z``, research datasets' ``2004/09/28 01:20:46 +0100``. A timestamp with
an offset is converted to UTC; one without is taken as UTC.

Parsing is set-based: :func:`timestamp_sql` builds one SQL expression per column. A failed
``try_strptime`` costs DuckDB far more than a successful one, so each column's usual format
is found first from a sample (:func:`choose_format`) and tried alone; only the cells it does
not fit try every known format, and then the same with runs of spaces squeezed.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import duckdb

# Formats without an offset: the time is taken as UTC. Order matters only for cells that
# more than one would read, and none of these overlap.
NAIVE_FORMATS: tuple[str, ...] = (
    "%d/%b/%y %H:%M",  # Jira: 22/Mar/14 07:59
    "%d/%b/%y %I:%M %p",  # Jira, 12-hour clock: 11/May/24 03:26 PM
    "%d/%b/%Y %H:%M",
    "%d/%b/%Y %I:%M %p",
    "%d/%b/%y %H:%M:%S",
    "%d/%b/%y %I:%M:%S %p",
    "%d/%b/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M",  # ISO: 2024-05-11 15:26
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%dT%H:%M:%S.%f",
    "%Y-%m-%dT%H:%M:%SZ",  # GitHub: 2024-05-11T15:26:00Z (Z is UTC)
    "%Y-%m-%dT%H:%M:%S.%fZ",
    "%Y-%m-%d %H:%M:%SZ",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%d.%m.%Y %H:%M",  # German-locale Jira
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
)
# Formats with an offset (+0100, +01:00): converted to UTC.
ZONED_FORMATS: tuple[str, ...] = (
    "%Y/%m/%d %H:%M:%S %z",  # 2004/09/28 01:20:46 +0100
    "%Y/%m/%d %H:%M %z",
    "%Y-%m-%d %H:%M:%S %z",
    "%Y-%m-%d %H:%M %z",
    "%Y-%m-%d %H:%M:%S%z",
    "%Y-%m-%d %H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
    "%Y-%m-%dT%H:%M%z",
    "%d/%b/%y %H:%M %z",
    "%d/%b/%y %I:%M %p %z",
)
EXAMPLES = "22/Mar/14 07:59, 11/May/24 03:26 PM, 2024-05-11 15:26 or 2004/09/28 01:20:46 +0100"
# What each kind of export writes, for the hint on a cell that is not a date.
JIRA_EXAMPLES = "22/Mar/14 07:59 or 11/May/24 03:26 PM, as Jira exports them"
GITHUB_EXAMPLE = "2024-05-11T15:26:00Z, as GitHub writes them"
_SAMPLE_MOMENT = dt.datetime(2024, 5, 11, 15, 26, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))


def example(usual: tuple[str, bool]) -> str:
    """A timestamp written in a format found by :func:`choose_format`: ``2024-05-11 15:26``."""
    fmt, zoned = usual
    moment = _SAMPLE_MOMENT if zoned else _SAMPLE_MOMENT.replace(tzinfo=None)
    return moment.strftime(fmt)


def hint(kind: str, usual: tuple[str, bool] | None) -> str:
    """What to write instead of a cell that is not a date, for an export of this kind
    (``jira``, ``github`` or ``csv``) whose column mostly reads as ``usual``."""
    if kind == "github":
        return f"not a date and time; write it like {GITHUB_EXAMPLE}"
    if usual is not None:
        return f"not a date and time like the rest of its column, such as {example(usual)}"
    if kind == "jira":
        return f"not a date and time; write it like {JIRA_EXAMPLES}"
    return f"not a date and time; write it like {EXAMPLES}"


SAMPLE_SIZE = 500


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _list(formats: tuple[str, ...]) -> str:
    return "[" + ", ".join(_literal(f) for f in formats) + "]"


def _parse(raw: str, fmt: str | tuple[str, ...], zoned: bool) -> str:
    formats = _literal(fmt) if isinstance(fmt, str) else _list(fmt)
    parsed = f"try_strptime({raw}, {formats})"
    # timezone('UTC', ...) gives the UTC wall time whatever the session's TimeZone is.
    return f"timezone('UTC', {parsed})" if zoned else parsed


def choose_format(con: duckdb.DuckDBPyConnection, samples: list[str]) -> tuple[str, bool] | None:
    """The format (and whether it has an offset) that reads most of ``samples``, if any."""
    values = sorted({s for s in samples if s and s.strip()})[:SAMPLE_SIZE]
    if not values:
        return None
    candidates = [(f, False) for f in NAIVE_FORMATS] + [(f, True) for f in ZONED_FORMATS]
    counts = ", ".join(
        f"count({_parse('s', fmt, zoned)})" for fmt, zoned in candidates
    )  # one scan of a few hundred values
    found = con.execute(f"SELECT {counts} FROM unnest(?::VARCHAR[]) AS v(s)", [values]).fetchone()
    assert found is not None  # an aggregate always returns one row
    best = max(range(len(candidates)), key=lambda i: (found[i], -i))
    return candidates[best] if found[best] else None


def timestamp_sql(raw: str, usual: tuple[str, bool] | None) -> str:
    """SQL for the UTC TIMESTAMP in the text expression ``raw``; NULL when it is not one.

    ``raw`` is evaluated several times, so pass a column name, not a costly expression.
    """
    trimmed = f"trim({raw}, ' \t\r\n')"
    squeezed = f"regexp_replace({trimmed}, '\\s+', ' ', 'g')"
    attempts = []
    if usual is not None:
        attempts.append(_parse(raw, usual[0], usual[1]))
    # COALESCE evaluates an argument only for the rows still NULL: the cells the usual
    # format reads never reach the slower attempts below.
    attempts += [
        _parse(trimmed, NAIVE_FORMATS, False),
        _parse(trimmed, ZONED_FORMATS, True),
        _parse(squeezed, NAIVE_FORMATS, False),
        _parse(squeezed, ZONED_FORMATS, True),
    ]
    return f"CASE WHEN {raw} IS NULL THEN NULL ELSE coalesce({', '.join(attempts)}) END"
