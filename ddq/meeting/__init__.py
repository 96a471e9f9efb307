"""The weekly community meeting: agenda, attendance, notes, action items and the summary.

A meeting is held on a date for a scope: one area, several (small areas can meet
together), or the whole program (no areas). There is at most one meeting per date and
scope. Its agenda is the scope's active teams, in an order the host picks when creating it
(:data:`ORDERS`), fixed from then on. The host walks through the agenda one team at a time
(:func:`set_position`; every team shown is recorded as presented, the one it opens at
too: :func:`open_at`), marks who attended, writes notes and raises action items, then
finishes the meeting. Finishing marks every champion not marked present as absent (the
host ticks who is there), and the leader as absent when nobody was marked.

Notes belong to a meeting and a team, one text per kind (:data:`NOTE_KINDS`): "what we're
doing" and "feedback wanted" are usually written by the champion before the meeting,
"feedback given" during it. Action items belong to a team and stay open, shown in every
later meeting of the team, until they are done or dropped. Each one keeps the day it was
raised and the day it was closed (the meeting's date when that happened in a meeting), so
what was open as of any meeting can be told again later: a past meeting's summary does not
change when its actions are closed afterwards.

Every change is validated, made in one transaction and written to the audit log. Dates are
days (the meeting's date), so everything here is reproducible from the data, whatever the
clock says.

Where each part lives: ``scope`` (areas and their teams), ``agenda`` (ordering, creating a
meeting), ``records`` (listing, reading, finding and finishing meetings), ``moving`` (the
team on screen), ``attendance``, ``notes``, ``actions``, ``view`` (one team's presenter
view), ``health`` (community health) and ``summary`` (the Slack summary). Callers use the
names re-exported here.
"""

from ddq.meeting.actions import (
    ACTION_STATUSES,
    DONE,
    DROPPED,
    MAX_DUE_YEARS,
    NEXT_MEETING,
    OPEN,
    actions_raised,
    add_action,
    open_actions,
    set_action_status,
)
from ddq.meeting.agenda import (
    MAX_AHEAD_DAYS,
    MOVERS_METRIC,
    MOVERS_WEEKS,
    ORDER_WORDS,
    ORDERS,
    create_meeting,
)
from ddq.meeting.attendance import set_attendance, set_leader
from ddq.meeting.checks import MAX_SHORT, MAX_TEXT, InvalidMeeting
from ddq.meeting.health import (
    HEALTH_MEETINGS,
    NOT_PRESENTED_WEEKS,
    ChampionAttendance,
    CommunityHealth,
    community_health,
)
from ddq.meeting.moving import open_at, set_position
from ddq.meeting.notes import NOTE_KINDS, NOTE_LABELS, set_note
from ddq.meeting.records import (
    AgendaEntry,
    Meeting,
    agenda_position,
    choose_meeting,
    find_meeting,
    finish,
    get_meeting,
    meeting_named,
    meeting_on,
    meetings,
)
from ddq.meeting.scope import WHOLE_PROGRAM, scope_label
from ddq.meeting.summary import SummarySection, summary_markdown, summary_sections
from ddq.meeting.view import MetricRow, TeamView, ValueChange, team_view, team_views

__all__ = [
    "ACTION_STATUSES",
    "DONE",
    "DROPPED",
    "HEALTH_MEETINGS",
    "MAX_AHEAD_DAYS",
    "MAX_DUE_YEARS",
    "MAX_SHORT",
    "MAX_TEXT",
    "MOVERS_METRIC",
    "MOVERS_WEEKS",
    "NEXT_MEETING",
    "NOTE_KINDS",
    "NOTE_LABELS",
    "NOT_PRESENTED_WEEKS",
    "OPEN",
    "ORDERS",
    "ORDER_WORDS",
    "WHOLE_PROGRAM",
    "AgendaEntry",
    "ChampionAttendance",
    "CommunityHealth",
    "InvalidMeeting",
    "Meeting",
    "MetricRow",
    "SummarySection",
    "TeamView",
    "ValueChange",
    "actions_raised",
    "add_action",
    "agenda_position",
    "choose_meeting",
    "community_health",
    "create_meeting",
    "find_meeting",
    "finish",
    "get_meeting",
    "meeting_named",
    "meeting_on",
    "meetings",
    "open_actions",
    "open_at",
    "scope_label",
    "set_action_status",
    "set_attendance",
    "set_leader",
    "set_note",
    "set_position",
    "summary_markdown",
    "summary_sections",
    "team_view",
    "team_views",
]
