"""Reminders before the meeting: champions whose team has not written what it is doing.

A meeting is planned by creating it ahead (``ddq meeting start --date``, or the Meeting page),
which is also what lets champions write their notes for it. So the coming meeting is a
meeting that exists: when today is ``remind_days_before`` days (Slack's settings, 1 by
default) before an open meeting, each of its teams whose "what we're doing" note is still
empty has its current champion mentioned in the area's champions channel, found in Slack by
the roster's e-mail (``users.lookupByEmail``). A champion Slack does not know by that
address is named in plain words; one who opted out (:mod:`ddq.slack.optouts`) is left out.

One message per meeting day and area, posted once: run again the same day (or after a
champion wrote the note), it is updated, and once every team has written it says so.
When no meeting is planned for the day, the reminder says when the next one is, or, from
the weekday of the last meetings, which day is likely meant and how to plan it.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ddq import clock
from ddq.access import EDITOR, Actor, requires
from ddq.errors import DdqError
from ddq.meeting import get_meeting, meetings
from ddq.meeting.days import day_name, long_date
from ddq.meeting.notes import NOTE_LABELS, notes_of
from ddq.roster import current_champion
from ddq.slack import links, store
from ddq.slack.client import Slack, SlackConfig
from ddq.slack.optouts import opted_out
from ddq.slack.posting import Posted, post_once, previous

if TYPE_CHECKING:
    import duckdb

KIND = "reminder"
DOING = "doing"  # the note a champion writes before the meeting
USUAL_MEETINGS = 4  # the last meetings held whose weekday says when the community meets


@dataclass(frozen=True)
class TeamDue:
    """A team on the meeting's agenda whose "what we're doing" note is empty."""

    team: str
    meeting_id: int
    champion: str | None  # None: the team has no champion to remind
    contact: str | None
    email: str | None  # lower case; None when the roster gives a chat handle
    opted_out: bool


@dataclass(frozen=True)
class Group:
    """One message: a meeting day's teams of one area (None: teams without an area)."""

    day: dt.date
    area: str | None
    channel: str | None  # the area's champions channel, else the program's
    meetings: tuple[int, ...]
    due: list[TeamDue]
    written: list[str]  # teams whose note is there

    @property
    def subject(self) -> str:
        return f"meeting {self.day} {self.area or 'program'}"

    @property
    def to_remind(self) -> list[TeamDue]:
        return [d for d in self.due if d.champion and not d.opted_out]


@dataclass(frozen=True)
class Reminder:
    """Who would be reminded of which meeting, and why (or why nobody)."""

    today: dt.date
    day: dt.date  # the meeting day reminded of
    days_before: int
    groups: list[Group]
    notes: list[str] = field(default_factory=list)

    def words(self) -> list[str]:
        """What ``ddq remind`` prints: per channel, who is reminded and who is not, and why."""
        out = [f"Meetings on {long_date(self.day)} ({_when(self.today, self.day)}):"
               if self.groups else f"No reminders for {long_date(self.day)}."]  # fmt: skip
        for g in self.groups:
            where = g.channel or "no channel (set one)"
            out.append(f"{g.area or 'Teams without an area'} in {where}:")
            for d in g.to_remind:
                how = d.email or f"{d.contact}: no e-mail on the roster, named in plain words"
                out.append(f"  remind {d.champion} ({how}) for {d.team}")
            out += [f"  not reminded: {d.champion} for {d.team} (opted out)"
                    for d in g.due if d.champion and d.opted_out]  # fmt: skip
            out += [f"  no champion to remind: {d.team}" for d in g.due if not d.champion]
            if g.written:
                out.append(f"  written: {', '.join(g.written)}")
        return out + self.notes


def _when(today: dt.date, day: dt.date) -> str:
    days = (day - today).days
    return {0: "today", 1: "tomorrow"}.get(days, f"in {days} days")


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def days_before(con: duckdb.DuckDBPyConnection) -> int:
    """How many days before a meeting the reminder goes (Slack's settings; 1 when unset)."""
    found = store.config(con)
    return found.remind_days_before if found else SlackConfig.remind_days_before


