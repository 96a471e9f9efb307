"""`ddq sources` and `ddq sync`: the real command against a fake GitHub on loopback."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from conftest import query

from ddq.cli import main
from ddq.cli import sources as cli_sources
from tests.fakes.github import FakeGithub
from tests.fakes.server import Reply, serving

TOKEN = "ghp_fake_token_0123456789"


@pytest.fixture
def github(monkeypatch):
    monkeypatch.setenv("APP_GH_TOKEN", TOKEN)
    monkeypatch.setenv("DDQ_SYNC_BACKOFF", "0")
    api = FakeGithub("acme/app", token=TOKEN)
    for n in range(1, 131):
        api.add(n, title=f"Crash {n}", labels=("bug",), created="2026-02-02T09:00:00Z",
                updated="2026-02-03T09:00:00Z")  # fmt: skip
    api.add(500, title="Fix it", pull_request=True)
    with serving(api):
        yield api


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_add_test_sync_list_show_and_remove(make_db, run_ddq, github, db_path):
    make_db()
    out = ok(run_ddq("sources", "add", "github", "app", "--repo", "acme/app", "--url", github.url,
                     "--token-env", "APP_GH_TOKEN"))  # fmt: skip
    assert out.startswith(f"added source app: github at {github.url}")
    assert ok(run_ddq("sources", "test", "app")).strip() == (
        "app: GitHub, repository acme/app (private): 131 open issues and pull requests"
    )
    first = ok(run_ddq("sync")).splitlines()
    assert re.fullmatch(r"import (\d+): app: 130 added, 0 updated, 0 unchanged", first[0])
    assert first[1] == "app: 1 pull request(s) left out: they are not issues"
    assert first[2].startswith("bug metrics: import ")
    import_id = int(first[0].split()[1].rstrip(":"))

    github.items[4]["state"] = "closed"
    github.items[4]["closed_at"] = github.items[4]["updated_at"] = "2099-01-01T00:00:00Z"
    again = ok(run_ddq("sync", "app")).splitlines()[0]
    assert re.fullmatch(r"import \d+: app: 0 added, 1 updated, 0 unchanged", again)
    assert "since" in github.requests[-1].query

    listed = ok(run_ddq("sources", "list"))
    assert "app   github  acme/app" in listed and "ok: import" in listed
    shown = ok(run_ddq("sources", "show", "app"))
    assert "repo: acme/app" in shown and "token_env: APP_GH_TOKEN" in shown
    assert "next sync reads: changes since" in shown
    assert TOKEN not in listed + shown
    assert query(db_path, "SELECT kind FROM imports WHERE id = ?", [import_id]) == [("sync",)]

    ok(run_ddq("undo", str(import_id + 2)))  # the second sync (its metrics come between)
    assert query(db_path, "SELECT count(*) FROM bugs WHERE status = 'Closed'") == [(0,)]

    assert ok(run_ddq("sources", "remove", "app")).startswith("removed source app")
    assert query(db_path, "SELECT count(*) FROM bugs") == [(130,)]
    missing = run_ddq("sync", "app")
    assert missing.returncode == 1 and "There is no source 'app'" in missing.stderr


def test_failures_say_what_failed_and_store_nothing(make_db, run_ddq, github, db_path, monkeypatch):
    make_db()
    ok(run_ddq("sources", "add", "github", "app", "--repo", "acme/app", "--url", github.url,
               "--token-env", "APP_GH_TOKEN"))  # fmt: skip
    monkeypatch.setenv("APP_GH_TOKEN", "ghp_wrong_wrong_wrong")
    refused = run_ddq("sync")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"app: sync failed, nothing stored: Source app: the token was refused by {github.url} "
        "(HTTP 401): check APP_GH_TOKEN, and that it may read this project."
    )
    assert "ghp_wrong" not in refused.stdout + refused.stderr
    monkeypatch.setenv("APP_GH_TOKEN", TOKEN)
    github.fail_when(lambda r: r.arg("page") == "2", Reply(502, b"<html>Bad gateway</html>"))
    down = run_ddq("sync")
    assert (
        down.returncode == 1 and "page 2" in down.stderr and "kept failing (HTTP 502" in down.stderr
    )
    assert query(db_path, "SELECT count(*) FROM bugs") == [(0,)]
    assert query(db_path, "SELECT count(*) FROM imports") == [(0,)]
    github.clear()
    github.exhaust_rate_limit(reset_in=0)
    waited = run_ddq("sync")
    assert waited.returncode == 0, waited.stderr
    assert re.search(r"app: waiting \d+ s \(the API's rate limit\)", waited.stderr)
    assert "130 added" in waited.stdout
    listed = ok(run_ddq("sources", "list"))
    assert "ok: import" in listed
    shown = ok(run_ddq("sources", "show", "app"))
    assert "FAILED" in shown and "HTTP 502" in shown


def test_bad_settings_are_refused_with_what_to_write(make_db, run_ddq):
    make_db()
    pasted = run_ddq("sources", "add", "github", "app", "--repo", "acme/app", "--token-env", TOKEN)
    assert pasted.returncode == 1 and "NAME of an environment variable" in pasted.stderr
    assert TOKEN not in pasted.stderr
    clear = run_ddq("sources", "add", "jira", "j", "--url", "http://jira.example.com",
                    "--jql", "project = PAY", "--token-env", "T")  # fmt: skip
    assert clear.returncode == 1 and "plain http" in clear.stderr
    repo = run_ddq("sources", "add", "github", "g", "--repo", "not a repo")
    assert repo.returncode == 1 and "OWNER/NAME" in repo.stderr
    every = run_ddq("sync", "--every", "2s")
    assert every.returncode == 2 and "at least 10 s" in every.stderr


def test_every_syncs_round_after_round(make_db, db_path, github, monkeypatch):
    make_db()
    runner = CliRunner()
    args = ["--db", str(db_path)]
    added = runner.invoke(main, [*args, "sources", "add", "github", "app", "--repo", "acme/app",
                                 "--url", github.url, "--token-env", "APP_GH_TOKEN"])  # fmt: skip
    assert added.exit_code == 0, added.output
    naps: list[float] = []
    monkeypatch.setattr(cli_sources.time, "sleep", naps.append)
    rounds = runner.invoke(main, [*args, "sync", "--every", "15m", "--times", "3"])
    assert rounds.exit_code == 0, rounds.output
    lines = [line for line in rounds.output.splitlines() if line.startswith(("import", "app:"))]
    assert re.fullmatch(r"import \d+: app: 130 added, 0 updated, 0 unchanged", lines[0])
    assert lines[-1] == "app: 0 added, 0 updated, 0 unchanged; nothing new, so no import"
    assert len(naps) == 2 and all(890 < n <= 900 for n in naps)
