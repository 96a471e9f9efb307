"""Pieces of the Critical bugs page: a definition in words, stances, impact, the editor."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd
import streamlit as st

from ddq import critical
from ddq.ui import write
from ddq.ui.format import plain

EXAMPLE_RULE = {"any": [{"field": "priority", "in": ["Blocker", "Critical"]},
                        {"all": [{"field": "labels", "has_any": ["security", "data-loss"]},
                                 {"field": "type", "in": ["Bug"]}]}]}  # fmt: skip
# The date box takes any date, so that what a person picks is what Adopt uses; the
# adoption itself says which dates it accepts, next to the button.
_ANY_DAY = (dt.date(1970, 1, 1), dt.date(2199, 12, 31))
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
    """Where each team stands, with the counts on top."""
    columns = st.columns(4)
    for column, (key, words) in zip(columns, (("agree", "Agree"), ("disagree", "Disagree"),
                                              ("abstain", "Abstain"), ("none", "No stance yet")), strict=True):  # fmt: skip
        column.metric(words, summary.get(key, 0))
    st.dataframe(pd.DataFrame([{
        "Team": r["team"], "Area": r["area"] or "", "Champion": r["champion"] or "no champion",
        "Stance": STANCE_WORDS[r["stance"]], "Comment": r["comment"],
    } for r in rows]), hide_index=True)  # fmt: skip


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


def adoption(version: int, dates: critical.AdoptionDates, left: Any, right: Any) -> None:
    """The effective date (suggested, then as picked) and Adopt, or why that date is refused."""
    day = left.date_input(
        "Effective from", dates.suggested, min_value=_ANY_DAY[0], max_value=_ANY_DAY[1],
        key=f"effective_{version}",
        help=f"Accepted: {dates.earliest} to {dates.latest}. Suggested: {dates.suggested}, "
        f"{dates.why}.",
    )  # fmt: skip
    if day == dates.suggested:
        left.caption(plain(f"Suggested: {dates.why}."))
    problem = dates.problem(version, day)
    with right:
        adopt = st.button("Adopt", type="primary", key=f"adopt_{version}",
                          disabled=problem is not None)  # fmt: skip
        if problem is not None:
            st.error(plain(problem), icon=":material/event_busy:")
        elif adopt:  # refused now (someone adopted meanwhile): said here too
            write.apply(critical.adopt, version, effective_from=day,
                        confirm=f"Version {version} adopted from {day}.")  # fmt: skip
