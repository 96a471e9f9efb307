"""A rule as a tree that a rule builder edits: groups of conditions, each a field, an operator and names."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ddq.rules.language import EMPTY_OP, Rule, field_operators, operator_of
from ddq.rules.validate import require_valid

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
    return (*field_operators(field), NOT_EMPTY)


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
    op = operator_of(node)
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
