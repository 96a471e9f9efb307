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
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddq import clock
from ddq.access import EDITOR, Actor, requires
from ddq.db import rows
from ddq.ingest import pipeline
from ddq.ingest.csvfile import (
    MAX_UPLOAD_MB,
    drop_staged,
    read_upload,
    stage_csv,
    strip_export_quote,
)
from ddq.ingest.kinds import ROSTER
from ddq.ingest.pipeline import Progress
from ddq.ingest.problems import ImportRejected, Problem
from ddq.metrics import fold_name
from ddq.org import name_key
from ddq.roster import (
    close_term,
    contact_problem,
    ensure_area,
    ensure_team,
    name_problem,
    open_term,
    since_problem,
)

if TYPE_CHECKING:
    import duckdb

KIND = ROSTER
COLUMNS = ("area", "team", "champion", "email", "since")
# Folded header name -> column. The email column may also be headed contact or handle.
_HEADER_NAMES = {fold_name(c): c for c in COLUMNS} | {"contact": "email", "handle": "email"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STAGED = "roster_staged"

# What a row does to its team's champion.
ASSIGN = "assign"  # the team had none (or is new)
HANDOVER = "handover"  # another person takes over
REMOVE = "remove"  # the file leaves the champion empty
SINCE = "since"  # the same person, another start date


@dataclass
class _Row:
    """One checked line of the file and what applying it would do."""

    line: int
    area: str  # as it will be stored or is stored; "" when the team has no area
    team: str
    champion: str
    contact: str
    since: dt.date | None
    team_id: int | None = None  # None: the import creates the team
    new_area: bool = False  # this line is the first to name an area the import creates
    moved: bool = False
    old_area: str = ""
    old_area_id: int | None = None
    current: dict[str, Any] | None = None  # the team's champion now
    champion_action: str | None = None

    def action(self) -> str:
        parts = []
        if self.team_id is None:
            parts.append("new team")
        elif self.moved:
            parts.append(f"moved from {self.old_area or 'no area'}")
        if self.new_area:
            parts.append("new area")
        current = self.current
        if self.champion_action == ASSIGN:
            parts.append("champion assigned")
        elif self.champion_action == HANDOVER and current:
            parts.append(f"handover from {current['person']}")
        elif self.champion_action == REMOVE and current:
            parts.append(f"champion {current['person']} removed")
        elif self.champion_action == SINCE and current:
            parts.append(f"start date changed from {current['since']:%Y-%m-%d}")
        return "; ".join(parts) or "unchanged"

    @property
    def changed(self) -> bool:
        return self.team_id is None or self.moved or self.champion_action is not None


@dataclass
class RosterImport:
    """What an import of a roster file did, or (dry run) would do."""

    file_name: str
    sha256: str
    rows_read: int
    areas_created: list[str]
    teams_created: list[str]
    teams_moved: int
    champions_assigned: int
    handovers: int
    champions_removed: int
    starts_changed: int
    updated: int  # existing teams whose area or champion changes
    unchanged: int
    preview: list[dict[str, Any]] = field(default_factory=list)  # every line and its action
    import_id: int | None = None
    dry_run: bool = False

    @property
    def added(self) -> int:
        """Teams created (the ledger's "added")."""
        return len(self.teams_created)

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "areas_created": len(self.areas_created),
            "teams_created": len(self.teams_created),
            "teams_moved": self.teams_moved,
            "champions_assigned": self.champions_assigned,
            "handovers": self.handovers,
            "champions_removed": self.champions_removed,
            "starts_changed": self.starts_changed,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }

    def headline(self) -> dict[str, int]:
        """The numbers a person checks before applying, labelled for people."""
        return {"Rows": self.rows_read, "New teams": len(self.teams_created),
                "Handovers": self.handovers, "Changed": self.updated,
                "Unchanged": self.unchanged}  # fmt: skip

    def notes(self) -> list[str]:
        found = []
        if self.areas_created:
            found.append("These areas will be created: " + ", ".join(self.areas_created) + ".")
        if self.teams_created:
            found.append("These teams will be created: " + ", ".join(self.teams_created) + ".")
        return found

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.updated)

    def summary(self) -> str:
        parts = []
        created = [
            _count(len(self.areas_created), "area"),
            _count(len(self.teams_created), "team"),
        ]
        created = [c for c in created if c]
        if created:
            parts.append(" and ".join(created) + " created")
        for count, one, many in (
            (self.champions_assigned, "champion assigned", "champions assigned"),
            (self.handovers, "handover", "handovers"),
            (self.champions_removed, "champion removed", "champions removed"),
            (self.starts_changed, "start date changed", "start dates changed"),
            (self.teams_moved, "team moved", "teams moved"),
        ):
            if count:
                parts.append(f"{count} {one if count == 1 else many}")
        parts.append(f"{self.unchanged} unchanged")
        counts = ", ".join(parts)
        if self.dry_run:
            return f"dry run of {self.file_name}: would be {counts}; nothing was changed"
        return f"import {self.import_id}: {counts}"


