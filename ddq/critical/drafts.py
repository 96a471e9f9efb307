"""Writing a definition: a new draft (perhaps based on another version), and editing it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, cast

from ddq import audit, clock, rules
from ddq.access import EDITOR, Actor, requires
from ddq.critical.definitions import (
    ADOPTED,
    DRAFT,
    EDITABLE_FIELDS,
    MAX_SLA_DAYS,
    MAX_TEXT,
    MAX_TITLE,
    PROPOSED,
    RETIRED,
    SUBJECT,
    InvalidDefinition,
    cannot_change,
    get,
    rule_json,
)
from ddq.db import claim, quote_ident, retry_on_conflict, scalar, transaction
from ddq.errors import Conflict, changed_since, stale

if TYPE_CHECKING:
    import duckdb

# Fields whose change alters what the champions took a stance on (what counts, and how
# long it may stay open); the others are wording.
_SUBSTANCE = ("rule", "sla_days")


def _rule_of(rule: object) -> rules.Rule:
    """A rule given as a dict or as JSON text, validated (InvalidRule lists every problem)."""
    if isinstance(rule, str):
        return rules.parse(rule)
    if rule is None:
        raise InvalidDefinition('The rule is missing; write one such as {"any": [...]}.')
    return rules.require_valid(rule)


def _rule_json(rule: rules.Rule) -> str:
    return json.dumps(rule, ensure_ascii=False)


def _clean_title(title: object) -> str:
    if not isinstance(title, str) or not title.strip():
        raise InvalidDefinition("The title is empty; give the definition a short name.")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE:
        raise InvalidDefinition(f"The title is longer than {MAX_TITLE} characters.")
    return title


def _clean_text(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidDefinition(f"The {what} must be text.")
    value = value.strip()
    if len(value) > MAX_TEXT:
        raise InvalidDefinition(f"The {what} is longer than {MAX_TEXT} characters.")
    return value


def _clean_sla(value: object) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidDefinition(f"The SLA is a whole number of days, not {value!r}.")
    if not 1 <= value <= MAX_SLA_DAYS:
        raise InvalidDefinition(f"The SLA must be 1 to {MAX_SLA_DAYS} days, not {value}.")
    return value


def _stance_count(con: duckdb.DuckDBPyConnection, version: int) -> int:
    return cast(int, scalar(con, "SELECT count(*) FROM endorsements WHERE version = ?", [version]))


@requires(EDITOR, "draft a critical-bug definition")
@retry_on_conflict  # two drafts at once took the same number: the second takes the next
def create_draft(
    con: duckdb.DuckDBPyConnection,
    *,
    title: str,
    rule: rules.Rule | str | None,
    rationale: str | None = None,
    examples: str | None = None,
    sla_days: int | None = None,
    who: Actor,
    based_on: int | None = None,
) -> int:
    """Write a new draft and return its version number (the highest so far plus one).

    ``rule`` is a dict or JSON text, validated by :mod:`ddq.rules` (every problem is
    reported at once). With ``based_on``, whatever is not given (``rule``, ``rationale``,
    ``examples``, ``sla_days`` left as None) is copied from that version, and the lineage
    is kept in the audit row and shown as ``based_on``; any version may be a base,
    adopted and retired ones included.
    """
    title = _clean_title(title)
    with transaction(con):
        base = get(con, based_on) if based_on is not None else None
        if base is not None:
            rule = base["rule"] if rule is None else rule
            rationale = base["rationale"] if rationale is None else rationale
            examples = base["examples"] if examples is None else examples
            sla_days = base["sla_days"] if sla_days is None else sla_days
        clean_rule = _rule_of(rule)
        values = {
            "title": title,
            "rule": clean_rule,
            "rationale": _clean_text(rationale, "rationale"),
            "examples": _clean_text(examples, "examples"),
            "sla_days": _clean_sla(sla_days),
        }
        version: int = scalar(con, "SELECT coalesce(max(version), 0) + 1 FROM critical_defs")
        con.execute(
            "INSERT INTO critical_defs (version, title, rationale, examples, rule, sla_days, "
            "status, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [version, values["title"], values["rationale"], values["examples"],
             _rule_json(clean_rule), values["sla_days"], DRAFT, clock.now(), who],
        )  # fmt: skip
        audit.record(con, who, "definition.draft", SUBJECT.format(version),
                     after={**values, "based_on": based_on})  # fmt: skip
    return version


def _clean_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Editable fields as stored (validated); InvalidDefinition for an unknown one."""
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise InvalidDefinition(
            f"Unknown field(s) {', '.join(unknown)}; a definition has {', '.join(EDITABLE_FIELDS)}."
        )
    clean: dict[str, Any] = {}
    for key, value in fields.items():
        if key == "title":
            clean[key] = _clean_title(value)
        elif key == "rule":
            clean[key] = _rule_of(value)
        elif key == "sla_days":
            clean[key] = _clean_sla(value)
        else:
            clean[key] = _clean_text(value, key)
    return clean


