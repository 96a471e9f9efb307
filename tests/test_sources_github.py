"""ddq.sources.github: a repository's issues read through a fake GitHub REST API."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest

from ddq.ingest.github import COLUMNS, parse_issues
from ddq.sources import github
from ddq.sources.http import Client
from ddq.sources.model import (
    GITHUB,
    MalformedPage,
    Page,
    Record,
    SourceConfig,
    SourceError,
    SourceMissing,
    SourceRefused,
)
from tests.fakes.github import FakeGithub
from tests.fakes.server import Reply, serving

TOKEN_ENV = "DDQ_TEST_GITHUB_TOKEN"
BASE = dt.datetime(2024, 1, 1, 9, 0)


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def fill(api: FakeGithub, count: int = 280) -> None:
    """``count`` items, one an hour; every ninth of the first 270 is a pull request (30)."""
    for n in range(1, count + 1):
        created = BASE + dt.timedelta(hours=n)
        closed = created + dt.timedelta(days=2) if n % 4 == 0 else None
        api.add(
            n,
            title=f"Crash {n} on start",
            state="closed" if closed else "open",
            labels=("bug", f"area-{n % 3}") if n % 2 else (),
            created=stamp(created),
            updated=stamp(closed or created + dt.timedelta(minutes=5)),
            closed=stamp(closed) if closed else None,
            body=f"Steps for {n}" if n % 5 else None,
            type="Bug" if n % 3 == 0 else None,
            pull_request=n % 9 == 0 and n <= 270,
        )


@pytest.fixture
def api() -> Iterator[FakeGithub]:
    fake = FakeGithub()
    fill(fake)
    with serving(fake):
        yield fake


def make_client(
    api: FakeGithub, *, repo: str | None = None, token: str | None = None, **kwargs: Any
) -> Client:
    source = SourceConfig(
        name="app-issues",
        kind=GITHUB,
        url=api.root,
        options={"repo": repo or api.repo},
        token_env=TOKEN_ENV,
    )
    env = {TOKEN_ENV: token or api.token or ""}
    return Client(source, env=env, backoff=0, **kwargs)


def read(client: Client, since: dt.datetime | None = None) -> list[Page]:
    with client:
        return list(github.pages(client, since))


def records(pages: list[Page]) -> list[Record]:
    return [record for page in pages for record in page.records]


# --- reading every issue ----------------------------------------------------------------------


def test_every_issue_is_read_across_pages_and_pull_requests_left_out(api):
    pages = read(make_client(api))

    assert [page.number for page in pages] == [1, 2, 3]
    assert sum(len(page.records) for page in pages) == 250
    assert sum(page.left_out for page in pages) == 30
    assert [len(page.records) + page.left_out for page in pages] == [100, 100, 80]
    keys = [record.key for record in records(pages)]
    assert len(set(keys)) == 250
    assert "acme/app#9" not in keys  # a pull request
    updated = [record.updated or "" for record in records(pages)]
    assert updated == sorted(updated)  # oldest change first


def test_the_first_request_asks_for_everything_oldest_change_first_and_follows_link(api):
    read(make_client(api))

    first, second, third = api.requests
    assert first.path == "/repos/acme/app/issues"
    assert {k: v[0] for k, v in first.query.items()} == {
        "state": "all",
        "per_page": "100",
        "sort": "updated",
        "direction": "asc",
    }
    # The next pages are the Link header's addresses, query included.
    assert second.path == third.path == f"/repositories/{api.repo_id}/issues"
    assert second.arg("page") == "2" and third.arg("page") == "3"
    assert second.arg("state") == "all" and third.arg("per_page") == "100"
    assert first.headers["authorization"] == f"Bearer {api.token}"
    assert all(api.token not in f"{r.path}?{r.query}" for r in api.requests)


def test_an_issue_carries_exactly_what_github_wrote(api):
    api.items.clear()
    api.add(
        12,
        title="Checkout fails",
        state="closed",
        labels=("bug", "checkout"),
        created="2024-03-01T10:00:00Z",
        updated="2024-03-04T11:30:00Z",
        closed="2024-03-04T11:30:00Z",
        body="Steps:\n1. pay",
        type="Bug",
    )
    api.add(13, created="2024-03-02T08:00:00Z")

    opened, closed = records(read(make_client(api)))  # oldest change first

    assert closed == Record(
        key="acme/app#12",
        created="2024-03-01T10:00:00Z",
        project="acme/app",
        type="Bug",
        status="Closed",
        priority=None,
        severity=None,
        labels=["bug", "checkout"],
        components=[],
        resolved="2024-03-04T11:30:00Z",
        updated="2024-03-04T11:30:00Z",
        summary="Checkout fails",
        description="Steps:\n1. pay",
    )
    assert (opened.key, opened.status, opened.type, opened.labels) == (
        "acme/app#13",
        "Open",
        None,
        [],
    )
    assert (opened.resolved, opened.description) == (None, None)


def file_import(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """What the file import reads from the same JSON, by key."""
    parsed = parse_issues(json.dumps(items, indent=2).encode(), "issues.json")
    assert not parsed.problems
    rows = {}
    for i in range(parsed.count):
        row = {column: parsed.columns[column][i] for column in COLUMNS}
        rows[str(row["key"])] = row | {"labels": parsed.labels[i]}
    return rows


def synced(pages: list[Page]) -> dict[str, dict[str, Any]]:
    fields = set(COLUMNS) | {"labels"}
    return {
        record.key: {k: v for k, v in dataclasses.asdict(record).items() if k in fields}
        for record in records(pages)
    }


def test_a_synced_issue_is_what_the_file_import_of_the_same_json_gives(api):
    api.items[3]["title"] = "  Padded title  "
    api.items[4]["labels"].append({"name": " "})  # a blank label is dropped by both
    api.items[5]["body"] = ""

    from_api = synced(read(make_client(api)))

    assert from_api == file_import(api.items)
    assert len(from_api) == 250


def test_github_enterprise_keys_come_from_its_api_addresses():
    fake = FakeGithub(prefix="/api/v3")
    with serving(fake):
        fake.item_root = fake.root  # items name the Enterprise API, as GHE writes them
        fake.add(1, title="On premises", created="2024-02-01T00:00:00Z")
        fake.add(2, created="2024-02-02T00:00:00Z")
        assert fake.items[0]["repository_url"] == f"{fake.url}/api/v3/repos/acme/app"

        from_api = synced(read(make_client(fake)))

    assert list(from_api) == ["acme/app#1", "acme/app#2"]
    assert from_api == file_import(fake.items)


def test_an_item_that_names_no_repository_takes_the_configured_one(api):
    api.items.clear()
    item = api.add(5, created="2024-02-01T00:00:00Z")
    for name in ("url", "repository_url", "html_url"):
        del item[name]

    (record,) = records(read(make_client(api)))

    assert (record.key, record.project) == ("acme/app#5", "acme/app")


# --- incremental reads ------------------------------------------------------------------------


def test_an_incremental_read_asks_since_a_minute_earlier_and_gets_only_changes(api):
    since = BASE + dt.timedelta(hours=400)
    api.items[0]["updated_at"] = stamp(since + dt.timedelta(hours=1))
    api.items[1]["updated_at"] = stamp(since - dt.timedelta(seconds=30))  # inside the margin
    api.items[2]["updated_at"] = stamp(since - dt.timedelta(minutes=2))
    api.items[8]["updated_at"] = stamp(since + dt.timedelta(hours=2))  # #9, a pull request

    pages = read(make_client(api), since)

    assert api.requests[0].arg("since") == "2024-01-18T00:59:00Z"
    assert [r.key for r in records(pages)] == ["acme/app#2", "acme/app#1"]
    assert [page.left_out for page in pages] == [1]


def test_an_aware_since_is_read_as_utc(api):
    since = dt.datetime(2024, 1, 18, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))

    read(make_client(api), since)

    assert api.requests[0].arg("since") == "2024-01-18T00:59:00Z"


# --- pages that are not what GitHub documents -------------------------------------------------


def test_a_link_that_leads_back_stops_the_read(api):
    def second_page(request):
        return request.arg("page") == "2"

    page_two = (
        f"{api.url}/repositories/{api.repo_id}/issues"
        "?state=all&per_page=100&sort=updated&direction=asc&page=2"
    )
    api.fail_when(second_page, Reply(200, [], {"Link": f'<{page_two}>; rel="next"'}))

    with pytest.raises(MalformedPage) as error:
        read(make_client(api))

    assert "page 2" in str(error.value)
    assert "page loop" in str(error.value)
    assert len(api.requests) == 2


GOOD = {
    "number": 1,
    "repository_url": "https://api.github.com/repos/acme/app",
    "title": "Fine",
    "state": "open",
    "created_at": "2024-01-01T00:00:00Z",
}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"message": "Moved Permanently"}, "the issue list is an object, not a JSON list"),
        ([GOOD, "issue 2"], "item 2 is a string, not an issue (a JSON object)"),
        ([GOOD, {**GOOD, "number": None}], "item 2 has no issue number"),
        ([GOOD, GOOD, {k: v for k, v in GOOD.items() if k != "number"}], "item 3 has no issue"),
        ([{**GOOD, "number": 5, "created_at": None}], "item 1 (#5) has no created_at"),
        (b"<html>Sign in</html>", "the body is not JSON"),
    ],
)
def test_a_malformed_page_is_named_with_its_item(api, body, words):
    api.fail_next(Reply(200, body))

    with pytest.raises(MalformedPage) as error:
        read(make_client(api))

    message = str(error.value)
    assert "source app-issues" in message and "page 1" in message
    assert words in message
    assert "API root" in message


# --- refusals, absences and limits ------------------------------------------------------------


def test_a_missing_repository_is_named(api):
    with pytest.raises(SourceMissing) as error:
        read(make_client(api, repo="acme/gone"))

    assert "repository acme/gone was not found" in str(error.value)


def test_a_refused_token_names_the_variable_and_never_the_token(api):
    wrong = "ghp_wrong_token_987654321"

    with pytest.raises(SourceRefused) as error:
        read(make_client(api, token=wrong))

    assert TOKEN_ENV in str(error.value)
    assert "HTTP 401" in str(error.value)
    assert wrong not in str(error.value) and api.token not in str(error.value)


def test_a_private_repository_without_a_token_is_missing_as_github_says():
    fake = FakeGithub(token=None, private=True)
    with serving(fake):
        source = SourceConfig("anon", GITHUB, fake.root, {"repo": fake.repo})
        with pytest.raises(SourceMissing) as error, Client(source, env={}, backoff=0) as client:
            list(github.pages(client, None))

    assert "repository acme/app" in str(error.value)


def test_the_rate_limit_is_waited_out_and_the_wait_shown(api):
    api.exhaust_rate_limit(reset_in=30)
    slept: list[float] = []
    shown: list[tuple[float, str]] = []

    pages = read(
        make_client(api, sleep=slept.append, on_wait=lambda s, why: shown.append((s, why)))
    )

    assert sum(len(page.records) for page in pages) == 250
    assert len(slept) == 1 and 28 <= slept[0] <= 33  # until x-ratelimit-reset, plus a second
    assert shown == [(slept[0], "the API's rate limit")]
    assert len(api.requests) == 4  # the refused request was asked again


def test_a_rate_limit_beyond_the_longest_wait_fails_saying_when(api):
    api.exhaust_rate_limit(reset_in=3000)

    with pytest.raises(SourceError) as error:
        read(make_client(api, sleep=lambda s: None))

    assert "rate limit" in str(error.value)
    assert "about 50 more minute(s)" in str(error.value)


# --- testing the connection -------------------------------------------------------------------


def test_probe_says_what_the_repository_holds():
    fake = FakeGithub()
    for n in range(1, 1300):
        fake.add(n, state="closed" if n > 1204 else "open")
    with serving(fake), make_client(fake) as client:
        said = github.probe(client)

    assert said == "GitHub, repository acme/app (private): 1,204 open issues and pull requests"
    assert [r.path for r in fake.requests] == ["/repos/acme/app"]


def test_probe_of_a_public_repository_without_a_token():
    fake = FakeGithub(repo="octo/hello", token=None, private=False)
    fake.add(1)
    with serving(fake):
        source = SourceConfig("pub", GITHUB, fake.root, {"repo": "octo/hello"})
        with Client(source, env={}) as client:
            assert github.probe(client) == (
                "GitHub, repository octo/hello (public): 1 open issues and pull requests"
            )
    assert "authorization" not in fake.requests[0].headers


def test_probe_of_a_missing_repository(api):
    with pytest.raises(SourceMissing) as error, make_client(api, repo="acme/nope") as client:
        github.probe(client)
    assert "repository acme/nope" in str(error.value)


# --- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("acme/app", "acme/app"),
        ("  octo-org/hello.world  ", "octo-org/hello.world"),
        ("acme/app.git", "acme/app"),
        ("a/_x", "a/_x"),
    ],
)
def test_a_repository_is_kept_as_owner_slash_name(given, stored):
    assert github.check_options({"repo": given}) == {"repo": stored}


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({}, "needs its repository: --repo OWNER/NAME"),
        ({"repo": "  "}, "needs its repository"),
        ({"repo": 12}, "needs its repository"),
        ({"repo": "acme"}, "write OWNER/NAME, like acme/app"),
        ({"repo": "https://github.com/acme/app"}, "write OWNER/NAME"),
        ({"repo": "acme/app/issues"}, "write OWNER/NAME"),
        ({"repo": "-acme/app"}, "write OWNER/NAME"),
        ({"repo": "acme/.."}, "write OWNER/NAME"),
        ({"repo": "acme/app", "project": "x"}, "takes only a repository"),
    ],
)
def test_a_bad_repository_option_says_what_to_write(options, words):
    with pytest.raises(SourceError) as error:
        github.check_options(options)
    assert words in str(error.value)
