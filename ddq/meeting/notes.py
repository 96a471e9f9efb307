"""A team's notes for a meeting: one text per kind, usually written before it.

"What we're doing" and "feedback wanted" are usually written by the champion before the
meeting, "feedback given" during it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING, TypedDict, cast

from ddq import audit, clock
from ddq.access import EDITOR, Actor, requires
from ddq.db import claim, retry_on_conflict, rows, scalar, transaction
from ddq.errors import stale
from ddq.meeting.agenda import on_agenda
from ddq.meeting.checks import refuse, user_text
from ddq.meeting.records import meeting_row
from ddq.org import find_team

if TYPE_CHECKING:
    import duckdb

NOTE_KINDS = ("doing", "feedback_wanted", "feedback_given")
NOTE_LABELS = {
    "doing": "What we're doing",
    "feedback_wanted": "Feedback wanted",
    "feedback_given": "Feedback given",
}


class Note(TypedDict):
    """One stored note, as :func:`notes_of` gives it."""

    kind: str
    text: str
    updated_at: dt.datetime
    updated_by: str


def notes_of(con: duckdb.DuckDBPyConnection, meeting_id: int, team_id: int) -> dict[str, Note]:
    """The team's notes written for the meeting, by kind (kinds without one left out)."""
    return notes_for(con, [(meeting_id, team_id)]).get((meeting_id, team_id), {})


def notes_for(
    con: duckdb.DuckDBPyConnection, pairs: Sequence[tuple[int, int]]
) -> dict[tuple[int, int], dict[str, Note]]:
    """:func:`notes_of` of many (meeting id, team id) pairs in one read; pairs without a
    note are left out."""
    found: dict[tuple[int, int], dict[str, Note]] = {}
    for r in rows(
        con,
        """
        WITH asked AS (SELECT unnest(?::INTEGER[]) AS meeting_id, unnest(?::INTEGER[]) AS team_id)
        SELECT n.meeting_id, n.team_id, n.kind, n.text, n.updated_at, n.updated_by
        FROM meeting_notes n JOIN asked USING (meeting_id, team_id)
        ORDER BY n.meeting_id, n.team_id, n.kind
        """,
        [[m for m, _ in pairs], [t for _, t in pairs]],
    ):
        key = (r.pop("meeting_id"), r.pop("team_id"))
        found.setdefault(key, {})[r["kind"]] = cast(Note, r)
    return found


@requires(EDITOR, "write meeting notes")
@retry_on_conflict
def set_note(
    con: duckdb.DuckDBPyConnection,
    meeting_id: int,
    team: str,
    kind: str,
    text: str,
    who: Actor,
    *,
    expected: str | None = None,
) -> str:
    """Write the team's note of one kind for the meeting (empty text removes it).

    Notes may be written before the meeting (what we're doing, feedback wanted), during
    it, and corrected after it. The text is kept as given, blank space around it removed.
    ``expected`` is the text the writer started from: when someone else has saved another
    text since (even at the same moment), nothing is saved and StaleEdit shows theirs.
    Without it (the command line) the text replaces whatever is stored.
    """
    if kind not in NOTE_KINDS:
        refuse(f"unknown kind of note {kind!r}; choose one of {', '.join(NOTE_KINDS)}")
    value = user_text(text, NOTE_LABELS[kind].lower(), required=False)
    with transaction(con):
        meeting = meeting_row(con, meeting_id)
        found = find_team(con, team)
        on_agenda(meeting, found)
        claim(con, "meeting note", meeting_id, found["id"], kind)
        before = scalar(
            con,
            "SELECT text FROM meeting_notes WHERE meeting_id = ? AND team_id = ? AND kind = ?",
            [meeting_id, found["id"], kind],
        )
        if (before or "") == value:
            return f"{NOTE_LABELS[kind]} for {found['name']} is unchanged."
        if expected is not None and (before or "") != expected.strip():
            raise stale(f"{found['name']}'s {NOTE_LABELS[kind].lower()}",
                        [f"it now reads {before or '(empty)'!r}"])  # fmt: skip
        if value:
            con.execute(
                """
                INSERT INTO meeting_notes (meeting_id, team_id, kind, text, updated_at,
                                           updated_by)
                VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (meeting_id, team_id, kind) DO UPDATE SET
                    text = excluded.text, updated_at = excluded.updated_at,
                    updated_by = excluded.updated_by
                """,
                [meeting_id, found["id"], kind, value, clock.now(), who],
            )
        else:
            con.execute(
                "DELETE FROM meeting_notes WHERE meeting_id = ? AND team_id = ? AND kind = ?",
                [meeting_id, found["id"], kind],
            )
        audit.record(con, who, "meeting.note", f"meeting {meeting_id}",
                     before=None if before is None else {"team": found["name"], "kind": kind,
                                                         "text": before},
                     after={"team": found["name"], "kind": kind, "text": value})  # fmt: skip
    verb = "saved" if value else "removed"
    return f"{NOTE_LABELS[kind]} for {found['name']} {verb}."
