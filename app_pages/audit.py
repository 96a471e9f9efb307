"""Audit log: every change, who made it, when, and what it was before and after (admins)."""

import datetime as dt

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import streamlit as st

from ddq import audit
from ddq.access import ADMIN
from ddq.export import rows_to_csv
from ddq.ui import auth, state

st.title("Audit log")
if not auth.current().may(ADMIN):  # the page is only in an admin's navigation; never rely on it
    st.info("Only admins can read the audit log.")
    st.stop()
st.caption("Every change made in ddq, newest first. Nothing can edit or delete these rows.")

today = dt.datetime.now(dt.UTC).date()
left, middle, right = st.columns([2, 2, 3])
days = left.date_input("Between", (today - dt.timedelta(days=30), today), max_value=today,
                       format="YYYY-MM-DD")  # fmt: skip
since, until = (days[0], days[-1]) if days else (None, None)
with state.connection() as con:  # admins only, and rarely: read directly, no cache
    kinds = audit.actions(con)
action = middle.selectbox("Kind of change", kinds, index=None, placeholder="Any")
who = right.text_input("Person (exactly as shown)", placeholder="Anyone")
text = st.text_input("Containing", placeholder="a team, a person, a file name…")

with state.connection() as con:
    found = audit.entries(con, since=since, until=until, by=who.strip() or None, action=action,
                          text=text.strip() or None, limit=5000)  # fmt: skip
st.caption(f"{len(found):,} change(s)" + (" (the newest 5,000)" if len(found) == 5000 else ""))
if found:
    table = pd.DataFrame(
        {
            "When (UTC)": [e["happened_at"] for e in found],
            "Who": [e["who"] for e in found],
            "Role": [e["role"] or "" for e in found],
            "Change": [e["action"] for e in found],
            "Subject": [e["subject"] for e in found],
            "Before → after": [audit.describe(e) for e in found],
        }
    )
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={"When (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm:ss")})  # fmt: skip
    st.download_button("Download these rows (CSV)", rows_to_csv(found), "audit-log.csv",
                       "text/csv", icon=":material/download:")  # fmt: skip
