"""Plotly figures, built with graph_objects (plotly.express is far slower with many lines).

One look for every chart, made for a projector at the back of a room: large type, the
Okabe-Ito colour-blind-safe palette, the unit on the axis and the metric's good direction
in the subtitle. Better is always the palette's bluish green, worse its vermillion.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from ddq.metrics import COUNT, DAYS, PERCENT, MetricDef
from ddq.xmr import OUTSIDE, Limits, Signal

# Okabe & Ito (2008): distinguishable with every common colour-vision deficiency.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
BETTER = "#009E73"
WORSE = "#D55E00"
NEUTRAL = "#6E6E6E"
LIMIT = "#8C8C8C"
FONT = "Source Sans Pro, Helvetica, Arial, sans-serif"
LEGEND_Y = -0.2

TEMPLATE = go.layout.Template(
    layout={
        "font": {"family": FONT, "size": 18, "color": "#262730"},
        "title": {"font": {"size": 28}, "x": 0, "xanchor": "left"},
        "colorway": PALETTE,
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "xaxis": {"showgrid": True, "gridcolor": "#E6E6E6", "linecolor": "#BFBFBF",
                  "ticks": "outside", "title": {"standoff": 8}, "automargin": True},
        "yaxis": {"showgrid": True, "gridcolor": "#E6E6E6", "linecolor": "#BFBFBF",
                  "zeroline": False, "rangemode": "tozero", "title": {"standoff": 8}},
        # Below the date ticks' second line (the year, under the first tick and at each new
        # year), which -0.14 hid: in a 500 px figure 0.2 of the plot is about 60 px.
        "legend": {"orientation": "h", "yanchor": "top", "y": LEGEND_Y, "xanchor": "left", "x": 0},
        "hoverlabel": {"font": {"size": 16}},
        "margin": {"l": 70, "r": 30, "t": 90, "b": 40},
    }
)  # fmt: skip

_UNIT_WORDS = {COUNT: "count", PERCENT: "%", DAYS: "days"}


def _text(value: str) -> str:
    """User text (a team, an area, an event's title) for a chart: shown as typed.

    Plotly reads ``<b>``, ``<a href=...>`` and entities in every text it draws; escaped,
    a name is only ever text.
    """
    return html.escape(value, quote=False)


def axis_title(metric: MetricDef) -> str:
    return f"{metric.label} ({_UNIT_WORDS.get(metric.unit, metric.unit)})"


def direction_words(metric: MetricDef) -> str:
    return "lower is better" if metric.lower_is_better else "higher is better"


def _layout(fig: go.Figure, title: str, subtitle: str, metric: MetricDef) -> go.Figure:
    fig.update_layout(
        template=TEMPLATE,
        title={"text": title, "subtitle": {"text": subtitle, "font": {"size": 19}}},
        yaxis_title=axis_title(metric),
        height=500,
        hovermode="x unified",
    )
    if metric.unit == PERCENT:
        fig.update_yaxes(rangemode="normal")
    return fig


def _week_label(week: dt.date) -> str:
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d} ({week:%d %b})"


def trend_figure(
    metric: MetricDef,
    scope_label: str,
    weeks: Sequence[dt.date],
    values: Sequence[float | None],
    *,
    aggregation: str,
    rolling: Sequence[float | None],
    rolling_weeks: int,
    reporting: Sequence[str] | None = None,
    partial: Sequence[bool] | None = None,
    band: tuple[Sequence[float | None], Sequence[float | None]] | None = None,
    limits: Limits | None = None,
    signals: Sequence[Signal] = (),
    events: Sequence[dict[str, Any]] = (),
) -> go.Figure:
    """Weekly values with a rolling mean, natural process limits, signals and events.

    ``partial`` marks weeks some teams did not report (drawn hollow: not comparable);
    ``band`` is the middle half of teams (first and third quartile) for medians.
    """
    fig = go.Figure()
    if band is not None:
        q1, q3 = band
        fig.add_trace(
            go.Scatter(
                x=weeks,
                y=q3,
                mode="lines",
                line={"width": 0},
                hoverinfo="skip",
                showlegend=False,
                connectgaps=False,
            )
        )
        fig.add_trace(
            go.Scatter(
                x=weeks,
                y=q1,
                mode="lines",
                line={"width": 0},
                fill="tonexty",
                fillcolor="rgba(0, 114, 178, 0.12)",
                name="middle half of teams",
                legendrank=6,
                hoverinfo="skip",
                connectgaps=False,
            )
        )
    if limits is not None:
        _add_limits(fig, limits, weeks)
    hover = reporting or [""] * len(weeks)
    symbols = ["circle-open" if p else "circle" for p in (partial or [False] * len(weeks))]
    fig.add_trace(
        go.Scatter(
            x=weeks,
            y=values,
            mode="lines+markers",
            name=f"weekly ({aggregation})",
            legendrank=1,
            line={"color": PALETTE[0], "width": 3},
            connectgaps=False,
            marker={"size": 9, "symbol": symbols, "line": {"width": 2, "color": PALETTE[0]}},
            customdata=[[_week_label(w), h] for w, h in zip(weeks, hover, strict=True)],
            hovertemplate="%{customdata[0]}: <b>%{y:,.4~g}</b> %{customdata[1]}<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=weeks,
            y=rolling,
            mode="lines",
            name=f"{rolling_weeks}-week mean",
            legendrank=2,
            line={"color": PALETTE[1], "width": 3, "dash": "dash"},
            connectgaps=False,
            hovertemplate=f"{rolling_weeks}-week mean: %{{y:,.4~g}}<extra></extra>",
        )
    )
    _add_signals(fig, signals)
    _add_events(fig, events)
    subtitle = f"{_text(scope_label)} · weekly {aggregation} · {direction_words(metric)}"
    if limits is None:
        subtitle += " · too few weeks for process limits"
    return _layout(fig, metric.label, subtitle, metric)


def _add_limits(fig: go.Figure, limits: Limits, weeks: Sequence[dt.date]) -> None:
    span = [weeks[0], weeks[-1]]
    for y, name, dash in ((limits.upper, "process limits", "dot"),
                          (limits.centre, "centre line", "solid"),
                          (limits.lower, "lower limit", "dot")):  # fmt: skip
        fig.add_trace(
            go.Scatter(
                x=span,
                y=[y, y],
                mode="lines",
                name=name,
                legendrank=4 if name == "centre line" else 5,
                line={"color": LIMIT, "width": 2, "dash": dash},
                hovertemplate=f"{name}: {y:,.4g}<extra></extra>",
                showlegend=name != "lower limit",
                legendgroup="limits",
            )
        )
    fig.add_vrect(
        x0=limits.baseline_first - dt.timedelta(days=3), x1=limits.baseline_last + dt.timedelta(days=3),
        fillcolor="#F2F2F2", line_width=0, layer="below",
        annotation_text="baseline", annotation_position="top left",
        annotation_font={"size": 15, "color": NEUTRAL},
    )  # fmt: skip


def _add_signals(fig: go.Figure, signals: Sequence[Signal]) -> None:
    for better in (True, False):
        chosen = [s for s in signals if s.better == better]
        if not chosen:
            continue
        word = "better" if better else "worse"
        fig.add_trace(go.Scatter(
            x=[s.week for s in chosen], y=[s.value for s in chosen], mode="markers",
            name=f"signal: {word}", legendrank=3,
            marker={"size": 17, "symbol": "diamond", "color": BETTER if better else WORSE,
                    "line": {"width": 1.5, "color": "white"}},
            customdata=[[s.rule if s.rule == OUTSIDE else "run of weeks on one side"]
                        for s in chosen],
            hovertemplate=f"signal ({word}): %{{customdata[0]}}<extra></extra>",
        ))  # fmt: skip


def _add_events(fig: go.Figure, events: Sequence[dict[str, Any]]) -> None:
    """Events as markers along the top edge, one per week, with their titles on hover."""
    by_week: dict[dt.date, list[str]] = {}
    for event in events:
        by_week.setdefault(event["week"], []).append(_text(event["title"]))
    if not by_week:
        return
    fig.add_trace(go.Scatter(
        x=list(by_week), y=[1.0] * len(by_week), yaxis="y2", mode="markers", name="events", legendrank=7,
        marker={"symbol": "triangle-down", "size": 13, "color": PALETTE[3]},
        customdata=["<br>".join(titles) for titles in by_week.values()],
        hovertemplate="%{customdata}<extra></extra>",
    ))  # fmt: skip
    fig.update_layout(
        yaxis2={"overlaying": "y", "range": [0, 1.02], "visible": False, "fixedrange": True}
    )


def compare_figure(
    metric: MetricDef, series: dict[str, tuple[Sequence[dt.date], Sequence[float | None]]]
) -> go.Figure:
    """One line per team, gaps where a team did not report."""
    fig = go.Figure()
    for i, (team, (weeks, values)) in enumerate(series.items()):
        fig.add_trace(go.Scatter(
            x=weeks, y=values, mode="lines+markers", name=_text(team), connectgaps=False,
            line={"color": PALETTE[i % len(PALETTE)], "width": 3}, marker={"size": 7},
            # the name from the trace, never inside the template: a "%{...}" in it stays text
            hovertemplate="%{fullData.name}: <b>%{y:,.4~g}</b><extra></extra>",
        ))  # fmt: skip
    return _layout(fig, metric.label, f"{len(series)} teams · {direction_words(metric)}", metric)


def standalone_html(fig: go.Figure) -> str:
    """The figure as one HTML file with Plotly's JavaScript inside: it opens offline."""
    return str(fig.to_html(include_plotlyjs=True, full_html=True))


STATUS_COLOURS = {
    "achieved": BETTER, "on track": "#56B4E9", "at risk": PALETTE[1], "off track": WORSE,
    "no data": NEUTRAL, "no target": "#BFBFBF",
}  # fmt: skip


def progress_figure(
    metric: MetricDef,
    weeks: Sequence[dt.date],
    history: Sequence[float | None],
    *,
    baseline: float | None,
    target: float | None,
    due: dt.date | None,
    projection: float | None,
    status: str,
    trend_now: float | None = None,
) -> go.Figure:
    """A small chart of one team's metric: its weeks, the path projected to the due date,
    the baseline and the target.

    The projection runs from ``trend_now`` (the fitted trend's value in the last week) to
    ``projection`` on the due date: the line the status is judged by. Starting it at the
    last week's own value instead would draw a flat, noisy series as rising or falling.
    """
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=weeks, y=history, mode="lines+markers", name="weekly",
                             line={"color": PALETTE[0], "width": 2}, marker={"size": 5},
                             connectgaps=False, hovertemplate="%{x|%d %b}: %{y:,.4~g}<extra></extra>"))  # fmt: skip
    drawn = due is not None and projection is not None and trend_now is not None
    # A passed due date has nothing left to project.
    if drawn and weeks and due is not None and due > weeks[-1]:
        fig.add_trace(go.Scatter(x=[weeks[-1], due], y=[trend_now, projection], mode="lines",
                                 name="projection", hoverinfo="skip",
                                 line={"color": STATUS_COLOURS.get(status, NEUTRAL), "width": 2,
                                       "dash": "dash"}))  # fmt: skip
    for value, name, colour in ((baseline, "baseline", NEUTRAL), (target, "target", BETTER)):
        if value is not None:
            fig.add_hline(y=value, line={"color": colour, "width": 1.5, "dash": "dot"},
                          annotation_text=name, annotation_position="top left",
                          annotation_font={"size": 13, "color": colour})  # fmt: skip
    fig.update_layout(template=TEMPLATE, height=220, showlegend=False,
                      margin={"l": 40, "r": 10, "t": 10, "b": 30},
                      yaxis_title=None, font={"size": 14})  # fmt: skip
    # A card is narrow: month names fit on one line where "Jul 2026" would be turned and
    # cut off; the due date's year is in the card's text.
    fig.update_xaxes(tickformat="%b", tickangle=0, nticks=6)
    if metric.unit == PERCENT:
        fig.update_yaxes(rangemode="normal")
    return fig
