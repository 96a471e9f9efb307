"""A team's slide of the weekly meeting, as a picture, and the whole meeting as one deck.

The slide is the presenter view of one team on a 1280x720 page: who presents (its place
on the agenda, its champion and whether present), its numbers as cards (value, change on
the week before, target and status, sparkline), its notes and its open actions. It is a
Plotly figure, drawn as a PNG by Kaleido (which drives a Chrome or Chromium browser) or, for
the deck, by plotly.js inside one HTML file that opens offline: plotly.js once, inline, then
a title slide and one slide per place on the agenda, in agenda order.

Everything on a slide is placed in pixels and every text is shortened to the room it has
(with an ellipsis), so that a long team name, note or action never runs off the slide or
over another. User text is only ever text: escaped for Plotly, which reads a little HTML in
every label, and for the deck's HTML; the figures' JSON carries no ``<`` at all.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import datetime as dt
import html
import json
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

from ddq import text
from ddq.charts import BETTER, FONT, NEUTRAL, PALETTE, STATUS_COLOURS, WORSE
from ddq.errors import DdqError
from ddq.meeting import (
    NOTE_KINDS,
    NOTE_LABELS,
    ORDER_WORDS,
    agenda_position,
    get_meeting,
    team_view,
    team_views,
)
from ddq.settings import current

if TYPE_CHECKING:
    import duckdb

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
# The first PNG waits for the browser to start (about 2 s on a 2-core machine); a busy
# machine may take far longer, but never forever.
START_SECONDS = 60
RENDER_SECONDS = 60
BROWSER_ENV = "BROWSER_PATH"  # Kaleido's and its browser driver's own variable
ELLIPSIS = "…"
INK = "#262730"
MUTED = "#5F6270"
CARD_LINE = "#D9DAE0"
# Status badges: the progress charts' colours, with the text colour that reads on each.
_BADGE_TEXT = {"achieved": "white", "off track": "white", "no data": "white"}
_PRESENCE = {True: ("present", BETTER), False: ("absent", WORSE), None: ("not marked", NEUTRAL)}
_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

NO_BROWSER = (
    "A slide is drawn as a picture by a Chrome or Chromium browser, and none was found on "
    "the machine running ddq. Install Chromium or Google Chrome there (on Debian or Ubuntu: "
    "apt-get install chromium), or set BROWSER_PATH to the browser's program. The meeting "
    "deck (HTML) needs no browser."
)


class SlideExportFailed(DdqError):
    """A slide could not be drawn as a picture: no browser, or the browser failed."""


# ---------------------------------------------------------------------------- text that fits


def _em(char: str) -> float:
    """A character's width in ems, on the generous side of Arial and Helvetica (the slide's
    fonts; Liberation Sans where neither is installed), so that an estimate never falls short."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.05
    if char in "mwMW@%":
        return 0.95
    if char in " ilj.,;:'|!":
        return 0.32
    if char.isupper() or char.isdigit():
        return 0.68
    return 0.56


def _width(words: str, size: float, bold: bool = False) -> float:
    return sum(_em(c) for c in words) * size * (1.08 if bold else 1.0)


def _flat(value: str) -> str:
    """One line of user text: line breaks, tabs and other control characters as spaces."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in value).split())


def fit(value: str, width: float, size: float, *, bold: bool = False, more: bool = False) -> str:
    """``value`` on one line of ``width`` pixels, shortened with an ellipsis when too long
    (``more``: always, as the last line of a text that goes on)."""
    value = _flat(value)
    scale = size * (1.08 if bold else 1.0)
    if not more and _width(value, size, bold) <= width:
        return value
    room = width - _em(ELLIPSIS) * scale
    kept = []
    for char in value:
        room -= _em(char) * scale
        if room < 0:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ELLIPSIS


def _longest(word: str, width: float, size: float) -> int:
    """How many of the word's first characters fit in ``width`` (one at least)."""
    room, n = width, 0
    for char in word:
        room -= _em(char) * size
        if room < 0:
            break
        n += 1
    return max(n, 1)


