"""The whole meeting as one HTML deck that opens offline, and the downloads' file names.

plotly.js once, inline, then a title slide and one slide per place on the agenda, in
agenda order. User text is escaped for the deck's HTML; the figures' JSON carries no
``<`` at all.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from plotly.offline import get_plotlyjs

from ddq import settings
from ddq.meeting import ORDER_WORDS, Meeting, agenda_position, get_meeting, team_views
from ddq.meeting.days import long_date
from ddq.slides.figure import slide_dict

if TYPE_CHECKING:
    import duckdb


def _slug(value: str, limit: int = 40) -> str:
    """ASCII words of a name for a file name: ``Payments & Billing`` -> ``payments-billing``."""
    plain = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:limit].strip("-")


def file_name(meeting: Mapping[str, Any], team: str | None = None) -> str:
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


def _title_slide(meeting: Meeting, program: str) -> str:
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
        f'<p class="when">{e(long_date(meeting["held_on"]))}</p>',
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
    program = settings.current(con).get("program_name") or "Community"
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
