"""Overview: the latest complete week for the organisation or an area, movers, freshness."""

import streamlit as st

from ddq import text
from ddq.access import EDITOR
from ddq.trends import MOVERS_HISTORY_WEEKS, QUARTER_WEEKS, RECENT_WEEKS, SILENT_WEEKS
from ddq.ui import auth, params, sources, state, unassigned
from ddq.ui import format as fmt

ORGANISATION = "Whole organisation"
HEADLINE_METRIC = "open_critical_bugs"

st.title("Overview")
if not state.counts()["values"]:
    st.info("No metric values yet. Import a metrics file on the **Upload** page to begin.",
            icon=":material/upload_file:")  # fmt: skip
    if auth.current().may(EDITOR):  # a viewer's navigation has no Upload page to link to
        st.page_link("app_pages/upload.py", label="Go to Upload", icon=":material/upload_file:")
    st.stop()

areas = state.areas()
catalog = state.catalog()
keys = [m.key for m in catalog]
warnings = params.seed("area", ORGANISATION, allowed=[ORGANISATION, *areas])
warnings += params.seed("metric", HEADLINE_METRIC if HEADLINE_METRIC in keys else keys[0],
                        allowed=keys)  # fmt: skip
for warning in warnings:
    st.caption(warning)
choice = st.selectbox("Scope", [ORGANISATION, *areas], key="area")
area = None if choice == ORGANISATION else choice

headlines = state.headlines(area)
if not headlines:
    st.info("No complete week has been reported yet for this scope.")
    st.stop()
st.subheader(f"Week {fmt.week(headlines[0]['week'])}")
columns = st.columns(4)
for i, h in enumerate(headlines):
    metric, vs, vs_quarter = h["metric"], h["vs_previous"], h["vs_quarter"]
    how = "total of" if metric.unit == "count" else "median of"
    with columns[i % 4], st.container(border=True):
        st.metric(
            metric.label,
            text.number(h["value"], metric.unit),
            delta=None if vs is None else text.change(vs.value, metric.unit),
            **fmt.delta_style(metric, None if vs is None else vs.value),
            delta_description="vs week before",
            help=f"{metric.description} The {how} the {h['reporting']} of {h['expected']} "
            "teams that reported. Changes compare only the teams that reported both weeks.",
            chart_data=h["history"],
        )  # fmt: skip
        st.markdown(fmt.change(metric, None if vs_quarter is None else vs_quarter.value,
                               f"vs {QUARTER_WEEKS} weeks ago"))  # fmt: skip
        if h["reporting"] < h["expected"]:
            st.caption(f"Only {h['reporting']} of {h['expected']} teams reported this week.")
        compared = text.compared_teams([
            ("the week before", None if vs is None else vs.teams),
            (f"{QUARTER_WEEKS} weeks ago", None if vs_quarter is None else vs_quarter.teams),
        ])  # fmt: skip
        if compared:
            st.caption(compared)
st.caption("Green is better for that metric: fewer bugs, faster resolution, a higher pass rate. "
           "Counts are totals over teams; rates and days are the median team.")  # fmt: skip
if area is None:
    unassigned.flag()

left, right = st.columns(2)
with left:
    st.subheader("Biggest movers")
    key = st.selectbox("Metric", keys, key="metric", format_func=lambda k: state.metric(k).label)
    metric = state.metric(key)
    moved, history = state.movers(area, key)
    st.caption(f"Mean of the last {RECENT_WEEKS} weeks against the same {RECENT_WEEKS} weeks "
               f"{QUARTER_WEEKS} weeks earlier.")  # fmt: skip
    improved = [m for m in moved if m["improvement"] > 0][:5]
    regressed = [m for m in reversed(moved) if m["improvement"] < 0][:5]
    too_short = not moved and history < MOVERS_HISTORY_WEEKS
    if too_short:
        st.info(f"Movers need {MOVERS_HISTORY_WEEKS} weeks of history; you have {history}.")
    for title, group in () if too_short else (("Improved most", improved),
                                               ("Regressed most", regressed)):  # fmt: skip
        st.markdown(f"**{title}**")
        if not group:
            st.caption("None.")
        for m in group:
            earlier, recent = text.numbers([m["earlier"], m["recent"]], metric.unit)
            st.markdown(f"- {fmt.plain(m['team'])}: {earlier} → {recent} · "
                        + fmt.change(metric, m["change"], ""))  # fmt: skip
with right:
    st.subheader("Data freshness")
    fresh = state.freshness(area)
    last = fresh["last_import"]
    if last:
        st.markdown(f"Last import: **{fmt.plain(last['file_name'])}** by {fmt.plain(last['who'])}"
                    f", {last['imported_at']:%d %b %Y %H:%M} UTC")  # fmt: skip
    sources.bug_data_age()
    missing = fresh["not_reported"]
    if missing:
        st.markdown(f"**Not yet reported for {fmt.week(fresh['week'])}:** "
                    + ", ".join(fmt.plain(t) for t in missing))  # fmt: skip
    else:
        st.markdown(f"Every team has reported {fmt.week(fresh['week'])}.")
    st.markdown(f"**No data for {SILENT_WEEKS}+ weeks:**")
    if not fresh["silent"]:
        st.caption("None.")
    for team in fresh["silent"]:
        st.markdown(f"- {fmt.plain(team['team'])}: last value {fmt.week(team['last_week'])}")

params.publish({"area": area, "metric": key})
