"""ddq.ingest.roster: checking and applying a roster CSV file, all or nothing, and undoing it."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from conftest import TODAY, query

from ddq import db, roster
from ddq.access import ADMIN, Actor
from ddq.check import run_checks
from ddq.errors import Conflict
from ddq.export import export_roster
from ddq.ingest.metrics import import_metrics
from ddq.ingest.problems import ImportRejected
from ddq.ingest.roster import RosterImport, import_roster
from ddq.ingest.undo import undo as undo_import

D = dt.date
HEADER = "area,team,champion,email,since\n"
ROSTER = (
    HEADER + "Core,Payments,Ann Lee,ann@example.com,2025-01-06\n"
    "Core,Search,Bob,@bob,2025-02-03\n"
    "Edge,Mobile,,,\n"
    ",Tools,Cy,cy@example.com,2024-12-02\n"
)
NO_CHAMPION_EMAIL = (
    "the champion is empty, so the email must be empty too; give the champion's name, or "
    "clear the email of a team without a champion"
)
NO_CHAMPION_SINCE = (
    "the champion is empty, so the since must be empty too; give the champion's name, or "
    "clear the since of a team without a champion"
)
BAD_CONTACT = "not an email address (name@example.com) or a chat handle (@name)"


def load(
    path: Path, content: str | bytes, *, name: str = "roster.csv", today=TODAY, **kwargs
) -> RosterImport:
    data = content.encode("utf-8") if isinstance(content, str) else content
    with db.connect(path) as con:
        return import_roster(
            con, data, file_name=name, who=Actor("tester", ADMIN), today=today, **kwargs
        )


def rejected(path: Path, content: str | bytes, **kwargs) -> list[str]:
    with pytest.raises(ImportRejected) as caught:
        load(path, content, **kwargs)
    return caught.value.problem_lines()


def exported(path: Path) -> str:
    out = io.StringIO()
    with db.connect(path) as con:
        export_roster(con, out)
    return out.getvalue()


def history(path: Path, team: str) -> list[tuple]:
    with db.connect(path) as con:
        return [(h["person"], h["since"], h["until"]) for h in roster.history(con, team)]


def state(path: Path) -> tuple:
    """Everything an import or its undo may touch."""
    return tuple(
        query(path, f"SELECT * FROM {table} ORDER BY ALL")
        for table in (
            "areas",
            "teams",
            "champions",
            "roster_changes",
            "import_created_areas",
            "import_created_teams",
            "imports",
            "audit_log",
            "events",
        )
    )


def roster_state(path: Path) -> tuple:
    """The roster itself (not the ledger): what undo must restore exactly."""
    return (
        exported(path),
        query(path, "SELECT * FROM areas ORDER BY id"),
        query(path, "SELECT * FROM teams ORDER BY id"),
        query(path, "SELECT * FROM champions ORDER BY id"),
    )


def undo(path: Path, import_id: int) -> dict:
    with db.connect(path) as con:
        return undo_import(con, import_id, who=Actor("undoer", ADMIN)).counts


def failing_checks(path: Path) -> list[str]:
    with db.connect(path) as con:
        return [f.check for f in run_checks(con) if not f.ok]


# --- creating the organisation -------------------------------------------------------------


def test_an_import_creates_the_areas_teams_and_champions_it_names(make_db):
    path = make_db()
    result = load(path, ROSTER)
    assert result.summary() == (
        "import 1: 2 areas and 4 teams created, 3 champions assigned, 0 unchanged"
    )
    assert (result.areas_created, result.teams_created) == (
        ["Core", "Edge"],
        ["Payments", "Search", "Mobile", "Tools"],
    )
    assert query(
        path,
        "SELECT a.name, t.name, c.person, c.contact, c.since, c.until, c.import_id FROM teams t "
        "LEFT JOIN areas a ON a.id = t.area_id LEFT JOIN champions c ON c.team_id = t.id "
        "ORDER BY t.id",
    ) == [
        ("Core", "Payments", "Ann Lee", "ann@example.com", D(2025, 1, 6), None, 1),
        ("Core", "Search", "Bob", "@bob", D(2025, 2, 3), None, 1),
        ("Edge", "Mobile", None, None, None, None, None),
        (None, "Tools", "Cy", "cy@example.com", D(2024, 12, 2), None, 1),
    ]
    assert query(path, "SELECT import_id, area_id FROM import_created_areas") == [(1, 1), (1, 2)]
    assert query(
        path,
        "SELECT kind, rows_read, added, updated, unchanged, teams_created, status FROM imports",
    ) == [("roster", 4, 4, 0, 0, 4, "applied")]
    assert exported(path) == (
        HEADER + "Core,Payments,Ann Lee,ann@example.com,2025-01-06\n"
        "Core,Search,Bob,'@bob,2025-02-03\n"
        "Edge,Mobile,,,\n"
        ",Tools,Cy,cy@example.com,2024-12-02\n"
    )
    assert failing_checks(path) == []


def test_names_match_existing_ones_case_and_spacing_aside(make_db):
    path = make_db("Payments")
    result = load(path, HEADER + "  core ,  PAYMENTS ,Ann,ann@example.com,2025-01-06\n"
                  "CORE,New   Team,,,\n")  # fmt: skip
    assert (result.areas_created, result.teams_created) == (["core"], ["New Team"])
    assert result.preview == [
        {"line": 2, "area": "core", "team": "Payments", "champion": "Ann",
         "action": "moved from no area; new area; champion assigned"},
        {"line": 3, "area": "core", "team": "New Team", "champion": "", "action": "new team"},
    ]  # fmt: skip
    assert query(path, "SELECT name, area_id FROM teams ORDER BY id") == [
        ("Payments", 1),
        ("New Team", 1),
    ]
    assert query(path, "SELECT name, name_key FROM areas") == [("core", "core")]


def test_every_text_cell_loses_the_export_quote(make_db):
    path = make_db()
    load(path, HEADER + "'+Area,'=cmd,'-Ann,'@ann,2025-01-06\n")
    assert query(
        path,
        "SELECT a.name, t.name, c.person, c.contact FROM champions c JOIN teams t ON "
        "t.id = c.team_id JOIN areas a ON a.id = t.area_id",
    ) == [("+Area", "=cmd", "-Ann", "@ann")]


def test_headers_match_by_name_in_any_order_and_email_may_be_contact_or_handle(make_db):
    path = make_db()
    load(path, "Since;Champion;TEAM;Contact;Area\n2025-01-06;Ann;Payments;@ann;Core\n")
    load(path, " Handle ,team,area,champion,since\n@bob,Search,Core,Bob,2025-02-03\n")
    assert exported(path) == (
        HEADER + "Core,Payments,Ann,'@ann,2025-01-06\nCore,Search,Bob,'@bob,2025-02-03\n"
    )


def test_utf16_and_cp1252_files_read_their_names_right(make_db):
    path = make_db()
    text = HEADER + "Édition,Zoë,José Müller,jose@example.com,2025-01-06\n"
    load(path, codecs.BOM_UTF16_LE + text.encode("utf-16-le"), name="a.csv")
    load(path, text.replace("Zoë", "Straße").encode("cp1252"), name="b.csv")
    assert exported(path) == (
        HEADER + "Édition,Straße,José Müller,jose@example.com,2025-01-06\n"
        "Édition,Zoë,José Müller,jose@example.com,2025-01-06\n"
    )


# --- the checks ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "problems"),
    [
        (
            "Core,,Ann,ann@example.com,2025-01-06",
            ["line 2, column team, value '': the team is empty"],
        ),
        (
            "Core,   ,,,",
            ["line 2, column team, value '   ': the team is empty"],
        ),
        (
            "Core,Payments,Ann,,2025-01-06",
            [
                "line 2, column email, value '': the email or handle is empty; give an email "
                "address or a chat handle (@name)"
            ],
        ),
        (
            "Core,Payments,Ann,ann at example.com,2025-01-06",
            [f"line 2, column email, value 'ann at example.com': {BAD_CONTACT}"],
        ),
        (
            "Core,Payments,Ann,ann@example.com,",
            [
                "line 2, column since, value '': the start date is empty; give the day the "
                "champion started, as YYYY-MM-DD"
            ],
        ),
        (
            "Core,Payments,Ann,ann@example.com,06/01/2025",
            [
                "line 2, column since, value '06/01/2025': not a date: write it as "
                "YYYY-MM-DD, such as 2026-03-02"
            ],
        ),
        (
            "Core,Payments,Ann,ann@example.com,2025-02-30",
            [
                "line 2, column since, value '2025-02-30': not a date: write it as "
                "YYYY-MM-DD, such as 2026-03-02"
            ],
        ),
        (
            "Core,Payments,Ann,ann@example.com,2026-03-05",
            [
                "line 2, column since, value '2026-03-05': the start date is in the future; "
                "record a handover once it has happened"
            ],
        ),
        (
            "Core,Payments,Ann,ann@example.com,1999-12-31",
            [
                "line 2, column since, value '1999-12-31': the start date is before 2000; "
                "check the year"
            ],
        ),
        (
            "Core,Payments,,ann@example.com,2025-01-06",
            [
                f"line 2, column email, value 'ann@example.com': {NO_CHAMPION_EMAIL}",
                f"line 2, column since, value '2025-01-06': {NO_CHAMPION_SINCE}",
            ],
        ),
        (
            "Core,Payments,,,2025-01-06",
            [f"line 2, column since, value '2025-01-06': {NO_CHAMPION_SINCE}"],
        ),
        (
            "Core," + "P" * 121 + ",,,",
            [
                "line 2, column team, value '"
                + "P" * 59
                + "…': the team is longer than 120 characters"
            ],
        ),
        (
            "A" * 121 + ",Payments,,,",
            [
                "line 2, column area, value '"
                + "A" * 59
                + "…': the area is longer than 120 characters"
            ],
        ),
        (
            "Core,Payments," + "N" * 121 + ",n@example.com,2025-01-06",
            [
                "line 2, column champion, value '"
                + "N" * 59
                + "…': the champion's name is longer than 120 characters"
            ],
        ),
    ],
)
def test_each_rule_names_its_line_and_column(make_db, line, problems):
    path = make_db()
    load(path, ROSTER)
    before = state(path)
    assert rejected(path, HEADER + line + "\n") == problems
    assert state(path) == before


def test_the_column_is_named_as_the_header_names_it(make_db):
    path = make_db()
    assert rejected(path, "Team,Area,Champion,Contact,Since\nPayments,Core,Ann,nope,2025-01-06\n") == [
        f"line 2, column Contact, value 'nope': {BAD_CONTACT}"
    ]  # fmt: skip


def test_a_team_named_twice_is_rejected_naming_both_lines(make_db):
    path = make_db()
    lines = rejected(
        path,
        HEADER + "Core,Payments,Ann,ann@example.com,2025-01-06\n"
        "Core,Search,,,\n"
        "Core, payments ,Bob,bob@example.com,2025-01-06\n"
        "Edge,PAYMENTS,Ann,ann@example.com,2025-01-06\n",
    )
    assert lines == [
        "line 4, column team, value ' payments ': this team is also on line 2; a roster names "
        "each team once",
        "line 5, column team, value 'PAYMENTS': this team is also on line 2; a roster names "
        "each team once",
    ]


@pytest.mark.parametrize(
    ("header", "problems"),
    [
        (
            "area,team,champion,email\n",
            [
                "line 1, value 'area,team,champion,email': the header has no since column; a "
                "roster file starts with area,team,champion,email,since"
            ],
        ),
        (
            "team,champion\n",
            [
                "line 1, value 'team,champion': the header has no area or email or since "
                "column; a roster file starts with area,team,champion,email,since"
            ],
        ),
        (
            "area,team,champion,email,since,phone,notes\n",
            [
                "line 1, column notes: unknown column; a roster file has the columns "
                "area,team,champion,email,since",
                "line 1, column phone: unknown column; a roster file has the columns "
                "area,team,champion,email,since",
            ],
        ),
        (
            "area,team,champion,email,since,contact\n",
            ["line 1, column contact: appears twice in the header (also as 'email'); keep one"],
        ),
        (
            "area,team,champion,email,,since\n",
            [
                "line 1, column 5, value '': the header has an empty column name; name it or "
                "delete the column"
            ],
        ),
    ],
)
def test_header_problems(make_db, header, problems):
    path = make_db()
    assert rejected(path, header + "Core,Payments,Ann,ann@example.com,2025-01-06\n") == problems


def test_a_file_without_rows_or_with_broken_rows_is_rejected(make_db):
    path = make_db()
    assert rejected(path, HEADER) == ["file: the file has a header but no rows"]
    assert rejected(path, b"") == ["file: the file is empty"]
    assert rejected(
        path,
        HEADER + "Core,Payments,Ann,ann@example.com,2025-01-06\n\nCore,Search,Bob\n"
        '"Core,Mobile,,,\n',
    ) == [
        "line 4: has 3 fields where the header has 5; check for a missing or extra comma",
        'line 5: cannot be read as CSV (unexpected end of data); a quoted field that starts '
        'here is probably never closed with a "',
    ]  # fmt: skip


def test_a_rejected_file_changes_nothing_and_lists_every_problem(make_db):
    path = make_db()
    load(path, ROSTER)
    before = state(path)
    export_before = exported(path)
    lines = rejected(
        path,
        HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\n"  # fine (a handover)
        "New,Brand New,,,\n"  # fine (new area and team)
        "Core,Search,Bob,bob,2025-02-03\n"  # bad contact
        "Edge,Mobile,Eve,@eve,2026-04-01\n",  # future
    )
    assert lines == [
        f"line 4, column email, value 'bob': {BAD_CONTACT}",
        "line 5, column since, value '2026-04-01': the start date is in the future; record a "
        "handover once it has happened",
    ]
    assert exported(path) == export_before
    assert state(path) == before


def test_a_start_before_the_current_champion_or_the_last_term_is_rejected(make_db):
    path = make_db()
    load(
        path,
        HEADER + "Core,Payments,Ann,ann@example.com,2025-06-02\nCore,Search,Bob,@bob,2025-01-06\n",
    )
    load(path, HEADER + "Core,Search,,,\n", today=D(2025, 9, 1))  # Bob's term ends 2025-09-01
    before = state(path)
    assert rejected(
        path,
        HEADER + "Core,Payments,Dee,dee@example.com,2025-06-01\nCore,Search,Eve,@eve,2025-08-31\n",
    ) == [
        "line 2, column since, value '2025-06-01': the start date is before 2025-06-02, when "
        "the current champion Ann started; a handover starts on or after that day",
        "line 3, column since, value '2025-08-31': the start date is before 2025-09-01, when "
        "Bob's term ended; a team's champion terms cannot overlap",
    ]
    assert state(path) == before
    # on the day itself is fine
    load(
        path,
        HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\nCore,Search,Eve,@eve,2025-09-01\n",
    )
    assert failing_checks(path) == []


def test_a_retired_team_is_rejected(make_db):
    path = make_db()
    load(path, ROSTER)
    with db.connect(path) as con:
        roster.set_team_active(con, "Mobile", False, who=Actor("coach", ADMIN))
    assert rejected(path, HEADER + "Edge,mobile,,,\n") == [
        "line 2, column team, value 'mobile': the team is retired; reactivate it before naming "
        "it in a roster, or remove this line"
    ]


# --- changes to an existing roster ----------------------------------------------------------


def test_a_changed_champion_is_a_handover_that_keeps_the_history(make_db):
    path = make_db()
    load(path, ROSTER)
    result = load(
        path,
        HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\n"
        "Core,Search,Bob,@BOB,2025-02-03\n",  # same person (contact case aside): unchanged
    )
    assert result.summary() == "import 2: 1 handover, 1 unchanged"
    assert result.preview[0]["action"] == "handover from Ann Lee"
    assert history(path, "Payments") == [
        ("Dee", D(2025, 6, 2), None),
        ("Ann Lee", D(2025, 1, 6), D(2025, 6, 2)),
    ]
    assert query(path, "SELECT kind, team_id, champion_id FROM roster_changes WHERE import_id = 2 ORDER BY seq") == [
        ("champion_closed", 1, 1),
        ("champion_opened", 1, 4),
    ]  # fmt: skip
    assert query(path, "SELECT added, updated, unchanged FROM imports WHERE id = 2") == [(0, 1, 1)]
    # Teams the file does not name are left alone.
    assert history(path, "Tools") == [("Cy", D(2024, 12, 2), None)]


def test_an_empty_champion_ends_the_current_term_on_the_import_day(make_db):
    path = make_db()
    load(path, ROSTER)
    result = load(path, HEADER + "Core,Payments,,,\nEdge,Mobile,,,\n", today=D(2025, 9, 1))
    assert result.summary() == "import 2: 1 champion removed, 1 unchanged"
    assert result.preview[0]["action"] == "champion Ann Lee removed"
    assert history(path, "Payments") == [("Ann Lee", D(2025, 1, 6), D(2025, 9, 1))]
    assert "Core,Payments,,,\n" in exported(path)


def test_the_same_champion_with_another_start_date_moves_the_start(make_db):
    path = make_db()
    load(path, ROSTER)
    result = load(path, HEADER + "Core,Payments,Ann Lee,ann@example.com,2024-11-04\n")
    assert result.summary() == "import 2: 1 start date changed, 0 unchanged"
    assert result.preview[0]["action"] == "start date changed from 2025-01-06"
    assert history(path, "Payments") == [("Ann Lee", D(2024, 11, 4), None)]
    assert query(path, "SELECT kind, old_since FROM roster_changes WHERE import_id = 2") == [
        ("champion_since", D(2025, 1, 6))
    ]


def test_teams_move_between_areas_and_an_empty_area_unassigns(make_db):
    path = make_db()
    load(path, ROSTER)
    result = load(path, HEADER + "Edge,Payments,Ann Lee,ann@example.com,2025-01-06\n"
                  "Mars,Tools,Cy,cy@example.com,2024-12-02\n,Search,Bob,@bob,2025-02-03\n")  # fmt: skip
    assert result.summary() == "import 2: 1 area created, 3 teams moved, 0 unchanged"
    assert [r["action"] for r in result.preview] == [
        "moved from Core",
        "moved from no area; new area",
        "moved from Core",
    ]
    assert exported(path) == (
        HEADER + "Edge,Mobile,,,\nEdge,Payments,Ann Lee,ann@example.com,2025-01-06\n"
        "Mars,Tools,Cy,cy@example.com,2024-12-02\n,Search,Bob,'@bob,2025-02-03\n"
    )


def test_reimporting_the_same_file_changes_nothing(make_db):
    path = make_db()
    load(path, ROSTER)
    before = roster_state(path)
    result = load(path, ROSTER)
    assert result.summary() == "import 2: 4 unchanged"
    assert (result.added, result.updated, result.unchanged) == (0, 0, 4)
    assert roster_state(path) == before
    assert query(path, "SELECT count(*) FROM roster_changes WHERE import_id = 2") == [(0,)]


def test_a_dry_run_changes_nothing_and_says_exactly_what_would_happen(make_db):
    path = make_db()
    load(path, ROSTER)
    before = state(path)
    result = load(
        path,
        HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\n"
        "Core,Search,,,\n"
        "Edge,Mobile,Eve,@eve,2025-03-03\n"
        "Mars,Rover,Finn,finn@example.com,2025-04-07\n"
        ",Tools,Cy,cy@example.com,2024-12-02\n",
        dry_run=True,
        name="next.csv",
    )
    assert result.summary() == (
        "dry run of next.csv: would be 1 area and 1 team created, 2 champions assigned, "
        "1 handover, 1 champion removed, 1 unchanged; nothing was changed"
    )
    assert result.import_id is None and result.dry_run
    assert result.preview == [
        {"line": 2, "area": "Core", "team": "Payments", "champion": "Dee", "action": "handover from Ann Lee"},
        {"line": 3, "area": "Core", "team": "Search", "champion": "", "action": "champion Bob removed"},
        {"line": 4, "area": "Edge", "team": "Mobile", "champion": "Eve", "action": "champion assigned"},
        {"line": 5, "area": "Mars", "team": "Rover", "champion": "Finn", "action": "new team; new area; champion assigned"},
        {"line": 6, "area": "", "team": "Tools", "champion": "Cy", "action": "unchanged"},
    ]  # fmt: skip
    assert state(path) == before
    # and the real import then does what the dry run said
    applied = load(path, HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\n"
                   "Core,Search,,,\nEdge,Mobile,Eve,@eve,2025-03-03\n"
                   "Mars,Rover,Finn,finn@example.com,2025-04-07\n,Tools,Cy,cy@example.com,2024-12-02\n",
                   name="next.csv")  # fmt: skip
    assert applied.summary() == result.summary().replace(
        "dry run of next.csv: would be", "import 2:"
    ).removesuffix("; nothing was changed")
    assert applied.preview == result.preview


def test_every_import_writes_one_audit_row(make_db):
    path = make_db()
    load(path, ROSTER, name="org.csv")
    load(path, ROSTER, name="org.csv", dry_run=True)
    assert [
        (action, subject, json.loads(after))
        for action, subject, after in query(path, "SELECT action, subject, after FROM audit_log")
    ] == [
        (
            "roster.import",
            "org.csv",
            {
                "import_id": 1,
                "rows_read": 4,
                "areas_created": 2,
                "teams_created": 4,
                "teams_moved": 0,
                "champions_assigned": 3,
                "handovers": 0,
                "champions_removed": 0,
                "starts_changed": 0,
                "updated": 0,
                "unchanged": 0,
            },
        )
    ]


# --- one current champion ---------------------------------------------------------------------


def test_imports_never_leave_a_team_two_current_champions(make_db):
    path = make_db()
    load(path, ROSTER)
    for day, person in ((D(2025, 3, 3), "Dee"), (D(2025, 4, 7), "Eve"), (D(2025, 4, 7), "Finn")):
        load(path, HEADER + f"Core,Payments,{person},{person.lower()}@example.com,{day}\n")
    with db.connect(path) as con:
        roster.assign_champion(
            con, "Payments", "Gus", "@gus", D(2025, 5, 5), who=Actor("coach", ADMIN)
        )
    load(path, HEADER + "Core,Payments,Hal,hal@example.com,2025-06-02\n")
    assert query(
        path, "SELECT max(n) FROM (SELECT count(*) AS n FROM champions WHERE until IS NULL "
        "GROUP BY team_id)"
    ) == [(1,)]  # fmt: skip
    assert [h[0] for h in history(path, "Payments")] == [
        "Hal", "Gus", "Finn", "Eve", "Dee", "Ann Lee"
    ]  # fmt: skip
    assert failing_checks(path) == []


# --- export, import, export ----------------------------------------------------------------


TRICKY = (
    HEADER + '"Comma, Inc.","Say ""hi""","Lee, Ann",ann@example.com,2025-01-06\n'
    "Comma,=cmd,+Plus,@plus,2025-02-03\n"
    "Édition,Zoë,José Müller,'@jose,2024-12-02\n"
    "Édition,-10,-Minus,minus@example.com,2025-03-03\n"
    "'=Area,'@team,'-x,x@example.com,2025-03-03\n"
    "@Area,Nobody,,,\n"
    ",Loose,Ünal,@unal,2025-01-06\n"
    ",alpha,,,\n"
)


