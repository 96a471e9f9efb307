"""Asking a tracker's API for a page, the way real networks need it.

One :class:`Client` per sync of a source. It adds the credentials the kind expects (read
from the environment each time a client is made, never stored), bounds every request with
a timeout, retries with growing back-off on 5xx answers and on connection errors, and
waits out rate limits (``429`` with ``Retry-After``; GitHub's ``x-ratelimit-remaining: 0``
with ``x-ratelimit-reset``, also on a 403), telling ``on_wait`` how long and why. What it
cannot get past becomes a :class:`~ddq.sources.model.SourceError` that says what failed and
what to check: refused credentials name the variable, a 404 names the project. No message
holds a token.

Plain ``http://`` is allowed only for loopback addresses: a token must not cross a network
in clear text.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import httpx
import orjson

from ddq import clock
from ddq.sources.model import (
    BUGZILLA,
    GITHUB,
    GITLAB,
    JIRA,
    MalformedPage,
    SourceConfig,
    SourceError,
    SourceMissing,
    SourceRefused,
    SourceUnavailable,
    check_url,
)

BACKOFF_ENV_VAR = "DDQ_SYNC_BACKOFF"  # seconds before the first retry; doubles each time
DEFAULT_BACKOFF_S = 1.0
DEFAULT_TIMEOUT_S = 30.0
DEFAULT_RETRIES = 4
# The longest rate-limit wait a sync sits through; beyond it, the sync fails and says when
# to try again.
MAX_WAIT_S = 15 * 60.0
_RATE_LIMIT_WAITS = 5  # per request
# Bugzilla's error codes for an API key it does not accept, or a login it needs.
_BUGZILLA_REFUSALS = {306, 410}
USER_AGENT = "ddq (bug-tracker sync)"

Scalar = str | int | float | bool | None
Params = Mapping[str, Scalar | Sequence[Scalar]] | list[tuple[str, Scalar]] | None
Waiting = Callable[[float, str], None]
# What a 400 answer means for one request (the tracker could not read the query), or None.
Explain = Callable[[httpx.Response], str | None]


def _backoff_base() -> float:
    raw = os.environ.get(BACKOFF_ENV_VAR)
    if raw:
        try:
            return max(0.0, float(raw))
        except ValueError:
            pass
    return DEFAULT_BACKOFF_S


def _retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds, or an HTTP date)."""
    if not value:
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def read_secret(
    source: SourceConfig, env: Mapping[str, str] | None = None
) -> tuple[str | None, str | None]:
    """(user, token) from the variables the source names; SourceError when one is unset."""
    environ = os.environ if env is None else env
    found: list[str | None] = []
    for var in (source.user_env, source.token_env):
        if not var:
            found.append(None)
            continue
        value = environ.get(var, "").strip()
        if not value:
            raise SourceError(
                f"Source {source.name}: the environment variable {var} is empty or not set; "
                f"set it to the {'user' if var == source.user_env else 'token'} before syncing "
                "(ddq never stores the secret)."
            )
        found.append(value)
    return found[0], found[1]


def _auth_headers(source: SourceConfig, user: str | None, token: str | None) -> dict[str, str]:
    headers: dict[str, str] = {}
    if source.kind == GITHUB:
        headers["Accept"] = "application/vnd.github+json"
        headers["X-GitHub-Api-Version"] = "2022-11-28"
    else:
        headers["Accept"] = "application/json"
    if token is None:
        return headers
    if source.kind == JIRA:
        if user:
            pair = base64.b64encode(f"{user}:{token}".encode()).decode()
            headers["Authorization"] = f"Basic {pair}"
        else:
            headers["Authorization"] = f"Bearer {token}"
    elif source.kind == GITHUB:
        headers["Authorization"] = f"Bearer {token}"
    elif source.kind == GITLAB:
        headers["PRIVATE-TOKEN"] = token
    elif source.kind == BUGZILLA:
        headers["X-BUGZILLA-API-KEY"] = token
    return headers


