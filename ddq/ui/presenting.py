"""Whether a session is in presenter mode, apart from the slide itself (:mod:`ddq.ui.presenter`).

Every run of every page asks (the banners are left out in presenter mode); the slide's
machinery (metric cards, slide exports) is imported only by the meeting page that draws it,
so a launch that opens the Overview does not pay for it.
"""

from __future__ import annotations

from typing import cast

import streamlit as st

from ddq.ui.format import plain

KEY = "present"  # session state and link parameter: present=1
_NOTE = "present_link_note"
TOGGLE_KEY = "P"


def presenting() -> bool:
    """Whether this session shows the meeting in presenter mode (from ``present=1`` in a link
    on its first visit, then from the toggle). A link's other value is named by
    :func:`link_note` and shows the full page."""
    if KEY not in st.session_state:
        raw = st.query_params.get(KEY)
        st.session_state[KEY] = raw == "1"
        if raw not in (None, "", "0", "1"):
            st.session_state[_NOTE] = (
                f"The link's {KEY}={plain(repr(raw))} is not 1 (presenter mode) or 0 (the full "
                "page); showing the full page."
            )
    return bool(st.session_state[KEY])


def link_note() -> str | None:
    """What was wrong with the link's ``present`` value, once (Markdown), or None."""
    return cast("str | None", st.session_state.pop(_NOTE, None))


def toggle() -> None:
    """Enter or leave presenter mode (a button's callback: the next run shows the change)."""
    st.session_state[KEY] = not st.session_state.get(KEY, False)
