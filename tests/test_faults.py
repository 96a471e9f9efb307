"""Faults: what a killed import, a held lock, a damaged file and a full disk leave behind.

Each test drives the real ``ddq`` command in a subprocess (or, for a simulated write
failure, the importer in-process) and then reopens the database the way ddq does, to
prove the promises in the README: an import lands whole or not at all, a busy database
gives a bounded wait and a message naming the holder, a damaged file gives a message
instead of a traceback, and a full disk leaves the previous data as it was.

Everything is bounded: every subprocess has a timeout, and the whole module takes well
under a minute on two cores.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest

from ddq import db
from ddq.access import ADMIN, SYSTEM, Actor
from ddq.check import run_checks
from ddq.ingest.metrics import import_metrics
from ddq.metrics import DEFAULT_CATALOG, current_week

ROOT = Path(__file__).resolve().parents[1]

# The big file: 150 new teams x 250 weeks x 8 metrics = 300,000 rows, one value each.
BIG_TEAMS, BIG_WEEKS = 150, 250
BIG_VALUES = BIG_TEAMS * BIG_WEEKS * len(DEFAULT_CATALOG)
# The data that was there before every faulty import: one team, a few values.
BASE_TEAM = "Base Team"
BASE_ROWS = [
    ("2025-01-06", "open_bugs", 3.0),
    ("2025-01-13", "open_bugs", 4.0),
    ("2025-01-13", "test_pass_rate", 97.5),
]
COMMAND_TIMEOUT_S = 60


# ---------------------------------------------------------------- shared set-up


def _ddq(
    db_path: Path, *args: str | os.PathLike[str], lock_wait: float = 5, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The real command, as a user runs it (no DDQ_DEBUG: errors as the user sees them)."""
    return subprocess.run(
        [sys.executable, "-m", "ddq.cli", "--db", str(db_path), *map(str, args)],
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=ROOT,
        env=_env(lock_wait),
        timeout=timeout,
    )


def _env(lock_wait: float) -> dict[str, str]:
    env = {**os.environ, "DDQ_LOCK_WAIT": f"{lock_wait:g}"}
    env.pop("DDQ_DEBUG", None)
    env.pop("DDQ_DB", None)
    return env


def _import_command(db_path: Path, csv_path: Path) -> list[str]:
    return [sys.executable, "-m", "ddq.cli", "--db", str(db_path), "import", "metrics",
            str(csv_path), "--create-teams"]  # fmt: skip


def _write_big_csv(path: Path) -> int:
    """A valid long-format file of ``BIG_VALUES`` rows for teams the database lacks."""
    last = current_week() - dt.timedelta(weeks=1)
    weeks = [(last - dt.timedelta(weeks=w)).isoformat() for w in range(BIG_WEEKS)][::-1]
    rows = 0
    with path.open("w", encoding="utf-8") as f:
        f.write("team,week,metric,value\n")
        for team in range(BIG_TEAMS):
            for metric in DEFAULT_CATALOG:
                # 0..49 fits every unit: counts, days and percentages.
                lines = [
                    f"Fault Team {team:03d},{week},{metric.key},{(team + i) % 50}\n"
                    for i, week in enumerate(weeks)
                ]
                f.writelines(lines)
                rows += len(lines)
    return rows


