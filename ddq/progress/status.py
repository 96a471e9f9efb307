"""The status of a team's progress toward a target: the rule, its thresholds, in words.

See :mod:`ddq.progress` for the rule as a whole; :func:`classify` decides one status from
the figures :mod:`ddq.progress.series` computes.
"""

from __future__ import annotations

import datetime as dt

from ddq import text, xmr
from ddq.metrics import MetricDef
from ddq.progress.baselines import BASELINE_WEEKS

# Statuses, in the order a meeting looks at them.
OFF_TRACK = "off track"
AT_RISK = "at risk"
NO_DATA = "no data"
ON_TRACK = "on track"
ACHIEVED = "achieved"
NO_TARGET = "no target"
STATUSES = (OFF_TRACK, AT_RISK, NO_DATA, ON_TRACK, ACHIEVED, NO_TARGET)
# Better statuses rank higher; "no data" and "no target" are neither better nor worse.
_RANK = {OFF_TRACK: 1, AT_RISK: 2, ON_TRACK: 3, ACHIEVED: 4}

# The current level: the mean of the last reported weeks (one week is too noisy).
CURRENT_WEEKS = 4
# The slope looks at this many weeks: a quarter, long enough to see a trend through noise.
SLOPE_WEEKS = 12
# Reported weeks among the last SLOPE_WEEKS needed for a status: half of them.
MIN_WEEKS = 6
# A slope in the good direction below this share of the needed pace counts as flat.
FLAT_SHARE = 0.1
# A trend is clear when, of the pairs of weeks among the last SLOPE_WEEKS whose values
# differ, at least this share go the good way (noise alone gives about half).
TREND_AGREEMENT = 2 / 3
# Weeks of values behind each row's sparkline.
HISTORY_WEEKS = 26
# The XmR chart behind "weeks since the last improvement signal": the last year, with the
# limits from the team's first 20 weeks in it, from its first reported one (as the Trends
# page's default baseline: the first half of the window, at most 20 weeks).
XMR_WEEKS = 52
XMR_BASELINE_WEEKS = 20

STATUS_RULES = f"""\
**Current level**: the mean of the last {CURRENT_WEEKS} reported weeks, up to the latest \
complete week. **Baseline**: set by hand, the mean of a chosen period, or by default the \
mean of the team's first {BASELINE_WEEKS} reported weeks. **Slope**: the median of the \
slopes between every pair of reported weeks among the last {SLOPE_WEEKS} (Theil-Sen), in \
units per week: one odd week does not swing it. **Needed pace**: (target - current level) \
/ weeks left to the due date. **Projection**: current level + slope x weeks left.

The status, checked in this order:

- **No data**: fewer than {MIN_WEEKS} of the last {SLOPE_WEEKS} weeks reported, nothing \
reported in the last {CURRENT_WEEKS} weeks, or no baseline yet.
- **Achieved**: the current level has reached the target (at or below it when lower is \
better, at or above it when higher is better).
- **Off track, missed the due date**: the due date has passed and the target is not reached.
- **On track**: the trend is clear and at least as fast as the needed pace: the \
projection reaches the target by the due date.
- **At risk**: improving, but slower than needed: a clear trend the good way, at least \
{FLAT_SHARE:.0%} of the needed pace.
- **Off track**: flat or worsening: the slope goes the wrong way, is zero, is under \
{FLAT_SHARE:.0%} of the needed pace, or the trend is not clear.

A trend is **clear** when, of the pairs of weeks among the last {SLOPE_WEEKS} whose values \
differ, at least {TREND_AGREEMENT:.0%} go the good way (noise alone gives about half).

**Weeks since the last improvement signal**: on the team's own XmR chart of the last \
{XMR_WEEKS} weeks (limits from its first {XMR_BASELINE_WEEKS} weeks in them), how long ago \
a week was a signal in the good direction (outside the limits, or in a run of \
{xmr.RUN_LENGTH} on the good side of the centre line).
"""


def _good_sign(metric: MetricDef) -> int:
    """+1 when higher is better for the metric, -1 when lower is."""
    return -1 if metric.lower_is_better else 1


def _better_or_equal(metric: MetricDef, value: float, than: float) -> bool:
    """``value`` is at least as good as ``than`` for the metric's direction."""
    tolerance = 1e-9 * max(1.0, abs(than))
    if metric.lower_is_better:
        return value <= than + tolerance
    return value >= than - tolerance


def classify(
    metric: MetricDef,
    *,
    current: float | None,
    target: float,
    due: dt.date,
    today: dt.date,
    slope: float | None,
    weeks_left: float,
    reported_weeks: int,
    weeks_since_report: int | None,
    baseline: float | None,
    agreement: float | None = 1.0,
    baseline_problem: str = "no baseline yet",
) -> tuple[str, str, float | None]:
    """The status rule (module docstring): (status, reason in words, needed pace or None)."""
    if reported_weeks < MIN_WEEKS or current is None:
        return (
            NO_DATA,
            (f"{reported_weeks} of the last {SLOPE_WEEKS} weeks reported; needs {MIN_WEEKS}"),
            None,
        )
    if weeks_since_report is None or weeks_since_report >= CURRENT_WEEKS:
        return NO_DATA, f"nothing reported in the last {CURRENT_WEEKS} weeks", None
    if baseline is None:
        return NO_DATA, baseline_problem, None
    level, goal = text.numbers([current, target], metric.unit, exact=[False, True])
    if _better_or_equal(metric, current, target):
        return ACHIEVED, f"at {level}, target {goal} reached", None
    if due < today:
        return OFF_TRACK, f"missed the due date {due}: at {level}, target {goal}", None
    needed = (target - current) / weeks_left
    sign = _good_sign(metric)
    pace, wanted = sign * (slope or 0.0), sign * needed  # wanted > 0: the target is ahead
    clear = agreement is not None and agreement >= TREND_AGREEMENT
    # Worded together: a pace just under the one needed never reads as the same number.
    need_words, slope_words = text.numbers([needed, slope], metric.unit, signed=True, change=True)
    words = f"needs {need_words} a week"
    going = f"going {slope_words}"
    if clear and pace >= wanted * (1 - 1e-9):
        return ON_TRACK, f"{words}, {going}", needed
    if clear and pace >= FLAT_SHARE * wanted:
        return AT_RISK, f"{words}, {going}", needed
    if pace < 0:
        return OFF_TRACK, f"{words}, {going}: the wrong way", needed
    if pace == 0:
        return OFF_TRACK, f"{words}, flat", needed
    if not clear:
        return OFF_TRACK, f"{words}, {going}: no clear trend, as good as flat", needed
    return OFF_TRACK, f"{words}, {going}: under {FLAT_SHARE:.0%} of that, as good as flat", needed
