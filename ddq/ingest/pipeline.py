"""The skeleton every file import follows, whatever its kind.

Each importer (:func:`ddq.ingest.metrics.import_metrics`, :func:`ddq.ingest.roster.import_roster`,
:func:`ddq.ingest.bugs.import_bugs`) runs the same steps:

1. name the file and read it, refusing one too big or not text (:func:`source_name`,
   :func:`ddq.ingest.csvfile.read_upload`), reporting each stage to a :data:`Progress`;
2. stage it in a temporary table with physical line numbers and check every cell with
   set-based SQL, raising :class:`ddq.ingest.problems.ImportRejected` with every problem;
3. compare it with what is stored, into a result that satisfies :class:`ImportResult`
   (what a dry run shows);
4. unless a dry run, apply it in one transaction that opens a ledger row, writes the kind's
   tables and side tables, closes the row with its counts and writes the audit row
   (:func:`recorded`).

Which kinds there are is :mod:`ddq.ledger.kinds`; how each is undone,
:mod:`ddq.ledger.reversal`; which function imports each, :mod:`ddq.ingest.importers`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ddq import audit, ledger
from ddq.access import EDITOR, Actor, requires
from ddq.db import transaction

if TYPE_CHECKING:
    import duckdb

Progress = Callable[[str, float], None]
"""Told each stage of an import as it starts (``"reading"``, ``"checking"``, ...) and how far
along the import is then, from 0.0 to 1.0."""


class ImportResult(Protocol):
    """What every import says it did, or (dry run) would do; the CLI and the Upload page
    show any kind's result through these."""

    file_name: str
    sha256: str
    rows_read: int
    updated: int
    unchanged: int
    import_id: int | None
    dry_run: bool

    @property
    def added(self) -> int: ...

    @property
    def changes_anything(self) -> bool: ...

    def headline(self) -> dict[str, int]: ...

    def notes(self) -> list[str]: ...

    def summary(self) -> str: ...


def _silent(stage: str, fraction: float) -> None:
    """Progress told to no one."""


def reporter(progress: Progress | None) -> Progress:
    """The progress callback to call: the one given, or one that tells no one."""
    return progress or _silent


def source_name(source: Path | bytes, file_name: str | None, default: str) -> str:
    """The name problems and the ledger give the file: as given, the path's, or ``default``."""
    return file_name or (source.name if isinstance(source, Path) else default)


@dataclass
class Recording:
    """An import being applied: its ledger id, and what its audit row and ledger row add."""

    import_id: int
    audit: dict[str, Any] = field(default_factory=dict)
    teams_created: int = 0


@requires(EDITOR, "record an import")
@contextmanager
def recorded(
    con: duckdb.DuckDBPyConnection, kind: str, result: ImportResult, *, who: Actor
) -> Iterator[Recording]:
    """Apply an import in one transaction: open its ledger row, let the block write, then
    record the counts in the ledger and ``{kind}.import`` in the audit log.

    The block fills in ``audit`` (what the audit row says beyond the import's id) and
    ``teams_created``; ``result.import_id`` is set once everything is written.
    """
    with transaction(con):
        import_id: int = ledger.start(
            con, kind=kind, file_name=result.file_name, sha256=result.sha256, who=who
        )
        recording = Recording(import_id)
        yield recording
        ledger.finish(
            con,
            import_id,
            rows_read=result.rows_read,
            added=result.added,
            updated=result.updated,
            unchanged=result.unchanged,
            teams_created=recording.teams_created,
        )
        audit.record(con, who, f"{kind}.import", result.file_name,
                     after={"import_id": import_id, **recording.audit})  # fmt: skip
    result.import_id = import_id
