"""The weekly bug metrics always equal a fresh, independent count of the stored bugs.

Every kind of change to what they come from (a bug import, a re-import, an undo of each
kind, a team mapping and its removal, an adoption and a retirement, a definition applied to
history, the issue types that count as bugs, a metrics upload over computed weeks) is made
in turn; after each, the stored values are compared with a count written here in plain
Python from the rows of the ``bugs`` table, and ``ddq check`` must pass.
"""

from __future__ import annotations

import datetime as dt
import statistics
from typing import Any

import pytest

from ddq import bugmetrics, clock, critical, db, ownership, roster, settings
from ddq.access import ADMIN, Actor
from ddq.check import run_checks
from ddq.ingest.bugs import import_bugs
from ddq.ingest.metrics import import_metrics
from ddq.ingest.undo import undo

ADA = Actor("ada", ADMIN)
TODAY = dt.date(2026, 3, 4)  # the latest complete week starts on Monday 2026-02-23
HEADER = "Issue key,Summary,Issue Type,Status,Priority,Created,Resolved,Component/s,Labels\n"
FIRST = HEADER + "".join([
    "PAY-1,crash,Bug,Open,Critical,05/Jan/26 10:00,,payments,\n",
    "PAY-2,slow,Bug,Closed,Major,06/Jan/26 10:00,20/Jan/26 09:00,payments,security\n",
    "PAY-3,typo,Bug,Closed,Blocker,13/Jan/26 10:00,14/Jan/26 12:00,payments,\n",
    "SRCH-1,ranking,Bug,Open,Critical,02/Feb/26 10:00,,search,\n",
    "SRCH-2,cache,Defect,Open,Major,03/Feb/26 10:00,,search,data-loss\n",
    "SRCH-3,feature,Story,Open,Critical,03/Feb/26 11:00,,search,\n",
    "OPS-1,disk,Bug,Closed,Critical,12/Jan/26 10:00,10/Feb/26 10:00,ops,\n",
    "OPS-2,alert,Bug,Open,Minor,19/Jan/26 10:00,,,\n",
])  # fmt: skip
SECOND = HEADER + "".join([
    "PAY-1,crash,Bug,Closed,Critical,05/Jan/26 10:00,16/Feb/26 10:00,payments,\n",
    "PAY-4,refund,Bug,Open,Blocker,17/Feb/26 10:00,,payments,\n",
    "SRCH-2,cache,Defect,Open,Critical,03/Feb/26 10:00,,search,data-loss\n",
])  # fmt: skip


# ------------------------------------------------------------------- the independent count


def _fold(text: Any) -> str:
    return str(text or "").strip().lower()


def _owner(bug: dict[str, Any], teams: dict[str, int], maps: dict[tuple[str, str], int]) -> int:
    if bug["team_name"] and _fold(bug["team_name"]) in teams:
        return teams[_fold(bug["team_name"])]
    for component in bug["components"]:
        if ("component", _fold(component)) in maps:
            return maps["component", _fold(component)]
    if bug["project"] and ("project", _fold(bug["project"])) in maps:
        return maps["project", _fold(bug["project"])]
    for label in bug["labels"]:
        if ("label", _fold(label)) in maps:
            return maps["label", _fold(label)]
    return -1  # Unassigned


def _critical(rule: dict[str, Any], bug: dict[str, Any]) -> bool:
    """The two rule shapes this test uses: priority in a list, or any of such rules."""
    if "any" in rule:
        return any(_critical(r, bug) for r in rule["any"])
    if "has_any" in rule:
        return bool({_fold(v) for v in bug[rule["field"]]} & {_fold(v) for v in rule["has_any"]})
    return _fold(bug[rule["field"]]) in {_fold(v) for v in rule["in"]}


def _monday(moment: dt.datetime | dt.date) -> dt.date:
    day = moment.date() if isinstance(moment, dt.datetime) else moment
    return day - dt.timedelta(days=day.weekday())


