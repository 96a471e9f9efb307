"""A rule compiled to a DuckDB boolean expression, for set-based work over the imported bugs."""

from __future__ import annotations

from collections.abc import Mapping

from ddq.db import quote_ident
from ddq.rules.language import (
    EMPTY_OP,
    FIELDS,
    SCALAR_FIELDS,
    WHITESPACE,
    Rule,
    folded_values,
    operator_of,
)
from ddq.rules.validate import require_valid

# Built from code points so that the SQL text never holds a quoted constant.
_WS_SQL = " || ".join(f"chr({ord(c)})" for c in WHITESPACE)
# The lambda's parameter shadows any column of the same name; a name no table uses.
_LAMBDA_VAR = "ddq_item"


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
        raise ValueError(f"columns names unknown fields {unknown}; fields: {', '.join(FIELDS)}")
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
    field, op = node["field"], operator_of(node)
    col = _column_sql(field, columns, table)
    if op == EMPTY_OP:
        if field in SCALAR_FIELDS:
            blank = f"coalesce(trim({col}, {_WS_SQL}), '') = ''"
        else:
            kept = f"list_filter({col}, lambda {_LAMBDA_VAR}: trim({_LAMBDA_VAR}, {_WS_SQL}) <> '')"
            blank = f"coalesce(len({kept}), 0) = 0"
        return blank if node[op] else f"(NOT {blank})"
    values = folded_values(node[op])
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
