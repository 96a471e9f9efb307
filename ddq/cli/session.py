"""One way for a command to reach the database: ``with session(ctx) as (con, who):``."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, cast

import click

if TYPE_CHECKING:
    import duckdb

    from ddq.access import Actor


def db_path(ctx: click.Context) -> Path | None:
    """The database file given with ``--db`` (None: $DDQ_DB, else the default)."""
    return cast("Path | None", ctx.find_root().obj)


def actor() -> Actor:
    """The CLI acts as a local admin, in the name of the operating-system user running it.

    Whoever can run ddq on this machine can open the database file anyway; the name makes
    the audit log and the ledger say who did it.
    """
    from ddq.access import ADMIN, Actor  # run time only: keeps `ddq --help` fast

    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = f"uid {os.getuid()}"
    return Actor(name, ADMIN)


@contextmanager
def session(
    ctx: click.Context, *, trust_catalog: bool = False
) -> Iterator[tuple[duckdb.DuckDBPyConnection, Actor]]:
    """The database of ``--db``, open (and migrated) for one command, and who acts.

    ``trust_catalog`` opens a file holding objects ddq did not create (for ``ddq check``).
    """
    from ddq import db  # loads duckdb: only when a command runs, to keep `ddq --help` fast

    with db.connect(db_path(ctx), trust_catalog=trust_catalog) as con:
        yield con, actor()