def _write_base_csv(path: Path) -> Path:
    path.write_text(
        "team,week,metric,value\n"
        + "".join(f"{BASE_TEAM},{w},{m},{v:g}\n" for w, m, v in BASE_ROWS),
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults-big") / "big.csv"
    assert _write_big_csv(path) == BIG_VALUES
    return path


@pytest.fixture(scope="module")
def base_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated database holding the previous data: one team, its values, one import."""
    folder = tmp_path_factory.mktemp("faults-base")
    path = folder / "base.duckdb"
    with db.connect(path) as con:
        con.execute("INSERT INTO teams (name, name_key) VALUES (?, ?)", [BASE_TEAM, "base team"])
        import_metrics(con, _write_base_csv(folder / "base.csv"), who=Actor("test", ADMIN))
    assert not path.with_name(path.name + ".wal").exists()
    return path


def _copy_db(template: Path, target: Path) -> Path:
    for leftover in (target, target.with_name(target.name + ".wal")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(template, target)
    db.forget_migrated(target)
    return target


def _state(path: Path) -> dict[str, Any]:
    """Open the database as ddq does (DuckDB replays or drops its WAL) and describe it."""
    db.forget_migrated(path)
    with db.connect(path, wait_s=10) as con:
        base = con.execute(
            "SELECT mv.week::VARCHAR, mv.metric, mv.value FROM metric_values mv "
            "JOIN teams t ON t.id = mv.team_id WHERE t.name = ? ORDER BY 1, 2",
            [BASE_TEAM],
        ).fetchall()
        new_values = con.execute(
            "SELECT count(*) FROM metric_values mv JOIN teams t ON t.id = mv.team_id "
            "WHERE t.name <> ?",
            [BASE_TEAM],
        ).fetchone()[0]
        imports = db.rows(
            con,
            "SELECT i.id, i.rows_read, i.added, i.updated, i.unchanged, i.teams_created, "
            "i.status, (SELECT count(*) FROM metric_values mv WHERE mv.import_id = i.id) "
            "AS values_stored, (SELECT count(*) FROM import_created_teams c "
            "WHERE c.import_id = i.id) AS teams_recorded FROM imports i "
            "WHERE i.file_name <> 'base.csv' ORDER BY i.id",
        )
        teams = con.execute("SELECT count(*) FROM teams WHERE name <> ?", [BASE_TEAM]).fetchone()[0]
        failed = [f"{f.check}: {f.detail}" for f in run_checks(con) if not f.ok]
    return {"base": base, "new_values": new_values, "imports": imports, "new_teams": teams,
            "failed_checks": failed}  # fmt: skip


def _assert_whole_or_nothing(state: dict[str, Any], context: str) -> str:
    """The big import is either absent or complete with a consistent ledger row."""
    expected_base = [(w, m, v) for w, m, v in sorted(BASE_ROWS)]
    assert state["base"] == expected_base, f"{context}: the previous data changed"
    assert state["failed_checks"] == [], f"{context}: ddq check fails: {state['failed_checks']}"
    if state["new_values"] == 0:
        assert state["imports"] == [], f"{context}: a ledger row without values: {state}"
        assert state["new_teams"] == 0, f"{context}: teams created without their values"
        return "nothing"
    assert state["new_values"] == BIG_VALUES, (
        f"{context}: a partial import: {state['new_values']} of {BIG_VALUES} values"
    )
    assert len(state["imports"]) == 1, f"{context}: ledger rows {state['imports']}"
    entry = state["imports"][0]
    assert entry == {**entry, "rows_read": BIG_VALUES, "added": BIG_VALUES, "updated": 0,
                     "unchanged": 0, "teams_created": BIG_TEAMS, "status": "applied",
                     "values_stored": BIG_VALUES, "teams_recorded": BIG_TEAMS}, entry  # fmt: skip
    assert state["new_teams"] == BIG_TEAMS
    return "whole"


# ---------------------------------------------------------------- 1. SIGKILL mid-import


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _kill_import(
    db_path: Path, csv_path: Path, *, after_s: float | None, wal_delay_s: float = 0.0
) -> tuple[bool, float]:
    """Start the import and SIGKILL it ``after_s`` seconds in (None: ``wal_delay_s`` after
    its WAL appears, i.e. while it commits). Returns (killed while running, seconds in)."""
    started = time.monotonic()
    proc = subprocess.Popen(
        _import_command(db_path, csv_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
        env=_env(5),
    )
    try:
        if after_s is None:
            deadline = started + COMMAND_TIMEOUT_S
            while proc.poll() is None and not _wal(db_path).exists():
                if time.monotonic() > deadline:
                    break
                time.sleep(0.001)
            if wal_delay_s:
                with suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=wal_delay_s)
        else:
            with suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=after_s)
        at = time.monotonic() - started
        running = proc.poll() is None
        if running:
            proc.send_signal(signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=COMMAND_TIMEOUT_S)
    return running, at


def test_import_killed_at_any_moment_lands_whole_or_not_at_all(
    tmp_path: Path, base_db: Path, big_csv: Path
) -> None:
    # Undisturbed imports first: how long one takes here (the faster of two, the first
    # warming the caches), and what "whole" looks like.
    durations = []
    for n in range(2):
        full = _copy_db(base_db, tmp_path / f"full-{n}.duckdb")
        started = time.monotonic()
        done = subprocess.run(_import_command(full, big_csv), capture_output=True, text=True,
                              cwd=ROOT, env=_env(5), timeout=COMMAND_TIMEOUT_S)  # fmt: skip
        durations.append(time.monotonic() - started)
        assert done.returncode == 0, done.stderr
        assert f"{BIG_VALUES} added" in done.stdout
        assert _assert_whole_or_nothing(_state(full), "undisturbed import") == "whole"
    duration = min(durations)

    # Kills spread over the import (reading, checking, writing), then four during its commit
    # (as soon as the write-ahead log appears, and a few milliseconds later).
    moments: list[tuple[float | None, float]] = [
        (duration * f, 0.0) for f in (0.1, 0.25, 0.4, 0.55, 0.7, 0.85)
    ]
    moments += [(None, 0.0), (None, 0.0), (None, 0.005), (None, 0.02)]
    outcomes = []
    reimported: set[str] = set()
    for n, (after_s, wal_delay_s) in enumerate(moments):
        target = _copy_db(base_db, tmp_path / f"killed-{n}.duckdb")
        killed, at = _kill_import(target, big_csv, after_s=after_s, wal_delay_s=wal_delay_s)
        when = f"WAL+{wal_delay_s * 1000:g} ms" if after_s is None else f"after {after_s:.2f} s"
        context = f"kill {n} ({when}, at {at:.2f} s of {duration:.2f} s, killed={killed})"
        outcome = _assert_whole_or_nothing(_state(target), context)
        outcomes.append((when, round(at, 2), killed, outcome))
        if outcome in reimported:
            continue
        # The database stays usable: the same import again completes it, or changes nothing
        # (once per outcome: a whole import each time would double this test's time).
        reimported.add(outcome)
        again = _ddq(target, "import", "metrics", big_csv, "--create-teams")
        assert again.returncode == 0, f"{context}: re-import failed: {again.stderr}"
        expected = (f"{BIG_VALUES} added" if outcome == "nothing"
                    else f"0 added, 0 updated, {BIG_VALUES} unchanged")  # fmt: skip
        assert expected in again.stdout, f"{context}: re-import said {again.stdout!r}"
        state = _state(target)
        first = dict(state, imports=state["imports"][:1])  # the re-import's own row aside
        assert _assert_whole_or_nothing(first, f"{context}, re-imported") == "whole"
    print(f"full import {duration:.2f} s; kills (moment, at s, killed, left): {outcomes}")
    interrupted = [o for o in outcomes if o[2]]
    assert len(interrupted) >= 4, f"too few kills hit a running import: {outcomes}"


# ---------------------------------------------------------------- 2. another process holds it

HOLD = textwrap.dedent("""
    import sys, time, duckdb
    con = duckdb.connect(sys.argv[1])
    con.execute("SELECT count(*) FROM metric_values").fetchall()
    print("holding", flush=True)
    time.sleep(float(sys.argv[2]))
    con.close()
""")

# Like the app: a short-lived connection per read, opened and closed over and over.
VIEWER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from ddq import db
    path, seconds = Path(sys.argv[1]), float(sys.argv[2])
    reads = 0
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        with db.connect(path, wait_s=20) as con:
            con.execute("SELECT count(*) FROM metric_values").fetchall()
            time.sleep(0.1)
        reads += 1
        if reads == 1:
            print("reading", flush=True)
        time.sleep(0.02)
    print(f"done {reads}", flush=True)
""")


