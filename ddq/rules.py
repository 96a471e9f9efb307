"""The critical-bug rule: declarative data, validated, compiled to SQL, evaluated, explained.

Every number the community discusses depends on what counts as a critical bug, so the
definition is data that people can read, vote on and compare, never code and never SQL
text typed by a user. A rule is a JSON-compatible dict::

    {"any": [{"field": "priority", "in": ["Blocker", "Critical"]},
             {"all": [{"field": "labels", "has_any": ["security", "data-loss"]},
                      {"field": "type", "in": ["Bug"]}]}]}

- Combinators: ``{"all": [...]}``, ``{"any": [...]}`` (non-empty lists), ``{"not": rule}``.
- Scalar fields (severity, priority, type, status) take ``in`` / ``not_in``; list fields
  (labels, components) take ``has_any`` / ``has_none`` / ``has_all``; every field takes
  ``is_empty: true|false``.
- Matching ignores case and surrounding whitespace, because trackers disagree on both
  ("Critical", "critical ", "CRITICAL"). A missing value never matches ``in`` /
  ``has_any`` / ``has_all`` and always matches ``not_in`` / ``has_none``; a blank value
  counts as missing.

The same semantics exist twice on purpose: :func:`to_sql` for set-based work over the
imported bugs, :func:`matches` for previews and as the reference the tests hold the SQL to.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from ddq.db import quote_ident
from ddq.errors import DdqError, json_error_words

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
# Built from code points so that the SQL text never holds a quoted constant.
_WS_SQL = " || ".join(f"chr({ord(c)})" for c in WHITESPACE)
# The lambda's parameter shadows any column of the same name; a name no table uses.
_LAMBDA_VAR = "ddq_item"

_NOUNS: dict[str, tuple[str, str]] = {
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


# --------------------------------------------------------------------------- validation


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


def _ops_for(field: str) -> tuple[str, ...]:
    return (*SCALAR_OPS, EMPTY_OP) if field in SCALAR_FIELDS else (*LIST_OPS, EMPTY_OP)


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
        allowed = _ops_for(field) if known_field else OPERATORS
        problems.append(f"{where}: unknown operator {op!r}; operators: {_names(allowed)}")
    ops = [k for k in ops if k in OPERATORS]
    if not ops:
        if not unknown:
            allowed = _ops_for(field) if known_field else OPERATORS
            problems.append(f"{where}: the condition has no operator; add one of {_names(allowed)}")
        return
    if len(ops) > 1:
        problems.append(
            f"{where}: several operators ({_names(repr(o) for o in ops)}); use one per "
            "condition and combine conditions with all/any"
        )
    for op in ops:
        op_path = _child(path, op)
        if known_field and op not in _ops_for(field):
            if field in SCALAR_FIELDS:
                reason = f"a bug has one {field}; use {_names(_ops_for(field))}"
            else:
                reason = f"a bug has a list of {field}; use {_names(_ops_for(field))}"
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
    return rule


# ------------------------------------------------------------------------ normalisation


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


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and value != value:  # NaN, as pandas writes a gap
        return True
    return type(value).__name__ == "NAType"  # pandas.NA, without importing pandas


def _scalar(value: object) -> str:
    """A bug's scalar field, folded; missing and blank values are both ``""``."""
    return "" if _is_missing(value) else fold(str(value))


def _items(value: object) -> frozenset[str]:
    """A bug's list field as folded, non-blank names (a lone string counts as one name)."""
    if _is_missing(value):
        return frozenset()
    if isinstance(value, str):
        value = [value]
    try:
        elements = list(value)  # type: ignore[call-overload]
    except TypeError:
        elements = [value]
    folded = (fold(str(e)) for e in elements if not _is_missing(e))
    return frozenset(f for f in folded if f)


def _folded_values(values: Iterable[str]) -> list[str]:
    """Folded names without repeats, in the order written."""
    return list(dict.fromkeys(fold(v) for v in values))


# ---------------------------------------------------------------------------- evaluate

Bug: TypeAlias = Mapping[str, Any]
Matcher: TypeAlias = Callable[[Bug], bool]


