"""Saying that a change worked: a message kept across the rerun that shows the change.

A page changes something, then reruns so that it shows the change; the confirmation is
stored for that next run and drawn where the person was looking.
"""

from __future__ import annotations

import streamlit as st

from ddq.ui.format import plain

FLASH_KEY = "flash"


def flash(message: str, near: str = "page") -> None:
    """Show ``message`` as a success on the next run (after ``st.rerun``), where
    ``show_flash(near)`` draws it: right under the button that made the change, so that the
    person sees it without scrolling."""
    st.session_state[f"{FLASH_KEY}_{near}"] = message


def show_flash(near: str = "page") -> None:
    """Draw the confirmation stored for ``near``, once."""
    message = st.session_state.pop(f"{FLASH_KEY}_{near}", None)
    if message:
        st.success(plain(message), icon=":material/check_circle:")
