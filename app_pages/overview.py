"""Overview: the organisation's latest complete week, metric by metric."""

import streamlit as st

from ddq.ui import state
from ddq.ui.format import number

st.title("Overview")
counts = state.read("counts")
if not counts["values"]:
    st.info(
        "No metric values yet. Import a metrics file on the **Upload** page to begin.",
        icon=":material/upload_file:",
    )
    st.page_link("app_pages/upload.py", label="Go to Upload", icon=":material/upload_file:")
    st.stop()

st.caption(
    f"{counts['teams']} teams in {counts['areas']} areas · weekly values from "
    f"{counts['first_week']:%d %b %Y} to {counts['last_week']:%d %b %Y}"
)
headlines = state.read("headlines")
if not headlines:
    st.info("No complete week has been reported yet: values appear here once a week is over.")
    st.stop()

st.subheader(f"Week of {headlines[0]['week']:%d %b %Y}, against the week before")
columns = st.columns(4)
for i, h in enumerate(headlines):
    metric = h["metric"]
    how = "total over" if metric.unit == "count" else "median of"
    with columns[i % 4]:
        st.metric(
            metric.label,
            number(h["value"], metric.unit),
            delta=None
            if h["previous"] is None
            else number(h["value"] - h["previous"], metric.unit, signed=True),
            delta_color="inverse" if metric.lower_is_better else "normal",
            help=f"{metric.description} Organisation figure: {how} the "
            f"{h['teams_reporting']} teams that reported.",
            chart_data=h["history"],
            border=True,
        )
st.caption(
    "Green is better: fewer bugs, faster resolution, a higher pass rate. "
    "Sparklines show the last 26 weeks."
)
