"""The community's name, channels and request links (or form), in the sidebar of every page."""

from __future__ import annotations

import streamlit as st

from ddq.ui import help_requests, state
from ddq.ui.format import plain


def community() -> None:
    """Show the program's settings; empty ones are left out (never a dead link)."""
    values = state.current_settings()
    with st.sidebar:
        st.markdown(f"**{_text(values['program_name'])}**")
        for key, words in (("champions_channel", "Champions and leadership"),
                           ("community_channel", "Everyone interested")):  # fmt: skip
            if values[key]:
                st.caption(f"{words}: {_text(values[key])}")
        help_requests.links(values)


def _text(value: str) -> str:
    return plain(value)
