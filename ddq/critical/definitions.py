"""What a critical-bug definition is: its life cycle, its limits, and reading its versions.

A version is a draft, a proposal, adopted (in force from its effective date) or retired;
see :mod:`ddq.critical` for the whole life cycle.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any, TypedDict, cast

from ddq import clock, rules
from ddq.db import rows
from ddq.errors import Conflict, DdqError, NotFound

if TYPE_CHECKING:
    import duckdb


DRAFT, PROPOSED, ADOPTED, RETIRED = "draft", "proposed", "adopted", "retired"
STATUSES = (DRAFT, PROPOSED, ADOPTED, RETIRED)
STANCES = ("agree", "disagree", "abstain")
EVENT_KIND = "definition"

EDITABLE_FIELDS = ("title", "rule", "rationale", "examples", "sla_days")

MAX_TITLE = 200
MAX_TEXT = 20_000  # rationale and examples
MAX_COMMENT = 2_000
MAX_SLA_DAYS = 3650
# An effective date this far ahead is a typo in the year, not a plan.
MAX_DAYS_AHEAD = 366
DEFAULT_IMPACT_LIMIT = 500

SUBJECT = "definition v{}"


class InvalidDefinition(DdqError):
    """A definition, stance or date that ddq does not accept; nothing was changed."""


class Definition(TypedDict):
    """One version of the definition, as :func:`versions`, :func:`get` and :func:`current`
    give it; ``in_force`` is as of today."""

    version: int
    title: str
    status: str
    rationale: str
    examples: str
    rule: rules.Rule
    rule_json: str  # indented, one condition per line
    explanation: str  # the rule in plain words
    sla_days: int | None
    effective_from: dt.date | None
    created_at: dt.datetime
    created_by: str
    adopted_at: dt.datetime | None
    adopted_by: str | None
    retired_at: dt.datetime | None
    based_on: int | None
    in_force: bool


class Side(TypedDict):
    """One version in a comparison."""

    version: int
    title: str
    status: str
    explanation: str
    rule: rules.Rule
    rule_json: str
    sla_days: int | None


class Comparison(TypedDict):
    """Two versions side by side, and what changed from ``a`` to ``b`` in words."""

    a: Side
    b: Side
    changes: list[str]


def midnight(day: dt.date) -> dt.datetime:
    """The moment ``day`` begins: when a definition adopted from it takes over."""
    return dt.datetime.combine(day, dt.time())


_COLUMNS = """
    d.version, d.title, d.status, d.rationale, d.examples, d.rule, d.sla_days,
    d.effective_from, d.created_at, d.created_by, d.adopted_at, d.adopted_by, d.retired_at,
    TRY_CAST(json_extract_string(c.after, '$.based_on') AS INTEGER) AS based_on
"""
# The version a draft was based on is part of its creation's audit row (the schema has no
# column for it); one creation row per version.
_FROM = """
    FROM critical_defs d
    LEFT JOIN (
        SELECT subject, arg_min(after, id) AS after FROM audit_log
        WHERE action = 'definition.draft' GROUP BY subject
    ) c ON c.subject = 'definition v' || d.version
