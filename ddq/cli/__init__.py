"""The ``ddq`` command: parse arguments, call ddq, print.

A second front end over the same core as the app (harlequin's habit): each module here is one
command group that parses its arguments, calls one function of ddq and prints its result
through ``output``. Heavy modules (duckdb, pandas, pyarrow) are imported inside the commands
that need them, so that ``ddq --help`` and a mistyped command answer at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from ddq.cli import (
    audit,
    bugs,
    critical,
    database,
    demo,
    export,
    imports,
    ledger,
    mappings,
    meeting,
    progress,
    questions,
    requests,
    role,
    settings,
    slack,
    slack_digest,
    sources,
    teams,
)
from ddq.cli.output import echo
from ddq.errors import DdqError
from ddq.terminal import visible

__all__ = ["main"]


class _Ddq(click.Group):
    """Turns ddq's own errors into a message on stderr and a non-zero exit, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DdqError as exc:
            echo(str(exc), err=True)
            ctx.exit(1)
        except click.ClickException as exc:  # its message may quote data (a meeting's scope)
            exc.message = visible(exc.message)  # type: ignore[misc]  # Final only in click's stubs
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # `ddq export metrics | head`: the reader has what it wanted
            sys.stdout = None  # no flush error at exit
            ctx.exit(0)
        except Exception as exc:
            if os.environ.get("DDQ_DEBUG"):
                raise
            from ddq.db import storage_problem  # loads duckdb: only on an error, for start-up

            problem = storage_problem(exc, ctx.obj)
            if problem is not None:
                echo(str(problem), err=True)
                ctx.exit(1)
            echo(
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


for command in (
    database.init,
    database.check,
    demo.demo,
    imports.import_,
    export.export,
    mappings.mappings,
    ledger.imports,
    ledger.undo,
    audit.audit,
    role.role,
    critical.critical,
    settings.settings,
    teams.teams,
    bugs.bugs,
    progress.target,
    progress.progress,
    meeting.meeting,
    sources.sources,
    sources.sync_command,
    questions.questions,
    requests.requests,
    slack_digest.digest,
    slack_digest.remind,
    slack.slack,
):
    main.add_command(command)
