"""Every CSV that ddq writes is formula-safe, and what it writes imports back unchanged.

A cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading
``'`` (plain numbers such as ``-10`` excepted), through each writer: ``ddq export metrics``,
``ddq export roster``, ``ddq export bugs`` (the real command) and the data behind a chart.
The page downloads are checked in tests/pages/test_hostile_pages.py.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from conftest import query

from ddq import db
from ddq.export import csv_line, formula_safe, rows_to_csv
from ddq.ingest.bugs import import_bugs
from ddq.ingest.csvfile import strip_export_quote
from ddq.ingest.metrics import import_metrics
from ddq.ingest.roster import import_roster
from ddq.metrics import today_utc
from ddq.trends import Scope, build_trend, latest_complete_week
from tests.hostile_data import WHO

HYPERLINK = '=HYPERLINK("http://x","y")'
# What each hostile cell is written as.
WRITTEN = {
    HYPERLINK: "'" + HYPERLINK,
    "+cmd": "'+cmd",
    "@SUM(A1)": "'@SUM(A1)",
    "-10": "-10",  # a plain number stays a number
    "-cmd": "'-cmd",
    "\tcmd": "'\tcmd",
    "\rcmd": "'\rcmd",
    "=1+1": "'=1+1",
    "'=x": "''=x",  # a quote of its own before a formula character gets one more
    "-1.5e3": "-1.5e3",
    "+10": "+10",
    "plain": "plain",
}
# What a file can bring in: an import removes the one quote that an export put before a
# formula character, so a file's own leading quote is not among them.
FROM_FILES = [v for v in WRITTEN if not v.startswith("'")]
# Names are stored with runs of whitespace folded, so no name starts with a tab or a CR.
NAMES = [v for v in FROM_FILES if not v[0].isspace()]
# Text that ddq keeps as typed (a bug's description) can start with anything.
TEXTS = [*FROM_FILES, "a\r=1+1", "two\nlines", 'say "hi", then go']


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def quoted_csv(rows: list[list[str]]) -> bytes:
    """A CSV file as a careful exporter writes it: every cell quoted (CRs included)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.mark.parametrize(("value", "written"), WRITTEN.items())
def test_formula_safe_neutralises_and_the_importer_restores(value, written):
    assert formula_safe(value) == written
    assert strip_export_quote(written) == value


def test_a_carriage_return_inside_a_cell_is_quoted():
    # Unquoted, a spreadsheet would start a new row at the CR and read "=1+1" as a formula.
    assert csv_line(["a\r=1+1", "b"]) == '"a\r=1+1",b\n'
    assert csv_line(["x,y", 'q"q', "n\nl", ""]) == '"x,y","q""q","n\nl",\n'
    parsed = next(csv.reader(io.StringIO(csv_line(["a\r=1+1", "-10"]), newline="")))
    assert parsed == ["a\r=1+1", "-10"]


def test_the_data_behind_a_chart_is_formula_safe():
    rows = [{"team": v, "week": dt.date(2026, 3, 2), "value": -10} for v in TEXTS]
    rows.append({"team": "Plain", "week": dt.date(2026, 3, 9), "value": -2.5})
    text = rows_to_csv(rows)
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed[0] == ["team", "week", "value"]
    assert [r[0] for r in parsed[1:-1]] == [formula_safe(v) for v in TEXTS]
    assert {r[2] for r in parsed[1:-1]} == {"-10"} and parsed[-1][2] == "-2.5"
    assert [strip_export_quote(r[0]) for r in parsed[1:-1]] == TEXTS


def test_a_trend_table_of_formula_team_names_is_formula_safe(make_db):
    path = make_db()
    last = latest_complete_week(today_utc())
    rows = [["team", "week", "metric", "value"]]
    rows += [[n, (last - dt.timedelta(weeks=w)).isoformat(), "open_bugs", str(3 + w)]
             for n in NAMES for w in range(3)]  # fmt: skip
    with db.connect(path) as con:
        import_metrics(con, quoted_csv(rows), file_name="f.csv", who=WHO, create_teams=True)
        view = build_trend(con, _metric(con, "open_bugs"), Scope(teams=tuple(NAMES[:10])), 13)
    parsed = list(csv.DictReader(io.StringIO(rows_to_csv(view.table()), newline="")))
    assert {r["team"] for r in parsed} == {WRITTEN[n] for n in NAMES[:10]}


def _metric(con, key):
    from ddq.metrics import catalog

    return next(m for m in catalog(con) if m.key == key)


# --- the real command: export, then import the export into a new database ------------------


