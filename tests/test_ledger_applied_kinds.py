"""ledger.applied_kinds: what the sample-organisation banner asks, without reading the ledger."""

from __future__ import annotations

from ddq import db, ledger


def _import(con, kind: str) -> int:
    return ledger.start(con, kind=kind, file_name=f"{kind}.csv", sha256=None, who="coach")


def test_the_kinds_of_applied_imports_only(db_path):
    with db.connect(db_path) as con:
        assert ledger.applied_kinds(con) == set()
        sample = _import(con, ledger.DEMO)
        assert ledger.applied_kinds(con) == {ledger.DEMO}
        _import(con, "metrics")
        assert ledger.applied_kinds(con) == {ledger.DEMO, "metrics"}
        con.execute("UPDATE imports SET status = 'undone' WHERE id <> ?", [sample])
        assert ledger.applied_kinds(con) == {ledger.DEMO}
        con.execute("UPDATE imports SET status = 'undone'")
        assert ledger.applied_kinds(con) == set()
