"""`ddq import bugs`, `ddq export bugs` and `ddq mappings`: the real command, as a subprocess."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import query

from ddq import db

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
needs_realdata = pytest.mark.skipif(
    not REALDATA.is_dir(),
    reason=f"the real tracker exports are not here ({REALDATA}); CI always has them",
)


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


@needs_realdata
def test_import_the_real_exports_then_undo_and_export(db_path, make_db, run_ddq, tmp_path):
    make_db()
    jira = REALDATA / "asf_jira_export.csv"

    dry = ok(run_ddq("import", "bugs", jira, "--dry-run"))
    assert dry.splitlines()[0] == (
        "dry run of asf_jira_export.csv: would be 100 added, 0 updated, 0 unchanged; 100 "
        "resolution time(s) estimated from the last update; nothing was changed"
    )
    assert "  line 2: HAMA-895 (new), created 2014-03-22 07:59, resolved 2014-03-22 16:16 " \
           "(estimated): Please delete old releases from mirroring system" in dry  # fmt: skip
    assert query(db_path, "SELECT count(*) FROM bugs") == [(0,)]

    out = ok(run_ddq("import", "bugs", jira, "--format", "jira"))
    assert out.startswith("import 1: 100 added, 0 updated, 0 unchanged")
    # The bugs' weekly metrics are computed with them (import 2), all of them Unassigned.
    assert "import 2: bug metrics for 1 teams" in out
    assert ok(run_ddq("import", "bugs", jira)).startswith(
        "import 3: 0 added, 0 updated, 100 unchanged"
    )

    target = tmp_path / "bugs.csv"
    exported = run_ddq("export", "bugs", "--out", target)
    assert exported.returncode == 0 and exported.stderr.strip() == f"wrote 100 bugs to {target}"
    lines = target.read_text(encoding="utf-8").splitlines()
    assert lines[0] == (
        "key,tracker,team,type,status,priority,severity,labels,components,created,resolved,"
        "summary,description"
    )
    assert "CXF-352,jira,Unassigned,Task,Closed,Major,,,,2007-01-04 17:11:00,2014-03-22 06:25:00," \
           "Update WS-A MessageID and WS-RM Acknowledgement headers in resent messages," in lines  # fmt: skip

    undone = ok(run_ddq("undo", "1")).splitlines()
    assert undone[0] == "import 1 undone: 100 added bug(s) removed, 0 replaced bug(s) restored"
    assert undone[1].startswith("import 4: removed ") and "bug metric values" in undone[1]
    assert query(db_path, "SELECT count(*) FROM bugs") == [(0,)]
    assert query(db_path, "SELECT count(*) FROM metric_values") == [(0,)]
    assert ok(run_ddq("check")).endswith("passed\n")


@needs_realdata
def test_the_derby_file_through_a_saved_mapping(db_path, make_db, run_ddq, write_file):
    make_db()
    derby = REALDATA / "ohira_highimpact_derby.csv"
    mapping = write_file("derby.json", json.dumps({
        "key": "IssueId", "created": "created", "resolved": "resolved", "status": "status",
        "type": "type", "priority": "priority", "components": "component",
        "summary": "summary",
    }))  # fmt: skip

    refused = run_ddq("import", "bugs", derby, "--mapping", mapping)
    assert refused.returncode == 1 and refused.stdout == ""
    assert refused.stderr.splitlines() == [
        "ohira_highimpact_derby.csv: 3 problems; nothing was imported. Fix the file and try again.",
        "  line 494: has 36 fields where the header has 32; check for a missing or extra comma",
        "  line 495: has 33 fields where the header has 32; check for a missing or extra comma",
        "  line 498: has 34 fields where the header has 32; check for a missing or extra comma",
    ]

    assert (
        ok(run_ddq("mappings", "save", "derby", mapping)) == "saved mapping 'derby': 8 field(s)\n"
    )
    assert ok(run_ddq("mappings", "list")) == "derby\n"
    assert json.loads(ok(run_ddq("mappings", "show", "derby")))["components"] == "component"

    out = ok(run_ddq("import", "bugs", derby, "--format", "csv", "--mapping", "derby",
                     "--skip-bad-rows"))  # fmt: skip
    assert out.splitlines()[0] == (
        "import 1: 997 added, 0 updated, 0 unchanged; 3 row(s) skipped (lines 494, 495, 498)"
    )
    assert query(db_path, "SELECT line FROM import_skipped ORDER BY line") == [
        (494,),
        (495,),
        (498,),
    ]
    assert query(db_path, "SELECT count(*), count(DISTINCT key) FROM bugs") == [(997, 997)]


def test_bad_arguments_say_what_to_do(make_db, run_ddq, write_file):
    make_db()
    issues = write_file("issues.json", '[{"number": 1, "title": "x", "state": "open", '
                                       '"created_at": "2024-01-01T00:00:00Z"}]')  # fmt: skip
    # A JSON file is taken as GitHub issues without being told.
    assert ok(run_ddq("import", "bugs", issues)).startswith("import 1: 1 added")
    unknown = run_ddq("import", "bugs", issues, "--format", "csv", "--mapping", "nope")
    assert unknown.returncode == 1
    assert unknown.stderr.strip() == "There is no saved column mapping 'nope'; none is saved yet."


@needs_realdata
def test_undo_of_a_bug_import_leaves_nothing_computed_from_it(db_path, make_db, run_ddq,
                                                               write_file):  # fmt: skip
    """The reported journey, as commands: import, map, adopt, compute, undo, compute, check."""
    make_db("SQL Team", "Store Team")
    derby = REALDATA / "ohira_highimpact_derby.csv"
    mapping = write_file("derby.json", json.dumps({
        "key": "IssueId", "created": "created", "resolved": "resolved", "status": "status",
        "type": "type", "priority": "priority", "components": "component",
    }))  # fmt: skip
    imported = ok(run_ddq("import", "bugs", derby, "--format", "csv", "--mapping", mapping,
                          "--skip-bad-rows"))  # fmt: skip
    assert imported.startswith("import 1: 997 added")
    assert "import 2: bug metrics for 1 teams" in imported  # all Unassigned so far
    ok(run_ddq("teams", "map", "component", "SQL", "SQL Team"))
    ok(run_ddq("teams", "map", "component", "Store", "Store Team"))
    ok(run_ddq("critical", "draft", "--title", "Blocker or critical", "--rule",
               json.dumps({"field": "priority", "in": ["Blocker", "Critical"]})))  # fmt: skip
    ok(run_ddq("critical", "propose", "1"))
    ok(run_ddq("critical", "adopt", "1", "--effective", "2004-09-06"))
    assert ok(run_ddq("bugs", "compute")).startswith("up to date: bug metrics for 3 teams")
    computed = query(db_path, "SELECT count(*) FROM metric_values")[0][0]
    assert computed > 1000
    assert ok(run_ddq("check")).endswith("all 15 checks passed\n")

    undone = ok(run_ddq("undo", "1")).splitlines()
    assert undone[0] == "import 1 undone: 997 added bug(s) removed, 0 replaced bug(s) restored"
    assert undone[1].endswith(
        f"removed {computed} bug metric values (no bugs left to compute from)"
    )
    assert query(db_path, "SELECT count(*) FROM metric_values") == [(0,)]
    assert ok(run_ddq("bugs", "compute")) == "no bugs to compute metrics from\n"
    assert ok(run_ddq("check")).endswith("all 15 checks passed\n")


def test_check_fails_naming_a_computed_value_that_went_stale(db_path, make_db, run_ddq):
    make_db("Alpha")
    export = ("Issue key,Summary,Issue Type,Status,Priority,Created,Component/s\n"
              "AL-1,one,Bug,Open,Major,05/Jan/26 10:00,alpha\n")  # fmt: skip
    path = db_path.parent / "one.csv"
    path.write_text(export, encoding="utf-8")
    ok(run_ddq("import", "bugs", path))
    ok(run_ddq("teams", "map", "component", "alpha", "Alpha"))
    with db.connect(db_path) as con:  # a value changed behind ddq's back
        con.execute("UPDATE metric_values SET value = 7 WHERE week = DATE '2026-01-05'")
    failed = run_ddq("check")
    assert failed.returncode == 1
    assert (
        "FAIL bug metrics equal a fresh computation: 1 value(s) differ: Alpha, week of "
        "2026-01-05, open_bugs: stored 7, a fresh computation gives 1"
    ) in failed.stdout
    assert "Run `ddq bugs compute`" in failed.stdout
    ok(run_ddq("bugs", "compute"))
    assert ok(run_ddq("check")).endswith("all 15 checks passed\n")


def test_done_bugs_without_a_date_are_announced_loudly(make_db, run_ddq, write_file):
    """An export with statuses but no resolution or update column: the done bugs would count
    as open, so the command says so in its notes and on stderr (and still imports)."""
    make_db()
    export = write_file("other.csv", "Ref,Opened,State\nX-1,2025-01-06 10:00,Closed\n"
                                     "X-2,2025-01-07 10:00,Open\n")  # fmt: skip
    mapping = write_file("m.json", json.dumps({"key": "Ref", "created": "Opened",
                                               "status": "State"}))  # fmt: skip
    result = run_ddq("import", "bugs", export, "--mapping", mapping)
    said = ("1 bug has a done status but no resolution or update date: it counts as open; "
            "map the `updated` column (or `resolved`).")  # fmt: skip
    assert f"  {said}" in ok(result).splitlines()
    assert f"warning: {said}" in result.stderr.splitlines()


@needs_realdata
def test_teams_map_from_a_file_maps_every_component_in_one_go(db_path, make_db, run_ddq,
                                                               write_file):  # fmt: skip
    """Derby's components to teams from one file: the teams created, the metrics computed
    once for the whole file, all or nothing."""
    make_db("SQL Team")
    derby = REALDATA / "ohira_highimpact_derby.csv"
    mapping = write_file("derby.json", json.dumps({
        "key": "IssueId", "created": "created", "resolved": "resolved", "status": "status",
        "priority": "priority", "components": "component",
    }))  # fmt: skip
    ok(run_ddq("import", "bugs", derby, "--mapping", mapping, "--skip-bad-rows"))
    components = sorted({c for (cs,) in query(db_path, "SELECT components FROM bugs")
                         for c in cs})  # fmt: skip
    assert len(components) > 20
    rows = ["kind,value,team", "component,SQL,sql team"] + [
        f"component,{c},Team {i % 12}" for i, c in enumerate(components) if c != "SQL"
    ]
    owners = write_file("owners.csv", "\n".join(rows) + "\n")

    unknown = run_ddq("teams", "map", "--file", owners)
    assert unknown.returncode == 1 and unknown.stdout == ""
    first = unknown.stderr.splitlines()[1]
    assert first.startswith("  line 3, column team, value 'Team 0': unknown team")
    assert first.endswith("or let the command create missing teams (--create-teams)")
    assert query(db_path, "SELECT count(*) FROM team_mappings") == [(0,)]

    dry = ok(run_ddq("teams", "map", "--file", owners, "--create-teams", "--dry-run"))
    assert dry.startswith(f"dry run of owners.csv: would be {len(components)} new, 0 moved")
    assert "would create 12 team(s): Team 0, Team 1, Team 10, Team 11, Team 2, " in dry
    assert "and 2 more; nothing was changed" in dry
    assert query(db_path, "SELECT count(*) FROM teams WHERE name LIKE 'Team %'") == [(0,)]

    computations = query(db_path, "SELECT count(*) FROM imports WHERE kind = 'bug_metrics'")[0][0]
    out = ok(run_ddq("teams", "map", "--file", owners, "--create-teams"))
    assert out.splitlines()[0].startswith(
        f"owners.csv: {len(components)} mapping(s): {len(components)} new, 0 moved to another "
        "team, 0 unchanged; created 12 team(s)"
    )
    assert query(db_path, "SELECT count(*) FROM team_mappings") == [(len(components),)]
    assert query(db_path, "SELECT count(*) FROM imports WHERE kind = 'bug_metrics'") == [
        (computations + 1,)  # one computation for the whole file
    ]
    assert ok(run_ddq("check")).endswith("checks passed\n")
    again = ok(run_ddq("teams", "map", "--file", owners))
    assert again.startswith(f"owners.csv: {len(components)} mapping(s): 0 new, 0 moved to "
                            f"another team, {len(components)} unchanged")  # fmt: skip


def test_a_mapping_file_with_problems_names_each_and_changes_nothing(db_path, make_db, run_ddq,
                                                                     write_file):  # fmt: skip
    make_db("Alpha", "Beta")
    owners = write_file("owners.csv", "Kind;Value;Team\ncomponent;ui;Alpha\nmodule;db;Beta\n"
                                      "label;;Beta\ncomponent;UI ;Beta\nproject;CORE;Alpah\n")  # fmt: skip
    refused = run_ddq("teams", "map", "--file", owners)
    assert refused.returncode == 1
    assert refused.stderr.splitlines() == [
        "owners.csv: 4 problems; nothing was imported. Fix the file and try again.",
        "  line 3, column Kind, value 'module': the kind is component, project or label",
        "  line 4, column Value, value '': the value is empty; name the component, project key "
        "or label",
        "  line 5, column Value, value 'UI': the component is also on line 2; map each component "
        "once",
        "  line 6, column Team, value 'Alpah': unknown team (did you mean 'Alpha'?); add it to "
        "the roster first, or let the command create missing teams (--create-teams)",
    ]
    assert query(db_path, "SELECT count(*) FROM team_mappings") == [(0,)]
    both = run_ddq("teams", "map", "component", "ui", "Alpha", "--file", owners)
    assert both.returncode == 2 and "not both" in both.stderr


def test_imports_show_lists_the_skipped_rows_the_import_pointed_at(make_db, run_ddq, write_file):
    make_db()
    export = write_file("some.csv", "Issue key,Created\nAB-1,22/Mar/14 07:59\nAB-2,someday\n"
                                    "AB-3,23/Mar/14 08:00,extra\n")  # fmt: skip
    out = ok(run_ddq("import", "bugs", export, "--skip-bad-rows"))
    assert (
        "  2 row(s) skipped; the ledger keeps each with its line and reason (`ddq imports "
        "show 1`, or Skipped rows under Imports on the Upload page):"
    ) in out.splitlines()
    shown = ok(run_ddq("imports", "show", "1")).splitlines()
    assert shown[0] == "import 1: bugs, some.csv"
    assert shown[3] == "  rows read: 3; 1 added, 0 updated, 0 unchanged, 2 skipped"
    assert shown[4] == "  status: applied"
    assert shown[5:] == [
        "skipped rows:",
        "  line 3: column Created, value 'someday': not a date and time like the rest of its "
        "column, such as 11/May/24 15:26",
        "  line 4: has 3 fields where the header has 2; check for a missing or extra comma",
    ]
    assert ok(run_ddq("imports")).splitlines()[0].split()[:2] == ["id", "when"]  # still a list
    missing = run_ddq("imports", "show", "7")
    assert missing.returncode == 1
    assert missing.stderr == "There is no import 7; `ddq imports` lists them.\n"


def test_settings_get_and_set_from_the_command(db_path, make_db, run_ddq):
    make_db()
    listed = ok(run_ddq("settings", "get")).splitlines()
    assert "done_statuses = Closed, Resolved, Done, Verified" in listed
    assert "bug_types = " in listed
    assert ok(run_ddq("settings", "get", "done_statuses")) == "Closed, Resolved, Done, Verified\n"
    assert ok(run_ddq("settings", "set", "bug_types", "Bug,Defect")).splitlines() == [
        "bug_types = Bug, Defect",
        "the weekly bug metrics were recomputed with these issue types",
    ]
    assert ok(run_ddq("settings", "get", "bug_types")) == "Bug, Defect\n"
    assert ok(run_ddq("settings", "set", "bug_types", "Bug, Defect")) == (
        "bug_types = Bug, Defect (unchanged)\n"
    )
    refused = run_ddq("settings", "set", "coaching_url", "not a link")
    assert refused.returncode == 1 and "is not a web address" in refused.stderr
    unknown = run_ddq("settings", "get", "colour")
    assert unknown.returncode == 1 and unknown.stderr.startswith("Unknown setting 'colour'")
    assert query(db_path, "SELECT value FROM settings WHERE key = 'bug_types'") == [
        ("Bug, Defect",)
    ]
