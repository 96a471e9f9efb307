"""``ddq export``: metrics, roster and bugs as formula-safe CSV."""

from __future__ import annotations

from pathlib import Path

import click

from ddq.cli.options import out_file
from ddq.cli.output import echo, export_stream
from ddq.cli.session import session


@click.group()
def export() -> None:
    """Export data as formula-safe CSV."""


@export.command("metrics")
@out_file
@click.pass_context
def export_metrics_command(ctx: click.Context, out: Path | None) -> None:
    """Every metric value, long format (team,week,metric,value), sorted."""
    from ddq.export import export_metrics  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        count = export_metrics(con, out or export_stream())
    if isinstance(out, Path):
        echo(f"wrote {count} values to {out}", err=True)


@export.command("roster")
@out_file
@click.pass_context
def export_roster_command(ctx: click.Context, out: Path | None) -> None:
    """Every active team with its area and current champion (area,team,champion,email,since)."""
    from ddq.export import export_roster  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        count = export_roster(con, out or export_stream())
    if out is not None:
        echo(f"wrote {count} teams to {out}", err=True)


@export.command("bugs")
@out_file
@click.pass_context
def export_bugs_command(ctx: click.Context, out: Path | None) -> None:
    """Every bug (key,tracker,team,type,status,...,summary,description), sorted by key."""
    from ddq.export import export_bugs  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        count = export_bugs(con, out or export_stream())
    if out is not None:
        echo(f"wrote {count} bugs to {out}", err=True)
