"""``ddq imports`` and ``ddq undo``: the imports ledger, and undoing one import."""

from __future__ import annotations

import click

from ddq.cli.output import computation, echo
from ddq.cli.session import session


@click.group(invoke_without_command=True)
@click.option("--limit", type=int, default=None, help="Show only the newest N imports.")
@click.pass_context
def imports(ctx: click.Context, limit: int | None) -> None:
    """List the imports ledger, newest first; `ddq imports show ID` shows one in full."""
    if ctx.invoked_subcommand is not None:
        return
    from ddq import ledger  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        entries = ledger.list_imports(con, limit)
    if not entries:
        echo("no imports yet")
        return
    echo(
        f"{'id':>5}  {'when (UTC)':16}  {'kind':8} {'added':>8} {'updated':>8} "
        f"{'same':>8}  {'status':7} {'who':12} file"
    )
    for e in entries:
        status = e["status"] if e["status"] == "applied" else "undone"
        echo(
            f"{e['id']:>5}  {e['imported_at']:%Y-%m-%d %H:%M}  {e['kind']:8} "
            f"{e['added']:>8} {e['updated']:>8} {e['unchanged']:>8}  {status:7} "
            f"{e['who'][:12]:12} {e['file_name']}"
        )


@imports.command("show")
@click.argument("import_id", type=int)
@click.pass_context
def imports_show(ctx: click.Context, import_id: int) -> None:
    """One import in full: its ledger row, then every row it skipped, with line and reason."""
    from ddq import ledger  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        entry = ledger.get(con, import_id)
        skipped = ledger.skipped_rows(con, import_id)
    echo(f"import {entry['id']}: {entry['kind']}, {entry['file_name']}")
    echo(f"  when: {entry['imported_at']:%Y-%m-%d %H:%M} UTC, by {entry['who']}")
    if entry["sha256"]:
        echo(f"  file SHA-256: {entry['sha256']}")
    echo(
        f"  rows read: {entry['rows_read']}; {entry['added']} added, {entry['updated']} "
        f"updated, {entry['unchanged']} unchanged, {len(skipped)} skipped"
        + (f"; {entry['teams_created']} team(s) created" if entry["teams_created"] else "")
    )
    if entry["status"] == "applied":
        echo("  status: applied")
    else:
        echo(f"  status: undone {entry['undone_at']:%Y-%m-%d %H:%M} UTC by {entry['undone_by']}")
    if skipped:
        echo("skipped rows:")
        for row in skipped:
            echo(f"  line {row['line']}: {row['reason']}")


@click.command()
@click.argument("import_id", type=int)
@click.pass_context
def undo(ctx: click.Context, import_id: int) -> None:
    """Undo an import: restore exactly what it replaced, remove what it added, and
    recompute the bug metrics that depended on it."""
    from ddq.ingest.undo import undo as undo_import  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        done = undo_import(con, import_id, who=who)
    echo(done.summary())
    if done.metrics.changed:  # recomputed in the same transaction
        computation(done.metrics)