def matcher(rule: Rule) -> Matcher:
    """Validate ``rule`` once and return a fast ``bug -> bool`` test.

    Meant for previews over many bugs; :func:`matches` is the one-off form. A bug is a
    mapping with the field names as keys (missing keys count as missing values); list
    fields may be any iterable of names.
    """
    return _compile_py(require_valid(rule))


def matches(rule: Rule, bug: Bug) -> bool:
    """Whether ``bug`` is critical under ``rule``: the reference semantics for :func:`to_sql`."""
    return matcher(rule)(bug)


def _compile_py(node: Rule) -> Matcher:
    if "all" in node:
        parts = [_compile_py(c) for c in node["all"]]
        return lambda bug: all(p(bug) for p in parts)
    if "any" in node:
        parts = [_compile_py(c) for c in node["any"]]
        return lambda bug: any(p(bug) for p in parts)
    if "not" in node:
        inner = _compile_py(node["not"])
        return lambda bug: not inner(bug)
    field, op = node["field"], _op(node)
    if op == EMPTY_OP:
        want_empty = node[op]
        if field in SCALAR_FIELDS:
            return lambda bug: (_scalar(bug.get(field)) == "") == want_empty
        return lambda bug: (not _items(bug.get(field))) == want_empty
    wanted = frozenset(_folded_values(node[op]))
    if op == "in":
        return lambda bug: _scalar(bug.get(field)) in wanted
    if op == "not_in":
        return lambda bug: _scalar(bug.get(field)) not in wanted
    if op == "has_any":
        return lambda bug: not wanted.isdisjoint(_items(bug.get(field)))
    if op == "has_none":
        return lambda bug: wanted.isdisjoint(_items(bug.get(field)))
    return lambda bug: wanted <= _items(bug.get(field))  # has_all


def _op(node: Mapping[str, Any]) -> str:
    return next(k for k in node if k != "field")


# --------------------------------------------------------------------------------- SQL


def _column_sql(field: str, columns: Mapping[str, str], table: str | None) -> str:
    name = columns.get(field, field)
    parts = name.split(".")
    if len(parts) == 1 and table:
        parts = [table, name]
    return ".".join(quote_ident(p) for p in parts)


def to_sql(
    rule: Rule, columns: Mapping[str, str] | None = None, *, table: str | None = None
) -> tuple[str, list[str]]:
    """Compile ``rule`` to a DuckDB boolean expression and its ``?`` parameters, in order.

    The bugs table stores scalar fields as VARCHAR columns and labels/components as
    ``VARCHAR[]``, named like the fields. ``columns`` maps a field to another column
    name; a dotted name (``"b.prio"``) is qualified, and ``table`` qualifies every column
    that is not. Names are quoted with :func:`ddq.db.quote_ident`; every value from the
    rule is a parameter, so no rule can change the shape of the query. Every condition
    yields true or false, never NULL, so ``NOT`` behaves as in :func:`matches`.
    """
    columns = dict(columns or {})
    unknown = sorted(set(columns) - set(FIELDS))
    if unknown:
        raise ValueError(f"columns names unknown fields {unknown}; fields: {_names(FIELDS)}")
    for name in columns.values():
        if not isinstance(name, str) or not all(name.split(".")):
            raise ValueError(f"column name {name!r} is not a name")
    params: list[str] = []
    sql = _sql(require_valid(rule), columns, table, params)
    return sql, params


def _sql(node: Rule, columns: Mapping[str, str], table: str | None, params: list[str]) -> str:
    for key, joiner in (("all", " AND "), ("any", " OR ")):
        if key in node:
            parts = [_sql(c, columns, table, params) for c in node[key]]
            return parts[0] if len(parts) == 1 else "(" + joiner.join(parts) + ")"
    if "not" in node:
        return f"(NOT {_sql(node['not'], columns, table, params)})"
    field, op = node["field"], _op(node)
    col = _column_sql(field, columns, table)
    if op == EMPTY_OP:
        if field in SCALAR_FIELDS:
            blank = f"coalesce(trim({col}, {_WS_SQL}), '') = ''"
        else:
            kept = f"list_filter({col}, lambda {_LAMBDA_VAR}: trim({_LAMBDA_VAR}, {_WS_SQL}) <> '')"
            blank = f"coalesce(len({kept}), 0) = 0"
        return blank if node[op] else f"(NOT {blank})"
    values = _folded_values(node[op])
    params.extend(values)
    marks = ", ".join("?" for _ in values)
    if field in SCALAR_FIELDS:
        test = f"coalesce(lower(trim({col}, {_WS_SQL})) IN ({marks}), false)"
        return test if op == "in" else f"(NOT {test})"
    folded = (
        f"list_transform(coalesce({col}, []), "
        f"lambda {_LAMBDA_VAR}: lower(trim({_LAMBDA_VAR}, {_WS_SQL})))"
    )
    function = "list_has_all" if op == "has_all" else "list_has_any"
    test = f"coalesce({function}({folded}, [{marks}]::VARCHAR[]), false)"
    return f"(NOT {test})" if op == "has_none" else test


