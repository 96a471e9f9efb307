"""ddq.charts: the look and the content of the figures."""

from __future__ import annotations

import datetime as dt

from ddq import charts, xmr
from ddq.metrics import DEFAULT_CATALOG

OPEN_CRITICAL = next(m for m in DEFAULT_CATALOG if m.key == "open_critical_bugs")
PASS_RATE = next(m for m in DEFAULT_CATALOG if m.key == "test_pass_rate")
WEEKS = [dt.date(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(8)]
VALUES = [10, 12, None, 13, 9, 11, 10, 30]


def build(**extra):
    limits = xmr.limits(WEEKS, VALUES, (WEEKS[0], WEEKS[6]))
    return charts.trend_figure(
        OPEN_CRITICAL, "Payments", WEEKS, VALUES, aggregation="total",
        rolling=VALUES, rolling_weeks=4, partial=[False] * 7 + [True], limits=limits,
        signals=xmr.signals(WEEKS, VALUES, limits, lower_is_better=True), **extra,
    )  # fmt: skip


def test_the_axis_has_the_unit_and_the_subtitle_the_direction():
    fig = build()
    assert fig.layout.yaxis.title.text == "Open critical bugs (count)"
    assert fig.layout.title.text == "Open critical bugs"
    assert "lower is better" in fig.layout.title.subtitle.text
    assert "Payments" in fig.layout.title.subtitle.text
    assert fig.layout.template.layout.font.size >= 18


def test_gaps_stay_gaps_and_partial_weeks_are_hollow():
    weekly = next(t for t in build().data if t.name == "weekly (total)")
    assert weekly.y[2] is None and weekly.connectgaps is False
    assert list(weekly.marker.symbol) == ["circle"] * 7 + ["circle-open"]


def test_a_worse_signal_is_vermillion_and_limits_are_drawn():
    fig = build()
    names = {t.name for t in fig.data}
    assert {"process limits", "centre line", "lower limit", "signal: worse"} <= names
    worse = next(t for t in fig.data if t.name == "signal: worse")
    assert worse.marker.color == charts.WORSE and list(worse.y) == [30]


def test_events_are_marked_with_their_titles():
    fig = build(events=[{"week": WEEKS[3], "title": "Import 2: week3.csv"},
                        {"week": WEEKS[3], "title": "Definition v2"}])  # fmt: skip
    marks = next(t for t in fig.data if t.name == "events")
    assert list(marks.x) == [WEEKS[3]]
    assert marks.customdata[0] == "Import 2: week3.csv<br>Definition v2"


def test_percentages_do_not_start_the_axis_at_zero_and_say_higher_is_better():
    fig = charts.compare_figure(PASS_RATE, {"A": (WEEKS, [90.0] * 8), "B": (WEEKS, [95.0] * 8)})
    assert fig.layout.yaxis.title.text == "Test pass rate (%)"
    assert "higher is better" in fig.layout.title.subtitle.text
    assert fig.layout.yaxis.rangemode == "normal"
    assert [t.name for t in fig.data] == ["A", "B"]


def test_the_html_download_works_offline():
    html = charts.standalone_html(build())
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "<script src=" not in html and "Plotly.newPlot" in html
    assert len(html) > 1_000_000  # plotly.js itself is inside


def test_the_legend_leaves_room_for_the_year_under_the_date_ticks():
    """Issue 14: the year, on a second line under the first date tick, was cut off by the
    legend just below the axis."""
    fig = build()
    assert fig.layout.template.layout.legend.y <= -0.2
    assert fig.layout.template.layout.xaxis.automargin is True


def progress(**extra):
    history = [10.0] * 7 + [6.0]
    return charts.progress_figure(OPEN_CRITICAL, WEEKS, history, baseline=12, target=4,
                                  due=WEEKS[-1] + dt.timedelta(weeks=10), projection=9.5,
                                  status="off track", **extra)  # fmt: skip


def test_the_projection_starts_on_the_fitted_trend_not_the_last_week():
    """Issue 14: a flat series whose last week dipped to 6 drew a line rising from 6."""
    line = next(t for t in progress(trend_now=9.5).data if t.name == "projection")
    assert list(line.x) == [WEEKS[-1], WEEKS[-1] + dt.timedelta(weeks=10)]
    assert list(line.y) == [9.5, 9.5]
    assert not any(t.name == "projection" for t in progress(trend_now=None).data)


def test_a_progress_card_chart_keeps_its_month_labels_on_one_line():
    axis = progress(trend_now=9.5).layout.xaxis
    assert (axis.tickformat, axis.tickangle) == ("%b", 0)
