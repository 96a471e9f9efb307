"""The real ``ddq`` command, run as a subprocess against a temporary database file."""

from __future__ import annotations

import codecs
import datetime as dt
import getpass
import hashlib
import io

from conftest import query

from ddq import db
from ddq.export import export_metrics

HEADER = "team,week,metric,value\n"
UNKNOWN_ALPAH = (
    "unknown team (did you mean 'Alpha'?); add it to the roster first, or let the import "
    "create missing teams (--create-teams)"
)


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def export_text(run_ddq, **kwargs) -> str:
    """What the real `ddq export metrics` prints."""
    return ok(run_ddq("export", "metrics", **kwargs))


def exported(path) -> str:
    """The same export, in this process (the command costs a second, mostly importing pandas)."""
    out = io.StringIO()
    with db.connect(path) as con:
        export_metrics(con, out)
    return out.getvalue()


def ledger_rows(run_ddq) -> list[list[str]]:
    """`ddq imports` as [id, date, time, kind, added, updated, same, status, who, file]."""
    lines = ok(run_ddq("imports")).splitlines()
    assert lines[0].split() == [
        "id",
        "when",
        "(UTC)",
        "kind",
        "added",
        "updated",
        "same",
        "status",
        "who",
        "file",
    ]
    return [line.split() for line in lines[1:]]


def test_import_prints_counts_and_the_ledger_lists_it(db_path, make_db, write_file, run_ddq):
    make_db("Alpha", "Beta")
    first = write_file(
        "week10.csv", HEADER + "Alpha,2025-03-05,open_bugs,3\nBeta,2025-W10,test_pass_rate,97.5\n"
    )
    result = run_ddq("import", "metrics", first)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "import 1: 2 added, 0 updated, 0 unchanged\n",
        "",
    )
    second = write_file(
        "week11.csv",
        "team;week;open_bugs;test_pass_rate\n"
        "alpha;2025-03-03;4;\n"
        "BETA;2025-03-03;;97.5\n"
        "Beta;2025-03-10;1;98\n",
    )
    assert ok(run_ddq("import", "metrics", second)) == (
        "import 2: 2 added, 1 updated, 1 unchanged\n"
    )
    rows = ledger_rows(run_ddq)
    who = getpass.getuser()[:12]
    assert [(r[0], r[3], r[4], r[5], r[6], r[7], r[8], r[9]) for r in rows] == [
        ("2", "metrics", "2", "1", "1", "applied", who, "week11.csv"),
        ("1", "metrics", "2", "0", "0", "applied", who, "week10.csv"),
    ]
    assert query(db_path, "SELECT sha256 FROM imports ORDER BY id") == [
        (hashlib.sha256(first.read_bytes()).hexdigest(),),
        (hashlib.sha256(second.read_bytes()).hexdigest(),),
    ]
    assert exported(db_path) == (
        HEADER + "Alpha,2025-03-03,open_bugs,4\n"
        "Beta,2025-03-03,test_pass_rate,97.5\n"
        "Beta,2025-03-10,open_bugs,1\n"
        "Beta,2025-03-10,test_pass_rate,98\n"
    )


def test_no_imports_yet(make_db, run_ddq):
    make_db()
    assert ok(run_ddq("imports")) == "no imports yet\n"


def test_reimporting_the_same_file_changes_nothing(db_path, make_db, write_file, run_ddq):
    make_db("Alpha")
    source = write_file(
        "m.csv", HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,test_pass_rate,0.1\n"
    )
    ok(run_ddq("import", "metrics", source))
    before = exported(db_path)
    assert ok(run_ddq("import", "metrics", source)) == "import 2: 0 added, 0 updated, 2 unchanged\n"
    assert exported(db_path) == before
    assert query(db_path, "SELECT count(*), count(DISTINCT import_id) FROM metric_values") == [
        (2, 1)
    ]


