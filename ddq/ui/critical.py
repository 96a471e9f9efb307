"""Pieces of the Critical bugs page: a definition in words, stances, impact, the editor."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd
import streamlit as st

from ddq.ui.format import plain

EXAMPLE_RULE = {"any": [{"field": "priority", "in": ["Blocker", "Critical"]},
                        {"all": [{"field": "labels", "has_any": ["security", "data-loss"]},
                                 {"field": "type", "in": ["Bug"]}]}]}  # fmt: skip
STANCE_WORDS = {"agree": "agrees", "disagree": "disagrees", "abstain": "abstains", None: "—"}


def sla_words(days: int | None) -> str:
    return "no SLA" if days is None else f"an SLA of {days} day{'s' if days != 1 else ''}"


def definition(d: dict[str, Any], *, heading: str) -> None:
    """A version in plain words: title, status, the rule explained, SLA, rationale, examples."""
    since = f", in force since {d['effective_from']:%d %b %Y}" if d.get("effective_from") else ""
    st.markdown(f"#### {heading} v{d['version']}: {plain(d['title'])}")
    st.caption(f"{d['status'].capitalize()}{since} · {sla_words(d['sla_days'])}")
    st.info(plain(d["explanation"]), icon=":material/rule:")
    if d["rationale"]:
        st.markdown("**Why:** " + plain(d["rationale"]))
    if d["examples"]:
        st.markdown("**Examples:** " + plain(d["examples"]))
    with st.popover("Rule as data"):
        st.code(d["rule_json"], language="json")


def stances(rows: list[dict[str, Any]], summary: dict[str, int]) -> None:
    """Where each team stands, with the counts on top (only a team's champion votes) and
    every disagreement's comment in full under the table."""
    columns = st.columns(4)
    for column, (key, words) in zip(columns, (("agree", "Agree"), ("disagree", "Disagree"),
                                              ("abstain", "Abstain"), ("none", "No stance yet")), strict=True):  # fmt: skip
        column.metric(words, summary.get(key, 0))
    if summary.get("no_champion"):
        count = summary["no_champion"]
        st.caption(f"{count} team{' has' if count == 1 else 's have'} no champion, so no vote: "
                   "name one on the Champions page.")  # fmt: skip
    st.dataframe(pd.DataFrame([{
        "Team": r["team"], "Area": r["area"] or "", "Champion": r["champion"] or "no champion",
        "Stance": STANCE_WORDS[r["stance"]], "Comment": r["comment"],
    } for r in rows]), hide_index=True)  # fmt: skip
    against = [r for r in rows if r["stance"] == "disagree"]
    if against:
        st.markdown("**Why teams disagree**")
        for r in against:
            st.markdown(f"- **{plain(r['team'])}** ({plain(r['champion'] or 'no champion')}): "
                        + plain(" ".join(r["comment"].split())))  # fmt: skip


def impact(found: dict[str, Any]) -> None:
    """Per team, critical open bugs now and under the draft; the bugs that change class."""
    against = f"v{found['against']}" if found["against"] else "no definition"
    st.caption(f"Open bugs on {found['on']:%d %b %Y}: critical under {against} against under "
               f"v{found['version']}.")  # fmt: skip
    st.dataframe(pd.DataFrame([{
        "Team": r["team"], "Open bugs": r["open_bugs"], "Critical now": r["critical_before"],
        "Critical under the draft": r["critical_after"], "Change": r["change"],
    } for r in found["teams"] if r["open_bugs"]]), hide_index=True)  # fmt: skip
    if found["changed"]:
        st.markdown(f"**{found['changed_total']} bugs change class**")
        st.dataframe(pd.DataFrame([{
            "Key": b["key"], "Team": b["team"], "Becomes": b["becomes"], "Summary": b["summary"],
            "Priority": b["priority"], "Type": b["type"], "Labels": ", ".join(b["labels"] or []),
        } for b in found["changed"]]), hide_index=True)  # fmt: skip
    else:
        st.caption("No open bug changes class.")


def rule_text(rule: dict[str, Any] | None) -> str:
    return json.dumps(rule or EXAMPLE_RULE, indent=2)
