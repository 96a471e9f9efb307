"""How changes and weeks read on screen (numbers themselves: :mod:`ddq.text`)."""

from __future__ import annotations

import datetime as dt
import re

from ddq import text
from ddq.catalog import MetricDef


def week(monday: dt.date) -> str:
    """``2026-W47 (16 Nov)``: the ISO week people say, and the date they can check."""
    return text.week_label(monday)


def day(date: dt.date) -> str:
    """``Monday 30 Nov 2026``."""
    return text.day_label(date)


def change(metric: MetricDef, diff: float | None, words: str) -> str:
    """A coloured change line, green when it goes the metric's good way (Markdown)."""
    if diff is None:
        return f"no value {words}".rstrip()
    if diff == 0:
        return f"no change {words}".rstrip()
    good = metric.better(diff)
    arrow = "▲" if diff > 0 else "▼"
    colour = "green" if good else "red"
    size = text.change(abs(diff), metric.unit, signed=False)
    return f":{colour}[{arrow} {size}] {words}".rstrip()


# Where the app's Markdown would turn plain text into a link (a scheme's "://", "www.",
# an email's "@"): a word joiner there, invisible and zero-width, keeps it text.
_AUTOLINK = re.compile(r"(?i)(?<=[a-z])(?=://)|(?<=\bwww)(?=\.)|(?<=[\w.+-])(?=@[\w-])")
_WORD_JOINER = "\u2060"


def plain(text: str) -> str:
    """User text for a Markdown line, shown as typed: Markdown and HTML characters escaped,
    and web and email addresses left as text, never made into links."""
    escaped = []
    for char in _AUTOLINK.sub(_WORD_JOINER, text):
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
    # Streamlit colours a rise green ("normal") unless told a rise is bad ("inverse").
    return {"delta_color": "normal" if metric.better(1.0) else "inverse"}