def test_a_rejected_file_changes_nothing_and_reports_every_line(make_db, write_file, run_ddq):
    make_db("Alpha", "Beta")
    ok(
        run_ddq(
            "import", "metrics", write_file("good.csv", HEADER + "Alpha,2025-03-03,open_bugs,1\n")
        )
    )
    export_before, ledger_before = export_text(run_ddq), ok(run_ddq("imports"))
    bad = write_file(
        "bad.csv",
        HEADER
        + "Alpha,2025-03-03,open_bugs,5\n"  # line 2: fine (would update)
        + '"Alpha\n'  # lines 3-4: one record over two lines, fine
        + '",2025-03-10,open_bugs,2\n'
        + "\n"  # line 5: blank
        + "Alpha,2025-03-17,open_bugs,3.5\n"  # line 6
        + "Beta,2025-03-17,test_pass_rate,3,5\n"  # line 7: five fields
        + "Alpah,2025-03-24,open_bugs,1\n",
    )  # line 8
    result = run_ddq("import", "metrics", bad)
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "bad.csv: 3 problems; nothing was imported. Fix the file and try again.",
        "  line 6, column value, value '3.5': a count is a whole number",
        "  line 7: has 5 fields where the header has 4; check for a missing or extra comma",
        f"  line 8, column team, value 'Alpah': {UNKNOWN_ALPAH}",
    ]
    assert "Traceback" not in result.stderr
    assert export_text(run_ddq) == export_before
    assert ok(run_ddq("imports")) == ledger_before


def test_dry_run_reports_what_would_happen_and_changes_nothing(
    db_path, make_db, write_file, run_ddq
):
    make_db("Alpha")
    ok(
        run_ddq(
            "import",
            "metrics",
            write_file(
                "a.csv", HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,2\n"
            ),
        )
    )
    export_before, ledger_before = exported(db_path), ok(run_ddq("imports"))
    source = write_file(
        "b.csv",
        HEADER + "Alpha,2025-03-03,open_bugs,1\n"
        "Alpha,2025-03-10,open_bugs,5\n"
        "Gamma,2025-03-17,test_pass_rate,99.5\n",
    )
    dry = ok(run_ddq("import", "metrics", source, "--dry-run", "--create-teams"))
    assert dry.splitlines() == [
        "dry run of b.csv: would be 1 added, 1 updated, 1 unchanged; would create 1 team(s): "
        "Gamma; nothing was changed",
        "first rows:",
        "  line 2: Alpha, 2025-03-03, open_bugs = 1",
        "  line 3: Alpha, 2025-03-10, open_bugs = 5",
        "  line 4: Gamma, 2025-03-17, test_pass_rate = 99.5",
    ]
    assert exported(db_path) == export_before
    assert ok(run_ddq("imports")) == ledger_before
    assert query(db_path, "SELECT name FROM teams") == [("Alpha",)]
    assert ok(run_ddq("import", "metrics", source, "--create-teams")) == (
        "import 2: 1 added, 1 updated, 1 unchanged; created 1 team(s): Gamma\n"
    )


def test_dry_run_of_a_bad_file_gives_the_same_errors(db_path, make_db, write_file, run_ddq):
    make_db("Alpha")
    bad = write_file(
        "bad.csv",
        HEADER + "Alpah,2025-03-03,open_bugs,1\n"
        "Alpha,2025-03-03,open_bugs,1\n"
        "Alpha,2025-03-03,open_bugs,2\n",
    )
    real = run_ddq("import", "metrics", bad)
    dry = run_ddq("import", "metrics", bad, "--dry-run")
    assert real.returncode == dry.returncode == 1
    assert dry.stdout == real.stdout == ""
    assert dry.stderr == real.stderr
    assert dry.stderr.splitlines()[1:] == [
        f"  line 2, column team, value 'Alpah': {UNKNOWN_ALPAH}",
        "  line 4, column team, value 'Alpha': open_bugs for this team in week 2025-W10 is also "
        "on line 3 (lines 3, 4); keep one value per team, week and metric",
    ]
    assert query(db_path, "SELECT count(*) FROM imports") == [(0,)]


def test_create_teams_lets_an_unknown_team_in(make_db, write_file, run_ddq):
    make_db("Alpha")
    source = write_file("m.csv", HEADER + "Gamma,2025-03-03,open_bugs,1\n")
    refused = run_ddq("import", "metrics", source)
    assert refused.returncode == 1
    assert (
        "line 2, column team, value 'Gamma': unknown team; add it to the roster" in refused.stderr
    )
    assert ok(run_ddq("import", "metrics", source, "--create-teams")) == (
        "import 1: 1 added, 0 updated, 0 unchanged; created 1 team(s): Gamma\n"
    )


def test_a_week_in_the_future_is_refused(make_db, write_file, run_ddq):
    make_db("Alpha")
    today = dt.datetime.now(dt.UTC).date()
    year, week, _ = today.isocalendar()
    result = run_ddq(
        "import", "metrics", write_file("m.csv", HEADER + "Alpha,2099-01-05,open_bugs,1\n")
    )
    assert result.returncode == 1
    assert result.stderr.splitlines()[1] == (
        f"  line 2, column week, value '2099-01-05': week 2099-W02 is in the future (this is "
        f"week {year}-W{week:02d}); check the year"
    )