def _email(contact: str | None) -> str | None:
    if contact and "@" in contact and not contact.startswith("@"):
        return contact.strip().lower()
    return None


def remind(
    con: duckdb.DuckDBPyConnection,
    today: dt.date | None = None,
    *,
    meeting_day: dt.date | None = None,
) -> Reminder:
    """Who would be reminded today: of the open meetings ``remind_days_before`` days ahead
    (or on ``meeting_day``), the teams without a "what we're doing" note, by area."""
    now = today or clock.today()
    before = days_before(con)
    day = meeting_day or now + dt.timedelta(days=before)
    if day < now:
        raise DdqError(f"The meeting day {day} is past: reminders are for coming meetings.")
    listed = meetings(con)
    due = [m for m in listed if m["held_on"] == day and m["status"] == "open"]
    quiet = set(opted_out(con))
    grouped: dict[str | None, dict[str, Any]] = {}
    for m in sorted(due, key=lambda m: m["id"]):
        for entry in get_meeting(con, m["id"])["teams"]:
            if entry["removed"]:
                continue
            g = grouped.setdefault(entry["area"], {"meetings": [], "due": {}, "written": set()})
            if m["id"] not in g["meetings"]:
                g["meetings"].append(m["id"])
            if notes_of(con, m["id"], entry["team_id"]).get(DOING):
                g["written"].add(entry["team"])
                continue
            champion = current_champion(con, entry["team_id"])
            email = _email(champion["contact"]) if champion else None
            g["due"].setdefault(entry["team"], TeamDue(
                entry["team"], m["id"], champion["person"] if champion else None,
                champion["contact"] if champion else None, email, email in quiet))  # fmt: skip
    groups = []
    for area in sorted(grouped, key=lambda a: (a is None, (a or "").lower())):
        g = grouped[area]
        written = sorted(g["written"] - set(g["due"]), key=str.lower)
        groups.append(Group(day, area, store.area_channel(con, area, store.CHAMPIONS),
                            tuple(g["meetings"]), sorted(g["due"].values(),
                                                         key=lambda d: d.team.lower()),
                            written))  # fmt: skip
    notes = _why(con, listed, now, day, before if meeting_day is None else None, groups)
    return Reminder(now, day, before, groups, notes)


def _why(
    con: duckdb.DuckDBPyConnection,
    listed: list[dict[str, Any]],
    today: dt.date,
    day: dt.date,
    before: int | None,
    groups: list[Group],
) -> list[str]:
    """Why nobody is reminded, and what would change that (``before`` None: the day was
    named, not counted from today)."""
    notes = []
    if not groups:
        ahead = sorted(
            m["held_on"] for m in listed if m["held_on"] > today and m["status"] == "open"
        )
        usual = _usual_weekday(listed, today)
        if before is None:
            notes.append(f"No open meeting is planned for {long_date(day)}.")
        elif ahead:
            nxt = ahead[0]
            notes.append(f"No open meeting is planned for {long_date(day)}. The next is on "
                         f"{long_date(nxt)}: its reminders go on "
                         f"{long_date(nxt - dt.timedelta(days=before))}.")  # fmt: skip
        elif usual is not None and usual == day.weekday():
            notes.append(f"The last meetings were on {day_name(day)}s, but none is planned for "
                         f"{long_date(day)}: start it ahead (`ddq meeting start --date "
                         f"{day}`, or on the Meeting page) so that champions can write their "
                         "notes and be reminded.")  # fmt: skip
        else:
            notes.append(f"No meeting is planned for {long_date(day)}, {_days(before)} "
                         "ahead: reminders go for meetings started ahead (`ddq meeting start "
                         "--date D`), when they are that many days away.")  # fmt: skip
    elif all(not g.to_remind for g in groups):
        notes.append(f"Nobody to remind: every team has its {NOTE_LABELS[DOING].lower()} note, "
                     "or no champion who gets reminders.")  # fmt: skip
    if groups and not links.app_url(con):
        notes.append(links.NO_APP_URL)
    return notes


