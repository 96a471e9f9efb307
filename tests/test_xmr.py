"""Natural process limits on numbers worked out by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq import xmr

MONDAY = dt.date(2026, 1, 5)


def weeks(n: int) -> list[dt.date]:
    return [MONDAY + dt.timedelta(weeks=i) for i in range(n)]


def test_limits_by_hand():
    # Baseline 10, 12, 11, 13, 9, 11: mean 66 / 6 = 11.
    # Moving ranges 2, 1, 2, 4, 2: mean 11 / 5 = 2.2; limits 11 -+ 2.66 * 2.2 = 5.148 .. 16.852.
    values = [10, 12, 11, 13, 9, 11, 30]
    w = weeks(7)
    found = xmr.limits(w, values, (w[0], w[5]))
    assert found is not None
    assert found.centre == pytest.approx(11)
    assert found.mean_moving_range == pytest.approx(2.2)
    assert found.lower == pytest.approx(5.148)
    assert found.upper == pytest.approx(16.852)
    assert found.baseline_points == 6


def test_a_point_above_the_upper_limit_is_a_signal_and_its_direction_counts():
    values = [10, 12, 11, 13, 9, 11, 30]
    w = weeks(7)
    found = xmr.limits(w, values, (w[0], w[5]))
    worse = xmr.signals(w, values, found, lower_is_better=True)
    assert worse == [xmr.Signal(w[6], 30, xmr.OUTSIDE, above=True, better=False)]
    better = xmr.signals(w, values, found, lower_is_better=False)
    assert better[0].better is True


def test_missing_weeks_are_skipped_not_zero():
    # With None read as 0 the moving ranges would explode; skipped, the limits are as above.
    values = [10, None, 12, 11, None, 13, 9, 11]
    w = weeks(8)
    found = xmr.limits(w, values, (w[0], w[7]))
    assert found.centre == pytest.approx(11)
    assert found.mean_moving_range == pytest.approx(2.2)
    assert xmr.signals(w, values, found, lower_is_better=True) == []


def test_too_short_a_baseline_gives_no_limits():
    values = [1, 2, 3, 4, 5]
    w = weeks(5)
    assert xmr.limits(w, values, (w[0], w[4])) is None


def test_a_run_of_eight_below_the_centre_is_a_signal():
    # Baseline alternates 10 and 14 (centre 12, mean range 4, limits 1.36 .. 22.64), then eight
    # weeks at 11: inside the limits but all below the centre: an improvement for a
    # lower-is-better metric. Seven would not be enough.
    base = [10, 14] * 4
    w = weeks(16)
    values = base + [11] * 8
    found = xmr.limits(w, values, (w[0], w[7]))
    assert found.centre == pytest.approx(12)
    found_signals = xmr.signals(w, values, found, lower_is_better=True)
    assert [s.week for s in found_signals] == w[8:]
    assert {(s.rule, s.above, s.better) for s in found_signals} == {(xmr.RUN, False, True)}
    seven = values[:15]
    assert xmr.signals(w[:15], seven, found, lower_is_better=True) == []


def test_a_point_on_the_centre_line_breaks_a_run():
    w = weeks(17)
    values = [10, 14] * 4 + [11] * 4 + [12] + [11] * 4
    found = xmr.limits(w, values, (w[0], w[7]))
    assert xmr.signals(w, values, found, lower_is_better=True) == []


def test_limits_are_clipped_to_what_the_metric_can_take():
    values = [0, 5, 0, 6, 1, 4]
    w = weeks(6)
    found = xmr.limits(w, values, (w[0], w[5]), floor=0)
    assert found.lower == 0
    rate = xmr.limits(w, [99, 95, 100, 94, 99, 96], (w[0], w[5]), ceiling=100)
    assert rate.upper == 100