def _start(script: str, *args: str | os.PathLike[str]) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=_env(15),
    )
    assert proc.stdout is not None
    first = proc.stdout.readline().strip()  # bounded: the script prints at once or dies
    assert first in ("holding", "reading"), f"holder failed: {first!r} {proc.stderr.read()}"
    return proc


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.communicate(timeout=COMMAND_TIMEOUT_S)


@pytest.fixture
def small_csv(tmp_path: Path) -> Path:
    """2,000 values for 10 new teams: an import that takes a fraction of a second."""
    path = tmp_path / "small.csv"
    last = current_week() - dt.timedelta(weeks=1)
    lines = ["team,week,metric,value\n"]
    for team in range(10):
        for w in range(200):
            week = (last - dt.timedelta(weeks=w)).isoformat()
            lines.append(f"Lock Team {team},{week},open_bugs,{w % 7}\n")
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_import_against_a_held_database_fails_within_its_bound_naming_the_holder(
    tmp_path: Path, base_db: Path, small_csv: Path
) -> None:
    target = _copy_db(base_db, tmp_path / "held.duckdb")
    holder = _start(HOLD, target, 60)
    try:
        started = time.monotonic()
        result = _ddq(target, "import", "metrics", small_csv, "--create-teams", lock_wait=2,
                      timeout=30)  # fmt: skip
        waited = time.monotonic() - started
    finally:
        _stop(holder)
    assert result.returncode == 1, (result.returncode, result.stderr)
    assert f"process {holder.pid}" in result.stderr, result.stderr
    assert "waited 2 s" in result.stderr and str(target) in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    assert 2 <= waited < 12, f"gave up after {waited:.1f} s with DDQ_LOCK_WAIT=2"
    state = _state(target)
    assert state["new_values"] == 0 and state["imports"] == [] and not state["failed_checks"]


