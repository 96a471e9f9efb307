"""The Upload page: preview, apply, rejected files, the ledger and undo, through AppTest."""

from __future__ import annotations

from ddq import db
from ddq.export import export_metrics
from ddq.ui.format import plain
from tests.pages.layout import right_after

GOOD = (
    b"team,week,metric,value\n"
    b"Payments,2025-03-04,open_bugs,3\n"
    b"Payments,2025-03-04,test_pass_rate,97.5\n"
)
BAD = b"team,week,metric,value\nPayments,2025-03-04,open_bugs,3.5\nPaymnts,2025-03-04,open_bugs,1\n"


def _add_team(path, name="Payments"):
    with db.connect(path) as con:
        con.execute("INSERT INTO teams (name, name_key) VALUES (?, lower(?))", [name, name])


def _export(path) -> str:
    import io

    buffer = io.StringIO()
    with db.connect(path) as con:
        export_metrics(con, buffer)
    return buffer.getvalue()


def _button(at, label):
    return next(b for b in at.button if b.label == label)


def test_a_good_file_is_previewed_then_applied(app_db, page):
    _add_team(app_db)
    at = page("app_pages/upload.py").run()
    assert not at.exception
    at.file_uploader[0].set_value(("week10.csv", GOOD, "text/csv")).run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    assert shown["Values"] == "2" and shown["New"] == "2" and shown["Changed"] == "0"
    assert _export(app_db).count("\n") == 1  # the preview changed nothing
    _button(at, "Apply import").click().run()
    assert not at.exception
    assert any(plain("Applied: import 1: 2 added") in s.value for s in at.success)
    assert "Payments,2025-03-03,open_bugs,3\n" in _export(app_db)
    ledger = at.dataframe[-1].value
    assert list(ledger["file_name"]) == ["week10.csv"]


def test_a_bad_file_lists_its_problems_by_line_and_changes_nothing(app_db, page):
    _add_team(app_db)
    before = _export(app_db)
    at = page("app_pages/upload.py").run()
    at.file_uploader[0].set_value(("bad.csv", BAD, "text/csv")).run()
    assert not at.exception
    assert "2 problem(s)" in at.error[0].value
    problems = at.code[0].value.splitlines()
    assert problems[0] == "line 2, column value, value '3.5': a count is a whole number"
    assert problems[1].startswith(
        "line 3, column team, value 'Paymnts': unknown team (did you mean 'Payments'?)"
    )
    assert len(problems) == 2
    assert not [b for b in at.button if b.label == "Apply import"]
    assert _export(app_db) == before


def test_a_rejected_file_stays_listed_on_the_next_run(app_db, page):
    """The preview is cached, and a cached rejection is read back on every later run."""
    _add_team(app_db)
    at = page("app_pages/upload.py").run()
    at.file_uploader[0].set_value(("bad.csv", BAD, "text/csv")).run()
    at.run()
    assert not at.exception
    assert "2 problem(s)" in at.error[0].value
    assert at.code[0].value.startswith("line 2, column value, value '3.5'")


def test_an_import_can_be_undone_from_the_page(app_db, page):
    _add_team(app_db)
    at = page("app_pages/upload.py").run()
    at.file_uploader[0].set_value(("week10.csv", GOOD, "text/csv")).run()
    _button(at, "Apply import").click().run()
    assert "open_bugs" in _export(app_db)
    confirm = next(c for c in at.checkbox if c.label.startswith("Restore exactly"))
    confirm.check()
    next(b for b in at.button if b.label == "Undo import").click().run()
    assert not at.exception
    assert any("Import 1 undone" in s.value for s in at.success)
    assert _export(app_db) == "team,week,metric,value\n"


