"""The real ``ddq`` command's roster commands, run against a temporary database file."""

from __future__ import annotations

import getpass
import io

from conftest import query

from ddq import db
from ddq.export import export_roster

HEADER = "area,team,champion,email,since\n"
ROSTER = (
    HEADER + "Core,Payments,Ann Lee,ann@example.com,2025-01-06\n"
    "Core,Search,Bob,@bob,2025-02-03\n"
    "Edge,Mobile,,,\n"
)


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def exported(path) -> str:
    out = io.StringIO()
    with db.connect(path) as con:
        export_roster(con, out)
    return out.getvalue()


def test_import_prints_what_changed_and_the_ledger_lists_it(db_path, make_db, write_file, run_ddq):
    make_db()
    result = run_ddq("import", "roster", write_file("org.csv", ROSTER))
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "import 1: 2 areas and 3 teams created, 2 champions assigned, 0 unchanged\n",
        "",
    )
    handover = write_file("next.csv", HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\n"
                          "Core,Search,,,\nEdge,Mobile,,,\n")  # fmt: skip
    assert ok(run_ddq("import", "roster", handover)) == (
        "import 2: 1 handover, 1 champion removed, 1 unchanged\n"
    )
    lines = ok(run_ddq("imports")).splitlines()
    who = getpass.getuser()[:12]
    assert [line.split() for line in lines[1:]] == [
        ["2", *lines[1].split()[1:3], "roster", "0", "2", "1", "applied", who, "next.csv"],
        ["1", *lines[2].split()[1:3], "roster", "3", "0", "0", "applied", who, "org.csv"],
    ]
    assert ok(run_ddq("export", "roster")) == (
        HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\nCore,Search,,,\nEdge,Mobile,,,\n"
    )


def test_dry_run_lists_the_changes_and_changes_nothing(db_path, make_db, write_file, run_ddq):
    make_db()
    ok(run_ddq("import", "roster", write_file("org.csv", ROSTER)))
    before, ledger_before = exported(db_path), ok(run_ddq("imports"))
    source = write_file(
        "next.csv",
        HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\n"
        "Core,Search,Bob,@bob,2025-02-03\n"
        "Mars,Rover,,,\n",
    )
    assert ok(run_ddq("import", "roster", source, "--dry-run")).splitlines() == [
        "dry run of next.csv: would be 1 area and 1 team created, 1 handover, 1 unchanged; "
        "nothing was changed",
        "changes:",
        "  line 2: Payments (Core), Dee: handover from Ann Lee",
        "  line 4: Rover (Mars): new team; new area",
    ]
    assert exported(db_path) == before
    assert ok(run_ddq("imports")) == ledger_before


def test_a_rejected_file_changes_nothing_and_names_every_line(
    db_path, make_db, write_file, run_ddq
):
    make_db()
    ok(run_ddq("import", "roster", write_file("org.csv", ROSTER)))
    before, ledger_before = exported(db_path), ok(run_ddq("imports"))
    bad = write_file(
        "bad.csv",
        HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\n"  # line 2: fine
        "Core,Search,Eve,eve,2025-06-02\n"  # line 3: bad contact
        "Edge,Mobile,Finn,@finn,2025-6-2\n"  # line 4: not ISO
        "Core,payments,Gus,@gus,2025-07-07\n",  # line 5: Payments again
    )
    for args in (("import", "roster", bad), ("import", "roster", bad, "--dry-run")):
        result = run_ddq(*args)
        assert (result.returncode, result.stdout) == (1, "")
        assert result.stderr.splitlines() == [
            "bad.csv: 3 problems; nothing was imported. Fix the file and try again.",
            "  line 3, column email, value 'eve': not an email address (name@example.com) or a "
            "chat handle (@name)",
            "  line 4, column since, value '2025-6-2': not a date: write it as YYYY-MM-DD, such "
            "as 2026-03-02",
            "  line 5, column team, value 'payments': this team is also on line 2; a roster "
            "names each team once",
        ]
    assert exported(db_path) == before
    assert ok(run_ddq("imports")) == ledger_before