def independent(con) -> dict[tuple[int, dt.date, str], float]:
    """Every (team id, week, metric) value, counted bug by bug without ddq's SQL."""
    import json

    bugs = db.rows(con, "SELECT * FROM bugs")
    teams = {k: i for i, k in con.execute("SELECT id, name_key FROM teams WHERE kind = 'team'")
             .fetchall()}  # fmt: skip
    maps = {(kind, key): team for kind, key, team in con.execute(
        "SELECT m.kind, m.value_key, m.team_id FROM team_mappings m "
        "JOIN teams t ON t.id = m.team_id AND t.kind = 'team'").fetchall()}  # fmt: skip
    types = [_fold(t) for t in settings.as_list(settings.current(con)["bug_types"])]
    defs = db.rows(con, "SELECT * FROM critical_defs WHERE status IN ('adopted', 'retired') "
                        "AND effective_from IS NOT NULL")  # fmt: skip
    history = con.execute(
        "SELECT h.version, h.since_week FROM critical_history h JOIN imports i "
        "ON i.id = h.import_id AND i.status = 'applied'"
    ).fetchall()
    unassigned = con.execute("SELECT id FROM teams WHERE kind = 'unassigned'").fetchone()
    last = clock.latest_complete_week()

    def counts_as_bug(bug: dict[str, Any]) -> bool:
        kind = _fold(bug["type"])
        return not kind or (kind in types if types else "bug" in kind)

    def version_of(week: dt.date) -> int | None:
        found = []
        for d in defs:
            until = _monday(d["retired_at"]) if d["retired_at"] else None
            if _monday(d["effective_from"]) <= week and (until is None or week < until):
                found.append(d["version"])
        for version, since in history:
            until = next((_monday(d["retired_at"]) for d in defs
                          if d["version"] == version and d["retired_at"]), None)  # fmt: skip
            if since <= week and (until is None or week < until):
                found.append(version)
        return max(found) if found else None

    rules = {d["version"]: (json.loads(d["rule"]), d["sla_days"]) for d in defs}
    by_team: dict[int, list[dict[str, Any]]] = {}
    for bug in bugs:
        if counts_as_bug(bug) and _monday(bug["created"]) <= last:
            by_team.setdefault(_owner(bug, teams, maps), []).append(bug)
    out: dict[tuple[int, dt.date, str], float] = {}
    for team, found in by_team.items():
        team_id = unassigned[0] if team == -1 and unassigned else team
        week = min(_monday(b["created"]) for b in found)
        while week <= last:
            start = dt.datetime.combine(week, dt.time())
            end = start + dt.timedelta(weeks=1)

            def resolved(b: dict[str, Any]) -> dt.datetime | None:
                return max(b["resolved"], b["created"]) if b["resolved"] else None

            def open_at_end(b: dict[str, Any], end: dt.datetime = end) -> bool:
                return b["created"] < end and (resolved(b) is None or resolved(b) >= end)

            out[team_id, week, "open_bugs"] = sum(open_at_end(b) for b in found)
            version = version_of(week)
            if version is not None:
                rule, sla = rules[version]
                crit = [b for b in found if _critical(rule, b)]
                out[team_id, week, "open_critical_bugs"] = sum(open_at_end(b) for b in crit)
                out[team_id, week, "new_critical_bugs"] = sum(
                    start <= b["created"] < end for b in crit
                )
                done = [b for b in crit if resolved(b) and start <= resolved(b) < end]
                out[team_id, week, "resolved_critical_bugs"] = len(done)
                if done:
                    out[team_id, week, "median_days_to_resolve_critical"] = round(
                        statistics.median(
                            (resolved(b) - b["created"]).total_seconds() / 86400 for b in done
                        ), 2
                    )  # fmt: skip
                if sla is not None:
                    out[team_id, week, "critical_bugs_past_sla"] = sum(
                        open_at_end(b) and b["created"] + dt.timedelta(days=sla) < end
                        and _monday(b["created"] + dt.timedelta(days=sla)) <= week
                        for b in crit
                    )  # fmt: skip
            week += dt.timedelta(weeks=1)
    # A team-week someone uploaded bug metrics for keeps them.
    uploaded = set(con.execute(
        "SELECT DISTINCT mv.team_id, mv.week FROM metric_values mv JOIN imports i "
        "ON i.id = mv.import_id WHERE i.kind NOT IN ('bug_metrics', 'bug_metrics_history') "
        "AND list_contains(?::VARCHAR[], mv.metric)", [list(bugmetrics.METRICS)]).fetchall())  # fmt: skip
    return {k: v for k, v in out.items() if (k[0], k[1]) not in uploaded}


