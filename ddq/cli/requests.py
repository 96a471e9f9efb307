"""``ddq requests``: coaching and workshop requests to the program team, and their status."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ddq.cli.output import echo, shorten, table
from ddq.cli.session import session

if TYPE_CHECKING:
    from ddq.slack.requests import Outcome

KINDS = ("coaching", "workshop")
STATUSES = ("new", "scheduled", "done")


@click.group()
def requests() -> None:
    """Coaching and workshop requests: recorded, posted to the program team's channel, followed
    from new to scheduled to done."""


def _said(outcome: Outcome, done: str) -> None:
    """What happened; a request recorded but not carried to Slack is said on stderr too."""
    echo(outcome.words(done))
    if outcome.problem is not None:
        echo(f"warning: request {outcome.request.id} is not in Slack.", err=True)


@requests.command("add")
@click.option("--kind", type=click.Choice(KINDS), required=True, help="What is asked for.")
@click.option("--team", required=True, help="The team asking.")
@click.option("--topic", required=True, help="What it is about, in a few words.")
@click.option("--hopes", default="", help="What the team hopes to get out of it.")
@click.option("--dates", default="", help="When would suit the team (free text).")
@click.pass_context
def requests_add(
    ctx: click.Context, kind: str, team: str, topic: str, hopes: str, dates: str
) -> None:
    """Record a request, and post it to the program team's channel when Slack is connected."""
    from ddq.slack import requests as core  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        outcome = core.request_help(con, kind, team, topic, hopes, dates, who=who)
    _said(outcome, f"Request {outcome.request.id} recorded: {outcome.request.what}")


@requests.command("list")
@click.option("--status", type=click.Choice(STATUSES), default=None, help="Only these.")
@click.pass_context
def requests_list(ctx: click.Context, status: str | None) -> None:
    """The requests, newest first."""
    from ddq.slack import requests as core  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        found = core.list_requests(con, status)
    if not found:
        echo(f"no {status} requests" if status else "no requests")
        return
    table(
        ["id", "kind", "team", "status", "requested", "by", "topic", "dates"],
        [[str(r.id), r.kind, r.team or "(removed)", r.status, f"{r.requested_at:%Y-%m-%d}",
          r.requested_by, shorten(r.topic, 60), shorten(r.dates, 30)] for r in found],
        right={0},
    )  # fmt: skip


@requests.command("set-status")
@click.argument("request_id", metavar="ID", type=int)
@click.argument("status", type=click.Choice(STATUSES))
@click.pass_context
def requests_set_status(ctx: click.Context, request_id: int, status: str) -> None:
    """Move request ID to STATUS; its Slack message, when posted, shows the new status."""
    from ddq.slack import requests as core  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        outcome = core.set_status(con, request_id, status, who=who)
    done = f"Request {request_id} is now {status}" if outcome.changed else (
        f"Request {request_id} was already {status}")  # fmt: skip
    _said(outcome, done)


@requests.command("post")
@click.argument("request_id", metavar="ID", type=int)
@click.pass_context
def requests_post(ctx: click.Context, request_id: int) -> None:
    """Post request ID to the program team's channel (again: its message is updated)."""
    from ddq.slack import requests as core  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        posted = core.post_request(con, request_id, who=who)
    echo(f"Request {request_id} {posted.words()}.")
