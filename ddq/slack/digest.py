"""The weekly digest for everyone interested: what changed, who is missing, what is waiting.

Five sections, each read through the same function as the page that shows it, so the digest
and the app never disagree:

- **signals on the trend charts**: weeks the Trends page flags (outside the natural process
  limits, or in a run on one side of the centre line) in the latest complete week, for the
  scope's chart and each team's, every metric (:func:`ddq.trends.build_trend`, with the
  page's default window);
- **biggest movers**: the Overview's movers (:func:`ddq.trends.movers`) of open critical bugs;
- **not reported**: the Overview's freshness (:func:`ddq.trends.freshness`);
- **overdue actions**: open action items past their due date
  (:func:`ddq.meeting.open_actions`);
- **definition proposals waiting for stances** (:func:`ddq.critical.stances`);
- and, when Slack is connected, **questions waiting for an answer** in the champions
  channels (:mod:`ddq.slack.questions`): read from Slack, so only the digest that is posted
  or printed with a connection has them.

Each line links to the view it comes from, when the app's address is set. The digest of a
week is posted once per channel: posting again in the same ISO week updates it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ddq import clock, critical, metrics, settings, text, trends, xmr
from ddq.access import EDITOR, Actor, requires
from ddq.db import rows
from ddq.errors import DdqError
from ddq.meeting import MOVERS_METRIC, open_actions
from ddq.meeting.scope import resolve_scope, scope_teams
from ddq.slack import links, questions, store
from ddq.slack.client import Slack, SlackError
from ddq.slack.posting import Posted, post_once

if TYPE_CHECKING:
    import duckdb

KIND = "digest"
MOVERS_SHOWN = 3  # improved and regressed each: the digest points, the Overview lists
MAX_LINES = 12  # per section; the rest are counted, and the section's link shows them all


@dataclass(frozen=True)
class Line:
    """One line of a section: what it is about (the link's words), then the details."""

    label: str
    detail: str = ""
    url: str | None = None

    def plain(self) -> str:
        words = self.label + (f": {self.detail}" if self.detail else "")
        return words + (f" ({self.url})" if self.url else "")

    def mrkdwn(self) -> str:
        words = links.link(self.url, self.label)
        return words + (f": {links.escape(self.detail)}" if self.detail else "")


@dataclass(frozen=True)
class Section:
    """A part of the digest: its lines, or what to say when there are none."""

    title: str
    lines: list[Line]
    empty: str
    note: str = ""  # how to read it
    url: str | None = None  # the page that shows all of it
    counted: str = ""  # what its lines are, counted in the notification: "signals"

    def shown(self) -> tuple[list[Line], int]:
        """The lines the digest shows, and how many more there are."""
        return self.lines[:MAX_LINES], max(0, len(self.lines) - MAX_LINES)


@dataclass(frozen=True)
class Digest:
    """The week's digest for the program or one area, as text and as Block Kit blocks."""

    title: str
    area: str | None
    week: dt.date  # the latest complete week: the one it reports on
    iso_week: str  # the week it is posted in (2026-W10): one digest per week and channel
    sections: list[Section]
    notes: list[str] = field(default_factory=list)

    @property
    def subject(self) -> str:
        return f"digest {self.iso_week} {self.area or 'program'}"

    def text(self) -> str:
        """The digest as plain text: what ``ddq digest`` prints."""
        out = [self.title, *self.notes]
        for s in self.sections:
            shown, more = s.shown()
            out += ["", f"{s.title} ({len(s.lines)})" if s.lines else s.title]
            if s.note:
                out.append(s.note)
            out += [f"- {line.plain()}" for line in shown] or [s.empty]
            if more:
                out.append(f"- and {more} more" + (f" ({s.url})" if s.url else ""))
        return "\n".join(out)

    def summary(self) -> str:
        """One line for notifications: the title and how many of each."""
        counts = "; ".join(f"{s.counted or s.title.lower()}: {len(s.lines)}" for s in self.sections)
        return links.escape(f"{self.title}: {counts}.")

    def blocks(self) -> list[dict[str, Any]]:
        """The digest in Block Kit: a header, then a section per part, under Slack's limits."""
        blocks = [links.header(self.title)]
        if self.notes:
            blocks.append(links.context(links.escape(" ".join(self.notes))))
        for s in self.sections:
            shown, more = s.shown()
            title = links.link(s.url, s.title)
            lines = [f"*{title}*" + (f" ({len(s.lines)})" if s.lines else "")]
            if s.note:
                lines.append(f"_{links.escape(s.note)}_")
            lines += [f"• {line.mrkdwn()}" for line in shown] or [links.escape(s.empty)]
            if more:
                lines.append(f"• {links.link(s.url, f'and {more} more')}")
            blocks += [{"type": "divider"}, *links.sections(lines)]
        return blocks[: links.MAX_BLOCKS]


def iso_week(day: dt.date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def digest(
    con: duckdb.DuckDBPyConnection,
    area: str | None = None,
    today: dt.date | None = None,
    *,
    slack: Slack | None = None,
) -> Digest:
    """The digest of the program (``area`` None) or one area, as of ``today``; with
    ``slack``, the questions waiting for an answer in its champions channels too."""
    day = today or clock.today()
    names, keys = resolve_scope(con, [area] if area else [])
    area = names[0] if names else None
    base = links.app_url(con)
    week = clock.latest_complete_week(day)
    scope = trends.Scope(area=area)
    program = settings.current(con).get("program_name") or "Data-Driven Quality"
    where = area or "whole program"
    return Digest(
        title=f"{program} weekly digest · {where} · week {text.week_label(week)}",
        area=area,
        week=week,
        iso_week=iso_week(day),
        sections=[
            _signals(con, scope, keys, week, day, base),
            _movers(con, scope, day, base),
            _not_reported(con, scope, day, base),
            _overdue(con, names, day, base),
            _proposals(con, area, base),
            *([] if slack is None else [_questions(con, slack, area)]),
        ],
        notes=[] if base else [links.NO_APP_URL],
    )


def _questions(con: duckdb.DuckDBPyConnection, slack: Slack, area: str | None) -> Section:
    """The champions channels' questions nobody has answered (the area's channel, or all)."""
    channels = (
        [c for c in [store.area_channel(con, area, store.CHAMPIONS)] if c]
        if area is not None
        else questions.champions_channels(con)
    )
    problems: list[str] = []
    try:
        found = questions.unanswered_in(
            slack, channels, slack.config.question_hours,
            on_problem=problems.append,
        )  # fmt: skip
    except SlackError as exc:
        found, problems = [], [str(exc)]
    hours = slack.config.question_hours
    lines = [Line(f"{q.author} in {q.channel}", f"waiting {q.age()}", q.link) for q in found]
    note = f"No reply from anyone else after {hours} hours."
    if problems:
        note += " Not read: " + "; ".join(problems)
    return Section("Questions waiting for an answer", lines,
                   f"Every question in the champions channels has had a reply within {hours} hours.",
                   note=note, counted="questions waiting")  # fmt: skip


def _signal_words(signal: xmr.Signal, limits: xmr.Limits, metric: metrics.MetricDef) -> str:
    side = "above" if signal.above else "below"
    if signal.rule == xmr.OUTSIDE:
        bound = limits.upper if signal.above else limits.lower
        value, line = text.numbers([signal.value, bound], metric.unit)
        where = f"{side} the {'upper' if signal.above else 'lower'} limit {line}"
    else:
        value, line = text.numbers([signal.value, limits.centre], metric.unit)
        where = f"{xmr.RUN_LENGTH} or more weeks in a row {side} the centre line {line}"
    return f"{value}, {where} ({'better' if signal.better else 'worse'})"


def _signals(
    con: duckdb.DuckDBPyConnection,
    scope: trends.Scope,
    keys: list[str],
    week: dt.date,
    day: dt.date,
    base: str,
) -> Section:
    """Signals in ``week`` on the scope's chart and each of its teams' charts, worse first."""
    charts: list[tuple[str, trends.Scope, dict[str, Any]]] = [
        (scope.label, scope, {"scope": "Area", "area": scope.area} if scope.area else {})
    ]
    charts += [(t["name"], trends.Scope(teams=(t["name"],)), {"scope": "Teams", "team": t["name"]})
               for t in scope_teams(con, keys)]  # fmt: skip
    # A chart can only signal in a week it has a value in: most teams report few metrics.
    present = {(r["team"], r["metric"]) for r in rows(
        con, "SELECT DISTINCT t.name AS team, mv.metric FROM metric_values mv "
             "JOIN teams t ON t.id = mv.team_id WHERE mv.week = ?", [week])}  # fmt: skip
    reported = {m for _, m in present}
    found: list[tuple[bool, str, Line]] = []
    for metric in metrics.catalog(con):
        for label, chart, params in charts:
            wanted = (label, metric.key) in present if chart.teams else metric.key in reported
            view = trends.build_trend(con, metric, chart, today=day) if wanted else None
            if view is None or view.limits is None:
                continue
            for signal in view.signals:
                if signal.week == week:
                    url = links.page_link(base, links.TRENDS, metric=metric.key, **params)
                    line = Line(f"{metric.label} · {label}",
                                _signal_words(signal, view.limits, metric), url)  # fmt: skip
                    found.append((signal.better, metric.key, line))
    found.sort(key=lambda f: (f[0], f[1]))
    return Section(
        "Signals on the trend charts",
        [line for *_, line in found],
        f"No signals in {text.week_label(week)}: every chart is within its routine variation.",
        note=f"Flagged in {text.week_label(week)}: outside the natural process limits, or "
        f"{xmr.RUN_LENGTH} or more weeks in a row on one side of the centre line. Something "
        "changed there.",
        url=links.page_link(base, links.TRENDS),
        counted="signals",
    )


def _movers(
    con: duckdb.DuckDBPyConnection, scope: trends.Scope, day: dt.date, base: str
) -> Section:
    """The Overview's movers of open critical bugs: the most improved and the most regressed."""
    metric = next((m for m in metrics.catalog(con) if m.key == MOVERS_METRIC), None)
    title = "Biggest movers"
    if metric is None:
        return Section(title, [], f"No metric {MOVERS_METRIC} to rank the teams by.",
                       counted="movers")  # fmt: skip
    moved = trends.movers(con, scope, metric, day)
    history = trends.history_weeks(con, scope, metric.key, day)
    improved = [m for m in moved if m["improvement"] > 0][:MOVERS_SHOWN]
    regressed = [m for m in reversed(moved) if m["improvement"] < 0][:MOVERS_SHOWN]
    lines = []
    for how, group in (("improved", improved), ("regressed", regressed)):
        for m in group:
            earlier, recent = text.numbers([m["earlier"], m["recent"]], metric.unit)
            url = links.page_link(base, links.TRENDS, metric=metric.key, scope="Teams",
                                  team=m["team"])  # fmt: skip
            detail = f"{how}, {earlier} → {recent} ({text.change(m['change'], metric.unit)})"
            lines.append(Line(m["team"], detail, url))
    if not moved and history < trends.MOVERS_HISTORY_WEEKS:
        empty = f"Movers need {trends.MOVERS_HISTORY_WEEKS} weeks of history; there are {history}."
    else:
        empty = "No team moved."
    return Section(
        f"{title}: {metric.label}",
        lines,
        empty,
        note=f"Mean of the last {trends.RECENT_WEEKS} weeks against the same "
        f"{trends.RECENT_WEEKS} weeks {trends.QUARTER_WEEKS} weeks earlier.",
        url=links.page_link(base, links.OVERVIEW, area=scope.area, metric=metric.key),
        counted="movers",
    )


def _not_reported(
    con: duckdb.DuckDBPyConnection, scope: trends.Scope, day: dt.date, base: str
) -> Section:
    """The Overview's freshness: teams without a value in the latest complete week."""
    fresh = trends.freshness(con, scope, day)
    silent = {t["team"]: t["last_week"] for t in fresh["silent"]}
    lines = []
    for team in fresh["not_reported"]:
        since = f"no data since {text.week_label(silent[team])}" if team in silent else ""
        lines.append(
            Line(team, since, links.page_link(base, links.TRENDS, scope="Teams", team=team))
        )
    return Section(
        f"Not reported for {text.week_label(fresh['week'])}",
        lines,
        f"Every team has reported {text.week_label(fresh['week'])}.",
        url=links.page_link(base, links.OVERVIEW, area=scope.area),
        counted="teams not reported",
    )


def _overdue(con: duckdb.DuckDBPyConnection, areas: list[str], day: dt.date, base: str) -> Section:
    """Open action items past their due date, the longest overdue first."""
    overdue = [a for a in open_actions(con, as_of=day, areas=areas) if a["overdue"]]
    overdue.sort(key=lambda a: (-a["days_overdue"], a["id"]))
    lines = []
    for a in overdue:
        days = a["days_overdue"]
        url = links.page_link(base, links.MEETING, meeting=a["meeting_id"], team=a["team"])
        detail = (f"#{a['id']} {a['text']} (owner {a['owner']}, due {a['due']}, "
                  f"{days} day{'s' if days != 1 else ''} overdue)")  # fmt: skip
        lines.append(Line(a["team"], detail, url))
    return Section("Overdue actions", lines, "No action is overdue.",
                   url=links.page_link(base, links.MEETING), counted="overdue actions")  # fmt: skip


def _proposals(con: duckdb.DuckDBPyConnection, area: str | None, base: str) -> Section:
    """Proposed definitions, their stances counted, and the teams (of the area) not yet heard."""
    url = links.page_link(base, links.CRITICAL)
    lines = []
    for version in critical.versions(con):
        if version["status"] != critical.PROPOSED:
            continue
        counts = critical.stance_summary(con, version["version"])
        waiting = [s for s in critical.stances(con, version["version"])
                   if s["champion"] and s["stance"] is None
                   and (area is None or s["area"] == area)]  # fmt: skip
        words = (f"{counts['agree']} agree, {counts['disagree']} disagree, {counts['abstain']} "
                 f"abstain, {counts['none']} not yet")  # fmt: skip
        if waiting:
            words += "; waiting for " + ", ".join(f"{s['team']} ({s['champion']})" for s in waiting)
        elif area is not None:
            words += f"; every team of {area} with a champion has taken a stance"
        lines.append(Line(f"Version {version['version']}: {version['title']}", words, url))
    return Section("Definition proposals waiting for stances", lines,
                   "No critical-bug definition is proposed.", url=url,
                   counted="proposals waiting")  # fmt: skip


@requires(EDITOR, "post the weekly digest to Slack")
def post_digest(
    con: duckdb.DuckDBPyConnection,
    slack: Slack,
    area: str | None = None,
    *,
    today: dt.date | None = None,
    who: Actor,
) -> Posted:
    """Post the digest in the area's channel for everyone interested (the program's without an
    area); posted again in the same ISO week, it updates the message."""
    made = digest(con, area, today, slack=slack)
    channel = store.area_channel(con, made.area, store.COMMUNITY)
    if not channel:
        where = f"area {made.area} has none on the roster and the" if made.area else "the"
        raise DdqError(
            f"No channel to post the digest in: {where} program's channel for everyone "
            "interested is not set. Set it in Settings (community_channel: `ddq settings set "
            "community_channel #quality`), or give the area its channel on the roster."
        )
    return post_once(con, slack, kind=KIND, subject=made.subject, channel=channel,
                     text=made.summary(), blocks=made.blocks(), who=who)  # fmt: skip
