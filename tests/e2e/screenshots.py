"""Full-page screenshots of every page of the app, on the default sample organisation.

    uv run python tests/e2e/screenshots.py [--out docs/screenshots]

Starts the app as the browser tests do (``streamlit run app.py`` on a free loopback port,
Debian's Chromium), on a fresh database with the default sample (16 teams, 104 weeks), and
writes ``<page>-<width>x<height>.png`` for each page in the sidebar navigation at 1920x1080
and 1280x720. Width and height name the browser window; the picture is as tall as the page.
The meeting in presenter mode is taken as the window shows it: ``meeting-presenter-*.png``.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # run as a script: make `tests.e2e` importable
    sys.path.insert(0, str(ROOT))

from playwright.sync_api import expect  # noqa: E402

from tests.e2e.server import (  # noqa: E402
    chromium_missing,
    launch_browser,
    make_sample_db,
    running_app,
)
from tests.e2e.settle import RUN_TIMEOUT_MS, settled, visit  # noqa: E402

SIZES = [(1920, 1080), (1280, 720)]


def slug(label: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", label.lower()).strip("-") or "page"


def navigation(page, url: str) -> list[tuple[str, str]]:
    """(path, label) of every page in the sidebar navigation."""
    links = page.locator('[data-testid="stSidebarNav"] a')
    visit(page, url + "/", links.first)
    found = links.evaluate_all("links => links.map(a => [new URL(a.href).pathname, a.innerText])")
    return [(path, text.split("\n")[-1].strip()) for path, text in found]


def full_page(page, path: Path, width: int, height: int) -> None:
    """Grow the window to the height of the main area (it scrolls, not the document)."""
    needed = height
    for _ in range(3):
        page.set_viewport_size({"width": width, "height": needed})
        settled(page)  # laid out again for the new size
        content = page.evaluate(
            "() => Math.max(...['stMain', 'stSidebarContent'].map(id => "
            "document.querySelector(`[data-testid=${id}]`)?.scrollHeight ?? 0))"
        )
        if content <= needed:
            break
        needed = content
    page.screenshot(path=str(path), full_page=True)


def shoot(browser, app, out: Path) -> int:
    """Every page at every size into ``out``; 1 if a page shows an exception."""
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(RUN_TIMEOUT_MS)
        page = context.new_page()
        try:
            for path, label in navigation(page, app.url):
                page.set_viewport_size({"width": width, "height": height})
                visit(page, app.url + path)  # charts and tables drawn, too
                if page.locator('[data-testid="stException"]').count():
                    print(f"{path}: the page shows an exception", file=sys.stderr)
                    return 1
                target = out / f"{slug(label)}-{width}x{height}.png"
                full_page(page, target, width, height)
                print(f"{target} ({urlsplit(page.url).path})")
        finally:
            context.close()
    return 0


def presenter(browser, app, out: Path) -> int:
    """The meeting in presenter mode, as the projector shows it (the window, not the page)."""
    for width, height in SIZES:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(RUN_TIMEOUT_MS)
        page = context.new_page()
        try:
            cards = page.locator(".st-key-present-cards")
            visit(page, app.url + "/meeting?present=1", cards)
            charts = cards.locator('[data-testid="stMetricChart"]')
            expect(charts.locator("svg")).to_have_count(charts.count())  # sparklines drawn
            if page.locator('[data-testid="stException"]').count():
                print("/meeting?present=1: the page shows an exception", file=sys.stderr)
                return 1
            target = out / f"meeting-presenter-{width}x{height}.png"
            page.screenshot(path=str(target))
            print(f"{target} (presenter mode)")
        finally:
            context.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args(argv)
    reason = chromium_missing()
    if reason:
        print(reason, file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="ddq-screens-") as folder:
        db_path = Path(folder) / "ddq.duckdb"
        make_sample_db(db_path)  # the default sample: 16 teams over 104 weeks
        with (
            running_app(db_path, Path(folder) / "streamlit.log") as app,
            sync_playwright() as playwright,
        ):
            browser = launch_browser(playwright)
            try:
                status = shoot(browser, app, out) or presenter(browser, app, out)
            except Exception:
                print(f"--- streamlit output ---\n{app.log()[-5000:]}", file=sys.stderr)
                raise
            finally:
                browser.close()
            if status:
                print(f"--- streamlit output ---\n{app.log()[-5000:]}", file=sys.stderr)
            return status


if __name__ == "__main__":
    sys.exit(main())