def test_encoded_files_import_through_the_command(db_path, make_db, write_file, run_ddq):
    make_db("Équipe Zoë")
    utf16 = codecs.BOM_UTF16_LE + (
        "team\tweek\tmetric\tvalue\r\nÉquipe Zoë\t2025-03-03\topen_bugs\t2\r\n"
    ).encode("utf-16-le")
    cp1252 = "team;week;metric;value\r\nÉquipe Zoë;2025-03-10;open_bugs;3\r\n".encode("cp1252")
    assert ok(run_ddq("import", "metrics", write_file("u16.txt", utf16))).startswith(
        "import 1: 1 added"
    )
    assert ok(run_ddq("import", "metrics", write_file("w.csv", cp1252))).startswith(
        "import 2: 1 added"
    )
    assert exported(db_path) == (
        HEADER + "Équipe Zoë,2025-03-03,open_bugs,2\nÉquipe Zoë,2025-03-10,open_bugs,3\n"
    )


def test_export_import_export_is_byte_identical(db_path, make_db, write_file, run_ddq, tmp_path):
    make_db()
    teams = ["=cmd", "+x", "-y", "@z", "'=own quote", "Comma, Inc.", "Zoë"]
    seed = HEADER + "".join(
        f'"{t.replace(chr(34), chr(34) * 2)}",2025-03-{3 + 7 * (i % 2):02d},test_pass_rate,{i + 0.25}\n'
        for i, t in enumerate(teams)
    )
    # the seed file is written the way a spreadsheet user would: names quoted as exported
    seed = seed.replace('"=cmd"', "'=cmd").replace('"+x"', "'+x").replace('"-y"', "'-y")
    seed = seed.replace('"@z"', "'@z").replace('"\'=own quote"', "''=own quote")
    ok(run_ddq("import", "metrics", write_file("seed.csv", seed), "--create-teams"))
    assert sorted(n for (n,) in query(db_path, "SELECT name FROM teams")) == sorted(teams)

    out = tmp_path / "export.csv"
    wrote = run_ddq("export", "metrics", "--out", out)
    assert wrote.returncode == 0 and wrote.stderr == f"wrote {len(teams)} values to {out}\n"
    first = out.read_bytes()
    assert first.decode("utf-8") == export_text(run_ddq)
    assert b"'=cmd," in first and b"''=own quote," in first and b"\n'-y," in first

    fresh = tmp_path / "fresh.duckdb"
    assert ok(run_ddq("import", "metrics", out, "--create-teams", db=fresh)).startswith(
        f"import 1: {len(teams)} added, 0 updated, 0 unchanged; created {len(teams)} team(s)"
    )
    again = tmp_path / "again.csv"
    ok(run_ddq("export", "metrics", "--out", again, db=fresh))
    assert again.read_bytes() == first
    # and back into the database it came from: nothing changes
    assert ok(run_ddq("import", "metrics", again)) == (
        f"import 2: 0 added, 0 updated, {len(teams)} unchanged\n"
    )


def test_undo_restores_the_export_exactly(db_path, make_db, write_file, run_ddq):
    make_db("Alpha")
    ok(
        run_ddq(
            "import",
            "metrics",
            write_file(
                "a.csv",
                HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,test_pass_rate,80.5\n",
            ),
        )
    )
    before = export_text(run_ddq)
    ok(
        run_ddq(
            "import",
            "metrics",
            write_file(
                "b.csv",
                HEADER + "Alpha,2025-03-03,open_bugs,9\n"
                "Alpha,2025-03-10,test_pass_rate,80.5\n"
                "Alpha,2025-03-17,open_bugs,4\n",
            ),
        )
    )
    assert exported(db_path) != before
    assert ok(run_ddq("undo", "2")) == (
        "import 2 undone: 1 added values removed, 1 overwritten values restored, "
        "0 created teams removed\n"
    )
    assert export_text(run_ddq) == before
    assert [r[7] for r in ledger_rows(run_ddq)] == ["undone", "applied"]
    assert ok(run_ddq("check")).endswith("all 15 checks passed\n")


def test_undo_overwritten_by_a_later_import_is_refused(db_path, make_db, write_file, run_ddq):
    make_db("Alpha")
    ok(run_ddq("import", "metrics", write_file("a.csv", HEADER + "Alpha,2025-03-03,open_bugs,1\n")))
    ok(run_ddq("import", "metrics", write_file("b.csv", HEADER + "Alpha,2025-03-03,open_bugs,2\n")))
    before = exported(db_path)
    refused = run_ddq("undo", "1")
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr == (
        "Import 1 cannot be undone yet: later import(s) 2 changed values it set. "
        "Undo 2 first (newest first), then import 1.\n"
    )
    assert exported(db_path) == before
    assert [r[7] for r in ledger_rows(run_ddq)] == ["applied", "applied"]


