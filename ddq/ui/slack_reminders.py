"""The Champions page's "No Slack reminders" switches: one per champion with an e-mail address.

A switch shows what is stored (also a change made with ``ddq remind --opt-out``) and saves
as soon as it is flipped; a refused change flips it back and says why.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from ddq import db
from ddq.access import EDITOR
from ddq.errors import DdqError
from ddq.roster import RosterRow
from ddq.slack import optouts
from ddq.ui import auth, database, feedback
from ddq.ui.format import plain

NEAR = "slack_reminders"
_ERROR = "slack_reminders_error"


@database.cached
def _opted_out(path: str, stamp: tuple[int, int]) -> frozenset[str]:
    with db.connect(path) as con:
        return frozenset(optouts.opted_out(con))


def opted_out() -> frozenset[str]:
    """The e-mail addresses (lower case) of the champions who want no reminders."""
    return _opted_out(*database.key())


def champions(rows: Sequence[RosterRow]) -> list[tuple[str, str, list[str]]]:
    """(champion, e-mail in lower case, their teams) for each champion with an e-mail address."""
    found: dict[str, tuple[str, list[str]]] = {}
    for r in rows:
        contact = (r["contact"] or "").strip()
        if not r["champion"] or "@" not in contact or contact.startswith("@"):
            continue
        found.setdefault(contact.lower(), (r["champion"], []))[1].append(r["team"])
    return sorted(((person, email, sorted(teams, key=str.lower))
                   for email, (person, teams) in found.items()),
                  key=lambda c: (c[0].lower(), c[1]))  # fmt: skip


def key_of(email: str) -> str:
    return f"no_reminders_{email}"


def _flipped(email: str) -> None:
    """Save a flipped switch; flip it back, with the reason, when the change is refused."""
    wanted = bool(st.session_state[key_of(email)])
    change = optouts.opt_out if wanted else optouts.opt_in
    try:
        with database.connection() as con:
            done = change(con, email, who=auth.current())
    except DdqError as exc:
        st.session_state[key_of(email)] = not wanted
        st.session_state[_ERROR] = str(exc)
        return
    feedback.flash(done, NEAR)


def switches(rows: Sequence[RosterRow]) -> None:
    """The "No Slack reminders" switch of every champion with an e-mail address."""
    people = champions(rows)
    if not people:
        return
    editor = auth.current().may(EDITOR)
    quiet = opted_out()
    with st.expander("Slack reminders", icon=":material/notifications:"):
        st.caption("Before each meeting, ddq mentions in Slack the champions whose team has not "
                   "written what it is doing (`ddq remind`), found by their e-mail address. "
                   "Champions with a chat handle instead are named without a mention.")  # fmt: skip
        if not editor:  # a viewer reads who opted out; no control that cannot be used
            quiet_people = [f"{plain(p)} ({plain(', '.join(t))})" for p, e, t in people
                            if e in quiet]  # fmt: skip
            st.markdown("**No Slack reminders:** " + (", ".join(quiet_people) or "nobody"))
            auth.may_edit("change who gets reminders")
            return
        feedback.show_flash(NEAR)
        if _ERROR in st.session_state:
            st.error(plain(st.session_state.pop(_ERROR)))
        for person, email, teams in people:
            key = key_of(email)
            st.session_state[key] = email in quiet  # what is stored, whoever changed it
            st.toggle(f"No Slack reminders for {plain(person)} ({plain(', '.join(teams))})",
                      key=key, on_change=_flipped, args=(email,))  # fmt: skip
