"""ddq.ingest.metrics: reading, checking and applying a metrics CSV file, all or nothing."""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
from pathlib import Path

import pytest
from conftest import TODAY, query

from ddq import db, ledger
from ddq.access import ADMIN, Actor
from ddq.ingest.metrics import MetricsImport, import_metrics
from ddq.ingest.problems import ImportRejected, Problem

HEADER = "team,week,metric,value\n"
KNOWN_METRICS = (
    "open_bugs, open_critical_bugs, new_critical_bugs, resolved_critical_bugs, "
    "critical_bugs_past_sla, median_days_to_resolve_critical, escaped_defects, test_pass_rate"
)
NOT_A_NUMBER = (
    "not a number (write digits with a point as the decimal separator and no thousands separators)"
)


def load(
    path: Path,
    content: str | bytes,
    *,
    name: str = "m.csv",
    today: dt.date | None = TODAY,
    **kwargs,
) -> MetricsImport:
    data = content.encode("utf-8") if isinstance(content, str) else content
    with db.connect(path) as con:
        return import_metrics(
            con, data, file_name=name, who=Actor("tester", ADMIN), today=today, **kwargs
        )


def rejected(path: Path, content: str | bytes, **kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        load(path, content, **kwargs)
    return info.value


def stored(path: Path) -> list[tuple]:
    """(team, week, metric, value, import id) for every stored value, sorted."""
    return query(
        path,
        """
        SELECT t.name, mv.week, mv.metric, mv.value, mv.import_id
        FROM metric_values mv JOIN teams t ON t.id = mv.team_id
        ORDER BY t.name, mv.week, mv.metric
    """,
    )


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Everything an import may touch."""
    tables = {
        "metric_values": "SELECT * FROM metric_values ORDER BY ALL",
        "teams": "SELECT * FROM teams ORDER BY ALL",
        "imports": "SELECT * FROM imports ORDER BY ALL",
        "import_overwrites": "SELECT * FROM import_overwrites ORDER BY ALL",
        "import_created_teams": "SELECT * FROM import_created_teams ORDER BY ALL",
    }
    return {name: query(path, sql) for name, sql in tables.items()}


def only(error: ImportRejected) -> Problem:
    assert len(error.problems) == 1, error.problems
    return error.problems[0]


W10 = dt.date(2025, 3, 3)  # Monday of 2025-W10
W11 = dt.date(2025, 3, 10)
W12 = dt.date(2025, 3, 17)


# --- formats and headers -------------------------------------------------------------------


def test_long_format_is_stored_with_the_weeks_monday(make_db):
    path = make_db("Alpha", "Beta")
    result = load(
        path, HEADER + "Alpha,2025-03-05,open_bugs,3\nBeta,2025-W11,test_pass_rate,97.5\n"
    )
    assert (result.format, result.rows_read, result.values, result.added) == ("long", 2, 2, 2)
    assert stored(path) == [
        ("Alpha", W10, "open_bugs", 3.0, 1),
        ("Beta", W11, "test_pass_rate", 97.5, 1),
    ]


def test_wide_format_skips_empty_cells_as_not_reported(make_db):
    path = make_db("Alpha", "Beta")
    result = load(
        path,
        "team,week,open_bugs,escaped_defects,test_pass_rate\n"
        "Alpha,2025-03-03,4,,88\n"
        "Beta,2025-03-03,,  ,\n"
        "Beta,2025-03-10,1,2,\n",
    )
    assert (result.format, result.rows_read, result.values, result.added) == ("wide", 3, 4, 4)
    assert stored(path) == [
        ("Alpha", W10, "open_bugs", 4.0, 1),
        ("Alpha", W10, "test_pass_rate", 88.0, 1),
        ("Beta", W11, "escaped_defects", 2.0, 1),
        ("Beta", W11, "open_bugs", 1.0, 1),
    ]


@pytest.mark.parametrize(
    "header",
    [
        "team,week,metric,value",
        "Team,Week,Metric,Value",
        " TEAM , WEEK ,METRIC,  Value ",
        "value,metric,week,team",
        "Week,Value,Team,Metric",
    ],
)
def test_long_headers_match_by_name_in_any_order(make_db, header):
    path = make_db("Alpha")
    cells = {"team": "Alpha", "week": "2025-03-03", "metric": "open_bugs", "value": "6"}
    row = ",".join(cells[h.strip().lower()] for h in header.split(","))
    result = load(path, f"{header}\n{row}\n")
    assert result.format == "long"
    assert stored(path) == [("Alpha", W10, "open_bugs", 6.0, 1)]


@pytest.mark.parametrize(
    "header",
    [
        "team,week,open_bugs,test_pass_rate",
        "Week,Team,Open Bugs,Test-Pass-Rate",
        "TEAM,WEEK,OPEN_BUGS,test pass rate",
        "team,week,open-bugs,TestPassRate",
        "team,week,Open bugs,Test pass rate",  # the catalog's labels
    ],
)
def test_wide_headers_match_by_folded_name(make_db, header):
    path = make_db("Alpha")
    cells = {"team": "Alpha", "week": "2025-03-03"}
    names = [h.strip() for h in header.split(",")]
    row = ",".join(cells.get(n.lower(), "5" if "bug" in n.lower() else "90") for n in names)
    result = load(path, f"{header}\n{row}\n")
    assert result.format == "wide"
    assert stored(path) == [
        ("Alpha", W10, "open_bugs", 5.0, 1),
        ("Alpha", W10, "test_pass_rate", 90.0, 1),
    ]


@pytest.mark.parametrize(
    "metric", ["open_bugs", "Open Bugs", "OPEN-BUGS", "open bugs", "Open bugs"]
)
def test_long_metric_names_are_folded(make_db, metric):
    path = make_db("Alpha")
    load(path, HEADER + f"Alpha,2025-03-03,{metric},2\n")
    assert stored(path) == [("Alpha", W10, "open_bugs", 2.0, 1)]


def test_a_source_path_is_read_and_named_after_the_file(make_db, write_file):
    path = make_db("Alpha")
    source = write_file("week10.csv", HEADER + "Alpha,2025-03-03,open_bugs,2\n")
    with db.connect(path) as con:
        result = import_metrics(con, source, who=Actor("tester", ADMIN), today=TODAY)
    assert result.file_name == "week10.csv"
    assert query(path, "SELECT file_name FROM imports") == [("week10.csv",)]


# --- encodings and delimiters ----------------------------------------------------------------

TEXT = (
    "team;week;metric;value\nÉquipe Zoë;2025-03-03;open_bugs;1\nCafé Ops;2025-03-03;open_bugs;2\n"
)


@pytest.mark.parametrize(
    "encoded",
    [
        TEXT.encode("utf-8"),
        codecs.BOM_UTF8 + TEXT.encode("utf-8"),
        codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"),
        TEXT.encode("cp1252"),
        TEXT.encode("latin-1"),
    ],
    ids=["utf-8", "utf-8-bom", "utf-16-le-bom", "utf-16-be-bom", "cp1252", "latin-1"],
)
def test_encodings_are_decoded(make_db, encoded):
    path = make_db("Équipe Zoë", "Café Ops")
    result = load(path, encoded)
    assert result.added == 2
    assert stored(path) == [
        ("Café Ops", W10, "open_bugs", 2.0, 1),
        ("Équipe Zoë", W10, "open_bugs", 1.0, 1),
    ]


def test_cp1252_only_characters_are_decoded_as_cp1252(make_db):
    path = make_db("Ops – “Core”")
    load(path, "team,week,metric,value\nOps – “Core”,2025-03-03,open_bugs,1\n".encode("cp1252"))
    assert stored(path) == [("Ops – “Core”", W10, "open_bugs", 1.0, 1)]


def test_bytes_undefined_in_cp1252_fall_back_to_latin_1(make_db):
    path = make_db("A\x81B")
    load(path, b"team,week,metric,value\nA\x81B,2025-03-03,open_bugs,1\n")
    assert stored(path) == [("A\x81B", W10, "open_bugs", 1.0, 1)]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_delimiters_are_detected_from_the_header(make_db, delimiter):
    path = make_db("Alpha, Inc.")
    header = delimiter.join(["team", "week", "open_bugs", "test_pass_rate"])
    team = '"Alpha, Inc."' if delimiter == "," else "Alpha, Inc."
    load(path, f"{header}\n{delimiter.join([team, '2025-03-03', '3', '99.5'])}\n")
    assert stored(path) == [
        ("Alpha, Inc.", W10, "open_bugs", 3.0, 1),
        ("Alpha, Inc.", W10, "test_pass_rate", 99.5, 1),
    ]


def test_excel_unicode_text_utf16_tab_reports_physical_lines(make_db):
    path = make_db("Alpha")
    text = "team\tweek\tmetric\tvalue\r\nAlpha\t2025-03-03\topen_bugs\t1\r\n\r\nAlpha\t2025-03-10\topen_bugs\t1.5\r\n"
    error = rejected(path, codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert only(error) == Problem(4, "value", "1.5", "a count is a whole number")


def test_a_bom_with_invalid_bytes_is_rejected(make_db):
    path = make_db("Alpha")
    error = rejected(
        path, codecs.BOM_UTF8 + b"team,week,metric,value\nCaf\xe9,2025-03-03,open_bugs,1\n"
    )
    problem = only(error)
    assert problem.line == 2
    assert "byte-order mark" in problem.reason and "UTF-8" in problem.reason


# --- weeks -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "monday"),
    [
        ("2025-03-03", W10),
        ("2025-03-05", W10),
        ("2025-03-09", W10),  # Sunday
        ("2025-W10", W10),
        ("2025-w10", W10),
        ("2020-W53", dt.date(2020, 12, 28)),
        ("2021-01-01", dt.date(2020, 12, 28)),  # a Friday of ISO week 2020-W53
        ("2024-12-31", dt.date(2024, 12, 30)),  # in ISO week 2025-W01
        ("2000-01-03", dt.date(2000, 1, 3)),
        ("2000-01-09", dt.date(2000, 1, 3)),
        ("2026-03-08", dt.date(2026, 3, 2)),  # the Sunday of the current week (TODAY is Wednesday)
        ("2026-W10", dt.date(2026, 3, 2)),
    ],
)
def test_accepted_weeks_are_stored_as_their_monday(make_db, raw, monday):
    path = make_db("Alpha")
    load(path, HEADER + f"Alpha,{raw},open_bugs,1\n")
    assert stored(path) == [("Alpha", monday, "open_bugs", 1.0, 1)]


FUTURE = "week 2026-W11 is in the future (this is week 2026-W10); check the year"
NOT_A_WEEK = (
    "not a week: write an ISO date such as 2026-03-02 (any day of the week) or an "
    "ISO week such as 2026-W10"
)
TOO_EARLY = "the week is before 2000-01-03; check the year"


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2026-03-09", FUTURE),
        ("2026-W11", FUTURE),
        ("2099-01-05", "week 2099-W02 is in the future (this is week 2026-W10); check the year"),
        ("2000-01-02", TOO_EARLY),  # a Sunday of ISO week 1999-W52
        ("1999-W52", TOO_EARLY),
        ("1900-01-01", TOO_EARLY),
        ("2025-02-30", NOT_A_WEEK),
        ("03/05/2025", NOT_A_WEEK),
        ("5 March 2025", NOT_A_WEEK),
        ("2025-W53", NOT_A_WEEK),
        ("2025-W00", NOT_A_WEEK),
        ("", "the week is empty; every row needs a week"),
    ],
)
def test_rejected_weeks(make_db, raw, reason):
    path = make_db("Alpha")
    error = rejected(
        path, HEADER + f"Alpha,2025-03-03,open_bugs,1\nAlpha,{raw},escaped_defects,1\n"
    )
    assert only(error) == Problem(3, "week", raw, reason)


def test_the_current_week_is_taken_in_utc_by_default(make_db):
    path = make_db("Alpha")
    today = dt.datetime.now(dt.UTC).date()
    monday = today - dt.timedelta(days=today.weekday())
    next_monday = monday + dt.timedelta(weeks=1)
    error = rejected(path, HEADER + f"Alpha,{next_monday},open_bugs,1\n", today=None)
    assert "is in the future" in only(error).reason
    load(path, HEADER + f"Alpha,{monday + dt.timedelta(days=6)},open_bugs,1\n", today=None)
    assert stored(path) == [("Alpha", monday, "open_bugs", 1.0, 1)]


# --- values ----------------------------------------------------------------------------------

WHOLE = "a count is a whole number"
NEGATIVE = "a count cannot be negative"
NAN = "NaN and infinity are not values"
PERCENTAGE = "a percentage is between 0 and 100"
DAYS_NEGATIVE = "a number of days cannot be negative"


@pytest.mark.parametrize(
    ("metric", "raw", "value"),
    [
        ("open_bugs", "3", 3.0),
        ("open_bugs", "3.0", 3.0),
        ("open_bugs", "0", 0.0),
        ("open_bugs", " 12 ", 12.0),
        ("open_bugs", "1e3", 1000.0),
        ("test_pass_rate", "0", 0.0),
        ("test_pass_rate", "100", 100.0),
        ("test_pass_rate", "99.25", 99.25),
        ("median_days_to_resolve_critical", "0", 0.0),
        ("median_days_to_resolve_critical", "2.5", 2.5),
        ("median_days_to_resolve_critical", "400", 400.0),
    ],
)
def test_valid_values(make_db, metric, raw, value):
    path = make_db("Alpha")
    load(path, HEADER + f"Alpha,2025-03-03,{metric},{raw}\n")
    assert stored(path) == [("Alpha", W10, metric, value, 1)]


@pytest.mark.parametrize(
    ("metric", "raw", "reason"),
    [
        ("open_bugs", "3.5", WHOLE),
        ("open_bugs", "0.5", WHOLE),
        ("open_bugs", "-1", NEGATIVE),
        ("open_bugs", "-0.5", NEGATIVE),
        ("open_bugs", "NaN", NAN),
        ("open_bugs", "nan", NAN),
        ("open_bugs", "inf", NAN),
        ("open_bugs", "-inf", NAN),
        ("open_bugs", "Infinity", NAN),
        ("open_bugs", "1e400", NAN),
        ("open_bugs", "3,5", NOT_A_NUMBER),
        ("open_bugs", "1,000", NOT_A_NUMBER),
        ("open_bugs", "1 000", NOT_A_NUMBER),
        ("open_bugs", "1_000", NOT_A_NUMBER),
        ("open_bugs", "abc", NOT_A_NUMBER),
        ("open_bugs", "0x10", NOT_A_NUMBER),
        (
            "open_bugs",
            "",
            "the value is empty; leave the row out if the team did not report this week",
        ),
        ("test_pass_rate", "100.1", PERCENTAGE),
        ("test_pass_rate", "-0.1", PERCENTAGE),
        ("test_pass_rate", "NaN", NAN),
        ("test_pass_rate", "97,5", NOT_A_NUMBER),
        ("median_days_to_resolve_critical", "-1", DAYS_NEGATIVE),
        ("median_days_to_resolve_critical", "-0.25", DAYS_NEGATIVE),
        ("median_days_to_resolve_critical", "inf", NAN),
    ],
)
def test_invalid_values_in_long_format(make_db, metric, raw, reason):
    path = make_db("Alpha")
    # semicolons, so that "3,5" is one cell
    error = rejected(
        path,
        f"team;week;metric;value\nAlpha;2025-03-03;escaped_defects;1\n"
        f"Alpha;2025-03-03;{metric};{raw}\n",
    )
    assert only(error) == Problem(3, "value", raw, reason)


def test_invalid_values_in_wide_format_name_the_metric_column(make_db):
    path = make_db("Alpha")
    error = rejected(
        path,
        "team,week,Open Bugs,Test Pass Rate,median days to resolve critical\n"
        "Alpha,2025-03-03,2,100,1\n"
        "Alpha,2025-03-10,2.5,101,-3\n"
        'Alpha,2025-03-17,"3,5",,\n',
    )
    assert error.problems == [
        Problem(3, "Open Bugs", "2.5", WHOLE),
        Problem(3, "Test Pass Rate", "101", PERCENTAGE),
        Problem(3, "median days to resolve critical", "-3", DAYS_NEGATIVE),
        Problem(4, "Open Bugs", "3,5", NOT_A_NUMBER),
    ]


def test_a_users_metric_with_a_free_form_unit_takes_any_finite_number(make_db):
    path = make_db("Alpha")
    with db.connect(path) as con:
        con.execute(
            "INSERT INTO metric_defs (key, label, unit, direction) "
            "VALUES ('cost', 'Cost', 'EUR', 'lower_is_better')"
        )
    load(path, HEADER + "Alpha,2025-03-03,cost,-12.5\n")
    assert stored(path) == [("Alpha", W10, "cost", -12.5, 1)]
    error = rejected(path, HEADER + "Alpha,2025-03-10,cost,nan\n")
    assert only(error) == Problem(2, "value", "nan", NAN)


# --- teams and metrics -----------------------------------------------------------------------


def test_teams_match_case_and_space_insensitively(make_db):
    path = make_db("Alpha Team")
    load(
        path,
        HEADER + "ALPHA TEAM,2025-03-03,open_bugs,1\n"
        " alpha   team ,2025-03-10,open_bugs,2\n"
        "Alpha Team,2025-03-17,open_bugs,3\n",
    )
    assert [r[0] for r in stored(path)] == ["Alpha Team"] * 3
    assert query(path, "SELECT count(*) FROM teams") == [(1,)]


def test_an_unknown_team_names_the_closest_known_team_on_every_line(make_db):
    path = make_db("Alpha", "Beta")
    error = rejected(
        path,
        HEADER + "Alpah,2025-03-03,open_bugs,1\n"
        "Beta,2025-03-03,open_bugs,1\n"
        "Alpah,2025-03-10,open_bugs,1\n",
    )
    reason = (
        "unknown team (did you mean 'Alpha'?); add it to the roster first, or let the "
        "import create missing teams (--create-teams)"
    )
    assert error.problems == [
        Problem(2, "team", "Alpah", reason),
        Problem(4, "team", "Alpah", reason),
    ]


def test_an_unknown_team_with_nothing_close_gets_no_suggestion(make_db):
    path = make_db("Alpha")
    problem = only(rejected(path, HEADER + "Zyxwvu,2025-03-03,open_bugs,1\n"))
    assert problem.reason.startswith("unknown team; add it to the roster first")
    assert "did you mean" not in problem.reason


def test_create_teams_creates_each_missing_team_once(make_db):
    path = make_db("Alpha")
    result = load(
        path,
        HEADER + "Gamma,2025-03-03,open_bugs,1\n"
        "GAMMA,2025-03-10,open_bugs,2\n"
        "Alpha,2025-03-03,open_bugs,3\n",
        create_teams=True,
    )
    assert result.teams_created == ["GAMMA"]  # min() of the spellings: uppercase sorts first
    assert query(path, "SELECT name, name_key FROM teams ORDER BY id") == [
        ("Alpha", "alpha"),
        ("GAMMA", "gamma"),
    ]
    assert query(path, "SELECT import_id, team_id FROM import_created_teams") == [(1, 2)]
    assert query(path, "SELECT teams_created FROM imports") == [(1,)]


def test_many_created_teams_are_named_ten_and_counted(make_db):
    path = make_db()
    rows = "".join(f"Team {i:03d},2025-03-03,open_bugs,1\n" for i in range(500))
    result = load(path, HEADER + rows, create_teams=True, dry_run=True)
    first_ten = ", ".join(f"Team {i:03d}" for i in range(10))
    assert result.notes()[-1] == f"These 500 team(s) will be created: {first_ten} and 490 more."
    assert result.summary().endswith(
        f"would create 500 team(s): {first_ten} and 490 more; nothing was changed"
    )
    assert len(result.teams_created) == 500  # the list itself is whole


def test_an_empty_team_is_an_error_even_with_create_teams(make_db):
    path = make_db("Alpha")
    error = rejected(path, HEADER + ",2025-03-03,open_bugs,1\n", create_teams=True)
    assert only(error) == Problem(2, "team", "", "the team is empty; every row needs a team")


def test_an_unknown_metric_lists_the_known_keys(make_db):
    path = make_db("Alpha")
    error = rejected(path, HEADER + "Alpha,2025-03-03,open_bugz,1\nAlpha,2025-03-03,,1\n")
    assert error.problems == [
        Problem(2, "metric", "open_bugz", "unknown metric; known metrics: " + KNOWN_METRICS),
        Problem(3, "metric", "", "the metric is empty; every row needs a metric"),
    ]


# --- header problems ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (
            "team,metric,value",
            Problem(
                1,
                "",
                "team,metric,value",
                "the header has no week column; a metrics file starts with team,week,metric,value (long) "
                "or team,week,<metric>,... (wide)",
            ),
        ),
        (
            "week,open_bugs",
            Problem(
                1,
                "",
                "week,open_bugs",
                "the header has no team column; a metrics file starts with team,week,metric,value (long) "
                "or team,week,<metric>,... (wide)",
            ),
        ),
        (
            "team,week,open_bugs,Open Bugs",
            Problem(
                1, "Open Bugs", None, "appears twice in the header (also as 'open_bugs'); keep one"
            ),
        ),
        (
            "team,week,open_bugs,velocity",
            Problem(1, "velocity", None, "unknown metric; known metrics: " + KNOWN_METRICS),
        ),
        (
            "team,week,metric,value,comment",
            Problem(
                1,
                "comment",
                None,
                "unexpected column in a long-format file (team,week,metric,value); remove it",
            ),
        ),
        (
            "team,week,,open_bugs",
            Problem(
                1, "3", "", "the header has an empty column name; name it or delete the column"
            ),
        ),
        (
            "team,week",
            Problem(
                1,
                "",
                None,
                "no metric columns: add metric and value columns (long format) or one column per metric "
                "(wide format)",
            ),
        ),
    ],
)
def test_header_problems(make_db, header, expected):
    path = make_db("Alpha")
    width = header.count(",") + 1
    error = rejected(
        path, f"{header}\n" + ",".join(["Alpha", "2025-03-03", "1", "1", "1"][:width]) + "\n"
    )
    assert only(error) == expected


# --- file structure ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "the file is empty"),
        (b"\n\n  \n", "the file is empty"),
        (HEADER.encode(), "the file has a header but no rows"),
        (HEADER.rstrip().encode(), "the file has a header but no rows"),
        ((HEADER + "\n\n").encode(), "the file has a header but no rows"),
        (
            b"team,week,open_bugs\nAlpha,2025-03-03,\nAlpha,2025-03-10, \n",
            "every metric cell is empty; there is nothing to import",
        ),
    ],
)
def test_a_file_without_data_rows_is_rejected(make_db, content, reason):
    path = make_db("Alpha")
    assert only(rejected(path, content)) == Problem(0, "", None, reason)


@pytest.mark.parametrize("line", [2, 3])
def test_a_nul_byte_is_rejected_with_its_line(make_db, line):
    path = make_db("Alpha")
    rows = ["Alpha,2025-03-03,open_bugs,1", "Alpha,2025-03-10,open_bugs,2"]
    rows[line - 2] += "\0"
    problem = only(rejected(path, HEADER + "\n".join(rows) + "\n"))
    assert problem.line == line
    assert "NUL" in problem.reason


def test_ragged_rows_are_reported_with_their_lines(make_db):
    path = make_db("Alpha")
    error = rejected(
        path,
        HEADER + "Alpha,2025-03-03,open_bugs,1\n"
        "Alpha,2025-03-10,open_bugs,1,extra\n"
        "\n"
        "Alpha,2025-03-17,open_bugs\n"
        "Alpha,2025-03-24,open_bugs,x\n",
    )
    assert error.problems == [
        Problem(
            3, "", None, "has 5 fields where the header has 4; check for a missing or extra comma"
        ),
        Problem(
            5, "", None, "has 3 fields where the header has 4; check for a missing or extra comma"
        ),
        Problem(6, "value", "x", NOT_A_NUMBER),
    ]


def test_ragged_rows_name_the_files_delimiter(make_db):
    path = make_db("Alpha")
    problem = only(rejected(path, "team;week;metric;value\nAlpha;2025-03-03;open_bugs\n"))
    assert problem == Problem(
        2, "", None, "has 3 fields where the header has 4; check for a missing or extra semicolon"
    )


def test_an_unterminated_quote_is_reported_where_the_field_starts(make_db):
    path = make_db("Alpha", "Beta")
    problem = only(
        rejected(
            path,
            HEADER + "Alpha,2025-03-03,open_bugs,1\n"
            'Alpha,"2025-03-10,open_bugs,2\n'
            "Beta,2025-03-03,open_bugs,3\n",
        )
    )
    assert problem.line == 3 and problem.column == ""
    assert "never closed" in problem.reason


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_line_numbers_count_multi_line_fields_and_blank_lines(make_db, newline):
    path = make_db("Alpha Team")
    text = newline.join(
        [
            "team,week,metric,value",
            '"Alpha',  # line 2: a record over two lines
            'Team",2025-03-03,open_bugs,-1',
            "Alpha Team,2025-03-03,escaped_defects,2",  # line 4
            "",
            "",
            "Alpha Team,2025-03-03,test_pass_rate,101",  # line 7
            '"Alpha Team",2025-03-10,open_bugs,"1',  # line 8: a value over three lines
            "",
            '2"',
            "Alpha Team,2025-03-17,open_bugs,x",  # line 11
            "",
        ]
    )
    error = rejected(path, text)
    assert error.problems == [
        Problem(2, "value", "-1", NEGATIVE),
        Problem(7, "value", "101", PERCENTAGE),
        Problem(8, "value", f"1{newline}{newline}2", NOT_A_NUMBER),
        Problem(11, "value", "x", NOT_A_NUMBER),
    ]


def test_blank_lines_before_the_bad_row_are_counted(make_db):
    path = make_db("Alpha")
    error = rejected(
        path, HEADER + "\nAlpha,2025-03-03,open_bugs,1\n\n\n   \nAlpha,2025-03-10,open_bugs,x\n"
    )
    assert only(error) == Problem(7, "value", "x", NOT_A_NUMBER)


@pytest.mark.parametrize(
    "text",
    [
        "team,week,metric,value\nAlpha,2025-03-03,open_bugs,1\r\nAlpha,2025-03-10,open_bugs,x\r\n",
        "team,week,metric,value\r\nAlpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,x\n",
        "team,week,metric,value\rAlpha,2025-03-03,open_bugs,1\rAlpha,2025-03-10,open_bugs,x\r",
    ],
    ids=["lf-then-crlf", "crlf-then-lf", "cr-only"],
)
def test_mixed_line_endings_are_read_not_crashed_on(make_db, text):
    path = make_db("Alpha")
    assert only(rejected(path, text)) == Problem(3, "value", "x", NOT_A_NUMBER)
    load(path, text.replace(",x", ",2"))
    assert [r[3] for r in stored(path)] == [1.0, 2.0]


# --- duplicates ---------------------------------------------------------------------------------


def _duplicate(metric: str, week: str, lines: list[int]) -> str:
    return (
        f"{metric} for this team in week {week} is also on line {lines[0]} (lines "
        f"{', '.join(map(str, lines))}); keep one value per team, week and metric"
    )


def test_a_key_twice_names_both_lines(make_db):
    path = make_db("Alpha")
    error = rejected(
        path,
        HEADER + "Alpha,2025-03-03,open_bugs,1\n"
        "Alpha,2025-03-03,escaped_defects,1\n"
        "Alpha,2025-03-10,open_bugs,1\n"
        "Alpha,2025-03-03,open_bugs,2\n",
    )
    assert only(error) == Problem(5, "team", "Alpha", _duplicate("open_bugs", "2025-W10", [2, 5]))


def test_a_key_spelled_differently_is_still_the_same_key(make_db):
    path = make_db("Alpha")
    error = rejected(
        path,
        HEADER + "Alpha,2025-03-03,open_bugs,1\n"
        "ALPHA,2025-03-06,Open Bugs,1\n"
        "alpha,2025-W10,open-bugs,1\n",
    )
    assert [(p.line, p.column, p.reason) for p in error.problems] == [
        (3, "team", _duplicate("open_bugs", "2025-W10", [2, 3, 4])),
        (4, "team", _duplicate("open_bugs", "2025-W10", [2, 3, 4])),
    ]


def test_a_row_twice_in_wide_format_is_one_problem_naming_the_files_headers(make_db):
    path = make_db("Alpha")
    error = rejected(
        path,
        "Team,Week,Open Bugs,Test pass rate,escaped_defects\n"
        "Alpha,2025-03-03,1,50,\n"
        "Alpha,2025-03-10,1,50,\n"
        "Alpha,2025-03-05,2,60,3\n",
    )
    assert [(p.line, p.column, p.value, p.reason) for p in error.problems] == [
        (4, "Team", "Alpha", "this team's week 2025-W10 is also on line 2 (lines 2, 4), with "
         "values in Open Bugs, Test pass rate; keep one row per team and week"),
    ]  # fmt: skip


# --- the report ---------------------------------------------------------------------------------


def test_every_problem_is_listed_and_the_report_reads_line_column_value_reason(make_db):
    path = make_db("Alpha")
    error = rejected(
        path,
        HEADER + "Alpah,2025-03-03,open_bugs,1\n"
        "Alpha,2025-13-01,open_bugs,1\n"
        "Alpha,2025-03-03,open_bugz,1\n"
        "Alpha,2025-03-03,test_pass_rate,-5\n",
        name="week10.csv",
    )
    assert [(p.line, p.column) for p in error.problems] == [
        (2, "team"),
        (3, "week"),
        (4, "metric"),
        (5, "value"),
    ]
    lines = str(error).splitlines()
    assert lines[0] == "week10.csv: 4 problems; nothing was imported. Fix the file and try again."
    assert lines[1].startswith(
        "  line 2, column team, value 'Alpah': unknown team (did you mean 'Alpha'?)"
    )
    assert lines[2] == f"  line 3, column week, value '2025-13-01': {NOT_A_WEEK}"
    assert lines[4] == f"  line 5, column value, value '-5': {PERCENTAGE}"
    assert len(lines) == 5


def test_the_report_shows_the_first_50_problems_then_a_count(make_db):
    path = make_db("Alpha")
    rows = "".join(
        f"Alpha,{dt.date(2024, 1, 1) + dt.timedelta(weeks=i)},open_bugs,-{i + 1}\n"
        for i in range(60)
    )
    error = rejected(path, HEADER + rows)
    assert error.count == 60 and len(error.problems) == 60
    lines = str(error).splitlines()
    assert lines[0].startswith("m.csv: 60 problems; nothing was imported.")
    assert lines[1] == f"  line 2, column value, value '-1': {NEGATIVE}"
    assert lines[50] == f"  line 51, column value, value '-50': {NEGATIVE}"
    assert lines[51:] == ["  ... and 10 more"]


# --- all or nothing -----------------------------------------------------------------------------


def test_a_file_with_any_error_changes_nothing(make_db):
    path = make_db("Alpha")
    load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\n")
    before = snapshot(path)
    error = rejected(
        path,
        HEADER + "Alpha,2025-03-03,open_bugs,5\n"  # would update
        "Gamma,2025-03-03,open_bugs,2\n"  # would create a team
        "Alpha,2025-03-10,open_bugs,3\n"  # would add
        "Alpha,2025-03-17,open_bugs,3.5\n",
        create_teams=True,
    )
    assert only(error) == Problem(5, "value", "3.5", WHOLE)
    assert snapshot(path) == before


def test_a_failure_while_applying_rolls_everything_back(make_db, monkeypatch):
    path = make_db("Alpha")
    load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\n")
    before = snapshot(path)

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(ledger, "finish", fail)  # the last step of the transaction
    with pytest.raises(RuntimeError, match="disk full"):
        load(
            path,
            HEADER + "Alpha,2025-03-03,open_bugs,5\nGamma,2025-03-03,open_bugs,2\n",
            create_teams=True,
        )
    assert snapshot(path) == before


def test_the_count_includes_problems_beyond_those_fetched(make_db):
    path = make_db("Alpha")
    rows = "".join(
        f"Alpha,{dt.date(2001, 1, 1) + dt.timedelta(weeks=i)},open_bugs,x\n" for i in range(1200)
    )
    error = rejected(path, HEADER + rows)
    assert error.count == 1200
    assert str(error).splitlines()[0].startswith("m.csv: 1200 problems;")
    assert str(error).splitlines()[-1] == "  ... and 1150 more"


# --- applying -------------------------------------------------------------------------------------


def test_new_values_are_added_changed_ones_updated_same_ones_left_alone(make_db):
    path = make_db("Alpha")
    first = load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,2\n")
    assert (first.import_id, first.added, first.updated, first.unchanged) == (1, 2, 0, 0)
    second = load(
        path,
        HEADER + "Alpha,2025-03-03,open_bugs,1.0\n"
        "Alpha,2025-03-10,open_bugs,5\n"
        "Alpha,2025-03-17,open_bugs,7\n",
    )
    assert (second.import_id, second.added, second.updated, second.unchanged) == (2, 1, 1, 1)
    assert second.summary() == "import 2: 1 added, 1 updated, 1 unchanged"
    assert stored(path) == [
        ("Alpha", W10, "open_bugs", 1.0, 1),
        ("Alpha", W11, "open_bugs", 5.0, 2),
        ("Alpha", W12, "open_bugs", 7.0, 2),
    ]
    assert query(
        path, "SELECT import_id, week, metric, old_value, old_import_id FROM import_overwrites"
    ) == [(2, W11, "open_bugs", 2.0, 1)]


def test_reimporting_the_same_file_changes_no_value(make_db):
    path = make_db("Alpha", "Beta")
    content = "team,week,open_bugs,test_pass_rate\nAlpha,2025-03-03,1,99.9\nBeta,2025-03-03,0,\n"
    load(path, content)
    values = stored(path)
    again = load(path, content)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert stored(path) == values
    assert query(path, "SELECT count(*) FROM import_overwrites") == [(0,)]


def test_the_ledger_records_file_hash_who_when_and_counts(make_db):
    path = make_db("Alpha")
    content = (HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,2\n").encode()
    load(path, content)
    before = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    load(
        path,
        HEADER + "Alpha,2025-03-10,open_bugs,3\nAlpha,2025-03-17,open_bugs,4\n"
        "Alpha,2025-03-03,open_bugs,1\nGamma,2025-03-03,open_bugs,1\n",
        name="second.csv",
        create_teams=True,
    )
    after = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    entries = query(
        path,
        "SELECT id, kind, file_name, sha256, who, rows_read, added, updated, "
        "unchanged, teams_created, status, undone_at FROM imports ORDER BY id",
    )
    assert entries[0] == (
        1,
        "metrics",
        "m.csv",
        hashlib.sha256(content).hexdigest(),
        "tester",
        2,
        2,
        0,
        0,
        0,
        "applied",
        None,
    )
    assert entries[1][:3] == (2, "metrics", "second.csv")
    assert entries[1][5:] == (4, 2, 1, 1, 1, "applied", None)
    (when,) = query(path, "SELECT imported_at FROM imports WHERE id = 2")[0]
    assert before <= when <= after


def test_a_dry_run_reports_exactly_what_the_import_then_does(make_db):
    path = make_db("Alpha")
    load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,2\n")
    before = snapshot(path)
    content = (
        HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,5\n"
        "Alpha,2025-03-17,open_bugs,7\nGamma,2025-03-03,open_bugs,1\n"
    )
    dry = load(path, content, dry_run=True, create_teams=True)
    assert snapshot(path) == before
    assert dry.import_id is None
    assert dry.summary() == (
        "dry run of m.csv: would be 2 added, 1 updated, 1 unchanged; "
        "would create 1 team(s): Gamma; nothing was changed"
    )
    assert [(r["line"], r["team"], r["week"], r["value"]) for r in dry.preview] == [
        (2, "Alpha", W10, 1.0),
        (3, "Alpha", W11, 5.0),
        (4, "Alpha", W12, 7.0),
        (5, "Gamma", W10, 1.0),
    ]
    real = load(path, content, create_teams=True)
    assert (real.added, real.updated, real.unchanged, real.teams_created) == (
        dry.added,
        dry.updated,
        dry.unchanged,
        dry.teams_created,
    )
    assert real.summary() == "import 2: 2 added, 1 updated, 1 unchanged; created 1 team(s): Gamma"


def test_a_dry_run_of_a_bad_file_reports_the_same_problems(make_db):
    path = make_db("Alpha")
    content = HEADER + "Alpha,2025-03-03,open_bugs,x\nAlpah,2025-03-03,open_bugs,1\n"
    before = snapshot(path)
    dry = rejected(path, content, dry_run=True)
    real = rejected(path, content)
    assert dry.problems == real.problems and str(dry) == str(real)
    assert len(dry.problems) == 2
    assert snapshot(path) == before


def test_values_keep_their_exact_double(make_db):
    path = make_db("Alpha")
    load(
        path,
        HEADER + "Alpha,2025-03-03,test_pass_rate,33.333333333333336\n"
        "Alpha,2025-03-10,test_pass_rate,0.1\n",
    )
    assert [r[3] for r in stored(path)] == [33.333333333333336, 0.1]


# --- the quote that exports put before formula characters ----------------------------------------


@pytest.mark.parametrize(
    ("cell", "team"),
    [
        ("'=cmd", "=cmd"),
        ("'+x", "+x"),
        ("'-y", "-y"),
        ("'@z", "@z"),
        ("''=twice", "'=twice"),
        ("'plain", "'plain"),  # not a formula: the quote is the team's own
        ("-10", "-10"),
    ],
)
def test_the_exports_leading_quote_is_removed_on_import(make_db, cell, team):
    path = make_db()
    load(path, HEADER + f"{cell},2025-03-03,open_bugs,1\n", create_teams=True)
    assert query(path, "SELECT name FROM teams") == [(team,)]
