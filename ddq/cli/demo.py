"""``ddq demo``: a deterministic sample organisation to look around in, and its removal."""

from __future__ import annotations

import click

from ddq.cli.output import computation, echo
from ddq.cli.session import session


@click.command()
@click.option("--teams", default=16, show_default=True, type=click.IntRange(1, 5000))
@click.option("--weeks", default=104, show_default=True, type=click.IntRange(1, 1300))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option(
    "--remove",
    is_flag=True,
    help="Remove the sample organisation completely instead (the same as undoing its import).",
)
@click.pass_context
def demo(ctx: click.Context, teams: int, weeks: int, seed: int, remove: bool) -> None:
    """Fill an empty database with a deterministic sample organisation (or remove it)."""
    from ddq.sample import fill_demo, remove_demo  # run time only: keeps `ddq --help` fast

    if remove:
        with session(ctx) as (con, who):
            undone = remove_demo(con, who=who)
        click.echo(undone.summary())
        if undone.metrics.changed:  # recomputed in the same transaction
            computation(undone.metrics)
        return
    with session(ctx) as (con, who):
        summary = fill_demo(con, teams=teams, weeks=weeks, seed=seed, who=who)
    echo(
        f"import {summary['import_id']}: sample organisation with {summary['areas']} areas, "
        f"{summary['teams']} teams and {summary['values']} values, weeks "
        f"{summary['first_week']} to {summary['last_week']}"
    )