def test_import_waits_for_a_holder_that_lets_go(
    tmp_path: Path, base_db: Path, small_csv: Path
) -> None:
    target = _copy_db(base_db, tmp_path / "brief.duckdb")
    holder = _start(HOLD, target, 1.0)  # lets go one second from now, within the 2 s bound
    try:
        result = _ddq(target, "import", "metrics", small_csv, "--create-teams", lock_wait=2,
                      timeout=30)  # fmt: skip
    finally:
        holder.communicate(timeout=COMMAND_TIMEOUT_S)
    assert holder.returncode == 0
    assert result.returncode == 0, result.stderr
    assert "2000 added" in result.stdout
    state = _state(target)
    assert state["new_values"] == 2000 and not state["failed_checks"]
    assert state["base"] == sorted(BASE_ROWS)


def test_import_between_app_like_reads_succeeds_or_fails_cleanly(
    tmp_path: Path, base_db: Path, big_csv: Path
) -> None:
    """A viewer opening and closing the database ten times a second, as the app does."""
    target = _copy_db(base_db, tmp_path / "busy.duckdb")
    viewer = _start(VIEWER, target, 4)
    try:
        started = time.monotonic()
        result = _ddq(target, "import", "metrics", big_csv, "--create-teams", lock_wait=2,
                      timeout=45)  # fmt: skip
        took = time.monotonic() - started
        out, err = viewer.communicate(timeout=COMMAND_TIMEOUT_S)
    finally:
        _stop(viewer)
    # The viewer waits for the import (its bound is 20 s) and never fails.
    assert viewer.returncode == 0 and out.strip().startswith("done"), err
    assert result.returncode in (0, 1), (result.returncode, result.stderr)
    assert "Traceback" not in result.stderr
    if result.returncode == 1:
        assert f"process {viewer.pid}" in result.stderr and "waited 2 s" in result.stderr
        assert took < 12
    outcome = _assert_whole_or_nothing(_state(target), "import between reads")
    assert outcome == ("whole" if result.returncode == 0 else "nothing")
    print(f"import between app-like reads: exit {result.returncode} after {took:.2f} s; "
          f"viewer: {out.strip()}")  # fmt: skip