def test_export_import_export_is_identical(make_db, tmp_path):
    path = make_db()
    load(path, TRICKY)
    first = exported(path)
    assert first == (
        HEADER + "'=Area,'@team,'-x,x@example.com,2025-03-03\n"
        "'@Area,Nobody,,,\n"
        "Comma,'=cmd,'+Plus,'@plus,2025-02-03\n"
        '"Comma, Inc.","Say ""hi""","Lee, Ann",ann@example.com,2025-01-06\n'
        "Édition,-10,'-Minus,minus@example.com,2025-03-03\n"
        "Édition,Zoë,José Müller,'@jose,2024-12-02\n"
        ",alpha,,,\n"
        ",Loose,Ünal,'@unal,2025-01-06\n"
    )
    other = tmp_path / "empty.duckdb"
    load(other, first)
    assert exported(other) == first
    # and to a file, byte for byte
    out = tmp_path / "r.csv"
    with db.connect(other) as con:
        assert export_roster(con, out) == 8
    assert out.read_bytes() == first.encode("utf-8")


def test_export_leaves_out_retired_teams_and_shows_teams_without_a_champion(make_db):
    path = make_db()
    load(path, ROSTER)
    with db.connect(path) as con:
        roster.set_team_active(con, "Search", False, who=Actor("coach", ADMIN))
        roster.remove_champion(con, "Tools", who=Actor("coach", ADMIN))
    assert exported(path) == (
        HEADER + "Core,Payments,Ann Lee,ann@example.com,2025-01-06\nEdge,Mobile,,,\n,Tools,,,\n"
    )


