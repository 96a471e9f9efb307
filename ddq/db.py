"""The one way to reach DuckDB: where the file is, connections, migrations, transactions.

DuckDB lets one process at a time open a database file for writing. The app, the CLI and
the tests therefore open short-lived connections (one per unit of work, never shared
between threads) and close them at once, so that the file is free most of the time. When
another process holds it, :func:`connect` retries for a bounded time and then fails with
a message that names the holder.
"""

from __future__ import annotations

import functools
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import duckdb

from ddq.errors import DatabaseBusy, DatabaseUnreadable, DdqError, ForeignCatalog, WriteConflict
from ddq.schema import foreign_objects, migrate, up_to_date
from ddq.transaction import in_transaction as in_transaction  # re-exported: one way in
from ddq.transaction import transaction as transaction

DEFAULT_DB_PATH = Path("data") / "ddq.duckdb"
DB_ENV_VAR = "DDQ_DB"
LOCK_WAIT_ENV_VAR = "DDQ_LOCK_WAIT"
# Long enough to outlast a page's read or a weekly upload in another process, short enough
# that someone at a terminal gets an answer rather than a hang.
DEFAULT_LOCK_WAIT_S = 15.0
_RETRY_SLEEP_S = 0.05

F = TypeVar("F", bound=Callable[..., Any])

_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<exe>.+?) \(PID (?P<pid>\d+)\)")

_migrated: set[str] = set()
_migrate_lock = threading.Lock()
# Per thread, by absolute path: the connection a :func:`kept_open` block holds (None until
# its first use).
_kept = threading.local()


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


# A database file is data, not code: what it holds may not read or write other files,
# attach databases, or load extensions. ddq itself reads and writes files through separate
# in-memory connections limited to the file at hand (ddq.ingest.csvfile, ddq.export).
SAFE_CONFIG: dict[str, str | bool | int | float | list[str]] = {
    "enable_external_access": False,
    "autoload_known_extensions": False,
    "autoinstall_known_extensions": False,
    "allow_community_extensions": False,
    "lock_configuration": True,
}


def _open(path: Path, wait_s: float) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            return duckdb.connect(str(path), config=SAFE_CONFIG)
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
    path: str | os.PathLike[str] | None = None,
    *,
    wait_s: float | None = None,
    trust_catalog: bool = False,
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the database (creating and migrating it on first use) for one unit of work.

    A file whose catalog holds views, macros, tables or other objects that ddq's
    migrations did not create is refused (ForeignCatalog names the first), unless
    ``trust_catalog``: for ``ddq check``, which reports them.
    """
    resolved = resolve_path(path)
    held: dict[str, duckdb.DuckDBPyConnection | None] = getattr(_kept, "held", {})
    where = str(resolved.absolute())
    if where in held:  # inside kept_open: its connection, left open for the next read
        con = held[where]
        if con is None:
            con = held[where] = _open_migrated(resolved, wait_s, trust_catalog)
        yield con
        return
    con = _open_migrated(resolved, wait_s, trust_catalog)
    try:
        yield con
    finally:
        con.close()


def _open_migrated(
    resolved: Path, wait_s: float | None, trust_catalog: bool
) -> duckdb.DuckDBPyConnection:
    con = _open(resolved, lock_wait_seconds() if wait_s is None else wait_s)
    try:
        _ensure_migrated(con, resolved, check_catalog=not trust_catalog)
    except duckdb.Error as exc:  # a damaged file can open, then fail on its first read
        con.close()
        raise DatabaseUnreadable(
            f"Cannot read the database {resolved}: {exc}. It may be damaged: restore it "
            "from a backup, point ddq at another file with --db or $DDQ_DB, or move it "
            "aside and run `ddq init`."
        ) from exc
    except BaseException:
        con.close()
        raise
    return con


@contextmanager
def kept_open(path: str | os.PathLike[str] | None = None) -> Iterator[None]:
    """Within this block, every :func:`connect` to ``path`` on this thread shares one connection.

    For one run of a page: opening the file costs more than most of the page's reads, and a
    page makes a dozen of them after a change to the data. The connection is opened by the
    first :func:`connect` (so its errors surface there, as before) and closed when the block
    ends, so the file is free between runs as with short-lived connections. It runs in
    autocommit: each read sees what other connections committed before it.
    """
    where = str(resolve_path(path).absolute())
    held: dict[str, duckdb.DuckDBPyConnection | None] = getattr(_kept, "held", {})
    if where in held:  # nested: the outer block keeps it
        yield
        return
    _kept.held = {**held, where: None}
    try:
        yield
    finally:
        con = _kept.held.get(where)
        _kept.held = held
        if con is not None:
            con.close()


def _ensure_migrated(
    con: duckdb.DuckDBPyConnection, path: Path, *, check_catalog: bool = True
) -> None:
    key = str(path.resolve())
    if key in _migrated:
        return
    with _migrate_lock:
        if up_to_date(con):  # the usual case, in one query
            _migrated.add(key)
            return
        migrate(con)
        if not check_catalog:
            return  # checked again by the next connection that does check
        found = foreign_objects(con)
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            raise ForeignCatalog(
                f"The database {path} holds {found[0]}{more}, which ddq did not create, "
                "and ddq does not run what a database file brings with it. `ddq check` "
                "lists them: drop them with the duckdb command-line tool, or restore the "
                "file from a backup."
            )
        _migrated.add(key)


def forget_migrated(path: str | os.PathLike[str]) -> None:
    """Make the next :func:`connect` check the file's migrations again (it was replaced)."""
    _migrated.discard(str(Path(path).resolve()))


