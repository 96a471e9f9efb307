"""Pieces of the Critical bugs page: a definition in words, stances, impact, adoption.

The rule editor is :mod:`ddq.ui.rule_editor`, re-exported here for the page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import streamlit as st

from ddq import critical
from ddq.ui import write
from ddq.ui.format import plain
from ddq.ui.rule_editor import EXAMPLE_RULE, rule_editor

# The date box takes any date, so that what a person picks is what Adopt uses; the
# adoption itself says which dates it accepts, next to the button.
_ANY_DAY = (dt.date(1970, 1, 1), dt.date(2199, 12, 31))
STANCE_WORDS = {"agree": "agrees", "disagree": "disagrees", "abstain": "abstains", None: "—"}


def sla_words(days: int | None) -> str:
    return "no SLA" if days is None else f"an SLA of {days} day{'s' if days != 1 else ''}"


def definition(d: critical.Definition, *, heading: str) -> None:
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


def stances(rows: list[critical.TeamStance], summary: dict[str, int]) -> None:
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


def impact(found: critical.Impact) -> None:
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
        elif adopt:  # adopting checks again: a refusal (say, another adoption) shows here too
            write.apply(critical.adopt, version, effective_from=day,
                        confirm=f"Version {version} adopted from {day}.",
                        near="versions")  # fmt: skip


__all__ = [
    "EXAMPLE_RULE",
    "adoption",
    "definition",
    "impact",
    "rule_editor",
    "sla_words",
    "stances",
]