# ----------------------------------------------------------------------------- explain


@dataclass(frozen=True)
class _Cond:
    """One condition after negations are pushed down, as explain and diff see it."""

    field: str
    op: str  # an operator, or is_present / not_has_all (negations without a JSON form)
    values: tuple[str, ...]  # as written, trimmed, without case-insensitive repeats

    def key(self) -> tuple[str, str, frozenset[str]]:
        return self.field, self.op, frozenset(fold(v) for v in self.values)


@dataclass(frozen=True)
class _Group:
    kind: str  # "all" or "any"
    children: tuple[_Cond | _Group, ...]


_NEGATED = {
    "in": "not_in",
    "not_in": "in",
    "has_any": "has_none",
    "has_none": "has_any",
    "has_all": "not_has_all",
    "not_has_all": "has_all",
    "is_empty": "is_present",
    "is_present": "is_empty",
}


def _display_values(values: Iterable[str]) -> tuple[str, ...]:
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(fold(value), value.strip(WHITESPACE))
    return tuple(seen.values())


def _normal(node: Rule, negate: bool = False) -> _Cond | _Group:
    """The rule with every ``not`` pushed onto a condition (De Morgan) and same-kind
    groups merged, so that the explanation reads as plain statements."""
    if "not" in node:
        return _normal(node["not"], not negate)
    for written in ("all", "any"):
        if written in node:
            kind = ("any" if written == "all" else "all") if negate else written
            children: list[_Cond | _Group] = []
            for item in node[written]:
                child = _normal(item, negate)
                if isinstance(child, _Group) and child.kind == kind:
                    children.extend(child.children)
                else:
                    children.append(child)
            return children[0] if len(children) == 1 else _Group(kind, tuple(children))
    field, op = node["field"], _op(node)
    if op == EMPTY_OP:
        op, values = ("is_empty" if node[op] else "is_present"), ()
    else:
        values = _display_values(node[op])
    return _Cond(field, _NEGATED[op] if negate else op, values)


_NEEDS_QUOTES = re.compile(r'[,"“”()]|(^|\s)(or|and|nor)(\s|$)', re.IGNORECASE)


def _show(value: str) -> str:
    if _NEEDS_QUOTES.search(value) or not value.isprintable():
        return json.dumps(value, ensure_ascii=False)
    return value


def _join(items: Sequence[str], word: str) -> str:
    if len(items) <= 2:
        return f" {word} ".join(items)
    return ", ".join(items[:-1]) + f" {word} " + items[-1]


def _phrase(cond: _Cond) -> str:
    """One condition in words, its subject included ("its priority is ...")."""
    one, many = _NOUNS[cond.field]
    if cond.op == "is_empty":
        return f"it has no {many if cond.field in LIST_FIELDS else one}"
    if cond.op == "is_present":
        if cond.field in LIST_FIELDS:
            return f"it has at least one {one}"
        return f"it has a {one}"
    shown = [_show(v) for v in cond.values]
    n = len(shown)
    if cond.op == "in":
        return f"its {one} is {_join(shown, 'or')}"
    if cond.op == "not_in":
        if n == 1:
            return f"its {one} is not {shown[0]}"
        if n == 2:
            return f"its {one} is neither {shown[0]} nor {shown[1]}"
        return f"its {one} is not {_join(shown, 'or')}"
    if cond.op == "has_any":
        return f"it has the {one} {_join(shown, 'or')}"
    if cond.op == "has_none":
        if n == 1:
            return f"it does not have the {one} {shown[0]}"
        return f"it has none of the {many} {', '.join(shown)}"
    if cond.op == "has_all":
        if n == 1:
            return f"it has the {one} {shown[0]}"
        if n == 2:
            return f"it has both {many} {shown[0]} and {shown[1]}"
        return f"it has all of the {many} {_join(shown, 'and')}"
    # not_has_all
    if n == 1:
        return f"it does not have the {one} {shown[0]}"
    if n == 2:
        return f"it does not have both {many} {shown[0]} and {shown[1]}"
    return f"it does not have all of the {many} {_join(shown, 'and')}"


