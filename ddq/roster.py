"""The champion roster and the organisation it defines: areas, teams, champion terms.

Every team has at most one current champion (a term with no end). A handover closes the
current term and opens the next one in the same transaction; terms are never deleted, so
the history stays. A person may champion several teams. Every change writes the audit log.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any, TypedDict, cast

from ddq import audit, clock
from ddq.access import ADMIN, EDITOR, Actor, requires
from ddq.db import claim, retry_on_conflict, rows, scalar, transaction
from ddq.errors import Conflict, DdqError, NotFound, changed_since, stale
from ddq.metrics import EARLIEST_WEEK
from ddq.org import find_own_team, name_key
from ddq.settings import validate

if TYPE_CHECKING:
    import duckdb

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDLE = re.compile(r"^@[\w.\-]{1,80}$")
MAX_NAME = 120


class InvalidRosterEntry(DdqError):
    """A champion, team or area value that ddq does not accept."""


class Champion(TypedDict):
    """A team's current champion term."""

    id: int
    person: str
    contact: str
    since: dt.date


class ChampionTerm(TypedDict):
    """One champion term of a team; ``until`` is None while it lasts."""

    person: str
    contact: str
    since: dt.date
    until: dt.date | None


class RosterRow(TypedDict):
    """An active team with its area and current champion (None when it has none)."""

    area: str | None
    area_head: str | None
    team: str
    champion: str | None
    contact: str | None
    since: dt.date | None
    tenure_days: int | None
    also_champions: list[str]  # the other teams the same person champions


class AreaDetail(TypedDict):
    """An area with its head, channels and links, and how many teams lack a champion."""

    area: str
    sort_key: str
    head: str | None
    champions_channel: str | None
    community_channel: str | None
    coaching_url: str | None
    workshop_url: str | None
    teams: int
    without_champion: int


def contact_problem(value: str) -> str | None:
    """Why a contact is not accepted (None when it is): an email address or an @handle."""
    if not value:
        return "the email or handle is empty; give an email address or a chat handle (@name)"
    if _EMAIL.match(value) or _HANDLE.match(value):
        return None
    return "not an email address (name@example.com) or a chat handle (@name)"


def since_problem(since: dt.date, today: dt.date | None = None) -> str | None:
    """Why a start date is not accepted (None when it is)."""
    if since > (today or clock.today()):
        return "the start date is in the future; record a handover once it has happened"
    if since < EARLIEST_WEEK:
        return "the start date is before 2000; check the year"
    return None


def name_problem(value: str, what: str) -> str | None:
    if not value.strip():
        return f"the {what} is empty"
    if len(value) > MAX_NAME:
        return f"the {what} is longer than {MAX_NAME} characters"
    return None


def hold_team(con: duckdb.DuckDBPyConnection, team_id: int) -> None:
    """Claim the team for this transaction (see :func:`ddq.db.claim`).

    Every change of a team's roster row (its champion terms, its area, retiring it)
    holds the team first: two of them at once could otherwise both commit (two first
    champions of one team, a handover into a team being retired), as they write
    different rows.
    """
    claim(con, "team", team_id)


def current_champion(con: duckdb.DuckDBPyConnection, team_id: int) -> Champion | None:
    """The team's current champion term, or None; Conflict when the data holds two."""
    found = rows(
        con,
        "SELECT id, person, contact, since FROM champions WHERE team_id = ? AND until IS NULL",
        [team_id],
    )
    if len(found) > 1:  # never written by ddq; `ddq check` reports it too
        raise Conflict(f"Team {team_id} has {len(found)} current champions; run `ddq check`.")
    return cast(Champion, found[0]) if found else None