def stored(con) -> dict[tuple[int, dt.date, str], float]:
    return {
        (team, week, metric): value
        for team, week, metric, value in con.execute(
            "SELECT mv.team_id, mv.week, mv.metric, mv.value FROM metric_values mv "
            "JOIN imports i ON i.id = mv.import_id "
            "WHERE i.kind IN ('bug_metrics', 'bug_metrics_history')"
        ).fetchall()
    }


def agrees(con) -> None:
    """Stored == the independent count, ddq's own comparison agrees, every check passes."""
    expected, found = independent(con), stored(con)
    assert found == expected, {k: (found.get(k), expected.get(k))
                               for k in set(found) | set(expected)
                               if found.get(k) != expected.get(k)}  # fmt: skip
    assert bugmetrics.differences(con) == (0, [])
    assert [f.check for f in run_checks(con) if not f.ok] == []


# ---------------------------------------------------------------------------- the journey


@pytest.fixture
def con(tmp_path):
    with clock.frozen(TODAY), db.connect(tmp_path / "follow.duckdb") as connection:
        for team in ("Payments", "Search", "Ops"):
            roster.add_team(connection, team, "Core", who=ADA)
        yield connection


def bugs_file(con, text: str, name: str):
    return import_bugs(con, text.encode(), file_name=name, who=ADA, today=TODAY)


def adopt(con, title: str, rule: dict[str, Any], effective: dt.date, sla: int | None = 7) -> int:
    version = critical.create_draft(con, title=title, rule=rule, sla_days=sla, who=ADA)
    critical.propose(con, version, who=ADA)
    critical.adopt(con, version, effective_from=effective, who=ADA)
    return version


def team_id(con, name: str) -> int:
    return con.execute("SELECT id FROM teams WHERE name = ?", [name]).fetchone()[0]


