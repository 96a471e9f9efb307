"""Talking to Slack: the Web API through Slack's own SDK, with errors a person can act on.

One :class:`Slack` per piece of work. Its bot token is read from the variable the
configuration names (the environment, or the app's secrets passed in as ``env``) when it
is made, and is never stored, logged or written into a message. ``ratelimited`` answers
(HTTP 429 with ``Retry-After``) are waited out, telling ``on_wait`` how long; Slack's error
codes become :class:`SlackError` messages that say what to do.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from ddq.errors import DdqError

SLACK_API = "https://slack.com/api"
TIMEOUT_S = 30
MAX_WAIT_S = 300.0  # the longest rate-limit wait sat through; beyond it, the call fails
_RATE_LIMIT_RETRIES = 5
Waiting = Callable[[float, str], None]


class SlackError(DdqError):
    """Slack refused or failed: what went wrong, and what to do. Never holds the token."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class SlackConfig:
    """How to reach Slack: the variable holding the bot token, and the API's address."""

    token_env: str
    api_url: str = SLACK_API
    remind_days_before: int = 1
    question_hours: int = 24


@dataclass(frozen=True)
class Channel:
    """A channel as Slack knows it: its ID, name, and whether the bot is in it."""

    id: str
    name: str
    is_member: bool
    is_private: bool = False


def read_token(config: SlackConfig, env: Mapping[str, str] | None = None) -> str:
    """The bot token from its variable; SlackError naming the variable when it is unset."""
    value = (os.environ if env is None else env).get(config.token_env, "").strip()
    if not value:
        raise SlackError(
            f"The Slack bot token variable {config.token_env} is empty or not set: set it to "
            "the bot's token (xoxb-...) where ddq runs (the environment, or the app's secrets)."
        )
    return value


class _WaitOutRateLimits(RetryHandler):
    """Retries a 429 after its ``Retry-After``, telling the client how long it waits."""

    def __init__(self, slack: Slack) -> None:
        super().__init__(max_retry_count=_RATE_LIMIT_RETRIES)
        self.slack = slack

    def _can_retry(
        self, *, state: RetryState, request: HttpRequest,
        response: HttpResponse | None = None, error: Exception | None = None,
    ) -> bool:  # fmt: skip
        return response is not None and response.status_code == 429

    def prepare_for_next_attempt(
        self, *, state: RetryState, request: HttpRequest,
        response: HttpResponse | None = None, error: Exception | None = None,
    ) -> None:  # fmt: skip
        wait = 1.0
        if response is not None:
            for name, values in response.headers.items():
                if name.lower() == "retry-after" and values:
                    with contextlib.suppress(ValueError):
                        wait = max(0.0, float(values[0]))
        if wait > self.slack.max_wait:
            state.next_attempt_requested = False
            return
        state.next_attempt_requested = True
        self.slack.waited(wait)
        state.increment_current_attempt()


# Slack's error codes, in words that say what to do. {channel} and {var} are filled in.
_ADVICE = {
    "invalid_auth": "Slack refused the bot token in {var} (invalid_auth): check that {var} "
    "holds the bot's token (xoxb-...) of the installed app.",
    "not_authed": "Slack got no token (not_authed): set {var} to the bot's token.",
    "account_inactive": "The bot's token in {var} belongs to a deactivated app or user "
    "(account_inactive): reinstall the app and put its new token in {var}.",
    "token_revoked": "The bot's token in {var} was revoked (token_revoked): reinstall the app "
    "and put its new token in {var}.",
    "channel_not_found": "Slack has no channel {channel} that the bot can see "
    "(channel_not_found): check the channel's name in Settings, or invite the bot to the "
    "private channel.",
    "not_in_channel": "The bot is not a member of {channel} (not_in_channel): in Slack, "
    "type /invite @ddq in {channel}.",
    "is_archived": "{channel} is archived (is_archived): unarchive it, or name another channel.",
    "ratelimited": "Slack kept asking ddq to slow down (ratelimited): try again in a few minutes.",
    "users_not_found": "Slack has no user with that e-mail address (users_not_found).",
    "message_not_found": "The message to update is gone from {channel} (message_not_found).",
    "cant_update_message": "Slack will not let the bot update that message (cant_update_message).",
}


