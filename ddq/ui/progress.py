"""Pieces of the Progress page: a card per metric, the area grid, the target forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from ddq import charts, clock, text
from ddq import progress as core
from ddq.ui import feedback, state, write
from ddq.ui.format import plain

BADGE = {"achieved": "green", "on track": "blue", "at risk": "orange", "off track": "red",
         "no data": "gray", "no target": "gray"}  # fmt: skip


def card(row: Any) -> None:
    """One metric of one team: status, baseline to current to target, pace, projection."""
    metric = row.metric
    with st.container(border=True):
        st.markdown(f"**{metric.label}** :{BADGE.get(row.status, 'gray')}-badge[{row.status}]")
        # Worded together: two different numbers never read the same, the target as set.
        baseline, current, target = text.numbers([row.baseline, row.current, row.target],
                                                 metric.unit, exact=[False, False, True])  # fmt: skip
        st.markdown(f"{baseline} → **{current}** → {target}"
                    + (f" by {row.due:%d %b %Y}" if row.due else ""))  # fmt: skip
        st.caption(plain(row.reason))
        weeks = [row.as_of - dt.timedelta(weeks=len(row.history) - 1 - i)
                 for i in range(len(row.history))]  # fmt: skip
        if row.history:
            st.plotly_chart(
                charts.progress_figure(metric, weeks, row.history, baseline=row.baseline,
                                       target=row.target, due=row.due, projection=row.projection,
                                       status=row.status, trend_now=row.trend_now),
                theme=None, config={"displayModeBar": False}, key=f"progress_{row.team}_{metric.key}",
            )  # fmt: skip
        if row.weeks_since_signal is not None:
            st.caption(f"Last improvement signal {row.weeks_since_signal} week(s) ago.")


def area_grid(rows: list[Any]) -> None:
    """Teams by metrics, each cell the status, coloured."""
    if not rows:
        st.caption("No teams here yet.")
        return
    frame = pd.DataFrame([{"Team": r.team, "metric": r.metric.label, "status": r.status}
                          for r in rows])  # fmt: skip
    grid = frame.pivot_table(index="Team", columns="metric", values="status", aggfunc="first")
    # Metrics someone set a target for first, each group in catalog order.
    order = list(dict.fromkeys(r.metric.label for r in rows))
    targeted = {r.metric.label for r in rows if r.has_target}
    grid = grid[sorted(order, key=lambda label: (label not in targeted, order.index(label)))]
    grid = grid.fillna("").reset_index()
    colours = {k: f"background-color: {v}; color: white" for k, v in charts.STATUS_COLOURS.items()}
    colours["no target"] = "color: #8C8C8C"
    colours["no data"] = "background-color: #E6E6E6; color: #262730"
    styled = grid.style.map(lambda v: colours.get(v, ""))
    st.dataframe(styled, hide_index=True)


SCOPES = ("one team", "every team of an area")


def target_form(teams: list[str], areas: list[str], area_of: dict[str, str | None], *,
                team: str | None, area: str | None) -> None:  # fmt: skip
    """Set a target, starting from what is on screen: ``team`` (or ``area``), the target it
    has for the metric, a due date ahead. Confirmed in words under its button.

    Each widget's key names what was on screen, so that a form opened on another team (or
    area) starts from that one instead of keeping an earlier choice.
    """
    screen = f"{team}|{area}"
    scope = (st.radio("For", SCOPES, index=1 if team is None and area else 0, horizontal=True,
                      key=f"target_scope_{screen}") if areas else SCOPES[0])  # fmt: skip
    if scope == SCOPES[0]:
        chosen = st.selectbox("Team", teams, index=teams.index(team) if team in teams else None,
                              placeholder="Choose a team", key=f"target_team_{screen}")  # fmt: skip
    else:
        start = area or area_of.get(team or "")
        chosen = st.selectbox("Area", areas, index=areas.index(start) if start in areas else None,
                              placeholder="Choose an area", key=f"target_area_{screen}")  # fmt: skip
    metric = st.selectbox("Metric", [m.key for m in state.catalog()], key="target_metric",
                          format_func=lambda k: state.metric(k).label)  # fmt: skip
    with state.connection() as con:
        if scope == SCOPES[0]:
            draft = core.target_draft(con, metric, team=chosen)
        else:
            draft = core.target_draft(con, metric, area=chosen)
    unit = state.metric(metric).unit
    started = f"{scope}|{chosen}|{metric}"  # a new choice: the form starts from its stored target
    with st.form("target"):
        target = st.number_input("Target", value=draft.target, step=1.0, key=f"target_{started}",
                                 placeholder="Type the value to reach",
                                 help=f"In {unit}." if unit in ("days", "percent") else None)  # fmt: skip
        due = st.date_input("Due", draft.due, min_value=clock.today(), key=f"target_due_{started}")
        saved = st.form_submit_button("Save target", type="primary")
    if saved and chosen is None:
        st.warning(f"Choose {'a team' if scope == SCOPES[0] else 'an area'}: nothing was saved.")
    elif saved and target is None:
        st.warning("Type the target to reach: nothing was saved.")
    elif saved and scope == SCOPES[0]:
        write.apply(core.set_target, chosen, metric, target=target, due=due, near="target")
    elif saved:
        write.apply(core.adopt_area_target, chosen, metric, target=target, due=due, near="target")
    feedback.show_flash("target")