# --- undo ------------------------------------------------------------------------------------


def test_undo_of_the_first_roster_removes_everything_it_created(make_db):
    path = make_db()
    before = roster_state(path)
    load(path, ROSTER)
    assert undo(path, 1) == {
        "terms_removed": 3,
        "terms_reopened": 0,
        "starts_restored": 0,
        "teams_moved_back": 0,
        "teams_removed": 4,
        "areas_removed": 2,
        "kept": 0,
        "removed": 3,
        "restored": 0,
    }
    assert roster_state(path) == before
    assert query(path, "SELECT status, undone_by FROM imports") == [("undone", "undoer")]
    assert query(path, "SELECT action, subject, before FROM audit_log ORDER BY id")[-1] == (
        "roster.undo",
        "roster.csv",
        '{"import_id": 1}',
    )


def test_undo_restores_handovers_removals_moves_and_start_dates_exactly(make_db):
    path = make_db()
    load(path, ROSTER)
    before = roster_state(path)
    histories = {t: history(path, t) for t in ("Payments", "Search", "Mobile", "Tools")}
    load(
        path,
        HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\n"  # handover
        "Core,Search,,,\n"  # removal
        "Mars,Mobile,Eve,@eve,2025-03-03\n"  # new area, move, champion
        "Edge,Tools,Cy,cy@example.com,2024-10-07\n"  # move, start date
        "Mars,Rover,,,\n",  # new team
    )
    assert undo(path, 2) == {
        "terms_removed": 2,
        "terms_reopened": 2,
        "starts_restored": 1,
        "teams_moved_back": 2,
        "teams_removed": 1,
        "areas_removed": 1,
        "kept": 0,
        "removed": 2,
        "restored": 3,
    }
    assert roster_state(path) == before
    assert {t: history(path, t) for t in histories} == histories
    assert failing_checks(path) == []


