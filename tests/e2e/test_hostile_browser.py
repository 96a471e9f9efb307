"""Hostile text in a real browser: every page over a database full of payloads, nothing runs.

One app (its own server, over tests/hostile_data.py's database) and one tab walk every page,
some with links naming hostile teams and areas. On each: the payloads' ``window.__pwned``
is never set, the DOM holds no script, frame, ``onerror`` image, ``onload`` SVG or
``javascript:`` link of theirs, no request goes to the Markdown image's address, no dialog
opens, no exception box shows, and the payload is on screen as text.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlencode

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests import hostile_data as H
from tests.e2e.server import StreamlitServer
from tests.e2e.settle import POLL_MS, assert_no_error, download, visit

pytestmark = pytest.mark.e2e

# Every image has loaded or failed: an onerror handler would have run by then.
IMAGES_DONE = "() => [...document.images].every(i => i.complete)"
# What the payloads would leave in the DOM had any been rendered as HTML or Markdown.
INJECTED = """() => ({
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    scripts: [...document.scripts].filter(s => s.textContent.includes("__pwned")).length,
    frames: [...document.querySelectorAll("iframe")]
        .filter(f => (f.getAttribute("src") || "").startsWith("javascript:")).length,
    handlers: document.querySelectorAll("[onerror], [onload]").length,
    links: [...document.querySelectorAll("a[href]")]
        .filter(a => a.getAttribute("href").trim().toLowerCase().startsWith("javascript:")).length,
    images: [...document.querySelectorAll("img")]
        .filter(i => (i.getAttribute("src") || "").includes("127.0.0.1:9")
                     || i.getAttribute("src") === "x").length,
})"""
CLEAN = {"pwned": None, "scripts": 0, "frames": 0, "handlers": 0, "links": 0, "images": 0}


@pytest.fixture(scope="module")
def hostile_app(_chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("hostile-e2e")
    db_path = folder / "hostile.duckdb"
    info = H.build_hostile_db(db_path)
    server = StreamlitServer(db_path, folder / "streamlit.log")
    server.start()
    try:
        yield {"url": server.url, "server": server, **info}
    finally:
        server.stop()


@pytest.fixture
def tab(
    browser_context: BrowserContext, hostile_app: dict, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A new tab that notes requests to the Markdown image's port and any dialog."""
    page = browser_context.new_page()
    seen: dict[str, list[str]] = {"requests": [], "dialogs": []}
    page.on("request", lambda r: seen["requests"].append(r.url) if ":9/" in r.url else None)
    page.on("dialog", lambda d: (seen["dialogs"].append(d.message), d.dismiss()))
    page.seen = seen  # type: ignore[attr-defined]
    try:
        yield page
    finally:
        report = getattr(request.node, "_e2e_call", None)
        if report is not None and report.failed:
            print(f"page URL: {page.url}; server: {hostile_app['server'].status()}")
            print(hostile_app["server"].log()[-5000:])
        page.close()


# (path, query, texts that must be on screen as typed)
VISITS = [
    ("/", {}, [H.PROGRAM_NAME, H.TEAM_IMAGE]),
    ("/", {"area": H.AREA}, [H.TEAM_SCRIPT]),  # the area's movers
    ("/trends", {"scope": "Teams", "team": [H.TEAM_SCRIPT, H.TEAM_LINK, H.TEAM_FRAME]},
     [H.TEAM_SCRIPT, H.TEAM_LINK, H.TEAM_FRAME]),
    ("/trends", {"scope": "Area", "area": H.AREA}, [H.AREA]),
    ("/trends", {"scope": "Teams", "team": [H.MD_IMAGE, H.SCRIPT], "area": H.MD_LINK},
     [H.MD_IMAGE, H.SCRIPT]),  # an unknown team in a link: named back, as text
    ("/progress", {"team": H.TEAM_SCRIPT}, [H.TEAM_SCRIPT, H.CHAMPION]),
    ("/meeting", {"team": H.TEAM_SCRIPT}, [H.ACTION, H.ACTION_OWNER, H.CHAMPION]),
    ("/meeting", {"team": H.TEAM_SCRIPT, "present": "1"}, [H.TEAM_SCRIPT, H.CHAMPION]),
    ("/champions", {}, [H.TEAM_SVG, H.AREA, H.LEADER]),
    ("/champions", {"q": H.SVG}, [H.TEAM_SVG]),
    ("/critical_bugs", {}, [H.DEFINITION_TITLE, H.IFRAME, H.MD_DIRECTIVE]),
    ("/upload", {}, [H.PROGRAM_NAME]),
    ("/settings", {}, [H.PROGRAM_NAME]),
]  # fmt: skip


