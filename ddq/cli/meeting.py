"""``ddq meeting``: the weekly meeting's agenda, attendance, notes, summary and slides.

Its action items are ``ddq meeting action`` (in ``actions``).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ddq.cli.actions import meeting_action
from ddq.cli.options import DAY, which_meeting
from ddq.cli.output import echo, table
from ddq.cli.session import session
from ddq.errors import Conflict

if TYPE_CHECKING:
    import duckdb

    from ddq.access import Actor


@click.group()
def meeting() -> None:
    """The weekly meeting: agenda, attendance, notes, action items and the summary."""


def _meeting_id(
    con: duckdb.DuckDBPyConnection,
    meeting_id: int | None,
    day: datetime | None,
    areas: tuple[str, ...],
) -> int:
    """The meeting named by --id, else by --date (and --area), else the latest held (of
    the --area scope)."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    try:
        return mt.find_meeting(
            con, meeting_id=meeting_id, day=day.date() if day else None, areas=areas
        )
    except Conflict as several:  # the command's words for "name one"
        raise click.UsageError(
            str(several).replace("by its id or its areas", "with --id or --area")
        ) from None


@meeting.command("start")
@click.option("--date", "day", type=DAY, default=None, help="The meeting's date (default: today).")
@click.option("--area", "areas", multiple=True, help="An area it covers (repeat; none: all).")
@click.option(
    "--order",
    type=click.Choice(["area", "movers", "status", "rotation"]),
    default="area",
    show_default=True,
    help="The agenda's order.",
)
@click.option("--title", default=None, help="A title for the summary.")
@click.pass_context
def meeting_start(
    ctx: click.Context, day: datetime | None, areas: tuple[str, ...], order: str, title: str | None
) -> None:
    """Create a meeting and its agenda; print its id and the teams in order."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        meeting_id = mt.create_meeting(
            con,
            held_on=None if day is None else day.date(),
            areas=areas,
            order=order,
            title=title,
            who=who,
        )
        found = mt.get_meeting(con, meeting_id)
    echo(
        f"meeting {meeting_id} on {found['held_on']} ({found['scope']}), "
        f"{len(found['teams'])} teams, {mt.ORDER_WORDS[order]}:"
    )
    for t in found["teams"]:
        echo(f"  {t['position'] + 1}. {t['team']} ({t['champion'] or 'no champion'})")


@meeting.command("list")
@click.option("--limit", type=int, default=None, help="Only the newest N meetings.")
@click.pass_context
def meeting_list(ctx: click.Context, limit: int | None) -> None:
    """Every meeting, newest first."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        found = mt.meetings(con, limit)
    if not found:
        echo("no meetings yet; start one with `ddq meeting start`")
        return
    table(
        ["id", "date", "scope", "status", "presented", "present", "leader", "title"],
        [
            [
                str(m["id"]),
                str(m["held_on"]),
                m["scope"],
                m["status"],
                f"{m['presented']} of {m['teams']}",
                f"{m['present']} of {m['champions']}",
                {True: m["leader_name"] or "yes", False: "no", None: "-"}[m["leader_present"]],
                m["title"],
            ]
            for m in found
        ],
        right={0},
    )


@meeting.command("show")
@click.argument("meeting_id", type=int)
@click.pass_context
def meeting_show(ctx: click.Context, meeting_id: int) -> None:
    """A meeting: its agenda with attendance, and who is presenting."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        found = mt.get_meeting(con, meeting_id)
    title = f": {found['title']}" if found["title"] else ""
    echo(
        f"meeting {found['id']} on {found['held_on']}{title} ({found['scope']}), "
        f"{found['status']}, agenda {mt.ORDER_WORDS[found['agenda_order']]}"
    )
    leader = {
        True: f"present ({found['leader_name'] or 'unnamed'})",
        False: "absent",
        None: "not marked",
    }[found["leader_present"]]
    echo(f"leader: {leader}")
    for t in found["teams"]:
        mark = ">" if t["position"] == found["current_position"] else " "
        champion = t["champion"] or "no champion"
        present = {True: "present", False: "absent", None: "not marked"}[t["present"]]
        presented = "presented" if t["presented"] else "not presented"
        attended = "" if t["champion"] is None else f", {present}"
        echo(f"{mark} {t['position'] + 1}. {t['team']}: {champion}{attended}, {presented}")


@meeting.command("goto")
@click.argument("meeting_id", type=int)
@click.argument("team")
@click.pass_context
def meeting_goto(ctx: click.Context, meeting_id: int, team: str) -> None:
    """Present TEAM (its name, or its place on the agenda from 1) in the meeting."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        position = mt.agenda_position(mt.get_meeting(con, meeting_id), team)
        echo(mt.set_position(con, meeting_id, position, who))


@meeting.command("note")
@click.argument("meeting_id", type=int)
@click.argument("team")
@click.argument("text")
@click.option(
    "--kind",
    type=click.Choice(["doing", "feedback_wanted", "feedback_given"]),
    required=True,
    help="What we're doing, feedback wanted, or feedback given.",
)
@click.pass_context
def meeting_note(ctx: click.Context, meeting_id: int, team: str, text: str, kind: str) -> None:
    """Write TEAM's note for the meeting (TEXT; - reads standard input; "" removes it)."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    if text == "-":
        text = sys.stdin.read()
    with session(ctx) as (con, who):
        echo(mt.set_note(con, meeting_id, team, kind, text, who))


@meeting.command("attend")
@click.argument("meeting_id", type=int)
@click.argument("team")
@click.option("--absent", is_flag=True, help="Mark the champion absent (default: present).")
@click.pass_context
def meeting_attend(ctx: click.Context, meeting_id: int, team: str, absent: bool) -> None:
    """Mark TEAM's champion present (or --absent) at the meeting."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        echo(mt.set_attendance(con, meeting_id, team, not absent, who))


