"""Importing bugs from tracker exports, all or nothing (or without the broken rows).

Three kinds of file: a Jira "Export CSV" (display-name headers; repeated ``Labels`` and
``Component/s`` columns merged into lists, in order; the ``Generated at ...`` footer
dropped), GitHub issues JSON (:mod:`ddq.ingest.github`), and any other CSV through a
column mapping (field -> header; guessed by :func:`guess_mapping`, saved as a named preset
with :func:`save_mapping`).

The machinery is the metrics importer's: the file is staged with physical line numbers
(:mod:`ddq.ingest.csvfile`), every cell is typed and checked with set-based SQL (dates by
:mod:`ddq.ingest.dates`), and an accepted file is applied in one transaction that records
in the ledger what it added, and in ``bug_overwrites`` the rows it replaced, so that
:func:`ddq.ledger.reverse` restores them. A bug is known by (tracker, key): a re-import
updates it, and an identical row is left alone.

A file with broken rows is rejected with every problem named by its line. With
``skip_bad_rows`` the good rows are imported and each skipped row is kept, with its line
and reason, in ``import_skipped``.

An export without resolution dates still says which bugs are done: a bug whose status is
one of the ``done_statuses`` setting (compared case-insensitively) is taken as resolved at
its last update, and marked ``resolved_estimated``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddq import bugmetrics, clock, settings
from ddq.access import EDITOR, Actor, requires
from ddq.db import drop_temp, retry_on_conflict, rows, scalar, transaction
from ddq.errors import DdqError
from ddq.ingest import pipeline
from ddq.ingest.bugs.checks import (
    BUG_COLUMNS,
    TEMP_TABLES,
    bug_rows_sql,
    check_rows,
    define_bugs,
    duplicate_problems,
    find_duplicates,
    row_problems,
    skip_broken_rows,
    skipped_problems,
)
from ddq.ingest.bugs.mappings import (
    CSV,
    DATE_FIELDS,
    FIELD_HELP,
    FIELDS,
    FORMATS,
    GITHUB,
    JIRA,
    LIST_FIELDS,
    REQUIRED,
    SYNONYMS,
    InvalidMapping,
    check_mapping,
    csv_headers,
    fold_header,
    guess_mapping,
    load_mapping,
    mapping_names,
    mapping_warning,
    read_mapping_file,
    resolve_mapping,
    save_mapping,
)
from ddq.ingest.bugs.result import BugsImport
from ddq.ingest.bugs.staging import STAGED, Source, stage_csv_file, stage_json_file, stage_records
from ddq.ingest.csvfile import MAX_UPLOAD_MB, drop_staged, read_upload
from ddq.ingest.pipeline import Progress
from ddq.ingest.problems import ImportRejected, Problem
from ddq.ledger.kinds import BUGS

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "BUG_COLUMNS",
    "CSV",
    "DATE_FIELDS",
    "FIELDS",
    "FIELD_HELP",
    "FORMATS",
    "GITHUB",
    "JIRA",
    "KIND",
    "LIST_FIELDS",
    "PREVIEW_ROWS",
    "REQUIRED",
    "SYNONYMS",
    "BugsImport",
    "InvalidMapping",
    "Progress",
    "Recorder",
    "Source",
    "check_mapping",
    "csv_headers",
    "fold_header",
    "guess_mapping",
    "import_bugs",
    "import_staged",
    "load_mapping",
    "mapping_names",
    "mapping_warning",
    "read_mapping_file",
    "resolve_mapping",
    "save_mapping",
    "stage_records",
]

KIND = BUGS
PREVIEW_ROWS = 20
# The columns whose difference makes a re-imported bug "changed".
_CONTENT = [c for c in BUG_COLUMNS if c not in ("tracker", "key", "import_id")]


def _classify(con: duckdb.DuckDBPyConnection, tracker: str) -> tuple[int, int, int]:
    """(rows, changed, unchanged): how the file's bugs compare with the stored ones."""
    total = scalar(con, "SELECT count(*) FROM bugs_checked WHERE NOT skip")
    stored = scalar(con, "SELECT count(*) FROM bugs WHERE tracker = ?", [tracker])
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM b.{c}" for c in _CONTENT)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE bugs_matched AS
        SELECT t.key, ({differs}) AS differs
        FROM {"bugs_typed" if stored else "(SELECT * FROM bugs_typed WHERE false)"} t
        JOIN bugs b ON b.tracker = ? AND b.key = t.key
        """,
        [tracker],
    )
    counts = con.execute(
        "SELECT count(*) FILTER (differs), count(*) FILTER (NOT differs) FROM bugs_matched"
    ).fetchone()
    assert counts is not None  # an aggregate returns one row
    changed, unchanged = counts
    return total, changed, unchanged


def _preview(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return rows(
        con,
        f"""
        SELECT t.line, t.key, t.type, t.status, t.priority,
               array_to_string(t.components, '; ') AS components,
               strftime(t.created, '%Y-%m-%d %H:%M') AS created,
               strftime(t.resolved, '%Y-%m-%d %H:%M')
                   || CASE WHEN t.resolved_estimated THEN ' (estimated)' ELSE '' END AS resolved,
               t.summary,
               CASE WHEN m.key IS NULL THEN 'new' WHEN m.differs THEN 'changed'
                    ELSE 'unchanged' END AS change
        FROM (SELECT * FROM bugs_typed LIMIT {PREVIEW_ROWS}) t
        LEFT JOIN bugs_matched m USING (key)
        ORDER BY t.item, t.line
        """,
    )


def _apply(
    con: duckdb.DuckDBPyConnection,
    result: BugsImport,
    tracker: str,
    who: Actor,
    kind: str,
    also: Recorder | None,
) -> None:
    columns = ", ".join(BUG_COLUMNS)
    with pipeline.recorded(con, kind, result, who=who) as recording:
        import_id = recording.import_id
        if result.updated:
            con.execute(
                f"""
                INSERT INTO bug_overwrites (overwritten_by, {columns})
                SELECT ?, {", ".join(f"b.{c}" for c in BUG_COLUMNS)}
                FROM bugs b JOIN bugs_matched m ON b.tracker = ? AND b.key = m.key
                WHERE m.differs
                """,
                [import_id, tracker],
            )
            con.execute(
                """
                DELETE FROM bugs WHERE tracker = ? AND key IN (
                    SELECT key FROM bugs_matched WHERE differs)
                """,
                [tracker],
            )
        values = ", ".join(f"t.{c}" for c in BUG_COLUMNS if c != "import_id")
        if result.added or result.updated:
            unchanged = "ANTI JOIN (SELECT key FROM bugs_matched WHERE NOT differs) u USING (key)"
            con.execute(
                f"""
                INSERT INTO bugs ({columns})
                SELECT {values}, ? FROM bugs_typed t {unchanged if result.unchanged else ""}
                """,
                [import_id],
            )
        if result.skipped_count:
            con.execute(
                "INSERT INTO import_skipped (import_id, line, reason) "
                "SELECT ?, line, reason FROM bugs_skipped ORDER BY line",
                [import_id],
            )
        recording.audit = {
            "format": result.format, "added": result.added, "updated": result.updated,
            "unchanged": result.unchanged, "skipped": result.skipped_count,
            "estimated": result.estimated,
        }  # fmt: skip
        if also is not None:
            recording.audit |= also(con, import_id)


@requires(EDITOR, "import bugs")
@retry_on_conflict  # another change at the same moment: the import runs again on top of it
def import_bugs(
    con: duckdb.DuckDBPyConnection,
    source: Path | bytes,
    *,
    file_name: str | None = None,
    who: Actor,
    format: str = JIRA,
    mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | str | None = None,
    skip_bad_rows: bool = False,
    dry_run: bool = False,
    max_mb: float | None = MAX_UPLOAD_MB,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> BugsImport:
    """Check a bug export and, unless ``dry_run``, apply it in one transaction.

    ``format`` is ``jira``, ``github`` or ``csv``; ``mapping`` (field -> header, or a saved
    mapping's name) says which column holds what in a CSV file (guessed when not given;
    for a Jira export it overrides the guess). Raises :class:`ImportRejected` listing every
    problem when anything is wrong (with ``skip_bad_rows``, only when nothing can be read);
    the database is then left exactly as it was. A file over ``max_mb`` (None: no limit) or
    not a text file, CSV or JSON, is refused before it is parsed.
    """
    report = pipeline.reporter(progress)
    fmt = (format or JIRA).strip().lower()
    if fmt not in FORMATS:
        raise DdqError(f"Unknown bug export format {format!r}; use jira, github or csv.")
    name = pipeline.source_name(source, file_name, "upload")
    chosen: dict[str, str] | None
    if isinstance(mapping, str):
        chosen = load_mapping(con, mapping)
    else:
        chosen = check_mapping(mapping) if mapping is not None else None
    tracker = fmt
    report("reading", 0.0)
    data = read_upload(source, name, max_mb=max_mb)
    try:
        if fmt == GITHUB:
            staged = stage_json_file(con, data, name)
        else:
            staged = stage_csv_file(con, source, data, name, fmt, chosen)
    except BaseException:
        drop_staged(con, STAGED)
        raise
    return import_staged(
        con, staged, name=name, fmt=fmt, tracker=tracker, who=who, skip_bad_rows=skip_bad_rows,
        dry_run=dry_run, report=report, today=today,
    )  # fmt: skip


Recorder = Callable[["duckdb.DuckDBPyConnection", int], dict[str, Any]]
"""Told the import's id inside its transaction, after its bugs are written and before the
metrics are computed; writes what else the import stands for, and returns what its audit row
adds."""


@requires(EDITOR, "import bugs")
def import_staged(
    con: duckdb.DuckDBPyConnection,
    staged: Source,
    *,
    name: str,
    fmt: str,
    tracker: str,
    who: Actor,
    kind: str = KIND,
    skip_bad_rows: bool = False,
    dry_run: bool = False,
    report: Progress,
    today: dt.date | None = None,
    empty_ok: bool = False,
    apply_when: Callable[[BugsImport], bool] | None = None,
    also: Recorder | None = None,
) -> BugsImport:
    """Check staged bugs (a file's, or a live source's) and, unless ``dry_run``, apply them.

    Every bug import goes through here: the checks, the comparison by key, the ledger row
    of ``kind``, and the bug metrics recomputed in the same transaction. ``apply_when`` may
    decide, once the comparison is known, that there is nothing worth applying; ``also``
    records what else the import stands for. The staged table is dropped in every case.
    """
    try:
        if staged.fatal:
            raise ImportRejected(name, staged.fatal + staged.bad_rows)
        report("checking", 0.3)
        done = [s.lower() for s in settings.as_list(settings.current(con)["done_statuses"])]
        latest = dt.datetime.combine((today or clock.today()) + dt.timedelta(days=2), dt.time())
        rows_sql = bug_rows_sql(con, staged, tracker, done, latest)
        check_rows(con, rows_sql)
        key_header = staged.headers.get("key", "key")
        if skip_bad_rows:
            skip_broken_rows(con, staged)
        else:
            problems, hidden = row_problems(con, staged)
            if find_duplicates(con):
                problems += duplicate_problems(con, key_header)
            problems += staged.bad_rows
            if problems:
                raise ImportRejected(name, problems, hidden=hidden)
        define_bugs(con, rows_sql)
        report("comparing", 0.6)
        total, changed, unchanged = _classify(con, tracker)
        if total == 0 and not empty_ok:
            reason = (
                "the file has no issues"
                if staged.rows_read == 0
                else "every row has a problem; there is nothing to import"
            )
            raise ImportRejected(name, [Problem(0, "", None, reason)])
        skipped, skipped_count = skipped_problems(con, staged)
        kept = con.execute(
            "SELECT count(*) FILTER (resolved_estimated), count(*) FILTER (done_without_time), "
            "min(created), max(created) FROM bugs_checked WHERE NOT skip"
        ).fetchone()
        assert kept is not None  # an aggregate returns one row
        estimated, without, first, last = kept
        result = BugsImport(
            file_name=name,
            sha256=staged.sha256,
            format=fmt,
            rows_read=staged.rows_read,
            added=total - changed - unchanged,
            updated=changed,
            unchanged=unchanged,
            skipped=skipped,
            skipped_count=skipped_count,
            estimated=estimated,
            done_without_time=without,
            created_range=(first, last) if first else None,
            mapping=staged.mapping,
            footer_dropped=staged.footer_dropped,
            pull_requests=staged.pull_requests,
            no_repository=staged.no_repository,
            preview=_preview(con),
            dry_run=dry_run,
        )
        if not dry_run and (apply_when is None or apply_when(result)):
            report("applying", 0.75)
            with transaction(con):  # the bugs and the metrics computed from them, or neither
                _apply(con, result, tracker, who, kind, also)
                report("computing the bug metrics", 0.85)
                result.metrics = bugmetrics.refresh(
                    con, who=who, reason=f"after import {result.import_id} ({name})"
                )
        report("done", 1.0)
        return result
    finally:
        drop_temp(con, views=["bugs_typed"])
        drop_staged(con, STAGED)
        drop_temp(con, *TEMP_TABLES)
