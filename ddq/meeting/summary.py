"""The meeting's summary in Markdown, to paste into the community's Slack channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import clock, settings, text
from ddq.meeting.agenda import ORDER_WORDS
from ddq.meeting.days import day_name
from ddq.meeting.health import HEALTH_MEETINGS, NOT_PRESENTED_WEEKS, community_health
from ddq.meeting.notes import NOTE_KINDS, NOTE_LABELS
from ddq.meeting.records import Meeting, get_meeting
from ddq.meeting.view import MetricRow, TeamView, agenda_views

if TYPE_CHECKING:
    import duckdb


HEADING, ATTENDANCE, TEAM, HEALTH = "heading", "attendance", "team", "health"


@dataclass(frozen=True)
class SummarySection:
    """One part of the summary, as printed: its lines (a team's and the attendance end with a
    blank line); ``team`` names the team of a TEAM part. Slack lays each part out apart."""

    kind: str  # HEADING, ATTENDANCE, TEAM or HEALTH
    lines: tuple[str, ...]
    team: str | None = None


def _indented(words: str, indent: str) -> str:
    """User text as given; its later lines indented so that they stay in the list item."""
    lines = words.split("\n")
    return "\n".join([lines[0], *[indent + line if line else "" for line in lines[1:]]])


def _metric_words(row: MetricRow, week: dt.date) -> str:
    m = row["metric"]
    words = f"{m.label} {text.number(row['value'], m.unit)}"
    details = []
    if row["week"] != week:
        details.append(f"week of {row['week']}")
    if row["change"] is None:
        details.append("no value the week before")
    elif row["change"] == 0:
        details.append("unchanged")
    else:
        details.append(text.change(row["change"], m.unit))
    if row["target"] is not None:
        target = text.number(row["target"], m.unit, exact=True)
        details.append(f"target {target} by {row['due']}: {row['status']}")
    return f"{words} ({'; '.join(details)})"


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _action_words(action: Mapping[str, Any], day: dt.date) -> str:
    """An action item as of the meeting's day: closed by then (with how), or overdue."""
    words = f"#{action['id']} {action['text']} (owner {action['owner']}, due {action['due']}"
    if action["closed_on"] is not None and action["closed_on"] <= day:
        words += f", {action['status']}"
    elif action["due"] < day:
        words += f", {_days((day - action['due']).days)} overdue"
    return words + ")"


def _heading(meeting: Meeting, program: str) -> list[str]:
    day = meeting["held_on"]
    title = meeting["title"] or f"{program} meeting"
    out = [f"**{title}, {day_name(day)} {day}**", ""]
    presented = sum(1 for t in meeting["teams"] if t["presented"])
    out.append(f"Scope: {meeting['scope']}. Agenda: {ORDER_WORDS[meeting['agenda_order']]}; "
               f"{presented} of {len(meeting['teams'])} teams presented.")  # fmt: skip
    if meeting["status"] == "open":
        out.append("The meeting is still open: this summary may change.")
    out.append("")
    return out


def _attendance(meeting: Meeting) -> list[str]:
    out = ["**Attendance**"]
    groups: dict[Any, list[str]] = {True: [], False: [], None: []}
    no_champion = []
    for t in meeting["teams"]:
        if t["champion"] is None:
            no_champion.append(t["team"])
        else:
            groups[t["present"]].append(f"{t['champion']} ({t['team']})")
    for flag, label in ((True, "Present"), (False, "Absent"), (None, "Not marked yet")):
        if groups[flag]:
            out.append(f"- {label} ({len(groups[flag])}): {', '.join(groups[flag])}")
    if no_champion:
        out.append(f"- No champion: {', '.join(no_champion)}")
    if meeting["leader_present"]:
        out.append(f"- Leader: {meeting['leader_name'] or 'a leader'} attended")
    elif meeting["leader_present"] is False:
        out.append("- Leader: no leader attended")
    else:
        out.append("- Leader: not marked yet")
    out.append("")
    return out


def _action_list(title: str, actions: list[dict[str, Any]], day: dt.date) -> list[str]:
    if not actions:
        return []
    return [title, *(f"  - {_indented(_action_words(a, day), '    ')}" for a in actions)]


