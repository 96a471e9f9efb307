"""One way for the browser tests to wait for the app: on its own state, never on the clock.

After a widget changes, Streamlit draws in steps: the server starts a run, the page marks the
previous run's elements stale and replaces them, some elements (tables, charts) load their
code and data after the run has ended and show a skeleton meanwhile, and an expander animates
open. A test that reads or clicks in between sees a half-drawn page, or presses a button that
moves under the pointer (the press lands on the button, the release beside it, and no click
reaches the button). :func:`settled` waits until all of that is over and what the test
expects is on screen.

A change is only seen once its run has started, and a page can look idle for a moment
between a click and that start: so a test names what the change shows (a title, a URL, a
message) and :func:`settled` waits for it first, then for the page to be still.

Timeouts only bound a failure (a busy machine is slow): a test goes on as soon as the
state is reached.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

# One Streamlit run, with what it draws afterwards, must be over within this.
RUN_TIMEOUT_MS = 60_000
# The page must stay still this long: no run, no skeleton, no animation, the same layout.
QUIET_MS = 100
# How often to look. Not on animation frames: a tab in the background gets none.
POLL_MS = 25

EXCEPTION = '[data-testid="stException"]'
ERROR_ALERT = '[data-testid="stAlertContentError"]'

# What keeps a page from being settled, as words (an empty list when it is settled).
_BUSY = """() => {
    const app = document.querySelector('[data-testid="stApp"]');
    if (!app) return ["the app has not started"];
    const busy = [];
    if (app.dataset.testConnectionState !== "CONNECTED")
        busy.push(`connection ${app.dataset.testConnectionState}`);
    if (app.dataset.testScriptState !== "notRunning")
        busy.push(`script ${app.dataset.testScriptState}`);
    if (document.querySelector('[data-testid="stStatusWidgetRunningIcon"]'))
        busy.push("the running indicator shows");
    const skeletons = document.querySelectorAll('[data-testid="stSkeleton"]').length;
    if (skeletons) busy.push(`${skeletons} element(s) still loading`);
    const stale = document.querySelectorAll('[data-stale="true"]').length;
    if (stale) busy.push(`${stale} stale element(s)`);
    const moving = document.getAnimations().filter(a => a.playState === "running"
        && a.effect && a.effect.getComputedTiming().iterations !== Infinity).length;
    if (moving) busy.push(`${moving} animation(s) running`);
    return busy;
}"""

# True once the page has had nothing to do, in the same layout, for `quiet` milliseconds.
_STILL = (
    """([token, quiet]) => {
    const busy = ("""
    + _BUSY
    + """)();
    const main = document.querySelector('[data-testid="stMain"]');
    const layout = [main ? main.scrollHeight : 0, main ? main.scrollTop : 0,
        document.querySelectorAll('[data-testid="stElementContainer"]').length].join();
    const now = performance.now();
    const seen = window.__ddqSettle;
    if (busy.length || !seen || seen.token !== token || seen.layout !== layout) {
        window.__ddqSettle = {token, layout, since: now};
        return false;
    }
    return now - seen.since >= quiet;
}"""
)

_calls = itertools.count()


def settled(
    page: Page,
    *expected: Locator,
    url: str | re.Pattern[str] | Callable[[str], bool] | None = None,
    timeout_ms: int = RUN_TIMEOUT_MS,
) -> None:
    """Wait until ``page`` shows ``url`` and each of ``expected``, and then stands still.

    ``url`` is the address, a pattern it matches, or a test of it: the pages write their
    state into the query string as a run ends.

    Still means: connected, no script running (the running indicator gone), nothing stale,
    no element loading behind a skeleton, no animation under way and the layout unchanged
    for ``QUIET_MS``. Name in ``expected`` something the change itself draws: an element
    the previous run drew too is on screen before the change has even started.
    """
    try:
        if callable(url):
            page.wait_for_url(url, timeout=timeout_ms)
        elif url is not None:
            expect(page).to_have_url(url, timeout=timeout_ms)
        # The first match: while a run replaces an element, the old one can still be there.
        for locator in expected:
            expect(locator.first).to_be_visible(timeout=timeout_ms)
        page.wait_for_function(
            _STILL, arg=[next(_calls), QUIET_MS], polling=POLL_MS, timeout=timeout_ms
        )
        for locator in expected:  # still there once everything has been drawn
            expect(locator.first).to_be_visible(timeout=timeout_ms)
    except (AssertionError, PlaywrightError) as exc:
        raise AssertionError(f"{exc}\n{_state(page)}") from exc


def _state(page: Page) -> str:
    """What the page was doing and showing when a wait ran out, for the failure message."""
    try:
        busy = ", ".join(page.evaluate(_BUSY)) or "nothing"
        errors = page.locator(f"{EXCEPTION}, {ERROR_ALERT}").all_inner_texts()
    except PlaywrightError as exc:  # the page itself has gone
        return f"the page could not be read: {exc}"
    return f"at {page.url}, busy with: {busy}; errors on the page: {errors or 'none'}"


def visit(page: Page, url: str, *expected: Locator) -> None:
    """Open ``url`` in ``page`` and wait until its first run has drawn the page's title."""
    page.goto(url)
    settled(page, page.locator("h1").first, *expected)


def assert_no_exception(page: Page) -> None:
    """No exception box on a settled page (read at once: nothing more is coming)."""
    texts = page.locator(EXCEPTION).all_inner_texts()
    assert not texts, f"the page at {page.url} shows an exception: {texts}"


def assert_no_error(page: Page) -> None:
    """No exception box and no error message on a settled page."""
    texts = page.locator(f"{EXCEPTION}, {ERROR_ALERT}").all_inner_texts()
    assert not texts, f"the page at {page.url} shows an error: {texts}"


def download(page: Page, button: Locator, timeout_ms: int = RUN_TIMEOUT_MS) -> Path:
    """Click a download button once the page stands still; the downloaded file's path.

    A deferred download (``data`` a callable) asks the server for the file first, so it
    only starts once the server has answered.
    """
    settled(page, button, timeout_ms=timeout_ms)
    try:
        with page.expect_download(timeout=timeout_ms) as started:
            button.click()
    except PlaywrightError as exc:
        said = page.locator('[data-testid="stDownloadButtonError"]').all_inner_texts()
        raise AssertionError(f"no download within {timeout_ms / 1000:g} s; the button said "
                             f"{said or 'nothing'}") from exc  # fmt: skip
    return started.value.path()
