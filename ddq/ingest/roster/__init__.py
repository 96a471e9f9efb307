"""Importing the champion roster (``area,team,champion,email,since``), all or nothing.

The roster is where the organisation is defined: importing it creates the areas and teams
it names, moves teams between areas, and sets each named team's champion (a handover when
the champion changes; an empty champion means the team has none). Teams the file does not
name are left alone.

The file is staged by :mod:`ddq.ingest.csvfile` like every upload. Rosters are small, so
the rows are then fetched and checked in Python against the current roster; every problem
is collected, with its line, before anything changes. An accepted file is applied in one
transaction through :mod:`ddq.roster`, and each change is recorded in ``roster_changes``
so that :func:`ddq.ledger.reverse` can reverse it exactly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddq import clock
from ddq.access import EDITOR, Actor, requires
from ddq.ingest import pipeline
from ddq.ingest.csvfile import MAX_UPLOAD_MB, drop_staged, read_upload, stage_csv
from ddq.ingest.pipeline import Progress
from ddq.ingest.problems import ImportRejected, Problem
from ddq.ingest.roster.checks import (
    ASSIGN,
    COLUMNS,
    HANDOVER,
    REMOVE,
    SINCE,
    STAGED,
    PlannedRow,
    check_lines,
    columns_of,
)
from ddq.ingest.roster.result import RosterImport
from ddq.ledger.kinds import ROSTER
from ddq.roster import close_term, ensure_area, ensure_team, open_term

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "ASSIGN",
    "COLUMNS",
    "HANDOVER",
    "KIND",
    "REMOVE",
    "SINCE",
    "Progress",
    "RosterImport",
    "import_roster",
]

KIND = ROSTER


@requires(EDITOR, "import a roster")
def import_roster(
    con: duckdb.DuckDBPyConnection,
    source: Path | bytes,
    *,
    file_name: str | None = None,
    who: Actor,
    dry_run: bool = False,
    today: dt.date | None = None,
    max_mb: float | None = MAX_UPLOAD_MB,
    progress: Progress | None = None,
) -> RosterImport:
    """Check a roster CSV file and, unless ``dry_run``, apply it in one transaction.

    Raises :class:`ImportRejected` listing every problem when anything is wrong; the
    database is then left exactly as it was. A file over ``max_mb`` (None: no limit) or
    not a text file is refused before it is parsed.
    """
    report = pipeline.reporter(progress)
    name = pipeline.source_name(source, file_name, "roster.csv")
    day = today or clock.today()
    report("reading", 0.0)
    data = read_upload(source, name, max_mb=max_mb)
    staged = stage_csv(
        con, data, name, path=source if isinstance(source, Path) else None, table=STAGED
    )
    try:
        report("checking", 0.4)
        columns = columns_of(staged.header, staged.columns, name)
        selected = ", ".join(f"coalesce({columns[c]}, '')" for c in COLUMNS)
        lines = con.execute(f"SELECT line, {selected} FROM {STAGED} ORDER BY line").fetchall()
    finally:
        drop_staged(con, STAGED)
    headers = dict(zip(staged.columns, staged.header, strict=True))
    names = {c: headers[columns[c]] for c in COLUMNS}
    planned, problems = check_lines(con, lines, names, day)
    problems += staged.problems
    if problems:
        raise ImportRejected(name, problems)
    if not planned:
        raise ImportRejected(name, [Problem(0, "", None, "the file has a header but no rows")])
    report("comparing", 0.6)
    result = _summarise(name, staged.sha256, planned)
    result.dry_run = dry_run
    if not dry_run:
        report("applying", 0.75)
        _apply(con, result, planned, who, day)
    report("done", 1.0)
    return result


def _summarise(file_name: str, sha256: str, planned: list[PlannedRow]) -> RosterImport:
    actions = [r.champion_action for r in planned]
    return RosterImport(
        file_name=file_name,
        sha256=sha256,
        rows_read=len(planned),
        areas_created=[r.area for r in planned if r.new_area],
        teams_created=[r.team for r in planned if r.team_id is None],
        teams_moved=sum(r.moved for r in planned),
        champions_assigned=actions.count(ASSIGN),
        handovers=actions.count(HANDOVER),
        champions_removed=actions.count(REMOVE),
        starts_changed=actions.count(SINCE),
        updated=sum(r.team_id is not None and r.changed for r in planned),
        unchanged=sum(not r.changed for r in planned),
        preview=[
            {
                "line": r.line,
                "area": r.area,
                "team": r.team,
                "champion": r.champion,
                "action": r.action(),
            }
            for r in planned
        ],
    )


def _apply(
    con: duckdb.DuckDBPyConnection,
    result: RosterImport,
    planned: list[PlannedRow],
    who: Actor,
    today: dt.date,
) -> None:
    with pipeline.recorded(con, KIND, result, who=who) as recording:
        import_id = recording.import_id
        seq = 0

        def record(kind: str, **ids: Any) -> None:
            nonlocal seq
            seq += 1
            con.execute(
                "INSERT INTO roster_changes (import_id, seq, kind, area_id, team_id, "
                "champion_id, old_area_id, old_since) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [import_id, seq, kind, ids.get("area_id"), ids.get("team_id"),
                 ids.get("champion_id"), ids.get("old_area_id"), ids.get("old_since")],
            )  # fmt: skip

        for row in planned:
            area_id = None
            if row.area:
                area_id, created = ensure_area(con, row.area)
                if created:
                    record("area_created", area_id=area_id)
                    con.execute(
                        "INSERT INTO import_created_areas (import_id, area_id) VALUES (?, ?)",
                        [import_id, area_id],
                    )
            team_id, created, _ = ensure_team(con, row.team, area_id)
            if created:
                record("team_created", team_id=team_id, area_id=area_id)
                con.execute(
                    "INSERT INTO import_created_teams (import_id, team_id) VALUES (?, ?)",
                    [import_id, team_id],
                )
            elif row.moved:
                if area_id is None:  # ensure_team moves into an area, never out of one
                    con.execute("UPDATE teams SET area_id = NULL WHERE id = ?", [team_id])
                record("team_moved", team_id=team_id, area_id=area_id, old_area_id=row.old_area_id)
            _apply_champion(con, row, team_id, import_id, today, record)
        recording.teams_created = len(result.teams_created)
        recording.audit = result.counts()


def _apply_champion(
    con: duckdb.DuckDBPyConnection,
    row: PlannedRow,
    team_id: int,
    import_id: int,
    today: dt.date,
    record: Callable[..., None],
) -> None:
    action, current = row.champion_action, row.current
    if action in (ASSIGN, HANDOVER):
        assert row.since is not None
        opened, closed = open_term(
            con, team_id, row.champion, row.contact, row.since, import_id=import_id
        )
        if closed is not None:
            record("champion_closed", team_id=team_id, champion_id=closed)
        record("champion_opened", team_id=team_id, champion_id=opened)
    elif action == REMOVE:
        closed = close_term(con, team_id, today)
        if closed is not None:
            record("champion_closed", team_id=team_id, champion_id=closed)
    elif action == SINCE and current is not None:
        con.execute("UPDATE champions SET since = ? WHERE id = ?", [row.since, current["id"]])
        record(
            "champion_since", team_id=team_id, champion_id=current["id"], old_since=current["since"]
        )