def open_term(
    con: duckdb.DuckDBPyConnection,
    team_id: int,
    person: str,
    contact: str,
    since: dt.date,
    *,
    import_id: int | None = None,
) -> tuple[int, int | None]:
    """Hand the team over to ``person`` from ``since`` (inside the caller's transaction).

    Closes the current term on ``since`` (the day the new one starts) and opens the new
    one. Returns (new champion id, closed champion id or None). The caller validates.
    """
    hold_team(con, team_id)
    closed = current_champion(con, team_id)
    if closed is not None:
        if since < closed["since"]:
            raise InvalidRosterEntry(
                f"{person} cannot start on {since}: the current champion {closed['person']} "
                f"started on {closed['since']}; a handover starts on or after that day."
            )
        con.execute("UPDATE champions SET until = ?, closed_at = ? WHERE id = ?",
                    [since, clock.now(), closed["id"]])  # fmt: skip
    new_id = scalar(
        con,
        "INSERT INTO champions (team_id, person, contact, since, created_at, import_id) "
        "VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        [team_id, person.strip(), contact.strip(), since, clock.now(), import_id],
    )
    return new_id, None if closed is None else closed["id"]


def close_term(con: duckdb.DuckDBPyConnection, team_id: int, until: dt.date) -> int | None:
    """End the team's current term on ``until`` (caller's transaction); its id, or None."""
    hold_team(con, team_id)
    closed = current_champion(con, team_id)
    if closed is None:
        return None
    if until < closed["since"]:
        until = closed["since"]
    con.execute("UPDATE champions SET until = ?, closed_at = ? WHERE id = ?",
                [until, clock.now(), closed["id"]])  # fmt: skip
    closed_id: int = closed["id"]
    return closed_id


def _validate_champion(person: str, contact: str, since: dt.date) -> None:
    for problem in (name_problem(person, "champion's name"), contact_problem(contact.strip()),
                    since_problem(since)):  # fmt: skip
        if problem:
            raise InvalidRosterEntry(problem[0].upper() + problem[1:] + ".")


@requires(EDITOR, "change a team's champion")
@retry_on_conflict
def assign_champion(
    con: duckdb.DuckDBPyConnection, team: str, person: str, contact: str, since: dt.date, *,
    who: Actor,
) -> str:  # fmt: skip
    """Make ``person`` the team's champion from ``since``: a handover if it had one.

    Returns what happened, in words. Refused (nothing changed) when the values are not
    valid, the team is retired, or the start is before the current champion's. It is an
    instruction, not an edit of what the caller saw: made at the same moment as another
    handover of the team, it hands over from whoever that made champion (the roster
    editor, :func:`apply_edits`, compares with what its user saw instead).
    """
    _validate_champion(person, contact, since)
    with transaction(con):
        found = find_own_team(con, team)
        if not found["active"]:
            raise Conflict(f"{found['name']} is retired; reactivate it before naming a champion.")
        hold_team(con, found["id"])
        before = current_champion(con, found["id"])
        ended = scalar(con, "SELECT max(until) FROM champions WHERE team_id = ? AND until IS NOT NULL",
                       [found["id"]])  # fmt: skip
        if ended is not None and since < ended:
            raise InvalidRosterEntry(
                f"{person} cannot start on {since}: the team's previous champion term ended on "
                f"{ended}, and terms never overlap. Start on or after {ended}."
            )
        if before and before["contact"].lower() == contact.strip().lower() and \
                before["person"] == person.strip():  # fmt: skip
            if before["since"] == since:
                return f"{person} is already the champion of {found['name']}."
            con.execute("UPDATE champions SET since = ? WHERE id = ?", [since, before["id"]])
            audit.record(con, who, "champion.update", found["name"],
                         before={"since": before["since"]}, after={"since": since})  # fmt: skip
            return f"{person}'s start on {found['name']} is now {since}."
        open_term(con, found["id"], person, contact, since)
        audit.record(
            con, who, "champion.handover" if before else "champion.assign", found["name"],
            before=None if before is None else {k: before[k] for k in ("person", "contact", "since")},
            after={"person": person.strip(), "contact": contact.strip(), "since": since},
        )  # fmt: skip
    if before:
        return f"Handover on {found['name']}: {before['person']} to {person} from {since}."
    return f"{person} is now the champion of {found['name']}."


@requires(EDITOR, "change a team's champion")
@retry_on_conflict
def remove_champion(
    con: duckdb.DuckDBPyConnection, team: str, *, who: Actor, until: dt.date | None = None
) -> str:
    """End the team's current champion term (the team then has none)."""
    end = until or clock.today()
    with transaction(con):
        found = find_own_team(con, team)
        hold_team(con, found["id"])
        before = current_champion(con, found["id"])
        if before is None:
            return f"{found['name']} has no champion."
        close_term(con, found["id"], end)
        audit.record(con, who, "champion.remove", found["name"],
                     before={k: before[k] for k in ("person", "contact", "since")},
                     after={"until": end})  # fmt: skip
    return f"{before['person']} is no longer the champion of {found['name']}."


