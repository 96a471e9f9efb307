"""What a person sees in Chromium: a refused upload is an error in the uploader, and uploading
works again once there is room (the real frontend, not AppTest)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ddq import clock
from tests.e2e.settle import settled, visit
from tests.security.conftest import EDITOR_PASSWORD, FILE_BYTES

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.e2e


@pytest.fixture
def tab(browser_context: BrowserContext) -> Iterator[Page]:
    page = browser_context.new_page()
    try:
        yield page
    finally:
        page.close()


def open_upload_page_as_editor(page: Page, url: str) -> None:
    """Sign in through the sidebar's form, then follow the navigation (a new page load would be
    a new, signed-out session)."""
    visit(page, url)
    sidebar = page.locator('[data-testid="stSidebar"]')
    sidebar.get_by_text("Sign in to edit").click()
    password = sidebar.get_by_label("Password", exact=True)
    settled(page, password)  # the sign-in form has opened
    sidebar.get_by_label("Your name (the audit log shows it)").fill("Ann Lee")
    password.fill(EDITOR_PASSWORD)
    sidebar.get_by_role("button", name="Sign in").click()
    upload = page.locator('[data-testid="stSidebarNav"] a', has_text="Upload")
    settled(page, upload)  # an editor's navigation
    upload.click()
    settled(page, page.locator("h1", has_text="Upload metrics"))


def test_a_refused_upload_shows_in_the_uploader_then_uploads_work_again(
    tab: Page, server, client, editor, stored, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    big = tmp_path / "big.csv"  # more than the 0.39 MB left once eight 1 MB files are stored
    big.write_bytes(b"team,week,metric,value\n" + b"x" * (FILE_BYTES // 2))
    stored(lambda held: held == 0, "uploads of earlier tests removed")
    open_upload_page_as_editor(tab, server.url)
    metrics_uploader = tab.locator('[data-testid="stFileUploader"]').first
    expect(tab.locator("h1").first).to_have_text("Upload metrics")

    with ExitStack() as sessions:  # four editors fill the server: eight files of 1 MB
        for i in range(4):
            session = sessions.enter_context(editor(f"Editor {i}"))
            assert [session.put(b"x" * FILE_BYTES) for _ in range(2)] == [204, 204]
        metrics_uploader.locator('input[type="file"]').set_input_files(str(big))
        expect(metrics_uploader).to_contain_text("413")
        expect(tab.get_by_role("heading", name="Preview")).to_have_count(0)
    stored(lambda held: held == 0, "the files of the editors who left removed")

    week = clock.today() - dt.timedelta(weeks=3)  # inside the sample's 30 weeks
    upload = tmp_path / "week.csv"
    upload.write_text(f"team,week,metric,value\nCheckout,{week},open_bugs,4321\n")
    metrics_uploader.locator('input[type="file"]').set_input_files(str(upload))
    settled(tab, tab.get_by_role("heading", name="Preview"))
    tab.get_by_role("button", name="Apply import").click()
    expect(tab.locator('[data-testid="stAlert"]', has_text="Applied: import")).to_contain_text(
        re.compile(r"Applied: import \d+")
    )
    stored(lambda held: held == 0, "the applied file removed")