def test_creating_teams_is_a_choice(app_db, page):
    at = page("app_pages/upload.py").run()
    at.file_uploader[0].set_value(("new.csv", GOOD, "text/csv")).run()
    assert at.error and "unknown team" in at.code[0].value
    # The page names its own checkbox, not the command's flag.
    first = at.code[0].value.splitlines()[0]
    assert first.endswith("or let the import create missing teams (tick “Create teams the file "
                          "names that do not exist yet” above)")  # fmt: skip
    assert "--create-teams" not in at.code[0].value
    next(c for c in at.checkbox if c.label.startswith("Create teams")).check().run()
    assert not at.error
    assert any(plain("will be created: Payments") in c.value for c in at.caption)


REALDATA = __import__("pathlib").Path(__file__).resolve().parents[3] / "shared" / "realdata"


def test_a_jira_export_is_imported_and_its_metrics_computed(app_db, page):
    import pytest

    source = REALDATA / "asf_jira_export.csv"
    if not source.exists():
        pytest.skip(f"{source} is not here")
    at = page("app_pages/upload.py").run()
    bug_uploader = next(u for u in at.file_uploader if u.label == "Bug export file")
    bug_uploader.set_value(("asf.csv", source.read_bytes(), "text/csv")).run()
    assert not at.exception and not at.error
    counts = {m.label: m.value for m in at.metric}
    assert counts["New"] == "100"
    assert any("estimated" in c.value for c in at.caption)
    next(b for b in at.button if b.label == "Apply import" and b.key == "bugs_apply").click().run()
    assert any(plain("Applied: import 1") in s.value
               and plain("Weekly bug metrics: import 2: bug metrics for 1 teams") in s.value
               for s in at.success)  # fmt: skip
    with db.connect(app_db) as con:
        assert con.execute("SELECT count(*) FROM bugs").fetchone() == (100,)
        # Computed in the same transaction by the import itself, as `ddq import bugs` does.
        assert con.execute("SELECT count(*) FROM metric_values").fetchone()[0] > 0


def test_a_mapped_csv_needs_its_key_and_created_columns(app_db, page):
    at = page("app_pages/upload.py").run()
    next(r for r in at.radio if r.label == "Format").set_value("csv").run()
    data = b"Ref,When,Level\nX-1,2025-01-06 10:00,P1\n"  # headers nothing can guess
    next(u for u in at.file_uploader if u.label == "Bug export file").set_value(
        ("other.csv", data, "text/csv")).run()  # fmt: skip
    assert any("Choose the column for key" in w.value for w in at.warning)
    next(s for s in at.selectbox if s.label == "key").select("Ref")
    next(s for s in at.selectbox if s.label == "created").select("When").run()
    assert not at.warning and not at.error
    assert {m.label: m.value for m in at.metric}["New"] == "1"


def test_the_configured_upload_limit_is_the_one_checked(app_db, page, monkeypatch):
    import streamlit as st
    from streamlit import config

    from ddq.ingest import metrics

    limits = []
    real = metrics.import_metrics

    def spy(*args, **kwargs):
        limits.append(kwargs["max_mb"])
        return real(*args, **kwargs)

    monkeypatch.setattr(metrics, "import_metrics", spy)
    _add_team(app_db)
    before = _export(app_db)
    limit = st.get_option("server.maxUploadSize")
    try:
        config.set_option("server.maxUploadSize", 1)
        at = page("app_pages/upload.py").run()
        big = GOOD + b"\n" * (1024 * 1024)  # just over 1 MB, and valid under any limit
        at.file_uploader[0].set_value(("big.csv", big, "text/csv")).run()
        assert not at.exception
        assert "1 problem(s)" in at.error[0].value
        assert at.code[0].value.startswith("file: the file is 1.0 MB, over the 1 MB upload limit")
        assert not [b for b in at.button if b.label == "Apply import"]
        config.set_option("server.maxUploadSize", 2)
        at.run()
        assert not at.error and _button(at, "Apply import")
        assert limits == [2.0]  # the importer's own check has the same limit
    finally:
        config.set_option("server.maxUploadSize", limit)
    assert _export(app_db) == before


