"""How numbers and weeks read on screen."""

from __future__ import annotations

import datetime as dt

from ddq.metrics import MetricDef

UNIT_SUFFIX = {"percent": " %", "days": " d"}


def number(value: float, unit: str, *, signed: bool = False) -> str:
    """A value as people read it: counts whole, others to one decimal, with the unit."""
    decimals = 0 if unit == "count" or value == round(value) else 1
    text = f"{value:+,.{decimals}f}" if signed else f"{value:,.{decimals}f}"
    return text + UNIT_SUFFIX.get(unit, "")


def mean(value: float, unit: str) -> str:
    """A mean of weekly values: one decimal even for counts (6.25 bugs a week is 6.2, not 6)."""
    return f"{value:,.1f}" + UNIT_SUFFIX.get(unit, "")


def week(monday: dt.date) -> str:
    """``2026-W47 (16 Nov)``: the ISO week people say, and the date they can check."""
    year, number_, _ = monday.isocalendar()
    return f"{year}-W{number_:02d} ({monday:%d %b})"


def change(
    metric: MetricDef, now: float, before: float | None, words: str, *, of_means: bool = False
) -> str:
    """A coloured change line, green when it goes the metric's good way (Markdown)."""
    if before is None:
        return f"no value {words}"
    diff = now - before
    if diff == 0:
        return f"no change {words}"
    good = (diff < 0) == metric.lower_is_better
    arrow = "▲" if diff > 0 else "▼"
    colour = "green" if good else "red"
    size = mean(abs(diff), metric.unit) if of_means else number(abs(diff), metric.unit)
    return f":{colour}[{arrow} {size}] {words}".rstrip()


def plain(text: str) -> str:
    """User text for a Markdown line, shown as typed: Markdown and HTML characters escaped."""
    escaped = []
    for char in text:
        if char in "\\`*_{}[]()<>#+-.!|~:$&":
            escaped.append("\\" + char)
        else:
            escaped.append(char)
    return "".join(escaped)


def lines(texts: list[str] | str) -> str:
    """Several lines of user text for one Markdown block, each shown as typed, on its own line
    (a bare line break would run them together)."""
    if isinstance(texts, str):
        texts = texts.splitlines()
    return "  \n".join(plain(t) for t in texts)


def delta_style(metric: MetricDef, change: float | None) -> dict[str, str]:
    """st.metric's delta colour and arrow: by the metric's direction, grey with no arrow at 0."""
    if change == 0:
        return {"delta_color": "off", "delta_arrow": "off"}
    return {"delta_color": "inverse" if metric.lower_is_better else "normal"}
