"""Who attended a meeting: each team's champion, and the area head or another leader.

A mark is what its writer sees in the room now, so the last one stands; the audit log
keeps every mark with the one it replaced.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ddq import audit
from ddq.access import EDITOR, Actor, requires
from ddq.db import claim, retry_on_conflict, rows, scalar, transaction
from ddq.errors import Conflict
from ddq.meeting.agenda import on_agenda
from ddq.meeting.checks import MAX_SHORT, refuse, user_text
from ddq.meeting.records import meeting_row
from ddq.org import find_team, name_key

if TYPE_CHECKING:
    import duckdb


@requires(EDITOR, "take attendance")
@retry_on_conflict
def set_attendance(
    con: duckdb.DuckDBPyConnection, meeting_id: int, team: str, present: bool | None, who: Actor
) -> str:
    """Mark the team's champion present (True), absent (False) or not marked (None).

    While the meeting is open the team's current champion is recorded (a handover since
    the meeting was created counts); a finished meeting keeps the champion it had, and
    may still be corrected. A mark is what its writer sees in the room now, so the last
    one stands: two people ticking the same champion present agree, and the audit log
    keeps every mark with the one it replaced.
    """
    if present is not None and not isinstance(present, bool):
        refuse("attendance is present (true), absent (false) or not marked (none)")
    with transaction(con):
        return _set_attendance(con, meeting_id, team, present, who)


def _set_attendance(
    con: duckdb.DuckDBPyConnection, meeting_id: int, team: str, present: bool | None, who: Actor
) -> str:
    """:func:`set_attendance`'s reading, checking and writing, in its transaction."""
    meeting = meeting_row(con, meeting_id)
    found = find_team(con, team)
    on_agenda(meeting, found)
    claim(con, "attendance", meeting_id, found["id"])
    before = rows(
        con,
        "SELECT champion, present FROM attendance WHERE meeting_id = ? AND team_id = ?",
        [meeting_id, found["id"]],
    )[0]
    champion = before["champion"]
    if meeting["status"] == "open":
        current = scalar(
            con,
            "SELECT person FROM champions WHERE team_id = ? AND until IS NULL",
            [found["id"]],
        )
        champion = current or champion
    if champion is None:
        raise Conflict(
            f"{found['name']} has no champion to mark; name one on the Champions page first."
        )
    words = {True: "present", False: "absent", None: "not marked"}[present]
    if before == {"champion": champion, "present": present}:
        return f"{champion} ({found['name']}) is already {words}."
    con.execute(
        "UPDATE attendance SET champion = ?, present = ? WHERE meeting_id = ? AND team_id = ?",
        [champion, present, meeting_id, found["id"]],
    )
    audit.record(con, who, "meeting.attendance", f"meeting {meeting_id}",
                 before={"team": found["name"], **before},
                 after={"team": found["name"], "champion": champion,
                        "present": present})  # fmt: skip
    return f"{champion} ({found['name']}): {words}."


@requires(EDITOR, "record the meeting's leader")
@retry_on_conflict
def set_leader(
    con: duckdb.DuckDBPyConnection,
    meeting_id: int,
    present: bool | None,
    name: str | None,
    who: Actor,
) -> str:
    """Record whether the area head or another leader attended, and who.

    Without a name, a present leader of a one-area meeting is that area's head (when it
    has one). ``present`` None clears the mark. As attendance, the last mark stands.
    """
    if present is not None and not isinstance(present, bool):
        refuse("the leader is present (true), absent (false) or not marked (none)")
    leader = user_text(name, "leader's name", limit=MAX_SHORT, required=False) or None
    with transaction(con):
        claim(con, "meeting", meeting_id)
        meeting = meeting_row(con, meeting_id)
        if present and leader is None and len(meeting["scope_areas"]) == 1:
            leader = scalar(
                con,
                "SELECT nullif(trim(head), '') FROM areas WHERE name_key = ?",
                [name_key(meeting["scope_areas"][0])],
            )
        if not present:
            leader = None
        before = {"present": meeting["leader_present"], "name": meeting["leader_name"]}
        after = {"present": present, "name": leader}
        if before == after:
            return "The leader's attendance is already recorded so."
        con.execute(
            "UPDATE meetings SET leader_present = ?, leader_name = ? WHERE id = ?",
            [present, leader, meeting_id],
        )
        audit.record(con, who, "meeting.leader", f"meeting {meeting_id}", before=before,
                     after=after)  # fmt: skip
    if present:
        return f"Leader present{': ' + leader if leader else ''}."
    return "No leader attended." if present is False else "Leader attendance not marked."
