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

The parts: :mod:`~ddq.rules.language` (fields, operators, limits, how names compare),
:mod:`~ddq.rules.validate` (reading a rule), :mod:`~ddq.rules.sql` (compiling it),
:mod:`~ddq.rules.evaluate` (matching one bug), :mod:`~ddq.rules.explain` (words and
differences) and :mod:`~ddq.rules.tree` (the form a rule builder edits).
"""

from __future__ import annotations

from ddq.rules.evaluate import Bug, Matcher, matcher, matches
from ddq.rules.explain import diff_words, explain
from ddq.rules.language import (
    COMBINATORS,
    EMPTY_OP,
    FIELDS,
    LIST_FIELDS,
    LIST_OPS,
    MAX_CONDITIONS,
    MAX_DEPTH,
    MAX_TEXT_LENGTH,
    MAX_VALUE_LENGTH,
    MAX_VALUES,
    OPERATORS,
    SCALAR_FIELDS,
    SCALAR_OPS,
    WHITESPACE,
    InvalidRule,
    Rule,
    fold,
)
from ddq.rules.sql import to_sql
from ddq.rules.tree import (
    GROUP_KINDS,
    GROUP_WORDS,
    NOT_EMPTY,
    OPERATOR_WORDS,
    from_tree,
    operators_for,
    to_tree,
)
from ddq.rules.validate import parse, require_valid, validate

__all__ = [
    "COMBINATORS",
    "EMPTY_OP",
    "FIELDS",
    "GROUP_KINDS",
    "GROUP_WORDS",
    "LIST_FIELDS",
    "LIST_OPS",
    "MAX_CONDITIONS",
    "MAX_DEPTH",
    "MAX_TEXT_LENGTH",
    "MAX_VALUES",
    "MAX_VALUE_LENGTH",
    "NOT_EMPTY",
    "OPERATORS",
    "OPERATOR_WORDS",
    "SCALAR_FIELDS",
    "SCALAR_OPS",
    "WHITESPACE",
    "Bug",
    "InvalidRule",
    "Matcher",
    "Rule",
    "diff_words",
    "explain",
    "fold",
    "from_tree",
    "matcher",
    "matches",
    "operators_for",
    "parse",
    "require_valid",
    "to_sql",
    "to_tree",
    "validate",
]