def test_every_kind_of_change_leaves_the_metrics_equal_to_a_fresh_count(con):
    first = bugs_file(con, FIRST, "first.csv")
    agrees(con)
    # No mapping yet: every bug is Unassigned, and counts for the organisation.
    unassigned = bugmetrics.unassigned_team_id(con)
    assert unassigned is not None
    assert {k[0] for k in stored(con)} == {unassigned}

    ownership.set_mapping(con, "component", "payments", "Payments", who=ADA)
    agrees(con)
    ownership.set_mapping(con, "component", "search", "Search", who=ADA)
    ownership.set_mapping(con, "label", "security", "Search", who=ADA)  # PAY-2 stays Payments
    agrees(con)

    v1 = adopt(con, "Critical", {"field": "priority", "in": ["Blocker", "Critical"]},
               dt.date(2026, 1, 19))  # fmt: skip
    agrees(con)
    assert stored(con)[team_id(con, "Payments"), dt.date(2026, 1, 19), "open_critical_bugs"] == 1
    assert (team_id(con, "Payments"), dt.date(2026, 1, 12), "open_critical_bugs") not in stored(con)

    second = bugs_file(con, SECOND, "second.csv")
    agrees(con)
    critical.apply_to_history(con, v1, since=dt.date(2026, 1, 5), who=ADA)
    agrees(con)
    assert (team_id(con, "Payments"), dt.date(2026, 1, 12), "open_critical_bugs") in stored(con)

    v2 = adopt(con, "Also data loss", {"any": [
        {"field": "priority", "in": ["Blocker", "Critical"]},
        {"field": "labels", "has_any": ["data-loss"]}]}, dt.date(2026, 2, 9), sla=None)  # fmt: skip
    agrees(con)
    settings.update(con, {"bug_types": "Bug, Defect"}, who=ADA)
    agrees(con)

    # An upload for a team-week wins over the computed values of that week, and its undo
    # brings them back.
    upload = import_metrics(
        con, b"team,week,metric,value\nSearch,2026-02-16,open_bugs,9\n", file_name="hand.csv",
        who=ADA,
    )  # fmt: skip
    agrees(con)
    assert (team_id(con, "Search"), dt.date(2026, 2, 16), "open_critical_bugs") not in stored(con)
    undo(con, upload.import_id, who=ADA)
    agrees(con)
    assert (team_id(con, "Search"), dt.date(2026, 2, 16), "open_critical_bugs") in stored(con)

    history = con.execute("SELECT max(import_id) FROM critical_history").fetchone()[0]
    undo(con, history, who=ADA)
    agrees(con)
    critical.retire(con, v2, who=ADA)
    agrees(con)
    ownership.remove_mapping(con, "label", "security", who=ADA)
    agrees(con)
    # Many mappings from one file (a team created for one of them): one recomputation.
    computations = con.execute("SELECT count(*) FROM imports WHERE kind = 'bug_metrics'")
    before = computations.fetchone()[0]
    ownership.map_from_file(con, b"kind,value,team\ncomponent,ops,Platform\n"
                                 b"label,data-loss,Payments\nproject,SRCH,Search\n",
                            file_name="owners.csv", create_teams=True, who=ADA)  # fmt: skip
    agrees(con)
    assert con.execute("SELECT count(*) FROM imports WHERE kind = 'bug_metrics'").fetchone() == (
        before + 1,
    )
    assert (team_id(con, "Platform"), dt.date(2026, 2, 16), "open_bugs") in stored(con)
    with clock.frozen(TODAY + dt.timedelta(weeks=2)):  # two more weeks complete
        assert bugmetrics.weeks_behind(con) == 2
        bugmetrics.refresh(con, who=ADA)
        agrees(con)

    undo(con, second.import_id, who=ADA)
    agrees(con)
    undo(con, first.import_id, who=ADA)
    agrees(con)
    assert stored(con) == {}
    assert not con.execute("SELECT active FROM teams WHERE kind = 'unassigned'").fetchone()[0]


def test_undoing_the_bugs_removes_everything_computed_from_them(con):
    """The defect as it was reported: import, map, adopt, compute, undo the import."""
    imported = bugs_file(con, FIRST, "first.csv")
    ownership.set_mapping(con, "component", "payments", "Payments", who=ADA)
    adopt(con, "Critical", {"field": "priority", "in": ["Blocker", "Critical"]},
          dt.date(2026, 1, 5))  # fmt: skip
    bugmetrics.refresh(con, who=ADA)
    assert stored(con)
    undone = undo(con, imported.import_id, who=ADA)
    assert undone.metrics.removed > 0
    assert stored(con) == {}
    assert con.execute("SELECT count(*) FROM metric_values").fetchone() == (0,)
    assert "no bugs to compute" in bugmetrics.refresh(con, who=ADA).summary()


def test_check_names_the_first_value_that_differs(con):
    bugs_file(con, FIRST, "first.csv")
    ownership.set_mapping(con, "component", "payments", "Payments", who=ADA)
    con.execute(
        "UPDATE metric_values SET value = value + 5 WHERE metric = 'open_bugs' "
        "AND week = DATE '2026-01-12' AND team_id = ?",
        [team_id(con, "Payments")],
    )
    finding = next(f for f in run_checks(con) if f.check.startswith("bug metrics"))
    assert not finding.ok
    assert finding.detail.startswith("1 value(s) differ: Payments, week of 2026-01-12, open_bugs: "
                                     "stored 7, a fresh computation gives 2")  # fmt: skip
    assert "ddq bugs compute" in finding.detail
    bugmetrics.refresh(con, who=ADA)
    agrees(con)


