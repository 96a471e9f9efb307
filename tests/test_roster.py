"""ddq.roster: the core rules every roster change goes through (one current champion, history)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import TODAY, query

from ddq import db, roster
from ddq.access import ADMIN, Actor
from ddq.check import run_checks
from ddq.errors import Conflict, NotFound
from ddq.roster import InvalidRosterEntry

D = dt.date


COACH = Actor("coach", ADMIN)


def assign(path, team, person, contact, since, who=COACH):
    with db.connect(path) as con:
        return roster.assign_champion(con, team, person, contact, since, who=who)


def history(path, team):
    with db.connect(path) as con:
        return [
            (h["person"], h["contact"], h["since"], h["until"]) for h in roster.history(con, team)
        ]


def open_terms(path):
    return query(
        path, "SELECT team_id, count(*) FROM champions WHERE until IS NULL GROUP BY team_id"
    )


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "the email or handle is empty; give an email address or a chat handle (@name)"),
        ("ann", "not an email address (name@example.com) or a chat handle (@name)"),
        ("ann@example", "not an email address (name@example.com) or a chat handle (@name)"),
        ("@", "not an email address (name@example.com) or a chat handle (@name)"),
        ("@ann lee", "not an email address (name@example.com) or a chat handle (@name)"),
        ("ann@example.com", None),
        ("@ann.lee", None),
        ("@ann-lee_2", None),
    ],
)
def test_contact_problem(value, reason):
    assert roster.contact_problem(value) == reason


@pytest.mark.parametrize(
    ("since", "reason"),
    [
        (TODAY, None),
        (D(2000, 1, 3), None),
        (
            TODAY + dt.timedelta(days=1),
            "the start date is in the future; record a handover once it has happened",
        ),
        (D(1999, 12, 31), "the start date is before 2000; check the year"),
    ],
)
def test_since_problem(since, reason):
    assert roster.since_problem(since, TODAY) == reason


def test_name_problem():
    assert roster.name_problem(" ", "team") == "the team is empty"
    assert roster.name_problem("x" * 121, "area") == "the area is longer than 120 characters"
    assert roster.name_problem("x" * 120, "area") is None


@pytest.mark.parametrize(
    ("person", "contact", "since", "message"),
    [
        ("", "ann@example.com", D(2025, 1, 6), "The champion's name is empty."),
        (
            "Ann",
            "ann",
            D(2025, 1, 6),
            "Not an email address (name@example.com) or a chat handle (@name).",
        ),
        ("Ann", "ann@example.com", D(1999, 1, 1), "The start date is before 2000; check the year."),
    ],
)
def test_assign_champion_refuses_invalid_values_and_changes_nothing(
    make_db, person, contact, since, message
):
    path = make_db("Alpha")
    with pytest.raises(InvalidRosterEntry) as caught:
        assign(path, "Alpha", person, contact, since)
    assert str(caught.value) == message
    assert query(path, "SELECT count(*) FROM champions") == [(0,)]
    assert query(path, "SELECT count(*) FROM audit_log") == [(0,)]


def test_assign_to_an_unknown_team_suggests_the_closest(make_db):
    path = make_db("Alpha")
    with pytest.raises(NotFound, match=r"There is no team 'Alpah'\. Did you mean 'Alpha'\?"):
        assign(path, "Alpah", "Ann", "ann@example.com", D(2025, 1, 6))


def test_a_second_champion_is_a_handover_never_a_second_current_one(make_db):
    path = make_db("Alpha", "Beta")
    assert assign(path, "alpha", "Ann", "ann@example.com", D(2025, 1, 6)) == (
        "Ann is now the champion of Alpha."
    )
    assert assign(path, "Alpha", "Bob", "@bob", D(2025, 6, 2)) == (
        "Handover on Alpha: Ann to Bob from 2025-06-02."
    )
    assert assign(path, "Alpha", "Cy", "cy@example.com", D(2025, 6, 2)) == (
        "Handover on Alpha: Bob to Cy from 2025-06-02."
    )
    assert open_terms(path) == [(1, 1)]
    # The history keeps every term, newest first; each ends the day the next one starts.
    assert history(path, "Alpha") == [
        ("Cy", "cy@example.com", D(2025, 6, 2), None),
        ("Bob", "@bob", D(2025, 6, 2), D(2025, 6, 2)),
        ("Ann", "ann@example.com", D(2025, 1, 6), D(2025, 6, 2)),
    ]
    assert history(path, "Beta") == []
    with db.connect(path) as con:
        assert [f.check for f in run_checks(con) if not f.ok] == []
        actions = [(e["action"], e["subject"]) for e in roster_audit(con)]
    assert actions == [
        ("champion.assign", "Alpha"),
        ("champion.handover", "Alpha"),
        ("champion.handover", "Alpha"),
    ]


def roster_audit(con):
    return list(reversed(db.rows(con, "SELECT * FROM audit_log ORDER BY id DESC")))


def test_a_handover_cannot_start_before_the_current_term(make_db):
    path = make_db("Alpha")
    assign(path, "Alpha", "Ann", "ann@example.com", D(2025, 6, 2))
    with pytest.raises(InvalidRosterEntry) as caught:
        assign(path, "Alpha", "Bob", "@bob", D(2025, 6, 1))
    assert str(caught.value) == (
        "Bob cannot start on 2025-06-01: the current champion Ann started on 2025-06-02; "
        "a handover starts on or after that day."
    )
    assert history(path, "Alpha") == [("Ann", "ann@example.com", D(2025, 6, 2), None)]


def test_the_same_person_again_is_no_change_or_a_new_start_date(make_db):
    path = make_db("Alpha")
    assign(path, "Alpha", "Ann", "ann@example.com", D(2025, 6, 2))
    assert assign(path, "Alpha", "Ann", "ANN@example.com", D(2025, 6, 2)) == (
        "Ann is already the champion of Alpha."
    )
    assert assign(path, "Alpha", "Ann", "ann@example.com", D(2025, 5, 5)) == (
        "Ann's start on Alpha is now 2025-05-05."
    )
    assert history(path, "Alpha") == [("Ann", "ann@example.com", D(2025, 5, 5), None)]
    with db.connect(path) as con:
        last = roster_audit(con)[-1]
    assert (last["action"], json.loads(last["before"]), json.loads(last["after"])) == (
        "champion.update",
        {"since": "2025-06-02"},
        {"since": "2025-05-05"},
    )


def test_removing_the_champion_ends_the_term_and_keeps_it(make_db):
    path = make_db("Alpha")
    assign(path, "Alpha", "Ann", "ann@example.com", D(2025, 6, 2))
    with db.connect(path) as con:
        assert roster.remove_champion(
            con, "Alpha", who=Actor("coach", ADMIN), until=D(2025, 9, 1)
        ) == ("Ann is no longer the champion of Alpha.")
        assert (
            roster.remove_champion(con, "Alpha", who=Actor("coach", ADMIN))
            == "Alpha has no champion."
        )
        assert roster.current_champion(con, 1) is None
    assert history(path, "Alpha") == [("Ann", "ann@example.com", D(2025, 6, 2), D(2025, 9, 1))]


def test_a_retired_team_gets_no_champion(make_db):
    path = make_db("Alpha")
    assign(path, "Alpha", "Ann", "ann@example.com", D(2025, 6, 2))
    with db.connect(path) as con:
        assert (
            roster.set_team_active(con, "Alpha", False, who=Actor("coach", ADMIN))
            == "Alpha is retired."
        )
    assert query(path, "SELECT count(*) FROM champions WHERE until IS NULL") == [(0,)]
    with pytest.raises(Conflict, match="Alpha is retired; reactivate it before naming a champion"):
        assign(path, "Alpha", "Bob", "@bob", D(2025, 7, 7))


def test_two_open_terms_written_behind_ddqs_back_are_reported_not_hidden(make_db):
    path = make_db("Alpha")
    assign(path, "Alpha", "Ann", "ann@example.com", D(2025, 6, 2))
    with db.connect(path) as con:
        con.execute(
            "INSERT INTO champions (team_id, person, contact, since, created_at) "
            "VALUES (1, 'Bob', '@bob', DATE '2025-07-07', now())"
        )
        with pytest.raises(Conflict, match="Team 1 has 2 current champions; run `ddq check`"):
            roster.current_champion(con, 1)
        # and no further handover can be made on top of it
        with pytest.raises(Conflict):
            roster.assign_champion(
                con, "Alpha", "Cy", "@cy", D(2025, 8, 4), who=Actor("coach", ADMIN)
            )
    assert open_terms(path) == [(1, 2)]


def test_ensure_area_and_team_create_once_and_move(make_db):
    path = make_db()
    with db.connect(path) as con:
        core, created = roster.ensure_area(con, "  Core   Platform ")
        assert created
        assert roster.ensure_area(con, "core platform") == (core, False)
        team, created, moved_from = roster.ensure_team(con, "Pay  ments", core)
        assert (created, moved_from) == (True, None)
        other, _ = roster.ensure_area(con, "Other")
        assert roster.ensure_team(con, "PAY MENTS", other) == (team, False, core)
        assert roster.ensure_team(con, "pay ments", None) == (team, False, None)
    assert query(path, "SELECT name, area_id FROM teams") == [("Pay ments", other)]
    assert query(path, "SELECT name FROM areas ORDER BY id") == [("Core Platform",), ("Other",)]


def test_roster_lists_teams_without_a_champion_first(make_db):
    path = make_db("Alpha", "Beta", "Gamma")
    assign(path, "Alpha", "Ann", "ann@example.com", D(2025, 6, 2))
    assign(path, "Gamma", "Ann", "ANN@example.com", D(2025, 6, 2))
    with db.connect(path) as con:
        rows = roster.roster(con, today=D(2025, 6, 12))
    assert [(r["team"], r["champion"], r["tenure_days"], r["also_champions"]) for r in rows] == [
        ("Beta", None, None, []),
        ("Alpha", "Ann", 10, ["Gamma"]),
        ("Gamma", "Ann", 10, ["Alpha"]),
    ]
