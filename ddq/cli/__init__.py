"""The ``ddq`` command: parse arguments, call ddq, print.

A second front end over the same core as the app (harlequin's habit): each module here is one
command group that parses its arguments, calls one function of ddq and prints its result
through ``output``. A command's module is imported only when that command runs (COMMANDS),
and heavy modules (duckdb, pandas, pyarrow) only inside the commands that need them, so that
``ddq --help`` and a mistyped command answer at once and each command pays for its own.
"""

from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from ddq.cli.output import echo
from ddq.errors import DdqError
from ddq.terminal import visible

__all__ = ["main"]


# Every command: its name, then where it lives (module, attribute) and its short help for
# `ddq --help`. `ddq <command>` imports only that command's module and `ddq --help` none,
# so a command pays for its own imports only (tests/test_cli_startup.py keeps each short
# help equal to the command's docstring).
COMMANDS: dict[str, tuple[str, str, str]] = {
    "audit": ("audit", "audit", "The audit log: who changed what and when, newest first."),
    "bugs": ("bugs", "bugs", "Weekly bug metrics computed from the imported bugs."),
    "check": ("database", "check", "Check the database's integrity; exit 1 if anything is wrong."),
    "critical": ("critical", "critical", "Critical-bug definitions: draft, propose, take stances, "
                 "see the impact, adopt."),
    "demo": ("demo", "demo", "Fill an empty database with a deterministic sample organisation "
             "(or remove it)."),
    "digest": ("slack_digest", "digest", "Print the weekly digest: signals, movers, missing "
               "reports, overdue actions, proposals."),
    "export": ("export", "export", "Export data as formula-safe CSV."),
    "import": ("imports", "import_", "Import a file (all or nothing; every problem is reported "
               "with its line)."),
    "imports": ("ledger", "imports", "List the imports ledger, newest first; `ddq imports show "
                "ID` shows one in full."),
    "init": ("database", "init", "Create the database (or bring its schema up to date)."),
    "mappings": ("mappings", "mappings", "Saved column mappings for bug CSV files from other "
                 "trackers (field: header)."),
    "meeting": ("meeting", "meeting", "The weekly meeting: agenda, attendance, notes, action "
                "items and the summary."),
    "progress": ("progress", "progress", "Each team's progress toward its targets: on track, at "
                 "risk, off track, achieved."),
    "questions": ("questions", "questions", "List the questions in the champions channels with "
                  "no reply after HOURS, the oldest first."),
    "remind": ("slack_digest", "remind", "Print who would be reminded of the coming meeting, and "
               "why; --post mentions them."),
    "requests": ("requests", "requests", "Coaching and workshop requests: recorded, posted to the "
                 "program team's channel, followed from new to scheduled to done."),
    "role": ("role", "role", "Who may edit and administer when people sign in with their "
             "company account."),
    "settings": ("settings", "settings", "The program's settings: name, channels, links, done "
                 "statuses, bug types."),
    "slack": ("slack", "slack", "The community's Slack: connect the bot, test it, disconnect it."),
    "sources": ("sources", "sources", "Live sources: Jira, GitHub, GitLab and Bugzilla read "
                "through their APIs."),
    "sync": ("sources", "sync_command", "Read each source's changes since its last good sync "
             "(every source when none is named), store each as one import, then recompute the "
             "weekly bug metrics."),
    "target": ("progress", "target", "Targets per team and metric: a baseline, a value to reach "
               "and a due date."),
    "teams": ("teams", "teams", "Which team owns a bug: map components, project keys or labels "
              "to teams."),
    "undo": ("ledger", "undo", "Undo an import: restore exactly what it replaced, remove what it "
             "added, and recompute the bug metrics that depended on it."),
}  # fmt: skip


class _Ddq(click.Group):
    """Loads a command's module only when that command runs (click's lazy group), and turns
    ddq's own errors into a message on stderr and a non-zero exit, no traceback."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        where = COMMANDS.get(cmd_name)
        if where is None:
            return None
        module_name, attribute, _ = where
        module = importlib.import_module(f"ddq.cli.{module_name}")
        command = getattr(module, attribute)
        if not isinstance(command, click.Command):
            raise TypeError(f"ddq.cli.{module_name}.{attribute} is not a click command")
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """The commands and their short help from COMMANDS, importing none of them."""
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [
            (name, click.Command(name, help=short).get_short_help_str(limit))
            for name, (_, _, short) in COMMANDS.items()
        ]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))

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
