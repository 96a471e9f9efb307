"""Requesting coaching or a workshop from the app, and the program team's list of requests.

With Slack connected, the sidebar's two request links open a form in a dialog over the page
the person is on (no page to leave, nothing lost): it records the request and posts it to
the program team's channel. Without Slack, or for a viewer (who cannot record anything), the
links stay the external ones from Settings. The program team (admins) follows the requests
on the Settings page.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ddq import help_requests
from ddq.access import ADMIN, EDITOR
from ddq.slack import requests as core
from ddq.ui import auth, slack, state, write
from ddq.ui.format import lines

OPEN = "help_request_open"  # the kind of request whose form is open
SAID = "help_request_said"  # what the last request or status change did, for the next run
LINKS = {"coaching": ("Request coaching", ":material/school:", "coaching_url"),
         "workshop": ("Request a workshop", ":material/groups:", "workshop_url")}  # fmt: skip


def _open(kind: str) -> None:
    st.session_state[OPEN] = kind


def _close() -> None:
    st.session_state.pop(OPEN, None)


def _say(near: str, outcome: core.Outcome, done: str) -> None:
    """Keep what happened for the next run: a success, or a warning when Slack did not take it."""
    level = "warning" if outcome.problem is not None else "success"
    st.session_state[f"{SAID}_{near}"] = (level, outcome.words(done))


def _show_said(near: str) -> None:
    said = st.session_state.pop(f"{SAID}_{near}", None)
    if said:
        level, words = said
        if level == "warning":
            st.warning(lines(words), icon=":material/warning:")
        else:
            st.success(lines(words), icon=":material/check_circle:")


def links(values: dict[str, str]) -> None:
    """The sidebar's request links: the form when Slack is connected, else the settings' links."""
    if slack.config() is not None and auth.current().may(EDITOR):
        for kind, (label, icon, _) in LINKS.items():
            st.button(label, icon=icon, key=f"request_{kind}", on_click=_open, args=(kind,))
        _show_said("form")
        if st.session_state.get(OPEN) in help_requests.KINDS:
            _form(st.session_state[OPEN])
        return
    for label, icon, setting in LINKS.values():
        if values[setting]:
            st.link_button(label, values[setting], icon=icon)


@st.dialog("Request coaching or a workshop", width="medium", on_dismiss=_close)
def _form(kind: str) -> None:
    """The request form; on success it closes and the sidebar says what happened."""
    teams = state.own_teams()
    if not teams:
        st.info("There are no teams yet: import the roster first.")
        return
    st.caption("The program team gets it in Slack and comes back to you.")
    with st.form("help_request"):
        chosen = st.radio("What you ask for", help_requests.KINDS, horizontal=True,
                          index=help_requests.KINDS.index(kind),
                          format_func=lambda k: help_requests.KIND_WORDS[k])  # fmt: skip
        team = st.selectbox("Team", teams, index=None, placeholder="Choose your team")
        topic = st.text_input("Topic", max_chars=help_requests.TOPIC_MAX,
                              placeholder="Flaky tests, escaped defects, ...")  # fmt: skip
        hopes = st.text_area("What you hope for", max_chars=help_requests.HOPES_MAX,
                             placeholder="What the team would like to be able to do afterwards")  # fmt: skip
        dates = st.text_input("Dates that suit you", max_chars=help_requests.DATES_MAX,
                              placeholder="Any Tuesday in April, not before the 10th")  # fmt: skip
        if not st.form_submit_button("Send request", type="primary"):
            return
    if team is None:
        st.error("Choose the team the request is for.")
        return
    outcome = write.run(core.request_help, chosen, team, topic, hopes, dates,
                        env=slack.slack_env())  # fmt: skip
    if outcome is write.FAILED:  # its error is shown in the dialog, the form kept
        return
    _close()
    _say("form", outcome, f"Request {outcome.request.id} sent: {outcome.request.what}")
    st.rerun()


def _table(found: list[help_requests.HelpRequest]) -> None:
    st.dataframe(
        [{"#": r.id, "Kind": r.kind, "Team": r.team, "Topic": r.topic, "Hopes": r.hopes,
          "Dates": r.dates, "Status": r.status, "Requested (UTC)": r.requested_at,
          "By": r.requested_by, "Updated by": r.updated_by} for r in found],
        hide_index=True, key="help_requests_table",
    )  # fmt: skip


def _label(request: help_requests.HelpRequest) -> str:
    return f"#{request.id} · {request.what} · {request.topic} ({request.status})"


def requests_section() -> None:
    """The program team's view: every request, and a control to move one on (admins)."""
    st.subheader("Coaching and workshop requests")
    with state.connection() as con:  # admins only, and rarely: read directly, no cache
        found = core.list_requests(con)
    if not found:
        st.caption("No requests yet. With Slack connected, the sidebar's request links open a "
                   "form; each request is posted to the program team's channel.")  # fmt: skip
        return
    _table(found)
    if not auth.current().may(ADMIN):
        return
    by_id: dict[int, Any] = {r.id: r for r in found}
    chosen = st.selectbox("Request", list(by_id), format_func=lambda i: _label(by_id[i]),
                          key="help_request_chosen")  # fmt: skip
    shown = by_id[chosen].status
    with st.form("help_request_status"):
        status = st.radio("Status", help_requests.STATUSES, horizontal=True,
                          index=help_requests.STATUSES.index(shown),
                          key=f"help_request_status_{chosen}_{shown}")  # fmt: skip
        if st.form_submit_button("Save status", type="primary"):
            outcome = write.run(core.set_status, chosen, status, expected=shown,
                               env=slack.slack_env())  # fmt: skip
            if outcome is not write.FAILED:
                done = (f"Request {chosen} is now {status}" if outcome.changed
                        else f"Request {chosen} was already {status}")  # fmt: skip
                _say("status", outcome, done)
                st.rerun()
    if slack.config() is not None and st.button(
        "Post to Slack", icon=":material/send:", key="help_request_post",
        help="Post this request to the program team's channel, or update its message there.",
    ):  # fmt: skip
        posted = write.run(core.post_request, chosen, env=slack.slack_env())
        if posted is not write.FAILED:
            st.session_state[f"{SAID}_status"] = ("success", f"Request {chosen} {posted.words()}.")
            st.rerun()
    _show_said("status")
