"""The sample's roster: a champion for every team but one, one past handover, and one person
championing two teams.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ddq import db
from ddq.sample.stories import Stories

if TYPE_CHECKING:
    import duckdb


# Champions are made from these names, first with last in turn, so every team's differs.
_FIRST = (
    "Alex",
    "Bea",
    "Chidi",
    "Dana",
    "Emil",
    "Farah",
    "Goran",
    "Hana",
    "Ivo",
    "Jade",
    "Kofi",
    "Lena",
    "Marco",
    "Nia",
    "Olle",
    "Pia",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
)
_LAST = (
    "Andersen",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eze",
    "Fischer",
    "Gupta",
    "Holm",
    "Ito",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Ortiz",
    "Park",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Umar",
    "Varga",
    "Wong",
)


def champion_name(index: int) -> str:
    """The sample's champion number ``index``: first and last names in turn, all distinct."""
    first = _FIRST[index % len(_FIRST)]
    last = _LAST[(index // len(_FIRST) + index) % len(_LAST)]
    return f"{first} {last}"


def _contact(person: str) -> str:
    ascii_name = person.lower().replace(" ", ".")
    return f"{ascii_name}@example.com"


def insert_roster(
    con: duckdb.DuckDBPyConnection,
    team_ids: list[int],
    stories: Stories,
    first_week: dt.date,
    last_week: dt.date,
    import_id: int,
) -> dict[str, Any]:
    """A champion for every team but one, one past handover, and one person on two teams.

    The roster stories: the last team has no champion yet; the first team handed over
    halfway through the sample; the second team's champion also champions the team after
    the middle one. Each term is recorded as opened by the sample's import, so undo
    removes the roster with the rest.
    """
    n = len(team_ids)
    span = (last_week - first_week).days // 7
    without = n - 1 if n >= 2 else None
    handover = 0 if n >= 2 and span >= 2 else None
    shared = (1, n // 2 + 1) if n >= 6 else None
    terms: list[tuple[int, str, dt.date, dt.date | None]] = []
    for i, team_id in enumerate(team_ids):
        if i == without:
            continue
        start = first_week
        if i == stories.late_joiner and stories.join_week is not None:
            start = first_week + dt.timedelta(weeks=stories.join_week)
        person = champion_name(i)
        if shared and i == shared[1]:
            person = champion_name(shared[0])
        if i == handover:
            middle = first_week + dt.timedelta(weeks=span // 2)
            terms.append((team_id, champion_name(n + i), start, middle))
            start = middle
        terms.append((team_id, person, start, None))
    created = dt.datetime.combine(first_week, dt.time(9))
    for team_id, person, since, until in terms:
        champion_id = db.scalar(
            con,
            "INSERT INTO champions (team_id, person, contact, since, until, created_at, "
            "closed_at, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [team_id, person, _contact(person), since, until, created,
             None if until is None else created, import_id],
        )  # fmt: skip
        con.execute(
            "INSERT INTO roster_changes (import_id, seq, kind, team_id, champion_id) "
            "VALUES (?, ?, 'champion_opened', ?, ?)",
            [import_id, champion_id, team_id, champion_id],
        )
    return {
        "without_champion": without,
        "handover": handover,
        "shared_champion": shared,
    }
