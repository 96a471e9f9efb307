"""Sign-in with shared passwords in a real browser: a viewer cannot write, an editor can.

A second app of its own (the session's app runs in local mode), started with an editor and an
admin password in its environment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from ddq import audit, db
from tests.e2e.server import StreamlitServer, make_sample_db
from tests.e2e.settle import assert_no_error, settled, visit

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

pytestmark = pytest.mark.e2e

EDITOR_PASSWORD = "correct horse"
NAV_LINKS = '[data-testid="stSidebarNav"] a'


@pytest.fixture(scope="module")
def guarded(_chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    folder = tmp_path_factory.mktemp("sign-in")
    make_sample_db(folder / "ddq.duckdb", teams=4, weeks=12)
    server = StreamlitServer(folder / "ddq.duckdb", folder / "streamlit.log", {
        "DDQ_EDITOR_PASSWORD": EDITOR_PASSWORD, "DDQ_ADMIN_PASSWORD": os.urandom(8).hex()})  # fmt: skip
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def tab(browser_context: BrowserContext) -> Iterator[Page]:
    page = browser_context.new_page()
    try:
        yield page
    finally:
        page.close()


def nav(page: Page) -> list[str]:
    return [t.split("\n")[-1].strip() for t in page.locator(NAV_LINKS).all_inner_texts()]


def sign_in(page: Page, name: str, password: str, outcome: str) -> None:
    """Sign in from the sidebar; wait until the page shows ``outcome`` and has settled."""
    sidebar = page.locator('[data-testid="stSidebar"]')
    password_box = sidebar.get_by_label("Password", exact=True)
    if not password_box.is_visible():
        sidebar.get_by_text("Sign in to edit").click()
        settled(page, password_box)
    sidebar.get_by_label("Your name (the audit log shows it)").fill(name)
    password_box.fill(password)
    sidebar.get_by_role("button", name="Sign in").click()
    settled(page, page.get_by_text(outcome).first)


def test_a_viewer_signs_in_as_an_editor(tab: Page, guarded: StreamlitServer) -> None:
    visit(tab, guarded.url + "/champions")
    expect(tab.locator("h1").first).to_have_text("Champions")
    assert "Upload" not in nav(tab) and "Settings" not in nav(tab)
    expect(tab.get_by_text("Edit the roster")).to_have_count(0)
    expect(tab.get_by_text("Local mode")).to_have_count(0)

    sign_in(tab, "Ann Lee", "wrong", "Wrong password. Ask an admin for the editor password.")
    assert "Upload" not in nav(tab)

    sign_in(tab, "Ann Lee", EDITOR_PASSWORD, "Signed in as")
    expect(tab.get_by_text("Edit the roster")).to_be_visible()
    assert "Upload" in nav(tab) and "Settings" not in nav(tab)
    assert_no_error(tab)

    # An editor's change lands in the audit log in their name.
    tab.get_by_text("Add, retire or bring back a team").click()
    new_team = tab.get_by_label("New team")
    settled(tab, new_team)
    new_team.fill("Search Relevance")
    tab.get_by_role("button", name="Add team").click()
    settled(tab, tab.get_by_text("Search Relevance added."))
    assert_no_error(tab)
    with db.connect(Path(guarded.db_path), wait_s=15) as con:
        added = audit.entries(con, action="team.add")[0]
    assert (added["who"], added["role"], added["subject"]) == ("Ann Lee", "editor",
                                                              "Search Relevance")  # fmt: skip
