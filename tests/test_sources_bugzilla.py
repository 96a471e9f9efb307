"""Reading a Bugzilla product through its REST API, against a fake Bugzilla."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from ddq.sources import bugzilla
from ddq.sources.http import Client
from ddq.sources.model import (
    BUGZILLA,
    MalformedPage,
    Record,
    SourceConfig,
    SourceError,
    SourceMissing,
    SourceRefused,
)
from tests.fakes.bugzilla import FakeBugzilla, bug
from tests.fakes.server import Reply, Request, serving


def make_client(
    api: FakeBugzilla,
    *,
    product: str = "Derby",
    components: list[str] | None = None,
    token: bool = True,
) -> Client:
    source = SourceConfig(
        name="derby",
        kind=BUGZILLA,
        url=api.url,
        options={"product": product, "components": components or []},
        token_env="TOKEN" if token else None,
    )
    return Client(source, env={"TOKEN": "s3cret"}, backoff=0, sleep=lambda s: None)


def read_all(client: Client, since: dt.datetime | None = None) -> list[Record]:
    with client:
        return [r for page in bugzilla.pages(client, since) for r in page.records]


def searches(api: FakeBugzilla) -> list[Request]:
    return [r for r in api.requests if r.path == "/rest/bug"]


def many(count: int, **fields: Any) -> list[dict[str, Any]]:
    return [bug(n, **fields) for n in range(1, count + 1)]


# --- full reads ---------------------------------------------------------------------------


def test_every_bug_over_pages_of_500() -> None:
    with serving(FakeBugzilla([*many(1203), bug(5000, "Other", "Core")])) as api:
        client = make_client(api)
        with client:
            got = list(bugzilla.pages(client, None))
    assert [(p.number, len(p.records)) for p in got] == [(1, 500), (2, 500), (3, 203)]
    assert [r.key for p in got for r in p.records] == [str(n) for n in range(1, 1204)]
    asked = searches(api)
    assert [r.arg("offset") for r in asked] == ["0", "500", "1000"]
    first = asked[0]
    assert first.arg("product") == "Derby" and first.arg("limit") == "500"
    assert first.arg("order") == "bug_id" and "component" not in first.query
    assert (first.arg("include_fields") or "").split(",") == list(bugzilla.FIELDS)
    assert "last_change_time" not in first.query
    assert api.requests[0].path == "/rest/product"  # the product is checked first


def test_a_product_that_fills_the_last_page_exactly_asks_once_more() -> None:
    with serving(FakeBugzilla(many(500))) as api:
        records = read_all(make_client(api))
    assert len(records) == 500
    assert [r.arg("offset") for r in searches(api)] == ["0", "500"]


def test_components_are_repeated_parameters_and_only_theirs_are_read() -> None:
    bugs = [bug(1, component="Net"), bug(2, component="SQL"), bug(3, component="Docs")]
    with serving(FakeBugzilla(bugs)) as api:
        records = read_all(make_client(api, components=["Net", "SQL"]))
    assert [r.key for r in records] == ["1", "2"]
    assert searches(api)[0].query["component"] == ["Net", "SQL"]


def test_record_has_every_field_as_the_api_writes_it() -> None:
    item = bug(
        4711,
        component="SQL",
        created=dt.datetime(2014, 3, 22, 7, 59),
        updated=dt.datetime(2014, 4, 1, 10, 30, 15),
        resolved=dt.datetime(2014, 3, 30, 18, 5),
        summary="NPE in the optimizer with 1,000 joins",
        status="RESOLVED",
        resolution="FIXED",
        keywords=["crash", "regression"],
        priority="P1",
        severity="critical",
        type="defect",
    )
    with serving(FakeBugzilla([item])) as api:
        [record] = read_all(make_client(api))
    assert record == Record(
        key="4711",
        created="2014-03-22T07:59:00Z",
        project="Derby",
        type="defect",
        status="RESOLVED",
        priority="P1",
        severity="critical",
        labels=["crash", "regression"],
        components=["SQL"],
        resolved="2014-03-30T18:05:00Z",
        updated="2014-04-01T10:30:15Z",
        summary="NPE in the optimizer with 1,000 joins",
        description=None,
    )


def test_an_older_bugzilla_without_type_or_resolution_time() -> None:
    with serving(FakeBugzilla([bug(1, type=None, keywords=[])])) as api:
        [record] = read_all(make_client(api))
    assert record.type is None and record.resolved is None and record.labels == []


def test_a_reopened_bug_is_not_resolved_at_its_last_resolution() -> None:
    item = bug(1, status="REOPENED", resolved=dt.datetime(2024, 2, 1, 8, 0))
    with serving(FakeBugzilla([item])) as api:
        [record] = read_all(make_client(api))
    assert record.status == "REOPENED" and record.resolved is None


def test_a_component_given_as_a_list_is_kept_as_one() -> None:
    listed = Reply(200, {"bugs": [{**bug(1), "component": ["Net", "SQL"]}]})
    with serving(FakeBugzilla(many(1))) as api:
        api.fail_when(lambda r: r.path == "/rest/bug", listed)
        [record] = read_all(make_client(api))
    assert record.components == ["Net", "SQL"]


# --- incremental --------------------------------------------------------------------------


def test_since_asks_for_bugs_changed_a_minute_before_and_gets_only_those() -> None:
    since = dt.datetime(2024, 3, 10, 12, 0, 30)
    bugs = [
        bug(1, updated=dt.datetime(2024, 3, 10, 11, 0)),
        bug(2, updated=dt.datetime(2024, 3, 10, 11, 59, 30)),  # inside the margin
        bug(3, updated=dt.datetime(2024, 3, 10, 11, 59, 29)),
        bug(4, updated=dt.datetime(2024, 3, 11, 8, 0)),
    ]
    with serving(FakeBugzilla(bugs)) as api:
        records = read_all(make_client(api), since)
    assert searches(api)[0].arg("last_change_time") == "2024-03-10T11:59:30Z"
    assert [r.key for r in records] == ["2", "4"]


# --- malformed pages ----------------------------------------------------------------------


def test_page_two_not_json_names_the_page() -> None:
    with serving(FakeBugzilla(many(600))) as api:
        api.fail_when(lambda r: r.arg("offset") == "500", Reply(200, b"<html>Error</html>"))
        with pytest.raises(MalformedPage) as caught:
            read_all(make_client(api))
    assert "page 2" in str(caught.value) and "not JSON" in str(caught.value)


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ([], "not a JSON object"),
        ({"faults": []}, "bugs is missing or not a list"),
        ({"bugs": [bug(1), "2"]}, "bug 2 is not an object"),
        ({"bugs": [bug(1), {"summary": "x"}]}, "bug 2 has no id"),
        ({"bugs": [{**bug(1), "id": "1"}]}, "bug 1 has no id"),
        ({"bugs": [{**bug(7), "creation_time": None}]}, "bug 1 (7) has no creation_time"),
        ({"bugs": [{**bug(7), "status": 3}]}, "bug 1 (7) has status that is not text"),
        ({"bugs": [{**bug(7), "keywords": [1]}]}, "bug 1 (7) has keywords that is not a list"),
    ],
)
def test_malformed_pages_say_which_page_and_bug(body: Any, said: str) -> None:
    with serving(FakeBugzilla(many(1))) as api:
        api.fail_when(lambda r: r.path == "/rest/bug", Reply(200, body))
        with pytest.raises(MalformedPage) as caught:
            read_all(make_client(api))
    assert "page 1" in str(caught.value) and said in str(caught.value)


# --- errors -------------------------------------------------------------------------------


def test_a_bad_api_key_is_bugzillas_error_306_and_a_refusal() -> None:
    with (
        serving(FakeBugzilla(many(1), api_key="another")) as api,
        pytest.raises(SourceRefused) as caught,
    ):
        read_all(make_client(api))
    message = str(caught.value)
    assert "TOKEN" in message and "HTTP 400" in message and "s3cret" not in message
    assert api.requests[0].headers["x-bugzilla-api-key"] == "s3cret"


def test_a_site_that_needs_a_login_refuses_a_source_without_a_key() -> None:
    with (
        serving(FakeBugzilla(many(1), public=False)) as api,
        pytest.raises(SourceRefused, match="--token-env"),
    ):
        read_all(make_client(api, token=False))


def test_an_unknown_product_is_missing_before_any_search() -> None:
    with serving(FakeBugzilla(many(3))) as api, pytest.raises(SourceMissing) as caught:
        read_all(make_client(api, product="derby"))
    assert "product 'derby'" in str(caught.value) and "--product" in str(caught.value)
    assert searches(api) == []


def test_an_unknown_component_is_missing() -> None:
    with (
        serving(FakeBugzilla(many(3))) as api,
        pytest.raises(SourceMissing, match=r"no component 'Nett'.*--component"),
    ):
        read_all(make_client(api, components=["Net", "Nett"]))


def test_a_site_without_the_rest_api_is_missing() -> None:
    with serving(FakeBugzilla(many(1))) as api:
        api.fail_when(lambda r: True, Reply(404, b"<html>Not Found</html>"))
        with pytest.raises(SourceMissing, match="REST API"):
            read_all(make_client(api))


def test_server_errors_are_retried_until_an_answer() -> None:
    two_failures = iter([True, True])
    with serving(FakeBugzilla(many(600))) as api:
        api.fail_when(
            lambda r: r.arg("offset") == "500" and next(two_failures, False),
            Reply(500, b"Internal Server Error"),
        )
        records = read_all(make_client(api))
    assert len(records) == 600
    assert [r.arg("offset") for r in searches(api)] == ["0", "500", "500", "500"]


def test_other_bugzilla_errors_quote_its_message() -> None:
    refusal = Reply(400, {"error": True, "code": 108, "message": "Bad search parameter."})
    with serving(FakeBugzilla(many(1))) as api:
        api.fail_when(lambda r: r.path == "/rest/bug", refusal)
        with pytest.raises(SourceError, match="Bad search parameter"):
            read_all(make_client(api))


# --- probe and options --------------------------------------------------------------------


def test_probe_says_version_product_components_and_count() -> None:
    bugs = [*many(1204, component="Net"), bug(2000, component="Docs")]
    with (
        serving(FakeBugzilla(bugs, products={"Derby": ["Net", "SQL", "Docs"]})) as api,
        make_client(api, components=["Net", "SQL"]) as client,
    ):
        said = bugzilla.probe(client)
    assert said == "Bugzilla 5.0.4, product Derby (components: Net, SQL): 1,204 bugs"
    [count] = searches(api)
    assert count.arg("count_only") == "1"


def test_probe_one_bug_and_an_unknown_product() -> None:
    with serving(FakeBugzilla(many(1))) as api:
        with make_client(api) as client:
            assert bugzilla.probe(client) == "Bugzilla 5.0.4, product Derby: 1 bug"
        with (
            make_client(api, product="Nope") as client,
            pytest.raises(SourceMissing, match="product 'Nope'"),
        ):
            bugzilla.probe(client)


def test_probe_on_a_bugzilla_without_count_only_counts_the_ids() -> None:
    class Older(FakeBugzilla):
        def _search(self, request: Request) -> Reply:
            request.query.pop("count_only", None)
            return super()._search(request)

    with serving(Older(many(12))) as api, make_client(api) as client:
        assert bugzilla.probe(client) == "Bugzilla 5.0.4, product Derby: 12 bugs"


def test_check_options() -> None:
    assert bugzilla.check_options({"product": " Derby ", "components": ["Net", " SQL", "Net"]}) == {
        "product": "Derby",
        "components": ["Net", "SQL"],
    }
    assert bugzilla.check_options({"product": "Derby"}) == {"product": "Derby", "components": []}
    with pytest.raises(SourceError, match="--product"):
        bugzilla.check_options({})
    with pytest.raises(SourceError, match="--product"):
        bugzilla.check_options({"product": " "})
    with pytest.raises(SourceError, match="list of names"):
        bugzilla.check_options({"product": "Derby", "components": "Net"})
    with pytest.raises(SourceError, match="--component"):
        bugzilla.check_options({"product": "Derby", "components": ["Net", ""]})