def test_undo_is_refused_while_a_later_import_changed_the_same_team(make_db):
    path = make_db()
    load(path, ROSTER)
    load(path, HEADER + "Core,Payments,Dee,dee@example.com,2025-06-02\n")
    load(path, HEADER + "Core,Payments,Eve,eve@example.com,2025-07-07\n")
    load(path, HEADER + "Edge,Mobile,Finn,@finn,2025-07-07\n")  # another team
    before = state(path)
    for first, later in ((2, "3"), (1, "2, 3, 4")):
        with pytest.raises(Conflict) as caught:
            undo(path, first)
        assert str(caught.value) == (
            f"Import {first} cannot be undone yet: later roster import(s) {later} changed the "
            f"same teams. Undo import {later} first (newest first), then import {first}."
        )
    assert state(path) == before
    undo(path, 3)
    undo(path, 2)
    assert history(path, "Payments") == [("Ann Lee", D(2025, 1, 6), None)]
    assert failing_checks(path) == []


def test_undo_is_refused_after_a_champion_changed_by_hand(make_db):
    path = make_db()
    load(path, ROSTER)
    load(path, HEADER + "Core,Payments,,,\nCore,Search,Bob,@bob,2025-01-06\n")
    with db.connect(path) as con:
        roster.assign_champion(
            con, "Payments", "Gus", "@gus", D(2026, 3, 4), who=Actor("coach", ADMIN)
        )
    before = state(path)
    with pytest.raises(Conflict) as caught:
        undo(path, 2)
    assert str(caught.value) == (
        "Import 2 cannot be undone: the champions or areas of Payments changed after it, and "
        "undoing it would lose those changes. Change the roster by hand, or import a corrected "
        "roster file."
    )
    assert state(path) == before
    # A start date changed by hand counts too, though it leaves no timestamp on the term.
    with db.connect(path) as con:
        roster.assign_champion(
            con, "Search", "Bob", "@bob", D(2025, 1, 13), who=Actor("coach", ADMIN)
        )
    with pytest.raises(Conflict, match="the champions or areas of Payments, Search changed"):
        undo(path, 2)


