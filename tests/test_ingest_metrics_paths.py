"""The metrics import's fast path (DuckDB parses, the rows cross as an Arrow C stream)
against the reference path (Python's csv module, which every file DuckDB cannot parse
takes): the same values stored, the same ledger row, the same undo, the same problems.
"""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TODAY, add_teams

from ddq import db
from ddq.access import ADMIN, Actor
from ddq.ingest import csvfile
from ddq.ingest.metrics import checks, import_metrics
from ddq.ingest.problems import ImportRejected
from ddq.ingest.undo import undo

WHO = Actor("t", ADMIN)
HEADER = "team,week,metric,value\n"


def good_rows(teams: int = 3, weeks: int = 4) -> list[str]:
    return [
        f"{team},2025-{1 + w // 4:02d}-{1 + 7 * (w % 4):02d},{metric},{(t * 7 + w) % 11}"
        for t, team in enumerate(["Alpha", "Beta", "Gamma"][:teams])
        for w in range(weeks)
        for metric in ("open_bugs", "test_pass_rate")
    ]


def with_line(rows: list[str], line: int, text: str) -> str:
    """The file with ``text`` as its physical ``line`` (the header is line 1)."""
    rows = list(rows)
    rows[line - 2] = text
    return HEADER + "\n".join(rows) + "\n"


FILES: dict[str, bytes] = {
    "good": (HEADER + "\n".join(good_rows()) + "\n").encode(),
    "good, no final line break": (HEADER + "\n".join(good_rows())).encode(),
    "good, CRLF": "\r\n".join([HEADER.strip(), *good_rows(), ""]).encode(),
    "good, BOM": codecs.BOM_UTF8 + (HEADER + "\n".join(good_rows()) + "\n").encode(),
    "good, semicolons": (
        "team;week;metric;value\n" + "\n".join(r.replace(",", ";") for r in good_rows()) + "\n"
    ).encode(),
    "quoted fields": (
        HEADER + '"Alpha","2025-03-03","open_bugs","4"\n"Beta",2025-03-03,"test_pass_rate","99.5"\n'
    ).encode(),
    "export quote": (HEADER + "'=Alpha,2025-03-03,open_bugs,1\n").encode(),
    "bad value on the first row": with_line(
        good_rows(), 2, "Alpha,2025-01-01,open_bugs,x"
    ).encode(),
    "bad values in the middle and at the end": with_line(
        with_line(good_rows(), 9, "Beta,2025-01-01,open_bugs,-1")[len(HEADER) :].splitlines(),
        25,
        "Gamma,2025-01-22,test_pass_rate,101",
    ).encode(),
    "unknown team": with_line(good_rows(), 7, "Alpah,2025-01-15,open_bugs,1").encode(),
    "unknown metric": with_line(good_rows(), 4, "Alpha,2025-01-08,open_bugz,1").encode(),
    "bad week": with_line(good_rows(), 5, "Alpha,2025-13-01,open_bugs,1").encode(),
    "duplicates": (HEADER + "\n".join(good_rows() + good_rows()[3:5]) + "\n").encode(),
    "empty cells": (HEADER + ",2025-03-03,open_bugs,1\nAlpha,,open_bugs,\n").encode(),
    "header only": HEADER.encode(),
    "latin-1": (HEADER + "Alpha,2025-03-03,open_bugs,1\nBéta,2025-03-03,open_bugs,2\n").encode(
        "latin-1"
    ),
}


def outcome(path: Path, data: bytes, *, on_disk: Path | None = None) -> dict:
    """Everything an import leaves behind and says, then the same after undoing it."""
    with db.connect(path) as con:
        try:
            result = import_metrics(
                con, on_disk or data, file_name="m.csv", who=WHO, today=TODAY, max_mb=None
            )
        except ImportRejected as rejected:
            return {
                "problems": rejected.problems,
                "count": rejected.count,
                "message": str(rejected),
                "stored": stored(con),
            }
        seen = {
            "summary": result.summary(),
            "preview": result.preview,
            "stored": stored(con),
            "ledger": con.execute(
                "SELECT kind, file_name, sha256, rows_read, added, updated, unchanged, "
                "teams_created, status FROM imports ORDER BY id"
            ).fetchall(),
        }
        assert result.import_id is not None
        undo(con, result.import_id, who=WHO)
        seen["after undo"] = stored(con)
        return seen


def stored(con) -> list[tuple]:
    return con.execute(
        "SELECT t.name, v.week, v.metric, v.value, v.import_id FROM metric_values v "
        "JOIN teams t ON t.id = v.team_id ORDER BY ALL"
    ).fetchall()


@pytest.mark.parametrize("name", FILES)
@pytest.mark.parametrize("from_disk", [False, True], ids=["upload", "file"])
def test_the_fast_path_does_what_the_reference_path_does(
    name, from_disk, make_db, tmp_path, monkeypatch
):
    data = FILES[name]
    on_disk = tmp_path / "m.csv" if from_disk else None
    if on_disk is not None:
        on_disk.write_bytes(data)
    teams = ("Alpha", "Beta", "Gamma")
    staged_by_duckdb: list[int | None] = []
    duckdb_stage = csvfile._stage_with_duckdb

    def spied(*args, **kwargs):
        staged_by_duckdb.append(duckdb_stage(*args, **kwargs))
        return staged_by_duckdb[-1]

    monkeypatch.setattr(csvfile, "_stage_with_duckdb", spied)
    fast = outcome(make_db(*teams), data, on_disk=on_disk)
    assert staged_by_duckdb and staged_by_duckdb[-1] is not None  # the fast path was taken
    reference_db = tmp_path / "reference.duckdb"
    add_teams(reference_db, teams)
    monkeypatch.setattr(csvfile, "_stage_with_duckdb", lambda *args, **kwargs: None)
    reference = outcome(reference_db, data, on_disk=on_disk)
    assert fast == reference
    if "problems" in fast:
        assert fast["stored"] == []  # a rejected file stores nothing


def test_the_command_does_not_load_pyarrow(make_db, tmp_path):
    """The Arrow hand-over goes through the PyCapsule interface: no pyarrow, no numpy."""
    path = make_db("Alpha")
    csv_path = tmp_path / "m.csv"
    csv_path.write_bytes(FILES["quoted fields"].replace(b"Beta", b"Alpha"))
    script = (
        "import sys; from ddq.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "print('loaded:', sorted({'pyarrow', 'numpy', 'pandas'} & set(sys.modules)))\n"
    )
    env = {**os.environ, "DDQ_LOCK_WAIT": "5"}
    done = subprocess.run(
        [sys.executable, "-c", script, "--db", str(path), "import", "metrics", str(csv_path)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert "2 added" in done.stdout, done.stdout + done.stderr
    assert "loaded: []" in done.stdout


@pytest.mark.parametrize("name", ["good", "duplicates", "bad week", "empty cells"])
def test_duplicates_counted_with_a_bitmap_or_without_alike(name, make_db, tmp_path, monkeypatch):
    """Cells are counted in a bitmap unless a file names too many; both count the same."""
    teams = ("Alpha", "Beta", "Gamma")
    with_bitmap = outcome(make_db(*teams), FILES[name])
    reference_db = tmp_path / "reference.duckdb"
    add_teams(reference_db, teams)
    monkeypatch.setattr(checks, "_BITMAP_CELLS", 0)
    assert outcome(reference_db, FILES[name]) == with_bitmap
