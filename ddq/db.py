"""The one way to reach DuckDB: where the file is, connections, migrations, transactions.

DuckDB lets one process at a time open a database file for writing. The app, the CLI and
the tests therefore open short-lived connections (one per unit of work, never shared
between threads) and close them at once, so that the file is free most of the time. When
another process holds it, :func:`connect` retries for a bounded time and then fails with
a message that names the holder.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddq.errors import DatabaseBusy, DatabaseUnreadable, DdqError

if TYPE_CHECKING:
    import duckdb

DEFAULT_DB_PATH = Path("data") / "ddq.duckdb"
DB_ENV_VAR = "DDQ_DB"
LOCK_WAIT_ENV_VAR = "DDQ_LOCK_WAIT"
# Long enough to outlast a page's read or a weekly upload in another process, short enough
# that someone at a terminal gets an answer rather than a hang.
DEFAULT_LOCK_WAIT_S = 15.0
_RETRY_SLEEP_S = 0.05

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)")

_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def resolve_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The database file: the explicit path, else ``$DDQ_DB``, else ``data/ddq.duckdb``."""
    if explicit:
        return Path(explicit)
    from_env = os.environ.get(DB_ENV_VAR)
    if from_env:
        return Path(from_env)
    return DEFAULT_DB_PATH


def lock_wait_seconds() -> float:
    """How long to wait for another process's lock (``$DDQ_LOCK_WAIT`` overrides)."""
    raw = os.environ.get(LOCK_WAIT_ENV_VAR)
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
    return DEFAULT_LOCK_WAIT_S


def _describe_holder(message: str) -> str:
    match = _LOCK_HOLDER.search(message)
    if not match:
        return "another process"
    pid = match["pid"]
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        cmdline = match["exe"]
    return f"process {pid} ({cmdline})" if cmdline else f"process {pid}"


def _open(path: Path, wait_s: float) -> duckdb.DuckDBPyConnection:
    import duckdb

    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            message = str(exc)
            if "lock" not in message.lower():
                raise DatabaseUnreadable(
                    f"Cannot open the database {path}: {message.removeprefix('IO Error: ')} "
                    "Point ddq at another file with --db or $DDQ_DB, or move this one aside "
                    "and run `ddq init`."
                ) from exc
            if time.monotonic() >= deadline:
                raise DatabaseBusy(
                    f"The database {path} is in use by {_describe_holder(message)}; "
                    f"waited {wait_s:g} s. Try again in a moment, or stop that process "
                    "if it is stuck."
                ) from exc
            time.sleep(_RETRY_SLEEP_S)
        except duckdb.Error as exc:
            raise DatabaseUnreadable(
                f"Cannot open the database {path}: {exc}. Point ddq at another file with "
                "--db or $DDQ_DB, or move this one aside and run `ddq init`."
            ) from exc


@contextmanager
def connect(
    path: str | os.PathLike[str] | None = None, *, wait_s: float | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database (creating and migrating it on first use) for one unit of work."""
    import duckdb

    resolved = resolve_path(path)
    con = _open(resolved, lock_wait_seconds() if wait_s is None else wait_s)
    try:
        try:
            _ensure_migrated(con, resolved)
        except duckdb.Error as exc:  # a damaged file can open, then fail on its first read
            raise DatabaseUnreadable(
                f"Cannot read the database {resolved}: {exc}. It may be damaged: restore it "
                "from a backup, point ddq at another file with --db or $DDQ_DB, or move it "
                "aside and run `ddq init`."
            ) from exc
        yield con
    finally:
        con.close()


def _ensure_migrated(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    key = str(path.resolve())
    if key in _migrated:
        return
    from ddq.schema import migrate

    with _migrate_lock:
        migrate(con)
        _migrated.add(key)


def forget_migrated(path: str | os.PathLike[str]) -> None:
    """Make the next :func:`connect` check the file's migrations again (it was replaced)."""
    _migrated.discard(str(Path(path).resolve()))


_open_transactions: dict[int, int] = {}


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block atomically: everything in it lands, or nothing does.

    A block inside another block on the same connection joins the outer transaction, so
    a function that writes atomically on its own can also be one step of a larger change.
    """
    key = id(con)
    if _open_transactions.get(key):
        _open_transactions[key] += 1
        try:
            yield con
        finally:
            _open_transactions[key] -= 1
        return
    con.execute("BEGIN TRANSACTION")
    _open_transactions[key] = 1
    try:
        yield con
    except BaseException:
        _open_transactions.pop(key, None)
        con.execute("ROLLBACK")
        raise
    _open_transactions.pop(key, None)
    con.execute("COMMIT")


def quote_ident(name: str) -> str:
    """Quote a dynamic identifier (values never go through here: they are parameters)."""
    return '"' + name.replace('"', '""') + '"'


def storage_problem(exc: BaseException, path: str | os.PathLike[str] | None) -> DdqError | None:
    """The user's words for a storage error met mid-query (a damaged file, a full disk).

    DuckDB reports these from whichever query first touches the bad block or needs space;
    they are not bugs in ddq, so the CLI and the app say what happened and what to do.
    """
    message = str(exc)
    where = resolve_path(path)
    if "No space left" in message:
        return DdqError(
            f"The disk holding {where} is full (No space left on device); nothing was changed. "
            "Free some space and try again."
        )
    if "Corrupt database" in message or "checksum" in message:
        return DatabaseUnreadable(
            f"The database {where} is damaged ({message.splitlines()[0]}). Restore it from a "
            "backup, or point ddq at another file with --db or $DDQ_DB."
        )
    return None


def quote_literal(value: str) -> str:
    """Quote a text constant for the rare statement that cannot take parameters (a view)."""
    return "'" + value.replace("'", "''") + "'"


def temp_table(
    con: duckdb.DuckDBPyConnection,
    name: str,
    columns: dict[str, list[Any]],
    types: dict[str, str] | None = None,
) -> None:
    """(Re)create a temporary table from Python lists of equal length, in one statement.

    Column types default to VARCHAR. Meant for small lookup tables and small files: the
    values travel as list parameters.
    """
    types = types or {}
    selects = ", ".join(
        f"unnest(?::{types.get(c, 'VARCHAR')}[]) AS {quote_ident(c)}" for c in columns
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS SELECT {selects}",
        list(columns.values()),
    )


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> list[dict[str, Any]]:
    """Run a parameterised query and return its rows as dictionaries, fully fetched."""
    cursor = con.execute(sql, params) if params is not None else con.execute(sql)
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Any = None) -> Any:
    """Run a parameterised query and return the first column of its first row (or None)."""
    cursor = con.execute(sql, params) if params is not None else con.execute(sql)
    row = cursor.fetchone()
    cursor.fetchall()  # an unfetched result would keep the connection busy
    return None if row is None else row[0]


def data_version(path: str | os.PathLike[str] | None = None) -> tuple[int, int]:
    """A cheap fingerprint that changes whenever the database file changes.

    Caches key on it so that a new upload shows up on the next rerun, without opening
    the database to ask.
    """
    resolved = resolve_path(path)
    stamps = []
    for candidate in (resolved, resolved.with_name(resolved.name + ".wal")):
        try:
            stamps.append(candidate.stat().st_mtime_ns)
        except FileNotFoundError:
            stamps.append(0)
    return stamps[0], stamps[1]
