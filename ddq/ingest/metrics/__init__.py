"""Importing weekly metric values from a CSV file, all or nothing.

The file is staged by :mod:`ddq.ingest.csvfile`, every cell is checked with set-based SQL
(team, week and metric names are few, so they are resolved once per distinct value in
Python; values are checked per row in SQL), and an accepted file is applied in one
transaction that records what it added and what it overwrote in the ledger.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from ddq import bugmetrics
from ddq import values as values_store
from ddq.access import EDITOR, Actor, requires
from ddq.db import drop_temp, retry_on_conflict, transaction
from ddq.ingest import pipeline
from ddq.ingest.csvfile import MAX_UPLOAD_MB, drop_staged, read_upload, stage_csv
from ddq.ingest.metrics.checks import PREVIEW_ROWS, row_problems, type_cells
from ddq.ingest.metrics.layout import LONG, WIDE, layout_of
from ddq.ingest.metrics.names import parse_week, resolve_names
from ddq.ingest.metrics.result import MetricsImport
from ddq.ingest.pipeline import Progress
from ddq.ingest.problems import ImportRejected, Problem
from ddq.ledger.kinds import METRICS
from ddq.metrics import catalog

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "CREATE_TEAMS_FLAG",
    "LONG",
    "PREVIEW_ROWS",
    "WIDE",
    "MetricsImport",
    "Progress",
    "import_metrics",
    "parse_week",
]

CREATE_TEAMS_FLAG = "--create-teams"  # how the command lets an import create teams


@requires(EDITOR, "import metrics")
@retry_on_conflict  # another change at the same moment: the import runs again on top of it
def import_metrics(
    con: duckdb.DuckDBPyConnection,
    source: Path | bytes,
    *,
    file_name: str | None = None,
    who: Actor,
    dry_run: bool = False,
    create_teams: bool = False,
    create_teams_how: str = CREATE_TEAMS_FLAG,
    max_mb: float | None = MAX_UPLOAD_MB,
    today: dt.date | None = None,
    progress: Progress | None = None,
) -> MetricsImport:
    """Check a metrics CSV file and, unless ``dry_run``, apply it in one transaction.

    Raises :class:`ImportRejected` listing every problem when anything is wrong; the
    database is then left exactly as it was. A file over ``max_mb`` (None: no limit) or
    not a text file is refused before it is parsed. ``create_teams_how`` says, in an
    unknown team's problem, how the person lets the import create teams where they are
    (the command's flag, or a page's checkbox).
    """
    report = pipeline.reporter(progress)
    name = pipeline.source_name(source, file_name, "upload.csv")
    report("reading", 0.0)
    data = read_upload(source, name, max_mb=max_mb)
    staged = stage_csv(con, data, name, path=source if isinstance(source, Path) else None)
    try:
        report("checking", 0.4)
        metrics = {m.key: m for m in catalog(con)}
        layout = layout_of(staged.header, staged.columns, metrics, name)
        keys = resolve_names(
            con, layout, staged.table, metrics, create_teams, today, create_teams_how
        )
        type_cells(con, layout, staged.table, keys)
        problems, hidden, (values, first, last) = row_problems(con, layout, staged.table, keys)
        problems += staged.problems
        if problems:
            raise ImportRejected(name, problems, hidden=hidden)
        if values == 0:
            reason = (
                "the file has a header but no rows"
                if staged.rows == 0
                else "every metric cell is empty; there is nothing to import"
            )
            raise ImportRejected(name, [Problem(0, "", None, reason)])
        report("comparing", 0.6)
        result = _classify(
            con, name, staged.sha256, layout.format, staged.rows, values, (first, last)
        )
        result.dry_run = dry_run
        if not dry_run:
            report("applying", 0.75)
            _apply(con, result, who)
        report("done", 1.0)
        return result
    finally:
        drop_staged(con, staged.table)
        drop_temp(con, "typed", "team_map", "week_map", "metric_map", "changed",
                  views=["preview"])  # fmt: skip


def _classify(
    con: duckdb.DuckDBPyConnection,
    file_name: str,
    sha256: str,
    fmt: str,
    rows_read: int,
    values: int,
    weeks: tuple[dt.date | None, dt.date | None],
) -> MetricsImport:
    """Compare the file's values with the stored ones: what would be added, updated, kept."""
    first, last = weeks
    comparison = values_store.compare(con, "typed", values)
    updated, unchanged = comparison.updated, comparison.unchanged
    new_teams = [
        n
        for (n,) in con.execute(
            "SELECT min(team_name) FROM team_map WHERE team_id IS NULL AND problem IS NULL "
            "GROUP BY team_key ORDER BY team_key"
        ).fetchall()
    ]
    preview = [
        dict(zip(("line", "team", "week", "metric", "value"), r, strict=True))
        for r in con.execute(
            f"SELECT line, m.team_name, week, metric, value FROM preview JOIN "
            f"(SELECT team_no, min(team_name) AS team_name FROM team_map GROUP BY team_no) m "
            f"USING (team_no) ORDER BY line, value_column LIMIT {PREVIEW_ROWS}"
        ).fetchall()
    ]
    return MetricsImport(
        file_name=file_name,
        sha256=sha256,
        format=fmt,
        rows_read=rows_read,
        values=values,
        added=values - updated - unchanged,
        updated=updated,
        unchanged=unchanged,
        teams_created=new_teams,
        weeks=(first, last) if first and last else None,
        preview=preview,
    )


def _apply(con: duckdb.DuckDBPyConnection, result: MetricsImport, who: Actor) -> None:
    with transaction(con):
        with pipeline.recorded(con, METRICS, result, who=who) as recording:
            import_id = recording.import_id
            if result.teams_created:
                con.execute("""
                    INSERT INTO teams (name, name_key)
                    SELECT min(team_name), team_key FROM team_map WHERE team_id IS NULL
                    GROUP BY team_key
                """)
                con.execute(
                    """
                    INSERT INTO import_created_teams (import_id, team_id)
                    SELECT DISTINCT ?, t.id FROM teams t JOIN team_map m ON m.team_key = t.name_key
                    WHERE m.team_id IS NULL
                """,
                    [import_id],
                )
                con.execute("""
                    UPDATE team_map SET team_id = t.id FROM teams t
                    WHERE team_map.team_id IS NULL AND t.name_key = team_map.team_key
                """)
                con.execute("""
                    UPDATE typed SET team_id = m.team_id FROM team_map m
                    WHERE typed.team_id IS NULL AND typed.team_no = m.team_no
                """)
            values_store.write(
                con, "typed", import_id,
                values_store.Comparison(result.values, result.updated, result.unchanged),
            )  # fmt: skip
            recording.teams_created = len(result.teams_created)
            recording.audit = {"rows": result.rows_read, "added": result.added,
                               "updated": result.updated,
                               "teams_created": len(result.teams_created)}  # fmt: skip
        # Uploaded bug metrics take their team-weeks over from computed ones; the import and
        # this refresh land together or not at all.
        result.metrics = bugmetrics.refresh(
            con, who=who, reason=f"after import {recording.import_id} ({result.file_name})"
        )