def test_unassigned_is_a_team_of_no_area_and_not_for_champions(con):
    bugs_file(con, FIRST, "first.csv")
    row = con.execute(
        "SELECT name, area_id, active FROM teams WHERE kind = 'unassigned'"
    ).fetchone()
    assert row == ("Unassigned", None, True)
    assert "Unassigned" not in [r["team"] for r in roster.roster(con)]
    with pytest.raises(Exception, match="holds the bugs that no team owns"):
        roster.assign_champion(con, "Unassigned", "Ann Lee", "ann@example.com",
                               dt.date(2026, 1, 5), who=ADA)  # fmt: skip
    with pytest.raises(Exception, match="holds the bugs no team owns"):
        ownership.set_mapping(con, "component", "ops", "Unassigned", who=ADA)
    with pytest.raises(Exception, match="name ddq gives the bugs"):
        roster.add_team(con, "unassigned", "Core", who=ADA)


def test_a_failed_recomputation_leaves_the_bugs_unchanged(con, monkeypatch):
    """The bugs and the metrics computed from them land together, or neither does."""
    before = con.execute("SELECT count(*) FROM bugs").fetchone()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bugmetrics.stored, "_fresh", broken)
    with pytest.raises(RuntimeError):
        bugs_file(con, FIRST, "first.csv")
    assert con.execute("SELECT count(*) FROM bugs").fetchone() == before
    assert con.execute("SELECT count(*) FROM imports").fetchone() == (0,)


def test_a_definition_effective_this_week_says_when_it_starts(con):
    """Adopted effective today: no complete week falls under it yet, and the summary says so."""
    bugs_file(con, FIRST, "first.csv")
    adopt(con, "Critical", {"field": "priority", "in": ["Critical"]}, TODAY)
    summary = bugmetrics.refresh(con, who=ADA).summary()
    assert "v1 takes effect from the week of 2026-03-02, which is not complete yet" in summary
    assert "no adopted definition" not in summary


def _at_once(path, *changes) -> list[BaseException]:
    """Run each change on its own connection to ``path`` at the same moment (two sessions)."""
    import threading

    start = threading.Barrier(len(changes))
    failures: list[BaseException] = []

    def run(change) -> None:
        with db.connect(path) as con:
            start.wait()
            try:
                change(con)
            except BaseException as exc:  # reported by the caller, with its trial
                failures.append(exc)

    threads = [threading.Thread(target=run, args=(c,)) for c in changes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return failures


def test_two_changes_at_the_same_moment_both_land_in_the_metrics(tmp_path):
    """Two editors map two components at once, each on its own connection (two sessions):
    the metrics end up with both mappings, never with only the one that committed last."""
    path = tmp_path / "race.duckdb"
    with clock.frozen(TODAY):
        with db.connect(path) as con:
            for team in ("Payments", "Search"):
                roster.add_team(con, team, "Core", who=ADA)
            bugs_file(con, FIRST, "first.csv")
        for trial in range(6):
            owners = ("Payments", "Search") if trial % 2 else ("Search", "Payments")
            failures = _at_once(
                path,
                lambda c, o=owners: ownership.set_mapping(
                    c, "component", "payments", o[0], who=ADA
                ),
                lambda c, o=owners: ownership.set_mapping(c, "component", "search", o[1], who=ADA),
            )
            assert failures == [], (trial, failures)
            with db.connect(path) as con:
                agrees(con)


@pytest.mark.parametrize("dry_run", [False, True])
@pytest.mark.parametrize("first_week", [None, dt.date(2026, 1, 5)])
@pytest.mark.parametrize("removed", [0, 3])
def test_a_computation_never_speaks_of_import_none(dry_run, first_week, removed):
    """A computation that changed nothing, or a dry run, has no ledger row to name."""
    result = bugmetrics.Computation(first_week, dt.date(2026, 2, 23), 2, 10, 0, 0, 10, removed,
                                    {}, 0, 0, dry_run=dry_run)  # fmt: skip
    result.import_id = 7 if result.changed and not dry_run else None
    said = result.summary()
    assert "None" not in said
    assert ("import 7" in said) == (result.import_id is not None)
