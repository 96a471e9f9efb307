"""The meeting's side panel: questions in the champions channels still waiting for an answer.

Read from Slack at most every few minutes per server (a room of laptops costs one read), with
short timeouts: a slow or failing Slack costs the meeting page a line of text, never a wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import streamlit as st

from ddq import clock, db
from ddq.errors import DdqError
from ddq.slack import questions
from ddq.slack.client import SlackConfig
from ddq.ui import database, slack
from ddq.ui.format import plain

READ_EVERY_S = 300  # questions wait for hours: a read every five minutes is fresh enough
TIMEOUT_S = 5  # per call to Slack; the meeting page must not wait on it
MAX_WAIT_S = 2.0  # a longer rate-limit wait fails the read instead of holding the page
SHOWN = 8  # the panel is narrow: the longest-waiting first, then how many more


@dataclass(frozen=True)
class _Read:
    found: list[questions.Question] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    failed: str | None = None


@database.cached
def _channels(path: str, stamp: tuple[int, int]) -> list[str]:
    with db.connect(path) as con:
        return questions.champions_channels(con)


@st.cache_data(ttl=READ_EVERY_S, max_entries=16, show_spinner=False)
def _read(config: SlackConfig, channels: tuple[str, ...]) -> _Read:
    problems: list[str] = []
    try:
        reader = slack.client(config, timeout=TIMEOUT_S, max_wait=MAX_WAIT_S)
        found = questions.unanswered_in(reader, channels, config.question_hours,
                                        on_problem=problems.append)  # fmt: skip
    except DdqError as exc:
        return _Read(failed=str(exc))
    return _Read(found, problems)


def box() -> None:
    """The box, when Slack is connected and a champions channel is set; else nothing."""
    config = slack.config()
    if config is None:  # not connected: no need to ask each area for its channel
        return
    channels = _channels(*database.key())
    if not channels:
        return
    read = _read(config, tuple(channels))
    with st.container(border=True, key="unanswered-questions"):
        st.markdown("**Questions waiting for an answer**")
        if read.failed is not None:
            st.caption(f"Could not read Slack just now: {plain(read.failed)}")
            return
        now = clock.now()
        for q in read.found[:SHOWN]:
            st.markdown(f"[{plain(q.channel)} · {q.age(now)} · {plain(q.author)}]({q.link})")
        if len(read.found) > SHOWN:
            st.caption(f"and {len(read.found) - SHOWN} more: `ddq questions` lists them all.")
        if not read.found:
            st.caption(f"None: every question has had a reply within {config.question_hours} h.")
        for problem in read.problems:
            st.caption(plain(problem))
