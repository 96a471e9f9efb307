"""ddq.sources.http: the client's retries, waits, refusals and secrecy, against a tiny API."""

from __future__ import annotations

import base64
import email.utils
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from ddq.sources.http import BACKOFF_ENV_VAR, Client, check_url
from ddq.sources.model import (
    BUGZILLA,
    GITHUB,
    GITLAB,
    JIRA,
    SourceConfig,
    SourceError,
    SourceMissing,
    SourceRefused,
    SourceUnavailable,
)
from tests.fakes.server import FakeApi, Reply, Request, serving

TOKEN = "s3cr3t-Token-4f9a2b7c"
USER = "qa.lead@example.com"
CREDENTIALS = ("authorization", "private-token", "x-bugzilla-api-key")


class TinyApi(FakeApi):
    """``/ok`` answers; ``/echo`` fails with the request's headers in its message, as some
    servers do in their error pages."""

    def answer(self, request: Request) -> Reply:
        if request.path == "/echo":
            said = "; ".join(f"{k}: {v}" for k, v in request.headers.items() if k in CREDENTIALS)
            return Reply(422, {"message": f"Unprocessable request ({said})"})
        if request.path == "/long":  # the secret where a shortened message would cut it
            said = "x" * 180 + request.headers.get("authorization", "")
            return Reply(400, {"errorMessages": [said]})
        if request.path == "/ok":
            return Reply(200, {"ok": True})
        return Reply(404, {"message": "Not Found"})


@pytest.fixture
def api() -> Iterator[TinyApi]:
    with serving(TinyApi()) as fake:
        yield fake


class Waits:
    """What the client slept, and what it said while waiting."""

    def __init__(self) -> None:
        self.slept: list[float] = []
        self.shown: list[tuple[float, str]] = []

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)

    def on_wait(self, seconds: float, why: str) -> None:
        self.shown.append((seconds, why))


def source(url: str, kind: str = GITHUB, **fields: Any) -> SourceConfig:
    return SourceConfig(
        name="tracker",
        kind=kind,
        url=url,
        options=fields.pop("options", {}),
        token_env=fields.pop("token_env", "DDQ_TEST_TOKEN"),
        user_env=fields.pop("user_env", None),
    )


def client(url: str, waits: Waits | None = None, *, kind: str = GITHUB, **kwargs: Any) -> Client:
    waits = waits or Waits()
    env = {"DDQ_TEST_TOKEN": TOKEN, "DDQ_TEST_USER": USER}
    fields = {k: kwargs.pop(k) for k in ("token_env", "user_env") if k in kwargs}
    return Client(
        source(url, kind, **fields),
        env=env,
        sleep=waits.sleep,
        on_wait=waits.on_wait,
        **kwargs,
    )


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


# --- retries ----------------------------------------------------------------------------------


def test_5xx_answers_are_retried_with_doubling_back_off_then_succeed(api):
    api.fail_next(Reply(503), Reply(502), Reply(500))
    waits = Waits()

    with client(api.url, waits, backoff=1.0) as c:
        response = c.get("/ok")

    assert response.json() == {"ok": True}
    assert waits.slept == [1.0, 2.0, 4.0]
    assert [why for _, why in waits.shown] == [
        "the server answered 503",
        "the server answered 502",
        "the server answered 500",
    ]
    assert len(api.requests) == 4


def test_the_back_off_comes_from_the_environment_when_not_given(api, monkeypatch):
    monkeypatch.setenv(BACKOFF_ENV_VAR, "0.5")
    api.fail_next(Reply(500), Reply(500))
    waits = Waits()

    with client(api.url, waits) as c:
        c.get("/ok")

    assert waits.slept == [0.5, 1.0]


def test_a_server_that_keeps_failing_is_unavailable_after_the_retries(api):
    api.fail_when(lambda r: True, Reply(503, {"message": "Service Unavailable"}))
    waits = Waits()

    with (
        pytest.raises(SourceUnavailable) as error,
        client(api.url, waits, retries=2, backoff=1.0) as c,
    ):
        c.get("/ok", page=4)

    message = str(error.value)
    assert "page 4" in message
    assert "HTTP 503, 3 tries" in message and "try again later" in message
    assert waits.slept == [1.0, 2.0]
    assert len(api.requests) == 3


