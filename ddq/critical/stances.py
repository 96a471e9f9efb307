"""Putting a draft to the champions, and where each team stands on it.

The stance is the team's, recorded under its current champion: only a champion votes.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, TypedDict, cast

from ddq import audit, clock
from ddq.access import EDITOR, Actor, requires
from ddq.critical.definitions import (
    DRAFT,
    MAX_COMMENT,
    PROPOSED,
    STANCES,
    SUBJECT,
    InvalidDefinition,
    cannot_change,
    get,
)
from ddq.db import claim, retry_on_conflict, rows, transaction
from ddq.errors import Conflict
from ddq.org import find_own_team
from ddq.roster import current_champion

if TYPE_CHECKING:
    import duckdb


class Stance(TypedDict):
    """A team's stance as recorded, under its champion at the time."""

    team: str
    champion: str
    stance: str
    comment: str


class TeamStance(TypedDict):
    """Where a team stands on a version: champion None when the team has none, stance None
    when it has not taken one yet."""

    team: str
    area: str | None
    champion: str | None
    stance: str | None
    comment: str
    recorded_at: dt.datetime | None


@requires(EDITOR, "propose a critical-bug definition")
@retry_on_conflict  # proposed twice at once: the second is told it already is
def propose(con: duckdb.DuckDBPyConnection, version: int, *, who: Actor) -> None:
    """Put a draft to the champions: from now on each team's champion can take a stance."""
    with transaction(con):
        claim(con, "definition", version)
        row = get(con, version)
        if row["status"] == PROPOSED:
            raise Conflict(f"Version {version} is already proposed.")
        if row["status"] != DRAFT:
            raise cannot_change(row)
        con.execute("UPDATE critical_defs SET status = ? WHERE version = ?", [PROPOSED, version])
        audit.record(con, who, "definition.propose", SUBJECT.format(version),
                     before={"status": DRAFT}, after={"status": PROPOSED})  # fmt: skip


@requires(EDITOR, "record a team's stance on a definition")
@retry_on_conflict
def record_stance(
    con: duckdb.DuckDBPyConnection,
    version: int,
    *,
    team: str,
    stance: str,
    comment: str = "",
    who: Actor,
) -> Stance:
    """Record where a team stands on a proposal; return team, champion, stance, comment.

    The stance is the team's: it is recorded under the team's current champion (from the
    roster), so a team without a champion, or a retired team, cannot take one. A
    disagreement needs a comment saying why. Recording again replaces the team's earlier
    stance (the audit log keeps both): the form starts from no stance, so the latest one
    recorded is the team's, also when two are recorded at the same moment.
    """
    stance = (stance or "").strip().lower()
    if stance not in STANCES:
        raise InvalidDefinition(f"A stance is agree, disagree or abstain, not {stance!r}.")
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT:
        raise InvalidDefinition(f"The comment is longer than {MAX_COMMENT} characters.")
    if stance == "disagree" and not comment:
        raise InvalidDefinition(
            "A disagreement needs a comment saying why, so the definition can be improved."
        )

    with transaction(con):
        # The definition, not just the stance: it must stay proposed, with the same rule.
        claim(con, "definition", version)
        row = get(con, version)
        if row["status"] != PROPOSED:
            raise Conflict(
                f"Version {version} is {row['status']}; stances are taken on proposals only."
            )
        found = find_own_team(con, team)
        if not found["active"]:
            raise Conflict(f"{found['name']} is retired; it cannot take a stance.")
        champion = current_champion(con, found["id"])
        if champion is None:
            raise Conflict(
                f"{found['name']} has no champion, so it cannot take a stance; name its "
                "champion on the roster first."
            )
        before = rows(
            con,
            "SELECT champion, stance, comment FROM endorsements WHERE version = ? AND team_id = ?",
            [version, found["id"]],
        )
        after = {"champion": champion["person"], "stance": stance, "comment": comment}
        recorded = Stance(team=found["name"], champion=champion["person"], stance=stance,
                          comment=comment)  # fmt: skip
        if before and before[0] == after:
            return recorded
        con.execute(
            "INSERT OR REPLACE INTO endorsements (version, team_id, champion, stance, comment, "
            "recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            [version, found["id"], champion["person"], stance, comment, clock.now()],
        )
        audit.record(con, who, "definition.stance", f"{SUBJECT.format(version)} {found['name']}",
                     before=before[0] if before else None, after=after)  # fmt: skip
    return recorded


def stances(con: duckdb.DuckDBPyConnection, version: int) -> list[TeamStance]:
    """Where every team stands on ``version``, by area then team.

    One row per active team, plus any retired team that took a stance. The champion is
    the one recorded with the stance, else the current one.
    """
    get(con, version)
    found = rows(
        con,
        """
        SELECT t.name AS team, a.name AS area,
               coalesce(e.champion, c.person) AS champion,
               e.stance, coalesce(e.comment, '') AS comment, e.recorded_at
        FROM teams t
        LEFT JOIN areas a ON a.id = t.area_id
        LEFT JOIN endorsements e ON e.team_id = t.id AND e.version = ?
        LEFT JOIN champions c ON c.team_id = t.id AND c.until IS NULL
        WHERE t.kind = 'team' AND (t.active OR e.stance IS NOT NULL)
        ORDER BY a.name_key NULLS LAST, t.name_key
        """,
        [version],
    )
    return cast(list[TeamStance], found)


def stance_summary(con: duckdb.DuckDBPyConnection, version: int) -> dict[str, int]:
    """How many teams agree, disagree, abstain, have no stance yet (``none``), and cannot
    take one because they have no champion (``no_champion``): only a champion votes."""
    counts = dict.fromkeys((*STANCES, "none", "no_champion"), 0)
    for row in stances(con, version):
        counts[row["stance"] or ("none" if row["champion"] else "no_champion")] += 1
    return counts
