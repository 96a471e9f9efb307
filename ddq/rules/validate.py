"""Reading a rule typed or uploaded by a person: every problem found at once, each named by where it is."""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable
from typing import Any, cast

from ddq.errors import json_error_words
from ddq.rules.language import (
    COMBINATORS,
    EMPTY_OP,
    FIELDS,
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_TEXT_LENGTH,
    MAX_VALUE_LENGTH,
    MAX_VALUES,
    OPERATORS,
    SCALAR_FIELDS,
    WHITESPACE,
    InvalidRule,
    Rule,
    field_operators,
)


def validate(rule: object) -> list[str]:
    """Every problem with ``rule``, each prefixed by its path (``any[1].all[0]: ...``).

    An empty list means the rule is valid. Collecting all problems at once (rather than
    stopping at the first) lets someone fix a pasted definition in one go.
    """
    problems: list[str] = []
    conditions = _check(rule, "", 1, problems)
    if conditions > MAX_CONDITIONS:
        problems.append(
            f"rule: {conditions} conditions; at most {MAX_CONDITIONS} are allowed, "
            "so that people can still review the definition"
        )
    return problems


def _where(path: str) -> str:
    return path or "rule"


def _child(path: str, step: str) -> str:
    return f"{path}.{step}" if path else step


def _describe(value: object) -> str:
    """A JSON-flavoured description of a wrong value, short enough for a message."""
    if value is None:
        kind = "null"
    elif isinstance(value, bool):
        return "true" if value else "false"
    elif isinstance(value, int | float):
        kind = "a number"
    elif isinstance(value, str):
        kind = "text"
    elif isinstance(value, list | tuple):
        kind = "a list"
    elif isinstance(value, dict):
        kind = "an object"
    else:
        return f"a {type(value).__name__}"
    try:
        shown = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        shown = repr(value)
    if len(shown) > 40:
        shown = shown[:37] + "..."
    return kind if value is None else f"{kind} {shown}"


def _names(items: Iterable[str]) -> str:
    return ", ".join(items)


def _check(node: object, path: str, depth: int, problems: list[str]) -> int:
    """Check one node and what is under it; returns the number of conditions seen."""
    where = _where(path)
    if depth > MAX_DEPTH:
        problems.append(
            f"{where}: nested more than {MAX_DEPTH} levels deep; combine conditions in fewer levels"
        )
        return 0
    if not isinstance(node, dict):
        problems.append(
            f"{where}: expected a condition such as "
            '{"field": "priority", "in": ["Critical"]} or a combination such as '
            f'{{"any": [...]}}, got {_describe(node)}'
        )
        return 0
    if not node:
        problems.append(f"{where}: empty object; expected a condition or all/any/not")
        return 0
    for key in node:
        if not isinstance(key, str):
            problems.append(f"{where}: keys must be text, got {_describe(key)}")
            return 0
    combinators = [k for k in node if k in COMBINATORS]
    if "field" in node and combinators:
        problems.append(
            f"{where}: mixes 'field' with '{combinators[0]}'; put the condition inside "
            f"the '{combinators[0]}' list instead"
        )
        return 0
    if combinators:
        return _check_combination(node, path, depth, combinators, problems)
    if "field" in node:
        _check_condition(node, path, problems)
        return 1
    problems.append(
        f"{where}: unknown key {_names(repr(k) for k in node)}; expected 'field' with an "
        f"operator, or one of {_names(COMBINATORS)}"
    )
    return 0


def _check_combination(
    node: dict[str, Any], path: str, depth: int, combinators: list[str], problems: list[str]
) -> int:
    where = _where(path)
    if len(combinators) > 1:
        problems.append(
            f"{where}: has both {' and '.join(repr(c) for c in combinators)}; use one per "
            "object and nest the other inside it"
        )
        return 0
    key = combinators[0]
    extra = [k for k in node if k != key]
    if extra:
        problems.append(f"{where}: unexpected key {_names(repr(k) for k in extra)} next to '{key}'")
    value = node[key]
    if key == "not":
        return _check(value, _child(path, "not"), depth + 1, problems)
    if not isinstance(value, list):
        problems.append(
            f"{_child(path, key)}: expected a list of conditions, got {_describe(value)}"
        )
        return 0
    if not value:
        problems.append(f"{_child(path, key)}: empty list; give at least one condition")
        return 0
    return sum(
        _check(item, _child(path, f"{key}[{i}]"), depth + 1, problems)
        for i, item in enumerate(value)
    )


