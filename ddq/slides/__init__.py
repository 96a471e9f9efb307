"""A team's slide of the weekly meeting, as a picture, and the whole meeting as one deck.

The slide is the presenter view of one team on a 1280x720 page (``figure``). It is a Plotly
figure, drawn as a PNG by Kaleido, which drives a Chrome or Chromium browser (``render``),
or, for the deck, by plotly.js inside one HTML file that opens offline (``deck``). Every
text on a slide is shortened to the room it has (``fitting``). Callers use the names
re-exported here.
"""

from ddq.charts import BETTER, STATUS_COLOURS, WORSE
from ddq.slides.deck import deck_html, file_name
from ddq.slides.figure import HEIGHT, WIDTH, slide, slide_dict
from ddq.slides.fitting import fit, text_width, wrap
from ddq.slides.render import NO_BROWSER, Renderer, SlideExportFailed, find_browser, png

__all__ = [
    "BETTER",
    "HEIGHT",
    "NO_BROWSER",
    "STATUS_COLOURS",
    "WIDTH",
    "WORSE",
    "Renderer",
    "SlideExportFailed",
    "deck_html",
    "file_name",
    "find_browser",
    "fit",
    "png",
    "slide",
    "slide_dict",
    "text_width",
    "wrap",
]