def _count(n: int, noun: str) -> str:
    return "" if not n else f"{n} {noun}" + ("" if n == 1 else "s")


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
        con, data, name, path=source if isinstance(source, Path) else None, table=_STAGED
    )
    try:
        report("checking", 0.4)
        columns = _columns(staged.header, staged.columns, name)
        selected = ", ".join(f"coalesce({columns[c]}, '')" for c in COLUMNS)
        lines = con.execute(f"SELECT line, {selected} FROM {_STAGED} ORDER BY line").fetchall()
    finally:
        drop_staged(con, _STAGED)
    headers = dict(zip(staged.columns, staged.header, strict=True))
    names = {c: headers[columns[c]] for c in COLUMNS}
    planned, problems = _check(con, lines, names, day)
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


def _columns(header: list[str], staged: list[str], file_name: str) -> dict[str, str]:
    """Each roster column's staged column, matched by folded header name in any order."""
    problems: list[Problem] = []
    found: dict[str, str] = {}  # roster column -> staged column
    for position, (column, title) in enumerate(zip(staged, header, strict=True), start=1):
        key = fold_name(title)
        role = _HEADER_NAMES.get(key)
        if not key:
            problems.append(
                Problem(
                    1,
                    str(position),
                    title,
                    "the header has an empty column name; name it or delete the column",
                )
            )
        elif role is None:
            problems.append(
                Problem(
                    1,
                    title,
                    None,
                    "unknown column; a roster file has the columns " + ",".join(COLUMNS),
                )
            )
        elif role in found:
            other = header[staged.index(found[role])]
            problems.append(
                Problem(
                    1, title, None, f"appears twice in the header (also as {other!r}); keep one"
                )
            )
        else:
            found[role] = column
    missing = [c for c in COLUMNS if c not in found]
    if missing:
        problems.append(
            Problem(
                1,
                "",
                ",".join(header),
                f"the header has no {' or '.join(missing)} column; a roster file starts with "
                + ",".join(COLUMNS),
            )
        )
    if problems:
        raise ImportRejected(file_name, problems)
    return found


def _clean(raw: str) -> str:
    return strip_export_quote(raw.strip())


