"""A team's slide: the presenter view of one team as a 1280x720 Plotly figure.

Who presents (its place on the agenda, its champion and whether present), its numbers as
cards (value, change on the week before, target and status, sparkline), its notes and its
open actions. Everything is placed in pixels.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from ddq import text
from ddq.charts import BETTER, FONT, NEUTRAL, PALETTE, STATUS_COLOURS, WORSE
from ddq.meeting import NOTE_KINDS, NOTE_LABELS, Meeting, MetricRow, TeamView
from ddq.meeting.days import long_date
from ddq.slides.fitting import fit, plotly_text, text_width, wrap

# A 16:9 slide, the size of a projector's picture and of the PNG.
WIDTH, HEIGHT = 1280, 720
MARGIN = 40
# Four cards a row, two rows: with the notes below them, what 720 pixels hold at sizes
# readable from the back of a room (the value is 38 px). Further metrics are named below.
COLUMNS, ROWS = 4, 2
MAX_CARDS = COLUMNS * ROWS
# Lines for the notes (one at least for each kind, more to the longer ones) and for the
# open actions; what does not fit ends in an ellipsis.
NOTE_LINES = 7
ACTION_LINES = 7
INK = "#262730"
MUTED = "#5F6270"
CARD_LINE = "#D9DAE0"
# Status badges: the progress charts' colours, with the text colour that reads on each.
_BADGE_TEXT = {"achieved": "white", "off track": "white", "no data": "white"}
_PRESENCE = {True: ("present", BETTER), False: ("absent", WORSE), None: ("not marked", NEUTRAL)}


class _Page:
    """A slide being drawn in pixels from its top left corner (Plotly's paper coordinates
    run from the bottom left, from 0 to 1)."""

    def __init__(self) -> None:
        self.annotations: list[dict[str, Any]] = []
        self.shapes: list[dict[str, Any]] = []
        self.data: list[dict[str, Any]] = []
        self.axes: dict[str, Any] = {}

    def text(self, x: float, y: float, words: str, *, size: float = 16, colour: str = INK,
             bold: bool = False, align: str = "left", badge: str | None = None,
             escape: bool = True) -> None:  # fmt: skip
        """Text whose top is at ``y``; ``align`` says which side of it ``x`` is."""
        shown = plotly_text(words) if escape else words
        note: dict[str, Any] = {
            "x": x / WIDTH, "y": 1 - y / HEIGHT, "xref": "paper", "yref": "paper",
            "xanchor": align, "yanchor": "top", "showarrow": False, "align": align,
            "text": f"<b>{shown}</b>" if bold else shown,
            "font": {"size": size, "color": colour},
        }  # fmt: skip
        if badge is not None:
            note.update(bgcolor=badge, borderpad=4)
        self.annotations.append(note)

    def box(self, x0: float, y0: float, x1: float, y1: float, *, line: str = CARD_LINE,
            fill: str = "white", width: float = 1.5) -> None:  # fmt: skip
        self.shapes.append({
            "type": "rect", "xref": "paper", "yref": "paper", "layer": "below",
            "x0": x0 / WIDTH, "x1": x1 / WIDTH, "y0": 1 - y1 / HEIGHT, "y1": 1 - y0 / HEIGHT,
            "line": {"color": line, "width": width}, "fillcolor": fill,
        })  # fmt: skip

    def sparkline(self, x0: float, y0: float, x1: float, y1: float,
                  values: Sequence[float]) -> None:  # fmt: skip
        """A small line of ``values`` in the box, without axes; its last value marked."""
        n = len(self.axes) // 2 + 1
        name = "" if n == 1 else str(n)
        self.axes[f"xaxis{name}"] = {"domain": [x0 / WIDTH, x1 / WIDTH], "anchor": f"y{name}",
                                     "visible": False, "fixedrange": True}  # fmt: skip
        self.axes[f"yaxis{name}"] = {"domain": [1 - y1 / HEIGHT, 1 - y0 / HEIGHT],
                                     "anchor": f"x{name}", "visible": False,
                                     "fixedrange": True}  # fmt: skip
        last = len(values) - 1
        self.data.append({
            "type": "scatter", "mode": "lines+markers", "x": list(range(len(values))),
            "y": list(values), "xaxis": f"x{name}", "yaxis": f"y{name}", "hoverinfo": "skip",
            "line": {"color": PALETTE[0], "width": 2.5},
            "marker": {"size": [0] * last + [8], "color": PALETTE[0]},
        })  # fmt: skip

    def figure(self) -> dict[str, Any]:
        return {
            "data": self.data,
            "layout": {
                "width": WIDTH, "height": HEIGHT, "autosize": False,
                "margin": {"l": 0, "r": 0, "t": 0, "b": 0, "pad": 0},
                "paper_bgcolor": "white", "plot_bgcolor": "white", "showlegend": False,
                "font": {"family": FONT, "size": 16, "color": INK},
                "annotations": self.annotations, "shapes": self.shapes,
                # Without data the first axes still draw a grid: hidden like the others.
                "xaxis": {"visible": False}, "yaxis": {"visible": False},
                **self.axes,
            },
        }  # fmt: skip


def _header(page: _Page, view: TeamView, meeting: Meeting) -> None:
    """Who presents (team, its place on the agenda, champion), and which meeting."""
    total = len(meeting["teams"])
    right = WIDTH - MARGIN
    when = f"Meeting of {long_date(meeting['held_on'])}"
    scope = meeting["scope"]
    side = max(text_width(when, 20), min(text_width(scope, 18), 380))
    page.text(right, 26, fit(when, side, 20), size=20, colour=MUTED, align="right")
    page.text(right, 56, fit(scope, side, 18), size=18, colour=MUTED, align="right")
    title_room = right - MARGIN - side - 30
    prefix = f"Team {view['position'] + 1} of {total}: "
    name = fit(view["team"], title_room - text_width(prefix, 36, True), 36, bold=True)
    page.text(MARGIN, 20, prefix + name, size=36, bold=True)

    if view["removed"]:
        return
    area = f"{view['area']} · " if view["area"] else ""
    if view["champion"] is None:
        who = f"{area}No champion"
        page.text(MARGIN, 74, fit(who, right - MARGIN - 260, 20), size=20, colour=MUTED)
    else:
        presence, colour = _PRESENCE[view["present"]]
        room = right - MARGIN - 260 - text_width(f" · {presence}", 20, True)
        who = fit(f"{area}Champion {view['champion']}", room, 20)
        words = f"{plotly_text(who)} · <span style='color:{colour}'><b>{presence}</b></span>"
        page.text(MARGIN, 74, words, size=20, escape=False)
    page.text(right, 78, f"Numbers of the week of {view['week'].day} {view['week']:%b %Y}",
              size=16, colour=MUTED, align="right")  # fmt: skip


def _change_words(m: MetricRow, week: dt.date) -> tuple[str, str]:
    """The card's change line and its colour, in the presenter view's words."""
    metric = m["metric"]
    when = "" if m["week"] == week else f"week of {m['week'].day} {m['week']:%b}, "
    if m["change"] is None:
        return f"{when}no value the week before", NEUTRAL
    if m["change"] == 0:
        return f"{text.change(0, metric.unit)} {when}vs week before", NEUTRAL
    arrow = "▲" if m["change"] > 0 else "▼"
    colour = BETTER if m["better"] else WORSE
    return f"{arrow} {text.change(m['change'], metric.unit)} {when}vs week before", colour


def _card(page: _Page, m: MetricRow, week: dt.date, x: float, y: float, w: float,
          h: float) -> None:  # fmt: skip
    metric = m["metric"]
    pad = 14
    inner = w - 2 * pad
    status = m.get("status") if m.get("target") is not None else None
    page.box(x, y, x + w, y + h)
    if status:  # a bar down the card's left side in the status colour
        page.box(x, y, x + 6, y + h, line=STATUS_COLOURS.get(status, NEUTRAL),
                 fill=STATUS_COLOURS.get(status, NEUTRAL), width=0)  # fmt: skip
    badge_room = 0.0
    if status:
        colour = STATUS_COLOURS.get(status, NEUTRAL)
        page.text(x + w - pad, y + 11, status, size=15, bold=True, align="right", badge=colour,
                  colour=_BADGE_TEXT.get(status, INK))  # fmt: skip
        badge_room = text_width(status, 15, True) + 16
    page.text(x + pad, y + 12, fit(metric.label, inner - badge_room, 17), size=17, colour=MUTED)
    value, target = text.numbers([m["value"], m.get("target")], metric.unit, exact=[False, True])
    page.text(x + pad, y + 36, fit(value, inner, 38, bold=True), size=38, bold=True)
    words, colour = _change_words(m, week)
    page.text(x + pad, y + 84, fit(words, inner, 16), size=16, colour=colour)
    if m.get("target") is not None:
        day = m.get("due")
        due = f" by {day.day} {day:%b %Y}" if day else ""
        page.text(x + pad, y + 106, fit(f"Target {target}{due}", inner, 16), size=16)
    history = [v for v in m["history"] if v is not None]
    if len(history) >= 2:
        page.sparkline(x + pad, y + h - 36, x + w - pad, y + h - 10, history)


def _cards(page: _Page, view: TeamView, top: float, bottom: float) -> None:
    shown = [m for m in view["metrics"] if m["value"] is not None]
    if not shown:
        page.text(MARGIN, top + 10, "No numbers reported yet.", size=20, colour=MUTED)
        return
    gap = 16
    width = (WIDTH - 2 * MARGIN - gap * (COLUMNS - 1)) / COLUMNS
    more = shown[MAX_CARDS:]
    height = (bottom - top - gap * (ROWS - 1) - (24 if more else 0)) / ROWS
    for i, m in enumerate(shown[:MAX_CARDS]):
        row, column = divmod(i, COLUMNS)
        _card(page, m, view["week"], MARGIN + column * (width + gap), top + row * (height + gap),
              width, height)  # fmt: skip
    if more:
        names = ", ".join(m["metric"].label for m in more)
        page.text(MARGIN, bottom - 20, fit(f"Also reported: {names}", WIDTH - 2 * MARGIN, 15),
                  size=15, colour=MUTED)  # fmt: skip


def _action_words(action: Mapping[str, Any], day: dt.date) -> str:
    words = f"{action['text']} — {action['owner']}, due {action['due'].day} {action['due']:%b}"
    if action["due"] < day:
        late = (day - action["due"]).days
        words += f", {late} day{'s' if late != 1 else ''} overdue"
    return words


def _notes_and_actions(page: _Page, view: TeamView, top: float) -> None:
    line_height = 23
    size = 16
    split = 770
    notes_width = split - MARGIN - 30
    page.text(MARGIN, top, "Notes", size=19, bold=True)
    labels = {kind: f"{NOTE_LABELS[kind]}: " for kind in NOTE_KINDS}
    wrapped = {
        kind: wrap(view["notes"][kind] or "—", notes_width, size, NOTE_LINES,
                   first=text_width(labels[kind], size, True))
        for kind in NOTE_KINDS
    }  # fmt: skip
    allotted = _allot([len(wrapped[kind]) for kind in NOTE_KINDS], NOTE_LINES)
    y = top + 30
    for kind, lines in zip(NOTE_KINDS, allotted, strict=True):
        taken = text_width(labels[kind], size, True)
        first, *rest = wrap(view["notes"][kind] or "—", notes_width, size, lines, first=taken)
        page.text(MARGIN, y, f"<b>{plotly_text(labels[kind])}</b>{plotly_text(first)}", size=size,
                  escape=False)  # fmt: skip
        for line in rest:
            y += line_height
            page.text(MARGIN, y, line, size=size)
        y += line_height + 6

    actions = view["open_actions"]
    width = WIDTH - MARGIN - split
    heading = f"Open actions ({len(actions)})" if actions else "Open actions"
    page.text(split, top, heading, size=19, bold=True)
    y = top + 30
    if not actions:
        page.text(split, y, "None open.", size=size, colour=MUTED)
        return
    left = ACTION_LINES
    for i, action in enumerate(actions):
        remaining = len(actions) - i
        # Keep a line to say how many more there are, unless this is the last action.
        room = left - (1 if remaining > 1 else 0)
        if room <= 0:
            page.text(split, y, f"and {remaining} more", size=size, colour=MUTED)
            return
        said = wrap(_action_words(action, view["held_on"]), width - 18, size, min(2, room))
        colour = WORSE if action["due"] < view["held_on"] else INK
        page.text(split, y, "•", size=size, colour=colour)
        for line in said:
            page.text(split + 18, y, line, size=size, colour=colour)
            y += line_height
        left -= len(said)


def _allot(wanted: Sequence[int], total: int) -> list[int]:
    """Lines for texts that want ``wanted`` lines, ``total`` in all: one each at least, then
    one more at a time to each text that wants more, in order, until none is left."""
    given = [1] * len(wanted)
    left = total - len(wanted)
    while left > 0 and any(g < w for g, w in zip(given, wanted, strict=True)):
        for i, w in enumerate(wanted):
            if left and given[i] < w:
                given[i] += 1
                left -= 1
    return given


def _removed(page: _Page) -> None:
    page.text(MARGIN, 140, "This team was removed from ddq after the meeting's agenda was made",
              size=24)  # fmt: skip
    page.text(MARGIN, 178, "(as undoing the import that created it does): there is nothing "
              "to show for it.", size=20, colour=MUTED)  # fmt: skip


def slide_dict(view: TeamView, meeting: Meeting) -> dict[str, Any]:
    """:func:`slide` as a plain figure dictionary (no validation: fast for a whole deck)."""
    page = _Page()
    _header(page, view, meeting)
    if view["removed"]:
        _removed(page)
    else:
        _cards(page, view, 112, 474)
        _notes_and_actions(page, view, 490)
    return page.figure()


def slide(view: TeamView, meeting: Meeting) -> go.Figure:
    """One team's slide: a 1280x720 figure of :func:`ddq.meeting.team_view` in the
    meeting (:func:`ddq.meeting.get_meeting`)."""
    return go.Figure(slide_dict(view, meeting))
