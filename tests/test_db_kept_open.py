"""ddq.db.kept_open: one connection for a page run, closed at its end, seeing others' writes."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import duckdb
import pytest

from ddq import db


def _count(con: duckdb.DuckDBPyConnection) -> int:
    return int(db.scalar(con, "SELECT count(*) FROM teams"))


def test_reads_in_the_block_share_one_connection_closed_at_its_end(db_path):
    with db.kept_open(db_path):
        with db.connect(db_path) as first:
            _count(first)
        with db.connect(db_path) as second:
            assert second is first  # not closed by the first read's block
            _count(second)
        with db.kept_open(db_path), db.connect(db_path) as nested:
            assert nested is first
        with db.connect(db_path) as after_nested:
            assert after_nested is first  # the inner block leaves it to the outer one
    with pytest.raises(duckdb.ConnectionException):
        first.execute("SELECT 1")
    with db.connect(db_path) as fresh:
        assert fresh is not first


def test_a_block_without_reads_opens_nothing(tmp_path):
    path = tmp_path / "never.duckdb"
    with db.kept_open(path):
        pass
    assert not path.exists()


def test_the_kept_connection_sees_what_another_connection_committed(db_path):
    with db.kept_open(db_path), db.connect(db_path) as kept:
        assert _count(kept) == 0

        def write() -> None:  # another thread: a connection of its own, not the kept one
            with db.connect(db_path) as other:
                assert other is not kept
                other.execute("INSERT INTO teams (name, name_key) VALUES ('A', 'a')")

        writer = threading.Thread(target=write)
        writer.start()
        writer.join()
        with db.connect(db_path) as again:
            assert _count(again) == 1


def test_the_file_is_free_for_another_process_after_the_block(db_path):
    with db.kept_open(db_path), db.connect(db_path) as kept:
        _count(kept)
    script = textwrap.dedent(f"""
        from ddq import db
        with db.connect({str(db_path)!r}, wait_s=0) as con:
            con.execute("INSERT INTO teams (name, name_key) VALUES ('B', 'b')")
    """)
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)
    with db.connect(db_path) as con:
        assert _count(con) == 1


def test_other_files_and_other_threads_are_not_shared(tmp_path):
    one, two = tmp_path / "one.duckdb", tmp_path / "two.duckdb"
    seen: list[duckdb.DuckDBPyConnection] = []
    with db.kept_open(one), db.connect(one) as kept:
        with db.connect(two) as other:
            assert other is not kept

        def read() -> None:
            with db.connect(one) as con:
                seen.append(con)

        reader = threading.Thread(target=read)
        reader.start()
        reader.join()
        assert seen[0] is not kept
