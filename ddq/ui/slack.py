"""Slack in the app: where the bot token is read, whether Slack is connected, and the meeting
page's "Post to Slack".

The token's variable (named when Slack was connected) is read from the server's environment,
else from the app's secrets: a top-level key of that name, or the same key under a
``[slack]`` table. Every Slack action of the app passes :func:`slack_env` as ``env=``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from typing import Any

import streamlit as st

from ddq import clock, db
from ddq.access import EDITOR
from ddq.errors import DdqError
from ddq.slack import store
from ddq.slack.client import Slack, SlackConfig
from ddq.slack.summary import post_summary
from ddq.ui import auth
from ddq.ui.database import cached, connection, key
from ddq.ui.format import plain

# A page waits out a short rate limit only: past it, the button says to try again later.
PAGE_MAX_WAIT_S = 30.0
SAID = "slack_summary_said"  # what the last "Post to Slack" of this session said, by meeting


def _secrets() -> Mapping[str, Any]:
    """The app's secrets, or nothing when there is no secrets file."""
    try:
        if st.secrets.load_if_toml_exists():
            return st.secrets
    except Exception:  # an unreadable secrets file is as good as none; Streamlit logs it
        pass
    return {}


class _AppEnv(Mapping[str, str]):
    """The environment, then the app's secrets (top level, then ``[slack]``), read at each
    lookup, so that a token changed in either is used at once and is never kept here."""

    def __getitem__(self, name: str) -> str:
        value = os.environ.get(name, "")
        if value.strip():
            return value
        secrets = _secrets()
        table = secrets.get("slack", {})
        for source in (secrets, table if isinstance(table, Mapping) else {}):
            found = source.get(name)
            if isinstance(found, str) and found.strip():
                return found
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(os.environ)

    def __len__(self) -> int:
        return len(os.environ)


def slack_env() -> Mapping[str, str]:
    """Where the app reads Slack's bot token: the environment, else the app's secrets."""
    return _AppEnv()


@cached
def _config(path: str, stamp: tuple[int, int]) -> SlackConfig | None:
    with db.connect(path) as con:
        return store.config(con)


def config() -> SlackConfig | None:
    """How Slack is reached, or None when it is not connected (a cached read)."""
    return _config(*key())


def client(config: SlackConfig, **options: Any) -> Slack:
    """A Slack client for one job, its token read through :func:`slack_env`; SlackError
    when the token's variable is set nowhere."""
    return Slack(config, env=slack_env(), **options)


# --- the meeting page's "Post to Slack" -------------------------------------------------------


def _post(meeting_id: int) -> None:
    """The button's callback: post (or update) the summary, and keep what happened in words."""
    said: dict[int, str] = st.session_state.setdefault(SAID, {})
    try:
        with connection() as con:
            slack = client(store.required(con), max_wait=PAGE_MAX_WAIT_S)
            done = post_summary(con, slack, meeting_id, who=auth.current())
    except DdqError as exc:
        said[meeting_id] = f":red[Not posted: {plain(str(exc))}]"
        return
    words = done.words()
    words = words[:1].upper() + words[1:] + f" at {clock.now():%H:%M} UTC."
    if done.note():
        words += " " + done.note()
    said[meeting_id] = plain(words)


def post_summary_button(meeting_id: int) -> None:
    """ "Post to Slack" for editors once Slack is connected, and a line that says, quietly,
    where it was posted or why not (kept in place, blank until then: nothing moves)."""
    if config() is None or not auth.current().may(EDITOR):
        return
    st.button("Post to Slack", icon=":material/send:", key=f"post_summary_{meeting_id}",
              on_click=_post, args=(meeting_id,),
              help="Post this meeting's summary in its Slack channel; again: update that "
                   "message.")  # fmt: skip
    said = st.session_state.get(SAID, {}).get(meeting_id, "")
    st.caption(said or "\u00a0")
