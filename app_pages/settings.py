"""Settings: the community's name, Slack channels and request links; areas' details; roles;
live sources; Slack; coaching and workshop requests (admins)."""

from typing import Any

import streamlit as st

from ddq import access, roster, settings
from ddq.access import ADMIN
from ddq.ui import auth, feedback, help_requests, slack_settings, sources, state, write

st.title("Settings")
feedback.show_flash()
if not auth.may_edit("change the settings", ADMIN):  # only in an admin's navigation anyway
    st.stop()


def fields(
    form: str, current: dict[str, str], labels: dict[str, str]
) -> tuple[dict[str, str], dict[str, Any]]:
    """Text inputs for ``labels``, starting from ``current``; returns (entered, as first seen).

    The values a form starts from are kept until it is saved, so that a save made on top
    of someone else's newer change is refused (and said so) instead of undoing it.
    """
    generation = write.generation(form)
    seen: dict[str, Any] = st.session_state.setdefault(f"{form}_seen_{generation}", {})
    entered = {}
    for key, label in labels.items():
        widget = f"{form}_{generation}_{key}"
        if widget not in st.session_state:
            st.session_state[widget] = current[key] or ""
            seen[key] = current[key] or ""
        entered[key] = st.text_input(label, key=widget)
    return entered, seen


values = state.current_settings()
st.subheader("The community")
write.stale_notice("community")
with st.form("community"):
    entered, seen = fields("community", values, {s.key: s.label for s in settings.SETTINGS})
    st.caption("Empty links are not shown. Links start with https://.")
    if st.form_submit_button("Save settings", type="primary"):
        write.apply_to_form("community", settings.update, entered, expected=seen,
                            confirm="Settings saved.", near="community")  # fmt: skip
feedback.show_flash("community")

details = state.area_details()
if details:
    st.subheader("Areas")
    names = [d["area"] for d in details]
    chosen = st.selectbox("Area", names, key="settings_area")
    detail = next(d for d in details if d["area"] == chosen)
    labels = {"head": "Area head", "champions_channel": "Slack channel for champions",
              "community_channel": "Slack channel for everyone",
              "coaching_url": "Link to request coaching", "workshop_url": "Link to request a workshop"}  # fmt: skip
    form = f"area_{chosen}"
    write.stale_notice(form)
    with st.form("area"):
        entered, seen = fields(form, detail, labels)
        if st.form_submit_button("Save area", type="primary"):
            write.apply_to_form(form, roster.update_area, chosen, expected=seen, **entered,
                                confirm=f"{chosen} saved.", near="area")  # fmt: skip
    feedback.show_flash("area")

st.subheader("People and roles")
how = auth.mode()
if how == auth.PASSWORD:
    st.caption("Sign-in is by shared password: whoever types the editor or admin password acts in "
               "that role. Roles by person need single sign-on (README, *Deployment*).")  # fmt: skip
elif how == auth.LOCAL:
    st.caption("Local mode: everyone may change everything. Roles given here apply once single "
               "sign-on is on (README, *Deployment*).")  # fmt: skip
else:
    st.caption("Everyone who signs in is a viewer unless given a role here or named in the "
               "configuration (`[ddq] admins` and `editors`); the higher of the two counts.")  # fmt: skip
with state.connection() as con:  # admins only, and rarely: read directly, no cache
    people = access.stored_roles(con)
configured = auth.configured_roles()
if people or configured:
    st.dataframe(
        [{"Email": p["email"], "Role": p["role"], "Given by": p["granted_by"],
          "Since (UTC)": p["granted_at"]} for p in people]
        + [{"Email": email, "Role": role, "Given by": "the configuration", "Since (UTC)": None}
           for email, role in sorted(configured.items())],
        hide_index=True,
    )  # fmt: skip
write.stale_notice("roles")
with st.form("roles", clear_on_submit=True):
    email = st.text_input("Email address")
    role = st.radio("Role", access.ROLES, index=1, horizontal=True,
                    help="Viewer takes a given role away.")  # fmt: skip
    if st.form_submit_button("Save role"):
        write.apply_to_form("roles", access.set_role, email, role, near="roles")
feedback.show_flash("roles")

sources.manage_section()
slack_settings.section()

help_requests.requests_section()
