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
from tests.e2e.server import StreamlitServer, make_sample_db, wait_for_app

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

pytestmark = pytest.mark.e2e

EDITOR_PASSWORD = "correct horse"
NAV_LINKS = '[data-testid="stSidebarNav"] a'
EXCEPTION = '[data-testid="stException"]'


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


def sign_in(page: Page, name: str, password: str) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    expander = sidebar.get_by_text("Sign in to edit")
    if not sidebar.get_by_label("Password", exact=True).is_visible():
        expander.click()
    sidebar.get_by_label("Your name (the audit log shows it)").fill(name)
    sidebar.get_by_label("Password", exact=True).fill(password)
    sidebar.get_by_role("button", name="Sign in").click()
    wait_for_app(page)


def test_a_viewer_signs_in_as_an_editor(tab: Page, guarded: StreamlitServer) -> None:
    tab.goto(guarded.url + "/champions")
    wait_for_app(tab)
    expect(tab.locator("h1").first).to_have_text("Champions")
    assert "Upload" not in nav(tab) and "Settings" not in nav(tab)
    expect(tab.get_by_text("Edit the roster")).to_have_count(0)
    expect(tab.get_by_text("Local mode")).to_have_count(0)

    sign_in(tab, "Ann Lee", "wrong")
    expect(tab.get_by_text("Wrong password. Ask an admin for the editor password.")).to_be_visible()
    assert "Upload" not in nav(tab)

    sign_in(tab, "Ann Lee", EDITOR_PASSWORD)
    expect(tab.get_by_text("Signed in as")).to_be_visible()
    expect(tab.get_by_text("Edit the roster")).to_be_visible()
    assert "Upload" in nav(tab) and "Settings" not in nav(tab)
    expect(tab.locator(EXCEPTION)).to_have_count(0)

    # An editor's change lands in the audit log in their name.
    tab.get_by_text("Add, retire or bring back a team").click()
    tab.get_by_label("New team").fill("Search Relevance")
    tab.get_by_role("button", name="Add team").click()
    wait_for_app(tab)
    expect(tab.get_by_text("Search Relevance added.")).to_be_visible()
    with db.connect(Path(guarded.db_path), wait_s=15) as con:
        added = audit.entries(con, action="team.add")[0]
    assert (added["who"], added["role"], added["subject"]) == ("Ann Lee", "editor",
                                                              "Search Relevance")  # fmt: skip