def _parenthesised(group: _Group) -> str:
    """A group deep enough that only brackets keep its reading unambiguous."""
    word = "and" if group.kind == "all" else "or"
    parts = [_phrase(c) if isinstance(c, _Cond) else _parenthesised(c) for c in group.children]
    return "(" + _join(parts, word) + ")"


def _either(group: _Group) -> str:
    """An ``any`` inside an ``all``: "either A or B"; its ``all`` parts get brackets."""
    parts = [_phrase(c) if isinstance(c, _Cond) else _parenthesised(c) for c in group.children]
    return "either " + _join(parts, "or")


def _clause(node: _Cond | _Group) -> str:
    """A condition, or an ``all`` read as "A, B and C", conditions first so that each
    "either ... or ..." part ends where the clause (or the next ", and") does."""
    if isinstance(node, _Cond):
        return _phrase(node)
    if node.kind == "any":
        return _either(node)
    conds = [_phrase(c) for c in node.children if isinstance(c, _Cond)]
    groups = [_either(c) for c in node.children if isinstance(c, _Group)]
    text = _join(conds, "and")
    for i, group in enumerate(groups):
        if not text:
            text = group
        else:
            text += f" and {group}" if i == 0 else f", and {group}"
    return text


def _body(tree: _Cond | _Group) -> str:
    if isinstance(tree, _Group) and tree.kind == "any":
        return ", or when ".join(_clause(c) for c in tree.children)
    return _clause(tree)


def explain(rule: Rule) -> str:
    """The rule in plain English, for people who never read JSON.

    For example: "A bug is critical when its priority is Blocker or Critical, or when it
    has the label security or data-loss and its type is Bug." Negations are pushed onto
    the conditions ("its status is not Closed"), and the wording is deterministic so
    that two versions can be compared word for word.
    """
    return f"A bug is critical when {_body(_normal(require_valid(rule)))}."


# -------------------------------------------------------------------------------- diff


def _conditions(tree: _Cond | _Group) -> list[_Cond]:
    if isinstance(tree, _Cond):
        return [tree]
    return [c for child in tree.children for c in _conditions(child)]


def _shape(tree: _Cond | _Group) -> object:
    """A canonical form: order of conditions, values and case do not matter."""
    if isinstance(tree, _Cond):
        return (tree.field, tree.op, tuple(sorted(fold(v) for v in tree.values)))
    return (tree.kind, tuple(sorted((_shape(c) for c in tree.children), key=repr)))


def diff_words(old: Rule, new: Rule) -> list[str]:
    """Short sentences naming what changed from ``old`` to ``new``; empty when nothing did.

    Meant for the side-by-side comparison of two definition versions: a condition whose
    names changed is reported as one change (with the names added and dropped), others
    as added or removed; differences of case, whitespace or order are not changes.
    """
    old_tree = _normal(require_valid(old))
    new_tree = _normal(require_valid(new))
    if _shape(old_tree) == _shape(new_tree):
        return []
    old_conds, new_conds = _conditions(old_tree), _conditions(new_tree)
    gone = Counter(c.key() for c in old_conds) - Counter(c.key() for c in new_conds)
    came = Counter(c.key() for c in new_conds) - Counter(c.key() for c in old_conds)
    removed = _take(old_conds, gone)
    added = _take(new_conds, came)

    sentences: list[str] = []
    for before in list(removed):
        after = next((a for a in added if (a.field, a.op) == (before.field, before.op)), None)
        if after is None:
            continue
        removed.remove(before)
        added.remove(after)
        old_keys = {fold(v) for v in before.values}
        new_keys = {fold(v) for v in after.values}
        notes = []
        plus = [_show(v) for v in after.values if fold(v) not in old_keys]
        minus = [_show(v) for v in before.values if fold(v) not in new_keys]
        if plus:
            notes.append(f"adds {_join(plus, 'and')}")
        if minus:
            notes.append(f"drops {_join(minus, 'and')}")
        sentences.append(f"Changed “{_phrase(before)}” to “{_phrase(after)}” ({'; '.join(notes)}).")
    sentences += [f"Removed the condition “{_phrase(c)}”." for c in removed]
    sentences += [f"Added the condition “{_phrase(c)}”." for c in added]

    old_kind = old_tree.kind if isinstance(old_tree, _Group) else None
    new_kind = new_tree.kind if isinstance(new_tree, _Group) else None
    if old_kind and new_kind and old_kind != new_kind:
        if new_kind == "any":
            sentences.append("Before, a bug had to meet every condition; now any one is enough.")
        else:
            sentences.append(
                "Before, any one condition was enough; now a bug has to meet every one."
            )
    elif not sentences:
        sentences.append(
            f"The same conditions are combined differently: now critical when {_body(new_tree)}."
        )
    return sentences


