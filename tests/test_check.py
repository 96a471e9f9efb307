"""ddq.check: the integrity report passes on a good database and names what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import TODAY

from ddq import db
from ddq.access import ADMIN, Actor
from ddq.check import run_checks
from ddq.ingest.metrics import import_metrics


def good_db(make_db) -> Path:
    path = make_db("Alpha", "Beta")
    with db.connect(path) as con:
        import_metrics(
            con,
            b"team,week,open_bugs,test_pass_rate\nAlpha,2025-03-03,3,99.5\nBeta,2025-03-03,1,\n",
            file_name="m.csv",
            who=Actor("tester", ADMIN),
            today=TODAY,
        )
        import_metrics(
            con,
            b"team,week,metric,value\nAlpha,2025-03-03,open_bugs,4\n",
            file_name="n.csv",
            who=Actor("tester", ADMIN),
            today=TODAY,
        )
    return path


def failing(path: Path) -> list[str]:
    with db.connect(path) as con:
        return [f.check for f in run_checks(con) if not f.ok]


def test_a_good_database_passes_every_check(make_db):
    path = good_db(make_db)
    with db.connect(path) as con:
        findings = run_checks(con)
    assert len(findings) == 15
    assert [f for f in findings if not f.ok] == []


def test_an_empty_database_passes(make_db):
    assert failing(make_db()) == []


@pytest.mark.parametrize(
    ("tamper", "check"),
    [
        (
            "UPDATE metric_values SET week = week + 1 WHERE metric = 'test_pass_rate'",
            "every week is a Monday",
        ),
        (
            "UPDATE metric_values SET week = DATE '1999-12-27' WHERE metric = 'test_pass_rate'",
            "no week before 2000-01-03 or in the future",
        ),
        (
            "UPDATE metric_values SET week = DATE '2099-01-05' WHERE metric = 'test_pass_rate'",
            "no week before 2000-01-03 or in the future",
        ),
        (
            "UPDATE metric_values SET value = -1 WHERE metric = 'test_pass_rate'",
            "values are finite and fit their unit",
        ),
        (
            "UPDATE metric_values SET value = 2.5 WHERE metric = 'open_bugs'",
            "values are finite and fit their unit",
        ),
        (
            "UPDATE metric_values SET value = 'NaN' WHERE metric = 'test_pass_rate'",
            "values are finite and fit their unit",
        ),
        (
            "UPDATE metric_values SET metric = 'velocity' WHERE metric = 'test_pass_rate'",
            "every value belongs to a known metric",
        ),
        ("DELETE FROM teams WHERE name = 'Beta'", "every value belongs to a known team"),
        (
            "UPDATE teams SET name = 'Renamed' WHERE name = 'Beta'",
            "team names are indexed consistently",
        ),
        (
            "UPDATE imports SET status = 'undone' WHERE id = 1",
            "every value comes from an applied import",
        ),
        (
            "UPDATE metric_values SET import_id = 99 WHERE metric = 'test_pass_rate'",
            "every value comes from an applied import",
        ),
        (
            "UPDATE import_overwrites SET old_import_id = 99",
            "overwritten values point at real imports",
        ),
        ("UPDATE imports SET added = -1 WHERE id = 2", "ledger counts are not negative"),
    ],
)
def test_tampering_fails_exactly_the_matching_check(make_db, tamper, check):
    path = good_db(make_db)
    with db.connect(path) as con:
        con.execute(tamper)
    assert failing(path) == [check]


def test_a_failed_check_says_how_many_rows_and_what_they_mean(make_db):
    path = good_db(make_db)
    with db.connect(path) as con:
        con.execute("UPDATE metric_values SET week = week + 2")
        findings = {f.check: f for f in run_checks(con)}
    assert findings["every week is a Monday"].detail == (
        "3 row(s): weeks are stored as the Monday of the ISO week"
    )
