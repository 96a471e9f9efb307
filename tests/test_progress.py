"""ddq.progress: targets, the status rule on constructed series, and `ddq target` / `ddq progress`."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest

from ddq import db, progress, roster, trends
from ddq.access import ADMIN, SYSTEM, Actor
from ddq.errors import Conflict, DdqError, NotFound
from ddq.metrics import DEFAULT_CATALOG, MetricDef, catalog
from ddq.progress import (
    ACHIEVED,
    AT_RISK,
    NO_DATA,
    NO_TARGET,
    OFF_TRACK,
    ON_TRACK,
    InvalidTarget,
)
from ddq.progress import series as progress_series

TODAY = dt.date(2026, 3, 4)  # a Wednesday of 2026-W10
LAST = trends.latest_complete_week(TODAY)  # Monday 2026-02-23
DUE = LAST + dt.timedelta(weeks=16)
LOWER, HIGHER = "open_critical_bugs", "test_pass_rate"


def w(ago: int, last: dt.date = LAST) -> dt.date:
    return last - dt.timedelta(weeks=ago)


@pytest.fixture
def con(make_db):
    with db.connect(make_db()) as connection:  # a copy of a migrated, empty database
        yield connection


def add_series(con, team, metric, values, *, area=None, last=LAST):
    """Weekly values, oldest first, the last one in the week ``last``; None: not reported."""
    area_id = roster.ensure_area(con, area)[0] if area else None
    team_id = roster.ensure_team(con, team, area_id)[0]
    import_id = db.scalar(
        con,
        "INSERT INTO imports (kind, file_name, who, imported_at) "
        "VALUES ('test', 'constructed series', 'test', ?) RETURNING id",
        [dt.datetime(2026, 1, 1)],
    )
    rows = [
        (team_id, w(len(values) - 1 - i, last), metric, float(v), import_id)
        for i, v in enumerate(values)
        if v is not None
    ]
    if rows:
        con.executemany(
            "INSERT INTO metric_values (team_id, week, metric, value, import_id) "
            "VALUES (?, ?, ?, ?, ?)",
            rows,
        )
    return team_id


def lower_series(pace: float | None, weeks: int = 20) -> list[float]:
    """Open critical bugs: 4 weeks at 20 (the baseline), then moving ``pace`` a week.

    ``pace`` -0.5 ends at 12 in the latest complete week and, kept up, meets 4 on DUE.
    """
    return [20.0 if i < 4 else 20.0 + (pace or 0.0) * (i - 3) for i in range(weeks)]


def mirrored(values: list[float | None]) -> list[float | None]:
    """The same story for a higher-is-better percentage: 100 minus each value."""
    return [None if v is None else 100.0 - v for v in values]


def one(con, team, metric=None, today=TODAY):
    found = [p for p in progress.progress_for(con, team=team, today=today) if p.has_target]
    if metric is not None:
        found = [p for p in found if p.metric.key == metric]
    assert len(found) == 1, found
    return found[0]


def metric_def(con, key):
    return next(m for m in catalog(con) if m.key == key)


# ---------------------------------------------------------------- the status rule

# (name, values for the lower-is-better metric, target, expected status, words in the reason)
CASES = [
    ("steady to the target on the due date", lower_series(-0.5), 4, ON_TRACK, "needs -0.5"),
    ("faster than needed", lower_series(-0.8), 4, ON_TRACK, "going -0.8"),
    # at -0.25 a week with 17.5 weeks to go from the current 16.375, -0.5 is needed: half.
    ("half the needed pace", lower_series(-0.25), 16.375 - 0.5 * 17.5, AT_RISK, "going -0.25"),
    ("flat after an early drop", [20.0] * 4 + [12.0] * 16, 4, OFF_TRACK, "flat"),
    ("worsening", lower_series(+0.25), 4, OFF_TRACK, "the wrong way"),
    ("reached", [20.0] * 4 + [10.0] * 10 + [3.0] * 6, 4, ACHIEVED, "reached"),
    ("just reached", [20.0] * 4 + [8.0] * 12 + [4.0] * 4, 4, ACHIEVED, "reached"),
    ("too few weeks", [20.0, 20.0, 20.0, 20.0, 15.0], 4, NO_DATA, "5 of the last 12"),
    ("five of the last twelve weeks", [20.0] * 8 + [10.0, None] * 5 + [None, None], 4, NO_DATA,
     "5 of the last 12"),
    ("silent for a month", [20.0] * 12 + [12.0] * 4 + [None] * 4, 4, NO_DATA,
     "nothing reported in the last 4 weeks"),
]  # fmt: skip


@pytest.mark.parametrize("direction", ["lower is better", "higher is better"])
@pytest.mark.parametrize(
    ("values", "target", "status", "words"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_status_of_constructed_series(con, direction, values, target, status, words):
    metric = LOWER
    if direction == "higher is better":
        metric, values, target = HIGHER, mirrored(values), 100.0 - target
        words = words.replace("-", "+").replace("++", "+")
    add_series(con, "Checkout", metric, values)
    progress.set_target(
        con, "Checkout", metric, target=target, due=DUE, who=Actor("t", ADMIN), today=TODAY
    )
    p = one(con, "Checkout")
    assert (p.status, p.metric.key) == (status, metric), p.reason
    assert words in p.reason


def test_the_figures_behind_an_on_track_status(con):
    add_series(con, "Checkout", LOWER, lower_series(-0.5))
    progress.set_target(
        con, "Checkout", LOWER, target=4, due=DUE, who=Actor("t", ADMIN), today=TODAY
    )
    p = one(con, "Checkout")
    assert p.baseline == 20
    assert p.current == pytest.approx(12.75)  # mean of 13.5, 13, 12.5 and 12
    assert p.slope == pytest.approx(-0.5)
    # From the middle of the last 4 weeks (1.5 weeks before the latest) to the due date.
    assert p.weeks_left == pytest.approx(17.5)
    assert p.needed == pytest.approx(-0.5)
    assert p.projection == pytest.approx(4)
    # The fitted line in the latest week: where the drawn projection starts.
    assert p.trend_now == pytest.approx(12)
    assert p.share == pytest.approx((20 - 12.75) / 16)
    assert p.reported_weeks == 12
    assert len(p.history) == progress.HISTORY_WEEKS
    assert p.history[-1] == 12 and p.history[:6] == (None,) * 6
    assert p.reason == "needs -0.5 a week, going -0.5"


def test_half_the_pace_is_at_risk_and_says_by_how_much(con):
    add_series(con, "Checkout", HIGHER, mirrored(lower_series(-0.25)))
    progress.set_target(con, "Checkout", HIGHER, target=100 - (16.375 - 8.75), due=DUE, who=Actor("t", ADMIN),
                        today=TODAY)  # fmt: skip
    p = one(con, "Checkout")
    assert p.status == AT_RISK
    assert p.needed == pytest.approx(2 * p.slope) and p.slope == pytest.approx(0.25)
    assert p.reason == "needs +0.5 pts a week, going +0.25 pts"


def test_a_flat_series_projects_flat_from_its_trend_not_from_its_last_week(con):
    """Issue 14: a flat series whose last week dipped drew a rising projection."""
    add_series(con, "Checkout", LOWER, [10.0] * 19 + [6.0])
    progress.set_target(con, "Checkout", LOWER, target=4, due=DUE, who=Actor("t", ADMIN),
                        today=TODAY)  # fmt: skip
    p = one(con, "Checkout")
    assert p.slope == 0 and p.status == OFF_TRACK
    assert p.current == 9  # mean of 10, 10, 10 and 6
    assert p.trend_now == pytest.approx(9) and p.projection == pytest.approx(9)
    assert p.history[-1] == 6  # the line starts at 9, where the status says the team is


def test_levels_and_targets_read_apart_in_the_reasons(con):
    """Issue 14: "target 1.7 reached" beside numbers that read 2, 1 and 2."""
    add_series(con, "Checkout", LOWER, [2.0] * 4 + [2, 2, 1, 2, 1, 2, 2, 1, 2, 2, 1, 2, 1, 2, 1, 2])
    progress.set_target(con, "Checkout", LOWER, target=1.7, due=DUE, who=Actor("t", ADMIN),
                        today=TODAY)  # fmt: skip
    p = one(con, "Checkout")
    assert (p.current, p.target, p.status) == (1.5, 1.7, ACHIEVED)
    assert p.reason == "at 1.5, target 1.7 reached"
    m = metric_def(con, LOWER)
    close = progress.classify(m, current=1.66, target=1.7, due=DUE, today=TODAY, slope=-0.1,
                              weeks_left=10, reported_weeks=12, weeks_since_report=0,
                              baseline=2.25)  # fmt: skip
    assert close[:2] == (ACHIEVED, "at 1.66, target 1.7 reached")
    pace = progress.classify(m, current=12, target=1.6, due=DUE, today=TODAY, slope=-1.01,
                             weeks_left=10, reported_weeks=12, weeks_since_report=0,
                             baseline=20)  # fmt: skip
    assert pace[:2] == (AT_RISK, "needs -1.04 a week, going -1.01")


def test_a_missed_due_date_is_off_track_and_an_achieved_one_stays_achieved(con):
    add_series(con, "Checkout", LOWER, lower_series(-0.25))
    add_series(con, "Billing", LOWER, [20.0] * 4 + [3.0] * 16)
    for team in ("Checkout", "Billing"):
        progress.set_target(
            con, team, LOWER, target=4, due=w(2), who=Actor("t", ADMIN), today=w(20)
        )
    assert one(con, "Checkout").status == OFF_TRACK
    assert one(con, "Checkout").reason == f"missed the due date {w(2)}: at 16.4, target 4"
    assert one(con, "Billing").status == ACHIEVED


def test_noise_without_a_trend_is_off_track_and_a_clear_trend_through_noise_is_not(con):
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 0.4, 20)
    add_series(con, "Noisy", LOWER, [12 + n for n in noise])
    add_series(
        con, "Steady", LOWER, [v + n for v, n in zip(lower_series(-0.8), noise, strict=True)]
    )
    for team in ("Noisy", "Steady"):
        progress.set_target(con, team, LOWER, target=4, due=DUE, who=Actor("t", ADMIN), today=TODAY,
                            baseline=20)  # fmt: skip
    noisy, steady = one(con, "Noisy"), one(con, "Steady")
    assert noisy.status == OFF_TRACK
    assert noisy.agreement < progress.TREND_AGREEMENT
    assert steady.status == ON_TRACK and steady.agreement > 0.9


def test_classify_rule_edges():
    m = next(m for m in DEFAULT_CATALOG if m.key == LOWER)
    args = {"current": 10.0, "target": 4.0, "due": DUE, "today": TODAY, "weeks_left": 10.0,
            "reported_weeks": 12, "weeks_since_report": 0, "baseline": 20.0}  # fmt: skip
    assert progress.classify(m, slope=-0.6, **args)[0] == ON_TRACK
    assert progress.classify(m, slope=-0.3, **args)[0] == AT_RISK
    assert progress.classify(m, slope=-0.07, **args)[0] == AT_RISK  # over a tenth of -0.6
    assert progress.classify(m, slope=-0.05, **args)[:2] == (
        OFF_TRACK,
        "needs -0.6 a week, going -0.05: under 10% of that, as good as flat",
    )
    assert progress.classify(m, slope=-0.6, agreement=0.55, **args)[:2] == (
        OFF_TRACK,
        "needs -0.6 a week, going -0.6: no clear trend, as good as flat",
    )
    assert progress.classify(m, slope=0.0, **args)[:2] == (OFF_TRACK, "needs -0.6 a week, flat")
    assert progress.classify(m, slope=-1, **{**args, "baseline": None})[0] == NO_DATA
    assert progress.classify(m, slope=-1, **{**args, "current": 4.0})[0] == ACHIEVED
    assert progress.classify(m, slope=-1, **{**args, "reported_weeks": 5})[0] == NO_DATA
    assert progress.classify(m, slope=-1, **{**args, "weeks_since_report": 4})[0] == NO_DATA
    assert progress.classify(m, slope=-1, **{**args, "weeks_since_report": 3})[0] == ON_TRACK


def test_the_rule_text_names_its_thresholds():
    text = progress.STATUS_RULES
    for words in ("6 of the last 12 weeks", "last 4 reported weeks", "10% of the needed pace",
                  "67% go the good way", "Theil-Sen", "first 20 weeks"):  # fmt: skip
        assert words in text


# ---------------------------------------------------------------- slope and baselines


def test_theil_sen_shrugs_off_one_outlier():
    xs = list(range(12))
    ys = [10 - 0.5 * x for x in xs]
    ys[10] = 40.0
    assert progress.theil_sen(xs, ys) == pytest.approx(-0.5)
    least_squares = np.polyfit(xs, ys, 1)[0]
    assert abs(least_squares + 0.5) > 0.4
    assert progress.theil_sen([0, 1, 2], [None, 3.0, None]) is None
    assert progress.theil_sen([0, 1, 2, 3], [1.0, None, 3.0, 4.0]) == pytest.approx(1.0)


def test_the_slopes_of_all_series_at_once_are_theil_sen():
    rng = np.random.default_rng(5)
    values = np.round(rng.normal(10, 3, (60, progress.XMR_WEEKS)))
    values[rng.random(values.shape) < 0.3] = np.nan
    n = len(values)
    figures = progress_series._series_figures(
        values, rng.random(n) < 0.5, np.zeros(n), np.full(n, np.inf)
    )
    recent = values[:, -progress.SLOPE_WEEKS :]
    for i in range(n):
        ys = [None if np.isnan(v) else float(v) for v in recent[i]]
        assert figures["slope"][i] == pytest.approx(
            progress.theil_sen(range(progress.SLOPE_WEEKS), ys), nan_ok=True
        )
        reported = [v for v in ys if v is not None]
        assert figures["current"][i] == pytest.approx(np.mean(reported[-4:]))


def test_one_wild_week_does_not_throw_a_team_off_track(con):
    values = lower_series(-0.5)
    values[12] = 60.0  # 7 weeks ago: a bad week, not the trend
    add_series(con, "Checkout", LOWER, values)
    progress.set_target(
        con, "Checkout", LOWER, target=4, due=DUE, who=Actor("t", ADMIN), today=TODAY
    )
    p = one(con, "Checkout")
    assert p.slope == pytest.approx(-0.5)
    assert p.status == ON_TRACK


def test_the_default_baseline_is_the_mean_of_the_first_4_reported_weeks(con):
    add_series(con, "Checkout", LOWER, [None, 10, None, 12, 14, 16, *[9] * 14])
    message = progress.set_target(
        con, "Checkout", LOWER, target=4, due=DUE, who=Actor("t", ADMIN), today=TODAY
    )
    assert message == (
        f"Target for open critical bugs set for Checkout: 4 by {DUE} (baseline 13, mean of the "
        f"first 4 reported weeks ({w(18)} to {w(14)}))."
    )
    assert one(con, "Checkout").baseline == 13
    [listed] = progress.targets(con, today=TODAY)
    assert (listed["baseline"], listed["baseline_value"], listed["baseline_from"]) == (
        13,
        None,
        None,
    )


def test_without_4_reported_weeks_there_is_no_baseline_yet(con):
    add_series(con, "Checkout", LOWER, [12, 11, 10])
    message = progress.set_target(
        con, "Checkout", LOWER, target=4, due=DUE, who=Actor("t", ADMIN), today=TODAY
    )
    assert "the baseline is not known yet" in message
    p = one(con, "Checkout")
    assert (p.status, p.baseline) == (NO_DATA, None)


def test_a_chosen_baseline_period_or_value(con):
    add_series(con, "Checkout", LOWER, [30, 30, 30, 30, 20, 18, 16, *[10] * 13])
    progress.set_target(con, "Checkout", LOWER, target=4, due=DUE, who=Actor("t", ADMIN), today=TODAY,
                        baseline_period=(w(15), w(13) + dt.timedelta(days=6)))  # fmt: skip
    p = one(con, "Checkout")
    assert p.baseline == 18  # weeks 15 to 13 ago: 20, 18, 16
    assert p.baseline_source == f"mean of {w(15)} to {w(13) + dt.timedelta(days=6)}"
    assert p.share == pytest.approx((18 - 10) / 14)
    progress.set_target(con, "Checkout", LOWER, target=4, due=DUE, who=Actor("t", ADMIN), today=TODAY,
                        baseline=25)  # fmt: skip
    p = one(con, "Checkout")
    assert (p.baseline, p.baseline_source) == (25, "set by hand")
    stored = db.rows(con, "SELECT baseline, baseline_from, baseline_to FROM targets")
    assert stored == [{"baseline": 25.0, "baseline_from": None, "baseline_to": None}]


# ---------------------------------------------------------------- setting targets


def test_validation_says_what_is_wrong(con):
    add_series(con, "Checkout", LOWER, [10] * 8)
    add_series(con, "Checkout", HIGHER, [90] * 8)
    add_series(con, "Old Team", LOWER, [10] * 8)
    roster.set_team_active(con, "Old Team", False, who=Actor("t", ADMIN))

    def refused(error, *args, **kwargs):
        kwargs = {"target": 4, "due": DUE, "who": Actor("t", ADMIN), "today": TODAY, **kwargs}
        with pytest.raises(error) as caught:
            progress.set_target(con, *args, **kwargs)
        return str(caught.value)

    assert (
        refused(NotFound, "Chekout", LOWER)
        == "There is no team 'Chekout'. Did you mean 'Checkout'?"
    )
    assert refused(NotFound, "Checkout", "open_critcal_bugs").startswith(
        "There is no metric 'open_critcal_bugs'. Did you mean 'open_critical_bugs'?"
    )
    assert refused(Conflict, "Old Team", LOWER) == (
        "Old Team is retired; bring it back before setting a target."
    )
    assert refused(InvalidTarget, "Checkout", LOWER, due=TODAY - dt.timedelta(days=1)) == (
        f"The due date {TODAY - dt.timedelta(days=1)} is in the past: choose {TODAY} or later."
    )
    assert refused(InvalidTarget, "Checkout", LOWER, target=-1) == (
        "The target -1 is below 0, and open_critical_bugs is a count."
    )
    assert refused(InvalidTarget, "Checkout", HIGHER, target=101) == (
        "The target 101 is outside 0 to 100, and test_pass_rate is a percentage."
    )
    assert refused(InvalidTarget, "Checkout", LOWER, target=12) == (
        "The target 12 is worse than the baseline 10 (mean of the first 4 reported weeks "
        f"({w(7)} to {w(4)})): lower is better for open_critical_bugs, so the target must be "
        "below the baseline, or equal to it to hold the line."
    )
    assert "higher is better for test_pass_rate, so the target must be above" in refused(
        InvalidTarget, "Checkout", HIGHER, target=85
    )
    assert refused(InvalidTarget, "Checkout", LOWER, baseline=8, baseline_period=(w(5), w(4))) == (
        "Give a baseline value or a baseline period, not both."
    )
    assert refused(InvalidTarget, "Checkout", LOWER, baseline_period=(w(30), w(25))) == (
        f"No baseline: nothing reported from {w(30)} to {w(25)}."
    )
    # Several problems at once are all named.
    assert refused(InvalidTarget, "Checkout", HIGHER, target=120, due=dt.date(2020, 1, 1)) == (
        "The target 120 is outside 0 to 100, and test_pass_rate is a percentage; the due date "
        f"2020-01-01 is in the past: choose {TODAY} or later."
    )
    # Holding the line (a target equal to the baseline) is accepted; a metric by its label too.
    assert "set for Checkout: 10" in progress.set_target(con, "checkout", "Open critical bugs", target=10,
                                            due=DUE, who=Actor("t", ADMIN), today=TODAY)  # fmt: skip
    assert db.scalar(con, "SELECT count(*) FROM targets") == 1


def test_invalid_target_is_a_ddq_error():
    assert issubclass(InvalidTarget, DdqError)


def test_every_change_is_in_the_audit_log(con):
    add_series(con, "Checkout", LOWER, [10] * 8)
    progress.set_target(
        con, "Checkout", LOWER, target=4, due=DUE, who=Actor("ann", ADMIN), today=TODAY
    )
    assert "already has this target" in progress.set_target(
        con, "Checkout", LOWER, target=4, due=DUE, who=Actor("ann", ADMIN), today=TODAY
    )
    assert "changed for Checkout: 5" in progress.set_target(
        con, "Checkout", LOWER, target=5, due=DUE, who=Actor("bob", ADMIN), today=TODAY
    )
    assert progress.remove_target(con, "Checkout", LOWER, who=Actor("cy", ADMIN)) == (
        f"Target for Checkout, open_critical_bugs removed (it was 5 by {DUE})."
    )
    assert progress.remove_target(con, "Checkout", LOWER, who=Actor("cy", ADMIN)) == (
        "Checkout has no target for open_critical_bugs."
    )
    log = db.rows(con, "SELECT who, action, subject, before, after FROM audit_log ORDER BY id")
    assert [(e["who"], e["action"], e["subject"]) for e in log] == [
        ("ann", "target.set", "Checkout"),
        ("bob", "target.set", "Checkout"),
        ("cy", "target.remove", "Checkout"),
    ]
    assert json.loads(log[1]["before"])["target"] == 4
    assert json.loads(log[1]["after"]) == {
        "metric": LOWER, "baseline": None, "baseline_from": None, "baseline_to": None,
        "target": 5.0, "due": DUE.isoformat(),
    }  # fmt: skip
    assert json.loads(log[2]["before"])["target"] == 5
    assert db.scalar(con, "SELECT count(*) FROM targets") == 0


def test_an_area_target_goes_to_every_active_team_at_once(con):
    add_series(con, "Checkout", HIGHER, [80] * 8, area="Payments")
    add_series(con, "Billing", HIGHER, [97] * 8, area="Payments")
    add_series(con, "Refunds", HIGHER, [85] * 8, area="Payments")
    add_series(con, "Search", HIGHER, [70] * 8, area="Discovery")
    roster.set_team_active(con, "Refunds", False, who=Actor("t", ADMIN))
    done = progress.adopt_area_target(con, "payments", HIGHER, target=95, due=DUE, who=Actor("t", ADMIN),
                                      today=TODAY)  # fmt: skip
    assert done["teams"] == ["Billing", "Checkout"]
    assert done["already"] == ["Billing"]
    assert done["message"] == (
        f"Target for test pass rate set for the 2 Payments teams: 95% by {DUE}; already "
        "at or beyond it from their baseline: Billing."
    )
    assert db.rows(con, "SELECT t.name, g.target FROM targets g JOIN teams t ON t.id = g.team_id "
                        "ORDER BY t.name") == [{"name": "Billing", "target": 95.0},
                                               {"name": "Checkout", "target": 95.0}]  # fmt: skip
    assert db.scalar(con, "SELECT count(*) FROM audit_log WHERE action = 'target.set'") == 2
    assert [p.status for p in progress.progress_for(con, area="Payments", today=TODAY)
            if p.has_target] == [ACHIEVED, OFF_TRACK]  # fmt: skip
    again = progress.adopt_area_target(con, "Payments", HIGHER, target=95, due=DUE, who=Actor("t", ADMIN),
                                       today=TODAY)  # fmt: skip
    assert (again["teams"], again["unchanged"]) == ([], ["Billing", "Checkout"])


def test_an_area_target_is_all_or_nothing(con):
    add_series(con, "Checkout", HIGHER, [80] * 8, area="Payments")
    with pytest.raises(NotFound, match="Not active teams of Payments: Search"):
        progress.adopt_area_target(con, "Payments", HIGHER, target=95, due=DUE, who=Actor("t", ADMIN),
                                   teams=["Checkout", "Search"], today=TODAY)  # fmt: skip
    with pytest.raises(NotFound, match=r"There is no area 'Paymnts'\. Did you mean 'Payments'"):
        progress.adopt_area_target(con, "Paymnts", HIGHER, target=95, due=DUE, who=Actor("t", ADMIN),
                                   today=TODAY)  # fmt: skip
    with pytest.raises(InvalidTarget, match="outside 0 to 100"):
        progress.adopt_area_target(con, "Payments", HIGHER, target=195, due=DUE, who=Actor("t", ADMIN),
                                   today=TODAY)  # fmt: skip
    assert db.scalar(con, "SELECT count(*) FROM targets") == 0
    done = progress.adopt_area_target(con, "Payments", HIGHER, target=95, due=DUE, who=Actor("t", ADMIN),
                                      teams=["checkout"], today=TODAY)  # fmt: skip
    assert done["teams"] == ["Checkout"]


def test_an_area_target_keeps_a_teams_own_baseline(con):
    add_series(con, "Checkout", HIGHER, [80] * 8, area="Payments")
    progress.set_target(con, "Checkout", HIGHER, target=90, due=DUE, who=Actor("t", ADMIN), today=TODAY,
                        baseline=75)  # fmt: skip
    progress.adopt_area_target(
        con, "Payments", HIGHER, target=95, due=DUE, who=Actor("t", ADMIN), today=TODAY
    )
    [listed] = progress.targets(con, area="Payments", today=TODAY)
    assert (listed["baseline"], listed["target"]) == (75, 95)


# ---------------------------------------------------------------- the progress list


def test_reported_metrics_without_a_target_are_listed_as_such(con):
    add_series(con, "Checkout", LOWER, lower_series(-0.5), area="Payments")
    add_series(con, "Checkout", HIGHER, [90] * 20, area="Payments")
    add_series(con, "Billing", "open_bugs", [5] * 20, area="Payments")
    add_series(con, "Search", LOWER, [5] * 20, area="Discovery")
    progress.set_target(
        con, "Checkout", LOWER, target=4, due=DUE, who=Actor("t", ADMIN), today=TODAY
    )
    found = progress.progress_for(con, area="Payments", today=TODAY)
    assert [(p.team, p.metric.key, p.status) for p in found] == [
        ("Billing", "open_bugs", NO_TARGET),
        ("Checkout", LOWER, ON_TRACK),
        ("Checkout", HIGHER, NO_TARGET),
    ]
    assert found[0].reason == "no target set" and found[0].current is None
    with pytest.raises(NotFound, match="Did you mean 'Checkout'"):
        progress.progress_for(con, team="Checkot", today=TODAY)
    roster.set_team_active(con, "Billing", False, who=Actor("t", ADMIN))
    with pytest.raises(Conflict, match="Billing is retired"):
        progress.progress_for(con, team="billing", today=TODAY)
    assert [p.team for p in progress.progress_for(con, area="Payments", today=TODAY)] == [
        "Checkout",
        "Checkout",
    ]


def test_champion_and_area_come_along(con):
    add_series(con, "Checkout", LOWER, lower_series(-0.5), area="Payments")
    roster.assign_champion(con, "Checkout", "Ann Lee", "ann@example.com", dt.date(2025, 1, 6),
                           who=Actor("t", ADMIN))  # fmt: skip
    progress.set_target(
        con, "Checkout", LOWER, target=4, due=DUE, who=Actor("t", ADMIN), today=TODAY
    )
    p = one(con, "Checkout")
    assert (p.team, p.area, p.champion) == ("Checkout", "Payments", "Ann Lee")


def test_status_changes_name_the_teams_that_moved_since_last_week(con):
    # On track until last week; this week the count goes back up: still improving, too slowly.
    slipped = [*lower_series(-0.6, 19), 24.0]
    add_series(con, "Checkout", LOWER, slipped, area="Payments")
    add_series(con, "Billing", LOWER, lower_series(-0.8), area="Payments")
    for team in ("Checkout", "Billing"):
        progress.set_target(
            con, team, LOWER, target=4, due=DUE, who=Actor("t", ADMIN), today=w(1, TODAY)
        )
    assert one(con, "Checkout", today=TODAY - dt.timedelta(days=7)).status == ON_TRACK
    assert one(con, "Checkout").status == AT_RISK
    changes = progress.status_changes(con, today=TODAY, area="Payments")
    assert [(c["team"], c["metric"].key, c["before"], c["after"], c["better"])
            for c in changes] == [("Checkout", LOWER, ON_TRACK, AT_RISK, False)]  # fmt: skip
    assert changes[0]["reason"] == "needs -0.61 a week, going -0.6"
    assert changes[0]["target_changed"] is True  # set "now", after TODAY
    con.execute("UPDATE targets SET set_at = ?", [dt.datetime(2026, 1, 5)])
    again = progress.status_changes(con, today=TODAY)
    assert [c["team"] for c in again] == ["Checkout"] and again[0]["target_changed"] is False


# ---------------------------------------------------------------- XmR signals


def test_weeks_since_the_last_improvement_signal(con):
    base = [10.0, 12.0] * 10  # centre 11, limits 11 +- 2.66 x 2
    add_series(con, "Drop", LOWER, [*base, 11, 11, 11, 4, 11, 11, 12, 10, 11, 12])
    add_series(con, "Drop", HIGHER, [*base, 11, 11, 11, 4, 11, 11, 12, 10, 11, 12])
    add_series(con, "Run", HIGHER, [*base, 11, 11, *[12.5] * 8])
    add_series(con, "Calm", LOWER, [*base, *[10.0, 12.0] * 5])
    for team, metric in (("Drop", LOWER), ("Drop", HIGHER), ("Run", HIGHER), ("Calm", LOWER)):
        progress.set_target(con, team, metric, target=5 if metric == LOWER else 20, due=DUE,
                            who=Actor("t", ADMIN), today=TODAY, baseline=11)  # fmt: skip
    assert one(con, "Drop", LOWER).weeks_since_signal == 6  # 4 is below the lower limit
    assert one(con, "Drop", HIGHER).weeks_since_signal is None  # for a pass rate it is worse
    assert one(con, "Run", HIGHER).weeks_since_signal == 0  # 8 weeks above the centre line
    assert one(con, "Calm", LOWER).weeks_since_signal is None


def test_the_vectorised_signals_match_the_xmr_module():
    rng = np.random.default_rng(11)
    n, width = 300, progress.XMR_WEEKS
    level = rng.uniform(2, 60, n)[:, None]
    drift = np.cumsum(rng.normal(0, 1, (n, width)), axis=1) * rng.uniform(0, 0.6, n)[:, None]
    values = np.clip(np.round(level + drift + rng.normal(0, 2, (n, width))), 0, 100)
    values[rng.random((n, width)) < 0.15] = np.nan
    values[:20, :30] = np.nan  # late starters
    lower = rng.random(n) < 0.5
    percent = rng.random(n) < 0.5
    found = progress_series._last_good_signal(
        values, ~np.isnan(values), lower, np.zeros(n), np.where(percent, 100.0, np.inf)
    )
    weeks = [LAST - dt.timedelta(weeks=width - 1 - i) for i in range(width)]
    metrics = {(lo, pc): MetricDef("m", "m", "percent" if pc else "count",
                                            "lower_is_better" if lo else "higher_is_better")
               for lo in (True, False) for pc in (True, False)}  # fmt: skip
    signalled = 0
    for i in range(n):
        series = [None if np.isnan(v) else float(v) for v in values[i]]
        reported = [k for k, v in enumerate(series) if v is not None]
        start = weeks[reported[0]]
        baseline = (start, start + dt.timedelta(weeks=progress.XMR_BASELINE_WEEKS - 1))
        _, signals = trends.limits_for(metrics[(lower[i], percent[i])], weeks, series, baseline)
        good = [weeks.index(s.week) for s in signals if s.better]
        assert found[i] == (good[-1] if good else -1), i
        signalled += bool(good)
    assert 30 < signalled < n  # the comparison saw both cases


# ---------------------------------------------------------------- scale


def test_scale_targets_give_every_active_team_three_targets(con):
    from ddq.sample import fill_demo

    fill_demo(con, teams=12, weeks=40, today=TODAY, who=SYSTEM)
    con.execute("DELETE FROM targets")  # the sample may set its own
    assert progress.make_scale_targets(con, today=TODAY, who=Actor("bench", ADMIN)) == 36
    found = [p for p in progress.progress_for(con, today=TODAY) if p.has_target]
    assert len(found) == 36
    assert {p.metric.key for p in found} == {"open_critical_bugs", "test_pass_rate",
                                             "escaped_defects"}  # fmt: skip
    assert all(p.status in progress.STATUSES and p.reason for p in found)
    assert db.rows(con, "SELECT action, count(*) AS n FROM audit_log WHERE who = 'bench' "
                        "GROUP BY action") == [{"action": "target.set", "n": 36}]  # fmt: skip
    assert (
        progress.make_scale_targets(con, today=TODAY, who=Actor("bench", ADMIN)) == 36
    )  # replaced, not added
    assert db.scalar(con, "SELECT count(*) FROM targets") == 36


# ---------------------------------------------------------------- the command


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_target_and_progress_commands(db_path, make_db, run_ddq):
    make_db()
    last = trends.latest_complete_week()
    due = last + dt.timedelta(weeks=16)
    with db.connect(db_path) as con:
        add_series(con, "Checkout", LOWER, lower_series(-0.5), area="Payments", last=last)
        add_series(con, "Billing", HIGHER, [80] * 20, area="Payments", last=last)
    out = ok(run_ddq("target", "set", "Checkout", LOWER, "--target", "4", "--due", due))
    assert out.startswith(
        f"Target for open critical bugs set for Checkout: 4 by {due} (baseline 20"
    )

    bad = run_ddq("target", "set", "Chekout", LOWER, "--target", "4", "--due", due)
    assert (bad.returncode, bad.stdout) == (1, "")
    assert bad.stderr == "There is no team 'Chekout'. Did you mean 'Checkout'?\n"
    worse = run_ddq("target", "set", "Checkout", LOWER, "--target", "25", "--due", due)
    assert worse.returncode == 1 and "worse than the baseline 20" in worse.stderr
    half = run_ddq("target", "set", "Checkout", LOWER, "--target", "4", "--due", due,
                   "--baseline-from", w(10, last))  # fmt: skip
    assert half.returncode == 2 and "--baseline-to" in half.stderr

    out = ok(run_ddq("target", "area", "Payments", HIGHER, "--target", "95", "--due", due))
    assert out == f"Target for test pass rate set for the 2 Payments teams: 95% by {due}.\n"

    lines = ok(run_ddq("target", "list", "--area", "payments")).splitlines()
    assert lines[0].split()[:5] == ["team", "metric", "baseline", "target", "due"]
    assert [line.split()[:5] for line in lines[1:]] == [
        ["Billing", HIGHER, "80%", "95%", str(due)],
        ["Checkout", LOWER, "20", "4", str(due)],
        ["Checkout", HIGHER, "—", "95%", str(due)],
    ]

    lines = ok(run_ddq("progress", "--area", "Payments")).splitlines()
    assert lines[0] == f"as of the week of {last}"
    header = lines[1]
    assert header.split() == ["team", "metric", "baseline", "current", "target", "due",
                              "slope/week", "status", "why"]  # fmt: skip
    rows = {(line[: header.index("metric")].strip(), line.split()[1]): line for line in lines[2:]}
    assert "on track" in rows[("Checkout", LOWER)]
    assert "needs -0.5 a week, going -0.5" in rows[("Checkout", LOWER)]
    assert "off track" in rows[("Billing", HIGHER)]
    assert header.index("status") == rows[("Checkout", LOWER)].index("on track")

    out = ok(run_ddq("target", "remove", "Checkout", LOWER))
    assert out == f"Target for Checkout, open_critical_bugs removed (it was 4 by {due}).\n"
    out = ok(run_ddq("progress", "--team", "checkout", "--all"))
    assert "no target" in out and "no data" in out
    assert ok(run_ddq("progress", "--changes")) == "no status changed since last week\n"


def test_a_target_form_starts_from_the_stored_target_or_from_nothing(con):
    add_series(con, "Checkout", HIGHER, [80] * 8, area="Payments")
    add_series(con, "Billing", HIGHER, [90] * 8, area="Payments")
    ahead = progress.quarter_after(TODAY)
    assert ahead == dt.date(2026, 6, 30)
    assert progress.quarter_after(dt.date(2026, 11, 15)) == dt.date(2027, 3, 31)
    assert progress.quarter_after(dt.date(2026, 12, 31)) == dt.date(2027, 3, 31)
    nothing = progress.TargetDraft(None, ahead)
    assert progress.target_draft(con, HIGHER, team="Checkout", today=TODAY) == nothing
    assert progress.target_draft(con, HIGHER, area="Payments", today=TODAY) == nothing
    who = Actor("t", ADMIN)
    progress.set_target(con, "Checkout", HIGHER, target=95, due=DUE, who=who, today=TODAY)
    assert progress.target_draft(con, HIGHER, team="checkout", today=TODAY) == (
        progress.TargetDraft(95.0, DUE)
    )
    # Not every team of the area has it: the area's form offers none.
    assert progress.target_draft(con, HIGHER, area="Payments", today=TODAY) == nothing
    progress.adopt_area_target(con, "Payments", HIGHER, target=96, due=DUE, who=who, today=TODAY)
    assert progress.target_draft(con, HIGHER, area="payments", today=TODAY) == (
        progress.TargetDraft(96.0, DUE)
    )
    # A due date that has passed is not offered again.
    assert progress.target_draft(con, HIGHER, team="Billing", today=DUE) == (
        progress.TargetDraft(96.0, progress.quarter_after(DUE))
    )
