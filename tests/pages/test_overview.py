"""The Overview page: the sample on first start, an empty state, known numbers by scope."""

from __future__ import annotations

from tests.pages.builders import LAST, load


def test_first_start_creates_the_sample_and_says_so(tmp_path, monkeypatch, page):
    monkeypatch.delenv("DDQ_DB", raising=False)  # the default file, data/ddq.duckdb
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "data" / "ddq.duckdb"
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


KNOWN = [
    # open critical bugs: Alpha 9 a quarter ago, 5 last week, 3 now; Beta steady at 2 but
    # silent for the last three weeks.
    ("Alpha", 13, "open_critical_bugs", 9), ("Alpha", 1, "open_critical_bugs", 5),
    ("Alpha", 0, "open_critical_bugs", 3),
    ("Beta", 13, "open_critical_bugs", 2), ("Beta", 3, "open_critical_bugs", 2),
    # test pass rate (higher is better): 80 last week, 95 now
    ("Alpha", 1, "test_pass_rate", 80), ("Beta", 3, "test_pass_rate", 100),
    ("Alpha", 0, "test_pass_rate", 95),
]  # fmt: skip


def colour(metric) -> str:
    from streamlit.proto.Metric_pb2 import Metric

    return Metric.MetricColor.Name(metric.proto.color)


def _card(at, label):
    return next(m for m in at.metric if m.label == label)


def test_known_numbers_directions_and_freshness(app_db, page):
    load(app_db, KNOWN, areas={"Alpha": "Core", "Beta": "Edge"})
    at = page("app.py").run()
    assert not at.exception
    critical = _card(at, "Open critical bugs")
    assert critical.value == "3"
    assert critical.delta == "-2"  # 3 against Alpha's 5 (Beta missed that week too)
    assert colour(critical) == "GREEN"  # fewer is better
    markdown = [m.value for m in at.markdown]
    # A quarter ago both teams reported (9 + 2 = 11), now only Alpha (3): like for like,
    # Alpha's 9 against its 3. Green, because fewer.
    assert ":green[▼ 6] vs 13 weeks ago" in markdown
    captions = [c.value for c in at.caption]
    assert "Only 1 of 2 teams reported this week." in captions
    assert "Changes across the 1 team that reported both weeks." in captions
    rate = _card(at, "Test pass rate")
    assert rate.value == "95%" and rate.delta == "+15 pts" and colour(rate) == "GREEN"
    assert any(m.startswith("**Not yet reported for") and "Beta" in m for m in markdown)
    assert any(m.startswith("- Beta: last value") for m in markdown)
    assert any(m.startswith("- Alpha: 9 → 4") and ":green[▼ 5]" in m for m in markdown)


def test_a_team_that_did_not_report_is_not_counted_as_a_change(app_db, page):
    """Issue 14: "Open bugs 289, -27" in green, 23 of the 27 one team not reporting."""
    load(app_db, [("Alpha", 1, "open_bugs", 150), ("Beta", 1, "open_bugs", 143),
                  ("Gamma", 1, "open_bugs", 23),
                  ("Alpha", 0, "open_bugs", 148), ("Beta", 0, "open_bugs", 141)])  # fmt: skip
    at = page("app.py").run()
    assert not at.exception
    bugs = _card(at, "Open bugs")
    assert bugs.value == "289"  # this week's reporters, in total
    assert bugs.delta == "-4"  # not -27: Gamma did not report this week
    assert bugs.proto.delta_description == "vs week before"
    assert colour(bugs) == "GREEN"
    captions = [c.value for c in at.caption]
    assert "Only 2 of 3 teams reported this week." in captions
    assert "Changes across the 2 teams that reported both weeks." in captions


def test_movers_say_how_much_history_they_need(app_db, page):
    load(app_db, [(team, ago, "open_critical_bugs", 5 + ago % 3)
                  for team in ("Alpha", "Beta") for ago in range(12)])  # fmt: skip
    at = page("app.py").run()
    assert not at.exception
    assert any(i.value == "Movers need 17 weeks of history; you have 12." for i in at.info)
    assert "**Improved most**" not in [m.value for m in at.markdown]  # no bare "None." either


def test_an_area_link_opens_that_area(app_db, page):
    load(app_db, KNOWN, areas={"Alpha": "Core", "Beta": "Edge"})
    at = page("app.py")
    at.query_params["area"] = "Edge"
    at.run()
    assert not at.exception
    assert at.selectbox(key="area").value == "Edge"
    assert at.subheader[0].value.startswith("Week")
    # Edge holds only Beta, whose last open-critical value is 3 weeks old.
    assert _card(at, "Open critical bugs").value == "2"
    assert at.query_params["area"] == ["Edge"] or at.query_params["area"] == "Edge"


def test_a_bad_link_falls_back_and_says_so(app_db, page):
    load(app_db, KNOWN)
    at = page("app.py")
    at.query_params["area"] = "Nowhere"
    at.run()
    assert not at.exception
    assert at.selectbox(key="area").value == "Whole organisation"
    assert any("area='Nowhere'" in c.value for c in at.caption)


def test_the_latest_week_is_the_last_complete_one(app_db, page):
    load(app_db, KNOWN)
    at = page("app.py").run()
    year, number, _ = LAST.isocalendar()
    assert at.subheader[0].value.startswith(f"Week {year}-W{number:02d}")
