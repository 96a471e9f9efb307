"""The sample's meetings: last week's, finished, and this week's, open at its first team."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from ddq import db, meeting
from ddq.access import Actor

if TYPE_CHECKING:
    import duckdb


def _add_meetings(con: duckdb.DuckDBPyConnection, this_week: dt.date, who: Actor) -> None:
    """Last week's meeting, finished, with notes, feedback and an open action; this week's
    meeting open at its first team, so the meeting page has something to walk through."""

    if db.scalar(con, "SELECT count(*) FROM meetings"):
        return  # a reloaded sample keeps the meetings the community already held
    last = meeting.create_meeting(con, held_on=this_week - dt.timedelta(weeks=1), who=who)
    agenda = meeting.get_meeting(con, last)["teams"]
    stories = [
        ("Pairing with QA on the flakiest tests; a daily triage of new critical bugs.",
         "Is a weekly bug bash worth the time?", "Try it for a month and share the numbers."),
        ("Moved every alert to one channel with an owner per alert.",
         "How do other teams keep the SLA in holiday weeks?", "Rotate a named backup."),
        ("Added contract tests between checkout and payments.", "", ""),
    ]  # fmt: skip
    for position, team in enumerate(agenda):  # everybody came but one
        if team["champion"]:
            meeting.set_attendance(con, last, team["team"], position != 4, who)
    for position, (team, story) in enumerate(zip(agenda, stories, strict=False)):
        meeting.set_position(con, last, position, who)
        for kind, text in zip(meeting.NOTE_KINDS, story, strict=True):
            if text:
                meeting.set_note(con, last, team["team"], kind, text, who)
    first = agenda[0]
    meeting.add_action(con, team=first["team"], text="Share the bug-bash results next week",
                       owner=first["champion"] or "the team", meeting_id=last,
                       due=this_week + dt.timedelta(days=7), who=who)  # fmt: skip
    meeting.set_leader(con, last, True, None, who)
    meeting.finish(con, last, who)
    meeting.create_meeting(con, held_on=this_week, order="rotation", who=who)