def test_undo_of_create_teams_removes_the_teams(db_path, make_db, write_file, run_ddq):
    make_db("Alpha")
    source = write_file(
        "m.csv",
        HEADER + "Gamma,2025-03-03,open_bugs,1\n"
        "Delta,2025-03-03,open_bugs,1\n"
        "Alpha,2025-03-03,open_bugs,1\n",
    )
    ok(run_ddq("import", "metrics", source, "--create-teams"))
    assert query(db_path, "SELECT count(*) FROM teams") == [(3,)]
    assert ok(run_ddq("undo", "1")) == (
        "import 1 undone: 3 added values removed, 0 overwritten values restored, "
        "2 created teams removed\n"
    )
    assert query(db_path, "SELECT name FROM teams") == [("Alpha",)]
    assert exported(db_path) == HEADER


def test_undo_errors_exit_non_zero(make_db, write_file, run_ddq):
    make_db("Alpha")
    missing = run_ddq("undo", "7")
    assert (missing.returncode, missing.stderr) == (
        1,
        "There is no import 7; `ddq imports` lists them.\n",
    )
    ok(run_ddq("import", "metrics", write_file("a.csv", HEADER + "Alpha,2025-03-03,open_bugs,1\n")))
    ok(run_ddq("undo", "1"))
    twice = run_ddq("undo", "1")
    assert twice.returncode == 1
    assert twice.stderr.startswith("Import 1 was already undone on ")


def test_check_passes_then_fails_after_tampering(make_db, write_file, run_ddq):
    path = make_db("Alpha")
    ok(
        run_ddq(
            "import",
            "metrics",
            write_file(
                "a.csv", HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,1\n"
            ),
        )
    )
    good = run_ddq("check")
    assert good.returncode == 0 and good.stderr == ""
    assert good.stdout.splitlines()[-1] == "all 15 checks passed"
    assert all(line.startswith("ok ") for line in good.stdout.splitlines()[:-1])
    query(path, "UPDATE metric_values SET week = week + 2 WHERE week = DATE '2025-03-10'")
    bad = run_ddq("check")
    assert bad.returncode == 1
    assert (
        "FAIL every week is a Monday: 1 row(s): weeks are stored as the Monday of the ISO week"
        in (bad.stdout.splitlines())
    )
    assert sum(line.startswith("FAIL") for line in bad.stdout.splitlines()) == 1
    assert bad.stderr == "1 of 15 checks failed\n"


def test_a_missing_file_is_a_usage_error(make_db, run_ddq, tmp_path):
    make_db()
    result = run_ddq("import", "metrics", tmp_path / "nope.csv")
    assert result.returncode == 2
    assert "does not exist" in result.stderr


def test_demo_remove_takes_the_whole_sample_away(db_path, run_ddq):
    loaded = ok(run_ddq("demo", "--teams", "4", "--weeks", "12"))
    assert loaded.startswith("import 1: sample organisation with 2 areas, 4 teams")
    assert query(db_path, "SELECT count(*) FROM meetings") == [(2,)]
    removed = ok(run_ddq("demo", "--remove"))
    assert removed.startswith("import 1 undone: the sample organisation is removed (4 teams, "), (
        removed
    )
    assert "2 meetings, 2 critical-bug definitions, 2 areas" in removed
    for table in ("teams", "areas", "meetings", "critical_defs", "endorsements", "events"):
        assert query(db_path, f"SELECT count(*) FROM {table}") == [(0,)], table
    ok(run_ddq("check"))
    again = run_ddq("demo", "--remove")
    assert (again.returncode, again.stderr) == (
        1,
        "This database holds no sample organisation (or it was removed already).\n",
    )


def test_undoing_the_sample_import_removes_it_as_completely(db_path, run_ddq):
    ok(run_ddq("demo", "--teams", "4", "--weeks", "12"))
    assert "the sample organisation is removed" in ok(run_ddq("undo", "1"))
    assert query(db_path, "SELECT count(*) FROM meetings") == [(0,)]
    ok(run_ddq("check"))
    ok(run_ddq("demo", "--teams", "4", "--weeks", "12"))  # and it can be loaded again
    assert query(db_path, "SELECT count(*) FROM meetings") == [(2,)]
