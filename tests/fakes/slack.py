"""A Slack workspace on loopback that speaks the parts of the Web API ddq uses.

Answers as Slack documents them: HTTP 200 with ``{"ok": true, ...}`` or ``{"ok": false,
"error": "..."}``; ``ratelimited`` as HTTP 429 with ``Retry-After``; cursors in
``response_metadata.next_cursor``. The bot token is checked on every call (``Authorization:
Bearer``), and methods take their arguments as form fields, a query string or JSON, as the
SDK sends them.

Methods: auth.test, conversations.list, conversations.history, conversations.replies,
chat.postMessage, chat.update, users.lookupByEmail.
"""

from __future__ import annotations

import itertools
import json
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from tests.fakes.server import FakeApi, Reply, Request

BOT_TOKEN = "xoxb-fake-0123456789-abcdefghij"
BOT_USER = "U0BOT00001"


@dataclass
class FakeChannel:
    id: str
    name: str
    is_member: bool = True
    is_private: bool = False
    is_archived: bool = False
    messages: list[dict[str, Any]] = field(default_factory=list)  # oldest first


class FakeSlack(FakeApi):
    """A workspace: channels with their messages, users by e-mail, and the bot."""

    def __init__(self, token: str = BOT_TOKEN, *, page_size: int = 100) -> None:
        super().__init__()
        self.token = token
        self.page_size = page_size
        self.channels: dict[str, FakeChannel] = {}
        self.users: dict[str, str] = {}  # e-mail -> user ID
        self.calls: list[tuple[str, dict[str, Any]]] = []  # (method, arguments), in order
        self._ts = itertools.count(1_700_000_000)
        self._lock = threading.Lock()

    # --- setting the workspace up ---------------------------------------------------------

    def add_channel(self, name: str, *, member: bool = True, private: bool = False) -> FakeChannel:
        channel = FakeChannel(f"C{len(self.channels) + 1:08d}", name.lstrip("#"), member, private)
        self.channels[channel.id] = channel
        return channel

    def add_user(self, email: str) -> str:
        user = f"U{len(self.users) + 1:08d}"
        self.users[email.lower()] = user
        return user

    def channel(self, name: str) -> FakeChannel:
        return next(c for c in self.channels.values() if c.name == name.lstrip("#"))

    def next_ts(self) -> str:
        with self._lock:
            return f"{next(self._ts)}.000100"

    def say(self, channel: str, text: str, *, user: str = "U0PERSON01", ts: str | None = None,
            thread_ts: str | None = None, name: str | None = None, subtype: str | None = None,
            bot: bool = False) -> dict[str, Any]:  # fmt: skip
        """A person's message (a reply when ``thread_ts`` is given); ``name`` adds the
        ``user_profile`` Slack sends with it, ``subtype`` makes it a system message (like
        ``channel_join``), ``bot`` an app's message."""
        target = self.channel(channel)
        message: dict[str, Any] = {"type": "message", "user": user, "text": text,
                                   "ts": ts or self.next_ts()}  # fmt: skip
        if name:
            message["user_profile"] = {"display_name": name, "real_name": name, "name": name}
        if subtype:
            message["subtype"] = subtype
        if bot:
            message["bot_id"] = "B0OTHER001"
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = next(m for m in target.messages if m["ts"] == thread_ts)
            parent["thread_ts"] = thread_ts
            parent["reply_count"] = parent.get("reply_count", 0) + 1
            parent["latest_reply"] = message["ts"]
        target.messages.append(message)
        return message

    # --- answering ----------------------------------------------------------------------

    @staticmethod
    def _arguments(request: Request) -> dict[str, Any]:
        found: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
        if request.body:
            kind = request.headers.get("content-type", "")
            if "json" in kind:
                found.update(json.loads(request.body))
            else:
                found.update({k: v[0] for k, v in parse_qs(request.body.decode()).items()})
        return found

    @staticmethod
    def _ok(**body: Any) -> Reply:
        return Reply(200, {"ok": True, **body})

    @staticmethod
    def _error(code: str, **extra: Any) -> Reply:
        return Reply(200, {"ok": False, "error": code, **extra})

    def answer(self, request: Request) -> Reply:
        method = request.path.rsplit("/", 1)[-1]
        arguments = self._arguments(request)
        auth = request.headers.get("authorization", "")
        token = auth.removeprefix("Bearer ").strip() or arguments.get("token", "")
        self.calls.append((method, arguments))
        if not token:
            return self._error("not_authed")
        if token != self.token:
            return self._error("invalid_auth")
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return Reply(404, b"")  # Slack answers an unknown method so
        return handler(arguments)

    def _auth_test(self, arguments: dict[str, Any]) -> Reply:
        return self._ok(url="https://quality.slack.com/", team="Quality", user="ddq",
                        team_id="T00000001", user_id=BOT_USER, bot_id="B00000001")  # fmt: skip

    def _page(self, items: list[Any], arguments: dict[str, Any]) -> tuple[list[Any], str]:
        start = int(arguments.get("cursor") or 0)
        size = min(int(arguments.get("limit") or self.page_size), self.page_size)
        end = start + size
        return items[start:end], (str(end) if end < len(items) else "")

    def _conversations_list(self, arguments: dict[str, Any]) -> Reply:
        shown = [c for c in self.channels.values() if c.is_member or not c.is_private]
        if str(arguments.get("exclude_archived")).lower() in ("true", "1"):
            shown = [c for c in shown if not c.is_archived]
        page, cursor = self._page(shown, arguments)
        return self._ok(
            channels=[{"id": c.id, "name": c.name, "is_channel": True, "is_private": c.is_private,
                       "is_archived": c.is_archived, "is_member": c.is_member} for c in page],
            response_metadata={"next_cursor": cursor},
        )  # fmt: skip

    def _target(self, arguments: dict[str, Any]) -> FakeChannel | Reply:
        channel = self.channels.get(str(arguments.get("channel", "")))
        if channel is None or (channel.is_private and not channel.is_member):
            return self._error("channel_not_found")
        return channel

    def _conversations_history(self, arguments: dict[str, Any]) -> Reply:
        channel = self._target(arguments)
        if isinstance(channel, Reply):
            return channel
        if not channel.is_member:
            return self._error("not_in_channel")
        oldest = float(arguments.get("oldest") or 0)
        top = [m for m in reversed(channel.messages)
               if float(m["ts"]) > oldest and m.get("thread_ts", m["ts"]) == m["ts"]]  # fmt: skip
        page, cursor = self._page(top, arguments)
        return self._ok(messages=page, has_more=bool(cursor),
                        response_metadata={"next_cursor": cursor})  # fmt: skip

    def _conversations_replies(self, arguments: dict[str, Any]) -> Reply:
        channel = self._target(arguments)
        if isinstance(channel, Reply):
            return channel
        ts = str(arguments.get("ts"))
        thread = [m for m in channel.messages if m["ts"] == ts or m.get("thread_ts") == ts]
        if not thread:
            return self._error("thread_not_found")
        page, cursor = self._page(thread, arguments)
        return self._ok(messages=page, has_more=bool(cursor),
                        response_metadata={"next_cursor": cursor})  # fmt: skip

    def _chat_postMessage(self, arguments: dict[str, Any]) -> Reply:
        channel = self._target(arguments)
        if isinstance(channel, Reply):
            return channel
        if channel.is_archived:
            return self._error("is_archived")
        if not channel.is_member:
            return self._error("not_in_channel")
        if not arguments.get("text") and not arguments.get("blocks"):
            return self._error("no_text")
        message = {"type": "message", "user": BOT_USER, "bot_id": "B00000001",
                   "text": arguments.get("text", ""), "blocks": arguments.get("blocks") or [],
                   "ts": self.next_ts()}  # fmt: skip
        thread_ts = arguments.get("thread_ts")
        if thread_ts:
            message["thread_ts"] = thread_ts
            parent = next((m for m in channel.messages if m["ts"] == thread_ts), None)
            if parent is not None:
                parent["thread_ts"] = thread_ts
                parent["reply_count"] = parent.get("reply_count", 0) + 1
                parent["latest_reply"] = message["ts"]
        channel.messages.append(message)
        return self._ok(channel=channel.id, ts=message["ts"], message=message)

    def _chat_update(self, arguments: dict[str, Any]) -> Reply:
        channel = self._target(arguments)
        if isinstance(channel, Reply):
            return channel
        found = next((m for m in channel.messages if m["ts"] == arguments.get("ts")), None)
        if found is None:
            return self._error("message_not_found")
        if found.get("user") != BOT_USER:
            return self._error("cant_update_message")
        found["text"] = arguments.get("text", "")
        found["blocks"] = arguments.get("blocks") or []
        found["edited"] = {"user": BOT_USER, "ts": self.next_ts()}
        return self._ok(channel=channel.id, ts=found["ts"], text=found["text"])

    def _users_lookupByEmail(self, arguments: dict[str, Any]) -> Reply:
        user = self.users.get(str(arguments.get("email", "")).lower())
        if user is None:
            return self._error("users_not_found")
        return self._ok(user={"id": user, "name": user.lower(), "deleted": False})

    # --- misbehaving -------------------------------------------------------------------

    def rate_limit_next(self, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next ``times`` calls with HTTP 429 ``ratelimited``."""
        self.fail_next(*[Reply(429, {"ok": False, "error": "ratelimited"},
                               {"Retry-After": str(retry_after)}) for _ in range(times)])  # fmt: skip

    def posted(self, name: str) -> list[dict[str, Any]]:
        """The bot's messages in a channel, oldest first."""
        return [m for m in self.channel(name).messages if m.get("user") == BOT_USER]