@meeting.command("leader")
@click.argument("meeting_id", type=int)
@click.option("--name", default=None, help="Who (default for one area: its head).")
@click.option("--absent", is_flag=True, help="No leader attended.")
@click.pass_context
def meeting_leader(ctx: click.Context, meeting_id: int, name: str | None, absent: bool) -> None:
    """Record that the area head or another leader attended (or --absent)."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        echo(mt.set_leader(con, meeting_id, not absent, name, who))


@meeting.command("finish")
@click.argument("meeting_id", type=int)
@click.pass_context
def meeting_finish(ctx: click.Context, meeting_id: int) -> None:
    """Finish the meeting (champions not marked present are recorded absent)."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        echo(mt.finish(con, meeting_id, who))


@meeting.command("summary")
@which_meeting
@click.option("--post", is_flag=True,
              help="Then post it in the meeting's Slack channel (again: update that message).")  # fmt: skip
@click.pass_context
def meeting_summary(
    ctx: click.Context,
    day: datetime | None,
    meeting_id: int | None,
    areas: tuple[str, ...],
    post: bool,
) -> None:
    """Print a meeting's summary in Markdown, for Slack (default: the latest meeting held);
    --post also posts it in the area's champions channel (several areas or the whole
    program: the program team's channel)."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    if day is not None and meeting_id is not None:
        raise click.UsageError("Give --date or --id, not both.")
    with session(ctx) as (con, who):
        chosen = _meeting_id(con, meeting_id, day, areas)
        text = mt.summary_markdown(con, chosen)
        echo(text, nl=False)
        if post:
            _post_summary(ctx, con, chosen, who)


def _post_summary(ctx: click.Context, con: duckdb.DuckDBPyConnection, meeting_id: int,
                  who: Actor) -> None:  # fmt: skip
    """Post the summary; Slack's refusal in words on stderr, and exit 1."""
    from ddq.cli.slack import waiting  # run time only: keeps `ddq --help` fast
    from ddq.slack import store  # run time only: keeps `ddq --help` fast
    from ddq.slack.client import Slack, SlackError  # run time only: keeps `ddq --help` fast
    from ddq.slack.summary import post_summary  # run time only: keeps `ddq --help` fast

    try:
        slack = Slack(store.required(con), on_wait=waiting)
        done = post_summary(con, slack, meeting_id, who=who)
    except SlackError as exc:
        echo(f"not posted to Slack: {exc}", err=True)
        ctx.exit(1)
    echo(done.words())
    if done.note():
        echo(f"note: {done.note()}", err=True)


@meeting.command("slides")
@which_meeting
@click.option(
    "--team",
    default=None,
    help="Only this team's slide, as a PNG: its name, or its place on the agenda from 1.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The file to write (default: named after the meeting, in this folder).",
)
@click.pass_context
def meeting_slides(
    ctx: click.Context,
    day: datetime | None,
    meeting_id: int | None,
    areas: tuple[str, ...],
    team: str | None,
    out: Path | None,
) -> None:
    """Write a meeting as one HTML deck, or --team's slide as a PNG (default: the latest
    meeting held). The PNG needs Chrome or Chromium; the deck opens offline."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast
    from ddq import slides  # run time only: keeps `ddq --help` fast (plotly)

    if day is not None and meeting_id is not None:
        raise click.UsageError("Give --date or --id, not both.")
    with session(ctx) as (con, _):
        found = mt.get_meeting(con, _meeting_id(con, meeting_id, day, areas))
        if team is None:
            content: bytes = slides.deck_html(con, found["id"]).encode("utf-8")
            what = f"the meeting of {found['held_on']} ({found['scope']}), a title slide and "
            what += f"{len(found['teams'])} team slide{'s' if len(found['teams']) != 1 else ''}"
        else:
            place = found["teams"][mt.agenda_position(found, team)]
            content = slides.png(con, found["id"], place["team"])
            what = f"{place['team']} ({place['position'] + 1} of {len(found['teams'])}), 1280x720"
    target = out or Path(slides.file_name(found, None if team is None else place["team"]))
    target.write_bytes(content)
    echo(f"wrote {target}: {what}")


@meeting.command("health")
@click.option("--area", "areas", multiple=True, help="Only these areas' teams (repeat).")
@click.option("--date", "day", type=DAY, default=None, help="As of this day (default: today).")
@click.pass_context
def meeting_health(ctx: click.Context, areas: tuple[str, ...], day: datetime | None) -> None:
    """Community health: attendance, leaders, teams not presented, overdue actions."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        health = mt.community_health(con, as_of=None if day is None else day.date(), areas=areas)
    leader = health["leader"]
    echo(
        f"as of {health['as_of']}: a leader attended {leader['attended']} of the last "
        f"{leader['meetings']} meeting(s)"
    )
    for a in health["attendance"]:
        rate = "-" if a["rate"] is None else f"{a['rate']:.0%}"
        echo(
            f"  {a['champion']} ({', '.join(a['teams'])}): {a['present']} of "
            f"{a['marked']} marked meeting(s), {rate}"
        )
    for r in health["not_presented"]:
        when = "never" if r["last_presented"] is None else f"last on {r['last_presented']}"
        echo(f"not presented for {mt.NOT_PRESENTED_WEEKS}+ weeks: {r['team']} ({when})")
    for late in health["overdue"]:
        echo(
            f"overdue: action {late['id']} {late['team']}: {late['text']} "
            f"(owner {late['owner']}, due {late['due']})"
        )


meeting.add_command(meeting_action)
