"""Presenter mode: one team of a running meeting, readable from the back of the room.

The page's own controls, banners and side panel go; what stays is the team, where it is on
the agenda, its champion, its metric cards (value, change against the week before, target
and status in words and colour, sparkline) and its notes and open actions, all within a
1280x720 projector without scrolling. On a wider screen (1600 px and more) the notes sit
beside the cards and everything is drawn larger.

Keys: Right or PageDown for the next team, Left or PageUp for the one before (presentation
clickers send PageDown and PageUp), P to leave or enter presenter mode. Streamlit ignores
them while the cursor is in a text box, so typing a note never moves the meeting.
"""

from __future__ import annotations

import streamlit as st

from ddq.meeting import NOTE_LABELS, Meeting, TeamView
from ddq.ui import meeting
from ddq.ui.format import lines, plain

# Re-exported: the meeting page reaches presenter mode through this module.
from ddq.ui.presenting import KEY as KEY
from ddq.ui.presenting import TOGGLE_KEY as TOGGLE_KEY
from ddq.ui.presenting import link_note as link_note
from ddq.ui.presenting import presenting as presenting
from ddq.ui.presenting import toggle as toggle

# How many actions a slide shows (and notes are cut to a few lines): the full page has all.
ACTIONS_SHOWN = 3

# Constant style only (no user text reaches it). Hides Streamlit's header and side panel,
# tightens the page's margins, enlarges the numbers, and puts the notes beside the cards
# on a screen wider than 1600 px. The slide's own containers are found by their keys.
_STYLE = """
<style>
header[data-testid="stHeader"], section[data-testid="stSidebar"],
[data-testid="stSidebarCollapsedControl"], [data-testid="stToolbar"],
[data-testid="stDecoration"], [data-testid="stStatusWidget"],
[data-testid="stLayoutWrapper"]:has(> .st-key-present-keys) { display: none !important; }
[data-testid="stMainBlockContainer"] { padding: 0.5rem 1.5rem 0 !important;
  max-width: 100% !important; }
[data-testid="stMain"] { overflow: hidden; }
[data-testid="stMain"] [data-testid="stVerticalBlock"] { gap: 0.4rem; }
.st-key-present-head h1 { font-size: 2rem; padding: 0; line-height: 1.2; }
.st-key-present-head p { font-size: 1.05rem; }
.st-key-present-head button p { font-size: 1.3rem; }
.st-key-present-cards [data-testid="stHorizontalBlock"] { gap: 0.4rem; }
.st-key-present-cards [data-testid="stVerticalBlock"] { gap: 0.05rem; }
.st-key-present-cards [data-testid="stMetricValue"] p {
  font-size: 2.4rem !important; line-height: 1.1; }
.st-key-present-cards [data-testid="stMetricLabel"] p {
  font-size: 1rem !important; }
.st-key-present-cards [data-testid="stMetricDelta"] p {
  font-size: 1.1rem !important; }
.st-key-present-cards [data-testid="stMetricDeltaDescription"] p {
  font-size: 0.9rem; }
.st-key-present-cards [data-testid="stMetric"] { padding: 0 !important; }
.st-key-present-cards [data-testid="stMarkdownContainer"] p {
  font-size: 0.95rem; }
.st-key-present-notes [data-testid="stHorizontalBlock"] { gap: 0.8rem; }
.st-key-present-notes [data-testid="stVerticalBlock"] { gap: 0.1rem; }
.st-key-present-notes [data-testid="stMarkdownContainer"] p {
  font-size: 1rem; line-height: 1.35; display: -webkit-box;
  -webkit-line-clamp: 3; -webkit-box-orient: vertical; overflow: hidden; }
.st-key-present-actions [data-testid="stMarkdownContainer"] p { -webkit-line-clamp: 1; }
@media (min-width: 1600px) {
  .st-key-present-body { flex-direction: row !important; align-items: flex-start; }
  .st-key-present-body > div:first-child { flex: 3.2 1 0; min-width: 0; }
  .st-key-present-body > div:last-child { flex: 1 1 0; min-width: 0; }
  .st-key-present-notes [data-testid="stHorizontalBlock"] { flex-direction: column;
    gap: 1.2rem; }
  .st-key-present-notes [data-testid="stColumn"] { width: 100% !important; flex: 1 1 auto; }
  .st-key-present-notes [data-testid="stMarkdownContainer"] p { -webkit-line-clamp: 5; }
  .st-key-present-cards [data-testid="stMarkdownContainer"] p { white-space: nowrap;
    overflow: hidden; text-overflow: ellipsis; }
  html { font-size: 23px; }
}
@media (min-width: 2400px) {
  html { font-size: 30px; }
}
</style>
"""


def style() -> None:
    """Presenter mode's page style: drawn on every run in presenter mode, before anything."""
    st.html(_STYLE)


def about(view: TeamView, meeting: Meeting) -> str:
    """The champion and whether they are here, the scope and the date: one Markdown line."""
    said = {True: ":green[present]", False: ":red[absent]", None: ":gray[not marked]"}
    champion = (
        f"Champion {plain(view['champion'])} · {said[view['present']]}"
        if view["champion"]
        else "No champion"
    )
    return f"{champion} · {plain(meeting['scope'])} · {meeting['held_on']:%d %b %Y}"


def slide(view: TeamView) -> None:
    """The team's cards, then its notes and open actions (beside them on a wide screen)."""
    with st.container(key="present-body"):
        with st.container(key="present-cards-column"):
            cards(view)
        with st.container(key="present-notes-column"):
            notes(view)


def cards(view: TeamView) -> None:
    """The team's metric cards, at most two rows (of four to six), so that they fit one screen."""
    shown = sum(m["value"] is not None for m in view["metrics"])
    if not shown:
        st.info("No values for this team yet.")
        return
    with st.container(key="present-cards"):
        meeting.metrics(view, per_row=min(max(4, -(-shown // 2)), 6), reasons=False)


def notes(view: TeamView) -> None:
    """Notes (a few lines each: the full page has them whole) and open actions, read-only."""
    with st.container(key="present-notes"):
        columns = st.columns(len(NOTE_LABELS) + 1)
        for column, (kind, label) in zip(columns, NOTE_LABELS.items(), strict=False):
            with column:
                st.markdown(f"**{label}**")
                st.markdown(lines(view["notes"][kind]) if view["notes"][kind] else ":gray[—]")
        with columns[-1], st.container(key="present-actions"):
            opened = view["open_actions"]
            st.markdown(f"**Open actions ({len(opened)})**" if opened else "**Open actions**")
            if not opened:
                st.markdown(":gray[none]")
            for a in opened[:ACTIONS_SHOWN]:
                late = " · :red[overdue]" if a.get("overdue") else ""
                st.markdown(f"{plain(a['text'])} — {plain(a['owner'])}, {a['due']:%d %b}{late}")
            if len(opened) > ACTIONS_SHOWN:
                st.markdown(f":gray[and {len(opened) - ACTIONS_SHOWN} more on the full page]")
