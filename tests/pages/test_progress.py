"""The Progress page on the sample: one team's cards, an area's grid, setting a target."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq import db, org, progress, roster
from ddq.access import SYSTEM
from ddq.metrics import today_utc
from ddq.sample import fill_demo
from ddq.ui.format import plain
from tests.pages.builders import LAST, load
from tests.pages.layout import right_after


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
    next(s for s in at.selectbox if s.label == "Team").select("Catalog").run()
    next(s for s in at.selectbox if s.label == "Metric").select("open_bugs").run()
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
    next(s for s in at.selectbox if s.label == "Area").select(last_area).run()
    next(s for s in at.selectbox if s.label == "Metric").select("open_bugs").run()
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


def widget(widgets, label):
    return next(w for w in widgets if w.label == label)


def test_an_area_target_starts_at_the_area_of_the_team_on_screen_and_confirms_in_words(
    sample, page
):
    with db.connect(sample) as con:
        area = next(r["area"] for r in roster.roster(con) if r["team"] == "Billing")
        members = sorted(r["team"] for r in roster.roster(con) if r["area"] == area)
    at = open_page(page, team="Billing")
    widget(at.radio, "For").set_value("every team of an area").run()
    assert widget(at.selectbox, "Area").value == area
    widget(at.selectbox, "Metric").select("median_days_to_resolve_critical").run()
    widget(at.number_input, "Target").set_value(5.0)
    due = widget(at.date_input, "Due").value
    widget(at.button, "Save target").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with db.connect(sample) as con:
        rows = progress.targets(con)
    assert sorted(r["team"] for r in rows if r["metric"] == "median_days_to_resolve_critical") == (
        members
    )
    said = right_after(at.main, "Save target")
    assert said.type == "success", said
    assert said.value.startswith(plain(
        f"Target for median days to resolve critical set for the {len(members)} "
        f"{area} teams: 5 days by {due}"
    ))  # fmt: skip


def test_a_target_starts_at_the_team_on_screen_with_nothing_unseen(sample, page):
    at = open_page(page, team="iOS App")
    assert widget(at.selectbox, "Team").value == "iOS App"
    # A metric the team has a target for: the form starts from it.
    with db.connect(sample) as con:
        stored = next(r for r in progress.targets(con, team="iOS App")
                      if r["metric"] == "open_critical_bugs")  # fmt: skip
    widget(at.selectbox, "Metric").select("open_critical_bugs").run()
    assert widget(at.number_input, "Target").value == stored["target"]
    assert widget(at.date_input, "Due").value == stored["due"]
    # One it has none for: no number the person did not type, a due date a quarter ahead.
    widget(at.selectbox, "Metric").select("open_bugs").run()
    assert widget(at.number_input, "Target").value is None
    due = widget(at.date_input, "Due").value
    assert due == progress.quarter_after(today_utc()) and due > today_utc()
    widget(at.button, "Save target").click().run()
    assert not at.exception
    refused = right_after(at.main, "Save target")
    assert refused.type == "warning" and "nothing was saved" in refused.value
    with db.connect(sample) as con:
        assert not [r for r in progress.targets(con) if r["metric"] == "open_bugs"]
    widget(at.number_input, "Target").set_value(3.0)
    widget(at.button, "Save target").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    with db.connect(sample) as con:
        saved = [(r["team"], r["target"], r["due"]) for r in progress.targets(con)
                 if r["metric"] == "open_bugs"]  # fmt: skip
    assert saved == [("iOS App", 3.0, due)]
    said = right_after(at.main, "Save target")
    assert said.type == "success" and plain("set for iOS App: 3 by") in said.value


def test_the_area_view_starts_the_target_form_at_that_area(sample, page):
    at = open_page(page, area="Mobile")
    assert widget(at.radio, "For").value == "every team of an area"
    assert widget(at.selectbox, "Area").value == "Mobile"