def test_a_compressed_file_is_refused_before_the_mapping_editor(app_db, page):
    # Streamlit refuses a .gz name itself; a compressed file named .csv reaches ddq.
    import gzip

    at = page("app_pages/upload.py").run()
    next(r for r in at.radio if r.label == "Format").set_value("csv").run()
    next(u for u in at.file_uploader if u.label == "Bug export file").set_value(
        ("bugs.csv", gzip.compress(b"Ref,When\nX-1,2025-01-06\n"), "text/csv")).run()  # fmt: skip
    assert not at.exception
    assert "Nothing was imported" in at.error[0].value
    assert "looks like a gzip-compressed file" in at.code[0].value
    assert not [s for s in at.selectbox if s.label == "key"]  # no mapping editor for it
    with db.connect(app_db) as con:
        assert con.execute("SELECT count(*) FROM imports").fetchone() == (0,)


def test_undoing_a_bug_import_on_the_page_recomputes_and_offers_no_computation(app_db, page):
    export = ("Issue key,Summary,Issue Type,Status,Priority,Created,Component/s\n"
              "AL-1,one,Bug,Open,Major,05/Jan/26 10:00,alpha\n")  # fmt: skip
    at = page("app_pages/upload.py").run()
    bug_uploader = next(u for u in at.file_uploader if u.label == "Bug export file")
    bug_uploader.set_value(("one.csv", export.encode(), "text/csv")).run()
    next(b for b in at.button if b.label == "Apply import" and b.key == "bugs_apply").click().run()
    assert not at.exception
    undo = next(s for s in at.selectbox if s.label == "Undo an import")
    assert undo.options == ["import 1"]  # import 2 holds the metrics computed from it
    next(c for c in at.checkbox if c.label.startswith("Restore exactly")).check()
    next(b for b in at.button if b.label == "Undo import").click().run()
    assert not at.exception
    said = " ".join(s.value for s in at.success)
    assert plain("Import 1 undone: 1 added bug(s) removed") in said
    assert plain("bug metric values (no bugs left to compute from)") in said
    with db.connect(app_db) as con:
        assert con.execute("SELECT count(*) FROM metric_values").fetchone() == (0,)


def _bug_file(at, name, data):
    uploader = next(u for u in at.file_uploader if u.label == "Bug export file")
    uploader.set_value((name, data, "text/csv")).run()


def _mapped(at) -> dict[str, str]:
    from ddq.ingest.bugs import FIELDS

    return {s.label: s.value for s in at.selectbox if s.label in FIELDS and s.value}


def test_the_mapping_boxes_follow_the_file_on_screen(app_db, page):
    """A second file gets its own guessed mapping, and the preview uses what the boxes show."""
    import pytest

    derby = REALDATA / "ohira_highimpact_derby.csv"
    if not derby.exists():
        pytest.skip(f"{derby} is not here")
    at = page("app_pages/upload.py").run()
    next(r for r in at.radio if r.label == "Format").set_value("csv")
    next(c for c in at.checkbox if c.label.startswith("Import the good rows")).check().run()
    first = b"key,created,type,description\nX-1,2025-01-06 10:00,Bug,one\n"
    _bug_file(at, "first.csv", first)
    assert _mapped(at) == {"key": "key", "created": "created", "type": "type",
                           "description": "description"}  # fmt: skip
    _bug_file(at, "derby.csv", derby.read_bytes())
    assert not at.exception
    boxes = _mapped(at)
    assert boxes["key"] == "IssueId" and boxes["status"] == "status"
    assert boxes["priority"] == "priority" and boxes["resolved"] == "resolved"
    columns = next(c.value for c in at.caption if c.value.startswith(plain("Columns:")))
    for field_name, header in boxes.items():  # the preview uses exactly what the boxes show
        assert plain(f"{field_name} ← {header}") in columns
    assert columns.count("←") == len(boxes)
    # A box changed by hand is what the preview uses.
    next(s for s in at.selectbox if s.label == "priority").select("").run()
    columns = next(c.value for c in at.caption if c.value.startswith(plain("Columns:")))
    assert "priority" not in columns and "priority" not in _mapped(at)


