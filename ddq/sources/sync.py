"""A sync: read what changed in a source, and store it as one bug import.

Reading comes first and stores nothing: every page is read into memory, so a failure at
any page (the network, a refusal, a malformed page) leaves the database as it was, and the
next sync starts from the last good one. What was read then goes through the bug import
that files use (:func:`ddq.ingest.bugs.import_staged`): the same checks, the update by key,
one ledger row (kind ``sync``), the weekly bug metrics recomputed in the same transaction,
and undo like any import.

An incremental sync asks for the issues updated since the start of the last good sync
still standing (each tracker with its own margin; the update by key absorbs the overlap).
``full`` reads everything, and marks the source's bugs it no longer finds as vanished:
they then count nowhere until a sync finds them again. A sync that finds nothing new
writes no import, only a line in the source's history.
"""

from __future__ import annotations

import datetime as dt
import operator
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import httpx

from ddq import bugmetrics, clock
from ddq.access import EDITOR, Actor, requires
from ddq.db import retry_on_conflict, scalar, transaction
from ddq.errors import DdqError
from ddq.ingest import pipeline
from ddq.ingest.bugs import BugsImport, import_staged, stage_records
from ddq.ingest.bugs.staging import RECORD_LISTS, RECORD_TEXT
from ddq.ledger.kinds import SYNC
from ddq.sources import store
from ddq.sources.http import Client, Waiting
from ddq.sources.model import Record, SourceConfig
from ddq.sources.trackers import FORMAT, adapter

if TYPE_CHECKING:
    import duckdb

PageRead = Callable[[int, int], None]
"""Told each page as it is read: its number and how many issues have been read so far."""


@dataclass
class Connection:
    """How to reach the trackers: the environment the secrets are read from, and (tests)
    another HTTP transport, clock for waits and back-off."""

    env: Mapping[str, str] | None = None
    transport: httpx.BaseTransport | None = None
    sleep: Callable[[float], None] = time.sleep
    backoff: float | None = None
    timeout: float | None = None

    def client(self, config: SourceConfig, on_wait: Waiting | None = None) -> Client:
        extra: dict[str, Any] = {} if self.timeout is None else {"timeout": self.timeout}
        return Client(config, env=self.env, transport=self.transport, sleep=self.sleep,
                      backoff=self.backoff, on_wait=on_wait, **extra)  # fmt: skip


@dataclass
class SyncResult:
    """What a sync of one source did."""

    source: str
    kind: str
    full: bool
    since: dt.datetime | None
    pages: int
    issues: int
    left_out: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    vanished: int = 0  # bugs no longer found (full sync), marked
    returned: int = 0  # bugs marked vanished that were found again
    import_id: int | None = None
    metrics: bugmetrics.Computation | None = None

    def summary(self) -> str:
        """``import 12: PAY: 3 added, 1 updated, 40 unchanged``, as the command prints it."""
        counts = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        if self.vanished:
            counts += f", {self.vanished} vanished"
        if self.returned:
            counts += f", {self.returned} found again"
        if self.import_id is None:
            return f"{self.source}: {counts}; nothing new, so no import"
        return f"import {self.import_id}: {self.source}: {counts}"


def read(
    client: Client, config: SourceConfig, since: dt.datetime | None, on_page: PageRead | None
) -> tuple[list[Record], int, int]:
    """Every issue the source gives (the last one read of each key wins), the number of
    pages and of items left out. Stores nothing."""
    by_key: dict[str, Record] = {}
    pages = left_out = 0
    for page in adapter(config.kind).pages(client, since):
        pages += 1
        left_out += page.left_out
        for record in page.records:
            by_key.pop(record.key, None)
            by_key[record.key] = record
        if on_page is not None:
            on_page(page.number, len(by_key))
    return list(by_key.values()), pages, left_out


def _columns(
    records: list[Record],
) -> tuple[dict[str, list[str | None]], dict[str, list[list[str]]]]:
    """The issues as columns, one list per field (attrgetter and zip: no Python loop per cell)."""
    if not records:
        return {c: [] for c in RECORD_TEXT}, {c: [] for c in RECORD_LISTS}
    texts = zip(*map(operator.attrgetter(*RECORD_TEXT), records), strict=True)
    lists = zip(*map(operator.attrgetter(*RECORD_LISTS), records), strict=True)
    return (dict(zip(RECORD_TEXT, map(list, texts), strict=True)),
            dict(zip(RECORD_LISTS, map(list, lists), strict=True)))  # fmt: skip


