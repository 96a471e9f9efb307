"""ddq.db: where the database is, migrations, locks held by other processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ddq import db
from ddq.errors import DatabaseBusy, DatabaseUnreadable
from ddq.schema import MIGRATIONS, applied_versions, latest_version


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