# ---------------------------------------------------------------- 3. a damaged database file


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real database with the sample organisation, checkpointed (no WAL)."""
    from ddq.sample import fill_demo

    path = tmp_path_factory.mktemp("faults-real") / "real.duckdb"
    with db.connect(path) as con:
        fill_demo(con, teams=8, weeks=52, who=SYSTEM)
    assert not _wal(path).exists()
    return path


def _damaged(kind: str, real: Path, folder: Path) -> Path:
    path = folder / f"{kind}.duckdb"
    data = real.read_bytes()
    if kind == "not-duckdb":
        path.write_bytes(b"team,week,metric,value\nCheckout,2026-03-02,open_bugs,3\n" * 300)
    elif kind == "truncated":  # a copy cut off half-way, as an interrupted copy leaves it
        path.write_bytes(data[: len(data) // 2])
    elif kind == "zeroed":  # the second half of the file overwritten with zeros
        half = len(data) // 2
        path.write_bytes(data[:half] + bytes(len(data) - half))
    elif kind == "values-block":  # the block holding the stored values zeroed, nothing else
        path.write_bytes(_zero_block_of(real, data, "metric_values", "value"))
    else:
        raise ValueError(kind)
    return path


def _zero_block_of(real: Path, data: bytes, table: str, column: str) -> bytes:
    """``data`` (the file ``real``) with the first block of ``table.column`` zeroed.

    DuckDB's file is three 4 KB headers, then blocks of ``block_size`` bytes by id; its
    ``storage_info`` names the blocks a column's segments live in.
    """
    import duckdb

    con = duckdb.connect(str(real), read_only=True)
    try:
        size = con.execute("SELECT block_size FROM pragma_database_size()").fetchone()[0]
        block = con.execute(
            "SELECT min(block_id) FROM pragma_storage_info(?) "
            "WHERE column_name = ? AND persistent AND block_id >= 0",
            [table, column],
        ).fetchone()[0]
    finally:
        con.close()
    assert block is not None, f"{table}.{column} has no block on disk"
    start = 3 * 4096 + block * size
    assert start + size <= len(data), (start, size, len(data))
    return data[:start] + bytes(size) + data[start + size :]


DAMAGED = [
    "not-duckdb",
    "truncated",
    "zeroed",
]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind", DAMAGED)
def test_every_command_on_a_damaged_file_says_what_to_do(
    kind: str, real_db: Path, tmp_path: Path
) -> None:
    path = _damaged(kind, real_db, tmp_path)
    before = _digest(path)
    for command in (["imports"], ["check"], ["export", "metrics"]):
        first = None
        for attempt in range(2):  # the same answer every time: no crash loop, nothing changed
            result = _ddq(path, *command, lock_wait=2, timeout=30)
            said = f"`ddq {' '.join(command)}` on a {kind} file: exit {result.returncode}, " \
                   f"stderr {result.stderr!r}"  # fmt: skip
            assert result.returncode != 0, said
            assert "Traceback" not in result.stderr and result.stdout == "", said
            assert str(path) in result.stderr, said
            # What to do: point ddq elsewhere, or move the file aside and start again.
            assert "--db" in result.stderr and "ddq init" in result.stderr, said
            assert result.returncode == 1, said  # 3 means "unexpected error: a bug"
            if attempt == 0:
                first = (result.returncode, result.stderr)
            else:
                assert (result.returncode, result.stderr) == first, said
    assert _digest(path) == before, "a failed command changed the damaged file"
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name], "files left behind"


def test_a_damaged_block_of_values_is_reported_not_crashed_on(
    real_db: Path, tmp_path: Path
) -> None:
    """Damage that only the commands reading the values meet: they must say so clearly.

    (``ddq imports`` does not read the values and may well succeed.)
    """
    path = _damaged("values-block", real_db, tmp_path)
    for command in (["check"], ["export", "metrics"]):
        result = _ddq(path, *command, lock_wait=2, timeout=30)
        output = result.stdout + result.stderr
        said = f"`ddq {' '.join(command)}`: exit {result.returncode}, output {output!r}"
        assert result.returncode == 1, said  # 3 means "unexpected error: a bug"
        assert "Traceback" not in output and "unexpected error" not in output, said
        assert str(path) in output, said
        assert "backup" in output or "--db" in output, said  # what to do


@pytest.mark.parametrize(
    "kind",
    [
        "not-duckdb",
        "truncated",
        "values-block",
    ],
)
def test_the_app_on_a_damaged_file_shows_an_error_not_a_traceback(
    kind: str, real_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from streamlit.testing.v1 import AppTest

    path = _damaged(kind, real_db, tmp_path)
    before = _digest(path)
    monkeypatch.setenv("DDQ_DB", str(path))
    monkeypatch.setenv("DDQ_LOCK_WAIT", "2")
    monkeypatch.chdir(ROOT)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    for _ in range(2):  # a rerun (a viewer pressing R) answers the same way
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        messages = " ".join(e.value for e in at.error)
        assert str(path) in messages, f"no error naming the file: {messages!r}"
    assert _digest(path) == before


# ---------------------------------------------------------------- 4. a full disk


MOUNT_TIMEOUT_S = 30


@contextmanager
def _small_disk(folder: Path, size_bytes: int) -> Iterator[Path]:
    """A tmpfs of ``size_bytes`` at ``folder`` (root only), unmounted again afterwards."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        pytest.skip("a small tmpfs needs root; the simulated ENOSPC tests cover the rest")
    if shutil.which("mount") is None or shutil.which("umount") is None:
        pytest.skip("no mount/umount command here")
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder)],
        capture_output=True, text=True, timeout=MOUNT_TIMEOUT_S,
    )  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip() or mounted.returncode}")
    try:
        yield folder
    finally:
        done = subprocess.run(["umount", str(folder)], capture_output=True, timeout=MOUNT_TIMEOUT_S)
        if done.returncode != 0:  # something still holds a file: detach it lazily
            subprocess.run(["umount", "-l", str(folder)], capture_output=True,
                           timeout=MOUNT_TIMEOUT_S)  # fmt: skip


