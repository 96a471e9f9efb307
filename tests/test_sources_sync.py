"""A sync stores what a source gives as one bug import: all or nothing, in the ledger,
undoable, with the metrics recomputed, and each source reading on from its last good sync.

The tracker here is a scripted adapter (the real ones have their own tests against fake
servers, and tests/test_sources_same_as_file.py runs them end to end)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest

from ddq import clock, db
from ddq.access import ADMIN, EDITOR, VIEWER, Actor, NotAllowed
from ddq.bugmetrics import refresh
from ddq.bugowners import OWNERS_SQL
from ddq.check import run_checks
from ddq.errors import Conflict, DdqError, NotFound
from ddq.ingest.problems import ImportRejected
from ddq.ingest.undo import undo
from ddq.sources import store, sync, trackers
from ddq.sources.http import Client
from ddq.sources.model import GITHUB, MalformedPage, Page, Record, SourceUnavailable

ADMIN_ACTOR = Actor("ada", ADMIN)
EDITOR_ACTOR = Actor("eve", EDITOR)
NOW = dt.datetime(2026, 3, 4, 12, 0)


def issue(n: int, *, status: str = "Open", updated: str = "2026-02-20T10:00:00Z",
          closed: str | None = None, labels: list[str] | None = None) -> Record:  # fmt: skip
    return Record(
        key=f"acme/app#{n}", created=f"2026-02-{n % 27 + 1:02d}T09:00:00Z", project="acme/app",
        status=status, updated=updated, resolved=closed, summary=f"Bug {n}",
        labels=labels or ["bug"], description=f"Steps for {n}\nline two",
    )  # fmt: skip


@dataclass
class Script:
    """What the scripted tracker answers: pages of issues, and a failure at a page."""

    pages: list[list[Record]] = field(default_factory=list)
    fail_at: int | None = None
    asked_since: list[dt.datetime | None] = field(default_factory=list)

    def read(self, client: Client, since: dt.datetime | None) -> Iterator[Page]:
        self.asked_since.append(since)
        for number, records in enumerate(self.pages, 1):
            if number == self.fail_at:
                raise client.malformed(number, "issue 3 has no created_at")
            yield Page(number, list(records))

    def probe(self, client: Client) -> str:
        return f"scripted, {sum(map(len, self.pages))} issues"


class ScriptedAdapter:
    def __init__(self, script: Script) -> None:
        self.script = script

    def pages(self, client: Client, since: dt.datetime | None) -> Iterator[Page]:
        return self.script.read(client, since)

    def probe(self, client: Client) -> str:
        return self.script.probe(client)

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        return dict(options)


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch) -> Script:
    scripted = Script()
    monkeypatch.setitem(trackers._MODULES, GITHUB, ScriptedAdapter(scripted))
    return scripted


@pytest.fixture
def con(make_db, script):
    path = make_db("Payments")
    with db.connect(path) as connection, clock.frozen(NOW):
        store.add(connection, GITHUB, "app", url="http://127.0.0.1:9", options={"repo": "acme/app"},
                  check_options=dict, who=ADMIN_ACTOR)  # fmt: skip
        yield connection


def bugs(con) -> dict[str, tuple]:
    return {k: tuple(rest) for k, *rest in con.execute(
        "SELECT key, status, resolved, summary, tracker FROM bugs ORDER BY key").fetchall()}  # fmt: skip


def run(con, **kwargs) -> sync.SyncResult:
    return sync.sync(con, "app", who=EDITOR_ACTOR, **kwargs)


def test_a_first_sync_reads_everything_and_stores_one_import(con, script):
    script.pages = [
        [issue(1), issue(2)],
        [issue(3, status="Closed", closed="2026-02-25T10:00:00Z")],
    ]
    result = run(con)
    assert script.asked_since == [None]
    assert result.summary() == f"import {result.import_id}: app: 3 added, 0 updated, 0 unchanged"
    assert (result.pages, result.issues, result.full) == (2, 3, True)
    assert con.execute("SELECT kind, file_name, added FROM imports WHERE id = ?",
                       [result.import_id]).fetchone() == ("sync", "app (github sync)", 3)  # fmt: skip
    stored = bugs(con)
    assert stored["acme/app#3"] == ("Closed", dt.datetime(2026, 2, 25, 10), "Bug 3", "github")
    assert con.execute("SELECT description FROM bugs WHERE key = 'acme/app#1'").fetchone() == (
        "Steps for 1\nline two",)  # fmt: skip
    # The metrics were computed from them, in the same transaction.
    assert result.metrics is not None and result.metrics.import_id is not None
    assert store.watermark(con, "app") == NOW
    assert [f.detail for f in run_checks(con) if not f.ok] == []


def test_the_next_sync_reads_on_from_the_last_good_one(con, script):
    script.pages = [[issue(1), issue(2)]]
    run(con)
    script.pages = [[issue(2, status="Closed", closed="2026-03-01T10:00:00Z",
                          updated="2026-03-01T10:00:00Z"), issue(1)]]  # fmt: skip
    later = NOW + dt.timedelta(hours=1)
    with clock.frozen(later):
        result = run(con)
    assert script.asked_since == [None, NOW]
    assert "1 added" not in result.summary()
    assert result.summary().endswith("app: 0 added, 1 updated, 1 unchanged")
    assert store.watermark(con, "app") == later


def test_nothing_new_writes_no_import_but_moves_the_watermark(con, script):
    script.pages = [[issue(1)]]
    first = run(con)
    imports = con.execute("SELECT count(*) FROM imports").fetchone()
    with clock.frozen(NOW + dt.timedelta(minutes=15)):
        again = run(con)
    assert again.import_id is None
    assert again.summary() == "app: 0 added, 0 updated, 1 unchanged; nothing new, so no import"
    assert con.execute("SELECT count(*) FROM imports").fetchone() == imports
    assert store.watermark(con, "app") == NOW + dt.timedelta(minutes=15)
    assert first.import_id is not None


def test_a_failure_at_any_page_stores_nothing_and_is_kept_in_the_history(con, script):
    script.pages = [[issue(1)]]
    run(con)
    before = (bugs(con), con.execute("SELECT count(*) FROM imports").fetchone())
    script.pages = [
        [issue(1, status="Closed", closed="2026-03-01T00:00:00Z")],
        [issue(2)],
        [issue(3)],
    ]
    for page in (1, 2, 3):
        script.fail_at = page
        with (
            clock.frozen(NOW + dt.timedelta(hours=page)),
            pytest.raises(MalformedPage, match=f"page {page}"),
        ):
            run(con)
        assert (bugs(con), con.execute("SELECT count(*) FROM imports").fetchone()) == before
    assert store.watermark(con, "app") == NOW  # the next sync starts from the last good one
    last = store.runs(con, "app")[0]
    assert not last.ok and "page 3" in last.message and "issue 3 has no created_at" in last.message


def test_an_issue_that_does_not_import_fails_the_whole_sync(con, script):
    script.pages = [[issue(1), Record(key="acme/app#9", created="yesterday", summary="x")]]
    with pytest.raises(ImportRejected, match="yesterday"):
        run(con)
    assert bugs(con) == {}
    assert store.watermark(con, "app") is None


def test_undo_takes_back_the_bugs_the_metrics_and_where_the_next_sync_starts(con, script):
    con.execute("INSERT INTO team_mappings (kind, value, value_key, team_id) "
                "SELECT 'project', 'acme/app', 'acme/app', id FROM teams WHERE name = 'Payments'")  # fmt: skip
    script.pages = [[issue(1), issue(2)]]
    first = run(con)
    after_first = con.execute("SELECT count(*) FROM metric_values").fetchone()
    script.pages = [[issue(1, status="Closed", closed="2026-03-02T00:00:00Z"), issue(5)]]
    with clock.frozen(NOW + dt.timedelta(hours=1)):
        second = run(con)
        assert bugs(con)["acme/app#1"][0] == "Closed"
        undone = undo(con, second.import_id, who=EDITOR_ACTOR)
    assert "1 added bug(s) removed, 1 replaced bug(s) restored" in undone.summary()
    assert bugs(con)["acme/app#1"][0] == "Open" and "acme/app#5" not in bugs(con)
    assert con.execute("SELECT count(*) FROM metric_values").fetchone() == after_first
    assert store.watermark(con, "app") == NOW  # the undone sync no longer counts
    with clock.frozen(NOW + dt.timedelta(hours=2)):
        run(con)
    assert script.asked_since[-1] == NOW
    # Undoing the first sync too leaves no bug and no computed value behind.
    with pytest.raises(Conflict):
        undo(con, first.import_id, who=EDITOR_ACTOR)


def test_a_full_sync_marks_vanished_bugs_and_they_count_nowhere_until_found(con, script):
    script.pages = [[issue(1), issue(2), issue(3)]]
    run(con)

    def counted() -> int:
        return con.execute(f"WITH {OWNERS_SQL} SELECT count(*) FROM bug_owners").fetchone()[0]

    assert counted() == 3
    script.pages = [[issue(1), issue(3)]]
    with clock.frozen(NOW + dt.timedelta(hours=1)):
        full = run(con, full=True)
    assert full.vanished == 1 and full.summary().endswith(
        "0 added, 0 updated, 2 unchanged, 1 vanished"
    )
    assert counted() == 2 and len(bugs(con)) == 3  # kept, marked
    assert store.statuses(con)[0].vanished == 1
    script.pages = [[issue(2, updated="2026-03-03T00:00:00Z")]]
    with clock.frozen(NOW + dt.timedelta(hours=2)):
        back = run(con)
    assert back.returned == 1 and counted() == 3
    undo(con, back.import_id, who=EDITOR_ACTOR)
    assert counted() == 2
    undo(con, full.import_id, who=EDITOR_ACTOR)
    assert counted() == 3


def test_who_may_do_what(con, script):
    script.pages = [[issue(1)]]
    with pytest.raises(NotAllowed):
        sync.sync(con, "app", who=Actor("vic", VIEWER))
    with pytest.raises(NotAllowed):
        store.add(con, GITHUB, "x", url=None, options={}, check_options=dict, who=EDITOR_ACTOR)
    with pytest.raises(NotAllowed):
        store.remove(con, "app", who=EDITOR_ACTOR)


def test_sources_are_stored_without_secrets_and_checked(con, script, monkeypatch):
    with pytest.raises(DdqError, match="NAME of an environment variable"):
        store.add(con, GITHUB, "y", url=None, options={}, check_options=dict,
                  token_env="ghp_abcdefghijklmnop", who=ADMIN_ACTOR)  # fmt: skip
    with pytest.raises(DdqError, match="plain http"):
        store.add(con, GITHUB, "y", url="http://tracker.example.com", options={},
                  check_options=dict, who=ADMIN_ACTOR)  # fmt: skip
    with pytest.raises(Conflict, match="already a source"):
        store.add(con, GITHUB, "APP", url=None, options={}, check_options=dict, who=ADMIN_ACTOR)
    with pytest.raises(DdqError, match="needs --token-env"):
        store.add(con, "jira", "j", url="https://x.atlassian.net", options={}, check_options=dict,
                  who=ADMIN_ACTOR)  # fmt: skip
    monkeypatch.setenv("APP_TOKEN", "s3cret-value")
    store.add(con, GITHUB, "z", url=None, options={"repo": "a/b"}, check_options=dict,
              token_env="APP_TOKEN", who=ADMIN_ACTOR)  # fmt: skip
    dump = str(con.execute("SELECT * FROM sources").fetchall()) + str(
        con.execute("SELECT * FROM audit_log").fetchall()
    )
    assert "s3cret" not in dump and "APP_TOKEN" in dump
    with pytest.raises(NotFound, match="the sources are: app, z"):
        store.get(con, "nope")
    store.remove(con, "z", who=ADMIN_ACTOR)
    assert store.names(con) == ["app"]


def test_a_missing_token_variable_is_named_and_nothing_is_stored(con, script, monkeypatch):
    monkeypatch.delenv("GONE_TOKEN", raising=False)
    store.add(con, GITHUB, "private", url=None, options={"repo": "a/b"}, check_options=dict,
              token_env="GONE_TOKEN", who=ADMIN_ACTOR)  # fmt: skip
    with pytest.raises(DdqError, match="GONE_TOKEN is empty or not set"):
        sync.sync(con, "private", who=EDITOR_ACTOR)
    assert not store.runs(con, "private")[0].ok


def test_metrics_follow_a_sync(con, script):
    con.execute("INSERT INTO team_mappings (kind, value, value_key, team_id) "
                "SELECT 'project', 'acme/app', 'acme/app', id FROM teams WHERE name = 'Payments'")  # fmt: skip
    script.pages = [[issue(n) for n in range(1, 8)]]
    run(con)
    fresh = refresh(con, who=EDITOR_ACTOR, reason="check", dry_run=True)
    assert not fresh.changed  # nothing left to compute: the sync did it
    open_bugs = con.execute(
        "SELECT value FROM metric_values WHERE metric = 'open_bugs' ORDER BY week DESC LIMIT 1"
    ).fetchone()
    assert open_bugs == (7.0,)


def test_unavailable_is_reported_in_words(con, script, monkeypatch):
    def broken(client, since):
        raise SourceUnavailable("source app (http://127.0.0.1:9): the server kept failing")
        yield

    monkeypatch.setattr(script, "read", broken)
    with pytest.raises(SourceUnavailable, match="kept failing"):
        run(con)
