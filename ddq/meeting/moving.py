"""Moving through a meeting: the team on screen, and every team shown recorded as presented.

The last move wins: it is where the room is now (every laptop that follows goes there).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ddq import audit, clock
from ddq.access import EDITOR, Actor, requires
from ddq.db import claim, retry_on_conflict, scalar, transaction
from ddq.meeting.checks import refuse
from ddq.meeting.records import meeting_row, require_open

if TYPE_CHECKING:
    import duckdb


@requires(EDITOR, "move through a meeting")
@retry_on_conflict
def set_position(con: duckdb.DuckDBPyConnection, meeting_id: int, position: int, who: Actor) -> str:
    """Show the team at ``position`` (0-based) of the agenda: the previous or the next one,
    or any other. The team is recorded as presented in this meeting.

    The last move wins: it is where the room is now (every laptop that follows goes
    there), and two people moving to the same team at once agree.
    """
    with transaction(con):
        claim(con, "meeting", meeting_id)
        meeting = meeting_row(con, meeting_id)
        require_open(meeting, "its walk through the teams is over")
        return _move(con, meeting, position, who)


def _opens(meeting: Mapping[str, Any]) -> bool:
    """Nobody has moved through the meeting yet, it is open, and its day has come."""
    return (meeting["current_position"] is None and meeting["status"] == "open"
            and meeting["held_on"] <= clock.today())  # fmt: skip


@requires(EDITOR, "move through a meeting")
@retry_on_conflict
def open_at(
    con: duckdb.DuckDBPyConnection, meeting_id: int, position: int, who: Actor
) -> str | None:
    """The meeting opens at the team at ``position``: it is presented, as if moved to.

    Once only: when nobody has moved through the meeting yet, it is open, and its day has
    come (a meeting looked at ahead of its day is being prepared, not held). Returns None
    when it records nothing, so a page may call it whenever it shows such a meeting.
    """
    if not _opens(meeting_row(con, meeting_id)):
        return None  # nothing to record, so nothing claimed: pages call this freely
    with transaction(con):
        claim(con, "meeting", meeting_id)
        meeting = meeting_row(con, meeting_id)
        return _move(con, meeting, position, who) if _opens(meeting) else None


def _move(
    con: duckdb.DuckDBPyConnection, meeting: Mapping[str, Any], position: int, who: Actor
) -> str:
    """:func:`set_position`'s checking and writing, in its transaction."""
    meeting_id, size = meeting["id"], len(meeting["agenda"])
    if not isinstance(position, int) or isinstance(position, bool) or not 0 <= position < size:
        refuse(f"position {position} is not on the agenda; it has positions 0 to {size - 1}")
    team_id = meeting["agenda"][position]
    team = scalar(con, "SELECT name FROM teams WHERE id = ?", [team_id])
    con.execute("UPDATE meetings SET current_position = ? WHERE id = ?", [position, meeting_id])
    con.execute(
        "INSERT INTO presented (meeting_id, team_id, presented_at) VALUES (?, ?, ?) "
        "ON CONFLICT DO NOTHING",
        [meeting_id, team_id, clock.now()],
    )
    audit.record(con, who, "meeting.position", f"meeting {meeting_id}",
                 before={"position": meeting["current_position"]},
                 after={"position": position, "team": team})  # fmt: skip
    return f"Now presenting: {team} ({position + 1} of {size})."