def wrap(value: str, width: float, size: float, lines: int, *, first: float = 0) -> list[str]:
    """``value`` in at most ``lines`` lines of ``width`` pixels, broken between words (inside
    a word longer than a line), the last line ending in an ellipsis when the text goes on.
    ``first``: pixels already taken on the first line."""
    out = [""]

    def room() -> float:
        return width - (first if len(out) == 1 else 0)

    for word in _flat(value).split(" "):
        candidate = f"{out[-1]} {word}" if out[-1] else word
        if _width(candidate, size) <= room():
            out[-1] = candidate
            continue
        if out[-1]:
            out.append("")
        while _width(word, size) > room() and len(out) <= lines:
            cut = _longest(word, room(), size)
            out[-1], word = word[:cut], word[cut:]
            out.append("")
        out[-1] = word
        if len(out) > lines:
            break
    if len(out) <= lines:
        return out
    kept = out[:lines]
    kept[-1] = fit(kept[-1], width - (first if lines == 1 else 0), size, more=True)
    return kept


def _shown(value: str) -> str:
    """User text for Plotly, shown as typed: Plotly reads ``<b>``, ``<a href>``, entities and
    ``$...$`` (MathJax) in every text it draws; escaped, a name or a note is only text."""
    return html.escape(value, quote=False).replace("$", "&#36;")


# ---------------------------------------------------------------------------- the slide


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
        shown = _shown(words) if escape else words
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


def _long_date(day: dt.date) -> str:
    return f"{_DAY_NAMES[day.weekday()]} {day.day} {day:%b %Y}"


def _header(page: _Page, view: dict[str, Any], meeting: dict[str, Any]) -> None:
    """Who presents (team, its place on the agenda, champion), and which meeting."""
    total = len(meeting["teams"])
    right = WIDTH - MARGIN
    when = f"Meeting of {_long_date(meeting['held_on'])}"
    scope = meeting["scope"]
    side = max(_width(when, 20), min(_width(scope, 18), 380))
    page.text(right, 26, fit(when, side, 20), size=20, colour=MUTED, align="right")
    page.text(right, 56, fit(scope, side, 18), size=18, colour=MUTED, align="right")
    title_room = right - MARGIN - side - 30
    prefix = f"Team {view['position'] + 1} of {total}: "
    name = fit(view["team"], title_room - _width(prefix, 36, True), 36, bold=True)
    page.text(MARGIN, 20, prefix + name, size=36, bold=True)

    if view["removed"]:
        return
    area = f"{view['area']} · " if view["area"] else ""
    if view["champion"] is None:
        who = f"{area}No champion"
        page.text(MARGIN, 74, fit(who, right - MARGIN - 260, 20), size=20, colour=MUTED)
    else:
        presence, colour = _PRESENCE[view["present"]]
        room = right - MARGIN - 260 - _width(f" · {presence}", 20, True)
        who = fit(f"{area}Champion {view['champion']}", room, 20)
        words = f"{_shown(who)} · <span style='color:{colour}'><b>{presence}</b></span>"
        page.text(MARGIN, 74, words, size=20, escape=False)
    page.text(right, 78, f"Numbers of the week of {view['week'].day} {view['week']:%b %Y}",
              size=16, colour=MUTED, align="right")  # fmt: skip


def _change_words(m: dict[str, Any], week: dt.date) -> tuple[str, str]:
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


