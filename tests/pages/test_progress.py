"""The Progress page on the sample: one team's cards, an area's grid, setting a target."""

from __future__ import annotations

import pytest

from ddq import db, progress
from ddq.access import SYSTEM
from ddq.sample import fill_demo


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