def _record_run(
    con: duckdb.DuckDBPyConnection, config: SourceConfig, *, started: dt.datetime,
    since: dt.datetime | None, full: bool, ok: bool, message: str, who: Actor,
    result: SyncResult | None = None,
) -> None:  # fmt: skip
    """A line in the source's history (inside the caller's transaction, if any)."""
    counts = result or SyncResult(config.name, config.kind, full, since, 0, 0)
    con.execute(
        """
        INSERT INTO source_syncs (source, started_at, finished_at, since, full_read, ok,
            import_id, pages, issues, added, updated, unchanged, vanished, message, who)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        [config.name, started, clock.now(), since, full, ok, counts.import_id, counts.pages,
         counts.issues, counts.added, counts.updated, counts.unchanged, counts.vanished,
         message, str.__str__(who)],
    )  # fmt: skip


class _Membership:
    """What a sync changes about which bugs are the source's, read from the staged issues
    (the view ``bugs_typed``) before anything is written, and written with the import."""

    def __init__(self, con: duckdb.DuckDBPyConnection, config: SourceConfig, full: bool) -> None:
        self.con = con
        self.config = config
        self.full = full
        self.tracker = FORMAT[config.kind]

    def _count(self, sql: str) -> int:
        found: int = scalar(self.con, sql, [self.config.name, self.tracker])
        return found

    _NEW = """
        SELECT count(*) FROM bugs_typed t WHERE NOT EXISTS (
            SELECT 1 FROM source_keys k
            WHERE k.source = $1 AND k.tracker = $2 AND k.key = t.key)
    """
    _RETURNED = """
        SELECT count(*) FROM bugs_vanished v
        WHERE v.source = $1 AND v.tracker = $2 AND v.cleared_by IS NULL
          AND v.key IN (SELECT key FROM bugs_typed)
    """
    _VANISHED_KEYS = """
        FROM source_keys k
        WHERE k.source = $1 AND k.tracker = $2
          AND k.key NOT IN (SELECT key FROM bugs_typed)
          AND EXISTS (SELECT 1 FROM bugs b WHERE b.tracker = k.tracker AND b.key = k.key)
          AND NOT EXISTS (SELECT 1 FROM bugs_vanished v WHERE v.tracker = k.tracker
                          AND v.key = k.key AND v.cleared_by IS NULL)
    """

    def pending(self) -> tuple[int, int, int]:
        """(new members, found again, vanished) this sync would record."""
        vanished = self._count("SELECT count(*) " + self._VANISHED_KEYS) if self.full else 0
        return self._count(self._NEW), self._count(self._RETURNED), vanished

    def write(self, import_id: int) -> tuple[int, int]:
        """Record the changes under ``import_id``; return (found again, vanished)."""
        con, name, tracker = self.con, self.config.name, self.tracker
        _, returned, vanished = self.pending()
        if vanished:
            con.execute(
                "INSERT INTO bugs_vanished (tracker, key, source, import_id) "
                "SELECT k.tracker, k.key, k.source, $3 " + self._VANISHED_KEYS,
                [name, tracker, import_id],
            )
        con.execute(
            "UPDATE bugs_vanished SET cleared_by = $3 WHERE source = $1 AND tracker = $2 "
            "AND cleared_by IS NULL AND key IN (SELECT key FROM bugs_typed)",
            [name, tracker, import_id],
        )
        con.execute(
            "INSERT INTO source_keys (source, tracker, key, import_id) "
            "SELECT $1, $2, t.key, $3 FROM bugs_typed t WHERE NOT EXISTS ("
            "SELECT 1 FROM source_keys k WHERE k.source = $1 AND k.tracker = $2 AND k.key = t.key)",
            [name, tracker, import_id],
        )
        return returned, vanished


@requires(EDITOR, "sync a live source")
@retry_on_conflict  # another change at the same moment: the storing runs again on top of it
def _store(
    con: duckdb.DuckDBPyConnection, config: SourceConfig, records: list[Record],
    outcome: SyncResult, started: dt.datetime, *, who: Actor,
) -> SyncResult:  # fmt: skip
    texts, lists = _columns(records)
    staged = stage_records(con, texts, lists, sha256="")  # no file, so no file hash
    members = _Membership(con, config, outcome.full)

    def apply_when(result: BugsImport) -> bool:
        outcome.added, outcome.updated = result.added, result.updated
        outcome.unchanged = result.unchanged
        new, returned, vanished = members.pending()
        return bool(result.added or result.updated or new or returned or vanished)

    def also(con: duckdb.DuckDBPyConnection, import_id: int) -> dict[str, Any]:
        outcome.returned, outcome.vanished = members.write(import_id)
        outcome.import_id = import_id
        _record_run(con, config, started=started, since=outcome.since, full=outcome.full,
                    ok=True, message=outcome.summary(), who=who, result=outcome)  # fmt: skip
        return {"source": config.name, "since": outcome.since, "full": outcome.full,
                "vanished": outcome.vanished, "found_again": outcome.returned}  # fmt: skip

    fmt = FORMAT[config.kind]
    result = import_staged(
        con, staged, name=f"{config.name} ({config.kind} sync)", fmt=fmt, tracker=fmt, who=who,
        kind=SYNC, report=pipeline.reporter(None), empty_ok=True, apply_when=apply_when,
        also=also,
    )  # fmt: skip
    outcome.metrics = result.metrics
    if result.import_id is None:
        with transaction(con):
            _record_run(con, config, started=started, since=outcome.since, full=outcome.full,
                        ok=True, message=outcome.summary(), who=who, result=outcome)  # fmt: skip
    return outcome


@requires(EDITOR, "sync a live source")
def sync(
    con: duckdb.DuckDBPyConnection,
    name: str,
    *,
    who: Actor,
    full: bool = False,
    connection: Connection | None = None,
    on_wait: Waiting | None = None,
    on_page: PageRead | None = None,
) -> SyncResult:
    """Read one source's changes (everything with ``full``) and store them as one import.

    Raises :class:`ddq.sources.model.SourceError` (reading failed) or
    :class:`ddq.ingest.problems.ImportRejected` (what was read does not import); either way
    nothing of it is stored, and the failure is kept in the source's history.
    """
    config = store.get(con, name)
    since = None if full else store.watermark(con, config.name)
    started = clock.now()
    reach = connection or Connection()
    try:
        with reach.client(config, on_wait) as client:
            records, pages, left_out = read(client, config, since, on_page)
        outcome = SyncResult(config.name, config.kind, full or since is None, since, pages,
                             len(records), left_out)  # fmt: skip
        return _store(con, config, records, outcome, started, who=who)
    except DdqError as exc:
        with transaction(con):
            _record_run(con, config, started=started, since=since, full=full, ok=False,
                        message=str(exc), who=who)  # fmt: skip
        raise


def probe(config: SourceConfig, connection: Connection | None = None) -> str:
    """Test a source's connection: what it found, in one sentence (SourceError otherwise)."""
    with (connection or Connection()).client(config) as client:
        return adapter(config.kind).probe(client)
