"""Pieces of the Progress page: a card per metric, the area grid, the target forms."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import streamlit as st

from ddq import charts, text
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
