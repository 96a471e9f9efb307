"""``ddq import``: metrics, roster and bugs from a file, all or nothing."""

from __future__ import annotations

from pathlib import Path

import click

from ddq.cli.options import SIZE_LIMIT_MB, dry_run_file, input_file
from ddq.cli.output import computation, echo, stage_reporter
from ddq.cli.session import session


@click.group("import")
def import_() -> None:
    """Import a file (all or nothing; every problem is reported with its line).

    Files of any size are read; compressed, archived and other binary files are refused.
    """


@import_.command("metrics")
@input_file
@dry_run_file
@click.option(
    "--create-teams", is_flag=True, help="Create the teams the file names that do not exist."
)
@click.pass_context
def import_metrics_command(
    ctx: click.Context, file: Path, dry_run: bool, create_teams: bool
) -> None:
    """Import weekly metric values from a long or wide CSV FILE."""
    from ddq.ingest.metrics import import_metrics  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        result = import_metrics(
            con,
            file,
            who=who,
            dry_run=dry_run,
            create_teams=create_teams,
            max_mb=SIZE_LIMIT_MB,
            progress=stage_reporter(),
        )
    echo(result.summary())
    if result.metrics is not None and result.metrics.changed:
        computation(result.metrics)  # uploaded bug metrics took weeks over from computed ones
    if dry_run and result.preview:
        echo("first rows:")
        for row in result.preview:
            echo(
                f"  line {row['line']}: {row['team']}, {row['week']}, {row['metric']} = "
                f"{row['value']:g}"
            )


@import_.command("roster")
@input_file
@dry_run_file
@click.pass_context
def import_roster_command(ctx: click.Context, file: Path, dry_run: bool) -> None:
    """Import the champion roster (area,team,champion,email,since) from a CSV FILE.

    Creates the areas and teams it names; a changed champion is a handover, an empty one
    means the team has none. Teams the file does not name are left alone.
    """
    from ddq.ingest.roster import import_roster  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        result = import_roster(
            con,
            file,
            who=who,
            dry_run=dry_run,
            max_mb=SIZE_LIMIT_MB,
            progress=stage_reporter(),
        )
    echo(result.summary())
    changes = [row for row in result.preview if row["action"] != "unchanged"]
    if dry_run and changes:
        echo("changes:")
        for row in changes:
            area = f" ({row['area']})" if row["area"] else ""
            champion = f", {row['champion']}" if row["champion"] else ""
            echo(f"  line {row['line']}: {row['team']}{area}{champion}: {row['action']}")


@import_.command("bugs")
@input_file
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jira", "github", "csv"], case_sensitive=False),
    default=None,
    help="The export's kind (default: github for a JSON file, csv with --mapping, else jira).",
)
@click.option(
    "--mapping",
    metavar="FILE|NAME",
    help="CSV column mapping: a JSON file of field: header, or a saved mapping's name.",
)
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Import the good rows; keep each broken row, with its line and reason, in the ledger.",
)
@dry_run_file
@click.pass_context
def import_bugs_command(
    ctx: click.Context,
    file: Path,
    fmt: str | None,
    mapping: str | None,
    skip_bad_rows: bool,
    dry_run: bool,
) -> None:
    """Import bugs from a Jira CSV export, GitHub issues JSON, or any CSV with a mapping.

    A re-import updates bugs by key; every problem is named by its line.
    """
    from ddq.ingest.bugs import import_bugs, resolve_mapping  # run time only: keeps --help fast
    from ddq.ingest.github import looks_like_json  # run time only: keeps --help fast

    if fmt is None:
        with file.open("rb") as f:
            start = f.read(4096)
        fmt = "github" if looks_like_json(start) else "csv" if mapping else "jira"
    with session(ctx) as (con, who):
        columns = resolve_mapping(con, mapping) if mapping else None
        result = import_bugs(
            con,
            file,
            who=who,
            format=fmt.lower(),
            mapping=columns,
            skip_bad_rows=skip_bad_rows,
            dry_run=dry_run,
            max_mb=SIZE_LIMIT_MB,
            progress=stage_reporter(),
        )
    echo(result.summary())
    for note in result.notes():
        echo(f"  {note}")
    if result.done_without_time:  # the import is fine, but its numbers will not be
        echo(f"warning: {result.done_without_time_warning()}", err=True)
    if result.metrics is not None:  # computed from the bugs in the same transaction
        computation(result.metrics)
    if dry_run and result.preview:
        echo("first rows:")
        for row in result.preview:
            resolved = f", resolved {row['resolved']}" if row["resolved"] else ""
            echo(
                f"  line {row['line']}: {row['key']} ({row['change']}), created "
                f"{row['created']}{resolved}: {row['summary'] or ''}"
            )