def test_a_refused_connection_says_to_check_the_url():
    url = f"http://127.0.0.1:{closed_port()}"
    waits = Waits()

    with pytest.raises(SourceUnavailable) as error, client(url, waits, retries=1, backoff=0) as c:
        c.get("/ok")

    message = str(error.value)
    assert "could not reach the server" in message and "2 tries" in message
    assert "check --url" in message
    assert waits.shown and waits.shown[0][1].startswith("could not connect")


def test_a_slow_answer_is_retried_then_read(api):
    api.fail_next(Reply(200, {"late": True}, delay=1.0))
    waits = Waits()

    with client(api.url, waits, timeout=0.2, backoff=0) as c:
        response = c.get("/ok")

    assert response.json() == {"ok": True}
    assert [why for _, why in waits.shown] == ["the server did not answer in time"]


def test_a_server_that_never_answers_in_time_is_unavailable(api):
    api.fail_when(lambda r: True, Reply(200, {}, delay=1.0))

    with (
        pytest.raises(SourceUnavailable) as error,
        client(api.url, timeout=0.2, retries=1, backoff=0) as c,
    ):
        c.get("/ok")

    assert "did not answer in time (2 tries)" in str(error.value)
    assert "reachable from here" in str(error.value)


# --- rate limits ------------------------------------------------------------------------------


def test_retry_after_in_seconds_is_waited_and_shown(api):
    api.fail_next(Reply(429, {"message": "slow down"}, {"Retry-After": "7"}))
    waits = Waits()

    with client(api.url, waits, backoff=0) as c:
        c.get("/ok")

    assert waits.slept == [7.0]
    assert waits.shown == [(7.0, "the API's rate limit")]


def test_retry_after_as_an_http_date_is_waited_until_then(api):
    then = email.utils.formatdate(time.time() + 120, usegmt=True)
    api.fail_next(Reply(429, None, {"Retry-After": then}))
    waits = Waits()

    with client(api.url, waits, backoff=0) as c:
        c.get("/ok")

    (slept,) = waits.slept
    assert 115 <= slept <= 121
    assert waits.shown == [(slept, "the API's rate limit")]


def test_a_rate_limit_longer_than_the_longest_wait_fails_saying_when(api):
    api.fail_next(Reply(429, None, {"Retry-After": "3600"}))
    waits = Waits()

    with pytest.raises(SourceUnavailable) as error, client(api.url, waits, max_wait=900) as c:
        c.get("/ok", page=2)

    assert "rate limit is used up for about 60 more minute(s)" in str(error.value)
    assert "run the sync again after that" in str(error.value)
    assert waits.slept == []


# --- addresses --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080"),
        ("http://[::1]:8080", "http://[::1]:8080"),
        ("http://localhost:3000/api", "http://localhost:3000/api"),
        (" https://example.com/jira/ ", "https://example.com/jira"),
    ],
)
def test_check_url_accepts_https_and_plain_http_on_this_machine(url, kept):
    assert check_url(url) == kept


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://example.com", "uses plain http"),
        ("http://10.0.0.5:8080", "uses plain http"),
        ("https://me:pw@example.com", "holds a user name or password"),
        ("https://me@example.com", "holds a user name or password"),
        ("example.com", "is not a web address"),
        ("ftp://example.com", "is not a web address"),
    ],
)
def test_check_url_refuses_addresses_a_token_must_not_go_to(url, words):
    with pytest.raises(SourceError) as error:
        check_url(url)
    assert words in str(error.value)
    assert "pw" not in str(error.value).replace(url, "")


def test_a_client_is_not_made_for_plain_http_elsewhere():
    with pytest.raises(SourceError, match="plain http"):
        client("http://tracker.example.com")


