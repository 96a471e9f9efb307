"""Live sources in Chromium, as an admin and editor use them: test a source's connection on
Settings, sync it on Upload, and see the bug data's age on the Overview. The tracker is a
fake GitHub on loopback; the app server reads its token from the environment."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from ddq import db
from ddq.access import ADMIN, Actor
from ddq.sources import store, trackers
from tests.e2e.server import StreamlitServer, make_sample_db
from tests.e2e.settle import assert_no_error, settled, visit
from tests.fakes.github import FakeGithub
from tests.fakes.server import serving

pytestmark = pytest.mark.e2e

TOKEN = "ghp_browser_token_0123456789"


@pytest.fixture(scope="module")
def sources_app(_chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("sources")
    path = folder / "ddq.duckdb"
    make_sample_db(path, teams=8, weeks=30)
    github = FakeGithub("acme/app", token=TOKEN)
    for n in range(1, 121):
        github.add(n, title=f"Crash {n}", labels=("bug",), created="2026-02-02T09:00:00Z")
    with serving(github):
        with db.connect(path) as con:
            store.add(con, "github", "app", url=github.url, options={"repo": "acme/app"},
                      check_options=trackers.adapter("github").check_options,
                      token_env="APP_GH_TOKEN", who=Actor("Ada", ADMIN))  # fmt: skip
        server = StreamlitServer(path, folder / "streamlit.log", {"APP_GH_TOKEN": TOKEN})
        server.start()
        try:
            yield {"url": server.url, "github": github, "db": path}
        finally:
            server.stop()


def said(page: Page, pattern: str):
    """A confirmation on the page (not the same words in a table's cells)."""
    return page.locator('[data-testid="stAlertContentSuccess"]').filter(
        has_text=re.compile(pattern)
    )


def test_test_sync_and_see_the_bug_datas_age(page: Page, sources_app: dict, screenshots) -> None:
    url = sources_app["url"]
    test = page.get_by_role("button", name="Test connection")
    visit(page, url + "/settings", test)
    test.click()
    found = said(page, r"app: GitHub, repository acme/app \(private\): 120 open")
    settled(page, found)
    assert_no_error(page)

    sync_now = page.get_by_role("button", name="Sync now")
    visit(page, url + "/upload", sync_now)
    sync_now.click()
    done = said(page, r"import \d+: app: 120 added, 0 updated, 0 unchanged")
    settled(page, done)
    assert_no_error(page)
    done.first.scroll_into_view_if_needed()
    screenshots(page, "upload-live-sources")
    with db.connect(sources_app["db"]) as con:
        assert con.execute("SELECT count(*) FROM bugs WHERE tracker = 'github'").fetchone() == (
            120,
        )

    sync_now.click()  # again: nothing new
    again = said(page, r"app: 0 added, 0 updated, 0 unchanged; nothing new, so no import")
    settled(page, again)

    age = page.get_by_text(re.compile(r"Bug data: last synced from app"))
    visit(page, url + "/", age)
    expect(age).to_be_visible()
    assert_no_error(page)
