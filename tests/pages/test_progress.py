"""The Progress page on the sample: one team's cards, an area's grid, setting a target."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq import db, org, progress, roster
from ddq.access import SYSTEM
from ddq.sample import fill_demo
from tests.pages.builders import LAST, load


@pytest.fixture
def sample(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    with db.connect(path) as con:
        fill_demo(con, who=SYSTEM)
    monkeypatch.setenv("DDQ_DB", str(path))
    return path


def open_page(page, **query):
    at = page("app.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page("app_pages/progress.py")
    return at.run()


def test_a_team_from_the_roster_link_shows_a_card_per_target(sample, page):
    at = open_page(page, team="Billing")
    assert not at.exception
    assert at.subheader[0].value == "Billing · champion Dana Dubois"
    with db.connect(sample) as con:
        expected = {r.metric.label: r.status for r in progress.progress_for(con, team="Billing")
                    if r.has_target}  # fmt: skip
    assert len(expected) == 3 and len(at.get("plotly_chart")) == 3
    shown = " ".join(m.value for m in at.markdown)
    for label, status in expected.items():
        assert f"**{label}** :" in shown and f"-badge[{status}]" in shown


def test_an_area_shows_a_grid_and_calls_out_teams_without_a_champion(sample, page):
    at = open_page(page, area="Mobile")
    assert not at.exception
    grid = at.dataframe[0].value
    assert set(grid["Team"]) == {"Android App", "iOS App", "Mobile Platform", "Push Notifications"}
    assert any("No champion: Push Notifications" in w.value for w in at.warning)


def test_a_target_is_set_from_the_page(sample, page):
    at = open_page(page, team="Catalog")
    next(s for s in at.selectbox if s.label == "Team").select("Catalog")
    next(s for s in at.selectbox if s.label == "Metric").select("open_bugs")
    next(n for n in at.number_input if n.label == "Target").set_value(1.0)
    next(b for b in at.button if b.label == "Save target").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with db.connect(sample) as con:
        rows = progress.progress_for(con, team="Catalog")
    assert any(r.metric.key == "open_bugs" and r.target == 1.0 for r in rows)


def test_a_retired_team_is_not_offered_and_its_link_says_so(sample, page):
    with db.connect(sample) as con:
        roster.set_team_active(con, "Catalog", False, who=SYSTEM)
    at = open_page(page, team="Catalog")
    assert not at.exception
    assert any("team='Catalog' is not available" in c.value for c in at.caption)
    chooser = at.selectbox(key="team")
    assert "Catalog" not in chooser.options and chooser.value is None


def test_an_area_target_lets_the_area_be_chosen_before_it_is_saved(sample, page):
    with db.connect(sample) as con:
        last_area = org.areas(con)[-1]["name"]
    at = open_page(page)
    next(r for r in at.radio if r.label == "For").set_value("every team of an area").run()
    at.selectbox(key="target_area").select(last_area)
    next(s for s in at.selectbox if s.label == "Metric").select("open_bugs")
    next(n for n in at.number_input if n.label == "Target").set_value(1.0)
    next(b for b in at.button if b.label == "Save target").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with db.connect(sample) as con:
        rows = [
            r for r in progress.progress_for(con) if r.metric.key == "open_bugs" and r.has_target
        ]
    assert rows and {r.area for r in rows} == {last_area}


def test_without_areas_a_target_is_for_one_team(app_db, page):
    load(app_db, [("Alpha", ago, "open_bugs", 5) for ago in range(8)])
    at = open_page(page)
    assert not at.exception
    assert not [r for r in at.radio if r.label == "For"]
    next(n for n in at.number_input if n.label == "Target").set_value(1.0)
    next(b for b in at.button if b.label == "Save target").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]


def test_cards_keep_the_decimals_that_tell_numbers_apart(app_db, page):
    """Issue 14: 8.5 → 8.5 → 6.4 read "8 → 8 → 6", and 0.5 → 0.75 → 0.4 read "0 → 1 → 0"."""
    load(app_db, [("Alpha", ago, "open_critical_bugs", 8 + ago % 2) for ago in range(12)]
         + [("Alpha", ago, "escaped_defects", 0 if ago == 2 else 1) for ago in range(12)])  # fmt: skip
    due = LAST + dt.timedelta(weeks=16)
    with db.connect(app_db) as con:
        for metric, baseline, target in (("open_critical_bugs", 8.5, 6.4),
                                         ("escaped_defects", 0.5, 0.4)):  # fmt: skip
            progress.set_target(con, "Alpha", metric, target=target, due=due, baseline=baseline,
                                who=SYSTEM)  # fmt: skip
    at = open_page(page, team="Alpha")
    assert not at.exception
    shown = [m.value for m in at.markdown]
    assert f"8.5 → **8.5** → 6.4 by {due:%d %b %Y}" in shown
    assert f"0.5 → **0.75** → 0.4 by {due:%d %b %Y}" in shown