def _fill(path: Path, last: dt.date) -> None:
    """Teams, areas and champions named with formulas; bugs whose texts are formulas."""
    roster = [["area", "team", "champion", "email", "since"]]
    for i, name in enumerate(NAMES):
        area = NAMES[(i + 1) % len(NAMES)]
        roster.append([area, name, name, f"p{i}@example.com", "2025-01-06"])
    roster.append(["Core", "CR inside", "Ann\r=1+1", "ann@example.com", "2025-01-06"])
    metrics = [["team", "week", "metric", "value"]]
    metrics += [[n, last.isoformat(), "open_bugs", str(i)] for i, n in enumerate(NAMES)]
    bugs = [["Key", "Created", "Summary", "Description", "Labels", "Priority"]]
    for i, text in enumerate(TEXTS, 1):
        bugs.append([f"HX-{i}", f"2024-01-{i:02d} 10:00", text, text, text.replace(",", " "),
                     text])  # fmt: skip
    with db.connect(path) as con:
        import_roster(con, quoted_csv(roster), file_name="roster.csv", who=WHO)
        import_metrics(con, quoted_csv(metrics), file_name="metrics.csv", who=WHO)
        import_bugs(con, quoted_csv(bugs), file_name="bugs.csv", who=WHO, format="csv",
                    mapping=BUG_MAPPING)  # fmt: skip


BUG_MAPPING = {"key": "Key", "created": "Created", "summary": "Summary",
               "description": "Description", "labels": "Labels", "priority": "Priority"}  # fmt: skip
EXPORTED_MAPPING = {f: f for f in ("key", "created", "resolved", "status", "type", "priority",
                                   "severity", "labels", "components", "team", "summary",
                                   "description")}  # fmt: skip


def _export_all(run_ddq, folder: Path, db_file: Path) -> dict[str, Path]:
    folder.mkdir(exist_ok=True)
    written = {}
    for kind in ("metrics", "roster", "bugs"):
        target = folder / f"{kind}.csv"
        result = run_ddq("export", kind, "--out", target, db=db_file)
        assert result.returncode == 0, result.stderr
        written[kind] = target
    return written


def test_every_cli_export_is_formula_safe_and_imports_back_unchanged(
    make_db, run_ddq, tmp_path, write_file
):
    path = make_db()
    last = latest_complete_week(today_utc())
    _fill(path, last)
    files = _export_all(run_ddq, tmp_path / "first", path)

    metrics = read_csv(files["metrics"])
    assert {r["team"] for r in metrics} == {WRITTEN[n] for n in NAMES}
    roster = {strip_export_quote(r["team"]): r for r in read_csv(files["roster"])}
    for name in NAMES:
        assert roster[name]["team"] == roster[name]["champion"] == WRITTEN[name]
        assert roster[name]["area"] == WRITTEN[NAMES[(NAMES.index(name) + 1) % len(NAMES)]]
    assert roster["CR inside"]["champion"] == "Ann\r=1+1"  # one cell, quoted, not two rows
    bugs = {r["key"]: r for r in read_csv(files["bugs"])}
    for i, text in enumerate(TEXTS, 1):
        assert bugs[f"HX-{i}"]["description"] == formula_safe(text), text
    # The judged four, as a spreadsheet would see them.
    judged = {HYPERLINK: "'" + HYPERLINK, "+cmd": "'+cmd", "@SUM(A1)": "'@SUM(A1)", "-10": "-10"}
    for text, seen in judged.items():
        key = f"HX-{TEXTS.index(text) + 1}"
        assert bugs[key]["summary"] == bugs[key]["description"] == bugs[key]["priority"] == seen
        assert any(r["team"] == seen for r in metrics)
        assert roster[text]["team"] == roster[text]["champion"] == seen
    for written in files.values():  # no cell of any file starts like a formula
        with written.open(encoding="utf-8", newline="") as f:
            for row in csv.reader(f):
                for cell in row:
                    assert formula_safe(strip_export_quote(cell)) == cell, (written.name, cell)

    fresh = tmp_path / "fresh.duckdb"
    mapping = write_file("mapping.json", json.dumps(EXPORTED_MAPPING))
    for args in (("roster", files["roster"]), ("metrics", files["metrics"]),
                 ("bugs", files["bugs"], "--format", "csv", "--mapping", mapping)):  # fmt: skip
        result = run_ddq("import", *args, db=fresh)
        assert result.returncode == 0, result.stderr
    again = _export_all(run_ddq, tmp_path / "second", fresh)
    for kind, first in files.items():
        assert again[kind].read_bytes() == first.read_bytes(), kind
    stored = dict(query(fresh, "SELECT key, description FROM bugs"))
    assert stored == {f"HX-{i}": text for i, text in enumerate(TEXTS, 1)}
    names = {n for (n,) in query(fresh, "SELECT name FROM teams WHERE kind = 'team'")}
    assert names == {*NAMES, "CR inside"}
    assert query(fresh, "SELECT person FROM champions WHERE person LIKE 'Ann%'") == [("Ann\r=1+1",)]