def test_undo_is_refused_after_a_moved_team_was_changed_by_hand(make_db):
    path = make_db()
    load(path, ROSTER)
    load(path, HEADER + "Edge,Search,,,\n")  # moves Search and ends Bob's term
    with db.connect(path) as con:
        roster.set_team_active(con, "Search", False, who=Actor("coach", ADMIN))
    with pytest.raises(Conflict, match="the champions or areas of Search changed after it"):
        undo(path, 2)
    with db.connect(path) as con:
        roster.set_team_active(con, "Search", True, who=Actor("coach", ADMIN))
    load(path, HEADER + "Edge,Mobile,Eve,@eve,2025-03-03\n")  # another team: no conflict
    with pytest.raises(Conflict, match="Search changed after it"):
        undo(path, 2)


def test_undo_keeps_a_created_team_that_other_data_now_uses(make_db):
    path = make_db()
    load(path, ROSTER)
    with db.connect(path) as con:
        import_metrics(
            con,
            b"team,week,metric,value\nMobile,2025-03-03,open_bugs,2\n",
            file_name="m.csv",
            who=Actor("tester", ADMIN),
            today=TODAY,
        )
    done = undo(path, 1)
    assert (done["teams_removed"], done["areas_removed"], done["kept"]) == (3, 1, 2)
    assert exported(path) == HEADER + "Edge,Mobile,,,\n"
    assert failing_checks(path) == []


def test_a_metrics_undo_keeps_a_team_the_roster_has_since_given_a_champion(make_db):
    path = make_db()
    with db.connect(path) as con:
        import_metrics(
            con,
            b"team,week,metric,value\nMobile,2025-03-03,open_bugs,2\n",
            file_name="m.csv",
            who=Actor("tester", ADMIN),
            today=TODAY,
            create_teams=True,
        )
    load(path, HEADER + "Edge,Mobile,Eve,@eve,2025-03-03\n")
    assert undo(path, 1)["teams_removed"] == 0
    assert exported(path) == HEADER + "Edge,Mobile,Eve,'@eve,2025-03-03\n"
    assert failing_checks(path) == []
