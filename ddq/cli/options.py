"""Arguments and options that several commands share, as decorators (sqlite-utils' habit).

One definition each, so that the same option reads the same in every command's help.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

DAY = click.DateTime(formats=["%Y-%m-%d"])
"""A day on the command line, YYYY-MM-DD (the command takes ``.date()`` of it)."""

# The app's upload limit (server.maxUploadSize) guards its server against whatever a browser
# sends; the ddq command reads a file that its user already has on the machine, so it takes
# any size (a year of bugs from a large Jira can be several times the app's limit).
SIZE_LIMIT_MB = None


def input_file(f: F) -> F:
    """FILE: an existing file to read."""
    return click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(f)


def dry_run_file(f: F) -> F:
    """--dry-run for a command that reads a file."""
    return click.option(
        "--dry-run", is_flag=True, help="Check the file and say what would change; change nothing."
    )(f)


def out_file(f: F) -> F:
    """--out: an export's file instead of standard output."""
    return click.option(
        "--out",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write to this file instead of standard output.",
    )(f)


def due(f: F) -> F:
    """--due: the day a target or an action item is due."""
    return click.option("--due", type=DAY, required=True, help="By when (YYYY-MM-DD).")(f)


def team_or_area(f: F) -> F:
    """--team and --area: narrow a list to one team or one area's teams."""
    f = click.option("--area", default=None, help="Only this area's teams.")(f)
    return click.option("--team", default=None, help="Only this team.")(f)


def which_meeting(f: F) -> F:
    """--date, --id and --area: name a meeting (none: the latest held)."""
    f = click.option("--area", "areas", multiple=True, help="The meeting of these areas (repeat).")(
        f
    )
    f = click.option(
        "--id", "meeting_id", type=int, default=None, help="The meeting with this id."
    )(f)
    return click.option("--date", "day", type=DAY, default=None, help="The meeting of this date.")(
        f
    )
