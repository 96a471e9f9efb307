"""Settings: the community's name, Slack channels and request links; areas' details."""

import streamlit as st

from ddq import roster, settings
from ddq.errors import DdqError
from ddq.ui import ledger as ui_ledger
from ddq.ui import state
from ddq.ui.format import plain

st.title("Settings")
ui_ledger.show_flash()

values = state.read("settings")
with st.form("community"):
    st.subheader("The community")
    entered = {s.key: st.text_input(s.label, values[s.key], key=f"setting_{s.key}")
               for s in settings.SETTINGS}  # fmt: skip
    st.caption("Empty links are not shown. Links start with https://.")
    if st.form_submit_button("Save settings", type="primary"):
        try:
            with state.connection() as con:
                settings.update(con, entered, who=state.LOCAL_USER)
        except DdqError as exc:
            st.error(plain(str(exc)))
        else:
            ui_ledger.flash("Settings saved.")
            st.rerun()

details = state.read("area_details")
if details:
    st.subheader("Areas")
    names = [d["area"] for d in details]
    chosen = st.selectbox("Area", names, key="settings_area")
    detail = next(d for d in details if d["area"] == chosen)
    labels = {"head": "Area head", "champions_channel": "Slack channel for champions",
              "community_channel": "Slack channel for everyone",
              "coaching_url": "Link to request coaching", "workshop_url": "Link to request a workshop"}  # fmt: skip
    with st.form("area"):
        fields = {k: st.text_input(label, detail[k] or "", key=f"area_{k}")
                  for k, label in labels.items()}  # fmt: skip
        if st.form_submit_button("Save area", type="primary"):
            try:
                with state.connection() as con:
                    roster.update_area(con, chosen, who=state.LOCAL_USER, **fields)
            except DdqError as exc:
                st.error(plain(str(exc)))
            else:
                ui_ledger.flash(f"{chosen} saved.")
                st.rerun()