class Client:
    """Requests to one source's API, with its credentials, retries and waits."""

    def __init__(
        self,
        source: SourceConfig,
        *,
        env: Mapping[str, str] | None = None,
        timeout: float = DEFAULT_TIMEOUT_S,
        retries: int = DEFAULT_RETRIES,
        backoff: float | None = None,
        max_wait: float = MAX_WAIT_S,
        on_wait: Waiting | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.source = source
        self.base = check_url(source.url)
        user, token = read_secret(source, env)
        secrets = [s for s in (token, user) if s]
        self.retries = retries
        self.backoff = _backoff_base() if backoff is None else backoff
        self.max_wait = max_wait
        self.on_wait = on_wait
        self.sleep = sleep
        self.requests = 0  # how many were sent, retries included
        headers = {"User-Agent": USER_AGENT, **_auth_headers(source, user, token)}
        # Jira's Basic pair is the user and token in base64: as secret as the token.
        scheme, _, credential = headers.get("Authorization", "").partition(" ")
        if scheme == "Basic" and credential:
            secrets.append(credential)
        self._secrets = sorted(secrets, key=len, reverse=True)
        self._http = httpx.Client(
            headers=headers,
            timeout=httpx.Timeout(timeout),
            transport=transport,
            follow_redirects=True,
            trust_env=False,
        )

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    # --- words ------------------------------------------------------------------------

    def safe(self, text: str) -> str:
        """``text`` with every secret of this source blanked out."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text

    def _where(self, page: int | None) -> str:
        return f"source {self.source.name} ({self.base})" + (f", page {page}" if page else "")

    def malformed(self, page: int, what: str) -> MalformedPage:
        """The error for a page that is not what the API documents."""
        return MalformedPage(self.safe(
            f"{self._where(page)}: the answer is not what the {self.source.kind} API "
            f"documents: {what}. Check that --url is the {self._url_meaning()}."
        ))  # fmt: skip

    def _url_meaning(self) -> str:
        if self.source.kind == GITHUB:
            return "API root (https://api.github.com, or https://HOST/api/v3)"
        return "site's root (the address people open in a browser)"

    def _refused(self, status: int) -> SourceRefused:
        var = self.source.token_env
        if var:
            return SourceRefused(f"Source {self.source.name}: the token was refused by "
                                 f"{self.base} (HTTP {status}): check {var}"
                                 + (f" and {self.source.user_env}" if self.source.user_env else "")
                                 + ", and that it may read this project.")  # fmt: skip
        return SourceRefused(
            f"Source {self.source.name}: {self.base} refused to answer without a token "
            f"(HTTP {status}): add one with --token-env VAR."
        )

    # --- requests -----------------------------------------------------------------------

    def url(self, path: str) -> str:
        """An API path under the source's root (a full URL is kept: the Link header's)."""
        if path.startswith(("http://", "https://")):
            check_url(path, "a next-page link")
            return path
        return self.base + "/" + path.lstrip("/")

    def get(
        self, path: str, params: Params = None, *, page: int | None = None,
        missing: str | None = None, explain_400: Explain | None = None,
    ) -> httpx.Response:  # fmt: skip
        """GET one page: the answer once it is a 2xx, or the SourceError that stops the sync.

        ``missing`` names what a 404 means ("repository acme/app"); ``explain_400`` turns a
        400 answer into what to fix (a query the tracker cannot read), or None to keep the
        general words.
        """
        return self._send("GET", path, params=params, page=page, missing=missing,
                          explain_400=explain_400)  # fmt: skip

    def post_json(
        self, path: str, body: Any, *, page: int | None = None, missing: str | None = None,
        explain_400: Explain | None = None,
    ) -> httpx.Response:  # fmt: skip
        """POST ``body`` as JSON, for an API that reads a question that way (Jira's counts);
        retries, waits and errors as :meth:`get`."""
        return self._send("POST", path, body=body, page=page, missing=missing,
                          explain_400=explain_400)  # fmt: skip

    def _send(
        self, method: str, path: str, *, params: Params = None, body: Any = None,
        page: int | None, missing: str | None, explain_400: Explain | None,
    ) -> httpx.Response:  # fmt: skip
        target = self.url(path)
        failures = 0
        waits = 0
        while True:
            self.requests += 1
            try:
                response = self._http.request(method, target, params=params, json=body)
            except httpx.TimeoutException:
                failures += 1
                reason = "did not answer in time"
                if failures > self.retries:
                    raise SourceUnavailable(self.safe(
                        f"{self._where(page)}: the server {reason} ({failures} tries): check "
                        "that it is up and reachable from here, or try again later."
                    )) from None  # fmt: skip
                self._pause(self.backoff * 2 ** (failures - 1), f"the server {reason}")
                continue
            except httpx.TransportError as exc:
                failures += 1
                reason = type(exc).__name__
                detail = self.safe(str(exc)) or reason
                if failures > self.retries:
                    raise SourceUnavailable(self.safe(
                        f"{self._where(page)}: could not reach the server ({detail}, "
                        f"{failures} tries): check --url and the network."
                    )) from None  # fmt: skip
                self._pause(self.backoff * 2 ** (failures - 1), f"could not connect ({detail})")
                continue
            status = response.status_code
            wait = self._rate_limit_wait(response)
            if wait is not None:
                waits += 1
                if waits > _RATE_LIMIT_WAITS or wait > self.max_wait:
                    minutes = max(1, round(wait / 60))
                    raise SourceUnavailable(
                        f"{self._where(page)}: the API's rate limit is used up for about "
                        f"{minutes} more minute(s); run the sync again after that."
                    )
                self._pause(wait, "the API's rate limit")
                continue
            if 200 <= status < 300:
                return response
            if status >= 500:
                failures += 1
                if failures > self.retries:
                    raise SourceUnavailable(self.safe(
                        f"{self._where(page)}: the server kept failing (HTTP {status}, "
                        f"{failures} tries); try again later, or check the tracker's status."
                    ))  # fmt: skip
                self._pause(self.backoff * 2 ** (failures - 1), f"the server answered {status}")
                continue
            raise self._client_error(response, page, missing, explain_400)

    def _rate_limit_wait(self, response: httpx.Response) -> float | None:
        """Seconds to wait when the answer is a rate limit; None when it is not one."""
        status = response.status_code
        headers = response.headers
        exhausted = headers.get("x-ratelimit-remaining", "").strip() == "0"
        if status != 429 and not (status == 403 and exhausted):
            return None
        now = clock.now().replace(tzinfo=dt.UTC).timestamp()  # the one clock, as epoch
        after = _retry_after(headers.get("retry-after"), now)
        if after is not None:
            return after
        reset = headers.get("x-ratelimit-reset") or headers.get("ratelimit-reset")
        if reset:
            try:
                value = float(reset)
            except ValueError:
                value = -1.0
            if value >= 0:
                # GitHub gives an epoch second; GitLab's RateLimit-Reset too. A small
                # number is a count of seconds.
                return max(0.0, value - now) + 1.0 if value > 1e9 else value
        return 60.0

    def _client_error(
        self, response: httpx.Response, page: int | None, missing: str | None,
        explain_400: Explain | None,
    ) -> SourceError:  # fmt: skip
        status = response.status_code
        if status in (401, 403):
            return self._refused(status)
        if self.source.kind == BUGZILLA and status in (400, 401, 403):
            try:
                code = response.json().get("code")
            except (ValueError, AttributeError):
                code = None
            if code in _BUGZILLA_REFUSALS:
                return self._refused(status)
        if status == 404:
            what = missing or "the address asked for"
            return SourceMissing(self.safe(
                f"Source {self.source.name}: {what} was not found at {self.base} (HTTP 404): "
                "check the name, --url, and that the token may see it."
            ))  # fmt: skip
        if status == 400 and explain_400 is not None:
            advice = explain_400(response)
            if advice:
                return SourceError(self.safe(f"{self._where(page)}: {advice}"))
        said = _said(response, self.safe)
        return SourceError(self.safe(
            f"{self._where(page)}: the server refused the request (HTTP {status}"
            + (f": {said}" if said else "")
            + "); check the source's settings (ddq sources show "
            + f"{self.source.name})."
        ))  # fmt: skip

    def _pause(self, seconds: float, why: str) -> None:
        if self.on_wait is not None:
            self.on_wait(seconds, why)
        if seconds > 0:
            self.sleep(seconds)

    def json(self, response: httpx.Response, page: int) -> Any:
        """The page's JSON; MalformedPage (naming the page) when it is not JSON."""
        try:
            # orjson reads a page two to three times as fast as the standard library: a
            # sync of 100,000 issues parses some 130 MB of it.
            return orjson.loads(response.content)
        except (ValueError, UnicodeDecodeError) as exc:
            where = ""
            if isinstance(exc, json.JSONDecodeError):
                where = f" (line {exc.lineno}, column {exc.colno}: {exc.msg})"
            raise self.malformed(page, f"the body is not JSON{where}") from None


def _said(response: httpx.Response, clean: Callable[[str], str]) -> str:
    """What an error answer says about itself, shortened: its message, or its text.

    ``clean`` blanks the secrets before the text is cut, so no part of one is left."""
    try:
        body = response.json()
    except (ValueError, UnicodeDecodeError):
        text = response.text.strip().replace("\n", " ")
        return clean(text)[:200]
    if isinstance(body, dict):
        for name in ("message", "errorMessages", "error", "errors"):
            value = body.get(name)
            if value:
                text = "; ".join(map(str, value)) if isinstance(value, list) else str(value)
                return clean(text)[:200]
    return ""


class LoopGuard:
    """Stops a source whose pages lead back to one already read (a cursor seen twice)."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.seen: set[str] = set()

    def check(self, cursor: object, page: int) -> None:
        key = repr(cursor)
        if key in self.seen:
            raise self.client.malformed(
                page,
                f"the next-page cursor {str(cursor)[:80]!r} was already followed (a page loop)",
            )
        self.seen.add(key)
