"""The configured sources, kept in the database without their secrets, and their syncs.

Adding and removing a source is an admin's job (it decides what data enters ddq and which
credentials the server uses); every change is in the audit log. A source's history of
syncs (``source_syncs``) says when each ran, what it did or why it failed, and where the
next one starts reading: the start of the last good sync still standing.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import audit, clock
from ddq.access import ADMIN, Actor, requires
from ddq.db import claim, retry_on_conflict, rows, scalar, transaction
from ddq.errors import Conflict, DdqError, NotFound
from ddq.sources.model import (
    GITHUB,
    GITHUB_API,
    GITLAB,
    GITLAB_URL,
    JIRA,
    KINDS,
    SourceConfig,
    check_url,
)

if TYPE_CHECKING:
    import duckdb

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,99}$")
# What tokens look like, so that a token pasted where its variable's name belongs is refused.
_TOKEN_LIKE = re.compile(r"^(gh[pousr]_|github_pat_|glpat-|ATATT|xox[abpr]-)", re.IGNORECASE)
# The kinds whose API cannot be read without a token.
_TOKEN_NEEDED = (JIRA, GITLAB)
_DEFAULT_URL = {GITHUB: GITHUB_API, GITLAB: GITLAB_URL}

OptionsCheck = Callable[[Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class SyncRun:
    """One sync of a source, as ``source_syncs`` keeps it."""

    id: int
    source: str
    started_at: dt.datetime
    finished_at: dt.datetime
    since: dt.datetime | None
    full_read: bool
    ok: bool
    standing: bool
    import_id: int | None
    pages: int
    issues: int
    added: int
    updated: int
    unchanged: int
    vanished: int
    message: str
    who: str


@dataclass(frozen=True)
class SourceStatus:
    """A source as the list shows it: its settings, its last sync and its last good one."""

    config: SourceConfig
    created_at: dt.datetime
    created_by: str
    last: SyncRun | None
    last_good: SyncRun | None
    vanished: int  # its bugs marked vanished, now

    @property
    def name(self) -> str:
        return self.config.name


def _check_name(name: str) -> str:
    text = name.strip()
    if not _NAME.match(text):
        raise DdqError(
            f"A source's name is 1 to 40 letters, digits, '-', '_' or '.', starting with a "
            f"letter or digit; {name!r} is not."
        )
    return text


def _check_env(var: str | None, flag: str) -> str | None:
    if var is None or not var.strip():
        return None
    text = var.strip()
    if _TOKEN_LIKE.match(text) or not _ENV_NAME.match(text):
        raise DdqError(
            f"{flag} takes the NAME of an environment variable that holds the secret (like "
            "PAY_JIRA_TOKEN), not the secret itself; ddq never stores a secret."
        )
    return text


def config_of(row: Mapping[str, Any]) -> SourceConfig:
    return SourceConfig(
        name=row["name"], kind=row["kind"], url=row["url"], options=json.loads(row["options"]),
        token_env=row["token_env"], user_env=row["user_env"],
    )  # fmt: skip


def names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r["name"] for r in rows(con, "SELECT name FROM sources ORDER BY lower(name)")]


def get(con: duckdb.DuckDBPyConnection, name: str) -> SourceConfig:
    """A configured source, by name (NotFound naming the sources there are)."""
    found = rows(con, "SELECT * FROM sources WHERE lower(name) = lower(?)", [name.strip()])
    if not found:
        known = names(con)
        hint = f"; the sources are: {', '.join(known)}" if known else (
            "; none is configured yet (ddq sources add KIND NAME ...)")  # fmt: skip
        raise NotFound(f"There is no source {name!r}{hint}.")
    return config_of(found[0])


@requires(ADMIN, "add a live source")
@retry_on_conflict
def add(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    name: str,
    *,
    url: str | None,
    options: Mapping[str, Any],
    check_options: OptionsCheck,
    token_env: str | None = None,
    user_env: str | None = None,
    who: Actor,
) -> SourceConfig:
    """Store a new source (its kind's options checked by ``check_options``); return it."""
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise DdqError(f"Unknown source kind {kind!r}; use one of: {', '.join(KINDS)}.")
    label = _check_name(name)
    if not url and kind not in _DEFAULT_URL:
        raise DdqError(f"A {kind} source needs --url: the site's root, like "
                       f"{'https://example.atlassian.net' if kind == JIRA else 'https://bugzilla.example.org'}.")  # fmt: skip
    root = check_url(url or _DEFAULT_URL[kind])
    token = _check_env(token_env, "--token-env")
    user = _check_env(user_env, "--user-env")
    if kind in _TOKEN_NEEDED and token is None:
        raise DdqError(
            f"A {kind} source needs --token-env VAR: the name of the environment variable "
            "that holds its API token."
        )
    if user is not None and kind != JIRA:
        raise DdqError("--user-env is for Jira Cloud only (the account's e-mail address).")
    clean = check_options(options)
    config = SourceConfig(label, kind, root, clean, token, user)
    with transaction(con):
        claim(con, "source", label.lower())
        if scalar(con, "SELECT count(*) FROM sources WHERE lower(name) = lower(?)", [label]):
            raise Conflict(f"There is already a source {label!r}; remove it first, or pick "
                           "another name.")  # fmt: skip
        con.execute(
            "INSERT INTO sources (name, kind, url, options, token_env, user_env, created_at, "
            "created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [label, kind, root, json.dumps(clean, sort_keys=True), token, user, clock.now(),
             str.__str__(who)],
        )  # fmt: skip
        audit.record(con, who, "source.add", label, after=describe(config))
    return config


