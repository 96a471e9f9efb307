"""Posting to a channel once: the same thing posted again updates the message already there.

Every message ddq posts is known by what it is (``kind``: summary, digest, reminder,
request) and which one (``subject``: "meeting 12"), per channel. The first post records the
channel's ID and the message's timestamp in ``slack_posts``; a later post of the same thing
is a ``chat.update`` of that message, never a second one. Only a post Slack accepted is
recorded: a failed one raises, and nothing is recorded as posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import audit, clock
from ddq.access import EDITOR, Actor, requires
from ddq.db import claim, retry_on_conflict, rows, transaction
from ddq.slack.client import Slack, SlackError

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Posted:
    """A message ddq posted: where, its timestamp, and whether this post updated it."""

    kind: str
    subject: str
    channel: str
    channel_id: str
    ts: str
    updated: bool

    def words(self) -> str:
        return f"{'updated' if self.updated else 'posted'} in {self.channel}"


def previous(
    con: duckdb.DuckDBPyConnection, kind: str, subject: str, channel: str
) -> dict[str, Any] | None:
    """The message this would update, if it was posted before."""
    found = rows(con, "SELECT * FROM slack_posts WHERE kind = ? AND subject = ? AND channel = ?",
                 [kind, subject, channel])  # fmt: skip
    return found[0] if found else None


@requires(EDITOR, "post to Slack")
@retry_on_conflict
def post_once(
    con: duckdb.DuckDBPyConnection,
    slack: Slack,
    *,
    kind: str,
    subject: str,
    channel: str,
    text: str,
    blocks: list[dict[str, Any]] | None = None,
    thread_ts: str | None = None,
    who: Actor,
) -> Posted:
    """Post ``text`` (and ``blocks``) in ``channel``, or update the message posted before.

    ``text`` is what notifications and screen readers show, and what Slack shows when it
    cannot draw the blocks; ``thread_ts`` posts it as a reply in that message's thread. Raises :class:`SlackError` when Slack refuses; then nothing is
    recorded. A message deleted in Slack since is posted afresh.
    """
    name = "#" + channel.strip().lstrip("#")
    target = slack.channel(name)
    before = previous(con, kind, subject, name)
    updated = False
    ts = ""
    if before is not None and before["channel_id"] == target.id:
        try:
            ts = slack.update(target, before["ts"], text, blocks)
            updated = True
        except SlackError as exc:
            if exc.code != "message_not_found":
                raise
    if not updated:
        ts = slack.post(target, text, blocks, thread_ts)
    now = clock.now()
    with transaction(con):
        claim(con, "slack post", kind, subject, name)
        con.execute(
            """
            INSERT INTO slack_posts (kind, subject, channel, channel_id, ts, posted_at,
                                     updated_at, posted_by)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (kind, subject, channel) DO UPDATE SET channel_id = excluded.channel_id,
                ts = excluded.ts, updated_at = excluded.updated_at
            """,
            [kind, subject, name, target.id, ts, now, now, str.__str__(who)],
        )
        audit.record(con, who, f"slack.{kind}", subject,
                     after={"channel": name, "ts": ts, "updated": updated})  # fmt: skip
    return Posted(kind, subject, name, target.id, ts, updated)
