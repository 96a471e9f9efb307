"""``ddq questions``: questions in the champions channels that nobody has answered yet."""

from __future__ import annotations

import click

from ddq.cli.output import echo, table
from ddq.cli.session import session


@click.command("questions")
@click.option("--hours", type=click.IntRange(1, 24 * 14), default=None,
              help="Unanswered after this many hours (default: the Slack connection's, 24).")  # fmt: skip
@click.pass_context
def questions(ctx: click.Context, hours: int | None) -> None:
    """List the questions in the champions channels with no reply after HOURS, the oldest first."""
    from ddq import clock  # run time only: keeps `ddq --help` fast
    from ddq.slack import questions as core  # run time only: keeps `ddq --help` fast
    from ddq.slack import store  # run time only: keeps `ddq --help` fast
    from ddq.slack.client import Slack  # run time only: keeps `ddq --help` fast

    def waiting(seconds: float, why: str) -> None:
        echo(f"waiting {seconds:g} s for {why}", err=True)

    with session(ctx) as (con, _):
        slack = Slack(store.required(con), on_wait=waiting)
        channels = core.champions_channels(con)
        if not channels:
            echo("No champions channel is set: set champions_channel in Settings "
                 "(`ddq settings set champions_channel '#quality-champions'`) or on the areas.",
                 err=True)  # fmt: skip
            return
        found = core.unanswered(con, slack, hours, on_problem=lambda why: echo(why, err=True))
    wait = hours if hours is not None else slack.config.question_hours
    if not found:
        echo(f"No unanswered questions after {wait} h in {', '.join(channels)}.")
        return
    now = clock.now()
    table(["channel", "waiting", "asked by", "link"],
          [[q.channel, q.age(now), q.author, q.link] for q in found], right={1})  # fmt: skip
