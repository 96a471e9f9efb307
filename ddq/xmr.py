"""Natural process limits (XmR charts): telling a real change from a noisy week.

For a weekly series, the centre line is the mean of a baseline period, and the limits sit
2.66 average moving ranges either side of it (Wheeler's constant: 3 sigma estimated from
the moving ranges, 3 / 1.128). A week outside the limits, or a long run of weeks on one
side of the centre line, is a signal that something changed; anything else is routine
variation, however much it wiggles.

Missing weeks are skipped, never read as zeros: moving ranges join consecutive reported
weeks.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Sequence
from dataclasses import dataclass

# 3 / d2 with d2 = 1.128 for moving ranges of two points.
NATURAL_LIMIT_FACTOR = 2.66
# A baseline needs enough points for the average moving range to mean something.
MIN_BASELINE_POINTS = 6
# Weeks in a row on one side of the centre line that count as a signal (Wheeler's run rule).
RUN_LENGTH = 8

OUTSIDE = "outside the limits"
RUN = "run on one side"


@dataclass(frozen=True)
class Limits:
    """Centre line and natural process limits computed from a baseline period."""

    centre: float
    lower: float
    upper: float
    mean_moving_range: float
    baseline_first: dt.date
    baseline_last: dt.date
    baseline_points: int


@dataclass(frozen=True)
class Signal:
    """A week whose value says the process changed."""

    week: dt.date
    value: float
    rule: str  # OUTSIDE or RUN
    above: bool  # above the centre line (or upper limit)
    better: bool  # in the metric's good direction


def limits(
    weeks: Sequence[dt.date],
    values: Sequence[float | None],
    baseline: tuple[dt.date, dt.date],
    *,
    floor: float | None = None,
    ceiling: float | None = None,
) -> Limits | None:
    """Limits from the reported values in the baseline weeks, or None with too few.

    ``floor`` and ``ceiling`` clip the limits to what the metric can take (no count below
    zero, no percentage above 100).
    """
    first, last = baseline
    points = [v for w, v in zip(weeks, values, strict=True) if first <= w <= last and v is not None]
    if len(points) < MIN_BASELINE_POINTS:
        return None
    centre = sum(points) / len(points)
    ranges = [abs(b - a) for a, b in itertools.pairwise(points)]
    mean_range = sum(ranges) / len(ranges)
    lower = centre - NATURAL_LIMIT_FACTOR * mean_range
    upper = centre + NATURAL_LIMIT_FACTOR * mean_range
    if floor is not None:
        lower = max(lower, floor)
    if ceiling is not None:
        upper = min(upper, ceiling)
    return Limits(centre, lower, upper, mean_range, first, last, len(points))


def signals(
    weeks: Sequence[dt.date],
    values: Sequence[float | None],
    found: Limits,
    *,
    lower_is_better: bool,
) -> list[Signal]:
    """Weeks outside the limits, and weeks in a run of RUN_LENGTH on one side of the centre.

    A week that is both outside the limits and in a run is reported once, as outside.
    """
    reported = [(w, v) for w, v in zip(weeks, values, strict=True) if v is not None]

    def better(above: bool) -> bool:
        return above != lower_is_better

    flagged: dict[dt.date, Signal] = {}
    for week, value in reported:
        if value > found.upper or value < found.lower:
            above = value > found.upper
            flagged[week] = Signal(week, value, OUTSIDE, above, better(above))
    run: list[tuple[dt.date, float]] = []
    side: bool | None = None

    def flag_run() -> None:
        if len(run) >= RUN_LENGTH and side is not None:
            for run_week, run_value in run:
                flagged.setdefault(run_week, Signal(run_week, run_value, RUN, side, better(side)))

    for week, value in reported:
        this_side = None if value == found.centre else value > found.centre
        if this_side is not None and this_side == side:
            run.append((week, value))
            continue
        flag_run()
        run = [(week, value)] if this_side is not None else []
        side = this_side
    flag_run()
    return sorted(flagged.values(), key=lambda s: s.week)