@requires(ADMIN, "remove a live source")
@retry_on_conflict
def remove(con: duckdb.DuckDBPyConnection, name: str, *, who: Actor) -> SourceConfig:
    """Forget a source's settings. Its bugs and imports stay (undo them in the ledger), and
    so does its history, should it be added again under the same name."""
    config = get(con, name)
    with transaction(con):
        claim(con, "source", config.name.lower())
        con.execute("DELETE FROM sources WHERE name = ?", [config.name])
        audit.record(con, who, "source.remove", config.name, before=describe(config))
    return config


def describe(config: SourceConfig) -> dict[str, Any]:
    """A source's settings as the audit log and ``ddq sources show`` give them."""
    return {"kind": config.kind, "url": config.url, **dict(config.options),
            "token_env": config.token_env, "user_env": config.user_env}  # fmt: skip


def _run(row: Mapping[str, Any]) -> SyncRun:
    return SyncRun(**{k: row[k] for k in SyncRun.__dataclass_fields__})


def runs(con: duckdb.DuckDBPyConnection, name: str, limit: int = 20) -> list[SyncRun]:
    """A source's syncs, newest first."""
    return [
        _run(r)
        for r in rows(
            con,
            "SELECT * FROM source_syncs WHERE lower(source) = lower(?) ORDER BY id DESC LIMIT ?",
            [name, limit],
        )
    ]


def watermark(con: duckdb.DuckDBPyConnection, name: str) -> dt.datetime | None:
    """Where the next sync of the source starts reading: the start of its last good sync
    still standing (None: it has none, so the next sync reads everything)."""
    found: dt.datetime | None = scalar(
        con,
        "SELECT max(started_at) FROM source_syncs "
        "WHERE lower(source) = lower(?) AND ok AND standing",
        [name],
    )
    return found


def statuses(con: duckdb.DuckDBPyConnection) -> list[SourceStatus]:
    """Every configured source with its last sync and last good sync, by name."""
    found = []
    for row in rows(con, "SELECT * FROM sources ORDER BY lower(name)"):
        history = rows(
            con,
            """
            (SELECT * FROM source_syncs WHERE source = ? ORDER BY id DESC LIMIT 1)
            UNION ALL
            (SELECT * FROM source_syncs WHERE source = ? AND ok ORDER BY id DESC LIMIT 1)
            """,
            [row["name"], row["name"]],
        )
        last = _run(history[0]) if history else None
        good = [_run(h) for h in history if h["ok"]]
        vanished = scalar(
            con,
            "SELECT count(*) FROM bugs_vanished WHERE source = ? AND cleared_by IS NULL",
            [row["name"]],
        )
        found.append(SourceStatus(config_of(row), row["created_at"], row["created_by"],
                                  last, good[0] if good else None, vanished))  # fmt: skip
    return found


def bug_data_age(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    """When bug data last arrived: the newest good sync, or the newest bug import standing."""
    found: dt.datetime | None = scalar(
        con,
        """
        SELECT max(t) FROM (
            SELECT max(finished_at) AS t FROM source_syncs WHERE ok
            UNION ALL
            SELECT max(imported_at) FROM imports WHERE kind IN ('bugs', 'sync')
                AND status = 'applied'
        )
        """,
    )
    return found
