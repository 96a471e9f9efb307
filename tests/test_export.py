"""ddq.export: formula-safe CSV that imports back unchanged."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from conftest import TODAY, query

from ddq import db
from ddq.access import ADMIN, Actor
from ddq.export import export_metrics, formula_safe
from ddq.ingest.csvfile import strip_export_quote
from ddq.ingest.metrics import import_metrics

HEADER = "team,week,metric,value\n"
TRICKY_TEAMS = [
    "=cmd",
    "+x",
    "-y",
    "@z",
    "\tTabbed",
    "'=quoted",
    "'plain",
    "-10",
    "Comma, Inc.",
    'Say "hi"',
    "Zoë",
    "alpha",
    "Beta",
]


def load(path: Path, content: str | bytes, **kwargs):
    data = content.encode("utf-8") if isinstance(content, str) else content
    with db.connect(path) as con:
        return import_metrics(
            con, data, file_name="m.csv", who=Actor("tester", ADMIN), today=TODAY, **kwargs
        )


def exported(path: Path) -> str:
    out = io.StringIO()
    with db.connect(path) as con:
        export_metrics(con, out)
    return out.getvalue()


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=cmd", "'=cmd"),
        ("=1+1", "'=1+1"),
        ("+x", "'+x"),
        ("-y", "'-y"),
        ("@z", "'@z"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("'=x", "''=x"),  # an own quote before a formula character gets one more
        ("''-x", "'''-x"),
        ("-10", "-10"),  # plain numbers stay numbers
        ("+5", "+5"),
        ("-1.5e3", "-1.5e3"),
        ("-", "'-"),
        ("'plain", "'plain"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
    ],
)
def test_formula_safe(value, written):
    assert formula_safe(value) == written


def test_the_import_undoes_exactly_what_the_export_did():
    rng = random.Random(20260304)
    alphabet = "=+-@'\t\rab1. "
    values = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 6))) for _ in range(2000)]
    for value in values:
        assert strip_export_quote(formula_safe(value)) == value, repr(value)


def test_export_writes_sorted_long_csv_with_plain_numbers(make_db):
    path = make_db("beta", "Alpha", "Comma, Inc.", 'Say "hi"')
    load(
        path,
        HEADER + "beta,2025-03-10,open_bugs,3\n"
        "Alpha,2025-03-12,test_pass_rate,97.5\n"
        "Alpha,2025-03-03,open_bugs,1000000\n"
        "Alpha,2025-03-03,escaped_defects,0\n"
        '"Comma, Inc.",2025-W10,median_days_to_resolve_critical,0.1\n'
        '"Say ""hi""",2025-03-03,open_bugs,2.0\n',
    )
    assert exported(path) == (
        HEADER
        + "Alpha,2025-03-03,escaped_defects,0\n"
        + "Alpha,2025-03-03,open_bugs,1000000\n"
        + "Alpha,2025-03-10,test_pass_rate,97.5\n"
        + "beta,2025-03-10,open_bugs,3\n"
        + '"Comma, Inc.",2025-03-03,median_days_to_resolve_critical,0.1\n'
        + '"Say ""hi""",2025-03-03,open_bugs,2\n'
    )


def test_export_to_a_path_equals_export_to_a_stream(make_db, tmp_path):
    path = make_db("Alpha")
    load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,2\n")
    out = tmp_path / "out.csv"
    with db.connect(path) as con:
        assert export_metrics(con, out) == 2
    assert out.read_bytes() == exported(path).encode("utf-8")


def _seed_tricky(path: Path) -> None:
    """Values for teams whose names a spreadsheet would run, entered straight into the tables."""
    cells = [
        ("open_bugs", 1),
        ("escaped_defects", 0),
        ("test_pass_rate", 33.333333333333336),
        ("test_pass_rate", 0.1),
        ("median_days_to_resolve_critical", 2.5),
        ("median_days_to_resolve_critical", 1e-07),
        ("open_bugs", 1234567),
        ("test_pass_rate", 99.99),
    ]
    with db.connect(path) as con:
        team_ids = dict(con.execute("SELECT name, id FROM teams").fetchall())
        con.execute(
            "INSERT INTO imports (kind, file_name, who, imported_at) "
            "VALUES ('metrics', 'seed', 'tester', now())"
        )
        rows = []
        for i, team in enumerate(TRICKY_TEAMS):
            for week in ("2025-03-03", "2025-03-10"):
                metric, value = cells[(i + int(week[-1])) % len(cells)]
                rows.append([team_ids[team], week, metric, value])
        con.executemany(
            "INSERT INTO metric_values (team_id, week, metric, value, import_id) "
            "VALUES (?, CAST(? AS DATE), ?, ?, 1)",
            rows,
        )


def test_formula_team_names_are_neutralised_in_the_export(make_db):
    path = make_db(*TRICKY_TEAMS)
    _seed_tricky(path)
    lines = exported(path).splitlines()
    for written in ("'=cmd,", "'+x,", "'-y,", "'@z,", "''=quoted,", "'plain,", "-10,"):
        assert any(line.startswith(written) for line in lines), written
    assert not any(line.startswith(("=", "+", "@", "-y")) for line in lines)


def test_export_import_export_is_byte_identical_into_a_new_database(make_db, tmp_path):
    path = make_db(*TRICKY_TEAMS)
    _seed_tricky(path)
    first = exported(path)
    fresh = tmp_path / "fresh.duckdb"
    result = load(fresh, first, create_teams=True)
    assert result.added == 2 * len(TRICKY_TEAMS)
    assert sorted(result.teams_created) == sorted(TRICKY_TEAMS)
    assert sorted(n for (n,) in query(fresh, "SELECT name FROM teams")) == sorted(TRICKY_TEAMS)
    assert exported(fresh) == first


def test_importing_an_export_into_its_own_database_changes_nothing(make_db):
    path = make_db(*TRICKY_TEAMS)
    _seed_tricky(path)
    first = exported(path)
    result = load(path, first)
    assert (result.added, result.updated, result.unchanged) == (0, 0, 2 * len(TRICKY_TEAMS))
    assert exported(path) == first


def test_an_empty_database_exports_just_the_header(make_db):
    path = make_db("Alpha")
    assert exported(path) == HEADER
