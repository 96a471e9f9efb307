"""Cached reads of the weekly meeting: a room of viewers refreshing every 30 seconds costs
one query per change, not one per viewer."""

from __future__ import annotations

from typing import Any

from ddq import db
from ddq import meeting as meetings
from ddq.meeting import CommunityHealth, Meeting, TeamView
from ddq.ui.database import cached as _cached
from ddq.ui.database import key as _key


@_cached
def _meetings(path: str, stamp: tuple[int, int]) -> list[dict[str, Any]]:
    with db.connect(path) as con:
        return meetings.meetings(con)


def meeting_list() -> list[dict[str, Any]]:
    """Every meeting, newest first."""
    return _meetings(*_key())


@_cached
def _meeting_by_id(meeting_id: int, path: str, stamp: tuple[int, int]) -> Meeting:
    with db.connect(path) as con:
        return meetings.get_meeting(con, meeting_id)


def meeting_by_id(meeting_id: int) -> Meeting:
    """One meeting: its day, scope, agenda and where it is."""
    return _meeting_by_id(meeting_id, *_key())


@_cached
def _meeting_team(meeting_id: int, team: str, path: str, stamp: tuple[int, int]) -> TeamView:
    with db.connect(path) as con:
        return meetings.team_view(con, meeting_id, team)


def meeting_team(meeting_id: int, team: str) -> TeamView:
    """What the meeting shows of one team."""
    return _meeting_team(meeting_id, team, *_key())


@_cached
def _community_health(areas: tuple[str, ...], path: str, stamp: tuple[int, int]) -> CommunityHealth:
    with db.connect(path) as con:
        return meetings.community_health(con, areas=areas)


def community_health(areas: tuple[str, ...]) -> CommunityHealth:
    """How the community is doing across the areas (all of them when empty)."""
    return _community_health(tuple(areas), *_key())


@_cached
def _meeting_summary(meeting_id: int, path: str, stamp: tuple[int, int]) -> str:
    with db.connect(path) as con:
        return meetings.summary_markdown(con, meeting_id)


def meeting_summary(meeting_id: int) -> str:
    """The meeting's summary in Markdown, as posted to Slack."""
    return _meeting_summary(meeting_id, *_key())
