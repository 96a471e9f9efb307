"""Slack from the app: whether it is connected (a cached read), and a client for one job.

The bot token's variable is read from the environment, where Streamlit also puts the
top-level entries of the app's ``secrets.toml``.
"""

from __future__ import annotations

import contextlib

import streamlit as st

from ddq import db
from ddq.slack import store
from ddq.slack.client import Slack, SlackConfig
from ddq.ui import database


@database.cached
def _config(path: str, stamp: tuple[int, int]) -> SlackConfig | None:
    with db.connect(path) as con:
        return store.config(con)


def config() -> SlackConfig | None:
    """How the app reaches Slack, or None when it is not connected (cached)."""
    return _config(*database.key())


def client(config: SlackConfig, **options: object) -> Slack:
    """A Slack client for one job; SlackError when the token's variable is not set."""
    # An unreadable secrets file is as good as none (Streamlit logs it); a readable one puts
    # its top-level entries in the environment.
    with contextlib.suppress(Exception):
        st.secrets.load_if_toml_exists()
    return Slack(config, **options)  # type: ignore[arg-type]  # Slack's own keyword options
