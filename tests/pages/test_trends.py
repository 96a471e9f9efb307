"""The Trends page on known series: limits, signals, gaps, deep links and downloads."""

from __future__ import annotations

import datetime as dt
import json

from ddq.charts import BETTER, WORSE
from tests.pages.builders import load

# Alpha's open bugs: a routine baseline (mean 11, limits 5.148 .. 16.852), then a week at 30.
BASELINE = [10, 12, 11, 13, 9, 11, 10, 12, 11, 13]
ROWS = [("Alpha", 10 - i, "open_bugs", v) for i, v in enumerate(BASELINE)] + [
    ("Alpha", 0, "open_bugs", 30),
    ("Beta", 10, "open_bugs", 1),
    ("Beta", 0, "open_bugs", 1),
]


def figure(at) -> dict:
    charts = at.get("plotly_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.spec)


def trace(fig: dict, name: str) -> dict:
    return next(t for t in fig["data"] if t.get("name") == name)


def open_trends(page, **query):
    at = page("app.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page("app_pages/trends.py")
    return at.run()


def test_the_page_runs_on_the_sample(sample_db, page):
    at = open_trends(page)
    assert not at.exception
    fig = figure(at)
    assert fig["layout"]["yaxis"]["title"]["text"] == "Open critical bugs (count)"
    assert "lower is better" in fig["layout"]["title"]["subtitle"]["text"]
    assert len(at.get("download_button")) == 2


def test_a_week_outside_the_limits_is_a_worse_signal(app_db, page):
    load(app_db, ROWS)
    at = open_trends(page, metric="open_bugs", scope="Teams", team="Alpha", weeks="13")
    assert not at.exception
    fig = figure(at)
    weekly = trace(fig, "weekly (value)")
    assert weekly["y"][-1] == 30
    upper = trace(fig, "process limits")
    assert upper["y"][0] > 16 and upper["y"][0] < 17
    worse = trace(fig, "signal: worse")
    assert worse["y"] == [30] and worse["marker"]["color"] == WORSE
    assert any("1 signal weeks" in m.value and ":red[1 worse]" in m.value for m in at.markdown)


def test_missing_weeks_are_gaps_and_listed(app_db, page):
    load(app_db, ROWS)
    at = open_trends(page, metric="open_bugs", scope="Teams", team=["Alpha", "Beta"], weeks="13")
    assert not at.exception
    fig = figure(at)
    beta = trace(fig, "Beta")
    assert beta["y"][-1] == 1 and beta["y"][-2] is None  # a gap, not a zero
    assert any(c.value.startswith("Beta did not report:") for c in at.caption)


def test_a_partial_week_is_hollow_and_left_out_of_the_limits(app_db, page):
    load(app_db, ROWS)
    at = open_trends(page, metric="open_bugs", weeks="13")
    fig = figure(at)
    weekly = trace(fig, "weekly (total)")
    # Beta reported only the first and last week: every week between is partial.
    assert weekly["marker"]["symbol"][-1] == "circle"
    assert weekly["marker"]["symbol"][-2] == "circle-open"
    assert any("Hollow points" in c.value for c in at.caption)


def test_an_improvement_is_green_for_a_lower_is_better_metric(app_db, page):
    baseline = [10, 14] * 4
    rows = [("Alpha", 15 - i, "escaped_defects", v) for i, v in enumerate(baseline)]
    rows += [("Alpha", 7 - i, "escaped_defects", 11) for i in range(8)]
    load(app_db, rows)
    at = open_trends(page, metric="escaped_defects", scope="Teams", team="Alpha", weeks="26")
    assert not at.exception
    better = trace(figure(at), "signal: better")
    assert better["marker"]["color"] == BETTER
    assert better["y"] == [11] * 8
    assert any(":green[8 better]" in m.value for m in at.markdown)


def test_the_view_is_in_the_url(app_db, page):
    load(app_db, ROWS)
    at = open_trends(page, metric="open_bugs", scope="Teams", team="Alpha", weeks="13",
                     rolling="2")  # fmt: skip
    assert at.selectbox(key="metric").value == "open_bugs"
    assert at.number_input(key="rolling").value == 2
    params = at.query_params
    assert params["metric"] in ("open_bugs", ["open_bugs"])
    assert params["team"] in ("Alpha", ["Alpha"])
    assert params["weeks"] in ("13", ["13"])
    # The default baseline follows the window, so only a chosen one is written into the link.
    assert "baseline" not in params


def test_every_rerun_keeps_the_page(sample_db, page):
    """The baseline slider hands its range back on the next run: no error box on rerun."""
    at = open_trends(page)
    assert not at.exception
    at.run()
    assert not at.exception
    at.number_input(key="rolling").set_value(6).run()
    assert not at.exception and figure(at)


def signal_line(at) -> str:
    return next(m.value for m in at.markdown if "signal" in m.value.lower())


def test_a_window_keeps_its_own_baseline(sample_db, page):
    """Switching to 26 weeks and back gives the first verdict again, and the link stays clean."""
    at = open_trends(page, metric="test_pass_rate", weeks="0")
    first = signal_line(at)
    at.selectbox(key="weeks").set_value(26).run()
    assert not at.exception
    at.selectbox(key="weeks").set_value(0).run()
    assert not at.exception
    assert signal_line(at) == first
    assert "baseline" not in at.query_params


def test_a_chosen_baseline_goes_into_the_link_and_back(app_db, page):
    load(app_db, ROWS)
    at = open_trends(page, metric="open_bugs", scope="Teams", team="Alpha", weeks="13")
    weeks = [dt.date.fromisoformat(w[:10]) for w in trace(figure(at), "weekly (value)")["x"]]
    at.select_slider[0].set_range(weeks[1], weeks[7]).run()
    assert not at.exception
    link = at.query_params["baseline"]
    assert link == f"{weeks[1]}..{weeks[7]}"
    again = open_trends(page, metric="open_bugs", scope="Teams", team="Alpha", weeks="13",
                        baseline=link)  # fmt: skip
    assert not again.exception
    assert again.select_slider[0].value == at.select_slider[0].value


def test_a_bad_baseline_in_the_link_is_named_not_a_crash(sample_db, page):
    for raw in ("2026-10-05", "2026-01-05..2026-03-02..2026-05-04", "x..y", "2026-05-04..2026-01-05",
                "2001-01-01..2001-03-05"):  # fmt: skip
        at = open_trends(page, baseline=raw)
        assert not at.exception, raw
        assert any("baseline" in c.value for c in at.caption), raw
        at.run()
        assert not at.exception, raw
