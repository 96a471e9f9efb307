"""The Settings page's Slack section (admins): connect, test and disconnect, through the same
core functions as ``ddq slack connect|test|disconnect``.

The bot token is never asked for nor shown: the form takes the NAME of the variable that
holds it, read from the server's environment or the app's secrets at each use.
"""

from __future__ import annotations

import streamlit as st

from ddq.access import ADMIN
from ddq.errors import DdqError
from ddq.slack import store
from ddq.slack.check import SlackCheck, run_check, wanted
from ddq.slack.client import SLACK_API, SlackConfig
from ddq.ui import auth, write
from ddq.ui.database import connection
from ddq.ui.feedback import flash, show_flash
from ddq.ui.format import lines, plain
from ddq.ui.slack import config, slack_env

FORM = "slack_connect"
SECRET_WORDS = (
    "ddq never asks for the bot token nor stores it: write the **name** of the variable that "
    "holds it (like `SLACK_BOT_TOKEN`), and set that variable where the app runs: in its "
    "environment, or in `.streamlit/secrets.toml` (at the top level, or under `[slack]`)."
)
# The core's messages name the command's options; the form names its fields.
_IN_FORM = {"--token-env": "“Bot token variable”", "--api-url": "“Slack API URL”"}


def in_form_words(message: str) -> str:
    for flag, label in _IN_FORM.items():
        message = message.replace(flag, label)
    return message


def section() -> None:
    """Slack: how it is connected, a test, disconnecting, and the form to connect it."""
    st.subheader("Slack")
    st.caption("ddq posts the meeting summaries in each area's champions channel (channels: "
               "above, and per area) and the whole program's in the program team's channel.")  # fmt: skip
    if not auth.may_edit("connect Slack", ADMIN):
        return
    current = config()
    if current is None:
        st.caption("Slack is not connected.")
    else:
        st.markdown(plain(f"Connected: Slack's API at {current.api_url}, the bot token read "
                          f"from {current.token_env}; reminders {current.remind_days_before} "
                          f"day(s) before the meeting; a question is unanswered after "
                          f"{current.question_hours} hours."))  # fmt: skip
        test, leave = st.columns([1, 1])
        if test.button("Test Slack", icon=":material/network_check:"):
            _test()
        if leave.button("Disconnect Slack", icon=":material/link_off:"):
            write.apply(store.disconnect, near="slack",
                        confirm="Slack disconnected: ddq posts nothing more. The channels and "
                        "the messages already posted stay.")  # fmt: skip
    show_flash("slack")
    _form(current)


def _test() -> None:
    """What ``ddq slack test`` prints, one line each, and whether all is well."""
    try:
        with connection() as con:  # read, then closed while Slack answers
            asked = wanted(con)
        with st.spinner("Asking Slack…"):
            found = run_check(asked, env=slack_env())
    except DdqError as exc:
        st.error(lines(str(exc)))
        return
    show_check(found)


def show_check(found: SlackCheck) -> None:
    for line in found.lines:
        mark = ":green[:material/check_circle:]" if line.ok else ":red[:material/error:]"
        st.markdown(f"{mark} {plain(line.words)}")
    problems = found.problems()
    if found.ok:
        st.success("Slack is ready.", icon=":material/check_circle:")
    else:
        st.error(f"Slack is not ready: {problems} problem{'s' if problems != 1 else ''} above.",
                 icon=":material/sync_problem:")  # fmt: skip


def _form(current: SlackConfig | None) -> None:
    st.markdown("**Connect Slack**" if current is None else "**Change the connection**")
    st.caption(SECRET_WORDS)
    generation = write.generation(FORM)
    with st.form(FORM):
        token_env = st.text_input(
            "Bot token variable", current.token_env if current else "", key=f"{FORM}_var_{generation}",
            placeholder="SLACK_BOT_TOKEN",
            help="The name of the variable holding the bot's token (xoxb-...), never the token.",
        )  # fmt: skip
        api_url = st.text_input(
            "Slack API URL", current.api_url if current and current.api_url != SLACK_API else "",
            key=f"{FORM}_url_{generation}", placeholder=SLACK_API,
            help="Empty for Slack itself; a proxy's address otherwise.",
        )  # fmt: skip
        days, hours = st.columns(2)
        remind = days.number_input(
            "Remind champions (days before the meeting)", 0, 6,
            current.remind_days_before if current else 1, key=f"{FORM}_days_{generation}",
        )  # fmt: skip
        unanswered = hours.number_input(
            "A question is unanswered after (hours)", 1, 24 * 14,
            current.question_hours if current else 24, key=f"{FORM}_hours_{generation}",
        )  # fmt: skip
        label = "Connect Slack" if current is None else "Save the connection"
        if st.form_submit_button(label, icon=":material/link:", type="primary"):
            _connect(token_env, api_url, int(remind), int(unanswered))
    show_flash(FORM)


def _connect(token_env: str, api_url: str, remind: int, unanswered: int) -> None:
    try:
        with connection() as con:
            chosen = store.connect(con, token_env=token_env, api_url=api_url.strip() or None,
                                   remind_days_before=remind, question_hours=unanswered,
                                   who=auth.current())  # fmt: skip
    except DdqError as exc:
        st.error(lines(in_form_words(str(exc))))
        return
    flash(f"Slack connected: the bot token is read from {chosen.token_env}. Test it above.", FORM)
    st.session_state[f"{FORM}_generation"] = write.generation(FORM) + 1
    st.rerun()
