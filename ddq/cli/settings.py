"""``ddq settings``: the program's name, channels, links, done statuses and bug types."""

from __future__ import annotations

import click

from ddq.cli.output import echo
from ddq.cli.session import session


@click.group()
def settings() -> None:
    """The program's settings: name, channels, links, done statuses, bug types."""


@settings.command("get")
@click.argument("key", required=False)
@click.pass_context
def settings_get(ctx: click.Context, key: str | None) -> None:
    """Print every setting as KEY = VALUE, or only KEY's value."""
    from ddq import settings as program  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        values = program.current(con)
    if key is not None:
        if key not in values:
            program.validate(key, "")  # says which keys there are
        echo(values[key])
        return
    for setting in program.SETTINGS:
        echo(f"{setting.key} = {values[setting.key]}")
        echo(f"    {setting.label}")


@settings.command("set")
@click.argument("key")
@click.argument("value")
@click.pass_context
def settings_set(ctx: click.Context, key: str, value: str) -> None:
    """Set KEY to VALUE ("" empties it); lists are comma-separated, like "Closed, Done"."""
    from ddq import settings as program  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        before = program.current(con).get(key)
        after = program.update(con, {key: value}, who=who)[key]
    echo(f"{key} = {after}" + ("" if after != before else " (unchanged)"))
    if after != before and key == "bug_types":
        echo("the weekly bug metrics were recomputed with these issue types")
    if after != before and key == "done_statuses":
        echo(
            "bug imports from now on use these statuses; import a file again to apply "
            "them to the bugs it holds"
        )
