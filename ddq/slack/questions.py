"""Questions nobody answered in the champions channels, so that someone goes and answers them.

Read from Slack each time (``conversations.history``, then ``conversations.replies`` for the
threads that may hold an answer); nothing is stored. A question here is:

- a message at the top of a channel (not a reply in a thread) from a person: not a bot, and
  no system message (joins, leaves, topic changes: every message with a ``subtype``);
- that asks something: it holds a ``?`` outside code and links, or its first word is one
  of :data:`QUESTION_WORDS` ("how do we...", "anyone tried...");
- asked more than ``hours`` ago (SlackConfig.question_hours, 24 by default), and within
  :data:`LOOKBACK_DAYS` days before that: older ones have gone cold;
- with no reply in its thread from another person (the author's own follow-ups and bots'
  replies do not count as answers).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import clock
from ddq.db import rows
from ddq.slack import store
from ddq.slack.client import Slack, SlackError

if TYPE_CHECKING:
    import duckdb

# A question still unanswered this many days after it was due is listed no longer.
LOOKBACK_DAYS = 14
QUESTION_WORDS = frozenset({
    "who", "what", "when", "where", "why", "how", "which", "can", "could", "would", "should",
    "does", "do", "did", "is", "are", "anyone", "anybody", "has", "have", "will",
})  # fmt: skip
# Code blocks, inline code, and Slack's <link|label>, <@user> and <#channel> markup.
_NOT_ASKING = re.compile(r"```.*?```|`[^`\n]*`|<[^>\n]*>", re.DOTALL)
_FIRST_WORD = re.compile(r"[A-Za-z']+")
# Channel errors that concern one channel: the others are still read.
_CHANNEL_ERRORS = {"channel_not_found", "not_in_channel", "is_archived"}
Problem = Callable[[str], None]


@dataclass(frozen=True)
class Question:
    """A question waiting for an answer: where, a link to it, who asked, and when (UTC)."""

    channel: str
    link: str
    user_id: str
    author: str
    asked_at: dt.datetime

    def age(self, now: dt.datetime | None = None) -> str:
        """How long it has waited: '30 h', '3 days'."""
        hours = int(((now or clock.now()) - self.asked_at).total_seconds() // 3600)
        return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def asks_something(text: str) -> bool:
    """True when ``text`` asks something (see the module's rule)."""
    bare = _NOT_ASKING.sub(" ", text or "")
    if "?" in bare:
        return True
    first = _FIRST_WORD.search(bare)
    return first is not None and first.group(0).lower() in QUESTION_WORDS


def permalink(workspace_url: str, channel_id: str, ts: str) -> str:
    """A message's address, as Slack builds it: .../archives/<channel>/p<ts without the dot>."""
    return f"{workspace_url.rstrip('/')}/archives/{channel_id}/p{ts.replace('.', '')}"


def champions_channels(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every champions channel: the program's, then each area's (its own, else the
    program's), each once."""
    areas = [r["name"] for r in rows(con, "SELECT name FROM areas ORDER BY lower(name)")]
    found = [store.area_channel(con, area, store.CHAMPIONS) for area in [None, *areas]]
    return list(dict.fromkeys("#" + c.strip().lstrip("#") for c in found if c and c.strip()))


def _by_a_person(message: dict[str, Any]) -> bool:
    return bool(message.get("user")) and not message.get("bot_id") and not message.get("subtype")


def _author(message: dict[str, Any]) -> str:
    profile = message.get("user_profile") or {}
    name = profile.get("display_name") or profile.get("real_name") or profile.get("name")
    return str(name or message["user"])


def _answered(slack: Slack, channel: Any, message: dict[str, Any]) -> bool:
    if not int(message.get("reply_count") or 0):
        return False
    thread = slack.replies(channel, str(message["ts"]))
    return any(_by_a_person(reply) and reply.get("user") != message["user"]
               for reply in thread if reply.get("ts") != message["ts"])  # fmt: skip


def unanswered_in(
    slack: Slack,
    channels: Iterable[str],
    hours: int,
    now: dt.datetime | None = None,
    *,
    on_problem: Problem | None = None,
) -> list[Question]:
    """The unanswered questions in ``channels``, the longest-waiting first.

    A channel that cannot be read (not found, the bot not in it) is told to ``on_problem``
    and skipped; without ``on_problem`` it raises. Any other SlackError (the token refused,
    Slack unreachable) raises.
    """
    moment = now or clock.now()
    due = moment - dt.timedelta(hours=hours)
    oldest = due - dt.timedelta(days=LOOKBACK_DAYS)
    workspace = str(slack.identity().get("url") or "https://slack.com/")
    found: list[Question] = []
    for name in channels:
        try:
            channel = slack.channel(name)
            messages = slack.history(channel, oldest.replace(tzinfo=dt.UTC).timestamp())
            for message in messages:
                asked = dt.datetime.fromtimestamp(float(message["ts"]), dt.UTC).replace(tzinfo=None)
                if (asked > due or not _by_a_person(message)
                        or message.get("thread_ts", message["ts"]) != message["ts"]
                        or not asks_something(str(message.get("text") or ""))
                        or _answered(slack, channel, message)):  # fmt: skip
                    continue
                found.append(Question(f"#{channel.name}", permalink(workspace, channel.id,
                                      str(message["ts"])), str(message["user"]),
                                      _author(message), asked))  # fmt: skip
        except SlackError as exc:
            if on_problem is None or exc.code not in _CHANNEL_ERRORS:
                raise
            on_problem(str(exc))
    return sorted(found, key=lambda q: q.asked_at)


def unanswered(
    con: duckdb.DuckDBPyConnection,
    slack: Slack,
    hours: int | None = None,
    now: dt.datetime | None = None,
    *,
    on_problem: Problem | None = None,
) -> list[Question]:
    """The questions in every champions channel with no answer after ``hours`` (default:
    the connection's question_hours). See :func:`unanswered_in` for ``on_problem``."""
    wait = hours if hours is not None else slack.config.question_hours
    return unanswered_in(slack, champions_channels(con), wait, now, on_problem=on_problem)