class Slack:
    """Calls to the Slack Web API for one piece of work."""

    def __init__(
        self,
        config: SlackConfig,
        *,
        env: Mapping[str, str] | None = None,
        on_wait: Waiting | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_wait: float = MAX_WAIT_S,
        timeout: int = TIMEOUT_S,
    ) -> None:
        self.config = config
        self._token = read_token(config, env)
        self.on_wait = on_wait
        self.sleep = sleep
        self.max_wait = max_wait
        self._channels: dict[str, Channel] | None = None
        self._web = WebClient(
            token=self._token,
            base_url=config.api_url.rstrip("/") + "/",
            timeout=timeout,
            retry_handlers=[
                _WaitOutRateLimits(self),
                ConnectionErrorRetryHandler(max_retry_count=2),
            ],
        )

    def waited(self, seconds: float) -> None:
        if self.on_wait is not None:
            self.on_wait(seconds, "Slack's rate limit")
        if seconds > 0:
            self.sleep(seconds)

    def safe(self, text: str) -> str:
        """``text`` with the token blanked out."""
        return text.replace(self._token, "***") if self._token else text

    def _failure(self, exc: Exception, method: str, channel: str | None) -> SlackError:
        if isinstance(exc, SlackApiError):
            code = str(exc.response.get("error") or "unknown_error")
            if code == "missing_scope":
                needed = exc.response.get("needed") or "a scope"
                return SlackError(
                    f"The bot lacks the permission {needed} for {method} (missing_scope): add "
                    "it under OAuth & Permissions in the Slack app's settings, reinstall the "
                    "app, and put the new token in " + self.config.token_env + ".",
                    code,
                )
            advice = _ADVICE.get(code)
            if advice:
                words = advice.format(var=self.config.token_env, channel=channel or "the channel")
                return SlackError(self.safe(words), code)
            return SlackError(self.safe(f"Slack answered {code} to {method}."), code)
        return SlackError(
            self.safe(
                f"Could not reach Slack at {self.config.api_url} ({type(exc).__name__}: {exc}): "
                "check the network, or the API address given with --api-url."
            ),
            "unreachable",
        )

    def call(self, method: str, *, about: str | None = None, **params: Any) -> dict[str, Any]:
        """One Web API call: its answer as a dict, or SlackError in words.

        ``about`` names the channel for the error words (``#quality``); write methods
        (``chat.*``) send JSON, the others form fields.
        """
        try:
            if method.startswith("chat."):
                response = self._web.api_call(method, json=params)
            else:
                response = self._web.api_call(method, params=params)
        except (SlackApiError, SlackClientError, OSError) as exc:
            raise self._failure(exc, method, about) from None
        data = response.data
        if not isinstance(data, dict):
            raise SlackError(
                f"Slack's answer to {method} is not JSON: check --api-url.", "bad_answer"
            )
        return data

    def _pages(
        self, method: str, field: str, *, about: str | None = None, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """Every item of a paginated list (cursor by cursor)."""
        cursor = ""
        seen: set[str] = set()
        while True:
            more = {"cursor": cursor} if cursor else {}
            page = self.call(method, about=about, **params, **more)
            yield from page.get(field) or []
            cursor = str((page.get("response_metadata") or {}).get("next_cursor") or "")
            if not cursor or cursor in seen:
                return
            seen.add(cursor)

    # --- what ddq asks of Slack ------------------------------------------------------------

    def identity(self) -> dict[str, Any]:
        """auth.test: the workspace and the bot's user."""
        return self.call("auth.test")

    def channels(self) -> dict[str, Channel]:
        """Every channel the bot can see, by name (without #)."""
        if self._channels is None:
            found = {}
            for c in self._pages("conversations.list", "channels", limit=1000,
                                 exclude_archived=True, types="public_channel,private_channel"):  # fmt: skip
                found[str(c["name"])] = Channel(str(c["id"]), str(c["name"]),
                                                bool(c.get("is_member")), bool(c.get("is_private")))  # fmt: skip
            self._channels = found
        return self._channels

    def channel(self, name: str) -> Channel:
        """A channel by its name (``#quality`` or ``quality``); SlackError when not found."""
        bare = name.strip().lstrip("#")
        found = self.channels().get(bare)
        if found is None:
            raise SlackError(_ADVICE["channel_not_found"].format(channel=f"#{bare}", var=""),
                             "channel_not_found")  # fmt: skip
        return found

    def post(self, channel: Channel, text: str, blocks: list[dict[str, Any]] | None = None,
             thread_ts: str | None = None) -> str:  # fmt: skip
        """Post a message (a reply in the thread of ``thread_ts``); its timestamp (its ID
        within the channel)."""
        answer = self.call("chat.postMessage", about=f"#{channel.name}", channel=channel.id,
                           text=text, **({"blocks": blocks} if blocks else {}),
                           **({"thread_ts": thread_ts} if thread_ts else {}), unfurl_links=False)  # fmt: skip
        return str(answer["ts"])

    def update(self, channel: Channel, ts: str, text: str,
               blocks: list[dict[str, Any]] | None = None) -> str:  # fmt: skip
        """Replace a message ddq posted before; its timestamp."""
        answer = self.call("chat.update", about=f"#{channel.name}", channel=channel.id, ts=ts,
                           text=text, **({"blocks": blocks} if blocks else {}))  # fmt: skip
        return str(answer.get("ts") or ts)

    def user_by_email(self, email: str) -> str | None:
        """The Slack user ID of an e-mail address, None when Slack has no such user."""
        try:
            answer = self.call("users.lookupByEmail", email=email)
        except SlackError as exc:
            if exc.code == "users_not_found":
                return None
            raise
        return str(answer["user"]["id"])

    def history(self, channel: Channel, oldest: float) -> list[dict[str, Any]]:
        """The channel's messages since ``oldest`` (a Unix time), newest first."""
        return list(self._pages("conversations.history", "messages", about=f"#{channel.name}",
                                channel=channel.id, oldest=f"{oldest:.6f}", limit=200))  # fmt: skip

    def replies(self, channel: Channel, ts: str) -> list[dict[str, Any]]:
        """A thread: its first message, then the replies."""
        return list(self._pages("conversations.replies", "messages", about=f"#{channel.name}",
                                channel=channel.id, ts=ts, limit=200))  # fmt: skip
