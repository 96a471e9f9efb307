"""ddq.ledger: the imports ledger and undoing an import exactly."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from conftest import TODAY, query

from ddq import db, ledger
from ddq.access import ADMIN, Actor
from ddq.check import run_checks
from ddq.errors import Conflict, NotFound
from ddq.export import export_metrics
from ddq.ingest.metrics import import_metrics
from ddq.ingest.undo import undo as undo_import

HEADER = "team,week,metric,value\n"


def load(path: Path, content: str, *, name: str = "m.csv", **kwargs) -> int:
    with db.connect(path) as con:
        result = import_metrics(
            con, content.encode(), file_name=name, who=Actor("tester", ADMIN), today=TODAY, **kwargs
        )
    return result.import_id


def undo(path: Path, import_id: int, who: str = Actor("undoer", ADMIN)) -> dict[str, int]:
    with db.connect(path) as con:
        return undo_import(con, import_id, who=who).counts


def exported(path: Path) -> str:
    out = io.StringIO()
    with db.connect(path) as con:
        export_metrics(con, out)
    return out.getvalue()


def all_checks_pass(path: Path) -> bool:
    with db.connect(path) as con:
        return all(f.ok for f in run_checks(con))


def state(path: Path) -> tuple:
    return (
        exported(path),
        query(path, "SELECT * FROM imports ORDER BY id"),
        query(path, "SELECT * FROM teams ORDER BY id"),
    )


def test_undo_restores_overwritten_values_and_removes_added_ones(make_db):
    path = make_db("Alpha", "Beta")
    load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,2\n")
    before = exported(path)
    second = load(
        path,
        HEADER + "Alpha,2025-03-03,open_bugs,1\n"  # unchanged
        "Alpha,2025-03-10,open_bugs,5\n"  # updated
        "Beta,2025-03-10,test_pass_rate,80\n"  # added
        "Alpha,2025-03-17,open_bugs,7\n",
    )  # added
    assert exported(path) != before
    assert undo(path, second) == {"removed": 2, "restored": 1, "teams_removed": 0}
    assert exported(path) == before
    assert query(path, "SELECT import_id FROM metric_values ORDER BY week") == [(1,), (1,)]
    status, undone_at, undone_by = query(
        path, "SELECT status, undone_at, undone_by FROM imports WHERE id = ?", [second]
    )[0]
    assert (status, undone_by) == ("undone", "undoer") and undone_at is not None
    assert query(path, "SELECT status FROM imports WHERE id = 1") == [("applied",)]
    assert all_checks_pass(path)


def test_undo_newest_first_walks_back_through_every_state(make_db):
    path = make_db("Alpha")
    states = [exported(path)]
    ids = []
    for value in (1, 2.5, 3):
        ids.append(
            load(path, HEADER + f"Alpha,2025-03-03,median_days_to_resolve_critical,{value}\n")
        )
        states.append(exported(path))
    for import_id in reversed(ids):
        states.pop()
        undo(path, import_id)
        assert exported(path) == states[-1]
    assert exported(path) == HEADER
    assert all_checks_pass(path)


def test_undo_is_refused_while_a_later_import_that_overwrote_it_is_applied(make_db):
    path = make_db("Alpha")
    first = load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,1\n")
    load(path, HEADER + "Alpha,2025-03-10,open_bugs,1\n")  # unchanged only: does not block
    third = load(path, HEADER + "Alpha,2025-03-03,open_bugs,4\n")
    before = state(path)
    with pytest.raises(Conflict) as info:
        undo(path, first)
    assert str(info.value) == (
        f"Import {first} cannot be undone yet: later import(s) {third} changed values it set. "
        f"Undo {third} first (newest first), then import {first}."
    )
    assert state(path) == before
    undo(path, third)
    undo(path, first)
    assert query(path, "SELECT count(*) FROM metric_values") == [(0,)]


def test_an_import_whose_overwriter_was_undone_can_be_undone(make_db):
    path = make_db("Alpha")
    first = load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\n")
    second = load(path, HEADER + "Alpha,2025-03-03,open_bugs,2\n")
    undo(path, second)
    third = load(path, HEADER + "Alpha,2025-03-03,open_bugs,3\n")
    with pytest.raises(Conflict, match=f"later import\\(s\\) {third} changed"):
        undo(path, first)
    undo(path, third)
    assert undo(path, first) == {"removed": 1, "restored": 0, "teams_removed": 0}
    assert exported(path) == HEADER


def test_undo_twice_is_refused(make_db):
    path = make_db("Alpha")
    first = load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\n")
    undo(path, first, who=Actor("ann", ADMIN))
    with pytest.raises(
        Conflict, match=r"^Import 1 was already undone on \d{4}-\d\d-\d\d \d\d:\d\d UTC by ann\.$"
    ):
        undo(path, first)


def test_undo_of_an_unknown_import_is_not_found(make_db):
    path = make_db()
    with pytest.raises(NotFound, match=r"There is no import 42; `ddq imports` lists them\."):
        undo(path, 42)


def test_undo_removes_the_teams_the_import_created(make_db):
    path = make_db("Alpha")
    load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\n")
    before = state(path)
    created = load(
        path,
        HEADER + "Gamma,2025-03-03,open_bugs,1\nDelta,2025-03-03,open_bugs,2\n"
        "Alpha,2025-03-03,open_bugs,3\n",
        create_teams=True,
    )
    assert query(path, "SELECT count(*) FROM teams") == [(3,)]
    assert undo(path, created) == {"removed": 2, "restored": 1, "teams_removed": 2}
    assert query(path, "SELECT name FROM teams") == [("Alpha",)]
    exported_now, _, teams_now = state(path)
    assert (exported_now, teams_now) == (before[0], before[2])
    assert all_checks_pass(path)


def test_a_created_team_that_a_later_import_uses_is_kept(make_db):
    path = make_db()
    created = load(path, HEADER + "Gamma,2025-03-03,open_bugs,1\n", create_teams=True)
    load(path, HEADER + "Gamma,2025-03-10,open_bugs,2\n")
    assert undo(path, created) == {"removed": 1, "restored": 0, "teams_removed": 0}
    assert exported(path) == HEADER + "Gamma,2025-03-10,open_bugs,2\n"
    assert all_checks_pass(path)


def test_list_imports_is_newest_first_with_counts(make_db):
    path = make_db("Alpha")
    load(path, HEADER + "Alpha,2025-03-03,open_bugs,1\n", name="a.csv")
    load(
        path, HEADER + "Alpha,2025-03-03,open_bugs,2\nAlpha,2025-03-10,open_bugs,2\n", name="b.csv"
    )
    with db.connect(path) as con:
        entries = ledger.list_imports(con)
        newest = ledger.list_imports(con, limit=1)
    assert [
        (e["id"], e["file_name"], e["added"], e["updated"], e["unchanged"], e["status"])
        for e in entries
    ] == [(2, "b.csv", 1, 1, 0, "applied"), (1, "a.csv", 1, 0, 0, "applied")]
    assert [e["id"] for e in newest] == [2]