def _parse_day(text: str) -> dt.date | None:
    if not _ISO_DAY.match(text):
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _state(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """The roster as it is: teams and areas by name key, current and past champions."""
    currents: dict[int, list[dict[str, Any]]] = {}
    for row in rows(
        con, "SELECT id, team_id, person, contact, since FROM champions WHERE until IS NULL"
    ):
        currents.setdefault(row["team_id"], []).append(row)
    return {
        "teams": {
            name_key(r["name"]): r for r in rows(con, "SELECT id, name, area_id, active FROM teams")
        },
        "areas": {name_key(r["name"]): r for r in rows(con, "SELECT id, name FROM areas")},
        "currents": currents,
        # The latest end of a past term per team: a new term may not start before it.
        "ended": {
            r["team_id"]: r
            for r in rows(
                con,
                "SELECT team_id, arg_max(person, until) AS person, max(until) AS until "
                "FROM champions WHERE until IS NOT NULL GROUP BY team_id",
            )
        },
    }


def _check(
    con: duckdb.DuckDBPyConnection,
    lines: list[tuple[Any, ...]],
    names: dict[str, str],
    today: dt.date,
) -> tuple[list[_Row], list[Problem]]:
    """Every line checked against the rules and the current roster; what each would do."""
    state = _state(con)
    area_names = {i["id"]: i["name"] for i in state["areas"].values()}
    problems: list[Problem] = []
    planned: list[_Row] = []
    first_line: dict[str, int] = {}
    new_areas: dict[str, str] = {}  # key -> name, of areas the import creates

    for line, area_raw, team_raw, champion_raw, email_raw, since_raw in lines:
        before = len(problems)

        def problem(column: str, raw: str, reason: str, line: int = line) -> None:
            problems.append(Problem(line, names[column], raw, reason))

        area, team = _clean(area_raw), _clean(team_raw)
        champion, contact, since_text = _clean(champion_raw), _clean(email_raw), since_raw.strip()
        if reason := name_problem(team, "team"):
            problem("team", team_raw, reason)
        if area and (reason := name_problem(area, "area")):
            problem("area", area_raw, reason)
        since: dt.date | None = None
        if champion:
            if reason := name_problem(champion, "champion's name"):
                problem("champion", champion_raw, reason)
            if reason := contact_problem(contact):
                problem("email", email_raw, reason)
            if not since_text:
                problem(
                    "since",
                    since_raw,
                    "the start date is empty; give the day the champion started, as YYYY-MM-DD",
                )
            elif (since := _parse_day(since_text)) is None:
                problem(
                    "since", since_raw, "not a date: write it as YYYY-MM-DD, such as 2026-03-02"
                )
            elif reason := since_problem(since, today):
                problem("since", since_raw, reason)
                since = None
        else:
            for column, raw in (("email", email_raw), ("since", since_raw)):
                if raw.strip():
                    problem(
                        column,
                        raw,
                        f"the champion is empty, so the {names[column]} must be empty too; "
                        f"give the champion's name, or clear the {names[column]} of a team "
                        "without a champion",
                    )
        key = name_key(team)
        if key and key in first_line:
            problem(
                "team",
                team_raw,
                f"this team is also on line {first_line[key]}; a roster names each team once",
            )
            continue
        if key:
            first_line[key] = line
        existing = state["teams"].get(key)
        row = _Row(
            line=line,
            area=" ".join(area.split()),
            team=existing["name"] if existing else " ".join(team.split()),
            champion=champion,
            contact=contact,
            since=since,
        )
        area_key = name_key(area)
        if area_key:
            known_area = state["areas"].get(area_key)
            if known_area:
                row.area = known_area["name"]
            elif area_key in new_areas:
                row.area = new_areas[area_key]  # as the first line naming it spells it
            else:
                new_areas[area_key] = row.area
                row.new_area = True
        if existing:
            row.team_id = existing["id"]
            current_area = existing["area_id"]
            row.old_area_id = current_area
            row.old_area = area_names.get(current_area, "") if current_area is not None else ""
            known_area = state["areas"].get(area_key)
            if known_area is None:  # a new area (the team moves into it), or none
                row.moved = bool(area_key) or current_area is not None
            else:
                row.moved = known_area["id"] != current_area
            if not existing["active"]:
                problem(
                    "team",
                    team_raw,
                    "the team is retired; reactivate it before naming it in a roster, or "
                    "remove this line",
                )
            currents = state["currents"].get(existing["id"], [])
            if len(currents) > 1:
                problem(
                    "team",
                    team_raw,
                    f"the team has {len(currents)} current champions in the database; "
                    "run `ddq check` and repair it first",
                )
            row.current = currents[0] if currents else None
        if len(problems) > before:
            continue
        row.champion_action = _champion_action(row)
        if (reason := _term_problem(row, state["ended"].get(row.team_id))) is not None:
            problem("since", since_raw, reason)
            continue
        planned.append(row)
    return planned, problems


def _same_person(current: dict[str, Any], person: str, contact: str) -> bool:
    return bool(current["person"] == person and current["contact"].lower() == contact.lower())


def _champion_action(row: _Row) -> str | None:
    current = row.current
    if not row.champion:
        return REMOVE if current else None
    if current is None:
        return ASSIGN
    if _same_person(current, row.champion, row.contact):
        return None if current["since"] == row.since else SINCE
    return HANDOVER


def _term_problem(row: _Row, ended: dict[str, Any] | None) -> str | None:
    """Why the line's start date would break the team's history (None when it would not)."""
    if row.champion_action not in (ASSIGN, HANDOVER, SINCE) or row.since is None:
        return None
    current = row.current
    if row.champion_action == HANDOVER and current and row.since < current["since"]:
        return (
            f"the start date is before {current['since']:%Y-%m-%d}, when the current champion "
            f"{current['person']} started; a handover starts on or after that day"
        )
    if ended and row.since < ended["until"]:
        return (
            f"the start date is before {ended['until']:%Y-%m-%d}, when {ended['person']}'s "
            "term ended; a team's champion terms cannot overlap"
        )
    return None


def _summarise(file_name: str, sha256: str, planned: list[_Row]) -> RosterImport:
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
    planned: list[_Row],
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
    row: _Row,
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
