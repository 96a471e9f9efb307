"""The rule language: its fields, operators, limits and how names compare.

A rule is a JSON-compatible dict (see :mod:`ddq.rules`). Matching ignores case and
surrounding whitespace, because trackers disagree on both; a blank value counts as missing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeAlias

from ddq.errors import DdqError

Rule: TypeAlias = dict[str, Any]
"""A rule as stored and exchanged: JSON-compatible data (see the module docstring)."""

SCALAR_FIELDS: tuple[str, ...] = ("severity", "priority", "type", "status")
LIST_FIELDS: tuple[str, ...] = ("labels", "components")
FIELDS: tuple[str, ...] = SCALAR_FIELDS + LIST_FIELDS

SCALAR_OPS: tuple[str, ...] = ("in", "not_in")
LIST_OPS: tuple[str, ...] = ("has_any", "has_none", "has_all")
EMPTY_OP = "is_empty"
OPERATORS: tuple[str, ...] = (*SCALAR_OPS, *LIST_OPS, EMPTY_OP)
COMBINATORS: tuple[str, ...] = ("all", "any", "not")

# A definition is read aloud in the weekly meeting and voted on; nesting deeper than this
# is unreadable and almost certainly a mistake. The bound also keeps every recursion here
# far from Python's recursion limit, whatever the input.
MAX_DEPTH = 8
# Real definitions use a handful of conditions; the cap keeps the generated SQL, the
# explanation and the side-by-side diff a size people can still review.
MAX_CONDITIONS = 100
# A condition lists the tracker's names for a few priorities or labels, not a data dump;
# a longer list is a paste accident.
MAX_VALUES = 200
# Tracker names (labels, components, statuses) are short; anything longer is not one.
MAX_VALUE_LENGTH = 200
# Bounds the work of reading a rule typed or uploaded by a user.
MAX_TEXT_LENGTH = 100_000

# What "surrounding whitespace" means, identically in Python and in SQL: ASCII whitespace
# plus the no-break space that spreadsheets and web forms slip into exported values.
# DuckDB's one-argument trim() removes spaces only, so the set is spelled out.
WHITESPACE = " \t\n\r\v\f\u00a0"

NOUNS: dict[str, tuple[str, str]] = {
    "severity": ("severity", "severities"),
    "priority": ("priority", "priorities"),
    "type": ("type", "types"),
    "status": ("status", "statuses"),
    "labels": ("label", "labels"),
    "components": ("component", "components"),
}


class InvalidRule(DdqError):
    """A rule that cannot be used, with every problem found (each names where it is)."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"- {p}" for p in self.problems)
        super().__init__(f"The critical-bug rule is not valid:\n{lines}")


def fold(value: str) -> str:
    """The form in which names are compared: surrounding whitespace removed, lower case.

    Lower-cases one code point at a time, as DuckDB's ``lower()`` does, so that Python
    and SQL agree even on the odd letter: Python's ``str.lower`` turns the Turkish dotted
    capital I (U+0130) into two code points and a word-final capital sigma into a final
    small sigma, where DuckDB maps every letter on its own.
    """
    stripped = value.strip(WHITESPACE)
    if stripped.isascii():
        return stripped.lower()
    return "".join(c.lower()[0] for c in stripped)


def is_missing(value: object) -> bool:
    """Whether a field value is a gap: None, NaN or pandas' NA, however the bug arrived."""
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN, as pandas writes a gap
        return True
    return type(value).__name__ == "NAType"  # pandas.NA, without importing pandas


def folded_scalar(value: object) -> str:
    """A bug's scalar field, folded; missing and blank values are both ``""``."""
    return "" if is_missing(value) else fold(str(value))


def folded_items(value: object) -> frozenset[str]:
    """A bug's list field as folded, non-blank names (a lone string counts as one name)."""
    if is_missing(value):
        return frozenset()
    if isinstance(value, str):
        value = [value]
    try:
        elements = list(value)  # type: ignore[call-overload]
    except TypeError:
        elements = [value]
    folded = (fold(str(e)) for e in elements if not is_missing(e))
    return frozenset(f for f in folded if f)


def folded_values(values: Iterable[str]) -> list[str]:
    """Folded names without repeats, in the order written."""
    return list(dict.fromkeys(fold(v) for v in values))


def operator_of(node: Mapping[str, Any]) -> str:
    """The operator of a condition: its one key besides ``field``."""
    return next(k for k in node if k != "field")


def field_operators(field: str) -> tuple[str, ...]:
    """The operators a condition on ``field`` takes."""
    return (*SCALAR_OPS, EMPTY_OP) if field in SCALAR_FIELDS else (*LIST_OPS, EMPTY_OP)
