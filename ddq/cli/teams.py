"""``ddq teams``: which team owns a bug, by component, project key or label."""

from __future__ import annotations

from pathlib import Path

import click

from ddq.cli.options import SIZE_LIMIT_MB
from ddq.cli.output import computation, echo
from ddq.cli.session import session


@click.group()
def teams() -> None:
    """Which team owns a bug: map components, project keys or labels to teams."""


@teams.command("map")
@click.argument("kind", type=click.Choice(["component", "project", "label"]), required=False)
@click.argument("value", required=False)
@click.argument("team", required=False)
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV file of kind,value,team: map every row, all or nothing.",
)
@click.option(
    "--create-teams", is_flag=True, help="With --file: create the teams it names that do not exist."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --file: check it and say what would change; change nothing.",
)
@click.pass_context
def teams_map(
    ctx: click.Context,
    kind: str | None,
    value: str | None,
    team: str | None,
    file: Path | None,
    create_teams: bool,
    dry_run: bool,
) -> None:
    """Map a component, project key or label (VALUE) to TEAM, or every row of a file.

    \b
    ddq teams map component Store "Store Team"
    ddq teams map --file owners.csv [--create-teams] [--dry-run]

    The file's header is kind,value,team; kind is component, project or label. The bug
    metrics are recomputed once for the whole file.
    """
    from ddq import ownership  # run time only: keeps `ddq --help` fast

    given = [a for a in (kind, value, team) if a is not None]
    if file is not None and given:
        raise click.UsageError("Give either KIND VALUE TEAM or --file FILE, not both.")
    if file is None:
        if kind is None or value is None or team is None:
            raise click.UsageError(
                "Give KIND VALUE TEAM (or --file FILE with kind,value,team rows)."
            )
        if create_teams or dry_run:
            raise click.UsageError("--create-teams and --dry-run go with --file.")
        with session(ctx) as (con, who):
            echo(ownership.set_mapping(con, kind, value, team, who=who))
        return
    with session(ctx) as (con, who):
        result = ownership.map_from_file(
            con,
            file,
            who=who,
            create_teams=create_teams,
            dry_run=dry_run,
            max_mb=SIZE_LIMIT_MB,
        )
    echo(result.summary())
    if result.metrics is not None and result.metrics.changed:
        computation(result.metrics)


@teams.command("unmap")
@click.argument("kind", type=click.Choice(["component", "project", "label"]))
@click.argument("value")
@click.pass_context
def teams_unmap(ctx: click.Context, kind: str, value: str) -> None:
    """Remove a mapping."""
    from ddq import ownership  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        echo(ownership.remove_mapping(con, kind, value, who=who))


@teams.command("mappings")
@click.pass_context
def teams_mappings(ctx: click.Context) -> None:
    """List the mappings, then what unassigned bugs would need mapped."""
    from ddq import ownership  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        found, unmapped = ownership.mappings(con), ownership.unmapped_values(con)
    for m in found:
        echo(f"{m['kind']:9} {m['value']} -> {m['team']}")
    if not found:
        echo("no mappings yet")
    for u in unmapped:
        echo(f"unmapped {u['kind']} {u['value']}: {u['bugs']} bugs")