def ensure_area(con: duckdb.DuckDBPyConnection, name: str) -> tuple[int, bool]:
    """The area's id, creating it if needed (caller's transaction); (id, created)."""
    existing = scalar(con, "SELECT id FROM areas WHERE name_key = ?", [name_key(name)])
    if existing is not None:
        return existing, False
    new_id = scalar(con, "INSERT INTO areas (name, name_key) VALUES (?, ?) RETURNING id",
                    [" ".join(name.split()), name_key(name)])  # fmt: skip
    return new_id, True


def ensure_team(
    con: duckdb.DuckDBPyConnection, name: str, area_id: int | None
) -> tuple[int, bool, int | None]:
    """The team's id, creating it in the area if needed (caller's transaction).

    Returns (id, created, previous area id when the team moved, else None). An existing
    team is moved to ``area_id`` when that differs and is given.
    """
    found = rows(con, "SELECT id, area_id, kind FROM teams WHERE name_key = ?", [name_key(name)])
    if found and found[0]["kind"] != "team":
        raise DdqError(f"{name!r} is the name ddq gives the bugs that no team owns; choose "
                       "another name for the team.")  # fmt: skip
    if not found:
        new_id = scalar(
            con, "INSERT INTO teams (name, name_key, area_id) VALUES (?, ?, ?) RETURNING id",
            [" ".join(name.split()), name_key(name), area_id],
        )  # fmt: skip
        return new_id, True, None
    team = found[0]
    if area_id is not None and team["area_id"] != area_id:
        con.execute("UPDATE teams SET area_id = ? WHERE id = ?", [area_id, team["id"]])
        return team["id"], False, team["area_id"]
    return team["id"], False, None


AREA_FIELDS = ("head", "champions_channel", "community_channel", "coaching_url", "workshop_url")


@requires(ADMIN, "change an area's details")
@retry_on_conflict
def update_area(
    con: duckdb.DuckDBPyConnection,
    area: str,
    *,
    who: Actor,
    expected: dict[str, str] | None = None,
    **fields: str,
) -> None:
    """Set an area's head, channels and request links (validated like the settings).

    ``expected``: the values the person saw; a field they changed that someone else has
    changed since is refused with StaleEdit, and nothing is saved.
    """
    unknown = set(fields) - set(AREA_FIELDS)
    if unknown:
        raise InvalidRosterEntry(f"Unknown area field(s): {', '.join(sorted(unknown))}.")
    clean = {}
    for key, value in fields.items():
        value = (value or "").strip()
        if key == "head":
            clean[key] = value
        else:  # the channel and link fields share the community settings' rules
            clean[key] = validate(key, value) if value else ""
    if expected is not None:  # what the person left as they saw it is not theirs to save
        clean = {k: v for k, v in clean.items() if k not in expected or v != (expected[k] or "")}
    with transaction(con):
        found = rows(con, f"SELECT id, name, {', '.join(AREA_FIELDS)} FROM areas WHERE name_key = ?",
                     [name_key(area)])  # fmt: skip
        if not found:
            raise NotFound(f"There is no area {area!r}.")
        claim(con, "area", found[0]["id"])
        before = {k: found[0][k] or "" for k in clean}
        changed = {k: v for k, v in clean.items() if before[k] != v}
        seen = expected or {}
        stale_keys = [k for k in changed if k in seen and before[k] != (seen[k] or "")]
        if stale_keys:
            raise stale(f"area {found[0]['name']}", changed_since(seen, before, stale_keys))
        if not changed:
            return
        assignments = ", ".join(f"{k} = ?" for k in changed)
        con.execute(f"UPDATE areas SET {assignments} WHERE id = ?",
                    [*[v or None for v in changed.values()], found[0]["id"]])  # fmt: skip
        audit.record(con, who, "area.update", found[0]["name"],
                     before={k: before[k] for k in changed}, after=changed)  # fmt: skip


