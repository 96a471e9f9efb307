"""Finding the team, area or metric a person named, with a suggestion when none matches."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ddq.db import rows
from ddq.errors import NotFound
from ddq.metrics import MetricDef, catalog, fold_name
from ddq.org import closest_name, find_own_team, name_key

if TYPE_CHECKING:
    import duckdb

_team = find_own_team  # one lookup for every module: see ddq.org.find_own_team


def _area(con: duckdb.DuckDBPyConnection, area: str) -> dict[str, Any]:
    found = rows(con, "SELECT id, name FROM areas WHERE name_key = ?", [name_key(area)])
    if not found:
        guess = closest_name(area, [r["name"] for r in rows(con, "SELECT name FROM areas")])
        hint = f" Did you mean {guess!r}?" if guess else ""
        raise NotFound(f"There is no area {area!r}.{hint}")
    return found[0]


def _metric(con: duckdb.DuckDBPyConnection, metric: str) -> MetricDef:
    """The metric named by its key or its label (case, spaces, ``_`` and ``-`` folded)."""
    known = catalog(con)
    wanted = fold_name(metric)
    for m in known:
        if wanted in (fold_name(m.key), fold_name(m.label)):
            return m
    guess = closest_name(metric.replace("_", " "), [m.key.replace("_", " ") for m in known])
    hint = f" Did you mean {guess.replace(' ', '_')!r}?" if guess else ""
    raise NotFound(
        f"There is no metric {metric!r}.{hint} Known metrics: {', '.join(m.key for m in known)}."
    )
