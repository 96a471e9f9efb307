"""ddq.trends: scoped weekly aggregates, gaps, movers, freshness and the trend view."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq import db, events, trends
from ddq.access import ADMIN, Actor
from ddq.export import rows_to_csv
from ddq.ingest.metrics import import_metrics
from ddq.metrics import catalog

TODAY = dt.date(2026, 3, 4)  # a Wednesday of 2026-W10
LAST = trends.latest_complete_week(TODAY)  # Monday 2026-02-23


def w(ago: int) -> dt.date:
    return LAST - dt.timedelta(weeks=ago)


@pytest.fixture
def con(tmp_path):
    with db.connect(tmp_path / "t.duckdb") as connection:
        yield connection


def load(con, rows, areas=None):
    text = "team,week,metric,value\n" + "".join(
        f"{t},{w(a).isoformat()},{m},{v}\n" for t, a, m, v in rows
    )
    import_metrics(con, text.encode(), who=Actor("t", ADMIN), create_teams=True, today=TODAY)
    for team, area in (areas or {}).items():
        con.execute(
            "INSERT INTO areas (name, name_key) SELECT ?, lower(?) WHERE NOT EXISTS "
            "(SELECT 1 FROM areas WHERE name_key = lower(?))",
            [area, area, area],
        )
        con.execute("UPDATE teams SET area_id = (SELECT id FROM areas WHERE name_key = lower(?)) "
                    "WHERE name_key = lower(?)", [area, team])  # fmt: skip


def metric(con, key):
    return next(m for m in catalog(con) if m.key == key)


def test_counts_add_up_and_rates_take_the_median(con):
    load(con, [("A", 0, "open_bugs", 3), ("B", 0, "open_bugs", 4), ("C", 0, "open_bugs", 10),
               ("A", 0, "test_pass_rate", 90), ("B", 0, "test_pass_rate", 80),
               ("C", 0, "test_pass_rate", 99)])  # fmt: skip
    rows = {r["metric"]: r for r in trends.aggregate(con, trends.Scope(), LAST, LAST)}
    assert rows["open_bugs"]["value"] == 17
    assert rows["test_pass_rate"]["value"] == 90
    assert (rows["test_pass_rate"]["q1"], rows["test_pass_rate"]["q3"]) == (85, 94.5)
    assert rows["open_bugs"]["reporting"] == rows["open_bugs"]["expected"] == 3


def test_a_week_without_values_is_none_and_a_missed_week_is_partial(con):
    load(con, [("A", 2, "open_bugs", 3), ("B", 2, "open_bugs", 4), ("A", 0, "open_bugs", 5)])
    rows = trends.aggregate(con, trends.Scope(), w(2), LAST, "open_bugs")
    assert [r["value"] for r in rows] == [7, None, 5]
    assert [(r["reporting"], r["expected"]) for r in rows] == [(2, 2), (0, 2), (1, 2)]
    missing = trends.missing_reports(con, trends.Scope(), w(2), LAST)
    assert missing == [{"team": "A", "weeks": [w(1)]}, {"team": "B", "weeks": [w(1), w(0)]}]


def test_a_late_joiner_is_not_expected_before_it_started(con):
    load(con, [("A", 2, "open_bugs", 3), ("A", 1, "open_bugs", 3), ("B", 1, "open_bugs", 1)])
    rows = trends.aggregate(con, trends.Scope(), w(2), w(1), "open_bugs")
    assert [r["expected"] for r in rows] == [1, 2]
    assert trends.missing_reports(con, trends.Scope(), w(2), w(1)) == []


def test_scopes_filter_by_area_and_by_team(con):
    load(con, [("A", 0, "open_bugs", 3), ("B", 0, "open_bugs", 4), ("C", 0, "open_bugs", 10)],
         areas={"A": "Core", "B": "Core", "C": "Edge"})  # fmt: skip
    core = trends.aggregate(con, trends.Scope(area="core"), LAST, LAST, "open_bugs")
    assert core[0]["value"] == 7
    teams = trends.team_series(con, trends.Scope(teams=("c", "A")), "open_bugs", LAST, LAST)
    assert [(r["team"], r["value"]) for r in teams] == [("A", 3), ("C", 10)]


def test_the_window_ends_with_the_latest_complete_week(con):
    load(con, [("A", 30, "open_bugs", 1), ("A", 0, "open_bugs", 1)])
    assert trends.window(con, 26, TODAY) == (w(25), LAST)
    assert trends.window(con, None, TODAY) == (w(30), LAST)


def test_an_old_database_still_shows_its_last_weeks(con):
    load(con, [("A", 60, "open_bugs", 1), ("A", 50, "open_bugs", 1)])
    assert trends.window(con, 13, TODAY) == (w(60), w(50))


def test_rolling_mean_skips_gaps():
    assert trends.rolling_mean([2, None, 4, 6, None], 2) == [2, 2, 4, 5, 6]
    assert trends.rolling_mean([None, None], 3) == [None, None]


def test_movers_rank_by_the_metrics_good_direction(con):
    rows = []
    for ago in range(16, 12, -1):  # a quarter earlier
        rows += [("Down", ago, "open_bugs", 10), ("Up", ago, "open_bugs", 2)]
    for ago in range(3, -1, -1):  # the last four weeks
        rows += [("Down", ago, "open_bugs", 4), ("Up", ago, "open_bugs", 5)]
    load(con, rows)
    moved = trends.movers(con, trends.Scope(), metric(con, "open_bugs"), TODAY)
    assert [(m["team"], m["change"], m["improvement"]) for m in moved] == [
        ("Down", -6, 6), ("Up", 3, -3)]  # fmt: skip


def test_freshness_names_who_missed_the_week_and_who_went_silent(con):
    load(con, [("Now", 0, "open_bugs", 1), ("Late", 1, "open_bugs", 1),
               ("Silent", 3, "open_bugs", 1)])  # fmt: skip
    fresh = trends.freshness(con, trends.Scope(), TODAY)
    assert fresh["week"] == LAST
    assert fresh["not_reported"] == ["Late", "Silent"]
    assert fresh["silent"] == [{"team": "Silent", "last_week": w(3)}]
    assert fresh["last_import"]["file_name"] == "upload.csv"


def test_headlines_compare_with_the_week_before_and_a_quarter_ago(con):
    load(con, [("A", 13, "open_bugs", 9), ("A", 1, "open_bugs", 5), ("A", 0, "open_bugs", 3)])
    (h,) = trends.headlines(con, trends.Scope(), [metric(con, "open_bugs")], TODAY)
    assert (h["week"], h["value"], h["previous"], h["quarter_ago"]) == (LAST, 3, 5, 9)
    assert h["history"] == [9, 5, 3]


def test_changes_compare_only_the_teams_that_reported_both_weeks(con):
    """Issue 14: "Open bugs 289, -27", where 23 of the 27 was one team not reporting."""
    load(con, [("A", 13, "open_bugs", 160), ("C", 13, "open_bugs", 30),
               ("A", 1, "open_bugs", 150), ("B", 1, "open_bugs", 143), ("C", 1, "open_bugs", 23),
               ("A", 0, "open_bugs", 148), ("B", 0, "open_bugs", 141),  # C is silent
               ("A", 1, "test_pass_rate", 80), ("B", 1, "test_pass_rate", 90),
               ("C", 1, "test_pass_rate", 40),
               ("A", 0, "test_pass_rate", 82), ("B", 0, "test_pass_rate", 91),
               ("D", 0, "test_pass_rate", 99)])  # D reports for the first time  # fmt: skip
    bugs, rate = trends.headlines(con, trends.Scope(),
                                  [metric(con, "open_bugs"), metric(con, "test_pass_rate")], TODAY)  # fmt: skip
    # The headline stays the total of this week's reporters, and says who reported.
    assert bugs["value"] == 289 and bugs["previous"] == 316
    assert (bugs["reporting"], bugs["expected"]) == (2, 3)
    # The change is over A and B only: 289 against their 293, not against 316.
    assert bugs["vs_previous"] == trends.Change(weeks=1, teams=2, before=293, after=289)
    assert bugs["vs_previous"].value == -4
    # A quarter ago only A and C reported, and C is silent now: A alone, 160 to 148.
    assert bugs["vs_quarter"] == trends.Change(weeks=13, teams=1, before=160, after=148)
    # Rates: the median of the same teams both weeks (A and B: 85 to 86.5), not 80 to 91.
    assert (rate["value"], rate["previous"]) == (91, 80)
    assert rate["vs_previous"] == trends.Change(weeks=1, teams=2, before=85, after=86.5)
    assert rate["vs_quarter"] is None  # nobody reported a pass rate a quarter ago


def test_movers_know_how_much_history_they_need(con):
    load(con, [("A", ago, "open_bugs", 10 - ago % 3) for ago in range(12)])
    assert trends.history_weeks(con, trends.Scope(), "open_bugs", TODAY) == 12
    assert trends.history_weeks(con, trends.Scope(), "test_pass_rate", TODAY) == 0
    assert trends.MOVERS_HISTORY_WEEKS == 17  # the last 4 weeks and 4 weeks a quarter before
    assert trends.movers(con, trends.Scope(), metric(con, "open_bugs"), TODAY) == []


def test_partial_weeks_are_left_out_of_the_limits(con):
    base = [10, 12, 11, 13, 9, 11, 10, 12]
    rows = [("A", 9 - i, "open_bugs", v) for i, v in enumerate(base)]
    rows += [("B", 9 - i, "open_bugs", 0) for i in range(8)]
    rows += [("A", 1, "open_bugs", 0), ("A", 0, "open_bugs", 11), ("B", 0, "open_bugs", 0)]
    load(con, rows)
    view = trends.build_trend(con, metric(con, "open_bugs"), trends.Scope(), 13, today=TODAY)
    # Week 1 ago: A reported 0 and B nothing: a partial week, not a signal of improvement.
    assert view.partial[-2] is True
    assert all(s.week != w(1) for s in view.signals)
    assert view.limits.centre == pytest.approx(11)


def test_the_table_behind_the_chart_is_formula_safe_csv(con):
    load(con, [("=Evil", 1, "open_bugs", 3), ("=Evil", 0, "open_bugs", 4),
               ("Good", 0, "open_bugs", 1)])  # fmt: skip
    view = trends.build_trend(con, metric(con, "open_bugs"), trends.Scope(teams=("=Evil", "Good")),
                              13, today=TODAY)  # fmt: skip
    text = rows_to_csv(view.table())
    assert text.splitlines()[0] == "team,week,value"
    assert f"'=Evil,{w(0).isoformat()},4" in text.splitlines()
    assert f"Good,{w(1).isoformat()}," in text.splitlines()  # the gap stays empty


def test_events_concern_their_scope(con):
    load(con, [("A", 0, "open_bugs", 1), ("B", 0, "open_bugs", 1)],
         areas={"A": "Core", "B": "Edge"})  # fmt: skip
    when = dt.datetime.combine(LAST, dt.time(9))
    team_a = con.execute("SELECT id FROM teams WHERE name = 'A'").fetchone()[0]
    events.add(con, kind="note", title="A starts pairing", happened_at=when, team_id=team_a)
    events.add(con, kind="definition", title="Definition v2 adopted", happened_at=when)
    titles = lambda **scope: [e["title"] for e in events.between(con, LAST, LAST, **scope)]  # noqa: E731
    assert titles(area="Core") == ["A starts pairing", "Definition v2 adopted"]
    assert titles(area="Edge") == ["Definition v2 adopted"]
    assert titles(teams=("a",)) == ["A starts pairing", "Definition v2 adopted"]
    assert titles() == ["Definition v2 adopted"]


def test_team_headlines_are_each_teams_own_headlines(tmp_path):
    """The batch read for many teams gives what headlines() gives for each team alone."""
    from ddq.access import SYSTEM
    from ddq.metrics import catalog
    from ddq.sample import fill_demo

    with db.connect(tmp_path / "s.duckdb") as con:
        fill_demo(con, teams=12, weeks=40, who=SYSTEM)
        metrics = catalog(con)
        teams = db.rows(con, "SELECT id, name FROM teams ORDER BY id")
        con.execute("UPDATE teams SET active = false WHERE id = ?", [teams[0]["id"]])
        batch = trends.team_headlines(con, [t["id"] for t in teams], metrics)
        for team in teams:
            alone = trends.headlines(con, trends.Scope(teams=(team["name"],)), metrics)
            keep = ("metric", "week", "value", "previous", "quarter_ago", "history", "vs_previous",
                    "vs_quarter")  # fmt: skip
            assert [{k: h[k] for k in keep} for h in batch[team["id"]]] == [
                {k: h[k] for k in keep} for h in alone
            ], team["name"]
        assert batch[teams[0]["id"]] == []  # a retired team, as headlines() has it
        assert sum(len(v) for v in batch.values()) > 80
        # One team's like-for-like change is its own change, when it reported both weeks.
        for h in (h for heads in batch.values() for h in heads):
            if h["previous"] is None:
                assert h["vs_previous"] is None
            else:
                assert h["vs_previous"].teams == 1
                assert h["vs_previous"].value == h["value"] - h["previous"]


def test_estimated_resolutions_are_told_only_under_numbers_computed_from_bugs(con):
    """Bugs with estimated resolutions are "behind" a chart only when its values were
    computed from the bugs: not under uploaded values, nor a metric nothing computed."""
    from ddq import clock, ownership
    from ddq.ingest.bugs import import_bugs

    who = Actor("t", ADMIN)
    with clock.frozen(TODAY):
        load(con, [("A", 1, "open_critical_bugs", 2), ("A", 0, "open_critical_bugs", 1)])
        export = ("Issue key,Created,Updated,Status,Component/s\n"
                  "AB-1,05/Jan/26 10:00,06/Jan/26 10:00,Closed,alpha\n")  # fmt: skip
        import_bugs(con, export.encode(), who=who, today=TODAY)
        ownership.set_mapping(con, "component", "alpha", "A", who=who)
        # No definition is in force: the critical numbers are the uploaded ones.
        uploaded = trends.build_trend(con, metric(con, "open_critical_bugs"), trends.Scope(),
                                      13, today=TODAY)  # fmt: skip
        assert uploaded is not None and uploaded.estimated == 0
        computed = trends.build_trend(con, metric(con, "open_bugs"), trends.Scope(), None,
                                      today=TODAY)  # fmt: skip
        assert computed is not None and computed.estimated == 1