# Two people editing the same record at once.
# The app's sessions are threads of one process, each with its own connection, and DuckDB
# runs their transactions optimistically: each reads a snapshot, and a write that collides
# with another transaction's fails ("Conflict on update", or at COMMIT a duplicate key),
# whichever of the two got there second. So a change of a record that two people can edit
#
# - first :func:`claim`s the record, then reads it, compares it with what the editor
#   started from, writes and audits, all in one :func:`transaction`. The claim is what
#   makes two such changes collide: DuckDB does not reliably see every pair of writes to
#   one row as a conflict (an update and a delete of it both commit; so, at times, do two
#   updates when one of them writes the value the row already had);
# - the outermost :func:`transaction` turns the database's refusal into WriteConflict, a
#   StaleEdit: the change was rolled back, nothing of it was saved;
# - :func:`retry_on_conflict` runs the whole change again on a fresh snapshot: a
#   compare-and-set then finds the other person's value and refuses with StaleEdit saying
#   what it is now; an idempotent set (the same mark, the latest move) simply applies.
#
# A competing save takes milliseconds; waiting longer than this for one to end means
# something big (an import) holds the rows, and the person is better told to try again.
CONFLICT_RETRY_S = 5.0
_CONFLICT_FIRST_PAUSE_S = 0.005
_CONFLICT_MAX_PAUSE_S = 0.1


def retry_on_conflict(function: F) -> F:
    """Run a change again, on a fresh snapshot, when another transaction wrote the same rows.

    For a change made in one transaction of its own that reads what it compares inside
    it: the next run sees what the other transaction committed, so a compare-and-set
    refuses with StaleEdit naming the new value, and an idempotent set applies again.
    While the other transaction is still open (or still committing) the runs pause,
    briefly then longer, for up to CONFLICT_RETRY_S, then give up with WriteConflict.
    Called inside a caller's transaction, the change is one step of it and the outermost
    change retries.
    """

    @functools.wraps(function)
    def retried(con: duckdb.DuckDBPyConnection, *args: Any, **kwargs: Any) -> Any:
        if in_transaction(con):
            return function(con, *args, **kwargs)
        deadline = time.monotonic() + CONFLICT_RETRY_S
        pause = _CONFLICT_FIRST_PAUSE_S
        while True:
            try:
                return function(con, *args, **kwargs)
            except WriteConflict:
                if time.monotonic() >= deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, _CONFLICT_MAX_PAUSE_S)

    return retried  # type: ignore[return-value]


def claim(con: duckdb.DuckDBPyConnection, kind: str, *key: object) -> None:
    """Claim a record for this transaction: another that claims it too conflicts with it.

    ``kind`` and ``key`` name the record (``claim(con, "meeting note", 3, 7, "doing")``).
    Every change of a record that two people can edit claims it inside its transaction,
    so of two changes at the same moment only one commits, whatever rows each writes.
    """
    claim_each(con, kind, [key])


def claim_each(con: duckdb.DuckDBPyConnection, kind: str, keys: Iterable[Sequence[object]]) -> None:
    """:func:`claim` several records of one kind (one statement)."""
    records = list(dict.fromkeys(" ".join([kind, *(str(k) for k in key)]) for key in keys))
    con.execute(
        "INSERT INTO edit_claims (record, token) SELECT unnest(?::VARCHAR[]), uuid() "
        "ON CONFLICT (record) DO UPDATE SET token = excluded.token",
        [records],
    )


def drop_temp(con: duckdb.DuckDBPyConnection, *tables: str, views: Sequence[str] = ()) -> None:
    """Drop a unit of work's temporary tables and views, if they are there.

    Called from ``finally`` blocks: when the work failed inside a transaction, that
    transaction is aborted and takes its temporary tables with it when it rolls back, so
    nothing is dropped then and the original error is the one that surfaces.
    """
    statements = [f"DROP VIEW IF EXISTS temp.main.{quote_ident(v)}" for v in views]
    statements += [f"DROP TABLE IF EXISTS temp.main.{quote_ident(t)}" for t in tables]
    for statement in statements:
        try:
            con.execute(statement)
        except duckdb.TransactionException as exc:
            if "aborted" not in str(exc):
                raise
            return


def temp_table_from(con: duckdb.DuckDBPyConnection, name: str, data: Any) -> None:
    """(Re)create temporary table ``name`` from Arrow data (a table or a batch reader).

    Named explicitly: ddq's connections read no Python variable by its name (that is one of
    the external accesses they have turned off).
    """
    view = f"_ddq_arrow_{threading.get_ident()}_{name}"
    con.register(view, data)
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {quote_ident(name)} AS SELECT * FROM {quote_ident(view)}"
        )
    finally:
        con.unregister(view)


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
