"""``ddq init`` and ``ddq check``: create the database, and check its integrity."""

from __future__ import annotations

import click

from ddq.cli.output import echo
from ddq.cli.session import db_path, session


@click.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database (or bring its schema up to date)."""
    from ddq import db  # loads duckdb: only when the command runs, to keep `ddq --help` fast
    from ddq.schema import latest_version  # run time only: keeps `ddq --help` fast

    with session(ctx):
        pass
    echo(f"database {db.resolve_path(db_path(ctx))} ready (schema version {latest_version()})")


@click.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the database's integrity; exit 1 if anything is wrong."""
    from ddq.check import run_checks  # run time only: keeps `ddq --help` fast

    # Opened even when the file holds objects ddq did not create, to list them; the file
    # cannot reach other files or load extensions either way.
    with session(ctx, trust_catalog=True) as (con, _):
        findings = run_checks(con)
    for f in findings:
        mark = "ok  " if f.ok else "FAIL"
        echo(
            f"{mark} {f.check}"
            + (f": {f.detail}" if f.detail and not f.ok else "")
            + (f" ({f.note})" if f.note else "")
        )
    failed = [f for f in findings if not f.ok]
    if failed:
        echo(f"{len(failed)} of {len(findings)} checks failed", err=True)
        ctx.exit(1)
    echo(f"all {len(findings)} checks passed")