def test_export_import_export_through_the_command_is_byte_identical(
    make_db, write_file, run_ddq, tmp_path
):
    make_db()
    seed = write_file(
        "seed.csv",
        HEADER + '"Comma, Inc.","Say ""hi""","Lee, Ann",ann@example.com,2025-01-06\n'
        "'=Area,=cmd,+Plus,'@plus,2025-02-03\n"
        "Édition,Zoë,José Müller,@jose,2024-12-02\n"
        ",Loose,,,\n",
    )
    ok(run_ddq("import", "roster", seed))
    first = tmp_path / "first.csv"
    result = run_ddq("export", "roster", "--out", first)
    assert (result.returncode, result.stdout, result.stderr) == (
        0,
        "",
        f"wrote 4 teams to {first}\n",
    )
    assert first.read_text(encoding="utf-8") == (
        HEADER + "'=Area,'=cmd,'+Plus,'@plus,2025-02-03\n"
        '"Comma, Inc.","Say ""hi""","Lee, Ann",ann@example.com,2025-01-06\n'
        "Édition,Zoë,José Müller,'@jose,2024-12-02\n"
        ",Loose,,,\n"
    )
    other = tmp_path / "other.duckdb"
    ok(run_ddq("import", "roster", first, db=other))
    second = tmp_path / "second.csv"
    ok(run_ddq("export", "roster", "--out", second, db=other))
    assert second.read_bytes() == first.read_bytes()
    assert ok(run_ddq("export", "roster", db=other)).encode("utf-8") == first.read_bytes()
    # and importing it again changes nothing
    assert ok(run_ddq("import", "roster", second, db=other)) == "import 2: 4 unchanged\n"


def test_undo_of_a_roster_import_through_the_command(db_path, make_db, write_file, run_ddq):
    make_db()
    ok(run_ddq("import", "roster", write_file("org.csv", ROSTER)))
    before = exported(db_path)
    ok(
        run_ddq(
            "import", "roster", write_file("a.csv", HEADER + "Core,Payments,Dee,@dee,2025-06-02\n")
        )
    )
    ok(
        run_ddq(
            "import", "roster", write_file("b.csv", HEADER + "Core,Payments,Eve,@eve,2025-07-07\n")
        )
    )
    refused = run_ddq("undo", "2")
    assert (refused.returncode, refused.stdout, refused.stderr) == (
        1,
        "",
        "Import 2 cannot be undone yet: later roster import(s) 3 changed the same teams. "
        "Undo import 3 first (newest first), then import 2.\n",
    )
    assert ok(run_ddq("undo", "3")) == "import 3 undone: 1 champion term(s) removed, 1 reopened\n"
    assert ok(run_ddq("undo", "2")) == "import 2 undone: 1 champion term(s) removed, 1 reopened\n"
    assert exported(db_path) == before
    assert ok(run_ddq("undo", "1")) == (
        "import 1 undone: 2 champion term(s) removed, 3 created team(s) removed, "
        "2 created area(s) removed\n"
    )
    assert exported(db_path) == HEADER
    assert ok(run_ddq("check")).endswith("all 15 checks passed\n")


def test_check_catches_two_current_champions_written_by_raw_sql(
    db_path, make_db, write_file, run_ddq
):
    make_db()
    ok(run_ddq("import", "roster", write_file("org.csv", ROSTER)))
    assert ok(run_ddq("check")).splitlines()[-1] == "all 15 checks passed"
    query(
        db_path,
        "INSERT INTO champions (team_id, person, contact, since, created_at) "
        "VALUES (1, 'Mallory', '@mallory', DATE '2025-03-03', now())",
    )
    bad = run_ddq("check")
    assert bad.returncode == 1
    assert [line for line in bad.stdout.splitlines() if line.startswith("FAIL")] == [
        "FAIL one current champion per team: 1 row(s): teams with more than one current "
        "champion; end all but one of their open terms",
        "FAIL champion terms are consistent: 1 row(s): champion terms that end before they "
        "start, or start before the team's previous term ended",
    ]
    assert bad.stderr == "2 of 15 checks failed\n"
    # and ddq refuses to build on it: an import naming that team is rejected, not applied
    refused = run_ddq(
        "import", "roster", write_file("c.csv", HEADER + "Core,Payments,Cy,@cy,2025-06-02\n")
    )
    assert refused.returncode == 1
    assert refused.stderr.splitlines()[1] == (
        "  line 2, column team, value 'Payments': the team has 2 current champions in the "
        "database; run `ddq check` and repair it first"
    )


def test_check_catches_terms_that_end_before_they_start_or_overlap(
    db_path, make_db, write_file, run_ddq
):
    make_db()
    ok(run_ddq("import", "roster", write_file("org.csv", ROSTER)))
    ok(run_ddq("import", "roster", write_file("a.csv", HEADER + "Core,Search,Cy,@cy,2025-06-02\n")))
    query(db_path, "UPDATE champions SET until = DATE '2025-01-01' WHERE person = 'Bob'")
    assert "FAIL champion terms are consistent: 1 row(s)" in run_ddq("check").stdout
    query(db_path, "UPDATE champions SET until = DATE '2025-06-03' WHERE person = 'Bob'")
    overlap = run_ddq("check")
    assert overlap.returncode == 1
    assert "FAIL champion terms are consistent: 1 row(s)" in overlap.stdout
    query(db_path, "UPDATE champions SET until = DATE '2025-06-02' WHERE person = 'Bob'")
    ok(run_ddq("check"))
