"""The app's first page: the sample on first start, an empty state, the headline metrics."""

from __future__ import annotations

from ddq import db
from ddq.sample import fill_demo


def test_first_start_creates_the_sample_and_says_so(tmp_path, monkeypatch, page):
    path = tmp_path / "fresh" / "ddq.duckdb"
    monkeypatch.setenv("DDQ_DB", str(path))
    at = page("app.py").run()
    assert not at.exception
    assert path.exists()
    assert any("sample organisation" in info.value for info in at.info)
    assert at.title[0].value == "Overview"
    assert len(at.metric) == 8
    assert {m.label for m in at.metric} >= {"Open critical bugs", "Test pass rate"}


def test_an_empty_database_shows_what_to_do(app_db, page):
    at = page("app.py").run()
    assert not at.exception
    assert any("No metric values yet" in info.value for info in at.info)
    assert not at.metric


def test_headlines_add_counts_and_take_medians(app_db, page):
    with db.connect(app_db) as con:
        fill_demo(con, teams=3, weeks=6)
        week = con.execute(
            "SELECT max(week) FROM metric_values WHERE week < date_trunc('week', current_date)"
        ).fetchone()[0]
        open_bugs = con.execute(
            "SELECT sum(value) FROM metric_values WHERE metric = 'open_bugs' AND week = ?", [week]
        ).fetchone()[0]
        pass_rate = con.execute(
            "SELECT median(value) FROM metric_values WHERE metric = 'test_pass_rate' AND week = ?",
            [week],
        ).fetchone()[0]
    at = page("app.py").run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Open bugs"] == f"{open_bugs:,.0f}"
    assert shown["Test pass rate"].removesuffix(" %") in (f"{pass_rate:,.1f}", f"{pass_rate:,.0f}")
    assert any("sample organisation" in info.value for info in at.info)
