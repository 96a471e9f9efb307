"""Champions: who drives quality in which team, by area; handovers; editing and importing."""

import streamlit as st

from ddq import clock, roster
from ddq.ui import auth, feedback, imports, params, slack_reminders, state, unassigned, write
from ddq.ui import roster as ui
from ddq.ui.format import plain

st.title("Champions")
rows = state.roster_rows()
without = [r for r in rows if not r["champion"]]
if rows:
    verb = "has" if len(without) == 1 else "have"
    st.markdown(f"### {len(without)} of {len(rows)} teams {verb} no champion")
    if without:
        st.markdown("Without a champion: " + ", ".join(
            f"**{plain(r['team'])}**" + (f" ({plain(r['area'])})" if r["area"] else "")
            for r in without))  # fmt: skip
else:
    st.info("No teams yet. Import a roster below: `area,team,champion,email,since`.")
unassigned.flag()

params.seed("q", "")
query = st.text_input("Search a person or a team", key="q", placeholder="name, email or team")
shown = [r for r in rows if ui.matches(r, query)]
if query and not shown:
    st.caption("Nobody and no team matches that.")
details = {d["area"]: d for d in state.area_details()}
for area, group in ui.by_area(shown).items():
    ui.area_header(area, details.get(area))
    ui.table(group)
params.publish({"q": query})

if rows:
    st.divider()
    st.subheader("Handover history")
    team = st.selectbox("Team", [r["team"] for r in rows], key="history_team")
    terms = state.history(team)
    if terms:
        st.dataframe(
            [{"Champion": t["person"], "Email or handle": t["contact"], "From": t["since"],
              "Until": t["until"] or "now"} for t in terms],
            hide_index=True,
        )  # fmt: skip
    else:
        st.caption("This team has never had a champion.")
    slack_reminders.switches(rows)

st.divider()
feedback.show_flash()
if not auth.may_edit("change the roster"):
    st.stop()
with st.expander("Edit the roster", icon=":material/edit:"):
    st.caption("One row per team: change the champion (a handover), clear it (the team has none), "
               "or move the team to another area. Every change is checked, then saved at once.")  # fmt: skip
    # The editor keeps the rows as they were when the person began editing, so that a save
    # on top of someone else's newer change is noticed (and refused) instead of undoing it.
    editor_key = f"roster_editor_{write.generation('roster')}"
    if not st.session_state.get(editor_key, {}).get("edited_rows"):
        st.session_state["roster_seen"] = rows
    seen = st.session_state.get("roster_seen", rows)
    before = ui.editor_frame(seen)
    after = st.data_editor(
        before, hide_index=True, disabled=["team"], key=editor_key,
        column_config={
            "area": st.column_config.TextColumn("Area", max_chars=roster.MAX_NAME),
            "champion": st.column_config.TextColumn("Champion", max_chars=roster.MAX_NAME),
            "contact": st.column_config.TextColumn(
                "Email or handle", validate=r"^([^@\s]+@[^@\s]+\.[^@\s]+|@[\w.\-]{1,80})$"),
            "since": st.column_config.DateColumn("Since", max_value=clock.today(),
                                                 format="YYYY-MM-DD"),
        },
    )  # fmt: skip
    write.stale_notice("roster")
    edits = ui.edited_rows(before, after)
    if st.button("Save roster changes", type="primary", disabled=not edits):
        write.apply_to_form("roster", roster.apply_edits, edits,
                            expected={r["team"]: r for r in seen})  # fmt: skip

with st.expander("Add, retire or bring back a team", icon=":material/group_add:"):
    with st.form("add_team"):
        new_team = st.text_input("New team")
        new_area = st.text_input("Its area (new areas are created)")
        if st.form_submit_button("Add team"):
            write.apply(roster.add_team, new_team, new_area)
    every_team = state.teams()
    if every_team:
        with st.form("retire"):
            chosen_team = st.selectbox("Team", every_team)
            active = st.radio("Status", ["active", "retired"], horizontal=True)
            if st.form_submit_button("Save status"):
                write.apply(roster.set_team_active, chosen_team, active == "active")

with st.expander("Import a roster file", icon=":material/upload_file:"):
    st.caption("`area,team,champion,email,since`, one row per team. Areas and teams are created "
               "as named; a new champion is a handover; an empty champion means the team has "
               "none. Teams the file does not name are left as they are.")  # fmt: skip
    imports.upload_and_apply("roster", "Roster CSV file")
    if rows:
        st.download_button("Download the roster (CSV), to edit and import again", ui.roster_csv,
                           "roster.csv", "text/csv", icon=":material/download:",
                           on_click="ignore")  # fmt: skip