def as_shown(text: str) -> re.Pattern[str]:
    """``text`` as a page shows it: a word joiner may sit where an address would become a link."""
    return re.compile("\u2060?".join(map(re.escape, text)))


def test_every_page_shows_hostile_text_and_runs_none_of_it(tab: Page, hostile_app: dict):
    for path, query, texts in VISITS:
        where = path + ("?" + urlencode(query, doseq=True) if query else "")
        visit(tab, hostile_app["url"] + where)
        for text in texts:
            expect(tab.get_by_text(as_shown(text)).first).to_be_attached()
        tab.wait_for_function(IMAGES_DONE, polling=POLL_MS)
        assert tab.evaluate(INJECTED) == CLEAN, where
        assert_no_error(tab)
    assert tab.seen == {"requests": [], "dialogs": []}  # type: ignore[attr-defined]


def test_notes_and_chart_names_are_text_in_the_browser(tab: Page, hostile_app: dict):
    query = urlencode({"meeting": hostile_app["meeting_id"], "team": H.TEAM_SCRIPT})
    boxes = tab.locator("textarea")
    visit(tab, f"{hostile_app['url']}/meeting?{query}", boxes.first)
    assert sorted(boxes.nth(i).input_value() for i in range(boxes.count())) == sorted(
        H.NOTES.values()
    )
    teams = [H.TEAM_SCRIPT, H.TEAM_LINK, H.TEAM_ANCHOR]
    query = urlencode({"scope": "Teams", "team": teams}, doseq=True)
    legend = tab.locator(".js-plotly-plot .legendtext")
    visit(tab, f"{hostile_app['url']}/trends?{query}", legend.first)
    names = {legend.nth(i).text_content() for i in range(legend.count())}
    assert names == set(teams)
    assert tab.locator(".js-plotly-plot a").count() == 0
    assert tab.evaluate(INJECTED) == CLEAN


def _download(tab: Page, label: str) -> list[dict[str, str]]:
    path: Path = download(tab, tab.get_by_role("button", name=label))
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_downloads_are_formula_safe_and_tables_offer_none_of_their_own(
    tab: Page, hostile_app: dict
):
    table = tab.locator('[data-testid="stDataFrame"]').first
    visit(tab, f"{hostile_app['url']}/champions", table)
    table.hover()
    expect(tab.get_by_role("button", name="Search").first).to_be_visible()
    expect(tab.get_by_role("button", name="Download as CSV")).to_have_count(0)
    # The button is in this expander: download() presses it once the expander has opened.
    tab.get_by_text("Import a roster file").click()
    roster = {
        r["team"]: r for r in _download(tab, "Download the roster (CSV), to edit and import again")
    }
    formula = roster["'" + H.FORMULA_TEAM]
    assert (formula["champion"], formula["email"]) == ("'+cmd", "'@sum")
    assert roster[H.TEAM_SCRIPT]["champion"] == H.CHAMPION

    query = urlencode({"metric": "open_bugs", "scope": "Teams",
                       "team": [H.FORMULA_TEAM, H.TEAM_SCRIPT]}, doseq=True)  # fmt: skip
    visit(tab, f"{hostile_app['url']}/trends?{query}")
    rows = _download(tab, "Data behind the chart (CSV)")
    assert {r["team"] for r in rows} == {"'" + H.FORMULA_TEAM, H.TEAM_SCRIPT}
    assert tab.evaluate(INJECTED) == CLEAN
