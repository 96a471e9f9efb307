"""``ddq digest`` and ``ddq remind``: the weekly digest and the reminders before the meeting.

Both print what they would post; ``--post`` posts it (or updates what was posted before),
for a scheduler to run (the README shows a cron line and a systemd timer).
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

import click

from ddq.cli.options import DAY
from ddq.cli.output import echo
from ddq.cli.session import session

if TYPE_CHECKING:
    import duckdb

    from ddq.slack.client import Slack


def _slack(con: duckdb.DuckDBPyConnection) -> Slack:
    """A Slack client for the stored connection; its rate-limit waits said on stderr."""
    from ddq.slack import store  # run time only: keeps `ddq --help` fast
    from ddq.slack.client import Slack  # run time only: loads slack_sdk

    def waiting(seconds: float, why: str) -> None:
        echo(f"Waiting {seconds:g} s for {why}…", err=True)

    return Slack(store.required(con), on_wait=waiting)


@click.command("digest")
@click.option("--area", default=None, help="The digest of this area (default: the program's).")
@click.option("--post", is_flag=True, help="Post it in the channel for everyone interested.")
@click.pass_context
def digest(ctx: click.Context, area: str | None, post: bool) -> None:
    """Print the weekly digest: signals, movers, missing reports, overdue actions, proposals.

    With --post, post it in the area's channel for everyone interested (the program's without
    --area); posting again in the same ISO week updates that message.
    """
    from ddq.errors import DdqError  # run time only: keeps `ddq --help` fast
    from ddq.slack import digest as core  # run time only: keeps `ddq --help` fast
    from ddq.slack import store  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        slack, failure = None, None
        if post or store.config(con) is not None:  # the questions are read from Slack
            try:
                slack = _slack(con)
            except DdqError as exc:
                failure = exc
        made = core.digest(con, area, slack=slack)
        echo(made.text())
        if failure is not None:
            if post:
                raise failure
            echo(f"questions not read: {failure}", err=True)
        if post and slack is not None:
            echo(core.post_digest(con, slack, made.area, who=who).words())


@click.command("remind")
@click.option("--post", is_flag=True, help="Post the reminders in the champions channels.")
@click.option(
    "--date",
    "day",
    type=DAY,
    default=None,
    help="The meeting's date (default: remind_days_before days from today).",
)
@click.option("--opt-out", "opt_out", metavar="EMAIL", default=None,
              help="Send no more reminders to this champion's e-mail address.")  # fmt: skip
@click.option("--opt-in", "opt_in", metavar="EMAIL", default=None,
              help="Send reminders to this e-mail address again.")  # fmt: skip
@click.pass_context
def remind(
    ctx: click.Context,
    post: bool,
    day: datetime | None,
    opt_out: str | None,
    opt_in: str | None,
) -> None:
    """Print who would be reminded of the coming meeting, and why; --post mentions them.

    The coming meeting is an open meeting (started ahead with `ddq meeting start --date`)
    remind_days_before days from today (`ddq slack connect --remind-days-before N`; 1 by
    default). Its teams without a "what we're doing" note have their champion mentioned in
    the area's champions channel. Run it daily; posting again updates the same message.
    """
    chosen = [name for name, on in (("--opt-out", opt_out), ("--opt-in", opt_in),
                                    ("--post", post), ("--date", day)) if on]  # fmt: skip
    if (opt_out or opt_in) and len(chosen) > 1:
        raise click.UsageError(f"{' and '.join(chosen)} do not go together: give one at a time.")
    from ddq.slack import optouts  # run time only: keeps `ddq --help` fast
    from ddq.slack import remind as core  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        if opt_out or opt_in:
            change = optouts.opt_out if opt_out else optouts.opt_in
            echo(change(con, opt_out or opt_in or "", who=who))
            return
        meeting_day = day.date() if day else None
        for line in core.remind(con, meeting_day=meeting_day).words():
            echo(line)
        if not post:
            return
        sent = core.post_reminders(con, _slack(con), meeting_day=meeting_day, who=who)
    for done in sent.posted:
        echo(done.words())
    for skipped in sent.skipped:
        echo(skipped)
    for failed in sent.failed:
        echo(f"Not posted: {failed}", err=True)
    if sent.failed:
        ctx.exit(1)
