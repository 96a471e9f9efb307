"""Weekly series for a scope (the organisation, an area, or a few teams), as charts draw them.

Everything is aggregated in DuckDB and returns only what is drawn. Counts add up across
teams; rates and durations do not, so those take the median (with the middle half of
teams as a band). A week nobody reported is a gap (None), never a zero; a week some teams
missed is marked as partial, because its total is not comparable with its neighbours.
"""

from ddq.clock import latest_complete_week
from ddq.trends.freshness import SILENT_WEEKS, freshness
from ddq.trends.headlines import QUARTER_WEEKS, Change, headlines, team_headlines
from ddq.trends.movers import MOVERS_HISTORY_WEEKS, RECENT_WEEKS, history_weeks, movers
from ddq.trends.scope import Scope, window
from ddq.trends.series import (
    aggregate,
    default_baseline,
    limits_for,
    missing_reports,
    rolling_mean,
    team_series,
)
from ddq.trends.view import (
    DEFAULT_ROLLING_WEEKS,
    DEFAULT_WINDOW_WEEKS,
    MAX_COMPARED_TEAMS,
    TrendView,
    build_trend,
    estimated_resolutions,
    events_between,
)

__all__ = [
    "DEFAULT_ROLLING_WEEKS",
    "DEFAULT_WINDOW_WEEKS",
    "MAX_COMPARED_TEAMS",
    "MOVERS_HISTORY_WEEKS",
    "QUARTER_WEEKS",
    "RECENT_WEEKS",
    "SILENT_WEEKS",
    "Change",
    "Scope",
    "TrendView",
    "aggregate",
    "build_trend",
    "default_baseline",
    "estimated_resolutions",
    "events_between",
    "freshness",
    "headlines",
    "history_weeks",
    "latest_complete_week",
    "limits_for",
    "missing_reports",
    "movers",
    "rolling_mean",
    "team_headlines",
    "team_series",
    "window",
]
