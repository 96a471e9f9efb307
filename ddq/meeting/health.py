"""How the community is doing: meetings held, leaders and champions attending, teams
not presented for a while, actions overdue."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, TypedDict

from ddq import clock
from ddq.db import rows
from ddq.meeting.actions import open_actions
from ddq.meeting.scope import overlaps, resolve_scope, scope_label, scope_teams
from ddq.org import name_key

if TYPE_CHECKING:
    import duckdb

# Community health looks at each champion's last meetings and the scope's last meetings.
HEALTH_MEETINGS = 8
# A team not presented for this many weeks is called out.
NOT_PRESENTED_WEEKS = 4


class LeaderCount(TypedDict):
    meetings: int
    marked: int
    attended: int


class ChampionAttendance(TypedDict):
    """A current champion's attendance over their last HEALTH_MEETINGS meetings (those
    their team was on the agenda of)."""

    champion: str
    teams: list[str]  # they champion now
    meetings: int
    marked: int  # their attendance was marked
    present: int
    rate: float | None  # present / marked; None before any


class NotPresented(TypedDict):
    team: str
    area: str | None
    last_presented: dt.date | None  # a meeting's date
    weeks: int | None


class CommunityHealth(TypedDict):
    """:func:`community_health` as of a day, for the areas' teams."""

    as_of: dt.date
    areas: list[str]
    # The last HEALTH_MEETINGS meetings held on or before the day that concern the scope
    # (whole-program ones, or sharing an area), newest first: id, held_on, scope, status,
    # leader_present, leader_name.
    meetings: list[dict[str, Any]]
    leader: LeaderCount
    attendance: list[ChampionAttendance]  # per current champion, by name
    # Active teams not presented for NOT_PRESENTED_WEEKS weeks or more, never presented
    # first, then the longest ago.
    not_presented: list[NotPresented]
    overdue: list[dict[str, Any]]  # open as of the day and past due (as open_actions)


def _attendance(
    con: duckdb.DuckDBPyConnection, teams: list[dict[str, Any]], day: dt.date
) -> list[ChampionAttendance]:
    """Each current champion of ``teams``: how often present in their last meetings."""
    champions: dict[str, dict[str, Any]] = {}
    for t in teams:
        if t["champion"]:
            entry = champions.setdefault(
                name_key(t["champion"]), {"champion": t["champion"], "teams": []}
            )
            entry["teams"].append(t["name"])
    marks = rows(
        con,
        """
        SELECT att.champion, m.id, m.held_on, att.present
        FROM attendance att JOIN meetings m ON m.id = att.meeting_id
        WHERE att.champion IS NOT NULL AND m.held_on <= ?
        """,
        [day],
    )
    per_meeting: dict[str, dict[tuple[dt.date, int], bool | None]] = {}
    for r in marks:
        key = name_key(r["champion"])
        if key not in champions:
            continue
        slot = per_meeting.setdefault(key, {})
        meeting_key = (r["held_on"], r["id"])
        was = slot.get(meeting_key)
        # A person who champions several teams attended if marked present for any.
        if was is True or r["present"] is True:
            slot[meeting_key] = True
        elif r["present"] is False or was is False:
            slot[meeting_key] = False
        else:
            slot[meeting_key] = None
    attendance = []
    for key in sorted(champions):
        last = sorted(per_meeting.get(key, {}).items(), reverse=True)[:HEALTH_MEETINGS]
        marked = [v for _, v in last if v is not None]
        present = sum(1 for v in marked if v)
        attendance.append(ChampionAttendance(
            champion=champions[key]["champion"],
            teams=sorted(champions[key]["teams"], key=name_key),
            meetings=len(last), marked=len(marked), present=present,
            rate=present / len(marked) if marked else None,
        ))  # fmt: skip
    return attendance


def _not_presented(
    con: duckdb.DuckDBPyConnection, teams: list[dict[str, Any]], day: dt.date
) -> list[NotPresented]:
    last_shown = {
        r["team_id"]: r["last"]
        for r in rows(
            con,
            "SELECT p.team_id, max(m.held_on) AS last FROM presented p "
            "JOIN meetings m ON m.id = p.meeting_id WHERE m.held_on <= ? GROUP BY p.team_id",
            [day],
        )
    }
    found: list[tuple[tuple[bool, dt.date, str], NotPresented]] = []
    for t in teams:
        last = last_shown.get(t["id"])
        if last is None or (day - last).days >= 7 * NOT_PRESENTED_WEEKS:
            row = NotPresented(team=t["name"], area=t["area"], last_presented=last,
                               weeks=None if last is None else (day - last).days // 7)  # fmt: skip
            found.append(((last is not None, last or day, t["name_key"]), row))
    found.sort(key=lambda pair: pair[0])
    return [row for _, row in found]


def community_health(
    con: duckdb.DuckDBPyConnection,
    *,
    as_of: dt.date | None = None,
    areas: Iterable[str] = (),
) -> CommunityHealth:
    """How the community is doing, as of a day (default: today), for the areas' teams
    (see :class:`CommunityHealth`)."""
    day = as_of or clock.today()
    names, keys = resolve_scope(con, areas)
    held = rows(
        con,
        "SELECT id, held_on, scope_areas, status, leader_present, leader_name FROM meetings "
        "WHERE held_on <= ? ORDER BY held_on DESC, id DESC",
        [day],
    )
    recent = [m for m in held if overlaps(m["scope_areas"], keys)][:HEALTH_MEETINGS]
    for m in recent:
        m["scope"] = scope_label(m.pop("scope_areas"))
    teams = scope_teams(con, keys)
    return CommunityHealth(
        as_of=day,
        areas=names,
        meetings=recent,
        leader=LeaderCount(
            meetings=len(recent),
            marked=sum(1 for m in recent if m["leader_present"] is not None),
            attended=sum(1 for m in recent if m["leader_present"]),
        ),
        attendance=_attendance(con, teams, day),
        not_presented=_not_presented(con, teams, day),
        overdue=[a for a in open_actions(con, as_of=day, areas=names) if a["overdue"]],
    )