def test_the_mapping_warns_when_done_bugs_would_have_no_date(app_db, page):
    at = page("app_pages/upload.py").run()
    next(r for r in at.radio if r.label == "Format").set_value("csv").run()
    data = b"Ref,Opened,State,Touched\nX-1,2025-01-06 10:00,Closed,\nX-2,2025-01-07 10:00,Open,\n"
    _bug_file(at, "other.csv", data)
    next(s for s in at.selectbox if s.label == "key").select("Ref")
    next(s for s in at.selectbox if s.label == "created").select("Opened").run()
    assert _mapped(at) == {"key": "Ref", "created": "Opened", "status": "State"}
    warned = " ".join(w.value for w in at.warning)
    assert "Status is mapped but neither resolved nor updated is" in warned
    notes = " ".join(c.value for c in at.caption)
    assert plain("1 bug has a done status but no resolution or update date: it counts as open; "
                 "map the `updated` column (or `resolved`).") in notes  # fmt: skip
    next(s for s in at.selectbox if s.label == "updated").select("Touched").run()
    assert not at.warning


def test_the_ledger_shows_the_rows_an_import_skipped(app_db, page):
    at = page("app_pages/upload.py").run()
    next(c for c in at.checkbox if c.label.startswith("Import the good rows")).check().run()
    export = b"Issue key,Created\nAB-1,22/Mar/14 07:59\nAB-2,someday\n"
    _bug_file(at, "some.csv", export)
    notes = " ".join(c.value for c in at.caption)
    assert (
        plain("(`ddq imports show ID`, or Skipped rows under Imports on the Upload page)") in notes
    )
    next(b for b in at.button if b.label == "Apply import" and b.key == "bugs_apply").click().run()
    assert not at.exception
    assert next(s for s in at.selectbox if s.label == "Import").value == 1
    skipped = next(d.value for d in at.dataframe if list(d.value.columns) == ["line", "reason"])
    assert skipped.to_dict("records") == [{"line": 3, "reason": "column Created, value 'someday': "
                                           "not a date and time like the rest of its column, "
                                           "such as 11/May/24 15:26"}]  # fmt: skip


def test_each_apply_and_undo_is_confirmed_under_its_own_button(app_db, page):
    _add_team(app_db)
    export = ("Issue key,Summary,Issue Type,Status,Priority,Created,Component/s\n"
              "AL-1,one,Bug,Open,Major,05/Jan/26 10:00,alpha\n")  # fmt: skip
    at = page("app_pages/upload.py").run()
    at.file_uploader[0].set_value(("week10.csv", GOOD, "text/csv")).run()
    _button(at, "Apply import").click().run()
    said = right_after(at.main, "Metrics CSV file")
    assert said.type == "success" and plain("Applied: import 1") in said.value
    bug_uploader = next(u for u in at.file_uploader if u.label == "Bug export file")
    bug_uploader.set_value(("one.csv", export.encode(), "text/csv")).run()
    next(b for b in at.button if b.label == "Apply import" and b.key == "bugs_apply").click().run()
    assert not at.exception
    # Under the bug uploader, where its Apply button was; not under the metrics uploader.
    said = right_after(at.main, "Bug export file")
    assert said.type == "success" and plain("Applied: import 2") in said.value
    assert right_after(at.main, "Metrics CSV file").type != "success"
    next(s for s in at.selectbox if s.label == "Undo an import").select(2)
    next(c for c in at.checkbox if c.label.startswith("Restore exactly")).check()
    next(b for b in at.button if b.label == "Undo import").click().run()
    said = right_after(at.main, "Undo import")
    assert said.type == "success" and plain("Import 2 undone") in said.value
    assert len(at.success) == 1
