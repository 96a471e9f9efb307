"""The downloadable CSV templates for metrics uploads (also kept in data/templates/)."""

from __future__ import annotations

import datetime as dt

from ddq.metrics import DEFAULT_CATALOG, MetricDef

EXAMPLE_TEAM = "Example team"
EXAMPLE_WEEKS = (dt.date(2026, 3, 2), dt.date(2026, 3, 9))
_EXAMPLE_VALUES = {"count": 3, "percent": 97.5, "days": 4.5}


def _example(metric: MetricDef, week_index: int) -> str:
    value = _EXAMPLE_VALUES.get(metric.unit, 1) + week_index
    return f"{value:g}"


def metrics_long_template(
    catalog: tuple[MetricDef, ...] | list[MetricDef] = DEFAULT_CATALOG,
) -> str:
    """``team,week,metric,value``: one row per value; example rows to overwrite."""
    lines = ["team,week,metric,value"]
    for i, week in enumerate(EXAMPLE_WEEKS):
        lines += [f"{EXAMPLE_TEAM},{week.isoformat()},{m.key},{_example(m, i)}" for m in catalog]
    return "\n".join(lines) + "\n"


def metrics_wide_template(
    catalog: tuple[MetricDef, ...] | list[MetricDef] = DEFAULT_CATALOG,
) -> str:
    """``team,week,<metric>,...``: one row per team and week; empty cells are not reported."""
    lines = ["team,week," + ",".join(m.key for m in catalog)]
    for i, week in enumerate(EXAMPLE_WEEKS):
        lines.append(
            f"{EXAMPLE_TEAM},{week.isoformat()}," + ",".join(_example(m, i) for m in catalog)
        )
    return "\n".join(lines) + "\n"