"""


def rule_json(rule: rules.Rule, indent: str = "") -> str:
    """A rule as JSON for people: one condition per line, combinations indented."""
    if "field" in rule:
        return json.dumps(rule, ensure_ascii=False)
    (key, value), inner = next(iter(rule.items())), indent + "  "
    if key == "not":
        return f'{{"not": {rule_json(value, indent)}}}'
    items = ",\n".join(inner + "  " + rule_json(item, inner + "  ") for item in value)
    return f'{{\n{inner}"{key}": [\n{items}\n{inner}]\n{indent}}}'


def _enrich(row: dict[str, Any], today: dt.date) -> Definition:
    rule = json.loads(row["rule"])
    row["rule"] = rule
    row["rule_json"] = rule_json(rule)
    row["explanation"] = rules.explain(rule)
    row["in_force"] = _in_force(row, today)
    return cast(Definition, row)


def _in_force(row: dict[str, Any], day: dt.date) -> bool:
    if row["effective_from"] is None or row["effective_from"] > day:
        return False
    return row["retired_at"] is None or row["retired_at"] >= midnight(day + dt.timedelta(days=1))


def get(con: duckdb.DuckDBPyConnection, version: int) -> Definition:
    """One version, as in :func:`versions`; NotFound when there is no such version."""
    found = rows(con, f"SELECT {_COLUMNS} {_FROM} WHERE d.version = ?", [version])
    if not found:
        known = [r["version"] for r in rows(con, "SELECT version FROM critical_defs")]
        hint = (
            f" Versions: {', '.join(map(str, sorted(known)))}."
            if known
            else " None has been drafted yet."
        )
        raise NotFound(f"There is no definition version {version}.{hint}")
    return _enrich(found[0], clock.today())


def cannot_change(row: Definition) -> Conflict:
    """The error for any change to an adopted or retired version."""
    version = row["version"]
    if row["status"] == ADOPTED:
        return Conflict(
            f"Version {version} was adopted on {row['effective_from']} and cannot change; "
            "draft a new version based on it."
        )
    day = row["retired_at"].date() if row["retired_at"] else "an earlier day"
    return Conflict(
        f"Version {version} was retired on {day} and cannot change; "
        "draft a new version based on it."
    )


def versions(con: duckdb.DuckDBPyConnection) -> list[Definition]:
    """Every version, newest first (see :class:`Definition`)."""
    today = clock.today()
    return [
        _enrich(r, today) for r in rows(con, f"SELECT {_COLUMNS} {_FROM} ORDER BY d.version DESC")
    ]


def current(con: duckdb.DuckDBPyConnection, on: dt.date | None = None) -> Definition | None:
    """The definition in force on ``on`` (today, UTC, by default), or None.

    In force: adopted with ``effective_from`` on or before the day and not retired on or
    before that day (a definition retired today is no longer in force today; one replaced
    on day D has ``retired_at`` D's midnight, so D belongs to its successor); the newest
    such. Before the first adoption, and after an adopted
    definition is retired with nothing to replace it, there is none.
    """
    day = on or clock.today()
    found = rows(
        con,
        f"""
        SELECT {_COLUMNS} {_FROM}
        WHERE d.effective_from IS NOT NULL AND d.effective_from <= ?
          AND (d.retired_at IS NULL OR d.retired_at >= ?)
        ORDER BY d.effective_from DESC, d.version DESC LIMIT 1
        """,
        [day, midnight(day + dt.timedelta(days=1))],
    )
    return _enrich(found[0], clock.today()) if found else None


def compare(con: duckdb.DuckDBPyConnection, a: int, b: int) -> Comparison:
    """Two versions side by side: for each (``a``, ``b``) its version, title, status,
    explanation, rule, rule_json and sla_days; ``changes``: what changed from a to b, in
    words (:func:`ddq.rules.diff_words`; empty when the rules mean the same)."""
    old, new = get(con, a), get(con, b)
    changes = rules.diff_words(old["rule"], new["rule"])
    if old["sla_days"] != new["sla_days"]:
        changes.append(
            f"The SLA changed from {_sla_words(old['sla_days'])} to {_sla_words(new['sla_days'])}."
        )
    return {"a": _side(old), "b": _side(new), "changes": changes}


def _side(definition: Definition) -> Side:
    return {
        "version": definition["version"],
        "title": definition["title"],
        "status": definition["status"],
        "explanation": definition["explanation"],
        "rule": definition["rule"],
        "rule_json": definition["rule_json"],
        "sla_days": definition["sla_days"],
    }


def _sla_words(days: int | None) -> str:
    return "none" if days is None else f"{days} day{'s' if days != 1 else ''}"
