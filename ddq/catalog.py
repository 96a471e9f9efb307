"""What a metric is: its key, label, unit and direction, and whether a change of it is better.

The definitions are data with no database behind them; :func:`ddq.metrics.catalog` reads the
ones a database holds (its own metrics included) into the same :class:`MetricDef`.
"""

from __future__ import annotations

from dataclasses import dataclass

LOWER_IS_BETTER = "lower_is_better"
HIGHER_IS_BETTER = "higher_is_better"

# Units whose values the importer checks; any other unit accepts any finite number.
COUNT = "count"
PERCENT = "percent"
DAYS = "days"


@dataclass(frozen=True)
class MetricDef:
    key: str
    label: str
    unit: str
    direction: str
    description: str = ""

    @property
    def lower_is_better(self) -> bool:
        return self.direction == LOWER_IS_BETTER

    def better(self, change: float | None) -> bool | None:
        """Whether a change of the metric goes its good way; None for no change or no value."""
        if change is None or change == 0 or change != change:  # NaN: no value either
            return None
        return (change < 0) == self.lower_is_better


DEFAULT_CATALOG: tuple[MetricDef, ...] = (
    MetricDef("open_bugs", "Open bugs", COUNT, LOWER_IS_BETTER,
              "Bugs open at the end of the week."),
    MetricDef("open_critical_bugs", "Open critical bugs", COUNT, LOWER_IS_BETTER,
              "Critical bugs (by the adopted definition) open at the end of the week."),
    MetricDef("new_critical_bugs", "New critical bugs", COUNT, LOWER_IS_BETTER,
              "Critical bugs created during the week."),
    MetricDef("resolved_critical_bugs", "Resolved critical bugs", COUNT, HIGHER_IS_BETTER,
              "Critical bugs resolved during the week."),
    MetricDef("critical_bugs_past_sla", "Critical bugs past SLA", COUNT, LOWER_IS_BETTER,
              "Open critical bugs older than the agreed time to resolve."),
    MetricDef("median_days_to_resolve_critical", "Median days to resolve critical", DAYS,
              LOWER_IS_BETTER, "Median age, in days, of the critical bugs resolved that week."),
    MetricDef("escaped_defects", "Escaped defects", COUNT, LOWER_IS_BETTER,
              "Defects found in production rather than before release."),
    MetricDef("test_pass_rate", "Test pass rate", PERCENT, HIGHER_IS_BETTER,
              "Share of automated test runs that passed, in percent."),
)  # fmt: skip