@pytest.mark.parametrize("room_kb", [256, 1024])
def test_an_import_that_does_not_fit_on_the_disk_leaves_the_previous_data(
    room_kb: int, tmp_path: Path, base_db: Path, big_csv: Path
) -> None:
    """The database on a disk with ``room_kb`` free: the 300,000 values need about 3 MB.

    256 KB runs out while the import writes its values; 1 MB, here, while it commits its
    write-ahead log. Either way nothing of it may remain, and the message must say why.
    """
    size = base_db.stat().st_size + room_kb * 1024
    with _small_disk(tmp_path / "disk", size) as disk:
        target = _copy_db(base_db, disk / "full.duckdb")
        result = _ddq(target, "import", "metrics", big_csv, "--create-teams", timeout=60)
        outcome = _assert_whole_or_nothing(_state(target), f"disk with {room_kb} KB free")
        assert outcome == ("whole" if result.returncode == 0 else "nothing"), result
        if room_kb == 256:
            assert result.returncode != 0, "300,000 values fitted in 256 KB?"
        if result.returncode != 0:
            assert "No space left on device" in result.stderr, result.stderr
            assert str(target) in result.stderr, result.stderr
            assert "Traceback" not in result.stderr
        # Reading still works on the full disk.
        check = _ddq(target, "check", timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr
        export = _ddq(target, "export", "metrics", timeout=30)
        assert export.returncode == 0, export.stderr
        assert f"{BASE_TEAM},2025-01-13,test_pass_rate,97.5" in export.stdout
        # With room again, the same import goes through whole.
        grown = subprocess.run(["mount", "-o", "remount,size=64m", str(disk)],
                               capture_output=True, text=True, timeout=MOUNT_TIMEOUT_S)  # fmt: skip
        assert grown.returncode == 0, grown.stderr
        again = _ddq(target, "import", "metrics", big_csv, "--create-teams", timeout=60)
        assert again.returncode == 0, again.stderr
        assert _assert_whole_or_nothing(_state(target), "after freeing space") == "whole"
    print(f"disk with {room_kb} KB free: exit {result.returncode}, {result.stderr.strip()!r}")


def _no_space(*_args: Any, **_kwargs: Any) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "simulated.duckdb")


@pytest.mark.parametrize("step", ["ddq.values.write", "ddq.ledger.finish"])
def test_a_write_failure_inside_the_import_transaction_changes_nothing(
    step: str, tmp_path: Path, base_db: Path, small_csv: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC simulated at the last write steps of import_metrics, in and out of the CLI."""
    from click.testing import CliRunner

    from ddq.cli import main

    target = _copy_db(base_db, tmp_path / "simulated.duckdb")
    with monkeypatch.context() as patch:
        patch.setattr(step, _no_space)
        with db.connect(target) as con:
            with pytest.raises(OSError, match="No space left on device"):
                import_metrics(con, small_csv, who=Actor("test", ADMIN), create_teams=True)
            # The connection is clean again: no transaction left open, temp tables gone.
            assert con.execute("SELECT count(*) FROM teams").fetchone()[0] == 1
        result = CliRunner().invoke(
            main, ["--db", str(target), "import", "metrics", str(small_csv), "--create-teams"]
        )
        assert result.exit_code != 0 and "No space left on device" in result.output
        assert "Traceback" not in result.output
    state = _state(target)
    assert state["base"] == sorted(BASE_ROWS) and state["failed_checks"] == []
    assert state["new_values"] == 0 and state["imports"] == [] and state["new_teams"] == 0
    with db.connect(target) as con:  # and the import goes through once the disk has room
        assert (
            import_metrics(con, small_csv, who=Actor("test", ADMIN), create_teams=True).added
            == 2000
        )
