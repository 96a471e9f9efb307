"""``ddq mappings``: saved column mappings for bug CSV files from other trackers."""

from __future__ import annotations

from pathlib import Path

import click

from ddq.cli.options import input_file
from ddq.cli.output import echo
from ddq.cli.session import session


@click.group()
def mappings() -> None:
    """Saved column mappings for bug CSV files from other trackers (field: header)."""


@mappings.command("list")
@click.pass_context
def mappings_list(ctx: click.Context) -> None:
    """The saved mappings' names."""
    from ddq.ingest.bugs import mapping_names  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        names = mapping_names(con)
    echo("\n".join(names) if names else "no saved mappings yet")


@mappings.command("save")
@click.argument("name")
@input_file
@click.pass_context
def mappings_save(ctx: click.Context, name: str, file: Path) -> None:
    """Save the mapping in a JSON FILE ({"key": "IssueId", ...}) as NAME."""
    # run time only: keeps `ddq --help` fast
    from ddq.ingest.bugs import read_mapping_file, save_mapping

    columns = read_mapping_file(file)
    with session(ctx) as (con, who):
        stored = save_mapping(con, name, columns, who=who)
    echo(f"saved mapping {name.strip()!r}: {len(stored)} field(s)")


@mappings.command("show")
@click.argument("name")
@click.pass_context
def mappings_show(ctx: click.Context, name: str) -> None:
    """Print a saved mapping as JSON (the form --mapping and `mappings save` read)."""
    import json  # run time only: keeps `ddq --help` fast

    from ddq.ingest.bugs import load_mapping  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        columns = load_mapping(con, name)
    echo(json.dumps(columns, indent=2, ensure_ascii=False))