def _take(conds: list[_Cond], wanted: Counter[tuple[str, str, frozenset[str]]]) -> list[_Cond]:
    """The conditions whose keys ``wanted`` counts, in rule order."""
    left = Counter(wanted)
    taken = []
    for cond in conds:
        if left[cond.key()] > 0:
            left[cond.key()] -= 1
            taken.append(cond)
    return taken


# ----------------------------------------------------------------------- as a tree to edit

# How a rule builder shows the language: a group of conditions (all of them, any of them,
# or none of them must hold) and, per condition, a field, an operator and names.
GROUP_KINDS: tuple[str, ...] = ("all", "any", "not")
GROUP_WORDS: dict[str, str] = {
    "all": "all of these are true",
    "any": "any of these is true",
    "not": "none of these is true",
}
# is_empty true and false read as two operators in a builder.
NOT_EMPTY = "is_not_empty"
OPERATOR_WORDS: dict[str, str] = {
    "in": "is one of",
    "not_in": "is none of",
    "has_any": "has any of",
    "has_none": "has none of",
    "has_all": "has all of",
    EMPTY_OP: "is empty",
    NOT_EMPTY: "is not empty",
}


def operators_for(field: str) -> tuple[str, ...]:
    """The operators a builder offers for ``field``, as :data:`OPERATOR_WORDS` names them."""
    return (*_ops_for(field), NOT_EMPTY)


def to_tree(rule: Rule) -> dict[str, Any]:
    """A valid rule as a builder edits it: groups ``{"group": "all"|"any"|"not", "items":
    [...]}`` of conditions ``{"field": ..., "op": ..., "values": [...]}``; the top is a group.

    ``{"not": {"any": [...]}}`` is a "not" group of those items, and ``{"not": X}`` one of
    X alone; :func:`from_tree` writes them back the same way.
    """
    node = _tree_node(require_valid(rule))
    return node if "group" in node else {"group": "all", "items": [node]}


def _tree_node(node: Rule) -> dict[str, Any]:
    if "not" in node:
        inner = node["not"]
        items = inner.get("any", [inner])
        return {"group": "not", "items": [_tree_node(i) for i in items]}
    for kind in ("all", "any"):
        if kind in node:
            return {"group": kind, "items": [_tree_node(i) for i in node[kind]]}
    op = _op(node)
    if op == EMPTY_OP:
        return {"field": node["field"], "op": EMPTY_OP if node[op] else NOT_EMPTY, "values": []}
    return {"field": node["field"], "op": op, "values": list(node[op])}


def from_tree(tree: Mapping[str, Any]) -> Rule:
    """The rule a builder's tree stands for (see :func:`to_tree`); not validated, since a
    tree being edited may be unfinished (a condition without names, an empty group)."""
    if "group" in tree:
        items = [from_tree(i) for i in tree["items"]]
        if tree["group"] == "not":
            return {"not": items[0] if len(items) == 1 else {"any": items}}
        return items[0] if len(items) == 1 else {tree["group"]: items}
    if tree["op"] in (EMPTY_OP, NOT_EMPTY):
        return {"field": tree["field"], EMPTY_OP: tree["op"] == EMPTY_OP}
    return {"field": tree["field"], tree["op"]: list(tree["values"])}
