"""``ddq bugs``: the weekly bug metrics computed from the imported bugs."""

from __future__ import annotations

from datetime import datetime

import click

from ddq.cli.output import computation
from ddq.cli.session import session


@click.group()
def bugs() -> None:
    """Weekly bug metrics computed from the imported bugs."""


@bugs.command("compute")
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
@click.pass_context
def bugs_compute(ctx: click.Context, dry_run: bool) -> None:
    """Bring the weekly bug metrics up to date, through the latest complete week.

    Every import, undo, mapping and adoption already recomputes them; run this when a
    new week has completed since (or from a weekly timer)."""
    from ddq import bugmetrics  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        computation(bugmetrics.refresh(con, who=who, dry_run=dry_run))


@bugs.command("recompute")
@click.option(
    "--definition", "version", type=int, required=True, help="The adopted definition to apply."
)
@click.option(
    "--from",
    "since",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="First day (its ISO week) to recompute.",
)
@click.pass_context
def bugs_recompute(ctx: click.Context, version: int, since: datetime) -> None:
    """Recompute history under a definition, on purpose (recorded and annotated)."""
    from ddq import critical  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        computation(critical.apply_to_history(con, version, since=since.date(), who=who))