def test_a_next_page_link_to_plain_http_elsewhere_is_refused(api):
    with client(api.url) as c, pytest.raises(SourceError) as error:
        c.get("http://tracker.example.com/issues?page=2")
    assert "a next-page link" in str(error.value)
    assert api.requests == []


# --- secrets ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "user_env"),
    [(GITHUB, None), (GITLAB, None), (BUGZILLA, None), (JIRA, None), (JIRA, "DDQ_TEST_USER")],
)
def test_no_error_holds_the_token_even_when_the_server_echoes_it(api, kind, user_env):
    with pytest.raises(SourceError) as error, client(api.url, kind=kind, user_env=user_env) as c:
        c.get("/echo", {"q": "bugs"})

    message = str(error.value)
    assert "HTTP 422" in message and "Unprocessable request" in message
    assert TOKEN not in message
    assert USER not in message
    pair = base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
    assert pair not in message
    for request in api.requests:
        assert TOKEN not in request.path and TOKEN not in str(request.query)


@pytest.mark.parametrize(("kind", "user_env"), [(GITHUB, None), (JIRA, "DDQ_TEST_USER")])
def test_no_part_of_a_secret_is_left_where_a_long_message_is_cut(api, kind, user_env):
    with pytest.raises(SourceError) as error, client(api.url, kind=kind, user_env=user_env) as c:
        c.get("/long")

    message = str(error.value)
    assert "HTTP 400: xxxx" in message
    assert TOKEN[:6] not in message
    pair = base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()
    assert pair[:6] not in message


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_name_the_variable_not_the_token(api, status):
    api.fail_next(Reply(status, {"message": f"Bad credentials: {TOKEN}"}))

    with pytest.raises(SourceRefused) as error, client(api.url) as c:
        c.get("/ok")

    message = str(error.value)
    assert f"HTTP {status}" in message and "check DDQ_TEST_TOKEN" in message
    assert TOKEN not in message


def test_a_404_names_what_is_missing(api):
    with pytest.raises(SourceMissing) as error, client(api.url) as c:
        c.get("/nowhere", missing="repository acme/app")
    assert "repository acme/app was not found" in str(error.value)


def test_an_unset_variable_is_named():
    with pytest.raises(SourceError) as error:
        Client(source("https://example.com", token_env="DDQ_TEST_UNSET"), env={})
    assert "DDQ_TEST_UNSET is empty or not set" in str(error.value)
    assert "token" in str(error.value)


def test_an_empty_user_variable_is_named():
    config = source("https://example.com", JIRA, user_env="DDQ_TEST_USER")
    with pytest.raises(SourceError) as error:
        Client(config, env={"DDQ_TEST_TOKEN": TOKEN, "DDQ_TEST_USER": "  "})
    assert "DDQ_TEST_USER is empty or not set" in str(error.value)
    assert "set it to the user" in str(error.value)


# --- credentials as each tracker wants them ---------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "user_env", "expected", "absent"),
    [
        (
            JIRA,
            "DDQ_TEST_USER",
            {"authorization": "Basic " + base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()},
            (),
        ),
        (JIRA, None, {"authorization": f"Bearer {TOKEN}"}, ()),
        (
            GITHUB,
            None,
            {
                "authorization": f"Bearer {TOKEN}",
                "accept": "application/vnd.github+json",
                "x-github-api-version": "2022-11-28",
            },
            (),
        ),
        (GITLAB, None, {"private-token": TOKEN}, ("authorization",)),
        (BUGZILLA, None, {"x-bugzilla-api-key": TOKEN}, ("authorization",)),
    ],
)
def test_credentials_go_in_the_header_each_tracker_reads(api, kind, user_env, expected, absent):
    with client(api.url, kind=kind, user_env=user_env) as c:
        c.get("/ok")

    headers = api.requests[0].headers
    assert {name: headers.get(name) for name in expected} == expected
    assert all(name not in headers for name in absent)
    assert headers["user-agent"].startswith("ddq")


def test_a_source_without_a_token_sends_no_credentials(api):
    with client(api.url, token_env=None) as c:
        c.get("/ok")
    headers = api.requests[0].headers
    assert "authorization" not in headers and "private-token" not in headers
