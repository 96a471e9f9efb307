"""The sample's weekly metrics: the stories they tell (teams improving at different paces, one
regressing, one joining late, one missing a week), simulated with numpy a whole week of all
teams at a time, and loaded with one set-based INSERT.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from ddq.metrics import DEFAULT_CATALOG

if TYPE_CHECKING:
    import duckdb


# "Over the last ~6 months": long enough for the trend to be a signal, not a bad week.
REGRESSION_WEEKS = 26
# Recent enough to be on the meeting's screen, old enough to sit between reported weeks.
GAP_WEEKS_AGO = 3

FAST, SLOW, FLAT = "fast", "slow", "flat"
# Per pace: how far the inflow of critical bugs falls at most (share), and in how many weeks
# a team gets about two thirds of the way there. Change is slow: a year, not a sprint.
_PACES: dict[str, tuple[float, float]] = {
    FAST: (0.65, 40.0),
    SLOW: (0.45, 70.0),
    FLAT: (0.04, 60.0),
}
# How the teams that carry no special story are spread over the paces.
_PACE_PATTERN = (FAST, SLOW, FLAT, SLOW)


METRIC_KEYS: tuple[str, ...] = tuple(m.key for m in DEFAULT_CATALOG)


@dataclass(frozen=True)
class Stories:
    """Which team (by index) carries which story; None when the sample is too small for it."""

    paces: list[str]
    regressing: int | None
    late_joiner: int | None
    join_week: int | None  # index of the late joiner's first week
    gap_team: int | None
    gap_week: int | None  # index of the week with no rows for the gap team


def choose_stories(rng: np.random.Generator, teams: int, weeks: int) -> Stories:
    """Which teams carry which story, drawn from ``rng``; a small sample leaves some out."""
    order = [int(i) for i in rng.permutation(teams)]
    regressing = order[0] if weeks >= 4 else None
    late_joiner = order[1 % teams] if weeks >= 4 else None
    join_week = None
    if late_joiner is not None:
        spread = weeks // 10
        offset = int(rng.integers(-spread, spread + 1))
        join_week = min(max(weeks // 2 + offset, 1), weeks - 2)
    gap_team: int | None = order[2 % teams]
    gap_at = weeks - 1 - GAP_WEEKS_AGO
    gap_week: int | None = gap_at
    first_reported = join_week if gap_team == late_joiner and join_week is not None else 0
    if gap_at <= first_reported:
        gap_team = gap_week = None  # too few weeks for a gap between reported weeks

    others = [i for i in order if i not in (regressing, late_joiner)]
    paces = [SLOW] * teams
    for position, team in enumerate(others):
        paces[team] = _PACE_PATTERN[position % len(_PACE_PATTERN)]
    if regressing is not None:
        paces[regressing] = SLOW  # it was improving before it slipped
    if late_joiner is not None:
        paces[late_joiner] = FAST  # new teams find the quick wins first
    return Stories(paces, regressing, late_joiner, join_week, gap_team, gap_week)


def simulate(
    rng: np.random.Generator, stories: Stories, week_dates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every metric for every team and week: values (T, W, M) and which cells to write."""
    teams, weeks = len(stories.paces), len(week_dates)
    week_index = np.arange(weeks)

    # What each team is like: how big, how buggy, how fast it resolves.
    size = np.clip(rng.lognormal(0.0, 0.45, teams), 0.4, 3.0)
    new_base = size * rng.uniform(3.0, 7.0, teams)
    resolve_base = rng.uniform(0.22, 0.36, teams)
    sla_base = rng.uniform(0.2, 0.45, teams)
    days_base = rng.uniform(4.0, 12.0, teams)
    backlog_base = size * rng.uniform(20.0, 60.0, teams)
    escaped_base = size * rng.uniform(0.6, 2.0, teams)
    pass_base = rng.uniform(86.0, 96.0, teams)

    start = np.zeros(teams)
    if stories.late_joiner is not None:
        start[stories.late_joiner] = stories.join_week
    weeks_in = np.clip(week_index[None, :] - start[:, None], 0, None)
    pace_max = np.array([_PACES[p][0] for p in stories.paces])
    pace_weeks = np.array([_PACES[p][1] for p in stories.paces])
    improved = pace_max[:, None] * (1.0 - np.exp(-weeks_in / pace_weeks[:, None]))
    quality = 1.0 - improved  # 1 at the start, lower is better

    # The regression: within ~10 weeks the inflow grows 2.5-fold and stays there.
    worse = np.ones((teams, weeks))
    if stories.regressing is not None:
        span = min(REGRESSION_WEEKS, weeks // 2)
        ramp = max(1, round(span * 0.4))
        since = week_index - (weeks - span) + 1
        worse[stories.regressing] = 1.0 + 1.5 * np.clip(since / ramp, 0.0, 1.0)
    if stories.late_joiner is not None:
        # Before it joined, nobody worked on its quality: more bugs came in.
        worse[stories.late_joiner, : stories.join_week] = 1.5

    # A mild yearly rhythm (±8%): most new bugs in mid-January, after the holiday releases.
    day_of_year = (week_dates - week_dates.astype("datetime64[Y]")).astype(int)
    season = 1.0 + 0.08 * np.cos(2 * np.pi * (day_of_year - 15) / 365.25)

    new_rate = new_base[:, None] * quality * worse * season[None, :]
    new_critical = rng.poisson(new_rate * rng.gamma(8.0, 1 / 8, (teams, weeks)))
    resolve_share = np.clip(resolve_base[:, None] * (1 + 0.9 * improved) / worse**0.6, 0.05, 0.92)

    # Open critical bugs carry over: open = last week's open + new - resolved.
    steady = new_base * (1 - resolve_base) / resolve_base
    open_now = np.rint(steady * rng.uniform(0.8, 1.3, teams)).astype(np.int64)
    backlog_noise = rng.normal(0.0, 0.07, (teams, weeks))
    open_critical = np.empty((teams, weeks), dtype=np.int64)
    resolved = np.empty((teams, weeks), dtype=np.int64)
    wobble = np.empty((teams, weeks))
    drift = np.zeros(teams)
    for week in range(weeks):
        at_risk = open_now + new_critical[:, week]
        resolved[:, week] = rng.binomial(at_risk, resolve_share[:, week])
        open_now = at_risk - resolved[:, week]
        open_critical[:, week] = open_now
        drift = 0.85 * drift + backlog_noise[:, week]
        wobble[:, week] = drift

    past_sla = rng.binomial(
        open_critical, np.clip(sla_base[:, None] * quality**0.8 * worse**0.5, 0.0, 0.95)
    )
    days = days_base[:, None] * (0.45 + 0.55 * quality) * worse**0.7
    days = np.maximum(np.round(days * rng.lognormal(0.0, 0.25, (teams, weeks)), 1), 0.1)
    other_open = np.rint(
        backlog_base[:, None] * quality**0.6 * (0.7 + 0.3 * worse) * np.exp(wobble)
    )
    escaped = rng.poisson(
        escaped_base[:, None] * quality * worse * rng.gamma(6.0, 1 / 6, (teams, weeks))
    )
    failing = (100.0 - pass_base[:, None]) * quality**1.2 * worse
    failing = failing * np.exp(rng.normal(0.0, 0.12, (teams, weeks)))
    pass_rate = np.round(np.clip(100.0 - failing, 0.0, 100.0), 1)

    by_key = {
        "open_bugs": open_critical + other_open,
        "open_critical_bugs": open_critical,
        "new_critical_bugs": new_critical,
        "resolved_critical_bugs": resolved,
        "critical_bugs_past_sla": past_sla,
        "median_days_to_resolve_critical": days,
        "escaped_defects": escaped,
        "test_pass_rate": pass_rate,
    }
    values = np.stack([np.asarray(by_key[k], dtype=np.float64) for k in METRIC_KEYS], axis=2)

    reported = np.ones((teams, weeks), dtype=bool)
    if stories.late_joiner is not None:
        reported[stories.late_joiner, : stories.join_week] = False
    if stories.gap_team is not None:
        reported[stories.gap_team, stories.gap_week] = False  # no rows at all, never zeros
    written = np.repeat(reported[:, :, None], len(METRIC_KEYS), axis=2)
    # A median of nothing does not exist: no critical bug resolved, no median that week.
    written[:, :, METRIC_KEYS.index("median_days_to_resolve_critical")] &= resolved > 0
    return values, written


def insert_values(
    con: duckdb.DuckDBPyConnection,
    team_ids: list[int],
    week_dates: np.ndarray,
    values: np.ndarray,
    written: np.ndarray,
    import_id: int,
) -> int:
    """Load every written cell with one INSERT from an Arrow table; return how many."""
    team_at, week_at, metric_at = np.nonzero(written)  # ordered by team, week, metric
    table = pa.table(
        {
            "team_id": pa.array(np.asarray(team_ids, dtype=np.int32)[team_at]),
            "week": pa.array(week_dates[week_at]),
            "metric": pa.array(METRIC_KEYS).take(pa.array(metric_at)),
            "value": pa.array(values[team_at, week_at, metric_at]),
        }
    )
    con.register("_ddq_sample_values", table)
    try:
        con.execute(
            """
            INSERT INTO metric_values (team_id, week, metric, value, import_id)
            SELECT team_id, week, metric, value, ? FROM _ddq_sample_values
            """,
            [import_id],
        )
    finally:
        con.unregister("_ddq_sample_values")
    return cast(int, table.num_rows)
