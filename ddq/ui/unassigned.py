"""The bugs that no team owns, flagged wherever teams are listed, so that someone maps them."""

from __future__ import annotations

import streamlit as st

from ddq.ui import state
from ddq.ui.format import plain


def flag() -> None:
    """A warning naming how many bugs no team owns and what to map, when there are any."""
    found = state.unassigned()
    if found is None:
        return
    hint = ", ".join(f"{m['kind']} {m['value']} ({m['bugs']})" for m in found.to_map)
    st.warning(
        plain(
            f"{found.bugs:,} bugs ({found.open_bugs:,} open) belong to no team: they count "
            f"in the organisation's totals as {found.team}. Map them to teams on the Critical "
            "bugs page" + (f"; most carry {hint}." if hint else ".")
        ),
        icon=":material/link_off:",
    )
