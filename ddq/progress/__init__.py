"""Targets per team and metric, and each team's progress toward them.

A target says where a team's metric started (the *baseline*), where it should be (the
*target*) and by when (the *due* date). The baseline is a value set by hand, the mean of a
chosen period, or by default the mean of the team's first 4 reported weeks of the metric;
the last two are computed when read, so a later import of older weeks moves them. Every
change to a target is in the audit log.

Progress, per team and metric, as of the latest complete week:

- *current level*: the mean of the last 4 reported weeks (a single week is too noisy);
- *share*: how much of the way from baseline to target the current level has come (0 at
  the baseline, 1 at the target; negative when it is worse than the baseline);
- *slope*: the Theil-Sen estimate over the last 12 weeks, in units per week: the median of
  the slopes between every pair of reported weeks, so one odd week does not swing it;
- *weeks left*: from the middle of the 4 weeks behind the current level to the due date (at
  least 1), so that a steady line that meets the target on the due date projects onto it;
- *needed pace*: (target - current level) / weeks left, in units per week;
- *projection*: current level + slope x weeks left.

The status, decided in this order (the constants are in :mod:`ddq.progress.status`):

1. ``no data``: fewer than MIN_WEEKS of the last SLOPE_WEEKS weeks reported, nothing
   reported in the last CURRENT_WEEKS weeks, or no baseline yet (the default one needs
   BASELINE_WEEKS reported weeks; a chosen period needs a reported week in it).
2. ``achieved``: the current level has reached the target (at or below it when lower is
   better, at or above it when higher is better).
3. ``off track`` (missed the due date): the due date has passed and the target is not reached.
4. ``on track``: the trend is clear and goes the good way at least as fast as the needed
   pace, that is, the projection reaches the target by the due date.
5. ``at risk``: improving, but slower than needed: the trend is clear and the slope goes
   the good way at FLAT_SHARE of the needed pace or more.
6. ``off track``: flat or worsening: the slope goes the wrong way, is zero, is less than
   FLAT_SHARE of the needed pace (at that pace the team would close less than a tenth of
   the remaining gap by the due date), or the trend is not clear.

A trend is *clear* when, of the pairs of weeks (among the last SLOPE_WEEKS) whose values
differ, at least TREND_AGREEMENT go the good way; noise alone gives about half. Without it
a flat, noisy team would swing between "at risk" and "off track" from week to week.
Both thresholds are scale-free: the first compares a team with its own goal, the second
with its own noise, whatever the metric's unit.

A team's metrics without a target show as ``no target``, so a page can call them out.
Besides the status: weeks since the last improvement signal on the team's own XmR chart of
the last XMR_WEEKS weeks (its baseline: the team's first XMR_BASELINE_WEEKS weeks in them).

Everything is read in a few set-based queries (targets with their baselines, the weekly
values of the last XMR_WEEKS weeks of every targeted series, the metrics reported without a
target) and computed with numpy over all series at once. At 500 teams x 260 weeks with 3
targets each, an area (about 23 teams) takes about 25 ms warm, the organisation about 110 ms.
"""

from ddq.progress.baselines import BASELINE_WEEKS
from ddq.progress.report import StatusChange, TeamMetricProgress, progress_for, status_changes
from ddq.progress.scale import make_scale_targets
from ddq.progress.series import theil_sen
from ddq.progress.status import (
    ACHIEVED,
    AT_RISK,
    CURRENT_WEEKS,
    FLAT_SHARE,
    HISTORY_WEEKS,
    MIN_WEEKS,
    NO_DATA,
    NO_TARGET,
    OFF_TRACK,
    ON_TRACK,
    SLOPE_WEEKS,
    STATUS_RULES,
    STATUSES,
    TREND_AGREEMENT,
    XMR_BASELINE_WEEKS,
    XMR_WEEKS,
    classify,
)
from ddq.progress.targets import (
    MAX_DUE_YEARS,
    AreaTargetResult,
    InvalidTarget,
    TargetDraft,
    TargetRow,
    adopt_area_target,
    quarter_after,
    remove_target,
    set_target,
    target_draft,
    targets,
    unit_problem,
)

__all__ = [
    "ACHIEVED",
    "AT_RISK",
    "BASELINE_WEEKS",
    "CURRENT_WEEKS",
    "FLAT_SHARE",
    "HISTORY_WEEKS",
    "MAX_DUE_YEARS",
    "MIN_WEEKS",
    "NO_DATA",
    "NO_TARGET",
    "OFF_TRACK",
    "ON_TRACK",
    "SLOPE_WEEKS",
    "STATUSES",
    "STATUS_RULES",
    "TREND_AGREEMENT",
    "XMR_BASELINE_WEEKS",
    "XMR_WEEKS",
    "AreaTargetResult",
    "InvalidTarget",
    "StatusChange",
    "TargetDraft",
    "TargetRow",
    "TeamMetricProgress",
    "adopt_area_target",
    "classify",
    "make_scale_targets",
    "progress_for",
    "quarter_after",
    "remove_target",
    "set_target",
    "status_changes",
    "target_draft",
    "targets",
    "theil_sen",
    "unit_problem",
]
