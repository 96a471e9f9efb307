"""A rule in plain words, as it is read aloud in the weekly meeting, and what changed between
two rules in words: what a new version of a definition counts differently.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ddq.rules.language import EMPTY_OP, LIST_FIELDS, NOUNS, WHITESPACE, Rule, fold, operator_of
from ddq.rules.validate import require_valid


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
    field, op = node["field"], operator_of(node)
    values: tuple[str, ...] = ()
    if op == EMPTY_OP:
        op = "is_empty" if node[op] else "is_present"
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
    one, many = NOUNS[cond.field]
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
