"""``ddq role``: who may edit and administer when people sign in to the app."""

from __future__ import annotations

import click

from ddq.cli.output import echo, table
from ddq.cli.session import session


@click.group()
def role() -> None:
    """Who may edit and administer when people sign in with their company account."""


@role.command("list")
@click.pass_context
def role_list(ctx: click.Context) -> None:
    """Everyone given a role in the database (anyone else is a viewer)."""
    from ddq import access  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        found = access.stored_roles(con)
    if not found:
        echo(
            "nobody has a role in the database: everyone who signs in is a viewer, "
            "except people the app's configuration names"
        )
        return
    table(
        ["email", "role", "granted by", "granted (UTC)"],
        [
            [r["email"], r["role"], r["granted_by"], f"{r['granted_at']:%Y-%m-%d %H:%M}"]
            for r in found
        ],
        right=set(),
    )


@role.command("set")
@click.argument("email")
@click.argument("role_name", metavar="ROLE", type=click.Choice(["viewer", "editor", "admin"]))
@click.pass_context
def role_set(ctx: click.Context, email: str, role_name: str) -> None:
    """Give EMAIL a ROLE (viewer takes their role away)."""
    from ddq import access  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        echo(access.set_role(con, email, role_name, who=who))
