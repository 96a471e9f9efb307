"""A rule evaluated in Python, one bug at a time: for previews, and as the reference the tests hold the SQL to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

from ddq.rules.language import (
    EMPTY_OP,
    SCALAR_FIELDS,
    Rule,
    folded_items,
    folded_scalar,
    folded_values,
    operator_of,
)
from ddq.rules.validate import require_valid

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
    field, op = node["field"], operator_of(node)
    if op == EMPTY_OP:
        want_empty = node[op]
        if field in SCALAR_FIELDS:
            return lambda bug: (folded_scalar(bug.get(field)) == "") == want_empty
        return lambda bug: (not folded_items(bug.get(field))) == want_empty
    wanted = frozenset(folded_values(node[op]))
    if op == "in":
        return lambda bug: folded_scalar(bug.get(field)) in wanted
    if op == "not_in":
        return lambda bug: folded_scalar(bug.get(field)) not in wanted
    if op == "has_any":
        return lambda bug: not wanted.isdisjoint(folded_items(bug.get(field)))
    if op == "has_none":
        return lambda bug: wanted.isdisjoint(folded_items(bug.get(field)))
    return lambda bug: wanted <= folded_items(bug.get(field))  # has_all
