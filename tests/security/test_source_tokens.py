"""A live source's token stays in the environment: after syncs, a good one and one that
fails with the server echoing the request, the token is nowhere in the database file, its
write-ahead log, the audit log, the ledger, the source's history or the log output."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from ddq import clock, db
from ddq.access import ADMIN, Actor
from ddq.sources import store, sync, trackers
from ddq.sources.model import SourceError
from tests.fakes.github import FakeGithub
from tests.fakes.server import Reply, serving

TOKEN = "ghp_SecretTokenThatMustNotBeStored0123"
WHO = Actor("ada", ADMIN)
NOW = dt.datetime(2026, 3, 4, 12, 0)


def every_table_as_text(con) -> dict[str, str]:
    tables = [
        name
        for (name,) in con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE'"
        ).fetchall()
    ]
    return {t: repr(con.execute(f'SELECT * FROM "{t}"').fetchall()) for t in tables}


def test_no_token_in_the_database_after_syncs(make_db, caplog):
    caplog.set_level(logging.DEBUG)
    api = FakeGithub("acme/app", token=TOKEN)
    for number in range(1, 151):  # two pages
        api.add(number, title=f"Bug {number}", labels=("bug",),
                created=f"2026-02-{number % 27 + 1:02d}T09:00:00Z")  # fmt: skip
    connection = sync.Connection(env={"GH_TOKEN": TOKEN}, backoff=0, sleep=lambda s: None)
    path = make_db()
    with serving(api):
        with db.connect(path) as con, clock.frozen(NOW):
            store.add(con, "github", "app", url=api.url, options={"repo": "acme/app"},
                      check_options=trackers.adapter("github").check_options,
                      token_env="GH_TOKEN", who=WHO)  # fmt: skip
            first = sync.sync(con, "app", who=WHO, connection=connection)
        assert first.added == 150
        # The second page is refused by a server that echoes the request it was sent,
        # credentials included, as some proxies and debug builds do.
        echoed = f"bad request: GET /repos/acme/app/issues?page=2 Authorization: token {TOKEN}"
        api.fail_when(lambda r: r.arg("page") == "2", Reply(400, {"message": echoed}))
        with (
            db.connect(path) as con,
            clock.frozen(NOW + dt.timedelta(hours=1)),
            pytest.raises(SourceError) as failed,
        ):
            sync.sync(con, "app", who=WHO, connection=connection, full=True)
    assert all(TOKEN in r.headers.get("authorization", "") for r in api.requests)  # it was sent
    message = str(failed.value)
    assert "page 2" in message and "HTTP 400" in message and "Authorization: token ***" in message
    assert TOKEN not in message

    with db.connect(path) as con:
        texts = every_table_as_text(con)
        history = con.execute("SELECT ok, message FROM source_syncs ORDER BY id").fetchall()
    assert [ok for ok, _ in history] == [True, False]
    assert "Authorization: token ***" in history[1][1]  # the failure was kept, blanked
    assert "GH_TOKEN" in texts["sources"]  # the variable's name is stored, its value is not
    for table in ("audit_log", "imports", "source_syncs", "sources", "bugs"):
        assert texts[table] != "[]", table
    assert [t for t, text in texts.items() if TOKEN in text] == []
    # The file itself, and its write-ahead log when one is left: DuckDB may compress text
    # in the file, which is why the tables' text is read above too.
    wal = path.with_name(path.name + ".wal")
    for stored in (path, wal):
        if stored.exists():
            assert TOKEN.encode() not in stored.read_bytes(), stored.name
    assert TOKEN not in caplog.text
