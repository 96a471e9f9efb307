"""``ddq audit``: who changed what and when, from the audit log nothing can edit."""

from __future__ import annotations

from datetime import datetime

import click

from ddq.cli.output import echo, shorten
from ddq.cli.session import session


@click.command()
@click.option(
    "--since",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Only changes on or after this day (YYYY-MM-DD, UTC).",
)
@click.option("--who", "by", default=None, help="Only changes by this person.")
@click.option(
    "--action", default=None, help="Only this kind of change, e.g. roster or import.metrics."
)
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the newest N changes.")
@click.option("--full", is_flag=True, help="Show each change's before and after in full.")
@click.pass_context
def audit(
    ctx: click.Context,
    since: datetime | None,
    by: str | None,
    action: str | None,
    limit: int | None,
    full: bool,
) -> None:
    """The audit log: who changed what and when, newest first. Nothing can edit it."""
    from ddq import audit as log  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        found = log.entries(
            con, since=since.date() if since else None, by=by, action=action, limit=limit
        )
    if not found:
        echo("no audit entries" + (" match" if since or by or action else " yet"))
        return
    for e in found:
        role = f" ({e['role']})" if e["role"] else ""
        echo(
            f"{e['id']:>6}  {e['happened_at']:%Y-%m-%d %H:%M:%S}  {e['who']}{role}  "
            f"{e['action']}  {e['subject']}"
        )
        change = log.describe(e)
        if change:
            echo("        " + (change if full else shorten(change, 160)))