def _card(page: _Page, m: dict[str, Any], week: dt.date, x: float, y: float, w: float,
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
        badge_room = _width(status, 15, True) + 16
    page.text(x + pad, y + 12, fit(metric.label, inner - badge_room, 17), size=17, colour=MUTED)
    value, target = text.numbers([m["value"], m.get("target")], metric.unit, exact=[False, True])
    page.text(x + pad, y + 36, fit(value, inner, 38, bold=True), size=38, bold=True)
    words, colour = _change_words(m, week)
    page.text(x + pad, y + 84, fit(words, inner, 16), size=16, colour=colour)
    if m.get("target") is not None:
        due = f" by {m['due'].day} {m['due']:%b %Y}" if m.get("due") else ""
        page.text(x + pad, y + 106, fit(f"Target {target}{due}", inner, 16), size=16)
    history = [v for v in m["history"] if v is not None]
    if len(history) >= 2:
        page.sparkline(x + pad, y + h - 36, x + w - pad, y + h - 10, history)


def _cards(page: _Page, view: dict[str, Any], top: float, bottom: float) -> None:
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


def _action_words(action: dict[str, Any], day: dt.date) -> str:
    words = f"{action['text']} — {action['owner']}, due {action['due'].day} {action['due']:%b}"
    if action["due"] < day:
        late = (day - action["due"]).days
        words += f", {late} day{'s' if late != 1 else ''} overdue"
    return words


def _notes_and_actions(page: _Page, view: dict[str, Any], top: float) -> None:
    line_height = 23
    size = 16
    split = 770
    notes_width = split - MARGIN - 30
    page.text(MARGIN, top, "Notes", size=19, bold=True)
    labels = {kind: f"{NOTE_LABELS[kind]}: " for kind in NOTE_KINDS}
    wrapped = {
        kind: wrap(view["notes"][kind] or "—", notes_width, size, NOTE_LINES,
                   first=_width(labels[kind], size, True))
        for kind in NOTE_KINDS
    }  # fmt: skip
    allotted = _allot([len(wrapped[kind]) for kind in NOTE_KINDS], NOTE_LINES)
    y = top + 30
    for kind, lines in zip(NOTE_KINDS, allotted, strict=True):
        taken = _width(labels[kind], size, True)
        first, *rest = wrap(view["notes"][kind] or "—", notes_width, size, lines, first=taken)
        page.text(MARGIN, y, f"<b>{_shown(labels[kind])}</b>{_shown(first)}", size=size,
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
        lines = wrap(_action_words(action, view["held_on"]), width - 18, size, min(2, room))
        colour = WORSE if action["due"] < view["held_on"] else INK
        page.text(split, y, "•", size=size, colour=colour)
        for line in lines:
            page.text(split + 18, y, line, size=size, colour=colour)
            y += line_height
        left -= len(lines)


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


def slide_dict(view: dict[str, Any], meeting: dict[str, Any]) -> dict[str, Any]:
    """:func:`slide` as a plain figure dictionary (no validation: fast for a whole deck)."""
    page = _Page()
    _header(page, view, meeting)
    if view["removed"]:
        _removed(page)
    else:
        _cards(page, view, 112, 474)
        _notes_and_actions(page, view, 490)
    return page.figure()


def slide(view: dict[str, Any], meeting: dict[str, Any]) -> go.Figure:
    """One team's slide: a 1280x720 figure of :func:`ddq.meeting.team_view` in the
    meeting (:func:`ddq.meeting.get_meeting`)."""
    return go.Figure(slide_dict(view, meeting))


# ---------------------------------------------------------------------------- the picture


def find_browser() -> str:
    """The Chrome or Chromium program that draws the PNG: ``BROWSER_PATH`` when set, else
    the first found on the PATH or where such browsers are usually installed. Nothing is
    ever downloaded."""
    named = os.environ.get(BROWSER_ENV)
    if named:
        if not (Path(named).is_file() and os.access(named, os.X_OK)):
            raise SlideExportFailed(
                f"BROWSER_PATH names {named!r}, which is not a program that can be run. Set "
                "it to a Chrome or Chromium program (for example /usr/bin/chromium), or unset "
                "it to let ddq look for one."
            )
        return named
    # Kaleido's browser driver: imported only when a picture is asked for (see Renderer).
    from choreographer.browsers import Chromium

    found = Chromium.find_browser(skip_local=False)
    if not found or not Path(found).is_file():
        raise SlideExportFailed(NO_BROWSER)
    return found


def _failed(exc: BaseException) -> SlideExportFailed:
    # The browser driver's errors carry several sentences as arguments: the first says it.
    said = [a.strip() for a in exc.args if isinstance(a, str) and a.strip()]
    detail = said[0].splitlines()[0] if said else type(exc).__name__
    return SlideExportFailed(
        f"The browser could not draw the slide as a PNG ({detail}). Try again; if it fails "
        "again, check that Chrome or Chromium starts on the machine running ddq (or set "
        "BROWSER_PATH to another one). The meeting deck (HTML) needs no browser."
    )


class Renderer:
    """A browser kept open to draw slides as PNGs.

    Starting the browser is most of the cost of one picture (about 2.5 s for the first,
    0.15 s for each next one on a 2-core machine), so a process that draws many keeps one
    :class:`Renderer`; :func:`png` without one starts and closes a browser each time. The
    browser starts on the first picture, again after a failure, and closes with
    :meth:`close` or when the process ends. One picture at a time.
    """

    def __init__(self, browser: str | None = None) -> None:
        self._browser = browser
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None

    def __enter__(self) -> Renderer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _start(self) -> None:
        path = self._browser or find_browser()
        # Kaleido loads its browser driver (about 0.4 s): only when a picture is asked for.
        import kaleido

        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, name="ddq-slides", daemon=True)
        thread.start()

        async def open_browser() -> Any:
            # MathJax off: it would come from a CDN, and slides hold no formulas.
            found = kaleido.Kaleido(path=path, mathjax=False, timeout=RENDER_SECONDS)
            await found.open()
            return found

        self._loop, self._thread = loop, thread
        try:
            self._kaleido = self._run(open_browser(), START_SECONDS)
        except BaseException:
            self._stop()
            raise
        atexit.register(self.close)

    def _run(self, work: Any, seconds: float) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(work, self._loop).result(seconds)

    def _stop(self) -> None:
        loop, thread, found = self._loop, self._thread, self._kaleido
        self._loop = self._thread = self._kaleido = None
        if loop is None:
            return
        if found is not None:
            # A browser that died or hangs: its process is ended all the same.
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(found.close(), loop).result(START_SECONDS)
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(START_SECONDS)
        if not loop.is_running():
            loop.close()

    def png(self, figure: Any) -> bytes:
        """The figure (a Plotly figure or its dictionary) as a PNG of its own size."""
        spec = figure.to_dict() if hasattr(figure, "to_dict") else figure
        layout = spec.get("layout", {})
        options = {"format": "png", "width": layout.get("width", WIDTH),
                   "height": layout.get("height", HEIGHT), "scale": 1}  # fmt: skip
        with self._lock:
            try:
                if self._kaleido is None:
                    self._start()
                return self._run(self._kaleido.calc_fig(spec, opts=options), RENDER_SECONDS + 5)
            except SlideExportFailed:
                raise
            except Exception as exc:
                self._stop()  # the next picture starts a fresh browser
                if type(exc).__name__ == "ChromeNotFoundError":
                    raise SlideExportFailed(NO_BROWSER) from None
                raise _failed(exc) from None

    def close(self) -> None:
        """Close the browser (a later picture starts it again)."""
        with self._lock:
            self._stop()


def png(
    con: duckdb.DuckDBPyConnection,
    meeting_id: int,
    team: str,
    *,
    renderer: Renderer | None = None,
) -> bytes:
    """The team's slide of the meeting as a 1280x720 PNG.

    ``renderer`` keeps a browser open between pictures; without one a browser is started
    and closed for this one. SlideExportFailed says what to do when no browser is found
    or it fails; NotFound when the meeting or team is not there.
    """
    meeting = get_meeting(con, meeting_id)
    figure = slide_dict(team_view(con, meeting_id, team), meeting)
    if renderer is not None:
        return renderer.png(figure)
    with Renderer() as once:
        return once.png(figure)


# ---------------------------------------------------------------------------- the deck


def _slug(value: str, limit: int = 40) -> str:
    """ASCII words of a name for a file name: ``Payments & Billing`` -> ``payments-billing``."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:limit].strip("-")


def file_name(meeting: dict[str, Any], team: str | None = None) -> str:
    """``meeting-2026-11-30-team-03-payments.png`` for a team's slide, else the deck's
    ``meeting-2026-11-30-payments.html`` (named after the meeting's scope)."""
    stem = f"meeting-{meeting['held_on']:%Y-%m-%d}"
    if team is None:
        return f"{stem}-{_slug(meeting['scope']) or 'meeting'}.html"
    found = next((t for t in meeting["teams"] if t["team"] == team), None)
    if found is None:
        found = meeting["teams"][agenda_position(meeting, team)]
    digits = max(2, len(str(len(meeting["teams"]))))
    return f"{stem}-team-{found['position'] + 1:0{digits}d}-{_slug(found['team']) or 'team'}.png"


def _script_json(value: Any) -> str:
    """JSON that can sit inside a ``<script>`` element: no ``<``, ``>`` or ``&`` at all (in
    JSON they only occur inside strings, where ``\\u003c`` means the same)."""
    encoded = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):  # fmt: skip
        encoded = encoded.replace(char, escape)
    return encoded


_STYLE = """
:root { --fit: 1; }
body { margin: 0; background: #E9EAEE; font-family: Source Sans Pro, Helvetica, Arial,
       sans-serif; color: #262730; }
html { scroll-snap-type: y proximity; }
.slide { width: 1280px; height: 720px; margin: 24px auto; background: white; overflow: hidden;
         box-shadow: 0 2px 12px rgba(0, 0, 0, 0.15); scroll-snap-align: center;
         zoom: var(--fit); position: relative; }
.title { box-sizing: border-box; padding: 64px 80px; }
.title h1 { font-size: 52px; margin: 0 0 12px; }
.title .when { font-size: 30px; margin: 0 0 6px; }
.title .scope, .title .facts { font-size: 24px; color: #5F6270; margin: 0 0 6px; }
.title ol { columns: 3; column-gap: 40px; font-size: 19px; margin: 36px 0 0; padding-left: 28px; }
.title li { list-style-position: inside; break-inside: avoid; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
@media print {
  @page { size: 1280px 720px; margin: 0; }
  body { background: white; }
  .slide { margin: 0; box-shadow: none; zoom: 1; break-after: page; }
}
"""

# Slides are drawn as they come near the screen (a whole-program deck holds hundreds), and
# all of them before printing. Static plots: no hover boxes, no toolbar, nothing to click.
_SCRIPT = """
(function () {
  function fit() {
    var scale = Math.min(1, (window.innerWidth - 32) / 1280);
    document.documentElement.style.setProperty('--fit', String(Math.max(scale, 0.2)));
  }
  function draw(slide) {
    if (slide.dataset.drawn) { return; }
    slide.dataset.drawn = '1';
    var spec = JSON.parse(document.getElementById(slide.dataset.figure).textContent);
    Plotly.newPlot(slide, spec.data, spec.layout, {staticPlot: true, displayModeBar: false});
  }
  var slides = Array.prototype.slice.call(document.querySelectorAll('[data-figure]'));
  fit();
  window.addEventListener('resize', fit);
  window.addEventListener('beforeprint', function () { slides.forEach(draw); });
  if ('IntersectionObserver' in window) {
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (e) { if (e.isIntersecting) { draw(e.target); } });
    }, {rootMargin: '1500px 0px'});
    slides.forEach(function (s) { seen.observe(s); });
  } else {
    slides.forEach(draw);
  }
})();
"""


def _title_slide(meeting: dict[str, Any], program: str) -> str:
    e = html.escape
    title = meeting["title"] or f"{program} meeting"
    teams = meeting["teams"]
    present = sum(1 for t in teams if t["present"])
    champions = sum(1 for t in teams if t["champion"] is not None)
    presented = sum(1 for t in teams if t["presented"])
    facts = (f"{len(teams)} team{'s' if len(teams) != 1 else ''} on the agenda, "
             f"{ORDER_WORDS[meeting['agenda_order']]}; {presented} presented; "
             f"{present} of {champions} champions present.")  # fmt: skip
    out = [
        '<section class="slide title" id="slide-0" aria-label="Title">',
        f"<h1>{e(title)}</h1>",
        f'<p class="when">{e(_long_date(meeting["held_on"]))}</p>',
        f'<p class="scope">{e(meeting["scope"])}</p>',
        f'<p class="facts">{e(facts)}</p>',
    ]
    if len(teams) <= 30:  # three columns of ten; a longer agenda is the slides themselves
        out.append("<ol>")
        out.extend(f"<li>{e(t['team'])}</li>" for t in teams)
        out.append("</ol>")
    out.append("</section>")
    return "\n".join(out)


def deck_html(
    con: duckdb.DuckDBPyConnection,
    meeting_id: int,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """The whole meeting as one HTML file that opens offline: plotly.js inline, once; a
    title slide; then one slide per place on the agenda, in agenda order (a team removed
    since gets a slide saying so). Prints to PDF one slide a page.

    ``progress(done, total)`` is called after each team's slide.
    """
    meeting = get_meeting(con, meeting_id)
    program = current(con).get("program_name") or "Community"
    views = team_views(con, meeting_id)
    e = html.escape
    heading = meeting["title"] or f"{program} meeting"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(heading)}, {meeting['held_on']:%Y-%m-%d}</title>",
        f"<style>{_STYLE}</style>",
        f'<script type="text/javascript">{get_plotlyjs()}</script>',
        "</head>",
        "<body>",
        _title_slide(meeting, program),
    ]
    for i, view in enumerate(views, start=1):
        label = f"Team {view['position'] + 1} of {len(views)}: {view['team']}"
        parts.append(
            f'<section class="slide" id="slide-{i}" data-figure="figure-{i}" '
            f'data-team="{e(view["team"], quote=True)}" aria-label="{e(label, quote=True)}">'
            "</section>"
        )
        parts.append(
            f'<script type="application/json" id="figure-{i}">'
            f"{_script_json(slide_dict(view, meeting))}</script>"
        )
        if progress is not None:
            progress(i, len(views))
    parts += [f"<script>{_SCRIPT}</script>", "</body>", "</html>", ""]
    return "\n".join(parts)
