"""ddq.db: where the database is, migrations, locks held by other processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ddq import db
from ddq.errors import DatabaseBusy, DatabaseUnreadable, StaleEdit, WriteConflict
from ddq.schema import (
    KEPT_CATALOG,
    MIGRATIONS,
    applied_versions,
    catalog_digest,
    latest_version,
    migrate,
    up_to_date,
)


def test_path_prefers_explicit_then_env_then_default(monkeypatch, tmp_path):
    monkeypatch.setenv("DDQ_DB", str(tmp_path / "env.duckdb"))
    assert db.resolve_path(tmp_path / "x.duckdb") == tmp_path / "x.duckdb"
    assert db.resolve_path() == tmp_path / "env.duckdb"
    monkeypatch.delenv("DDQ_DB")
    assert db.resolve_path() == Path("data/ddq.duckdb")


def test_first_connect_creates_and_migrates(tmp_path):
    path = tmp_path / "sub" / "new.duckdb"
    with db.connect(path) as con:
        assert applied_versions(con) == [v for v, _, _ in MIGRATIONS]
        keys = [
            k for (k,) in con.execute("SELECT key FROM metric_defs ORDER BY position").fetchall()
        ]
    assert path.exists()
    assert keys[0] == "open_bugs" and "test_pass_rate" in keys and len(keys) == 8


def test_migrations_are_recorded_once(tmp_path):
    path = tmp_path / "m.duckdb"
    with db.connect(path):
        pass
    db.forget_migrated(path)
    with db.connect(path) as con:
        rows = con.execute("SELECT version, name FROM schema_migrations").fetchall()
    assert rows == [(v, name) for v, name, _ in MIGRATIONS]


def test_a_newer_schema_is_refused(tmp_path):
    path = tmp_path / "new.duckdb"
    with db.connect(path) as con:
        con.execute(
            "INSERT INTO schema_migrations (version, name) VALUES (?, 'future')",
            [latest_version() + 1],
        )
    db.forget_migrated(path)
    with pytest.raises(DatabaseUnreadable, match="newer than this ddq"), db.connect(path):
        pass


def test_a_file_that_is_not_duckdb_gives_a_clear_error(tmp_path):
    path = tmp_path / "junk.duckdb"
    path.write_bytes(b"this is not a database" * 200)
    with pytest.raises(DatabaseUnreadable) as error, db.connect(path):
        pass
    assert str(path) in str(error.value) and "ddq init" in str(error.value)


HOLD = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
""")


def _hold(path: Path, seconds: float) -> subprocess.Popen:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "holding"
    return holder


