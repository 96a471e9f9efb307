"""The meeting's downloads: the team on screen as a slide (PNG), the whole meeting as a deck.

Both files are made only when their button is clicked: Streamlit runs the function given
as the button's data then, on a thread of its own, where nothing can be drawn. So what
can be told before (no browser to draw the PNG) is said under the buttons as the page is
drawn, and an export that fails anyway is said on the page's next run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from ddq import db, slides
from ddq.errors import DdqError
from ddq.ui import state
from ddq.ui.format import lines

__all__ = ["downloads"]

# One browser for the app's process, started by the first slide asked for and kept open:
# each next slide then takes a fraction of a second instead of seconds.
_RENDERER = slides.Renderer()
_FAILED = "slides_failed"  # session state: what went wrong in a download, to say next run


def _made(failed: dict[str, str], what: str, make: Callable[[], Any]) -> Callable[[], Any]:
    """``make`` for a download button; its error kept in ``failed`` for the next run."""

    def run() -> Any:
        failed.pop(what, None)
        try:
            return make()
        except DdqError as exc:
            failed[what] = str(exc)
            raise

    return run


def _png(path: Path, meeting_id: int, team: str) -> bytes:
    with db.connect(path) as con:
        return slides.png(con, meeting_id, team, renderer=_RENDERER)


def _deck(path: Path, meeting_id: int) -> bytes:
    with db.connect(path) as con:
        return slides.deck_html(con, meeting_id).encode("utf-8")


def downloads(meeting_id: int, team: str, *, key: str = "slides") -> None:
    """Two buttons: "Slide (PNG)" of ``team`` in the meeting, and "Meeting deck (HTML)"."""
    # A plain dict in the session: the download's thread fills it without the session.
    failed: dict[str, str] = st.session_state.setdefault(_FAILED, {})
    for message in list(failed.values()):
        st.error(lines(message))
    failed.clear()
    meeting = state.meeting_by_id(meeting_id)
    path = state.db_path()
    try:
        slides.find_browser()
        no_browser = None
    except DdqError as exc:
        no_browser = str(exc)
    st.download_button(
        "Slide (PNG)",
        _made(failed, "png", lambda: _png(path, meeting_id, team)),
        file_name=slides.file_name(meeting, team),
        mime="image/png",
        icon=":material/image:",
        on_click="ignore",
        disabled=no_browser is not None,
        key=f"{key}_png",
        help="This team's slide as a 1280x720 picture, for a chat or a document.",
    )
    st.download_button(
        "Meeting deck (HTML)",
        _made(failed, "deck", lambda: _deck(path, meeting_id)),
        file_name=slides.file_name(meeting),
        mime="text/html",
        icon=":material/slideshow:",
        on_click="ignore",
        key=f"{key}_deck",
        help="Every team's slide in one file that opens offline in any browser and prints "
        "one slide a page (to PDF too), for those who missed the meeting.",
    )
    if no_browser is not None:
        st.caption(lines(no_browser))
