"""Coaching and workshop requests carried to the program team's channel, and kept up to date.

The request is recorded first (:mod:`ddq.help_requests`), then posted with
:func:`~ddq.slack.posting.post_once` (kind ``request``, subject ``request <id>``) when Slack is
connected. A post that fails leaves the request recorded and says why; ``ddq requests post
ID`` carries it later. A status change edits the message posted before, in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import help_requests, settings
from ddq.access import ADMIN, EDITOR, Actor, requires
from ddq.db import rows
from ddq.errors import DdqError
from ddq.help_requests import HelpRequest, list_requests
from ddq.slack import store
from ddq.slack.client import Slack
from ddq.slack.posting import Posted, post_once

if TYPE_CHECKING:
    import duckdb

__all__ = ["HelpRequest", "Outcome", "list_requests", "post_request", "request_help",
           "set_status"]  # fmt: skip

KIND = "request"
STATUS_WORDS = {"new": "New", "scheduled": "Scheduled", "done": "Done"}


def subject(request_id: int) -> str:
    return f"request {request_id}"


@dataclass(frozen=True)
class Outcome:
    """What became of a request, or of its status change, here and in Slack.

    ``posted`` is the message posted or updated; ``problem`` why Slack did not take it
    (the request and its status are recorded all the same); both None when there was
    nothing to carry (Slack not connected, or the request was never posted).
    """

    request: HelpRequest
    changed: bool
    posted: Posted | None
    problem: str | None

    def words(self, done: str) -> str:
        """``done`` (what happened here), then what happened in Slack."""
        said = f"{done}."
        if self.posted is not None:
            said += f" Slack: {self.posted.words()}."
        elif self.problem is not None:
            said += f" It is recorded but not in Slack: {self.problem}"
        return said


def _escape(text: str) -> str:
    """User text for Slack's mrkdwn: the three characters Slack asks to escape."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def message(request: HelpRequest, app_url: str = "") -> tuple[str, list[dict[str, Any]]]:
    """The message for a request: its text (notifications, screen readers) and its blocks."""
    status = STATUS_WORDS[request.status]
    text = (f"{request.what} (request {request.id}, {status.lower()}): {request.topic}. "
            f"Requested by {request.requested_by}.")  # fmt: skip
    fields = [
        ("Topic", request.topic),
        ("What they hope for", request.hopes or "(not said)"),
        ("Dates", request.dates or "(not said)"),
        ("Requested by", f"{request.requested_by}, {request.requested_at:%d %b %Y}"),
        ("Status", f"{status} (by {request.updated_by})" if request.status != "new" else status),
    ]
    where = (f"<{app_url.rstrip('/')}/settings|Settings in ddq>" if app_url
             else "the Settings page in ddq")  # fmt: skip
    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn",
         "text": f"*{_escape(request.what)}* · request {request.id}"}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{name}*\n{_escape(value)}"}
                                       for name, value in fields]},
        {"type": "context", "elements": [{"type": "mrkdwn", "text":
         f"Move it to scheduled or done on {where}, or with "
         f"`ddq requests set-status {request.id} scheduled`."}]},
    ]  # fmt: skip
    return text, blocks


def _client(con: duckdb.DuckDBPyConnection, slack: Slack | None,
            env: Mapping[str, str] | None) -> Slack | None:  # fmt: skip
    """The Slack to post with: the one given, else one from the stored connection, else None."""
    if slack is not None:
        return slack
    config = store.config(con)
    return None if config is None else Slack(config, env=env)


def _program_channel(con: duckdb.DuckDBPyConnection) -> str:
    channel = settings.current(con).get(store.PROGRAM, "")
    if not channel:
        raise DdqError(
            "the program team's channel is not set: an admin sets program_channel on the "
            "Settings page (or `ddq settings set program_channel '#quality-program'`)."
        )
    return channel


def _posted_in(con: duckdb.DuckDBPyConnection, request_id: int) -> str | None:
    """The channel a request's message was posted in, None when it never was."""
    found = rows(con, "SELECT channel FROM slack_posts WHERE kind = ? AND subject = ? "
                      "ORDER BY updated_at DESC LIMIT 1", [KIND, subject(request_id)])  # fmt: skip
    return str(found[0]["channel"]) if found else None


@requires(EDITOR, "post a request to Slack")
def post_request(
    con: duckdb.DuckDBPyConnection,
    request_id: int,
    *,
    who: Actor,
    slack: Slack | None = None,
    env: Mapping[str, str] | None = None,
) -> Posted:
    """Post a request to the program channel (or update its message); raises when Slack
    is not connected (NotConnected), refuses (SlackError), or no channel is set."""
    request = help_requests.get(con, request_id)
    client = _client(con, slack, env)
    if client is None:
        store.required(con)  # raises NotConnected, with how to connect
    assert client is not None
    channel = _posted_in(con, request_id) or _program_channel(con)
    text, blocks = message(request, settings.current(con).get("app_url", ""))
    return post_once(con, client, kind=KIND, subject=subject(request_id), channel=channel,
                     text=text, blocks=blocks, who=who)  # fmt: skip


def _carry(con: duckdb.DuckDBPyConnection, request: HelpRequest, who: Actor,
           slack: Slack | None, env: Mapping[str, str] | None) -> tuple[Posted | None, str | None]:  # fmt: skip
    """Post (or update) the request's message; (what Slack took, or why it did not)."""
    try:
        client = _client(con, slack, env)
        if client is None:
            return None, None
        return post_request(con, request.id, who=who, slack=client), None
    except DdqError as exc:  # SlackError, an unset channel: the request stays recorded
        why = str(exc)
        return (
            None,
            f"{why[:1].upper()}{why[1:]} Then post it with `ddq requests post {request.id}`.",
        )


@requires(EDITOR, "request coaching or a workshop")
def request_help(
    con: duckdb.DuckDBPyConnection,
    kind: str,
    team: str,
    topic: str,
    hopes: str = "",
    dates: str = "",
    *,
    who: Actor,
    slack: Slack | None = None,
    env: Mapping[str, str] | None = None,
) -> Outcome:
    """Record a request (an editor's), then post it to the program team's channel when Slack
    is connected. A failed post leaves the request recorded, and the outcome says why."""
    request = help_requests.record(con, kind, team, topic, hopes, dates, who=who)
    posted, problem = _carry(con, request, who, slack, env)
    return Outcome(request, True, posted, problem)


@requires(ADMIN, "change a request's status")
def set_status(
    con: duckdb.DuckDBPyConnection,
    request_id: int,
    status: str,
    *,
    who: Actor,
    expected: str | None = None,
    slack: Slack | None = None,
    env: Mapping[str, str] | None = None,
) -> Outcome:
    """Move a request to ``status`` (the program team's, an admin's), then update its Slack
    message when it was posted. The status is saved even when Slack refuses the update."""
    request, changed = help_requests.change_status(con, request_id, status, expected=expected,
                                                   who=who)  # fmt: skip
    if not changed or _posted_in(con, request_id) is None:
        return Outcome(request, changed, None, None)
    posted, problem = _carry(con, request, who, slack, env)
    return Outcome(request, changed, posted, problem)