def _team_lines(view: TeamView, meeting: Meeting, week: dt.date) -> list[str]:
    """A team's numbers, notes and actions (a line may hold several: user text keeps its own)."""
    meeting_id, day = meeting["id"], meeting["held_on"]
    out = []
    if view["metrics"]:
        numbers = ", ".join(_metric_words(r, week) for r in view["metrics"])
        out.append(f"- Numbers, week of {week}: {numbers}")
    else:
        out.append("- Numbers: none reported")
    for kind in NOTE_KINDS:
        if view["notes"][kind]:
            out.append(f"- {NOTE_LABELS[kind]}: {_indented(view['notes'][kind], '  ')}")
    out += _action_list("- Actions raised:", view["actions_raised"], day)
    carried = [a for a in view["open_actions"] if not a["raised_here"]]
    out += _action_list("- Open actions:", carried, day)
    closed = [a for a in view["changes"]["actions_closed"] if a["meeting_id"] != meeting_id]
    out += _action_list("- Actions closed since the last meeting:", closed, day)
    return out


def _teams(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> list[SummarySection]:
    """Per team, in agenda order: its numbers, notes and actions."""
    week = clock.latest_complete_week(meeting["held_on"])
    parts = []
    for t, view in zip(meeting["teams"], agenda_views(con, meeting), strict=True):
        heading = f"**{t['team']}**"
        if t["area"]:
            heading += f" ({t['area']})"
        heading += f", champion {t['champion']}" if t["champion"] else ", no champion"
        if not t["presented"]:
            heading += ", not presented"
        out = [heading]
        if not t["removed"]:
            out += _team_lines(view, meeting, week)
        out.append("")
        parts.append(SummarySection(TEAM, tuple(out), t["team"]))
    return parts


def _health(con: duckdb.DuckDBPyConnection, meeting: Meeting) -> list[str]:
    day = meeting["held_on"]
    health = community_health(con, as_of=day, areas=meeting["scope_areas"])
    out = [f"**Community health** (as of {day})"]
    if health["attendance"]:
        parts = []
        for a in health["attendance"]:
            if not a["meetings"]:
                parts.append(f"{a['champion']} no meeting yet")
            elif a["rate"] is None:
                parts.append(f"{a['champion']} not marked yet")
            else:
                parts.append(f"{a['champion']} {a['present']} of {a['marked']} ({a['rate']:.0%})")
        out.append(f"- Attendance, each champion's last {HEALTH_MEETINGS} meetings: "
                   f"{', '.join(parts)}")  # fmt: skip
    leader = health["leader"]
    words = f"- A leader attended {leader['attended']} of the last {leader['meetings']} meetings"
    if leader["meetings"] == 1:
        words = f"- A leader attended {leader['attended']} of the last 1 meeting"
    unmarked = leader["meetings"] - leader["marked"]
    out.append(words + (f" ({unmarked} not marked yet)" if unmarked else ""))
    if health["not_presented"]:
        parts = [
            f"{r['team']} (never)" if r["last_presented"] is None
            else f"{r['team']} ({r['weeks']} weeks, last {r['last_presented']})"
            for r in health["not_presented"]
        ]  # fmt: skip
        out.append(f"- Not presented for {NOT_PRESENTED_WEEKS}+ weeks: {', '.join(parts)}")
    else:
        out.append(f"- Not presented for {NOT_PRESENTED_WEEKS}+ weeks: none")
    if health["overdue"]:
        out.append("- Overdue actions:")
        for action in health["overdue"]:
            words = _action_words(action, day)
            out.append(f"  - {action['team']}: {_indented(words, '    ')}")
    else:
        out.append("- Overdue actions: none")
    return out


def summary_sections(con: duckdb.DuckDBPyConnection, meeting_id: int) -> list[SummarySection]:
    """The summary's parts in order: the heading, attendance, each team, community health.

    Their lines, one after the other, are :func:`summary_markdown`'s text.
    """
    meeting = get_meeting(con, meeting_id)
    program = settings.current(con).get("program_name") or "Community"
    return [
        SummarySection(HEADING, _split(_heading(meeting, program))),
        SummarySection(ATTENDANCE, _split(_attendance(meeting))),
        *(SummarySection(TEAM, _split(p.lines), p.team) for p in _teams(con, meeting)),
        SummarySection(HEALTH, _split(_health(con, meeting))),
    ]


def _split(lines: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """One printed line per item (user text of several lines is several)."""
    return tuple(part for line in lines for part in line.split("\n"))


def summary_markdown(con: duckdb.DuckDBPyConnection, meeting_id: int) -> str:
    """The meeting in Markdown, to paste into the community's Slack channel.

    Attendance (present and absent champions, the leader), then per team in agenda order
    its headline numbers (value and change on the week before, and its target), what it is
    doing, the feedback wanted and given, the actions raised and those still open; then
    community health. Section titles are bold lines (Slack shows no headings). User text
    is written as given. Deterministic: the same database gives the same text.
    """
    sections = summary_sections(con, meeting_id)
    return "\n".join(line for s in sections for line in s.lines) + "\n"