def _check_condition(node: dict[str, Any], path: str, problems: list[str]) -> None:
    where = _where(path)
    field = node["field"]
    known_field = isinstance(field, str) and field in FIELDS
    if not isinstance(field, str):
        problems.append(f"{where}: 'field' must be text, got {_describe(field)}")
    elif not known_field:
        message = f"{where}: unknown field {field!r}; fields: {_names(FIELDS)}"
        close = difflib.get_close_matches(field.strip().lower(), FIELDS, n=1)
        if close:
            message += f" (did you mean {close[0]!r}?)"
        problems.append(message)
    ops = [k for k in node if k != "field"]
    unknown = [k for k in ops if k not in OPERATORS]
    for op in unknown:
        allowed = field_operators(field) if known_field else OPERATORS
        problems.append(f"{where}: unknown operator {op!r}; operators: {_names(allowed)}")
    ops = [k for k in ops if k in OPERATORS]
    if not ops:
        if not unknown:
            allowed = field_operators(field) if known_field else OPERATORS
            problems.append(f"{where}: the condition has no operator; add one of {_names(allowed)}")
        return
    if len(ops) > 1:
        problems.append(
            f"{where}: several operators ({_names(repr(o) for o in ops)}); use one per "
            "condition and combine conditions with all/any"
        )
    for op in ops:
        op_path = _child(path, op)
        if known_field and op not in field_operators(field):
            if field in SCALAR_FIELDS:
                reason = f"a bug has one {field}; use {_names(field_operators(field))}"
            else:
                reason = f"a bug has a list of {field}; use {_names(field_operators(field))}"
            problems.append(f"{where}: {op!r} does not apply to {field} ({reason})")
            continue
        if op == EMPTY_OP:
            if not isinstance(node[op], bool):
                problems.append(f"{op_path}: expected true or false, got {_describe(node[op])}")
            continue
        _check_values(node[op], op_path, problems)


def _check_values(values: object, path: str, problems: list[str]) -> None:
    if not isinstance(values, list):
        problems.append(
            f'{path}: expected a list of names such as ["Critical"], got {_describe(values)}'
        )
        return
    if not values:
        problems.append(f"{path}: empty list; give at least one name")
        return
    if len(values) > MAX_VALUES:
        problems.append(f"{path}: {len(values)} names; at most {MAX_VALUES} are allowed")
        return
    for i, value in enumerate(values):
        item = f"{path}[{i}]"
        if not isinstance(value, str):
            problems.append(f"{item}: expected text, got {_describe(value)}")
        elif not value.strip(WHITESPACE):
            problems.append(f"{item}: blank name; use is_empty to match missing values")
        elif len(value) > MAX_VALUE_LENGTH:
            problems.append(
                f"{item}: {len(value)} characters; a name has at most {MAX_VALUE_LENGTH}"
            )


def require_valid(rule: object) -> Rule:
    """Return ``rule`` if it is valid, else raise :class:`InvalidRule` with every problem."""
    problems = validate(rule)
    if problems:
        raise InvalidRule(problems)
    return rule  # type: ignore[return-value]


def parse(text: str) -> Rule:
    """Read a rule from JSON text (as typed or uploaded) and validate it.

    Raises :class:`InvalidRule` naming the line and column when the text is not JSON,
    every repeated key (JSON silently keeps the last one, which would hide a mistake),
    and every problem :func:`validate` finds.
    """
    if len(text) > MAX_TEXT_LENGTH:
        raise InvalidRule(
            [f"rule: the text is {len(text)} characters; at most {MAX_TEXT_LENGTH} are read"]
        )
    if not text.strip():
        raise InvalidRule(['rule: the text is empty; write a rule such as {"any": [...]}'])
    duplicates: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen:
                duplicates.append(key)
            seen[key] = value
        return seen

    try:
        rule = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as exc:
        raise InvalidRule([json_error_words(exc, text)]) from None
    except RecursionError:
        raise InvalidRule(
            [f"rule: nested far too deeply (at most {MAX_DEPTH} levels are allowed)"]
        ) from None
    problems = [
        f"rule: the key {key!r} appears twice in one object; keep one" for key in duplicates
    ]
    problems += validate(rule)
    if problems:
        raise InvalidRule(problems)
    return cast(Rule, rule)
