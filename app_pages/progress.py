"""Progress: each champion's team against its baseline and targets, and an area at a glance."""

import streamlit as st

from ddq import progress as core
from ddq.ui import auth, feedback, params, state
from ddq.ui import progress as ui
from ddq.ui.format import plain

st.title("Progress")
feedback.show_flash()
roster = {r["team"]: r for r in state.roster_rows()}
# Progress is followed for active teams (the roster: Unassigned, which has no targets, is not)
teams = [t for t in state.teams() if t in roster]
if not teams:
    st.info("No active teams yet: import a roster on the Champions page.")
    st.stop()
areas = state.areas()

notes = params.seed("team", None, allowed=teams) + params.seed("area", None, allowed=areas)
for note in notes:
    st.caption(note)
view = "Area" if st.session_state.get("area") and not st.session_state.get("team") else "Team"
mode = st.radio("View", ["Team", "Area"], index=["Team", "Area"].index(view), horizontal=True)
with st.popover("How the status is decided"):
    st.markdown(core.STATUS_RULES)

if mode == "Team":
    label = {t: f"{t} — {roster[t]['champion']}" if t in roster and roster[t]["champion"] else t
             for t in teams}  # fmt: skip
    team = st.selectbox("Champion's team", teams, key="team", format_func=lambda t: label[t],
                        index=None, placeholder="Choose a team or its champion")  # fmt: skip
    if team:
        rows = state.progress(team=team)
        champion = roster.get(team, {}).get("champion")
        st.subheader(
            plain(team) + (f" · champion {plain(champion)}" if champion else " · no champion")
        )
        with_target = [r for r in rows if r.has_target]
        if not with_target:
            st.info("This team has no targets yet.")
        for start in range(0, len(with_target), 3):
            for column, row in zip(st.columns(3), with_target[start : start + 3], strict=False):
                with column:
                    ui.card(row)
        untargeted = [r.metric.label for r in rows if not r.has_target]
        if untargeted:
            st.caption("Reported without a target: " + ", ".join(untargeted) + ".")
    params.publish({"team": team})
else:
    area = st.selectbox("Area", areas, key="area", index=None, placeholder="Choose an area")
    if area:
        rows = state.progress(area=area)
        ui.area_grid(rows)
        no_champion = sorted({r.team for r in rows if not r.champion})
        no_target = sorted({r.team for r in rows} - {r.team for r in rows if r.has_target})
        if no_champion:
            st.warning("No champion: " + ", ".join(plain(t) for t in no_champion))
        if no_target:
            st.warning("No targets: " + ", ".join(plain(t) for t in no_target))
    params.publish({"area": area})

st.divider()
if not auth.may_edit("set targets"):
    st.stop()
with st.expander("Set a target", icon=":material/flag:", key="target_form", on_change="rerun"):
    # It starts from what is on screen: this team, or this area.
    on_screen = {"team": team, "area": None} if mode == "Team" else {"team": None, "area": area}
    ui.target_form(teams, areas, {t: r["area"] for t, r in roster.items()}, **on_screen)