def _usual_weekday(listed: list[dict[str, Any]], today: dt.date) -> int | None:
    """The weekday most of the last meetings held were on (None before any)."""
    held = [m["held_on"] for m in listed if m["held_on"] <= today][:USUAL_MEETINGS]
    if not held:
        return None
    weekday, count = Counter(d.weekday() for d in held).most_common(1)[0]
    return weekday if count * 2 > len(held) else None


def message(group: Group, users: dict[str, str | None], base: str, today: dt.date) -> str:
    """The reminder in mrkdwn: each champion mentioned (``users``: e-mail -> Slack ID, None
    when Slack has no such user) with the teams whose note is missing, linked to the meeting."""
    scope = group.area or "teams without an area"
    head = (f"*Meeting on {long_date(group.day)} ({links.escape(scope)}), "
            f"{_when(today, group.day)}.*")  # fmt: skip
    people: dict[tuple[str, str], list[TeamDue]] = {}
    for d in group.to_remind:
        people.setdefault((d.champion or "", d.email or d.contact or ""), []).append(d)
    if not people:
        page = links.page_link(base, links.MEETING, meeting=group.meetings[0])
        return (f"{head} Every team has written what it is doing: thank you! Read them on "
                f"{links.link(page, 'the meeting page')} before the meeting.")  # fmt: skip
    lines = [f"{head} These teams have not yet written what they are doing; please write it "
             "before the meeting, so that everyone can read it first:"]  # fmt: skip
    for (person, _), teams in people.items():
        email = teams[0].email
        user = users.get(email) if email else None
        if user:
            who = f"<@{user}>"
        elif email:
            who = f"{links.escape(person)} (Slack knows nobody by the roster's e-mail)"
        else:
            who = f"{links.escape(person)} (the roster has no e-mail for them)"
        named = ", ".join(links.link(links.page_link(base, links.MEETING, meeting=d.meeting_id,
                                                     team=d.team), d.team) for d in teams)  # fmt: skip
        lines.append(f"• {who}: {named}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Sent:
    """What posting the reminders did: posted or updated, skipped, and what failed (words)."""

    posted: list[Posted]
    skipped: list[str]
    failed: list[str]


@requires(EDITOR, "post the meeting reminders to Slack")
def post_reminders(
    con: duckdb.DuckDBPyConnection,
    slack: Slack,
    today: dt.date | None = None,
    *,
    meeting_day: dt.date | None = None,
    who: Actor,
) -> Sent:
    """Post (or update) each area's reminder for the coming meeting; a channel that fails
    is named with Slack's reason and the others are still posted."""
    found = remind(con, today, meeting_day=meeting_day)
    base = links.app_url(con)
    users: dict[str, str | None] = {}
    posted, skipped, failed = [], [], []
    for g in found.groups:
        label = g.area or "teams without an area"
        if not g.channel:
            failed.append(f"{label}: no champions channel; give the area one on the roster, "
                          "or set the program's (`ddq settings set champions_channel "
                          "#quality-champions`).")  # fmt: skip
            continue
        before = previous(con, KIND, g.subject, "#" + g.channel.strip().lstrip("#"))
        if not g.to_remind and before is None:
            skipped.append(f"{label}: nobody to remind in {g.channel}.")
            continue
        try:
            for d in g.to_remind:
                if d.email and d.email not in users:
                    users[d.email] = slack.user_by_email(d.email)
            words = message(g, users, base, found.today)
            posted.append(post_once(con, slack, kind=KIND, subject=g.subject, channel=g.channel,
                                    text=words, blocks=links.sections(words.split("\n")),
                                    who=who))  # fmt: skip
        except DdqError as exc:
            failed.append(f"{label} in {g.channel}: {exc}")
    return Sent(posted, skipped, failed)
