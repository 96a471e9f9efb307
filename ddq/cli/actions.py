"""``ddq meeting action``: action items raised for a team, carried until done or dropped."""

from __future__ import annotations

from datetime import datetime

import click

from ddq.cli.options import due
from ddq.cli.output import echo, table
from ddq.cli.session import session


@click.group("action")
def meeting_action() -> None:
    """Action items: raised for a team, carried to every meeting until done or dropped."""


@meeting_action.command("add")
@click.argument("team")
@click.argument("text")
@click.option("--owner", required=True, help="Who will do it.")
@due
@click.option("--meeting", "meeting_id", type=int, default=None, help="Raised in this meeting.")
@click.pass_context
def meeting_action_add(
    ctx: click.Context, team: str, text: str, owner: str, due: datetime, meeting_id: int | None
) -> None:
    """Raise an action item for TEAM."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        action_id = mt.add_action(
            con, team=team, text=text, owner=owner, due=due.date(), meeting_id=meeting_id, who=who
        )
    echo(f"action {action_id} raised for {team}, due {due.date()}")


def _close_action(ctx: click.Context, action_id: int, status: str, meeting_id: int | None) -> None:
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        echo(mt.set_action_status(con, action_id, status, who, meeting_id=meeting_id))


@meeting_action.command("done")
@click.argument("action_id", type=int)
@click.option("--meeting", "meeting_id", type=int, default=None, help="Closed in this meeting.")
@click.pass_context
def meeting_action_done(ctx: click.Context, action_id: int, meeting_id: int | None) -> None:
    """Mark an action item done."""
    _close_action(ctx, action_id, "done", meeting_id)


@meeting_action.command("drop")
@click.argument("action_id", type=int)
@click.option("--meeting", "meeting_id", type=int, default=None, help="Dropped in this meeting.")
@click.pass_context
def meeting_action_drop(ctx: click.Context, action_id: int, meeting_id: int | None) -> None:
    """Drop an action item (it will not be done)."""
    _close_action(ctx, action_id, "dropped", meeting_id)


@meeting_action.command("reopen")
@click.argument("action_id", type=int)
@click.pass_context
def meeting_action_reopen(ctx: click.Context, action_id: int) -> None:
    """Open a done or dropped action item again."""
    _close_action(ctx, action_id, "open", None)


@meeting_action.command("list")
@click.option("--team", default=None, help="Only this team's.")
@click.pass_context
def meeting_action_list(ctx: click.Context, team: str | None) -> None:
    """The open action items, by due date."""
    from ddq import meeting as mt  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        found = mt.open_actions(con, team=team)
    if not found:
        echo("no open action items")
        return
    table(
        ["id", "team", "due", "owner", "action"],
        [
            [
                str(a["id"]),
                a["team"],
                str(a["due"]) + (" (overdue)" if a["overdue"] else ""),
                a["owner"],
                a["text"].replace("\n", " "),
            ]
            for a in found
        ],
        right={0},
    )
