"""Critical-bug definitions: the life cycle, stances, reading, impact and the CLI, on tiny
organisations and bug lists made here and checked by hand."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest
from conftest import query

from ddq import audit, bugmetrics, critical, db, events, ownership, roster, rules, settings
from ddq.access import ADMIN, Actor
from ddq.errors import Conflict, NotFound
from ddq.metrics import today_utc
from ddq.rules import InvalidRule

WHO = Actor("coach", ADMIN)
OLD = {"any": [{"field": "priority", "in": ["Blocker"]},
               {"field": "labels", "has_any": ["customer"]}]}  # fmt: skip
NEW = {"any": [{"field": "priority", "in": ["Blocker", "Critical"]},
               {"field": "labels", "has_any": ["security"]}]}  # fmt: skip
ON = dt.date(2026, 3, 4)
JAN = dt.date(2026, 1, 5)
MAR = dt.date(2026, 3, 2)


def _org(con) -> None:
    """Core: Payments (Ann Lee), Search (Bob); Edge: Mobile (no champion); mappings."""
    core = roster.ensure_area(con, "Core")[0]
    edge = roster.ensure_area(con, "Edge")[0]
    roster.ensure_team(con, "Payments", core)
    roster.ensure_team(con, "Search", core)
    roster.ensure_team(con, "Mobile", edge)
    roster.assign_champion(con, "Payments", "Ann Lee", "ann@example.com", JAN, who=WHO)
    roster.assign_champion(con, "Search", "Bob", "@bob", JAN, who=WHO)
    ownership.set_mapping(con, "component", "checkout", "Payments", who=WHO)
    ownership.set_mapping(con, "project", "SRCH", "Search", who=WHO)
    ownership.set_mapping(con, "label", "mobile", "Mobile", who=WHO)


# key, project, type, priority, labels, components, created, resolved
BUGS = [
    ("PAY-1", "PAY", "Bug", "Blocker", [], ["checkout"], "2026-01-05", None),  # critical both
    ("PAY-2", "PAY", "Bug", "Critical", [], ["checkout"], "2026-01-05", None),  # becomes
    ("PAY-3", "PAY", "Bug", "Critical", [], ["checkout"], "2026-01-05", "2026-02-01"),  # closed
    ("PAY-4", "PAY", "Story", "Critical", [], ["checkout"], "2026-01-05", None),  # not a bug
    ("PAY-5", "PAY", None, "Critical", [], ["checkout"], "2026-01-05", None),  # no type: counts
    ("PAY-6", "PAY", "Bug", "Minor", [], ["checkout"], "2026-01-05", None),  # never critical
    ("SRCH-1", "SRCH", "Sub-bug", "Minor", ["customer"], [], "2026-01-05", None),  # drops out
    ("SRCH-2", "SRCH", "Bug", "Major", ["security"], [], "2026-01-05", "2026-03-10"),  # becomes
    ("SRCH-3", "SRCH", "Bug", "Blocker", [], [], "2026-03-05", None),  # created after ON
    ("X-1", "OTHER", "bug", "Critical", [], [], "2026-01-05", None),  # unassigned, becomes
    ("X-2", "OTHER", "Bug", "Blocker", ["mobile"], [], "2026-01-05", None),  # Mobile, both
]


def _bugs(con, bugs=BUGS) -> None:
    con.executemany(
        "INSERT INTO bugs (tracker, key, project, type, status, priority, severity, labels, "
        "components, created, resolved, import_id, summary) "
        "VALUES ('jira', ?, ?, ?, 'Open', ?, NULL, ?, ?, ?, ?, 1, ?)",
        [(k, p, t, pr, la, co, cr, re, f"summary of {k}") for k, p, t, pr, la, co, cr, re in bugs],
    )


@pytest.fixture
def con(make_db):
    path = make_db()
    with db.connect(path) as connection:
        _org(connection)
        yield connection


def _adopted(con, rule, day, title="Definition") -> int:
    version = critical.create_draft(con, title=title, rule=rule, who=WHO)
    critical.propose(con, version, who=WHO)
    critical.adopt(con, version, effective_from=day, who=WHO)
    return version


def _table(con, name: str) -> list[tuple]:
    return con.execute(f"SELECT * FROM {name} ORDER BY ALL").fetchall()


# --------------------------------------------------------------------------- life cycle


def test_rule_json_puts_one_condition_on_a_line_and_reads_back():
    rule = {"all": [{"not": {"field": "status", "in": ["Done"]}}, NEW]}
    text = critical.rule_json(rule)
    assert text == (
        '{\n  "all": [\n'
        '    {"not": {"field": "status", "in": ["Done"]}},\n'
        '    {\n      "any": [\n'
        '        {"field": "priority", "in": ["Blocker", "Critical"]},\n'
        '        {"field": "labels", "has_any": ["security"]}\n'
        "      ]\n    }\n  ]\n}"
    )
    assert json.loads(text) == rule


def test_a_draft_gets_the_next_version_and_reads_back_in_plain_words(con):
    first = critical.create_draft(con, title="  Blockers  only ", rule=json.dumps(OLD),
                                  rationale="Start small.", sla_days=14, who=WHO)  # fmt: skip
    second = critical.create_draft(con, title="Wider", rule=NEW, who=WHO, based_on=first)
    assert (first, second) == (1, 2)
    got = critical.get(con, first)
    assert {k: got[k] for k in ("title", "status", "rule", "rationale", "sla_days",
                                "effective_from", "created_by", "based_on", "in_force")} == {
        "title": "Blockers only", "status": "draft", "rule": OLD, "rationale": "Start small.",
        "sla_days": 14, "effective_from": None, "created_by": WHO, "based_on": None,
        "in_force": False,
    }  # fmt: skip
    assert got["explanation"] == rules.explain(OLD)
    # based_on copies what was not given (rationale, SLA) and keeps the lineage
    wider = critical.get(con, second)
    assert (wider["rule"], wider["rationale"], wider["sla_days"], wider["based_on"]) == (
        NEW, "Start small.", 14, 1,
    )  # fmt: skip
    assert [v["version"] for v in critical.versions(con)] == [2, 1]


def test_a_draft_based_on_a_version_may_take_its_rule(con):
    base = critical.create_draft(con, title="Base", rule=OLD, who=WHO)
    copy = critical.create_draft(con, title="Copy", rule=None, who=WHO, based_on=base)
    assert critical.get(con, copy)["rule"] == OLD
    with pytest.raises(NotFound, match="no definition version 9"):
        critical.create_draft(con, title="Copy", rule=None, who=WHO, based_on=9)


def test_an_invalid_draft_is_refused_with_every_problem_and_nothing_is_written(con):
    before = _table(con, "critical_defs"), _table(con, "audit_log")
    with pytest.raises(InvalidRule) as caught:
        critical.create_draft(con, title="Bad", rule={"any": [{"field": "prio", "in": []}]},
                              who=WHO)  # fmt: skip
    assert any("did you mean 'priority'" in p for p in caught.value.problems)
    with pytest.raises(InvalidRule, match="line 1, column"):
        critical.create_draft(con, title="Bad", rule="{not json", who=WHO)
    with pytest.raises(critical.InvalidDefinition, match="title is empty"):
        critical.create_draft(con, title="  ", rule=OLD, who=WHO)
    with pytest.raises(critical.InvalidDefinition, match="SLA must be 1 to"):
        critical.create_draft(con, title="T", rule=OLD, sla_days=0, who=WHO)
    assert (_table(con, "critical_defs"), _table(con, "audit_log")) == before


def test_an_adopted_version_cannot_be_edited_and_nothing_changes(con):
    version = critical.create_draft(con, title="First", rule=OLD, who=WHO)
    assert critical.update_draft(con, version, who=WHO, title="First, renamed") == ["title"]
    assert critical.update_draft(con, version, who=WHO, title="First, renamed") == []
    critical.propose(con, version, who=WHO)
    assert critical.adopt(con, version, effective_from=MAR, who=WHO) is None
    before = _table(con, "critical_defs"), _table(con, "audit_log"), _table(con, "events")
    message = (
        "Version 1 was adopted on 2026-03-02 and cannot change; draft a new version based on it."
    )
    for change in ({"rule": NEW}, {"title": "Other"}, {"sla_days": 3}):
        with pytest.raises(Conflict) as caught:
            critical.update_draft(con, version, who=WHO, **change)
        assert str(caught.value) == message
    with pytest.raises(Conflict, match="adopted on 2026-03-02 and cannot change"):
        critical.propose(con, version, who=WHO)
    with pytest.raises(Conflict, match="adopted on 2026-03-02 and cannot change"):
        critical.adopt(con, version, effective_from=ON, who=WHO)
    assert (_table(con, "critical_defs"), _table(con, "audit_log"), _table(con, "events")) == (
        before
    )
    assert critical.get(con, version)["title"] == "First, renamed"


def test_adopting_retires_the_previous_version_on_the_same_day(con):
    first = _adopted(con, OLD, JAN, "First")
    second = critical.create_draft(con, title="Second", rule=NEW, who=WHO, based_on=first)
    critical.propose(con, second, who=WHO)
    assert critical.adopt(con, second, effective_from=MAR, who=WHO) == first
    old, new = critical.get(con, first), critical.get(con, second)
    assert (old["status"], old["retired_at"], old["effective_from"]) == (
        "retired", dt.datetime(2026, 3, 2), JAN,
    )  # fmt: skip
    assert (new["status"], new["effective_from"], new["adopted_by"], new["retired_at"]) == (
        "adopted", MAR, WHO, None,
    )  # fmt: skip
    assert new["adopted_at"].date() == today_utc()
    with pytest.raises(Conflict) as caught:
        critical.update_draft(con, first, who=WHO, title="Again")
    assert str(caught.value) == (
        "Version 1 was retired on 2026-03-02 and cannot change; draft a new version based on it."
    )


def test_current_follows_the_effective_dates_across_two_adoptions(con):
    assert critical.current(con) is None
    first = _adopted(con, OLD, JAN, "First")
    second = _adopted(con, NEW, MAR, "Second")

    def in_force(day):
        found = critical.current(con, day)
        return None if found is None else found["version"]

    assert in_force(dt.date(2026, 1, 4)) is None
    assert in_force(JAN) == first
    assert in_force(dt.date(2026, 3, 1)) == first
    assert in_force(MAR) == second
    assert in_force(None) == second  # today
    assert critical.current(con)["in_force"] is True
    assert [v["in_force"] for v in critical.versions(con)] == [True, False]


def test_adoption_needs_a_proposal_and_a_date_after_the_last_one(con):
    _adopted(con, OLD, MAR)
    draft = critical.create_draft(con, title="Next", rule=NEW, who=WHO)
    with pytest.raises(Conflict, match="is a draft; propose it first"):
        critical.adopt(con, draft, effective_from=ON, who=WHO)
    critical.propose(con, draft, who=WHO)
    with pytest.raises(Conflict, match="already proposed"):
        critical.propose(con, draft, who=WHO)
    for day in (MAR, JAN):
        with pytest.raises(Conflict, match="version 1 took effect on 2026-03-02"):
            critical.adopt(con, draft, effective_from=day, who=WHO)
    with pytest.raises(critical.InvalidDefinition, match="more than a year ahead"):
        critical.adopt(con, draft, effective_from=today_utc() + dt.timedelta(days=400), who=WHO)
    assert critical.get(con, draft)["status"] == "proposed"
    assert critical.current(con)["version"] == 1


def test_retiring_ends_the_definition_in_force_and_is_final(con):
    first = _adopted(con, OLD, JAN)
    critical.retire(con, first, who=WHO)
    row = critical.get(con, first)
    assert row["status"] == "retired" and row["retired_at"].date() == today_utc()
    assert critical.current(con) is None
    assert critical.current(con, MAR)["version"] == first  # the past is not rewritten
    with pytest.raises(Conflict, match="already retired"):
        critical.retire(con, first, who=WHO)
    abandoned = critical.create_draft(con, title="Abandoned", rule=NEW, who=WHO)
    critical.retire(con, abandoned, who=WHO)
    with pytest.raises(Conflict, match=r"retired on .* and cannot change"):
        critical.update_draft(con, abandoned, who=WHO, title="x")
    with pytest.raises(Conflict, match=r"retired on .* and cannot change"):
        critical.propose(con, abandoned, who=WHO)


def test_a_version_whose_effective_date_has_not_come_cannot_be_retired(con):
    later = today_utc() + dt.timedelta(days=30)
    version = _adopted(con, OLD, later)
    with pytest.raises(Conflict, match=f"takes effect on {later}"):
        critical.retire(con, version, who=WHO)
    assert critical.get(con, version)["status"] == "adopted"
    assert critical.current(con) is None
    assert critical.current(con, later)["version"] == version


def test_a_proposal_keeps_its_rule_once_a_team_has_taken_a_stance(con):
    version = critical.create_draft(con, title="P", rule=OLD, who=WHO)
    critical.propose(con, version, who=WHO)
    assert critical.update_draft(con, version, who=WHO, rule=NEW) == ["rule"]  # no stance yet
    critical.record_stance(con, version, team="Payments", stance="agree", who=WHO)
    before = _table(con, "critical_defs"), _table(con, "endorsements")
    for change in ({"rule": OLD}, {"sla_days": 5}):
        with pytest.raises(Conflict, match=r"1 team\(s\) have taken a stance .* based on it"):
            critical.update_draft(con, version, who=WHO, **change)
    assert (_table(con, "critical_defs"), _table(con, "endorsements")) == before
    assert critical.update_draft(con, version, who=WHO, rationale="Clearer words.") == ["rationale"]
    assert critical.update_draft(con, version, who=WHO, rule=NEW) == []  # the same rule
    got = critical.get(con, version)
    assert (got["status"], got["rule"], got["rationale"]) == ("proposed", NEW, "Clearer words.")
    assert critical.stance_summary(con, version)["agree"] == 1
    with pytest.raises(critical.InvalidDefinition, match="Unknown field"):
        critical.update_draft(con, version, who=WHO, status="adopted")


# ----------------------------------------------------------------------------- stances


def test_stances_record_the_current_champion_and_where_every_team_stands(con):
    version = critical.create_draft(con, title="P", rule=NEW, who=WHO)
    with pytest.raises(Conflict, match="is draft; stances are taken on proposals only"):
        critical.record_stance(con, version, team="Payments", stance="agree", who=WHO)
    critical.propose(con, version, who=WHO)
    assert critical.record_stance(con, version, team="payments", stance="Agree", who=WHO) == {
        "team": "Payments", "champion": "Ann Lee", "stance": "agree", "comment": "",
    }  # fmt: skip
    with pytest.raises(critical.InvalidDefinition, match="disagreement needs a comment"):
        critical.record_stance(con, version, team="Search", stance="disagree", comment=" ",
                               who=WHO)  # fmt: skip
    critical.record_stance(con, version, team="Search", stance="disagree",
                           comment="Majors matter too", who=WHO)  # fmt: skip
    with pytest.raises(Conflict, match="Mobile has no champion"):
        critical.record_stance(con, version, team="Mobile", stance="agree", who=WHO)
    with pytest.raises(NotFound, match="Did you mean 'Search'"):
        critical.record_stance(con, version, team="Serch", stance="agree", who=WHO)
    with pytest.raises(critical.InvalidDefinition, match="agree, disagree or abstain"):
        critical.record_stance(con, version, team="Search", stance="maybe", who=WHO)
    assert [(s["area"], s["team"], s["champion"], s["stance"], s["comment"])
            for s in critical.stances(con, version)] == [
        ("Core", "Payments", "Ann Lee", "agree", ""),
        ("Core", "Search", "Bob", "disagree", "Majors matter too"),
        ("Edge", "Mobile", None, None, ""),
    ]  # fmt: skip
    assert critical.stance_summary(con, version) == {
        "agree": 1, "disagree": 1, "abstain": 0, "none": 0, "no_champion": 1,
    }  # fmt: skip


def test_recording_again_replaces_the_stance_under_the_new_champion_and_is_audited(con):
    version = critical.create_draft(con, title="P", rule=NEW, who=WHO)
    critical.propose(con, version, who=WHO)
    critical.record_stance(con, version, team="Payments", stance="agree", who=WHO)
    roster.assign_champion(con, "Payments", "Dee", "dee@example.com", MAR, who=WHO)
    done = critical.record_stance(con, version, team="Payments", stance="abstain",
                                  comment="Dee needs time", who=Actor("dee", ADMIN))  # fmt: skip
    assert done["champion"] == "Dee"
    assert con.execute("SELECT count(*), any_value(champion), any_value(stance) "
                       "FROM endorsements").fetchone() == (1, "Dee", "abstain")  # fmt: skip
    assert critical.stance_summary(con, version) == {
        "agree": 0, "disagree": 0, "abstain": 1, "none": 1, "no_champion": 1,
    }  # fmt: skip
    trail = audit.entries(con, subject="definition v1 Payments")
    assert [(e["who"], e["action"]) for e in trail] == [
        ("dee", "definition.stance"), (WHO, "definition.stance"),
    ]  # fmt: skip
    assert json.loads(trail[0]["before"]) == {"champion": "Ann Lee", "stance": "agree",
                                              "comment": ""}  # fmt: skip
    assert json.loads(trail[0]["after"])["stance"] == "abstain"


# ------------------------------------------------------------------- compare, events, audit


def test_compare_shows_both_definitions_and_what_changed_in_words(con):
    a = critical.create_draft(con, title="Old", rule=OLD, sla_days=14, who=WHO)
    b = critical.create_draft(con, title="New", rule=NEW, sla_days=7, who=WHO)
    result = critical.compare(con, a, b)
    assert result["a"]["explanation"] == rules.explain(OLD)
    assert result["b"]["explanation"] == rules.explain(NEW)
    assert json.loads(result["a"]["rule_json"]) == OLD
    assert json.loads(result["b"]["rule_json"]) == NEW
    assert result["changes"] == [
        *rules.diff_words(OLD, NEW),
        "The SLA changed from 14 days to 7 days.",
    ]
    assert result["changes"][0].startswith("Changed “its priority is Blocker” to")
    same = critical.create_draft(con, title="Reordered", rule={"any": NEW["any"][::-1]},
                                 sla_days=7, who=WHO)  # fmt: skip
    assert critical.compare(con, b, same)["changes"] == []


def test_adoption_and_retirement_are_events_on_the_trend_charts(con):
    first = _adopted(con, OLD, JAN, "Blockers")
    second = _adopted(con, NEW, MAR, "Wider")
    critical.retire(con, second, who=WHO)
    found = events.between(con, dt.date(2025, 12, 29), today_utc())
    assert [(e["week"], e["kind"], e["title"]) for e in found] == [
        (JAN, "definition", f"Definition v{first} adopted: Blockers"),
        (MAR, "definition", f"Definition v{second} adopted: Wider"),
        (today_utc() - dt.timedelta(days=today_utc().weekday()), "definition",
         f"Definition v{second} retired: Wider"),
    ]  # fmt: skip
    assert found[0]["happened_at"] == dt.datetime(2026, 1, 5)
    assert "Replaces v1 (Blockers)" in found[1]["details"]


def test_every_change_writes_the_audit_log(con):
    version = critical.create_draft(con, title="T", rule=OLD, who=Actor("ann", ADMIN))
    critical.update_draft(con, version, who=Actor("bob", ADMIN), sla_days=10)
    critical.propose(con, version, who=Actor("cy", ADMIN))
    critical.adopt(con, version, effective_from=MAR, who=Actor("dee", ADMIN))
    critical.retire(con, version, who=Actor("eve", ADMIN))
    trail = audit.entries(con, subject="definition v1")
    assert [(e["who"], e["action"]) for e in reversed(trail)] == [
        ("ann", "definition.draft"), ("bob", "definition.update"), ("cy", "definition.propose"),
        ("dee", "definition.adopt"), ("eve", "definition.retire"),
    ]  # fmt: skip
    update = next(e for e in trail if e["action"] == "definition.update")
    assert (json.loads(update["before"]), json.loads(update["after"])) == (
        {"sla_days": None}, {"sla_days": 10},
    )  # fmt: skip
    adopt = next(e for e in trail if e["action"] == "definition.adopt")
    assert json.loads(adopt["after"])["effective_from"] == "2026-03-02"


# ------------------------------------------------------------------------------ impact


def _per_team(result) -> dict[str, tuple]:
    return {
        t["team"]: (t["open_bugs"], t["critical_before"], t["critical_after"],
                    t["became_critical"], t["became_not_critical"], t["change"])
        for t in result["teams"]
    }  # fmt: skip


def test_impact_counts_open_bugs_per_team_under_both_definitions(con):
    _bugs(con)
    _adopted(con, OLD, JAN, "Old")
    draft = critical.create_draft(con, title="New", rule=NEW, who=WHO)
    result = critical.impact(con, draft, on=ON)
    assert (result["against"], result["against_title"], result["on"]) == (1, "Old", ON)
    # open on ON: PAY-3 resolved before, SRCH-3 created after; PAY-4 is a Story
    assert _per_team(result) == {
        "Payments": (4, 1, 3, 2, 0, 2),  # PAY-1 both; PAY-2, PAY-5 (no type) become critical
        "Search": (2, 1, 1, 1, 1, 0),  # SRCH-1 drops out (customer), SRCH-2 (security) comes in
        "Mobile": (1, 1, 1, 0, 0, 0),  # X-2 via its label
        "Unassigned": (1, 0, 1, 1, 0, 1),
    }
    assert [t["team"] for t in result["teams"]] == ["Payments", "Search", "Mobile", "Unassigned"]
    assert [t["area"] for t in result["teams"]] == ["Core", "Core", "Edge", None]
    assert result["totals"] == {"open_bugs": 8, "critical_before": 3, "critical_after": 6,
                                "became_critical": 4, "became_not_critical": 1, "change": 3}  # fmt: skip
    assert result["changed_total"] == 5
    assert [(b["key"], b["team"], b["becomes"]) for b in result["changed"]] == [
        ("PAY-2", "Payments", "critical"), ("PAY-5", "Payments", "critical"),
        ("SRCH-1", "Search", "not critical"), ("SRCH-2", "Search", "critical"),
        ("X-1", "Unassigned", "critical"),
    ]  # fmt: skip
    first = result["changed"][0]
    assert {k: first[k] for k in ("summary", "priority", "type", "labels", "components")} == {
        "summary": "summary of PAY-2", "priority": "Critical", "type": "Bug", "labels": [],
        "components": ["checkout"],
    }  # fmt: skip
    limited = critical.impact(con, draft, on=ON, limit=2)
    assert (len(limited["changed"]), limited["changed_total"]) == (2, 5)


def test_impact_on_a_later_day_and_against_nothing_or_another_version(con):
    _bugs(con)
    draft = critical.create_draft(con, title="New", rule=NEW, who=WHO)
    # nothing adopted: every bug the draft makes critical becomes critical
    result = critical.impact(con, draft, on=ON)
    assert result["against"] is None
    assert _per_team(result)["Payments"] == (4, 0, 3, 3, 0, 3)
    assert result["changed_total"] == 6
    # after SRCH-2 is resolved and SRCH-3 is created
    later = critical.impact(con, draft, on=dt.date(2026, 3, 10))
    assert _per_team(later)["Search"] == (2, 0, 1, 1, 0, 1)  # SRCH-1 and SRCH-3; SRCH-3 Blocker
    old = critical.create_draft(con, title="Old", rule=OLD, who=WHO)
    assert _per_team(critical.impact(con, draft, against=old, on=ON))["Search"] == (
        2, 1, 1, 1, 1, 0,
    )  # fmt: skip


def test_impact_counts_the_issue_types_the_setting_names(con):
    _bugs(con)
    draft = critical.create_draft(con, title="New", rule=NEW, who=WHO)
    settings.update(con, {"bug_types": "story, BUG"}, who=WHO)
    result = critical.impact(con, draft, on=ON)
    # now PAY-4 (Story) counts and SRCH-1 (Sub-bug) does not; untyped PAY-5 still counts
    assert _per_team(result) == {
        "Payments": (5, 0, 4, 4, 0, 4),
        "Search": (1, 0, 1, 1, 0, 1),
        "Mobile": (1, 0, 1, 1, 0, 1),
        "Unassigned": (1, 0, 1, 1, 0, 1),
    }


def test_impact_always_shows_unassigned_and_teams_without_bugs(con):
    draft = critical.create_draft(con, title="New", rule=NEW, who=WHO)
    result = critical.impact(con, draft, on=ON)
    assert _per_team(result) == {
        team: (0, 0, 0, 0, 0, 0) for team in ("Payments", "Search", "Mobile", "Unassigned")
    }
    assert (result["changed"], result["changed_total"]) == ([], 0)
    assert result["teams"][-1]["unassigned"] is True


def test_the_bug_type_filter_follows_the_setting(con):
    types = ["Bug", " BUG ", "Sub-bug", "Story", None, "  ", "Debugging task", "Task"]
    con.execute("CREATE TEMP TABLE issues AS SELECT unnest(?::VARCHAR[]) AS type", [types])

    def kept():
        sql, params = bugmetrics.bug_type_filter_sql(con, "issues.type")
        return [
            r[0] for r in con.execute(f"SELECT type FROM issues WHERE {sql}", params).fetchall()
        ]

    assert kept() == ["Bug", " BUG ", "Sub-bug", None, "  ", "Debugging task"]
    settings.update(con, {"bug_types": "Bug, Story"}, who=WHO)
    assert kept() == ["Bug", " BUG ", "Story", None, "  "]
    sql, params = bugmetrics.bug_type_filter_sql(con)
    assert '"type"' in sql and params == ["bug", "story"]


# --------------------------------------------------------------------------------- CLI


@pytest.fixture
def cli_db(make_db):
    path = make_db()
    with db.connect(path) as connection:
        _org(connection)
        _bugs(connection)
    return path


def ok(result) -> str:
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    return result.stdout


def failed(result) -> str:
    assert result.returncode == 1 and result.stdout == "", (result.stdout, result.stderr)
    return result.stderr


def test_cli_life_cycle_from_draft_to_adoption(cli_db, run_ddq, write_file):
    assert ok(run_ddq("critical", "list")).startswith("no definitions yet")
    out = ok(run_ddq("critical", "draft", "--title", "Old", "--rule", json.dumps(OLD),
                     "--sla-days", "14"))  # fmt: skip
    assert out == f"draft version 1 written: Old\n{rules.explain(OLD)}\n"
    rule_file = write_file("new.json", json.dumps(NEW, indent=2))
    assert ok(run_ddq("critical", "draft", "--title", "New", "--rule", rule_file,
                      "--based-on", "1", "--rationale", "Security too")).startswith(
        "draft version 2 written: New\n"
    )  # fmt: skip
    assert ok(run_ddq("critical", "propose", "1")) == (
        "version 1 proposed; champions can now take a stance on it\n"
    )
    assert ok(run_ddq("critical", "stance", "1", "--team", "payments", "--stance", "agree")) == (
        "Payments: agree on version 1, recorded for Ann Lee\n"
    )
    assert ok(run_ddq("critical", "adopt", "1", "--effective", "2026-01-05")) == (
        "version 1 adopted, effective 2026-01-05\n"
    )
    ok(run_ddq("critical", "propose", "2"))
    ok(run_ddq("critical", "stance", "2", "--team", "Search", "--stance", "disagree",
               "--comment", "Majors matter"))  # fmt: skip
    assert ok(run_ddq("critical", "adopt", "2", "--effective", "2026-03-02")) == (
        "version 2 adopted, effective 2026-03-02; version 1 retired on that day\n"
    )
    lines = ok(run_ddq("critical", "list")).splitlines()
    assert [line.split()[:3] for line in lines[1:]] == [
        ["2", "adopted", "2026-03-02"], ["1", "retired", "2026-01-05"],
    ]  # fmt: skip
    assert lines[1].split()[3] == "yes"
    show = ok(run_ddq("critical", "show", "2"))
    assert show.startswith("Version 2: New (adopted, effective 2026-03-02, in force)\n")
    assert rules.explain(NEW) in show
    assert "SLA: 14 days" in show and "based on: version 1" in show
    assert "stances: 0 agree, 1 disagree, 0 abstain, 1 not yet; 1 without a champion" in show
    assert "  Core / Search: disagree (Bob): Majors matter\n" in show
    assert "  Edge / Mobile: not yet (no champion)\n" in show
    assert '    {"field": "labels", "has_any": ["security"]}\n' in show
    with db.connect(cli_db) as con:
        assert [e["who"] for e in audit.entries(con, subject="definition v2")] == [_cli_user()] * 3


def _cli_user() -> str:
    import getpass

    return getpass.getuser()


def test_cli_refuses_with_a_message_and_changes_nothing(cli_db, run_ddq):
    ok(run_ddq("critical", "draft", "--title", "Old", "--rule", json.dumps(OLD)))
    ok(run_ddq("critical", "propose", "1"))
    ok(run_ddq("critical", "adopt", "1", "--effective", "2026-03-02"))
    before = query(cli_db, "SELECT * FROM critical_defs"), query(cli_db, "SELECT * FROM audit_log")
    assert failed(run_ddq("critical", "edit", "1", "--title", "Renamed")) == (
        "Version 1 was adopted on 2026-03-02 and cannot change; draft a new version based on it.\n"
    )
    assert "not valid" in failed(
        run_ddq("critical", "draft", "--title", "Bad", "--rule", '{"any": []}')
    )
    assert "neither a file nor JSON" in failed(
        run_ddq("critical", "draft", "--title", "Bad", "--rule", "no-such-file.json")
    )
    assert "There is no definition version 7" in failed(run_ddq("critical", "show", "7"))
    ok(run_ddq("critical", "draft", "--title", "Next", "--based-on", "1"))
    ok(run_ddq("critical", "propose", "2"))
    assert "Mobile has no champion" in failed(
        run_ddq("critical", "stance", "2", "--team", "Mobile", "--stance", "agree")
    )
    assert "disagreement needs a comment" in failed(
        run_ddq("critical", "stance", "2", "--team", "Search", "--stance", "disagree")
    )
    after = query(cli_db, "SELECT * FROM critical_defs WHERE version = 1")
    assert after == before[0]
    assert query(cli_db, "SELECT count(*) FROM endorsements") == [(0,)]


def test_cli_impact_and_compare(cli_db, run_ddq):
    ok(run_ddq("critical", "draft", "--title", "Old", "--rule", json.dumps(OLD)))
    ok(run_ddq("critical", "propose", "1"))
    ok(run_ddq("critical", "adopt", "1", "--effective", "2026-01-05"))
    ok(run_ddq("critical", "draft", "--title", "New", "--rule", json.dumps(NEW)))
    out = ok(run_ddq("critical", "impact", "2", "--on", "2026-03-04", "--show", "3"))
    lines = out.splitlines()
    assert lines[0] == "version 2 (New) against version 1 (Old), bugs open on 2026-03-04"
    table = {line.split()[0]: line.split()[1:] for line in lines[2:7]}
    assert table == {
        "Payments": ["4", "1", "3", "+2", "2", "0"],
        "Search": ["2", "1", "1", "+0", "1", "1"],
        "Mobile": ["1", "1", "1", "+0", "0", "0"],
        "Unassigned": ["1", "0", "1", "+1", "1", "0"],
        "total": ["8", "3", "6", "+3", "4", "1"],
    }
    assert lines[7] == "5 bug(s) change class; the first 3:"
    assert lines[8].startswith("  PAY-2 (Payments) becomes critical: summary of PAY-2 [priority")
    assert len(lines) == 11
    compared = ok(run_ddq("critical", "compare", "1", "2"))
    assert compared.startswith(f"version 1: Old (adopted)\n  {rules.explain(OLD)}\n")
    for sentence in rules.diff_words(OLD, NEW):
        assert f"  - {sentence}\n" in compared


def test_cli_edit_changes_a_draft(cli_db, run_ddq, write_file):
    ok(run_ddq("critical", "draft", "--title", "Old", "--rule", json.dumps(OLD), "--sla-days", "3"))
    rule_file: Path = write_file("r.json", "\ufeff" + json.dumps(NEW))  # a BOM is fine
    assert ok(run_ddq("critical", "edit", "1", "--rule", rule_file, "--no-sla")) == (
        "version 1: changed rule, SLA\n"
    )
    assert ok(run_ddq("critical", "edit", "1", "--rule", rule_file)) == (
        "version 1: nothing changed\n"
    )
    assert query(cli_db, "SELECT rule, sla_days FROM critical_defs") == [(json.dumps(NEW), None)]


def test_the_suggested_effective_date_is_one_the_adoption_accepts(con):
    from ddq import clock

    with clock.frozen(ON):
        empty = critical.adoption_dates(con)  # no bugs, no definition: the latest week
        assert (empty.suggested, empty.earliest) == (dt.date(2026, 2, 23), dt.date(2000, 1, 3))
        _bugs(con)
        first = critical.adoption_dates(con)  # the week of the oldest bug
        assert first.suggested == JAN and "oldest imported bug (2026-01-05)" in first.why
        version = _adopted(con, OLD, first.suggested)
        draft = critical.create_draft(con, title="Next", rule=NEW, who=WHO)
        critical.propose(con, draft, who=WHO)
        later = critical.adoption_dates(con)
        assert (later.suggested, later.earliest) == (dt.date(2026, 2, 23), JAN + dt.timedelta(1))
        assert later.problem(draft, later.suggested) is None
        assert later.problem(draft, JAN) == (
            f"Version {draft} cannot take effect on 2026-01-05: version {version} took effect "
            "on 2026-01-05, and a new definition takes effect after the previous one. Choose "
            "2026-01-06 or later."
        )
        assert "before 2000" in later.problem(draft, dt.date(1999, 1, 1))
        critical.adopt(con, draft, effective_from=later.suggested, who=WHO)


def test_cli_adopts_from_the_suggested_day_when_none_is_given(cli_db, run_ddq):
    ok(run_ddq("critical", "draft", "--title", "Old", "--rule", json.dumps(OLD)))
    ok(run_ddq("critical", "propose", "1"))
    assert ok(run_ddq("critical", "adopt", "1")) == (
        "effective from 2026-01-05: the week of the oldest imported bug (2026-01-05): no "
        "definition was in force before, so every week of the bugs' history gets critical-bug "
        "numbers\nversion 1 adopted, effective 2026-01-05\n"
    )


def test_the_builder_offers_the_names_the_bugs_use_most_used_first(con):
    _bugs(con)
    found = critical.field_values(con)
    assert found["priority"] == ["Critical", "Blocker", "Minor", "Major"]
    assert found["labels"] == ["customer", "mobile", "security"]
    assert found["components"] == ["checkout"] and found["severity"] == []
    assert set(found) == set(rules.FIELDS)


def test_every_fields_names_in_one_query_are_each_fields_own(con):
    """The one query for every field gives what asking field by field gives: the same names,
    most used first, ties by name, blanks left out, at most ``limit`` per field."""
    rng = random.Random(20261204)
    names = ["Alpha", "beta", " Gamma ", "", "delta", "Epsilon", "zeta"]
    bugs = [(f"R-{i}", rng.choice(["P1", "P2"]), rng.choice(["Bug", "Task"]),
             rng.choice(names), rng.sample(names, rng.randint(0, 3)),
             rng.sample(names, rng.randint(0, 2)), dt.date(2026, 1, 5), None)
            for i in range(300)]  # fmt: skip
    _bugs(con, bugs)
    for limit in (200, 3, 1):
        found = critical.field_values(con, limit)
        for name in rules.FIELDS:
            column = db.quote_ident(name)
            values = f"unnest({column})" if name in rules.LIST_FIELDS else column
            alone = [v for (v,) in con.execute(
                f"SELECT v FROM (SELECT trim({values}) AS v FROM bugs) WHERE v <> '' "
                "GROUP BY v ORDER BY count(*) DESC, v LIMIT ?", [limit]).fetchall()]  # fmt: skip
            assert found[name] == alone, (name, limit)
        assert len(found["priority"]) == min(limit, 6)
