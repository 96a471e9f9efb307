"""Trends: one metric over time, with natural process limits to tell signal from noise."""

import streamlit as st

from ddq import charts
from ddq.export import rows_to_csv
from ddq.trends import (
    DEFAULT_ROLLING_WEEKS,
    DEFAULT_WINDOW_WEEKS,
    MAX_COMPARED_TEAMS,
    Scope,
    default_baseline,
)
from ddq.ui import format as fmt
from ddq.ui import params, state, unassigned

WINDOWS = {13: "13 weeks", 26: "26 weeks", 52: "1 year", 104: "2 years", 0: "everything"}
SCOPES = ("Organisation", "Area", "Teams")

st.title("Trends")
if not state.counts()["values"]:
    st.info("No metric values yet. Import a metrics file on the **Upload** page to begin.")
    st.stop()

catalog = state.catalog()
keys = [m.key for m in catalog]
areas, teams = state.areas(), state.teams()
notes = params.seed("metric", "open_critical_bugs" if "open_critical_bugs" in keys else keys[0],
                    allowed=keys)  # fmt: skip
notes += params.seed("scope", "Organisation", allowed=SCOPES)
notes += params.seed("area", areas[0] if areas else None, allowed=areas)
notes += params.seed_list("team", teams, MAX_COMPARED_TEAMS)
notes += params.seed("weeks", DEFAULT_WINDOW_WEEKS, parse=int, allowed=list(WINDOWS))
notes += params.seed("rolling", DEFAULT_ROLLING_WEEKS, parse=int, allowed=range(1, 14))
notes += params.seed("baseline", None, parse=params.week_range)
for note in notes:
    st.caption(note)


top = st.columns([3, 3, 3, 2, 2])
key = top[0].selectbox("Metric", keys, key="metric", format_func=lambda k: state.metric(k).label)
scope_kind = top[1].radio("Scope", SCOPES, key="scope", horizontal=True)
if scope_kind == "Area" and areas:
    scope = Scope(area=top[2].selectbox("Area", areas, key="area"))
elif scope_kind == "Teams":
    chosen = top[2].multiselect("Teams (up to 10)", teams, key="team",
                                max_selections=MAX_COMPARED_TEAMS)  # fmt: skip
    scope = Scope(teams=tuple(chosen)) if chosen else Scope()
else:
    scope = Scope()
weeks = top[3].selectbox("Window", list(WINDOWS), key="weeks", format_func=lambda w: WINDOWS[w])
rolling = top[4].number_input("Rolling mean (weeks)", 1, 13, key="rolling")

# Each series (metric, scope, window) has a baseline of its own, kept while the person looks
# at others: a baseline chosen for 26 weeks never judges "everything". A link's baseline
# belongs to the series the link opens.
series = "|".join(map(str, (key, scope_kind, scope.area, scope.teams, weeks)))
slider_key = f"baseline:{series}"
st.session_state.setdefault("linked_series", series)
baseline = params.as_range(st.session_state.get(slider_key))
if baseline is None and series == st.session_state["linked_series"]:
    baseline = params.as_range(st.session_state.get("baseline"))
view = state.trend(key, scope, weeks or None, rolling, baseline)
if view is not None and baseline and not {*baseline} <= {*view.weeks}:
    st.caption(f"The baseline {fmt.week(baseline[0])} to {fmt.week(baseline[1])} is outside "
               "this window; showing the default baseline.")  # fmt: skip
    baseline = None
    view = state.trend(key, scope, weeks or None, rolling, None)
if view is None:
    st.info("No values in this window.")
    st.stop()
if scope.area is None and not scope.teams:
    unassigned.flag()
if scope_kind == "Teams" and not scope.teams:
    st.caption("Pick teams to compare; showing the whole organisation meanwhile.")

if view.compared:
    figure = charts.compare_figure(
        view.metric, {t: (view.weeks, v) for t, v in view.compared.items()}
    )
else:
    figure = charts.trend_figure(
        view.metric, scope.label, view.weeks, view.values, aggregation=view.aggregation,
        rolling=view.rolling, rolling_weeks=view.rolling_weeks, partial=view.partial,
        reporting=[f"({r} of {e} teams)" if e else "" for r, e in zip(view.reporting, view.expected, strict=True)],
        band=(view.q1, view.q3) if view.q1 and view.q3 is not None else None, limits=view.limits, signals=view.signals,
        events=view.events,
    )  # fmt: skip
st.plotly_chart(figure, theme=None, config={"displaylogo": False})

if not view.compared:
    with st.expander("Process limits: baseline period", icon=":material/tune:"):
        if params.as_range(st.session_state.get(slider_key, view.baseline)) != view.baseline:
            del st.session_state[slider_key]  # not a range of this window: start again
        # The value makes it a range slider: without it the widget hands back one week.
        st.select_slider("Baseline weeks", options=view.weeks, value=view.baseline,
                         key=slider_key, format_func=fmt.week)  # fmt: skip
        st.caption("The centre line is the mean of the baseline weeks; the limits sit 2.66 "
                   "average moving ranges either side. A week outside them, or 8 weeks in a "
                   "row on one side of the centre, is a signal: something changed.")  # fmt: skip
    if view.signals:
        better = sum(s.better for s in view.signals)
        st.markdown(f"**{len(view.signals)} signal weeks**: :green[{better} better], "
                    f":red[{len(view.signals) - better} worse] than the baseline.")  # fmt: skip
    elif view.limits:
        st.markdown("**No signals**: every week is within routine variation of the baseline.")
    if any(view.partial):
        st.caption("Hollow points: weeks some teams did not report. Their totals are not "
                   "comparable, so they are left out of the limits and signals.")  # fmt: skip
if view.estimated:
    st.caption(f"{view.estimated} bugs behind these numbers have no resolution date in their "
               "export: their resolution is estimated from their last update.")  # fmt: skip
for gap in view.missing:
    st.caption(f"{fmt.plain(gap['team'])} did not report: "
               + ", ".join(fmt.week(w) for w in gap["weeks"]))  # fmt: skip

name = f"{view.metric.key}-{scope.label.replace(' ', '_').lower()}"
left, right = st.columns(2)
left.download_button("Data behind the chart (CSV)", rows_to_csv(view.table()), f"{name}.csv",
                     "text/csv", icon=":material/download:")  # fmt: skip
right.download_button("Chart as HTML (works offline)", lambda: charts.standalone_html(figure),
                      f"{name}.html", "text/html", icon=":material/download:",
                      on_click="ignore")  # fmt: skip

# Only a baseline someone chose goes into the link: the default follows the window.
chosen_baseline = None if view.compared else params.as_range(st.session_state.get(slider_key))
if chosen_baseline == default_baseline(view.weeks[0], view.weeks[-1]):
    chosen_baseline = None
params.publish({
    "metric": key, "scope": scope_kind, "area": scope.area, "team": list(scope.teams),
    "weeks": weeks, "rolling": rolling,
    "baseline": f"{chosen_baseline[0]}..{chosen_baseline[1]}" if chosen_baseline else None,
})  # fmt: skip