@requires(EDITOR, "retire or reactivate a team")
@retry_on_conflict
def set_team_active(con: duckdb.DuckDBPyConnection, team: str, active: bool, *, who: Actor) -> str:
    """Retire a team (ending its champion's term) or bring it back.

    Setting what it already is, at the same moment as someone else, is no change.
    """
    with transaction(con):
        found = find_own_team(con, team)
        hold_team(con, found["id"])
        if found["active"] == active:
            return f"{found['name']} is already {'active' if active else 'retired'}."
        if not active:
            close_term(con, found["id"], clock.today())
        con.execute("UPDATE teams SET active = ? WHERE id = ?", [active, found["id"]])
        audit.record(con, who, "team.reactivate" if active else "team.retire", found["name"],
                     before={"active": not active}, after={"active": active})  # fmt: skip
    return f"{found['name']} is {'active again' if active else 'retired'}."


def roster(con: duckdb.DuckDBPyConnection, today: dt.date | None = None) -> list[RosterRow]:
    """Every active team with its area and current champion, teams without one first."""
    day = today or clock.today()
    found = rows(
        con,
        """
        SELECT a.name AS area, a.head AS area_head, t.name AS team, c.person AS champion,
               c.contact, c.since, ? - c.since AS tenure_days
        FROM teams t
        LEFT JOIN areas a ON a.id = t.area_id
        LEFT JOIN champions c ON c.team_id = t.id AND c.until IS NULL
        WHERE t.active AND t.kind = 'team'
        ORDER BY c.id IS NOT NULL, a.name_key NULLS LAST, t.name_key
        """,
        [day],
    )
    teams_of: dict[str, list[str]] = {}
    for row in found:
        if row["contact"]:
            teams_of.setdefault(row["contact"].lower(), []).append(row["team"])
    for row in found:
        others = teams_of.get((row["contact"] or "").lower(), [])
        row["also_champions"] = [t for t in others if t != row["team"]]
    return cast(list[RosterRow], found)


def history(con: duckdb.DuckDBPyConnection, team: str) -> list[ChampionTerm]:
    """Every champion term of a team, newest first."""
    found = find_own_team(con, team)
    terms = rows(
        con,
        "SELECT person, contact, since, until FROM champions WHERE team_id = ? "
        "ORDER BY since DESC, id DESC",
        [found["id"]],
    )
    return cast(list[ChampionTerm], terms)


def areas_detail(con: duckdb.DuckDBPyConnection) -> list[AreaDetail]:
    """Every area with its head, channels and links, and how many teams lack a champion."""
    found = rows(
        con,
        f"""
        SELECT a.name AS area, lower(a.name) AS sort_key, {", ".join("a." + f for f in AREA_FIELDS)},
               count(t.id) AS teams,
               count(t.id) FILTER (c.id IS NULL) AS without_champion
        FROM areas a
        LEFT JOIN teams t ON t.area_id = a.id AND t.active AND t.kind = 'team'
        LEFT JOIN champions c ON c.team_id = t.id AND c.until IS NULL
        GROUP BY ALL ORDER BY sort_key
        """,
    )
    return cast(list[AreaDetail], found)


@requires(EDITOR, "move a team to another area")
@retry_on_conflict
def move_team(con: duckdb.DuckDBPyConnection, team: str, area: str | None, *, who: Actor) -> str:
    """Put a team in another area (created if new), or in none with ``area`` None or "".

    An instruction: the last move stands, and the audit log says where each one moved it
    from.
    """
    with transaction(con):
        found = find_own_team(con, team)
        hold_team(con, found["id"])
        area_id = ensure_area(con, area)[0] if area and area.strip() else None
        if found["area_id"] == area_id:
            return f"{found['name']} is already there."
        con.execute("UPDATE teams SET area_id = ? WHERE id = ?", [area_id, found["id"]])
        audit.record(con, who, "team.move", found["name"],
                     before={"area_id": found["area_id"]}, after={"area": area or None})  # fmt: skip
    return f"{found['name']} moved to {area or 'no area'}."


