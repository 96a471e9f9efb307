"""ddq.ingest.bugs: Jira, GitHub and mapped CSV exports, checked and applied all or nothing."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from conftest import TODAY, query

from ddq import db, ledger, settings
from ddq.access import ADMIN, Actor
from ddq.errors import Conflict, NotFound
from ddq.export import export_bugs, formula_safe
from ddq.ingest.bugs import (
    BugsImport,
    InvalidMapping,
    check_mapping,
    csv_headers,
    guess_mapping,
    import_bugs,
    load_mapping,
    mapping_names,
    save_mapping,
)
from ddq.ingest.problems import ImportRejected
from ddq.ingest.undo import undo as undo_import
from ddq.ownership import set_mapping

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
needs_realdata = pytest.mark.skipif(
    not REALDATA.is_dir(),
    reason=f"the real tracker exports are not here ({REALDATA}); CI always has them",
)
JIRA_HEADER = "Issue key,Summary,Issue Type,Status,Priority,Created,Updated,Resolved\n"


def load(
    path: Path, content: str | bytes | Path, *, name: str = "bugs.csv", **kwargs
) -> BugsImport:
    source = content if isinstance(content, Path) else (
        content.encode("utf-8") if isinstance(content, str) else content
    )  # fmt: skip
    with db.connect(path) as con:
        return import_bugs(
            con, source, file_name=name, who=Actor("tester", ADMIN), today=TODAY, **kwargs
        )


def rejected(path: Path, content: str | bytes | Path, **kwargs) -> ImportRejected:
    with pytest.raises(ImportRejected) as info:
        load(path, content, **kwargs)
    return info.value


def bugs(path: Path, where: str = "true") -> dict[str, dict]:
    """Every stored bug by key, as a dictionary of its columns."""
    with db.connect(path) as con:
        found = db.rows(con, f"SELECT * FROM bugs WHERE {where} ORDER BY tracker, key")
    return {b["key"]: b for b in found}


def snapshot(path: Path) -> dict[str, list[tuple]]:
    """Everything a bug import may touch."""
    tables = ("bugs", "bug_overwrites", "imports", "import_skipped", "audit_log", "events")
    return {t: query(path, f"SELECT * FROM {t} ORDER BY ALL") for t in tables}


def at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def lines_of(error: ImportRejected) -> list[int]:
    return [p.line for p in error.problems]


# --- the real exports ----------------------------------------------------------------------


@needs_realdata
def test_the_asf_jira_export_gives_its_100_issues_with_utc_dates(make_db):
    path = make_db()
    source = REALDATA / "asf_jira_export.csv"
    with source.open(encoding="utf-8", newline="") as f:
        records = list(csv.DictReader(f))
    assert records[-1]["Issue Type"].startswith("Generated at ")  # the footer
    expected_keys = sorted(r["Key"].strip() for r in records[:-1])
    assert len(expected_keys) == 100

    result = load(path, source, name=source.name)

    assert (result.added, result.updated, result.unchanged, result.rows_read) == (100, 0, 0, 100)
    assert result.footer_dropped and result.skipped_count == 0
    stored = bugs(path)
    assert sorted(stored) == expected_keys
    assert all(k == k.strip() and not k.startswith("Generated") for k in stored)
    hama = stored["HAMA-895"]  # Task,,HAMA-895 ,...,Closed,Fixed,22/Mar/14 07:59,22/Mar/14 16:16,
    assert (hama["tracker"], hama["project"], hama["type"], hama["status"]) == (
        "jira", "HAMA", "Task", "Closed",
    )  # fmt: skip
    assert hama["summary"] == "Please delete old releases from mirroring system"
    assert hama["created"] == at("2014-03-22 07:59")
    assert hama["updated"] == at("2014-03-22 16:16")
    # No Resolved column: Closed is a done status, so resolved is the last update, estimated.
    assert hama["resolved"] == at("2014-03-22 16:16") and hama["resolved_estimated"]
    assert stored["CXF-352"]["created"] == at("2007-01-04 17:11")
    assert stored["HIVE-1362"]["created"] == at("2010-05-22 04:47")
    assert stored["DELTASPIKE-447"]["resolved"] == at("2014-03-20 13:14")
    assert result.estimated == 100
    assert any("estimated from the last update" in n for n in result.notes())


@needs_realdata
def test_the_activemq_export_keeps_every_multiline_description_intact(make_db):
    path = make_db()
    source = REALDATA / "asf_jira_activemq_multiline.csv"
    with source.open(encoding="utf-8", newline="") as f:
        records = list(csv.DictReader(f))

    result = load(path, source, name=source.name)

    assert result.added == 77
    stored = bugs(path)
    assert len(stored) == 77
    multiline = 0
    for record in records:
        bug = stored[record["Issue key"]]
        assert bug["description"] == (record["Description"] or None), record["Issue key"]
        multiline += "\n" in record["Description"]
    assert multiline == 72
    first = stored["AMQ-7130"]
    assert first["description"].startswith("Hello,\n\nI was browsing")
    assert first["description"].endswith("Shubham Gupta\n\n\xa0")  # trailing NBSP kept
    assert (first["type"], first["created"], first["status"], first["resolved"]) == (
        "Bug", at("2019-01-10 13:42"), None, None,
    )  # fmt: skip


@needs_realdata
def test_the_derby_file_is_rejected_naming_its_three_broken_lines(make_db):
    path = make_db()
    before = snapshot(path)

    error = rejected(path, REALDATA / "ohira_highimpact_derby.csv", format="csv")

    assert lines_of(error) == [494, 495, 498]
    assert all("fields where the header has 32" in p.reason for p in error.problems)
    assert snapshot(path) == before


@needs_realdata
def test_the_derby_file_with_skip_bad_rows_imports_the_other_997(make_db):
    path = make_db()
    mapping = guess_mapping(csv_headers((REALDATA / "ohira_highimpact_derby.csv").read_bytes()))

    result = load(path, REALDATA / "ohira_highimpact_derby.csv", format="csv",
                  mapping=mapping, skip_bad_rows=True)  # fmt: skip

    assert (result.added, result.skipped_count, result.rows_read) == (997, 3, 1000)
    assert [p.line for p in result.skipped] == [494, 495, 498]
    skipped = query(path, "SELECT import_id, line, reason FROM import_skipped ORDER BY line")
    assert [(i, line) for i, line, _ in skipped] == [(result.import_id, n) for n in (494, 495, 498)]
    assert (
        skipped[0][2] == "has 36 fields where the header has 32; check for a missing or extra comma"
    )
    stored = bugs(path)
    assert len(stored) == 997 and not {"3586", "3588", "3603"} & set(stored)
    five = stored["5"]  # 2004/09/28 01:20:46 +0100 and 2005/09/16 03:14:48 +0100
    assert (five["tracker"], five["type"], five["status"], five["priority"]) == (
        "csv", "Bug", "Closed", "Major",
    )  # fmt: skip
    assert five["created"] == at("2004-09-28 00:20:46")
    assert five["resolved"] == at("2005-09-16 02:14:48") and not five["resolved_estimated"]
    assert five["components"] == ["Network Server"]
    assert stored["3571"]["components"] == ["JDBC", "Network Client"]  # "JDBC; Network Client"
    with db.connect(path) as con:
        assert [r["line"] for r in ledger.skipped_rows(con, result.import_id)] == [494, 495, 498]


# --- Jira CSV ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "utc"),
    [
        ("22/Mar/14 07:59", "2014-03-22 07:59"),
        ("11/May/24 03:26 PM", "2024-05-11 15:26"),
        ("11/May/24 12:05 AM", "2024-05-11 00:05"),
        ("2024-05-11 15:26", "2024-05-11 15:26"),
        ("2024-05-11 15:26:09", "2024-05-11 15:26:09"),
        ("2004/09/28 01:20:46 +0100", "2004-09-28 00:20:46"),
        ("2004/09/28 01:20:46 -0530", "2004-09-28 06:50:46"),
        ("2024-05-11T15:26:00Z", "2024-05-11 15:26"),
        ("2024-05-11T23:26:00+02:00", "2024-05-11 21:26"),
    ],
)
def test_each_date_format_is_read_and_stored_in_utc(make_db, written, utc):
    path = make_db()
    load(path, JIRA_HEADER + f"AB-1,One,Bug,Open,Major,{written},,\n")
    assert bugs(path)["AB-1"]["created"] == at(utc)


def test_a_file_mixing_date_formats_reads_every_one(make_db):
    path = make_db()
    load(path, JIRA_HEADER
         + "AB-1,a,Bug,Closed,Major,22/Mar/14 07:59,23/Mar/14 08:00,24/Mar/14 09:00\n"
         + "AB-2,b,Bug,Closed,Major,11/May/24 03:26 PM,,2024/05/12 10:00:00 +0200\n"
         + "AB-3,c,Bug,Open,Major, 2024-05-11 15:26 ,,\n"
         + "AB-4,d,Bug,Open,Major,2008/4/2  0:57:44 +0100,,\n")  # fmt: skip
    stored = bugs(path)
    assert stored["AB-1"]["resolved"] == at("2014-03-24 09:00")
    assert stored["AB-2"]["created"] == at("2024-05-11 15:26")
    assert stored["AB-2"]["resolved"] == at("2024-05-12 08:00")
    assert stored["AB-3"]["created"] == at("2024-05-11 15:26")
    assert stored["AB-4"]["created"] == at("2008-04-01 23:57:44")


def test_offsets_become_utc_whatever_the_session_time_zone(make_db, monkeypatch):
    path = make_db()
    # Connections lock their configuration; this one is left open to change its time zone.
    monkeypatch.setitem(db.SAFE_CONFIG, "lock_configuration", False)
    with db.connect(path) as con:
        con.execute("SET TimeZone = 'America/New_York'")
        import_bugs(con, (JIRA_HEADER + "AB-1,a,Bug,Open,Major,2004/09/28 01:20:46 +0100,,\n"
                          ).encode(), who=Actor("t", ADMIN), today=TODAY)  # fmt: skip
        assert con.execute("SELECT created::VARCHAR FROM bugs").fetchone()[0] == (
            "2004-09-28 00:20:46"
        )


def test_bad_dates_empty_keys_and_empty_creation_dates_are_named_by_line(make_db):
    path = make_db()
    before = snapshot(path)
    error = rejected(path, JIRA_HEADER
                     + "AB-1,fine,Bug,Open,Major,22/Mar/14 07:59,,\n"
                     + "AB-2,bad,Bug,Open,Major,yesterday,,\n"
                     + ",no key,Bug,Open,Major,22/Mar/14 07:59,,\n"
                     + "AB-4,no date,Bug,Open,Major,,,\n"
                     + "AB-5,bad resolved,Bug,Closed,Major,22/Mar/14 07:59,,32/Mar/14 07:59\n"
                     + "AB-6,future,Bug,Open,Major,2027-01-01 00:00,,\n")  # fmt: skip
    assert [(p.line, p.column, p.value) for p in error.problems] == [
        (3, "Created", "yesterday"),
        (4, "Issue key", None),
        (5, "Created", None),
        (6, "Resolved", "32/Mar/14 07:59"),
        (7, "Created", "2027-01-01 00:00"),
    ]
    assert error.problems[0].reason == (
        "not a date and time like the rest of its column, such as 11/May/24 15:26"
    )
    assert "in the future" in error.problems[-1].reason
    assert snapshot(path) == before


def test_a_key_twice_is_an_error_naming_both_lines_and_skipping_keeps_the_first(make_db):
    path = make_db()
    text = (JIRA_HEADER + "AB-1,first,Bug,Open,Major,22/Mar/14 07:59,,\n"
            + "AB-2,other,Bug,Open,Major,22/Mar/14 07:59,,\n"
            + "AB-1 ,again,Bug,Open,Major,22/Mar/14 07:59,,\n")  # fmt: skip
    error = rejected(path, text)
    assert lines_of(error) == [4]
    assert error.problems[0].reason == (
        "issue AB-1 is also on line 2 (lines 2, 4); keep one row per issue"
    )
    result = load(path, text, skip_bad_rows=True)
    assert (result.added, result.skipped_count) == (2, 1)
    assert bugs(path)["AB-1"]["summary"] == "first"
    assert query(path, "SELECT line FROM import_skipped") == [(4,)]


def test_the_generated_at_footer_is_dropped_in_either_shape(make_db):
    path = make_db()
    body = JIRA_HEADER + "AB-1,a,Bug,Open,Major,22/Mar/14 07:59,,\n"
    single = body + "Generated at Sat Mar 22 10:53:30 UTC 2014 by Ann using JIRA 6.2#6252.\n\n"
    padded = body + "Generated at Sat Mar 22 10:53:30 UTC 2014 by Ann using JIRA 6.2.,,,,,,,\n"
    for text in (single, padded, single.replace("\n", "\r\n")):
        result = load(path, text, dry_run=True)
        assert (result.added, result.rows_read, result.footer_dropped) == (1, 1, True)
    # A description that ends with such a line is not a footer.
    quoted = ('Issue key,Created,Description\nAB-1,22/Mar/14 07:59,"Log:\n'
              'Generated at noon"\n')  # fmt: skip
    result = load(path, quoted)
    assert not result.footer_dropped
    assert bugs(path)["AB-1"]["description"] == "Log:\nGenerated at noon"


def test_repeated_columns_are_merged_into_lists_in_order(make_db):
    path = make_db()
    load(path, "Issue key,Created,Component/s,Labels,Component/s,Sprint,Labels,Component/s,"
               "Custom field (Severity)\n"
               "AB-1,22/Mar/14 07:59,UI,ux,,Sprint 1,regression,Backend,S2\n"
               "AB-2,22/Mar/14 07:59,,,,Sprint 2,,,\n")  # fmt: skip
    stored = bugs(path)
    assert stored["AB-1"]["components"] == ["UI", "Backend"]
    assert stored["AB-1"]["labels"] == ["ux", "regression"]
    assert stored["AB-1"]["severity"] == "S2"
    assert (stored["AB-2"]["components"], stored["AB-2"]["labels"]) == ([], [])


def test_a_bom_and_a_semicolon_delimiter_are_read(make_db):
    path = make_db()
    data = codecs.BOM_UTF8 + b"Issue key;Created;Summary\nAB-1;22/Mar/14 07:59;Caf\xc3\xa9\n"
    load(path, data)
    assert bugs(path)["AB-1"]["summary"] == "Café"


def test_done_statuses_decide_estimated_resolutions_case_insensitively(make_db):
    path = make_db()
    text = ("Key,Created,Updated,Status\n"
            "AB-1,22/Mar/14 07:59,23/Mar/14 10:00,done\n"
            "AB-2,22/Mar/14 07:59,23/Mar/14 10:00,In Progress\n"
            "AB-3,22/Mar/14 07:59,,Closed\n"
            "AB-4,22/Mar/14 07:59,23/Mar/14 10:00,SHIPPED\n")  # fmt: skip
    result = load(path, text, dry_run=True)
    assert (result.estimated, result.done_without_time) == (1, 1)
    assert (
        "1 bug has a done status but no resolution or update date: it counts as open; "
        "export the Resolved or Updated column too."
    ) in result.notes()
    with db.connect(path) as con:
        settings.update(con, {"done_statuses": "Shipped"}, who=Actor("t", ADMIN))
    load(path, text)
    stored = bugs(path)
    assert stored["AB-4"]["resolved"] == at("2014-03-23 10:00")
    assert stored["AB-4"]["resolved_estimated"]
    assert stored["AB-1"]["resolved"] is None and stored["AB-2"]["resolved"] is None


def test_a_json_file_offered_as_csv_is_rejected_with_a_hint(make_db):
    error = rejected(make_db(), b'[{"number": 1}]')
    assert "import it as GitHub issues" in error.problems[0].reason


def test_a_jira_file_without_a_key_column_says_what_to_do(make_db):
    error = rejected(make_db(), "Title,created\nCrash,22/Mar/14 07:59\n")
    assert "no column for the issue key" in error.problems[0].reason
    assert "column mapping" in error.problems[0].reason


# --- GitHub JSON ---------------------------------------------------------------------------

REST = [
    {"url": "https://api.github.com/repos/acme/shop/issues/7", "number": 7,
     "repository_url": "https://api.github.com/repos/acme/shop",
     "html_url": "https://github.com/acme/shop/issues/7", "title": "Cart empties",
     "state": "closed", "labels": [{"name": "bug"}, {"name": "checkout"}],
     "created_at": "2024-05-01T10:00:00Z", "updated_at": "2024-05-03T09:00:00Z",
     "closed_at": "2024-05-02T08:30:00Z", "body": "Steps:\r\n1. add\r\n2. reload"},
    {"number": 8, "title": "A pull request", "state": "open", "labels": [],
     "repository_url": "https://api.github.com/repos/acme/shop",
     "created_at": "2024-05-01T11:00:00Z", "pull_request": {"url": "..."}},
    {"number": 9, "title": "Slow search", "state": "open", "labels": ["perf"],
     "repository_url": "https://api.github.com/repos/acme/shop",
     "created_at": "2024-05-04T12:00:00+02:00", "closed_at": None, "body": None,
     "type": {"name": "Bug"}},
]  # fmt: skip


def test_github_rest_issues_are_read_and_pull_requests_skipped(make_db):
    path = make_db()
    result = load(path, json.dumps(REST, indent=2), name="issues.json", format="github")
    assert (result.added, result.pull_requests, result.rows_read) == (2, 1, 2)
    assert any("1 pull request(s) left out" in n for n in result.notes())
    stored = bugs(path)
    assert sorted(stored) == ["acme/shop#7", "acme/shop#9"]
    seven = stored["acme/shop#7"]
    assert (seven["tracker"], seven["project"], seven["status"], seven["labels"]) == (
        "github", "acme/shop", "Closed", ["bug", "checkout"],
    )  # fmt: skip
    assert (seven["created"], seven["resolved"]) == (at("2024-05-01 10:00"), at("2024-05-02 08:30"))
    assert not seven["resolved_estimated"]
    assert seven["description"] == "Steps:\r\n1. add\r\n2. reload"
    nine = stored["acme/shop#9"]
    assert (nine["type"], nine["status"], nine["resolved"], nine["labels"]) == (
        "Bug", "Open", None, ["perf"],
    )  # fmt: skip
    assert nine["created"] == at("2024-05-04 10:00")


def test_gh_issue_list_json_is_read(make_db):
    path = make_db()
    gh = [
        {"number": 3, "title": "Crash", "state": "CLOSED", "createdAt": "2024-01-02T03:04:05Z",
         "closedAt": None, "updatedAt": "2024-01-05T00:00:00Z",
         "labels": [{"id": "x", "name": "bug", "color": "d73a4a"}],
         "url": "https://github.com/acme/app/issues/3"},
        {"number": 4, "title": "Typo", "state": "OPEN", "createdAt": "2024-01-03T00:00:00Z",
         "labels": []},
    ]  # fmt: skip
    result = load(path, json.dumps(gh), name="gh.json", format="github")
    stored = bugs(path)
    assert sorted(stored) == ["#4", "acme/app#3"]
    three = stored["acme/app#3"]
    # Closed without closedAt: the last update is taken, and marked as estimated.
    assert (three["status"], three["resolved"], three["resolved_estimated"]) == (
        "Closed", at("2024-01-05 00:00"), True,
    )  # fmt: skip
    assert result.no_repository == 1
    assert any("do not name their repository" in n for n in result.notes())


def test_bad_github_json_is_named_by_line_and_column_or_item(make_db):
    path = make_db()
    error = rejected(path, '[\n  {"number": 1,\n   "title": }\n]', format="github")
    assert str(error.problems[0]) == (
        "line 3: column 13 (character 31): not valid JSON: expected a value here (text in "
        "double quotes, a number, a [list], an {object}, true, false or null); a comma just "
        "before ] or }, or a missing value, does this (found '}')."
    )
    error = rejected(path, json.dumps([{"number": 1, "created_at": "2024-01-01T00:00:00Z"},
                                       {"title": "no number"},
                                       {"number": 3, "title": "Crash", "created_at": "soon"},
                                       {"number": 4, "title": "Typo", "created_at": "later"}]),
                     format="github")  # fmt: skip
    # One line holds every item: each is named by its place, number and title, in order.
    assert [str(p) for p in error.problems] == [
        "item 2 (“no number”), column number: the issue has no number",
        "item 3 (#3 “Crash”), column created_at, value 'soon': not a date and time; write it "
        "like 2024-05-11T15:26:00Z, as GitHub writes them",
        "item 4 (#4 “Typo”), column created_at, value 'later': not a date and time; write it "
        "like 2024-05-11T15:26:00Z, as GitHub writes them",
    ]


def test_items_on_several_lines_are_named_with_their_line_too(make_db):
    path = make_db()
    text = json.dumps([{"number": 1, "created_at": "2024-01-01T00:00:00Z"},
                       {"number": 2, "title": "Late", "created_at": "soon"}], indent=1)  # fmt: skip
    error = rejected(path, text, format="github")
    assert str(error.problems[0]).startswith("item 2 (#2 “Late”), line 6, column created_at")


def test_a_truncated_github_file_says_where_it_ends_and_what_to_do(make_db):
    path = make_db()
    text = '[{"number": 1, "title": "Crash", "created_at": "2024-01-01T00:00:00Z"},\n{"numb'
    error = rejected(path, text, format="github")
    assert [str(p) for p in error.problems] == [
        "line 2: column 2 (character 74): not valid JSON: the text in quotes that starts here "
        "never ends: add its closing double quote; the text ends at line 2, column 6 before "
        "the JSON does: if it is a file, it looks cut short, so export or download it again."
    ]


# --- column mappings -----------------------------------------------------------------------


def test_mappings_are_guessed_from_common_header_names():
    derby_header = "IssueId,type,status,resolution,component,priority,reporter,created," + (
        "assigned,assignee,resolved,summary,description,Blocker,Security"
    )
    derby = derby_header.split(",")
    assert guess_mapping(derby) == {
        "key": "IssueId", "created": "created", "resolved": "resolved", "status": "status",
        "type": "type", "priority": "priority", "components": "component",
        "summary": "summary", "description": "description",
    }  # fmt: skip
    jira = ["Summary", "Issue key", "Issue id", "Issue Type", "Status", "Project key",
            "Priority", "Resolution", "Created", "Updated", "Resolved", "Component/s",
            "Labels", "Custom field (Severity)", "Sprint", "Description"]  # fmt: skip
    assert guess_mapping(jira) == {
        "key": "Issue key", "created": "Created", "resolved": "Resolved", "updated": "Updated",
        "status": "Status", "type": "Issue Type", "priority": "Priority",
        "severity": "Custom field (Severity)", "labels": "Labels", "components": "Component/s",
        "project": "Project key", "summary": "Summary", "description": "Description",
    }  # fmt: skip
    other = ["ID", "Title", "State", "Opened", "Closed At", "Tags", "Owning Team", "Module"]
    assert guess_mapping(other) == {
        "key": "ID", "created": "Opened", "resolved": "Closed At", "status": "State",
        "labels": "Tags", "components": "Module", "team": "Owning Team", "summary": "Title",
    }  # fmt: skip


def test_mapping_presets_are_saved_loaded_and_listed(make_db):
    path = make_db()
    with db.connect(path) as con:
        save_mapping(
            con,
            "Derby",
            {"key": "IssueId", "created": "created", "team": ""},
            who=Actor("t", ADMIN),
        )
        save_mapping(con, "bugzilla", {"key": "Bug ID", "created": "Opened"}, who=Actor("t", ADMIN))
        save_mapping(con, "Derby", {"key": "IssueId", "created": "created", "status": "status"},
                     who=Actor("t", ADMIN))  # fmt: skip
        assert mapping_names(con) == ["bugzilla", "Derby"]
        assert load_mapping(con, "Derby") == {
            "key": "IssueId", "created": "created", "status": "status",
        }  # fmt: skip
        with pytest.raises(NotFound, match="saved mappings: bugzilla, Derby"):
            load_mapping(con, "nope")
        with pytest.raises(InvalidMapping, match="key and a creation date"):
            save_mapping(con, "x", {"key": "IssueId"}, who=Actor("t", ADMIN))
        actions = con.execute(
            "SELECT action, subject FROM audit_log ORDER BY id"
        ).fetchall()  # fmt: skip
    assert actions == [("bug_mapping.save", "Derby"), ("bug_mapping.save", "bugzilla"),
                       ("bug_mapping.save", "Derby")]  # fmt: skip
    with pytest.raises(InvalidMapping, match="Unknown field 'owner'"):
        check_mapping({"owner": "x"})


def test_a_mapped_csv_splits_list_cells_and_keeps_the_team(make_db):
    path = make_db()
    text = ("Ticket,Opened,Tags,Area,Squad,Prio\n"
            "T-1,2024-05-11 15:26,\"a, b;c\",Core; UI ,Payments,P1\n"
            "T-2,2024-05-12 09:00,,,,\n")  # fmt: skip
    mapping = {"key": "Ticket", "created": "opened", "labels": "Tags",
               "components": "Area", "team": "Squad", "priority": "Prio"}  # fmt: skip
    result = load(path, text, format="csv", mapping=mapping)
    assert result.mapping["created"] == "Opened"  # matched however it is spelt
    stored = bugs(path)
    one = stored["T-1"]
    assert (one["labels"], one["components"], one["team_name"], one["priority"]) == (
        ["a", "b", "c"], ["Core", "UI"], "Payments", "P1",
    )  # fmt: skip
    assert (one["tracker"], one["project"]) == ("csv", "T")
    assert (stored["T-2"]["labels"], stored["T-2"]["team_name"]) == ([], None)


def test_a_mapping_naming_a_missing_column_is_rejected(make_db):
    error = rejected(make_db(), "Ticket,Opened\nT-1,2024-05-11\n", format="csv",
                     mapping={"key": "Ticket", "created": "Opened", "status": "State"})  # fmt: skip
    assert [(p.line, p.column) for p in error.problems] == [(1, "State")]


def test_a_preset_name_can_be_given_as_the_mapping(make_db):
    path = make_db()
    with db.connect(path) as con:
        save_mapping(con, "tickets", {"key": "Ticket", "created": "Opened"}, who=Actor("t", ADMIN))
    assert load(path, "Ticket,Opened\nT-1,2024-05-11\n", format="csv", mapping="tickets").added == 1


# --- re-import, undo, dry run --------------------------------------------------------------

V1 = (JIRA_HEADER
      + "AB-1,one,Bug,Open,Major,22/Mar/14 07:59,,\n"
      + "AB-2,two,Bug,Open,Minor,22/Mar/14 08:00,,\n"
      + "AB-3,three,Bug,Open,Minor,22/Mar/14 09:00,,\n")  # fmt: skip
V2 = (JIRA_HEADER
      + "AB-1,one,Bug,Open,Major,22/Mar/14 07:59,,\n"
      + "AB-2,two,Bug,Closed,Minor,22/Mar/14 08:00,25/Mar/14 10:00,25/Mar/14 10:00\n"
      + "AB-4,four,Bug,Open,Blocker,23/Mar/14 09:00,,\n")  # fmt: skip


def test_a_reimport_updates_by_key_and_the_same_file_changes_nothing(make_db):
    path = make_db()
    first = load(path, V1)
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    old_two = bugs(path)["AB-2"]

    second = load(path, V2)

    assert (second.added, second.updated, second.unchanged) == (1, 1, 1)
    assert [r["change"] for r in second.preview] == ["unchanged", "changed", "new"]
    stored = bugs(path)
    assert sorted(stored) == ["AB-1", "AB-2", "AB-3", "AB-4"]  # AB-3 is kept
    assert (stored["AB-2"]["status"], stored["AB-2"]["import_id"]) == ("Closed", second.import_id)
    assert stored["AB-1"]["import_id"] == first.import_id  # identical: left alone
    with db.connect(path) as con:
        overwritten = db.rows(con, "SELECT * FROM bug_overwrites")
    assert len(overwritten) == 1
    assert overwritten[0] == {"overwritten_by": second.import_id, **old_two}

    again = load(path, V2)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    assert not again.changes_anything
    assert bugs(path) == stored


def test_undo_restores_replaced_bugs_and_removes_added_ones_newest_first(make_db):
    path = make_db()
    first = load(path, V1)
    after_first = bugs(path)
    second = load(path, V2)
    with db.connect(path) as con:
        with pytest.raises(Conflict, match=f"later import\\(s\\) {second.import_id}"):
            undo_import(con, first.import_id, who=Actor("t", ADMIN))
        done = undo_import(con, second.import_id, who=Actor("t", ADMIN)).counts
    assert (done["removed"], done["restored"]) == (1, 1)
    assert bugs(path) == after_first
    with db.connect(path) as con:
        assert undo_import(con, first.import_id, who=Actor("t", ADMIN)).counts["removed"] == 3
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert bugs(path) == {}
    # Each change to the bugs recomputed the weekly bug metrics, in the same transaction.
    assert [a for a in actions if a != "bug_metrics.compute"] == [
        "bugs.import", "bugs.import", "bugs.undo", "bugs.undo"
    ]  # fmt: skip
    assert actions.count("bug_metrics.compute") == 4


def test_a_dry_run_and_a_rejected_file_change_nothing(make_db):
    path = make_db()
    load(path, V1)
    before = snapshot(path)
    result = load(path, V2, dry_run=True)
    assert (result.dry_run, result.import_id, result.added, result.updated) == (True, None, 1, 1)
    assert result.summary().startswith("dry run of bugs.csv: would be 1 added, 1 updated")
    assert snapshot(path) == before
    rejected(path, V2 + "AB-9,bad,Bug,Open,Major,someday,,\n")
    assert snapshot(path) == before


def test_an_applied_import_is_in_the_ledger_and_the_audit_log(make_db):
    path = make_db()
    result = load(path, V1, name="jira.csv")
    entry = query(path, "SELECT kind, file_name, rows_read, added, updated, unchanged, status "
                        "FROM imports ORDER BY id")  # fmt: skip
    assert entry[0] == ("bugs", "jira.csv", 3, 3, 0, 0, "applied")
    # The weekly bug metrics computed from them, named after the import, in the ledger too.
    assert entry[1][:2] == ("bug_metrics", f"after import {result.import_id} (jira.csv)")
    assert result.metrics is not None and result.metrics.import_id == result.import_id + 1
    audit = query(path, "SELECT who, action, subject, after FROM audit_log")
    assert audit[0][:3] == ("tester", "bugs.import", "jira.csv")
    assert json.loads(audit[0][3])["import_id"] == result.import_id
    assert result.headline() == {"Rows": 3, "New": 3, "Changed": 0, "Unchanged": 0, "Skipped": 0}


# --- export --------------------------------------------------------------------------------


def test_the_bug_export_has_its_exact_format(make_db):
    path = make_db("Payments")
    load(path, "Issue key,Created,Resolved,Status,Issue Type,Priority,Component/s,Component/s,"
               "Labels,Labels,Summary,Description\n"
               'AB-10,22/Mar/14 07:59,23/Mar/14 10:00,Closed,Bug,Major,Checkout,UI,a,-b,'
               '=HYPERLINK("x"),"two\nlines"\n'
               "AB-9,2024/05/11 15:26:00 +0200,,Open,Task,,,,,,@home,\n")  # fmt: skip
    with db.connect(path) as con:
        set_mapping(con, "component", "Checkout", "Payments", who=Actor("t", ADMIN))
        out = io.StringIO()
        assert export_bugs(con, out) == 2
    assert out.getvalue() == (
        "key,tracker,team,type,status,priority,severity,labels,components,created,resolved,"
        "summary,description\n"
        "AB-9,jira,Unassigned,Task,Open,,,,,2024-05-11 13:26:00,,'@home,\n"
        "AB-10,jira,Payments,Bug,Closed,Major,,a; -b,Checkout; UI,2014-03-22 07:59:00,"
        '2014-03-23 10:00:00,"\'=HYPERLINK(""x"")","two\nlines"\n'
    )


def test_the_export_escapes_exactly_as_formula_safe_does(make_db, tmp_path):
    path = make_db()
    texts = ["-10", "+1e5", "-x", "'=a", "@b", "=1+1", "a=b", "''-3", "\t=x"]
    lines = "".join(f'AB-{i},22/Mar/14 07:59,"{t}"\n' for i, t in enumerate(texts, 1))
    load(path, "Issue key,Created,Summary\n" + lines)
    # What the import stored (a leading quote before a formula character is removed) ...
    stored = {k: b["summary"] for k, b in bugs(path).items()}
    target = tmp_path / "bugs.csv"
    with db.connect(path) as con:
        export_bugs(con, target)
    with target.open(encoding="utf-8", newline="") as f:
        written = {r["key"]: r["summary"] for r in csv.DictReader(f)}
    # ... is written exactly as formula_safe writes it.
    assert written == {k: formula_safe(v) for k, v in stored.items()}
    assert written["AB-3"] == "'-x" and written["AB-1"] == "-10"


def test_an_export_without_a_status_column_leaves_bugs_open(make_db):
    path = make_db()
    result = load(path, "Key,Created,Updated\nAB-1,22/Mar/14 07:59,23/Mar/14 10:00\n")
    assert (result.added, result.estimated) == (1, 0)
    stored = bugs(path)["AB-1"]
    assert (stored["resolved"], stored["resolved_estimated"]) == (None, False)


def test_a_file_with_no_issues_is_rejected(make_db):
    path = make_db()
    assert rejected(path, JIRA_HEADER).problems[0].reason == "the file has no issues"
    footer_only = JIRA_HEADER + "Generated at Sat Mar 22 10:53:30 UTC 2014 by Ann.\n"
    assert rejected(path, footer_only).problems[0].reason == "the file has no issues"
    assert rejected(path, "[]", format="github").problems[0].reason == "the file has no issues"


def test_skipping_bad_items_of_one_line_json_keeps_the_good_ones(make_db):
    path = make_db()
    repo = "https://api.github.com/repos/a/b"
    items = [
        {"number": 1, "created_at": "2024-01-01T00:00:00Z", "repository_url": repo},
        {"number": 1, "created_at": "2024-01-02T00:00:00Z", "repository_url": repo},
        {"number": 2, "created_at": "bad", "repository_url": repo},
        {"number": 3, "created_at": "2024-01-03T00:00:00Z", "repository_url": repo},
        5,
    ]
    result = load(path, json.dumps(items), format="github", skip_bad_rows=True)
    assert (result.added, result.skipped_count) == (2, 3)
    assert {k: b["created"] for k, b in bugs(path).items()} == {
        "a/b#1": at("2024-01-01 00:00"),
        "a/b#3": at("2024-01-03 00:00"),
    }
    reasons = sorted(r for (r,) in query(path, "SELECT reason FROM import_skipped"))
    assert reasons == [
        "item 2: column number, value 'a/b#1': issue a/b#1 appears more than once: items 1, "
        "2; keep one per issue",
        "item 3: column created_at, value 'bad': not a date and time; write it like "
        "2024-05-11T15:26:00Z, as GitHub writes them",
        "item 5: not an issue (a JSON object)",
    ]
    # The preview names them by item, in the file's order, not all "line 1".
    assert [str(p) for p in result.skipped] == reasons
