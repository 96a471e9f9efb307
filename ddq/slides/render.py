"""A slide as a PNG: drawn by Kaleido, which drives a Chrome or Chromium browser.

Nothing is ever downloaded: the browser is one installed on the machine running ddq.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import kaleido
from choreographer.browsers import Chromium

from ddq.errors import DdqError
from ddq.meeting import get_meeting, team_view
from ddq.slides.figure import HEIGHT, WIDTH, slide_dict

if TYPE_CHECKING:
    import duckdb

# The first PNG waits for the browser to start (about 2 s on a 2-core machine); a busy
# machine may take far longer, but never forever.
START_SECONDS = 60
RENDER_SECONDS = 60
BROWSER_ENV = "BROWSER_PATH"  # Kaleido's and its browser driver's own variable

NO_BROWSER = (
    "A slide is drawn as a picture by a Chrome or Chromium browser, and none was found on "
    "the machine running ddq. Install Chromium or Google Chrome there (on Debian or Ubuntu: "
    "apt-get install chromium), or set BROWSER_PATH to the browser's program. The meeting "
    "deck (HTML) needs no browser."
)


class SlideExportFailed(DdqError):
    """A slide could not be drawn as a picture: no browser, or the browser failed."""


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
                drawn = self._run(self._kaleido.calc_fig(spec, opts=options), RENDER_SECONDS + 5)
                return cast(bytes, drawn)
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
