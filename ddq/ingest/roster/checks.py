"""Checking each line of a roster file against the rules and the current roster, and
planning what it does: the team created or moved, its champion assigned, handed over,
removed or given another start date.

Rosters are small, so the rows are fetched and checked in Python; every problem is
collected, with its line, before anything changes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq.db import rows
from ddq.ingest.csvfile import strip_export_quote
from ddq.ingest.problems import ImportRejected, Problem
from ddq.metrics import fold_name
from ddq.org import name_key
from ddq.roster import contact_problem, name_problem, since_problem

if TYPE_CHECKING:
    import duckdb

COLUMNS = ("area", "team", "champion", "email", "since")
# Folded header name -> column. The email column may also be headed contact or handle.
_HEADER_NAMES = {fold_name(c): c for c in COLUMNS} | {"contact": "email", "handle": "email"}
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
STAGED = "roster_staged"

# What a row does to its team's champion.
ASSIGN = "assign"  # the team had none (or is new)
HANDOVER = "handover"  # another person takes over
REMOVE = "remove"  # the file leaves the champion empty
SINCE = "since"  # the same person, another start date


@dataclass
class PlannedRow:
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


def columns_of(header: list[str], staged: list[str], file_name: str) -> dict[str, str]:
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


def check_lines(
    con: duckdb.DuckDBPyConnection,
    lines: list[tuple[Any, ...]],
    names: dict[str, str],
    today: dt.date,
) -> tuple[list[PlannedRow], list[Problem]]:
    """Every line checked against the rules and the current roster; what each would do."""
    state = _state(con)
    area_names = {i["id"]: i["name"] for i in state["areas"].values()}
    problems: list[Problem] = []
    planned: list[PlannedRow] = []
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
        row = PlannedRow(
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


def _champion_action(row: PlannedRow) -> str | None:
    current = row.current
    if not row.champion:
        return REMOVE if current else None
    if current is None:
        return ASSIGN
    if _same_person(current, row.champion, row.contact):
        return None if current["since"] == row.since else SINCE
    return HANDOVER


def _term_problem(row: PlannedRow, ended: dict[str, Any] | None) -> str | None:
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