@requires(EDITOR, "add a team")
@retry_on_conflict  # added twice at once: the second is told it exists
def add_team(con: duckdb.DuckDBPyConnection, team: str, area: str | None, *, who: Actor) -> str:
    """Create a team (and its area when new)."""
    problem = name_problem(team, "team name")
    if problem:
        raise InvalidRosterEntry(problem[0].upper() + problem[1:] + ".")
    with transaction(con):
        exists = rows(con, "SELECT name, kind FROM teams WHERE name_key = ?", [name_key(team)])
        if exists and exists[0]["kind"] != "team":
            raise InvalidRosterEntry(f"{exists[0]['name']!r} is the name ddq gives the bugs that "
                                     "no team owns; choose another name for the team.")  # fmt: skip
        if exists:
            raise Conflict(f"There is already a team {exists[0]['name']!r}.")
        area_id = ensure_area(con, area)[0] if area and area.strip() else None
        ensure_team(con, team, area_id)
        audit.record(con, who, "team.add", " ".join(team.split()), after={"area": area or None})
    return f"{team} added."


@requires(EDITOR, "edit the roster")
@retry_on_conflict
def apply_edits(
    con: duckdb.DuckDBPyConnection,
    edits: list[dict[str, Any]],
    *,
    who: Actor,
    expected: dict[str, dict[str, Any]] | None = None,
) -> list[str]:
    """Apply edited roster rows (team, area, champion, contact, since) all or none.

    Each row is compared with the team's current state: a new area moves the team, a new
    person is a handover, an emptied champion ends the term. Every row is validated first;
    any problem raises InvalidRosterEntry naming the team, and nothing is changed.
    ``expected`` maps a team to the row the person saw when they began editing; when any
    edited team has changed since, StaleEdit says how, and nothing is changed.
    """
    problems = []
    for edit in edits:
        team = edit["team"]
        person = (edit.get("champion") or "").strip()
        contact = (edit.get("contact") or "").strip()
        since = edit.get("since")
        if person:
            for problem in (contact_problem(contact),
                            since_problem(since) if since else "the start date is empty"):  # fmt: skip
                if problem:
                    problems.append(f"{team}: {problem}")
        elif contact:
            problems.append(f"{team}: an email or handle without a champion's name")
    if problems:
        raise InvalidRosterEntry("Nothing was saved. " + "; ".join(problems) + ".")
    done = []
    with transaction(con):
        _refuse_stale(con, [e["team"] for e in edits], expected or {})
        for edit in edits:
            team = edit["team"]
            found = find_own_team(con, team)
            current_area = scalar(con, "SELECT name FROM areas WHERE id = ?", [found["area_id"]])
            wanted_area = (edit.get("area") or "").strip() or None
            if name_key(wanted_area or "") != name_key(current_area or ""):
                done.append(move_team(con, team, wanted_area, who=who))
            person = (edit.get("champion") or "").strip()
            if person:
                done.append(assign_champion(con, team, person, edit["contact"], edit["since"],
                                            who=who))  # fmt: skip
            else:
                done.append(remove_champion(con, team, who=who))
    return done


def _refuse_stale(
    con: duckdb.DuckDBPyConnection, teams: list[str], expected: dict[str, dict[str, Any]]
) -> None:
    """StaleEdit when a team's roster row is no longer the one the person saw."""
    if not expected:
        return
    now = {r["team"]: r for r in roster(con)}
    changes = []
    for team in teams:
        seen = expected.get(team)
        if seen is None:
            continue
        row = now.get(team)
        fields: dict[str, Any] = {"area": None, "champion": None, "contact": None, "since": None}
        if row is not None:
            fields = {"area": row["area"], "champion": row["champion"],
                      "contact": row["contact"], "since": row["since"]}  # fmt: skip
        was = {k: seen.get(k) for k in fields}
        keys = [k for k in fields if _same(was[k]) != _same(fields[k])]
        if keys:
            changes.append(f"{team}: " + ", ".join(changed_since(was, fields, keys)))
    if changes:
        raise stale("the roster", changes)


def _same(value: Any) -> Any:
    """A roster value as compared: text trimmed and case-folded, empty as None."""
    if isinstance(value, str):
        return " ".join(value.split()).casefold() or None
    return value
