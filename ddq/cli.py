"""The ``ddq`` command: parse arguments, call ddq, print.

Heavy modules (duckdb, pandas, pyarrow) are imported inside the commands that need them,
so that ``ddq --help`` and a mistyped command answer at once.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

import click

from ddq.errors import DdqError


def _who() -> str:
    """The CLI acts for the operating-system user who runs it."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


class _Ddq(click.Group):
    """Turns ddq's own errors into a message on stderr and a non-zero exit, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DdqError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("DDQ_DEBUG"):
                raise
            click.echo(
                f"ddq: unexpected error: {type(exc).__name__}: {exc}\n"
                "Set DDQ_DEBUG=1 to see the traceback, and report it.",
                err=True,
            )
            ctx.exit(3)


@click.group(cls=_Ddq, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: $DDQ_DB, else data/ddq.duckdb).",
)
@click.version_option(package_name="ddq")
@click.pass_context
def main(ctx: click.Context, db_path: Path | None) -> None:
    """ddq: the Data-Driven Quality community dashboard's command line."""
    ctx.obj = db_path


def _connect(ctx: click.Context):
    from ddq import db

    return db.connect(ctx.obj)


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database (or bring its schema up to date)."""
    from ddq import db
    from ddq.schema import latest_version

    with _connect(ctx):
        pass
    click.echo(f"database {db.resolve_path(ctx.obj)} ready (schema version {latest_version()})")


@main.command()
@click.option("--teams", default=16, show_default=True, type=click.IntRange(1, 5000))
@click.option("--weeks", default=104, show_default=True, type=click.IntRange(1, 1300))
@click.option("--seed", default=7, show_default=True, type=int)
@click.pass_context
def demo(ctx: click.Context, teams: int, weeks: int, seed: int) -> None:
    """Fill an empty database with a deterministic sample organisation."""
    from ddq.sample import fill_demo

    with _connect(ctx) as con:
        summary = fill_demo(con, teams=teams, weeks=weeks, seed=seed, who=_who())
    click.echo(
        f"import {summary['import_id']}: sample organisation with {summary['areas']} areas, "
        f"{summary['teams']} teams and {summary['values']} values, weeks "
        f"{summary['first_week']} to {summary['last_week']}"
    )


@main.group("import")
def import_() -> None:
    """Import a file (all or nothing; every problem is reported with its line)."""


def _stage_reporter() -> Any:
    """On a terminal, show the import's stages on stderr as they pass."""
    if not sys.stderr.isatty():
        return None
    bar = click.progressbar(length=100, label="importing", file=sys.stderr, show_eta=False)
    state = {"done": 0}

    def report(stage: str, fraction: float) -> None:
        bar.label = stage
        step = int(fraction * 100) - state["done"]
        if step > 0:
            bar.update(step)
            state["done"] += step
        if fraction >= 1.0:
            bar.render_finish()

    return report


@import_.command("metrics")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Check the file and say what would change; change nothing."
)
@click.option(
    "--create-teams", is_flag=True, help="Create the teams the file names that do not exist."
)
@click.pass_context
def import_metrics_command(
    ctx: click.Context, file: Path, dry_run: bool, create_teams: bool
) -> None:
    """Import weekly metric values from a long or wide CSV FILE."""
    from ddq.ingest.metrics import import_metrics

    with _connect(ctx) as con:
        result = import_metrics(
            con,
            file,
            who=_who(),
            dry_run=dry_run,
            create_teams=create_teams,
            progress=_stage_reporter(),
        )
    click.echo(result.summary())
    if dry_run and result.preview:
        click.echo("first rows:")
        for row in result.preview:
            click.echo(
                f"  line {row['line']}: {row['team']}, {row['week']}, {row['metric']} = "
                f"{row['value']:g}"
            )


@main.group()
def export() -> None:
    """Export data as formula-safe CSV."""


@export.command("metrics")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.pass_context
def export_metrics_command(ctx: click.Context, out: Path | None) -> None:
    """Every metric value, long format (team,week,metric,value), sorted."""
    from ddq.export import export_metrics

    with _connect(ctx) as con:
        count = export_metrics(con, out)
    if out is not None:
        click.echo(f"wrote {count} values to {out}", err=True)


@main.command()
@click.option("--limit", type=int, default=None, help="Show only the newest N imports.")
@click.pass_context
def imports(ctx: click.Context, limit: int | None) -> None:
    """List the imports ledger, newest first."""
    from ddq import ledger

    with _connect(ctx) as con:
        entries = ledger.list_imports(con, limit)
    if not entries:
        click.echo("no imports yet")
        return
    click.echo(
        f"{'id':>5}  {'when (UTC)':16}  {'kind':8} {'added':>8} {'updated':>8} "
        f"{'same':>8}  {'status':7} {'who':12} file"
    )
    for e in entries:
        status = e["status"] if e["status"] == "applied" else "undone"
        click.echo(
            f"{e['id']:>5}  {e['imported_at']:%Y-%m-%d %H:%M}  {e['kind']:8} "
            f"{e['added']:>8} {e['updated']:>8} {e['unchanged']:>8}  {status:7} "
            f"{e['who'][:12]:12} {e['file_name']}"
        )


@main.command()
@click.argument("import_id", type=int)
@click.pass_context
def undo(ctx: click.Context, import_id: int) -> None:
    """Undo an import: restore exactly the values it replaced and remove those it added."""
    from ddq import ledger

    with _connect(ctx) as con:
        done = ledger.undo(con, import_id, who=_who())
    click.echo(
        f"import {import_id} undone: {done['removed']} added values removed, "
        f"{done['restored']} overwritten values restored, "
        f"{done['teams_removed']} created teams removed"
    )


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the database's integrity; exit 1 if anything is wrong."""
    from ddq.check import run_checks

    with _connect(ctx) as con:
        findings = run_checks(con)
    for f in findings:
        mark = "ok  " if f.ok else "FAIL"
        click.echo(f"{mark} {f.check}" + (f": {f.detail}" if f.detail and not f.ok else ""))
    failed = [f for f in findings if not f.ok]
    if failed:
        click.echo(f"{len(failed)} of {len(findings)} checks failed", err=True)
        ctx.exit(1)
    click.echo(f"all {len(findings)} checks passed")


if __name__ == "__main__":
    main()