def test_a_held_lock_fails_within_the_bound_and_names_the_holder(tmp_path):
    path = tmp_path / "held.duckdb"
    with db.connect(path):
        pass
    holder = _hold(path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(DatabaseBusy) as error, db.connect(path, wait_s=0.5):
            pass
        waited = time.monotonic() - started
    finally:
        holder.kill()
        holder.wait()
    message = str(error.value)
    assert f"process {holder.pid}" in message and "waited 0.5 s" in message
    assert waited < 10


def test_a_lock_released_while_waiting_is_taken(tmp_path):
    path = tmp_path / "brief.duckdb"
    with db.connect(path):
        pass
    holder = _hold(path, 0.5)
    try:
        with db.connect(path, wait_s=20) as con:
            assert con.execute("SELECT count(*) FROM teams").fetchone() == (0,)
    finally:
        holder.wait()


def test_quote_ident_escapes_quotes():
    assert db.quote_ident('we"ird') == '"we""ird"'


def test_transaction_rolls_back_on_error(tmp_path):
    with db.connect(tmp_path / "t.duckdb") as con:
        with pytest.raises(RuntimeError), db.transaction(con):
            con.execute("INSERT INTO teams (name, name_key) VALUES ('A', 'a')")
            raise RuntimeError("boom")
        assert con.execute("SELECT count(*) FROM teams").fetchone() == (0,)


# Two connections to one file, as two sessions of the app: their transactions interleave
# here by hand, so each way the database refuses a write is met on purpose.


@pytest.fixture
def two(tmp_path):
    path = tmp_path / "two.duckdb"
    with db.connect(path) as first, db.connect(path) as second:
        first.execute("INSERT INTO settings (key, value, updated_at, updated_by) "
                      "VALUES ('program_name', 'Old', now(), 'x')")  # fmt: skip
        yield first, second


def _program_name(con):
    return db.scalar(con, "SELECT value FROM settings WHERE key = 'program_name'")


def test_a_write_conflict_at_a_statement_is_a_stale_edit_and_nothing_of_it_lands(two):
    first, second = two
    with db.transaction(first):
        first.execute("UPDATE settings SET value = 'First' WHERE key = 'program_name'")
        with pytest.raises(WriteConflict) as refused, db.transaction(second):
            second.execute("INSERT INTO audit_log (happened_at, who, action, subject) "
                           "VALUES (now(), 'x', 'test', 'second')")  # fmt: skip
            second.execute("UPDATE settings SET value = 'Second' WHERE key = 'program_name'")
    assert isinstance(refused.value, StaleEdit)
    assert str(refused.value).startswith("Nothing was saved: ")
    assert "changed since you opened it" in str(refused.value)
    assert _program_name(second) == "First"
    assert db.scalar(second, "SELECT count(*) FROM audit_log WHERE subject = 'second'") == 0
    with db.transaction(second):  # the connection is usable again: no transaction left open
        second.execute("UPDATE settings SET value = 'Second' WHERE key = 'program_name'")
    assert _program_name(first) == "Second"


def test_a_conflict_found_only_at_commit_is_a_stale_edit_too(two):
    first, second = two
    with pytest.raises(WriteConflict), db.transaction(second):
        second.execute("INSERT INTO user_roles VALUES ('cy@example.com', 'editor', 'b', now())")
        # Both insert the same key; the database notices when the second one commits.
        with db.transaction(first):
            first.execute("INSERT INTO user_roles VALUES ('cy@example.com', 'admin', 'a', now())")
    assert db.rows(second, "SELECT role FROM user_roles") == [{"role": "admin"}]
    assert not db.in_transaction(second)
    with db.transaction(second):  # and nothing is left open on the connection
        second.execute("DELETE FROM user_roles")
    assert db.rows(first, "SELECT role FROM user_roles") == []


def test_two_claims_of_one_record_cannot_both_commit(two):
    first, second = two
    # Never claimed before: both insert it, and whichever commits second is refused.
    with pytest.raises(WriteConflict), db.transaction(first):
        db.claim(first, "setting", "program_name")
        with db.transaction(second):
            db.claim(second, "setting", "program_name")
    # Claimed before: the second claim is refused at once.
    with db.transaction(first):
        db.claim(first, "setting", "program_name")
        with pytest.raises(WriteConflict), db.transaction(second):
            db.claim(second, "setting", "program_name")
    with db.transaction(second):  # free again once the claim's transaction is over
        db.claim(second, "setting", "program_name")
        db.claim_each(second, "setting", [("community_channel",), ("coaching_url",)])


def test_a_change_that_met_a_conflict_runs_again(two, monkeypatch):
    first, second = two
    runs = []

    @db.retry_on_conflict
    def rename(con, name):
        runs.append(name)
        with db.transaction(con):
            seen = _program_name(con)
            if len(runs) == 1:  # someone else saves between this read and this write
                with db.transaction(first):
                    first.execute("UPDATE settings SET value = 'Theirs' "
                                  "WHERE key = 'program_name'")  # fmt: skip
            con.execute("UPDATE settings SET value = ? WHERE key = 'program_name'", [name])
            return seen

    assert rename(second, "Mine") == "Theirs"  # the second run read what the first could not
    assert runs == ["Mine", "Mine"] and _program_name(first) == "Mine"

    # One step of a larger change is not run again on its own: the larger change is.
    runs.clear()
    with pytest.raises(WriteConflict), db.transaction(second):
        rename(second, "Nested")
    assert runs == ["Nested"]

    # It gives up after a while, saying nothing was saved.
    monkeypatch.setattr(db, "CONFLICT_RETRY_S", 0.0)

    @db.retry_on_conflict
    def always_late(con):
        runs.append("late")
        raise WriteConflict("Nothing was saved: ...")

    runs.clear()
    with pytest.raises(WriteConflict):
        always_late(second)
    assert runs == ["late"]


def test_other_errors_are_not_run_again(two):
    runs = []

    @db.retry_on_conflict
    def broken(con):
        runs.append(1)
        con.execute("SELECT * FROM no_such_table")

    import duckdb

    with pytest.raises(duckdb.CatalogException):
        broken(two[0])
    assert runs == [1]


def test_the_kept_catalog_digest_is_what_the_migrations_create():
    """Bring KEPT_CATALOG in step with a new migration: the value it should have is below."""
    import duckdb

    scratch = duckdb.connect(":memory:")
    try:
        migrate(scratch)
        digest = catalog_digest(scratch)
    finally:
        scratch.close()
    assert digest == KEPT_CATALOG, f"set ddq.schema.KEPT_CATALOG = {digest!r}"


def test_an_up_to_date_file_takes_the_one_query_path(tmp_path, monkeypatch):
    path = tmp_path / "fast.duckdb"
    with db.connect(path) as con:
        assert up_to_date(con)
    db.forget_migrated(path)

    def no_migrations(con):
        raise AssertionError("the migrations ran on an up-to-date file")

    monkeypatch.setattr(db, "migrate", no_migrations)
    with db.connect(path) as con:
        assert con.execute("SELECT count(*) FROM metric_defs").fetchone() == (8,)


def test_a_file_missing_a_migration_is_brought_up_to_date(tmp_path, monkeypatch):
    import duckdb

    from ddq import schema

    path = tmp_path / "old.duckdb"
    raw = duckdb.connect(str(path))
    with monkeypatch.context() as patched:
        patched.setattr(schema, "MIGRATIONS", MIGRATIONS[:-1])
        migrate(raw)
    assert not up_to_date(raw)
    raw.close()
    with db.connect(path) as con:
        assert applied_versions(con) == [v for v, _, _ in MIGRATIONS]
        assert up_to_date(con)
