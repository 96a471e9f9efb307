"""The sample organisation: deterministic, valid for every unit, and telling its stories."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from ddq import audit, clock, critical, db, ledger, meeting, ownership
from ddq.access import ADMIN, SYSTEM, Actor
from ddq.check import run_checks
from ddq.errors import Conflict, DdqError, NotFound
from ddq.ingest.bugs import import_bugs
from ddq.ingest.metrics import import_metrics
from ddq.ingest.roster import import_roster
from ddq.ingest.undo import undo as undo_import
from ddq.metrics import COUNT, DAYS, DEFAULT_CATALOG, PERCENT, current_week
from ddq.org import name_key
from ddq.progress import remove_target, set_target
from ddq.sample import (
    _AREAS,
    _HEADS,
    MAX_AREAS,
    BadSampleSize,
    area_count,
    ensure_empty_database,
    ensure_sample_database,
    fill_demo,
    remove_demo,
)

TODAY = dt.date(2026, 4, 15)  # a Wednesday: the current ISO week starts on 2026-04-13
METRICS = [m.key for m in DEFAULT_CATALOG]
UNITS = {m.key: m.unit for m in DEFAULT_CATALOG}


@pytest.fixture(scope="module", autouse=True)
def frozen_clock():
    """The sample's weeks and the bug metrics computed from its bugs end in the same week."""
    with clock.frozen(TODAY):
        yield


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The default sample, built once for the tests that only read it."""
    path = tmp_path_factory.mktemp("demo") / "demo.duckdb"
    with db.connect(path) as con:
        summary = fill_demo(con, today=TODAY, who=SYSTEM)
    return path, summary


def _values(path: Path) -> pd.DataFrame:
    with db.connect(path) as con:
        query = con.sql("""
            SELECT t.name AS team, mv.week, mv.metric, mv.value, mv.import_id
            FROM metric_values mv JOIN teams t ON t.id = mv.team_id
            ORDER BY t.name, mv.week, mv.metric
        """)
        return query.to_arrow_table().to_pandas()


def _wide(path: Path) -> pd.DataFrame:
    """One row per team and week, one column per metric (NaN where no value was written)."""
    return _values(path).pivot_table(
        index=["team", "week"], columns="metric", values="value", aggfunc="first"
    )


def _dump(path: Path) -> dict[str, list[tuple]]:
    with db.connect(path) as con:
        return {
            "areas": con.execute(
                "SELECT id, name, name_key, head FROM areas ORDER BY id"
            ).fetchall(),
            "teams": con.execute(
                "SELECT id, name, name_key, area_id, active FROM teams ORDER BY id"
            ).fetchall(),
            "values": con.execute(
                "SELECT team_id, week, metric, value, import_id FROM metric_values "
                "ORDER BY team_id, week, metric"
            ).fetchall(),
            "created": con.execute(
                "SELECT import_id, team_id FROM import_created_teams ORDER BY team_id"
            ).fetchall(),
        }


def _weeks_ago(week: pd.Series | dt.date, last_week: dt.date) -> Any:
    return (pd.Timestamp(last_week) - pd.to_datetime(week)) // pd.Timedelta(weeks=1)


def test_same_seed_and_today_give_identical_data(tmp_path: Path) -> None:
    dumps = []
    for name in ("a", "b"):
        with db.connect(tmp_path / f"{name}.duckdb") as con:
            fill_demo(con, teams=30, weeks=60, seed=11, today=TODAY, who=SYSTEM)
        dumps.append(_dump(tmp_path / f"{name}.duckdb"))
    assert dumps[0] == dumps[1]
    assert len(dumps[0]["values"]) > 10_000

    with db.connect(tmp_path / "other-seed.duckdb") as con:
        fill_demo(con, teams=30, weeks=60, seed=12, today=TODAY, who=SYSTEM)
    other = _dump(tmp_path / "other-seed.duckdb")
    assert other["teams"] == dumps[0]["teams"]  # the organisation does not depend on the seed
    assert other["values"] != dumps[0]["values"]


def test_defaults_make_sixteen_teams_in_four_areas_over_104_weeks(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    path, summary = demo
    last = current_week(TODAY)
    assert summary["last_week"] == last == dt.date(2026, 4, 13)
    assert summary["first_week"] == last - dt.timedelta(weeks=103)
    assert (summary["areas"], summary["teams"]) == (4, 16)
    with db.connect(path) as con:
        weeks = [
            w
            for (w,) in con.execute("SELECT DISTINCT week FROM metric_values ORDER BY 1").fetchall()
        ]
        assert len(weeks) == 104
        assert (weeks[0], weeks[-1]) == (summary["first_week"], summary["last_week"])
        assert all(w.isoweekday() == 1 for w in weeks)
        assert all((b - a).days == 7 for a, b in itertools.pairwise(weeks))

        areas = db.rows(con, "SELECT id, name, name_key, head FROM areas ORDER BY id")
        assert [a["name"] for a in areas] == [
            "Payments & Checkout",
            "Search & Discovery",
            "Platform",
            "Mobile",
        ]
        assert all(a["name_key"] == name_key(a["name"]) and a["head"] for a in areas)

        teams = db.rows(con, "SELECT name, name_key, area_id, active FROM teams ORDER BY id")
        assert len(teams) == 16
        assert teams[0]["name"] == "Checkout"
        assert all(t["name_key"] == name_key(t["name"]) and t["active"] for t in teams)
        assert {t["area_id"] for t in teams} == {a["id"] for a in areas}
        per_area = db.rows(con, "SELECT area_id, count(*) AS n FROM teams GROUP BY area_id")
        assert {r["n"] for r in per_area} == {4}

        assert db.scalar(con, "SELECT count(*) FROM metric_values") == summary["values"]
        assert db.scalar(
            con, "SELECT list(DISTINCT metric ORDER BY metric) FROM metric_values"
        ) == (sorted(METRICS))

        entry = ledger.get(con, summary["import_id"])
        assert entry["kind"] == "demo"
        assert entry["file_name"] == "sample organisation (seed 7)"
        assert entry["who"] == "ddq sample"
        assert entry["rows_read"] == entry["added"] == summary["values"]
        assert entry["teams_created"] == 16
        assert db.scalar(con, "SELECT list(DISTINCT import_id) FROM metric_values") == [
            summary["import_id"]
        ]
        assert (
            db.scalar(
                con, "SELECT count(*) FROM import_created_teams WHERE import_id = ?", [entry["id"]]
            )
            == 16
        )


def test_without_today_the_sample_ends_in_the_current_week(tmp_path: Path) -> None:
    with db.connect(tmp_path / "now.duckdb") as con:
        summary = fill_demo(con, teams=2, weeks=8, who=Actor("tester", ADMIN))
        assert summary["last_week"] == current_week()
        assert db.scalar(con, "SELECT max(week) FROM metric_values") == current_week()
        assert ledger.get(con, summary["import_id"])["who"] == "tester"


def test_values_are_valid_for_their_unit(demo: tuple[Path, dict[str, Any]]) -> None:
    values = _values(demo[0])
    for metric, unit in UNITS.items():
        v = values.loc[values["metric"] == metric, "value"]
        assert len(v) > 0, metric
        assert (v >= 0).all(), metric
        if unit == COUNT:
            assert (v == v.round()).all(), metric
        elif unit == PERCENT:
            assert (v <= 100).all(), metric
            assert ((v * 10).round(6) % 1 == 0).all(), metric
        elif unit == DAYS:
            assert ((v * 10).round(6) % 1 == 0).all(), metric
        else:
            pytest.fail(f"no check for unit {unit}")


def test_numbers_hang_together(demo: tuple[Path, dict[str, Any]]) -> None:
    wide = _wide(demo[0])
    assert (wide["critical_bugs_past_sla"] <= wide["open_critical_bugs"]).all()
    assert (wide["open_critical_bugs"] <= wide["open_bugs"]).all()
    # Open critical bugs carry over: this week's = last week's + new - resolved.
    for _, team in wide.groupby(level="team"):
        team = team.droplevel("team")
        weeks = pd.to_datetime(team.index.to_series())
        consecutive = (weeks.diff() == pd.Timedelta(weeks=1)).to_numpy()
        expected = (
            team["open_critical_bugs"].shift()
            + team["new_critical_bugs"]
            - team["resolved_critical_bugs"]
        )
        assert (team["open_critical_bugs"][consecutive] == expected[consecutive]).all()
    # A median of nothing does not exist: it is missing exactly where nothing was resolved.
    no_median = wide["median_days_to_resolve_critical"].isna()
    assert (no_median == (wide["resolved_critical_bugs"] == 0)).all()
    assert wide.drop(columns="median_days_to_resolve_critical").notna().all().all()


def test_one_team_misses_a_recent_week_without_zeros(demo: tuple[Path, dict[str, Any]]) -> None:
    path, summary = demo
    stories = summary["stories"]
    gap_week = summary["last_week"] - dt.timedelta(weeks=3)
    assert stories["gap_week"] == gap_week
    values = _values(path)
    gap_team = values[values["team"] == stories["gap_team"]]
    weeks = set(gap_team["week"])
    assert gap_week not in weeks
    assert gap_week - dt.timedelta(weeks=1) in weeks
    assert gap_week + dt.timedelta(weeks=1) in weeks
    # Every other team did report that week, so the gap is the gap team's alone.
    in_gap_week = values[values["week"] == gap_week]
    assert set(in_gap_week["team"]) == set(values["team"]) - {stories["gap_team"]}
    # No team-week is reported as all zeros in place of a missing week.
    counts = [m.key for m in DEFAULT_CATALOG if m.unit == COUNT]
    wide = _wide(path)
    assert not (wide[counts] == 0).all(axis=1).any()


def test_one_team_joins_around_the_middle(demo: tuple[Path, dict[str, Any]]) -> None:
    path, summary = demo
    stories = summary["stories"]
    values = _values(path)
    first_weeks = values.groupby("team")["week"].min()
    late = stories["late_joiner"]
    assert first_weeks[late] == stories["late_join_week"]
    assert (first_weeks.drop(late) == summary["first_week"]).all()
    weeks_in = (stories["late_join_week"] - summary["first_week"]).days // 7
    assert 104 // 2 - 104 // 10 <= weeks_in <= 104 // 2 + 104 // 10
    joined = values[values["team"] == late]
    assert joined.groupby("week").size().eq(len(METRICS)).sum() > 40


def test_exactly_one_team_regresses_over_the_last_half_year(
    demo: tuple[Path, dict[str, Any]],
) -> None:
    path, summary = demo
    regressing = summary["stories"]["regressing"]
    assert regressing not in (None, summary["stories"]["late_joiner"])
    values = _values(path)
    open_critical = values[values["metric"] == "open_critical_bugs"].copy()
    open_critical["ago"] = _weeks_ago(open_critical["week"], summary["last_week"])

    def mean(team: str, newest: int, oldest: int) -> float:
        rows = open_critical[(open_critical["team"] == team)]
        return rows.loc[rows["ago"].between(newest, oldest), "value"].mean()

    assert mean(regressing, 0, 7) > mean(regressing, 26, 33)

    # Clearly: the last quarter against the half year before the slip, for every team.
    ratios = {
        team: (mean(team, 0, 12) + 1) / (mean(team, 26, 51) + 1)
        for team in open_critical["team"].unique()
    }
    clearly_worse = [team for team, ratio in ratios.items() if ratio > 2.5]
    assert clearly_worse == [regressing]

    pass_rate = values[(values["team"] == regressing) & (values["metric"] == "test_pass_rate")]
    ago = _weeks_ago(pass_rate["week"], summary["last_week"])
    assert (
        pass_rate.loc[ago < 8, "value"].mean() < pass_rate.loc[ago.between(26, 33), "value"].mean()
    )


def test_teams_improve_at_different_paces(demo: tuple[Path, dict[str, Any]]) -> None:
    path, summary = demo
    stories = summary["stories"]
    special = {stories["regressing"], stories["late_joiner"]}
    values = _values(path)
    open_critical = values[values["metric"] == "open_critical_bugs"].copy()
    open_critical["ago"] = _weeks_ago(open_critical["week"], summary["last_week"])

    def ratio(pace: str) -> float:
        teams = set(stories[pace]) - special
        assert teams, pace
        rows = open_critical[open_critical["team"].isin(teams)]
        return rows.loc[rows["ago"] < 13, "value"].sum() / rows.loc[rows["ago"] > 90, "value"].sum()

    assert ratio("fast") < 0.5 < ratio("slow") < 0.8 < ratio("flat")
    assert set(stories["fast"]) | set(stories["slow"]) | set(stories["flat"]) == set(values["team"])


def test_refuses_a_database_that_holds_data(tmp_path: Path) -> None:
    path = tmp_path / "full.duckdb"
    with db.connect(path) as con:
        first = fill_demo(con, teams=3, weeks=10, today=TODAY, who=SYSTEM)
        with pytest.raises(Conflict, match=r"already holds data.*new --db file"):
            fill_demo(con, teams=3, weeks=10, today=TODAY, who=SYSTEM)
        assert len(ledger.list_imports(con)) == 1
        assert db.scalar(con, "SELECT count(*) FROM metric_values") == first["values"]
        assert db.scalar(con, "SELECT count(*) FROM teams") == 3

    only_a_team = tmp_path / "team.duckdb"
    with db.connect(only_a_team) as con:
        con.execute("INSERT INTO teams (name, name_key) VALUES ('Real team', 'real team')")
        with pytest.raises(Conflict, match="1 teams, 0 metric values"):
            fill_demo(con, who=SYSTEM)
        assert ledger.list_imports(con) == []
        assert db.scalar(con, "SELECT count(*) FROM areas") == 0


def test_undo_removes_the_sample_and_it_can_be_loaded_again(tmp_path: Path) -> None:
    path = tmp_path / "undo.duckdb"
    with db.connect(path) as con:
        summary = fill_demo(con, today=TODAY, who=SYSTEM)
        result = undo_import(con, summary["import_id"], who=Actor("tester", ADMIN)).counts
        assert result == {"removed": summary["values"], "restored": 0, "teams_removed": 16,
                          "meetings_removed": 2, "definitions_removed": 2,
                          "areas_removed": 4}  # fmt: skip
        assert db.scalar(con, "SELECT count(*) FROM metric_values") == 0
        assert db.scalar(con, "SELECT count(*) FROM teams") == 0
        assert ledger.get(con, summary["import_id"])["status"] == "undone"
        assert _leftovers(con) == {}
        again = fill_demo(con, today=TODAY, who=SYSTEM)
        assert again["values"] == summary["values"]
        assert again["areas"] == 4
        assert db.scalar(con, "SELECT count(*) FROM areas") == 4
        assert db.scalar(con, "SELECT count(*) FROM meetings") == 2
        assert db.scalar(con, "SELECT count(*) FROM critical_defs") == 2


# Everything the sample writes, apart from the ledger and the audit log (kept for good).
SAMPLE_TABLES = ("areas", "teams", "metric_values", "champions", "bugs", "team_mappings",
                 "critical_defs", "endorsements", "targets", "meetings", "attendance",
                 "meeting_notes", "presented", "action_items", "events")  # fmt: skip


def _leftovers(con: Any) -> dict[str, int]:
    """Rows left in the tables the sample writes to, by table (empty: none).

    The events of other imports (a person's, undone in the test) are theirs, not the sample's.
    """
    counts = {t: db.scalar(con, f"SELECT count(*) FROM {t}") for t in SAMPLE_TABLES}
    counts["events"] = db.scalar(
        con, "SELECT count(*) FROM events WHERE import_id IS NULL OR import_id IN "
        "(SELECT id FROM imports WHERE kind = 'demo')"
    )  # fmt: skip
    return {t: n for t, n in counts.items() if n}


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small sample with its meetings, definitions and stances, copied for each test."""
    path = tmp_path_factory.mktemp("small") / "small.duckdb"
    with db.connect(path) as con:
        fill_demo(con, teams=6, weeks=30, today=TODAY, who=SYSTEM)
    return path


@pytest.fixture
def sample_copy(small_sample: Path, tmp_path: Path) -> Path:
    path = tmp_path / "copy.duckdb"
    shutil.copyfile(small_sample, path)
    return path


COACH = Actor("coach", ADMIN)
THIS_WEEK = current_week(TODAY)


def _open_meeting(con: Any) -> dict[str, Any]:
    return meeting.get_meeting(con, db.scalar(con, "SELECT max(id) FROM meetings"))


def test_removing_the_sample_leaves_nothing_and_every_check_passes(sample_copy: Path) -> None:
    with db.connect(sample_copy) as con:
        made = {t: db.scalar(con, f"SELECT count(*) FROM {t}") for t in SAMPLE_TABLES}
        assert all(made.values()), made  # the sample writes to every one of them
        done = remove_demo(con, who=COACH)
        assert done.kind == "demo" and "the sample organisation is removed" in done.summary()
        assert _leftovers(con) == {}
        assert [f.check for f in run_checks(con) if not f.ok] == []
        assert ledger.get(con, done.import_id)["status"] == "undone"
        assert [e["action"] for e in audit.entries(con, action="demo.undo")] == ["demo.undo"]
        with pytest.raises(NotFound, match="holds no sample"):
            remove_demo(con, who=COACH)


def test_the_samples_own_records_go_whatever_people_did_with_them(sample_copy: Path) -> None:
    with db.connect(sample_copy) as con:
        finished = meeting.get_meeting(con, 1)
        noted = db.rows(con, "SELECT t.name, n.kind, n.text FROM meeting_notes n "
                             "JOIN teams t ON t.id = n.team_id WHERE n.meeting_id = 1 LIMIT 1")[0]  # fmt: skip
        meeting.set_note(con, 1, noted["name"], noted["kind"], "Edited in the room.", COACH,
                         expected=noted["text"])  # fmt: skip
        live = _open_meeting(con)
        meeting.set_position(con, live["id"], 1, COACH)
        present = next(t["team"] for t in live["teams"] if t["champion"])
        meeting.set_attendance(con, live["id"], present, True, COACH)
        action = db.scalar(con, "SELECT min(id) FROM action_items")
        meeting.set_action_status(con, action, "done", COACH)
        answered = db.rows(con, "SELECT t.name FROM endorsements e JOIN teams t "
                                "ON t.id = e.team_id ORDER BY t.name LIMIT 1")[0]["name"]  # fmt: skip
        critical.record_stance(con, 2, team=answered, stance="abstain", who=COACH)
        critical.adopt(con, 2, effective_from=THIS_WEEK, who=COACH)  # the sample's proposal
        target = db.rows(con, "SELECT t.name, g.metric FROM targets g JOIN teams t "
                              "ON t.id = g.team_id LIMIT 1")[0]  # fmt: skip
        set_target(con, target["name"], target["metric"], target=1, due=TODAY + dt.timedelta(90),
                   who=COACH)  # fmt: skip
        assert finished["status"] == "finished"
        remove_demo(con, who=COACH)
        assert _leftovers(con) == {}
        assert [f.check for f in run_checks(con) if not f.ok] == []


def _import_values(con: Any, team: str) -> None:
    """A value of a week before the sample's first: added, not overwritten."""
    week = THIS_WEEK - dt.timedelta(weeks=40)
    import_metrics(con, f"team,week,metric,value\n{team},{week},escaped_defects,2\n".encode(),
                   file_name="ours.csv", who=COACH)  # fmt: skip


def _sample_team(con: Any) -> str:
    return db.scalar(con, "SELECT name FROM teams WHERE kind = 'team' ORDER BY id LIMIT 1")


def _our_team(con: Any) -> str:
    """A team of a person's own roster, with its champion."""
    import_roster(con, OUR_ROSTER, file_name="roster.csv", who=COACH, today=TODAY)
    return "Our team"


OUR_ROSTER = b"area,team,champion,email,since\nOurs,Our team,Ann Lee,ann@example.com,2026-01-05\n"


# What a person may add that refers to the sample: (how to add it, words of the refusal, how
# to take it back, or None when it cannot be).
ADDITIONS: dict[str, tuple[Any, str, Any]] = {
    "values": (
        lambda con: _import_values(con, _sample_team(con)),
        "Metric values of its teams from other imports: import 2 (ours.csv): 1 value(s) of "
        "Checkout. Undo those imports first",
        lambda con: undo_import(con, 2, who=COACH),
    ),
    "target": (
        lambda con: set_target(
            con, "Checkout", "open_bugs", target=3, due=TODAY + dt.timedelta(90), who=COACH
        ),
        "Targets set since: Checkout open_bugs. Remove them",
        lambda con: remove_target(con, "Checkout", "open_bugs", who=COACH),
    ),
    "mapping": (
        lambda con: ownership.set_mapping(con, "label", "payments", "Checkout", who=COACH),
        "Bug mappings to its teams made since: label payments to Checkout.",
        lambda con: ownership.remove_mapping(con, "label", "payments", who=COACH),
    ),
    "note": (
        lambda con: meeting.set_note(
            con, _open_meeting(con)["id"], "Checkout", "doing", "Our own words.", COACH
        ),
        "Meeting notes written since: Checkout in meeting 2 (doing). Clear them",
        lambda con: meeting.set_note(con, _open_meeting(con)["id"], "Checkout", "doing", "", COACH),
    ),
    "history": (
        lambda con: critical.apply_to_history(
            con, 1, since=THIS_WEEK - dt.timedelta(weeks=40), who=COACH
        ),
        "Definitions of the sample applied to history: import 2",
        lambda con: undo_import(con, 2, who=COACH),
    ),
    "action": (
        lambda con: meeting.add_action(
            con, team="Checkout", text="Ours", owner="Ann", due=TODAY + dt.timedelta(7), who=COACH
        ),
        "Action items added since: Checkout: Ours. An action item cannot be deleted.",
        None,
    ),
    "meeting": (
        lambda con: meeting.create_meeting(con, held_on=TODAY + dt.timedelta(1), who=COACH),
        "Meetings with its teams on the agenda: meeting 3 of 2026-04-16.",
        None,
    ),
    "stance": (
        lambda con: critical.record_stance(con, 2, team=_our_team(con), stance="agree", who=COACH),
        "Stances recorded since: Our team on v2. A stance cannot be deleted.",
        None,
    ),
}


@pytest.mark.parametrize("kind", list(ADDITIONS))
def test_what_people_added_since_keeps_the_sample_in_place(kind: str, sample_copy: Path) -> None:
    add, words, take_back = ADDITIONS[kind]
    with db.connect(sample_copy) as con:
        add(con)
        before = {t: db.scalar(con, f"SELECT count(*) FROM {t}") for t in SAMPLE_TABLES}
        with pytest.raises(Conflict) as refused:
            remove_demo(con, who=COACH)
        message = str(refused.value)
        assert message.startswith("The sample organisation (import 1) cannot be removed")
        assert words in message and "Nothing was changed" in message
        assert {t: db.scalar(con, f"SELECT count(*) FROM {t}") for t in SAMPLE_TABLES} == before
        assert ledger.get(con, 1)["status"] == "applied"
        if take_back is None:
            return
        take_back(con)
        remove_demo(con, who=COACH)
        assert _leftovers(con) == {}
        assert [f.check for f in run_checks(con) if not f.ok] == []


def test_a_later_import_of_the_samples_bugs_is_undone_first(sample_copy: Path) -> None:
    with db.connect(sample_copy) as con:
        key = db.scalar(con, "SELECT min(key) FROM bugs")
        export = ("Issue key,Summary,Issue Type,Status,Priority,Created\n"
                  f"{key},ours,Bug,Open,Major,2026/04/01 10:00\n")  # fmt: skip
        bugs = import_bugs(con, export.encode(), file_name="ours.csv", who=COACH, today=TODAY)
        with pytest.raises(
            Conflict, match=f"later import\\(s\\) {bugs.import_id} changed bugs it stored"
        ):
            remove_demo(con, who=COACH)
        undo_import(con, bugs.import_id, who=COACH)
        remove_demo(con, who=COACH)
        # Left: the undone import's own events, and the team that held its unassigned bug.
        assert set(_leftovers(con)) == {"teams"}
        assert db.scalar(con, "SELECT list(kind) FROM teams") == ["unassigned"]
        assert db.scalar(con, "SELECT list(DISTINCT import_id) FROM events") == [bugs.import_id]


def test_a_person_s_own_definition_and_meeting_of_their_own_teams_stay(
    sample_copy: Path,
) -> None:
    with db.connect(sample_copy) as con:
        _our_team(con)
        own = critical.create_draft(
            con, title="Ours", rule={"field": "priority", "in": ["P0"]}, who=COACH
        )
        ours = meeting.create_meeting(con, held_on=TODAY + dt.timedelta(1), areas=["Ours"],
                                      who=COACH)  # fmt: skip
        remove_demo(con, who=COACH)
        assert db.scalar(con, "SELECT list(name) FROM teams") == ["Our team"]
        assert db.scalar(con, "SELECT list(name) FROM areas") == ["Ours"]
        assert db.scalar(con, "SELECT list(version) FROM critical_defs") == [own]
        assert db.scalar(con, "SELECT list(id) FROM meetings") == [ours]
        assert [f.check for f in run_checks(con) if not f.ok] == []


def test_a_sample_loaded_before_its_records_were_kept_is_removed_completely(
    sample_copy: Path,
) -> None:
    """A database that got its sample from an older ddq: the migration finds its records."""
    with db.connect(sample_copy) as con:
        con.execute("DROP TABLE import_created_records")
        con.execute("DELETE FROM schema_migrations WHERE version = 11")
    db.forget_migrated(sample_copy)
    with db.connect(sample_copy) as con:
        assert db.scalar(con, "SELECT count(*) FROM import_created_records") > 0
        remove_demo(con, who=COACH)
        assert _leftovers(con) == {}
        assert [f.check for f in run_checks(con) if not f.ok] == []


def test_ensure_sample_database_creates_once(tmp_path: Path) -> None:
    path = tmp_path / "data" / "ddq.duckdb"
    assert ensure_sample_database(path) is True
    assert path.exists()
    with db.connect(path) as con:
        assert db.scalar(con, "SELECT count(*) FROM teams") == 16
        assert db.scalar(con, "SELECT max(week) FROM metric_values") == current_week()
    before = _dump(path)
    assert ensure_sample_database(path) is False
    assert _dump(path) == before


def test_ensure_sample_database_leaves_an_existing_file_alone(tmp_path: Path) -> None:
    empty = tmp_path / "empty.duckdb"
    with db.connect(empty):
        pass
    assert ensure_sample_database(str(empty)) is False
    with db.connect(empty) as con:
        assert db.scalar(con, "SELECT count(*) FROM teams") == 0

    not_a_database = tmp_path / "notes.duckdb"
    not_a_database.write_bytes(b"not a database")
    assert ensure_sample_database(not_a_database) is False
    assert not_a_database.read_bytes() == b"not a database"


def test_ensure_empty_database_creates_an_empty_one_once(tmp_path: Path) -> None:
    path = tmp_path / "ours" / "quality.duckdb"
    assert ensure_empty_database(path) is True
    with db.connect(path) as con:
        assert db.scalar(con, "SELECT count(*) FROM teams") == 0
        assert ledger.list_imports(con) == []
        fill_demo(con, teams=2, weeks=3, today=TODAY, who=SYSTEM)
    assert ensure_empty_database(path) is False
    with db.connect(path) as con:
        assert db.scalar(con, "SELECT count(*) FROM teams") == 2


@pytest.mark.parametrize(
    ("teams", "weeks"), [(1, 1), (2, 2), (1, 8), (2, 8), (3, 5), (5, 12), (40, 30)]
)
def test_small_and_odd_sizes_work(tmp_path: Path, teams: int, weeks: int) -> None:
    path = tmp_path / "small.duckdb"
    with db.connect(path) as con:
        summary = fill_demo(con, teams=teams, weeks=weeks, today=TODAY, who=SYSTEM)
        names = [n for (n,) in con.execute("SELECT name FROM teams").fetchall()]
    assert summary["teams"] == len(names) == len({name_key(n) for n in names}) == teams
    assert summary["areas"] == area_count(teams)
    assert summary["first_week"] == TODAY - dt.timedelta(days=2, weeks=weeks - 1)
    values = _values(path)
    assert len(values) == summary["values"] > 0
    assert values["week"].max() == summary["last_week"]
    stories = summary["stories"]
    if stories["gap_team"] is not None:
        gap_team = values[values["team"] == stories["gap_team"]]
        assert stories["gap_week"] not in set(gap_team["week"])
        assert gap_team["week"].min() < stories["gap_week"] < gap_team["week"].max()
    if stories["late_joiner"] is not None:
        late = values[values["team"] == stories["late_joiner"]]
        assert late["week"].min() == stories["late_join_week"] > summary["first_week"]
    counts = values[values["metric"].map(UNITS) == COUNT]["value"]
    assert (counts >= 0).all() and (counts == counts.round()).all()


def test_refuses_sizes_it_cannot_build(tmp_path: Path) -> None:
    with db.connect(tmp_path / "bad.duckdb") as con:
        with pytest.raises(BadSampleSize, match="at least one team"):
            fill_demo(con, teams=0, who=SYSTEM)
        with pytest.raises(BadSampleSize, match="at least one week"):
            fill_demo(con, weeks=0, who=SYSTEM)
        with pytest.raises(DdqError, match="earliest week"):
            fill_demo(con, weeks=2000, today=TODAY, who=SYSTEM)
        assert ledger.list_imports(con) == []


def test_names_are_believable_and_unique() -> None:
    assert [area_count(n) for n in (1, 2, 3, 16, 100, 500, 10_000)] == [1, 1, 2, 4, 10, 22, 25]
    assert len(_AREAS) == len(_HEADS) == MAX_AREAS
    team_keys = [name_key(team) for _, pool in _AREAS for team in pool]
    assert len(team_keys) == len(set(team_keys))
    assert not any(key[-1].isdigit() for key in team_keys)  # numbered names cannot collide


def test_500_teams_over_five_years(tmp_path: Path) -> None:
    path = tmp_path / "big.duckdb"
    with db.connect(path) as con:
        summary = fill_demo(con, teams=500, weeks=260, today=TODAY, who=SYSTEM)
        stories = summary["stories"]
        weeks_before_join = (stories["late_join_week"] - summary["first_week"]).days // 7
        team_weeks = 500 * 260 - weeks_before_join - 1  # the late joiner and the gap
        per_metric = dict(
            con.execute("SELECT metric, count(*) FROM metric_values GROUP BY metric").fetchall()
        )
        resolved_weeks = db.scalar(
            con,
            "SELECT count(*) FROM metric_values "
            "WHERE metric = 'resolved_critical_bugs' AND value > 0",
        )
        assert db.scalar(con, "SELECT count(DISTINCT name_key) FROM teams") == 500
        assert db.scalar(con, "SELECT count(*) FROM metric_values") == summary["values"]
    assert summary["areas"] == 22
    assert per_metric.pop("median_days_to_resolve_critical") == resolved_weeks
    assert per_metric == {m: team_weeks for m in METRICS if m != "median_days_to_resolve_critical"}
    assert summary["values"] == team_weeks * 7 + resolved_weeks
    assert summary["values"] > 1_000_000


def test_sample_does_not_import_streamlit() -> None:
    code = "import sys, ddq.sample; sys.exit('streamlit' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_ensure_sample_database_removes_a_half_made_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ddq.sample

    def broken(con: Any, **_: Any) -> dict[str, Any]:
        raise RuntimeError("disk full")

    monkeypatch.setattr(ddq.sample, "fill_demo", broken)
    path = tmp_path / "half.duckdb"
    with pytest.raises(RuntimeError, match="disk full"):
        ensure_sample_database(path)
    assert not path.exists()
    monkeypatch.undo()
    assert ensure_sample_database(path) is True
