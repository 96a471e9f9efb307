"""``ddq slack``: connect ddq to the community's Slack workspace, test it, disconnect it.

The bot token stays in the environment variable named with ``--token-env``: ddq reads it
there at each use and never stores it.
"""

from __future__ import annotations

import os

import click

from ddq.cli.output import echo
from ddq.cli.session import session


def waiting(seconds: float, why: str) -> None:
    """Say on stderr that a call waits (Slack's rate limit)."""
    echo(f"waiting {seconds:.0f} s ({why})", err=True)


@click.group()
def slack() -> None:
    """The community's Slack: connect the bot, test it, disconnect it."""


@slack.command("connect")
@click.option("--token-env", required=True, metavar="VAR",
              help="The environment variable holding the bot token (xoxb-...), never the token.")  # fmt: skip
@click.option("--api-url", default=None, metavar="URL",
              help="Slack's Web API address (default https://slack.com/api; for a proxy or tests).")  # fmt: skip
@click.option("--remind-days", type=int, default=None, metavar="N",
              help="Remind champions N days before the meeting (0 to 6; default 1).")  # fmt: skip
@click.option("--question-hours", type=int, default=None, metavar="H",
              help="A question is unanswered after H hours (default 24).")  # fmt: skip
@click.pass_context
def slack_connect(ctx: click.Context, token_env: str, api_url: str | None,
                  remind_days: int | None, question_hours: int | None) -> None:  # fmt: skip
    """Connect Slack (admins): the bot's token stays in VAR, read at each use."""
    from ddq.slack import store  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        chosen = store.connect(con, token_env=token_env, api_url=api_url,
                               remind_days_before=remind_days, question_hours=question_hours,
                               who=who)  # fmt: skip
    days = chosen.remind_days_before
    echo(f"connected Slack at {chosen.api_url}: the bot token is read from {chosen.token_env}; "
         f"reminders {days} day{'s' if days != 1 else ''} before the meeting; questions "
         f"unanswered after {chosen.question_hours} hours")  # fmt: skip
    if not os.environ.get(chosen.token_env, "").strip():
        echo(f"note: {chosen.token_env} is not set here; set it to the bot's token wherever ddq "
             "runs (this shell, the app's environment or its secrets)", err=True)  # fmt: skip
    echo("check it with `ddq slack test`")


@slack.command("test")
@click.pass_context
def slack_test(ctx: click.Context) -> None:
    """Ask Slack who the bot is, then find each configured channel; exit 1 when anything
    is wrong. Posts nothing."""
    from ddq.slack.check import check  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        found = check(con, on_wait=waiting)
    for line in found.lines:
        echo(line.words)
    if not found.ok:
        problems = found.problems()
        echo(f"Slack is not ready: {problems} problem{'s' if problems != 1 else ''} above",
             err=True)  # fmt: skip
        ctx.exit(1)


@slack.command("disconnect")
@click.pass_context
def slack_disconnect(ctx: click.Context) -> None:
    """Disconnect Slack (admins): ddq posts nothing more. Channels and past posts stay."""
    from ddq.slack import store  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        store.disconnect(con, who=who)
    echo("disconnected Slack; the channels in Settings and the roster stay, and so do the "
         "messages already posted")  # fmt: skip
