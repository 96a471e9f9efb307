"""The weekly meeting: a live, team-by-team walk-through with notes, actions and attendance.

Presenter mode (``present=1``, the Present button or the P key) shows only the team on
screen, for the projector: see :mod:`ddq.ui.presenter`.
"""

import os

import streamlit as st

from ddq import meeting as core
from ddq.access import EDITOR
from ddq.ui import auth, params, presenter, state
from ddq.ui import meeting as ui

# New notes and uploads reach every laptop in the room within this (tests set it shorter).
REFRESH_SECONDS = int(os.environ.get("DDQ_MEETING_REFRESH", "30"))
# A laptop that follows the presenter looks for their move this often (a cheap, cached read).
FOLLOW_SECONDS = float(os.environ.get("DDQ_MEETING_FOLLOW", "2"))

ui.open_started()  # a meeting just started: show it
listed = state.meeting_list()
ids = [m["id"] for m in listed]
# A link names a meeting by its id or its date (2026-03-09).
notes = params.seed("meeting", ids[0] if ids else None,
                    parse=lambda raw: core.meeting_named(listed, raw), allowed=ids)  # fmt: skip
can_edit = auth.current().may(EDITOR)
presenting = presenter.presenting() and st.session_state.get("meeting") in ids
if presenting:
    presenter.style()
    chosen = st.session_state["meeting"]
    ui.keep_widgets()  # the selector and side panel are not drawn: keep what they hold
else:
    st.session_state[presenter.KEY] = False  # nothing to present: choose or start a meeting
    st.title("Weekly meeting")
    label = {m["id"]: f"{m['held_on']:%d %b %Y} · {m['scope']} ({m['status']})" for m in listed}
    # Required: once chosen, a meeting can be changed but not cleared into an empty page.
    chosen = st.selectbox("Meeting", ids, key="meeting", format_func=label.__getitem__, index=None,
                          placeholder="Choose a meeting, or start one below", required=True,
                          on_change=ui.keep_meeting)  # fmt: skip
    ui.start_form(can_edit, first=not ids)

if chosen is None:
    if ids:
        st.info("Choose a meeting above to open it.")
    st.stop()
meeting = state.meeting_by_id(chosen)
teams = [t["team"] for t in meeting["teams"]]
if not teams:
    st.info("No teams in this meeting's scope.")
    st.stop()
# A link names the team in any case, or by its number on the agenda.
notes += params.seed("team", ui.team_to_start(meeting, teams), allowed=teams,
            parse=lambda raw: teams[core.agenda_position(meeting, raw)])  # fmt: skip
for note in [*notes, presenter.link_note()]:
    if note:
        st.caption(note)
# Moving through the agenda, notes, actions and attendance: editors, while it is open.
editable = meeting["status"] == "open" and can_edit
# A laptop that follows shows the team the presenter is on (viewers' laptops do, at first);
# moving through the teams on one's own stops following.
follow_key = f"follow_{chosen}"
st.session_state.setdefault(follow_key, not can_edit and meeting["status"] == "open")
if st.session_state[follow_key] and meeting["current_team"] in teams:
    st.session_state["team"] = meeting["current_team"]

if not presenting:
    ui.side_panel(meeting)

position = teams.index(st.session_state["team"]) if st.session_state.get("team") in teams else 0


def move(step: int) -> None:
    """To the team ``step`` places away on the agenda (a button's callback)."""
    st.session_state["team"] = teams[position + step]
    st.session_state[follow_key] = False
    if editable:
        ui.act("", core.set_position, chosen, position + step)


first, last = position == 0, position == len(teams) - 1
if presenting:
    head = st.container(key="present-head")
    title, back, forward, leave = head.columns([12, 1, 1, 1.8], vertical_alignment="center")
else:
    back, title, forward, leave = st.columns([1.2, 4, 1.2, 1.2], vertical_alignment="center")
back.button("◀" if presenting else "◀ Previous", disabled=first, on_click=move, args=(-1,),
            shortcut="Left", help="Previous team (Left or Page Up)")  # fmt: skip
forward.button("▶" if presenting else "Next ▶", disabled=last, on_click=move, args=(1,),
               shortcut="Right", help="Next team (Right or Page Down)")  # fmt: skip
if presenting:
    # What presentation clickers send; hidden, since the arrows above say the same.
    with st.container(key="present-keys"):
        st.button("Previous team", disabled=first, on_click=move, args=(-1,), shortcut="PageUp")
        st.button("Next team", disabled=last, on_click=move, args=(1,), shortcut="PageDown")
    leave.button("Leave", icon=":material/close_fullscreen:", on_click=presenter.toggle,
                 shortcut=presenter.TOGGLE_KEY, help="Leave presenter mode (P)")  # fmt: skip
else:
    st.sidebar.toggle("Follow the presenter", key=follow_key,
                      help="Show the team the presenter is on, within seconds.")  # fmt: skip
team = teams[position]
if editable:
    ui.opening(meeting, position)
place = f"{position + 1} of {len(teams)}"
if presenting:
    title.markdown(f"# {ui.plain(team)} :gray[· {place}]")
    title.markdown(presenter.about(state.meeting_team(chosen, team), meeting))
else:
    title.markdown(f"### Team {place}: {ui.plain(team)}")
    leave.button("Present", icon=":material/slideshow:", on_click=presenter.toggle,
                 shortcut=presenter.TOGGLE_KEY,
                 help="The team alone, large, for the projector (P)")  # fmt: skip
    box = st.sidebar.number_input("Time-box per team (minutes, 0: none)", 0, 30, 0,
                                  key="timebox")  # fmt: skip
    if box:
        ui.countdown(team, box)
params.publish({"meeting": chosen, "team": team, "present": 1 if presenting else None})


@st.fragment(run_every=FOLLOW_SECONDS if st.session_state.get(follow_key) else None)
def follow() -> None:
    """On a laptop that follows: the presenter's move, within FOLLOW_SECONDS."""
    if st.session_state.get(follow_key):
        now_on = state.meeting_by_id(chosen)["current_team"]
        if now_on in teams and now_on != team:
            st.rerun()  # the whole page, on the presenter's team


@st.fragment(run_every=REFRESH_SECONDS)
def shown() -> None:
    """The team on screen, re-read every REFRESH_SECONDS (cached: one query per change)."""
    view = state.meeting_team(chosen, team)
    if view["removed"]:
        st.info("This team was removed after the meeting began (the import that created it "
                "was undone): there is nothing to show for it.")  # fmt: skip
        return
    if presenting:
        presenter.slide(view)
        return
    ui.full_view(view, meeting, editable)


follow()
shown()
if presenting:
    st.stop()

ui.closing(meeting, team, editable)
