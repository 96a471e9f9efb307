"""ddq.sources.gitlab: a project's issues read through a fake GitLab REST API."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from ddq.sources import gitlab
from ddq.sources.http import Client
from ddq.sources.model import (
    GITLAB,
    MalformedPage,
    Page,
    Record,
    SourceConfig,
    SourceError,
    SourceMissing,
    SourceRefused,
)
from tests.fakes.gitlab import FakeGitlab
from tests.fakes.server import Reply, serving

TOKEN_ENV = "DDQ_TEST_GITLAB_TOKEN"
BASE = dt.datetime(2024, 1, 1, 9, 0)


def stamp(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")  # as GitLab writes times


def fill(api: FakeGitlab, count: int = 250) -> None:
    """``count`` issues, one an hour; every fourth closed two days later."""
    for n in range(1, count + 1):
        created = BASE + dt.timedelta(hours=n)
        closed = created + dt.timedelta(days=2) if n % 4 == 0 else None
        api.add(
            n,
            title=f"Crash {n} on start",
            state="closed" if closed else "opened",
            labels=("bug", f"area::{n % 3}") if n % 2 else (),
            created=stamp(created),
            updated=stamp(closed or created + dt.timedelta(minutes=5)),
            closed=stamp(closed) if closed else None,
            description=f"Steps for {n}" if n % 5 else None,
            issue_type="incident" if n % 7 == 0 else "issue",
        )


@pytest.fixture
def api() -> Iterator[FakeGitlab]:
    fake = FakeGitlab()
    fill(fake)
    with serving(fake):
        yield fake


def make_client(
    api: FakeGitlab, *, project: Any = None, token: str | None = None, **kwargs: Any
) -> Client:
    source = SourceConfig(
        name="app-issues",
        kind=GITLAB,
        url=api.url,
        options={"project": project or api.project},
        token_env=TOKEN_ENV,
    )
    return Client(source, env={TOKEN_ENV: token or api.token or ""}, backoff=0, **kwargs)


def read(client: Client, since: dt.datetime | None = None) -> list[Page]:
    with client:
        return list(gitlab.pages(client, since))


def records(pages: list[Page]) -> list[Record]:
    return [record for page in pages for record in page.records]


# --- reading every issue ----------------------------------------------------------------------


def test_every_issue_is_read_across_numbered_pages(api):
    pages = read(make_client(api))

    assert [page.number for page in pages] == [1, 2, 3]
    assert [len(page.records) for page in pages] == [100, 100, 50]
    assert all(page.left_out == 0 for page in pages)
    keys = [record.key for record in records(pages)]
    assert len(set(keys)) == 250 and keys[0] == "acme/app#1"
    updated = [record.updated or "" for record in records(pages)]
    assert updated == sorted(updated)  # oldest change first


def test_the_requests_ask_for_every_issue_oldest_change_first_page_after_page(api):
    read(make_client(api))

    assert [r.path for r in api.requests] == ["/api/v4/projects/acme%2Fapp/issues"] * 3
    asked = [{k: v[0] for k, v in r.query.items()} for r in api.requests]
    common = {"scope": "all", "per_page": "100", "order_by": "updated_at", "sort": "asc"}
    assert asked == [common | {"page": "1"}, common | {"page": "2"}, common | {"page": "3"}]
    assert api.requests[0].headers["private-token"] == api.token
    assert "authorization" not in api.requests[0].headers


def test_a_project_in_a_subgroup_or_by_id_is_one_path_segment():
    for project, asked in [("acme/web/shop", "acme%2Fweb%2Fshop"), ("77", "77")]:
        fake = FakeGitlab("acme/web/shop", project_id=77)
        fake.add(1)
        with serving(fake):
            (record,) = records(read(make_client(fake, project=project)))
        assert fake.requests[0].path == f"/api/v4/projects/{asked}/issues"
        assert (record.key, record.project) == ("acme/web/shop#1", "acme/web/shop")


def test_an_issue_carries_exactly_what_gitlab_wrote(api):
    api.items.clear()
    api.add(
        12,
        title="Checkout fails",
        state="closed",
        labels=("bug", "team::pay"),
        created="2024-03-01T10:00:00.123Z",
        updated="2024-03-04T11:30:00.000Z",
        closed="2024-03-04T11:30:00.000Z",
        description="Steps:\n1. pay",
        issue_type="incident",
        severity="HIGH",
    )
    api.add(13, created="2024-03-02T08:00:00.000Z")

    opened, closed = records(read(make_client(api)))  # oldest change first

    assert closed == Record(
        key="acme/app#12",
        created="2024-03-01T10:00:00.123Z",
        project="acme/app",
        type="INCIDENT",
        status="Closed",
        priority=None,
        severity="HIGH",
        labels=["bug", "team::pay"],
        components=[],
        resolved="2024-03-04T11:30:00.000Z",
        updated="2024-03-04T11:30:00.000Z",
        summary="Checkout fails",
        description="Steps:\n1. pay",
    )
    assert opened == Record(
        key="acme/app#13",
        created="2024-03-02T08:00:00.000Z",
        project="acme/app",
        type="ISSUE",
        status="Open",
        severity="UNKNOWN",
        updated="2024-03-02T08:00:00.000Z",
        summary="Issue 13",
    )


def test_older_gitlab_answers_are_read_too(api):
    """Without references, type or severity (before GitLab 13), with other states, with
    labels as objects (with_labels_details)."""
    api.items.clear()
    item = api.add(4, state="locked", labels=("bug",), created="2024-01-01T00:00:00Z")
    for name in ("references", "type", "severity"):
        del item[name]
    item["labels"] = [{"id": 3, "name": "bug", "color": "#d9534f"}, {"name": "ui"}]
    item["description"] = ""

    (record,) = records(read(make_client(api, project="42")))

    assert (record.key, record.project) == ("42#4", "42")
    assert (record.status, record.type, record.severity) == ("Locked", "issue", None)
    assert record.labels == ["bug", "ui"]
    assert record.description is None


# --- incremental reads ------------------------------------------------------------------------


def test_an_incremental_read_asks_updated_after_a_minute_earlier_and_gets_only_changes(api):
    since = BASE + dt.timedelta(hours=400)
    api.items[0]["updated_at"] = stamp(since + dt.timedelta(hours=1))
    api.items[1]["updated_at"] = stamp(since - dt.timedelta(seconds=30))  # inside the margin
    api.items[2]["updated_at"] = stamp(since - dt.timedelta(minutes=2))

    pages = read(make_client(api), since)

    assert api.requests[0].arg("updated_after") == "2024-01-18T00:59:00Z"
    assert [r.key for r in records(pages)] == ["acme/app#2", "acme/app#1"]
    assert len(api.requests) == 1


# --- pages that are not what GitLab documents -------------------------------------------------


def test_a_next_page_that_leads_back_stops_the_read(api):
    api.fail_when(lambda r: r.arg("page") == "2", Reply(200, [], {"X-Next-Page": "1"}))

    with pytest.raises(MalformedPage) as error:
        read(make_client(api))

    assert "page 2" in str(error.value) and "page loop" in str(error.value)
    assert len(api.requests) == 2


def test_a_next_page_that_is_no_number_is_named(api):
    api.fail_next(Reply(200, [], {"X-Next-Page": "next"}))

    with pytest.raises(MalformedPage) as error:
        read(make_client(api))

    assert "X-Next-Page 'next' is not a page number" in str(error.value)


GOOD = {"iid": 1, "title": "Fine", "state": "opened", "created_at": "2024-01-01T00:00:00Z"}


@pytest.mark.parametrize(
    ("body", "words"),
    [
        ({"message": "moved"}, "the issue list is an object, not a JSON list"),
        ([GOOD, 7], "item 2 is a number, not an issue (a JSON object)"),
        ([GOOD, {**GOOD, "iid": None}], "item 2 has no iid"),
        ([GOOD, {k: v for k, v in GOOD.items() if k != "iid"}], "item 2 has no iid"),
        ([{**GOOD, "iid": 5, "created_at": ""}], "item 1 (#5) has no created_at"),
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


# --- refusals and absences --------------------------------------------------------------------


def test_a_missing_project_is_named(api):
    with pytest.raises(SourceMissing) as error:
        read(make_client(api, project="acme/gone"))

    assert "project acme/gone was not found" in str(error.value)


def test_a_refused_token_names_the_variable_and_never_the_token(api):
    wrong = "glpat-wrong-token-987654321"

    with pytest.raises(SourceRefused) as error:
        read(make_client(api, token=wrong))

    message = str(error.value)
    assert TOKEN_ENV in message and "HTTP 401" in message
    assert wrong not in message and str(api.token) not in message


def test_a_private_project_without_a_token_is_missing_as_gitlab_says(api):
    source = SourceConfig("anon", GITLAB, api.url, {"project": api.project})
    with pytest.raises(SourceMissing) as error, Client(source, env={}, backoff=0) as client:
        list(gitlab.pages(client, None))

    assert "project acme/app" in str(error.value)


def test_a_rate_limit_is_waited_out_and_the_wait_shown(api):
    api.fail_next(Reply(429, {"message": "Retry later"}, {"Retry-After": "20"}))
    slept: list[float] = []
    shown: list[tuple[float, str]] = []

    pages = read(
        make_client(api, sleep=slept.append, on_wait=lambda s, why: shown.append((s, why)))
    )

    assert sum(len(page.records) for page in pages) == 250
    assert slept == [20.0] and shown == [(20.0, "the API's rate limit")]


# --- testing the connection -------------------------------------------------------------------


def test_probe_says_what_the_project_holds():
    fake = FakeGitlab("acme/web/shop")
    for n in range(1, 1205):
        fake.add(n)
    with serving(fake), make_client(fake) as client:
        said = gitlab.probe(client)

    assert said == "GitLab, project acme/web/shop (private): 1,204 issues"
    assert [r.path for r in fake.requests] == [
        "/api/v4/projects/acme%2Fweb%2Fshop",
        "/api/v4/projects/acme%2Fweb%2Fshop/issues",
    ]
    assert fake.requests[1].arg("scope") == "all" and fake.requests[1].arg("per_page") == "1"


def test_probe_of_a_big_project_says_more_than_ten_thousand(api):
    api.hide_totals = True
    with make_client(api) as client:
        assert gitlab.probe(client) == "GitLab, project acme/app (private): more than 10,000 issues"


def test_probe_without_a_count_or_a_next_page_says_so():
    fake = FakeGitlab(token=None, visibility="public")
    fake.hide_totals = True
    with serving(fake):
        source = SourceConfig("pub", GITLAB, fake.url, {"project": 42})
        with Client(source, env={}) as client:
            said = gitlab.probe(client)
    assert said == "GitLab, project acme/app (public): issue count unknown"


def test_probe_of_one_issue(api):
    del api.items[1:]
    with make_client(api) as client:
        assert gitlab.probe(client) == "GitLab, project acme/app (private): 1 issue"


def test_probe_of_a_missing_project(api):
    with pytest.raises(SourceMissing) as error, make_client(api, project="9999") as client:
        gitlab.probe(client)
    assert "project 9999" in str(error.value)


# --- options ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (42, "42"),
        (" 42 ", "42"),
        ("acme/app", "acme/app"),
        ("/acme/web/shop/ ", "acme/web/shop"),
        ("my.group/my-app_2", "my.group/my-app_2"),
        ("acme/app.git", "acme/app"),
    ],
)
def test_a_project_is_kept_as_an_id_or_a_path(given, stored):
    assert gitlab.check_options({"project": given}) == {"project": stored}


@pytest.mark.parametrize(
    ("options", "words"),
    [
        ({}, "needs its project"),
        ({"project": ""}, "needs its project"),
        ({"project": True}, "needs its project"),
        ({"project": 0}, "needs its project"),
        ({"project": "app"}, "give its numeric ID, or its path"),
        ({"project": "https://gitlab.com/acme/app"}, "give its numeric ID"),
        ({"project": "acme//app"}, "give its numeric ID"),
        ({"project": "acme/app", "repo": "acme/app"}, "takes only a project"),
    ],
)
def test_a_bad_project_option_says_what_to_write(options, words):
    with pytest.raises(SourceError) as error:
        gitlab.check_options(options)
    assert words in str(error.value)
