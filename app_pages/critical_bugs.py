"""Critical bugs: the shared definition in plain words, proposals, stances, impact, mapping."""

import streamlit as st

from ddq import critical, ownership
from ddq.access import EDITOR
from ddq.ui import auth, feedback, state, write
from ddq.ui import critical as ui
from ddq.ui.format import plain

st.title("Critical bugs")
feedback.show_flash()


editor = auth.current().may(EDITOR)
in_force = state.definition_in_force()
if in_force:
    ui.definition(in_force, heading="The definition in force:")
else:
    st.info("No definition has been adopted yet: draft one below, propose it to the "
            "champions, and adopt it when the community agrees.")  # fmt: skip

versions = state.definition_versions()
proposals = [v for v in versions if v["status"] in ("proposed", "draft")]
for v in proposals:
    st.divider()
    ui.definition(v, heading="Proposal" if v["status"] == "proposed" else "Draft")
    if in_force:
        changes = state.compare_definitions(in_force["version"], v["version"])["changes"]
        st.markdown("**Compared with the definition in force:** " +
                    (" ".join(plain(c) for c in changes) if changes else "the same meaning."))  # fmt: skip
    with st.expander("Impact: which open bugs change class", icon=":material/compare_arrows:"):
        ui.impact(state.definition_impact(v["version"]))
    if v["status"] == "proposed":
        st.markdown("**Where the teams stand**")
        ui.stances(state.stances(v["version"]), state.stance_summary(v["version"]))
        if not editor:
            continue
        with st.form(f"stance_{v['version']}"):
            teams = [r["team"] for r in state.stances(v["version"]) if r["champion"]]
            team = st.selectbox("Team", teams)
            stance = st.radio("Stance", critical.STANCES, horizontal=True)
            comment = st.text_input("Comment (needed when you disagree)")
            if st.form_submit_button("Record stance"):
                write.apply(critical.record_stance, v["version"], team=team, stance=stance,
                             comment=comment, confirm=f"Stance of {team} recorded.",
                             near=f"stance_{v['version']}")  # fmt: skip
        feedback.show_flash(f"stance_{v['version']}")
    if not editor:
        continue
    left, right, third = st.columns(3)
    if v["status"] == "draft" and left.button(
        "Propose to the champions", key=f"propose_{v['version']}"
    ):
        write.apply(critical.propose, v["version"], confirm=f"Version {v['version']} proposed.",
                    near=f"v{v['version']}")  # fmt: skip
    if v["status"] == "proposed":
        ui.adoption(v["version"], state.adoption_dates(), left, right)
    if third.button("Withdraw", key=f"retire_{v['version']}"):
        write.apply(critical.retire, v["version"], confirm=f"Version {v['version']} withdrawn.",
                    near="versions")  # fmt: skip
    feedback.show_flash(f"v{v['version']}")  # under the buttons just pressed
feedback.show_flash("versions")  # where an adopted or withdrawn proposal was

st.divider()


def draft_form() -> None:
    with st.expander("Draft a new version", icon=":material/edit_note:"):
        rule = ui.rule_editor(in_force["rule"] if in_force else None,
                              state.field_values())  # fmt: skip
        with st.form("draft"):
            title = st.text_input("Title")
            rationale = st.text_area("Why this definition (plain words)")
            examples = st.text_area("Examples of bugs it makes critical, and of bugs it does not")
            sla = st.number_input("SLA in days (empty: none)", min_value=1, max_value=3650,
                                  value=None, step=1)  # fmt: skip
            if st.form_submit_button("Save draft", type="primary"):
                write.apply(critical.create_draft, title=title, rule=rule, rationale=rationale,
                             examples=examples, sla_days=sla,
                             based_on=in_force["version"] if in_force else None,
                             confirm="Draft saved.", near="draft")  # fmt: skip
    feedback.show_flash("draft")


if auth.may_edit("draft, propose or adopt a definition, or record a stance"):
    draft_form()

with st.expander("All versions", icon=":material/history:"):
    st.dataframe([{"Version": v["version"], "Title": v["title"], "Status": v["status"],
                   "Effective from": v["effective_from"], "In words": v["explanation"]}
                  for v in versions], hide_index=True)  # fmt: skip
    if len(versions) >= 2:
        numbers = [v["version"] for v in versions]
        a, b = st.columns(2)
        first = a.selectbox("Compare", numbers, index=1)
        second = b.selectbox("with", numbers, index=0)
        both = state.compare_definitions(first, second)
        a.info(plain(both["a"]["explanation"]))
        b.info(plain(both["b"]["explanation"]))
        for change in both["changes"] or ["The two versions mean the same."]:
            st.markdown(f"- {plain(change)}")

with st.expander("Which team owns a bug", icon=":material/account_tree:"):
    st.caption("A bug belongs to its first mapped component, else its project, else its first "
               "mapped label; otherwise it is Unassigned.")  # fmt: skip
    st.dataframe(state.team_mappings(), hide_index=True)
    unmapped = state.unmapped_values()
    if unmapped:
        st.markdown("**Not yet mapped** (most bugs first)")
        st.dataframe(unmapped, hide_index=True)
    every_team = state.teams()
    if editor and not every_team:
        st.caption("No teams yet to map bugs to: add teams on the Champions page first.")
    elif editor:
        with st.form("mapping"):
            kind = st.selectbox("Map a", ownership.KINDS)
            value = st.text_input("Component, project key or label")
            team = st.selectbox("to team", every_team)
            if st.form_submit_button("Save mapping"):
                write.apply(ownership.set_mapping, kind, value, team,
                             confirm=f"{kind} {value} mapped to {team}.", near="mapping")  # fmt: skip
        feedback.show_flash("mapping")
