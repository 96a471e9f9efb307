"""Reading Jira Cloud and Server through their search APIs, against a fake site."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import pytest

from ddq.sources import jira
from ddq.sources.http import Client
from ddq.sources.model import (
    JIRA,
    MalformedPage,
    Record,
    SourceConfig,
    SourceError,
    SourceMissing,
    SourceRefused,
)
from tests.fakes.jira import SEVERITY_ID, FakeJira, adf, issue
from tests.fakes.server import Reply, Request, serving

ENV = {"TOKEN": "s3cret", "JIRA_USER": "me@example.com"}


def make_client(
    api: FakeJira, *, kind: str = "cloud", jql: str = "project = PAY", user: bool = True
) -> Client:
    source = SourceConfig(
        name="pay",
        kind=JIRA,
        url=api.url,
        options={"jql": jql, "jira_kind": kind},
        token_env="TOKEN",
        user_env="JIRA_USER" if user else None,
    )
    return Client(source, env=ENV, backoff=0, sleep=lambda s: None)


def read_all(client: Client, since: dt.datetime | None = None) -> list[Record]:
    with client:
        return [r for page in jira.pages(client, since) for r in page.records]


def searches(api: FakeJira) -> list[Request]:
    return [r for r in api.requests if r.path.endswith(("/search/jql", "/search"))]


def many(count: int, project: str = "PAY") -> list[dict[str, Any]]:
    return [issue(n, project) for n in range(1, count + 1)]


# --- full reads ---------------------------------------------------------------------------


def test_cloud_reads_every_issue_over_pages_by_token() -> None:
    with serving(FakeJira(many(250))) as api:
        client = make_client(api)
        with client:
            got = list(jira.pages(client, None))
    assert [p.number for p in got] == [1, 2, 3]
    assert [len(p.records) for p in got] == [100, 100, 50]
    keys = [r.key for p in got for r in p.records]
    assert keys == [f"PAY-{n}" for n in range(1, 251)]
    asked = searches(api)
    assert "nextPageToken" not in asked[0].query
    assert all(r.arg("nextPageToken") for r in asked[1:])
    assert all(r.arg("maxResults") == "100" for r in asked)
    fields = (asked[0].arg("fields") or "").split(",")
    assert set(jira.FIELDS) <= set(fields) and SEVERITY_ID in fields
    assert all(r.arg("jql") == "project = PAY" for r in asked)


def test_server_reads_every_issue_by_start_at_until_total() -> None:
    with serving(FakeJira(many(250), cloud=False)) as api:
        records = read_all(make_client(api, kind="server"))
    assert [r.key for r in records] == [f"PAY-{n}" for n in range(1, 251)]
    asked = searches(api)
    assert [r.arg("startAt") for r in asked] == ["0", "100", "200"]
    assert all(r.path == "/rest/api/2/search" for r in asked)


def test_server_that_gives_smaller_pages_than_asked_is_read_to_the_end() -> None:
    with serving(FakeJira(many(95), cloud=False, max_page=40)) as api:
        records = read_all(make_client(api, kind="server"))
    assert len(records) == 95
    assert [r.arg("startAt") for r in searches(api)] == ["0", "40", "80"]


def test_server_with_an_empty_page_before_the_total_stops() -> None:
    with serving(FakeJira(many(3), cloud=False)) as api:
        api.fail_when(
            lambda r: r.path == "/rest/api/2/search",
            Reply(200, {"startAt": 0, "maxResults": 100, "total": 10, "issues": []}),
        )
        records = read_all(make_client(api, kind="server"))
    assert records == []
    assert len(searches(api)) == 1


def test_an_empty_query_gives_one_empty_page() -> None:
    with serving(FakeJira([])) as api:
        client = make_client(api)
        with client:
            got = list(jira.pages(client, None))
    assert [(p.number, p.records) for p in got] == [(1, [])]


# --- fields -------------------------------------------------------------------------------


def rich_issue(**overrides: Any) -> dict[str, Any]:
    values: dict[str, Any] = dict(
        created=dt.datetime(2014, 3, 22, 7, 59),
        updated=dt.datetime(2014, 4, 1, 10, 30),
        resolved=dt.datetime(2014, 3, 30, 18, 5),
        summary="Refund fails for amounts over 1,000",
        type="Bug",
        status="Resolved",
        priority="Critical",
        labels=["refunds", "regression"],
        components=["Payments", "API"],
        severity="S1 - Critical",
    )
    values.update(overrides)
    return issue(7, "PAY", **values)


def test_cloud_record_has_every_field_as_the_api_writes_it() -> None:
    description = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [
                {"type": "text", "text": "Steps:"}, {"type": "hardBreak"},
                {"type": "text", "text": "refund 1,001", "marks": [{"type": "strong"}]},
            ]},
        ],
    }  # fmt: skip
    with serving(FakeJira([rich_issue(description=description)])) as api:
        [record] = read_all(make_client(api))
    assert record == Record(
        key="PAY-7",
        created="2014-03-22T07:59:00.000+0000",
        project="PAY",
        type="Bug",
        status="Resolved",
        priority="Critical",
        severity="S1 - Critical",
        labels=["refunds", "regression"],
        components=["Payments", "API"],
        resolved="2014-03-30T18:05:00.000+0000",
        updated="2014-04-01T10:30:00.000+0000",
        summary="Refund fails for amounts over 1,000",
        description="Steps:\nrefund 1,001",
    )


def test_server_record_keeps_the_description_as_written() -> None:
    text = "h2. Steps\r\n* refund 1,001\r\n{code}boom{code}"
    with serving(FakeJira([rich_issue(description=text)], cloud=False)) as api:
        [record] = read_all(make_client(api, kind="server"))
    assert record.description == text
    assert record.severity == "S1 - Critical"
    assert record.created == "2014-03-22T07:59:00.000+0000"


def test_empty_fields_give_none_and_empty_lists() -> None:
    bare = issue(1, priority=None, description=adf())
    bare["fields"].pop(SEVERITY_ID)
    with serving(FakeJira([bare])) as api:
        [record] = read_all(make_client(api))
    assert record.priority is None and record.severity is None and record.resolved is None
    assert record.labels == [] and record.components == []
    assert record.description is None


def test_a_site_without_a_severity_field_is_not_asked_for_one() -> None:
    with serving(FakeJira([issue(1, severity="High")], severity=False)) as api:
        [record] = read_all(make_client(api))
    assert record.severity is None
    assert SEVERITY_ID not in (searches(api)[0].arg("fields") or "")


def test_severity_field_found_by_name_whatever_its_case_and_read_as_text() -> None:
    class Lowercase(FakeJira):
        def _fields(self) -> list[dict[str, Any]]:
            listed = super()._fields()
            for item in listed:
                if item["id"] == SEVERITY_ID:
                    item["name"] = "SEVERITY"
            return listed

    with serving(Lowercase([issue(1, severity=None)])) as api:
        api.issues[0]["fields"][SEVERITY_ID] = "Minor"  # a text field, not a select
        [record] = read_all(make_client(api))
    assert record.severity == "Minor"


def test_adf_to_text() -> None:
    document = {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "heading", "attrs": {"level": 2}, "content": [
                {"type": "text", "text": "What happens"}]},
            {"type": "paragraph", "content": [
                {"type": "mention", "attrs": {"id": "5b10", "text": "@Ana Lima"}},
                {"type": "text", "text": " saw it "},
                {"type": "emoji", "attrs": {"shortName": ":fire:", "text": "🔥"}},
                {"type": "text", "text": " on "},
                {"type": "inlineCard", "attrs": {"url": "https://example.com/x"}},
            ]},
            {"type": "bulletList", "content": [
                {"type": "listItem", "content": [{"type": "paragraph", "content": [
                    {"type": "text", "text": "first"}]}]},
                {"type": "listItem", "content": [{"type": "paragraph", "content": [
                    {"type": "text", "text": "second"}, {"type": "hardBreak"},
                    {"type": "text", "text": "line two"}]}]},
            ]},
            {"type": "codeBlock", "attrs": {"language": "python"}, "content": [
                {"type": "text", "text": "raise Boom()\nreturn"}]},
            {"type": "rule"},
            {"type": "mediaSingle", "content": [
                {"type": "media", "attrs": {"id": "9f1", "type": "file"}}]},
            {"type": "paragraph", "content": [
                {"type": "emoji", "attrs": {"shortName": ":smile:"}}]},
        ],
    }  # fmt: skip
    assert jira.adf_text(document) == (
        "What happens\n@Ana Lima saw it 🔥 on https://example.com/x\nfirst\nsecond\nline two\n"
        "raise Boom()\nreturn\n:smile:"
    )
    assert jira.adf_text({"type": "doc", "version": 1, "content": []}) is None
    assert jira.adf_text(adf("", "")) is None


# --- incremental --------------------------------------------------------------------------


def test_since_narrows_the_query_with_a_day_of_margin_and_reads_only_changed_issues() -> None:
    since = dt.datetime(2024, 3, 10, 12, 0)
    old = [issue(n, updated=dt.datetime(2024, 3, 1, 8, 0)) for n in range(1, 6)]
    margin = [issue(6, updated=dt.datetime(2024, 3, 9, 12, 30))]
    new = [issue(n, updated=dt.datetime(2024, 3, 11, 9, 0)) for n in range(7, 10)]
    with serving(FakeJira(old + margin + new)) as api:
        records = read_all(make_client(api), since)
    assert api.searches == ['(project = PAY) AND updated >= "2024-03-09 12:00"']
    assert [r.key for r in records] == ["PAY-6", "PAY-7", "PAY-8", "PAY-9"]


def test_since_keeps_order_by_at_the_end() -> None:
    since = dt.datetime(2024, 3, 10, 12, 0)
    items = [issue(n, updated=dt.datetime(2024, 3, 11, 9, n)) for n in range(1, 4)]
    with serving(FakeJira(items, cloud=False)) as api:
        records = read_all(make_client(api, kind="server", jql="project = PAY order by key DESC"),
                           since)  # fmt: skip
    assert api.searches == ['(project = PAY) AND updated >= "2024-03-09 12:00" order by key DESC']
    assert [r.key for r in records] == ["PAY-3", "PAY-2", "PAY-1"]


@pytest.mark.parametrize(
    ("jql", "expected"),
    [
        ("project = PAY", ("project = PAY", "")),
        ("project = PAY ORDER BY created DESC", ("project = PAY", "ORDER BY created DESC")),
        ("project = PAY\norder  by rank", ("project = PAY", "order  by rank")),
        ('summary ~ "order by" ORDER BY key', ('summary ~ "order by"', "ORDER BY key")),
        ("summary ~ 'sort \\' order by x'", ("summary ~ 'sort \\' order by x'", "")),
        ("reorder by = 1", ("reorder by = 1", "")),
        ("ORDER BY key", ("", "ORDER BY key")),
    ],
)
def test_split_order_by(jql: str, expected: tuple[str, str]) -> None:
    assert jira.split_order_by(jql) == expected


def test_since_on_a_query_that_is_only_an_order() -> None:
    since = dt.datetime(2024, 1, 2, 0, 0)
    assert jira.since_jql("ORDER BY key", since) == 'updated >= "2024-01-01 00:00" ORDER BY key'
    assert jira.since_jql("a = 1 OR b = 2", since) == (
        '(a = 1 OR b = 2) AND updated >= "2024-01-01 00:00"'
    )


# --- malformed pages ----------------------------------------------------------------------


def test_page_two_not_json_names_the_page() -> None:
    with serving(FakeJira(many(150))) as api:
        api.fail_when(lambda r: bool(r.arg("nextPageToken")), Reply(200, b"<html>oops</html>"))
        with pytest.raises(MalformedPage) as caught:
            read_all(make_client(api))
    assert "page 2" in str(caught.value) and "not JSON" in str(caught.value)


def cloud_page(issues: list[Any], **extra: Any) -> Reply:
    return Reply(200, {"issues": issues, "isLast": True, **extra})


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (Reply(200, [1, 2]), "not a JSON object"),
        (Reply(200, {"isLast": True}), "issues is missing or not a list"),
        (Reply(200, {"issues": {}, "isLast": True}), "issues is missing or not a list"),
        (Reply(200, {"issues": []}), "isLast is missing"),
        (Reply(200, {"issues": [], "isLast": "yes"}), "isLast is missing"),
        (Reply(200, {"issues": [], "isLast": False}), "no nextPageToken"),
        (cloud_page([issue(1), issue(2), {"key": "PAY-3", "id": "3"}]),
         "issue 3 (PAY-3) has no fields"),
        (cloud_page([issue(1), {"id": "2", "fields": {}}]), "issue 2 has no key"),
        (cloud_page(["PAY-1"]), "issue 1 is not an object"),
        (cloud_page([{"key": "PAY-1", "fields": {"summary": "x"}}]),
         "issue 1 (PAY-1) has no fields.created"),
        (cloud_page([{"key": "PAY-1", "fields": {"created": 5}}]),
         "issue 1 (PAY-1) has fields.created that is not text"),
        (cloud_page([{"key": "PAY-1", "fields": {"created": "x", "labels": "a,b"}}]),
         "issue 1 (PAY-1) has fields.labels that is not a list of text"),
        (cloud_page([{"key": "PAY-1", "fields": {"created": "x", "status": "Open"}}]),
         "issue 1 (PAY-1) has fields.status without a name"),
        (cloud_page([{"key": "PAY-1", "fields": {"created": "x", "components": ["A"]}}]),
         "issue 1 (PAY-1) has fields.components that is not a list of named items"),
        (cloud_page([{"key": "PAY-1", "fields": {"created": "x", "description": 3}}]),
         "issue 1 (PAY-1) has a fields.description that is neither text nor a document"),
        (cloud_page([{"key": "PAY-1", "fields": {"created": "x", SEVERITY_ID: 3}}]),
         "issue 1 (PAY-1) has fields.customfield_10010 (Severity) that is not an option"),
    ],
)  # fmt: skip
def test_malformed_cloud_pages_say_which_page_and_issue(body: Reply, said: str) -> None:
    with serving(FakeJira(many(1))) as api:
        api.fail_when(lambda r: r.path.endswith("/search/jql"), body)
        with pytest.raises(MalformedPage) as caught:
            read_all(make_client(api))
    assert "page 1" in str(caught.value)
    assert said in str(caught.value)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"startAt": 0, "issues": []}, "total is missing or not a count"),
        ({"startAt": 0, "total": "12", "issues": []}, "total is missing or not a count"),
        ({"startAt": 0, "total": 1, "issues": [{"key": "PAY-9"}]}, "issue 1 (PAY-9) has no fields"),
    ],
)
def test_malformed_server_pages(body: dict[str, Any], said: str) -> None:
    with serving(FakeJira(many(1), cloud=False)) as api:
        api.fail_when(lambda r: r.path == "/rest/api/2/search", Reply(200, body))
        with pytest.raises(MalformedPage) as caught:
            read_all(make_client(api, kind="server"))
    assert "page 1" in str(caught.value) and said in str(caught.value)


def test_a_page_token_seen_twice_stops_the_loop() -> None:
    looping = Reply(200, {"issues": [issue(1)], "isLast": False, "nextPageToken": "same"})
    with serving(FakeJira(many(1))) as api:
        api.fail_when(lambda r: r.path.endswith("/search/jql"), looping)
        with pytest.raises(MalformedPage) as caught:
            read_all(make_client(api))
    assert "page loop" in str(caught.value) and "page 3" in str(caught.value)
    assert len(searches(api)) == 2


# --- errors -------------------------------------------------------------------------------


def test_a_refused_token_names_the_variables_and_not_the_token() -> None:
    with (
        serving(FakeJira(many(1), token="another")) as api,
        pytest.raises(SourceRefused) as caught,
    ):
        read_all(make_client(api))
    message = str(caught.value)
    assert "TOKEN" in message and "JIRA_USER" in message and "401" in message
    assert "s3cret" not in message


def test_basic_auth_with_the_user_and_bearer_without_one() -> None:
    with serving(FakeJira(many(1), cloud=False, user=None)) as api:
        assert len(read_all(make_client(api, kind="server", user=False))) == 1
    assert api.requests[0].headers["authorization"] == "Bearer s3cret"
    with serving(FakeJira(many(1))) as api:
        assert len(read_all(make_client(api))) == 1
    pair = base64.b64encode(b"me@example.com:s3cret").decode()
    assert api.requests[0].headers["authorization"] == f"Basic {pair}"


def test_the_wrong_kind_is_a_missing_search_api() -> None:
    with (
        serving(FakeJira(many(1), cloud=True)) as api,
        pytest.raises(SourceMissing) as caught,
    ):
        read_all(make_client(api, kind="server"))
    assert "--kind" in str(caught.value) and "404" in str(caught.value)


def test_a_query_jira_cannot_run_quotes_jira_and_says_to_fix_the_jql() -> None:
    with (
        serving(FakeJira(many(1))) as api,
        pytest.raises(SourceError) as caught,
    ):
        read_all(make_client(api, jql="project = PAY AND colour = red"))
    message = str(caught.value)
    assert "Field 'colour' does not exist" in message
    assert "--jql" in message and "project = PAY AND colour = red" in message


def test_server_errors_are_retried_until_an_answer() -> None:
    two_failures = iter([True, True])
    with serving(FakeJira(many(150))) as api:
        api.fail_when(
            lambda r: bool(r.arg("nextPageToken")) and next(two_failures, False),
            Reply(500, {"errorMessages": ["Internal server error"]}),
        )
        records = read_all(make_client(api))
    assert len(records) == 150
    assert len(searches(api)) == 4  # page 1, page 2 failing twice, page 2


# --- probe and options --------------------------------------------------------------------


def test_probe_cloud_counts_the_query() -> None:
    with (
        serving(FakeJira(many(1204) + many(3, "OPS"))) as api,
        make_client(api) as client,
    ):
        said = jira.probe(client)
    assert said == "Jira Cloud 1001.0.0-SNAPSHOT (REST API 3), query `project = PAY`: 1,204 issues"
    [count] = [r for r in api.requests if r.method == "POST"]
    assert count.path == "/rest/api/3/search/approximate-count"
    assert json.loads(count.body) == {"jql": "project = PAY"}


def test_probe_cloud_without_the_count_endpoint() -> None:
    with serving(FakeJira(many(1), count_endpoint=False)) as api, make_client(api) as client:
        assert jira.probe(client).endswith("query `project = PAY`: count unknown")


def test_probe_server_reads_the_total() -> None:
    with (
        serving(FakeJira(many(1), cloud=False)) as api,
        make_client(api, kind="server") as client,
    ):
        said = jira.probe(client)
    assert said == "Jira Server 9.12.4 (REST API 2), query `project = PAY`: 1 issue"
    [search] = searches(api)
    assert search.arg("maxResults") == "0"


def test_probe_a_bad_query() -> None:
    with (
        serving(FakeJira(many(1), cloud=False)) as api,
        make_client(api, kind="server", jql="owner = me") as client,
        pytest.raises(SourceError, match=r"Field 'owner' does not exist.*--jql"),
    ):
        jira.probe(client)


def test_probe_an_unreachable_site_kind() -> None:
    with (
        serving(FakeJira(many(1), cloud=False)) as api,
        make_client(api, kind="cloud") as client,
        pytest.raises(SourceMissing, match="check --url and --kind"),
    ):
        jira.probe(client)


def test_check_options() -> None:
    assert jira.check_options({"jql": " project = PAY "}) == {
        "jql": "project = PAY",
        "jira_kind": "cloud",
    }
    assert jira.check_options({"jql": "x", "jira_kind": "Server"})["jira_kind"] == "server"
    with pytest.raises(SourceError, match="--jql"):
        jira.check_options({})
    with pytest.raises(SourceError, match="--jql"):
        jira.check_options({"jql": "   "})
    with pytest.raises(SourceError, match="--kind cloud"):
        jira.check_options({"jql": "x", "jira_kind": "datacentre"})


def test_probe_retries_the_count_after_a_server_error() -> None:
    with serving(FakeJira(many(3))) as api, make_client(api) as client:
        api.fail_when(
            lambda r: (
                r.method == "POST" and len([q for q in api.requests if q.method == "POST"]) < 2
            ),
            Reply(503, b"Service Unavailable"),
        )
        assert jira.probe(client).endswith(": 3 issues")
    assert [r.method for r in api.requests].count("POST") == 2