def _field_words(fields: dict[str, Any]) -> dict[str, str]:
    """Fields as a stale-edit message quotes them."""
    return {k: rule_json(v) if k == "rule" else str(v) if v is not None else ""
            for k, v in fields.items()}  # fmt: skip


@requires(EDITOR, "edit a draft critical-bug definition")
@retry_on_conflict
def update_draft(
    con: duckdb.DuckDBPyConnection,
    version: int,
    *,
    who: Actor,
    expected: dict[str, Any] | None = None,
    **fields: Any,
) -> list[str]:
    """Change a draft's or a proposal's fields; return the names of those that changed.

    ``fields`` are any of title, rule (dict or JSON text), rationale, examples and
    sla_days (None removes the SLA). A draft can change freely. A proposal stays
    proposed and keeps its stances when only its wording changes (title, rationale,
    examples); its rule and SLA can change only while no team has taken a stance, because
    a stance is on what counts as critical: once one exists the change is refused
    (Conflict) and the way forward is a new draft based on it. Adopted and retired
    versions never change (Conflict, nothing written). Setting a field to the value it
    has is not a change and writes nothing.

    ``expected`` holds the fields as the person saw them when they began editing: a
    field they left as it was is not theirs to save, and one they changed that someone
    else has changed since is refused with StaleEdit (nothing is saved). Without it (the
    command line names only the fields to set) the fields given replace what is stored.
    """
    clean = _clean_fields(fields)
    seen = None if expected is None else _clean_fields(
        {k: v for k, v in expected.items() if k in EDITABLE_FIELDS})  # fmt: skip
    if seen is not None:
        clean = {k: v for k, v in clean.items() if k not in seen or v != seen[k]}
    with transaction(con):
        claim(con, "definition", version)
        row = get(con, version)
        if row["status"] in (ADOPTED, RETIRED):
            raise cannot_change(row)
        stored = cast(dict[str, Any], row)  # the editable fields, looked up by name
        changed = {k: v for k, v in clean.items() if stored[k] != v}
        saw = seen or {}
        stale_keys = [k for k in changed if k in saw and stored[k] != saw[k]]
        if stale_keys:
            raise stale(f"version {version}",
                        changed_since(_field_words(saw), _field_words(stored), stale_keys))  # fmt: skip
        if not changed:
            return []
        substance = [k for k in _SUBSTANCE if k in changed]
        if row["status"] == PROPOSED and substance:
            taken = _stance_count(con, version)
            if taken:
                what = "rule" if substance == ["rule"] else " and ".join(substance)
                raise Conflict(
                    f"Version {version} is proposed and {taken} team(s) have taken a stance "
                    f"on it, so its {what.replace('sla_days', 'SLA')} cannot change: they "
                    "would have agreed to something else. Draft a new version based on it "
                    "instead; its title, rationale and examples can still be edited."
                )
        assignments = ", ".join(f"{quote_ident(k)} = ?" for k in changed)
        values = [_rule_json(v) if k == "rule" else v for k, v in changed.items()]
        con.execute(f"UPDATE critical_defs SET {assignments} WHERE version = ?", [*values, version])
        audit.record(con, who, "definition.update", SUBJECT.format(version),
                     before={k: stored[k] for k in changed}, after=changed)  # fmt: skip
    return list(changed)
