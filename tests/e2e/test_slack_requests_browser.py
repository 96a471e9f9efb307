"""A coaching request sent from the sidebar's form in a real browser, arriving in a fake Slack.

A second app of its own (the session's app has no Slack), started with the bot token's
variable in its environment and connected to a fake Slack workspace on loopback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from playwright.sync_api import Page, expect

from ddq import db, settings
from ddq.access import SYSTEM
from ddq.slack import store
from tests.e2e.server import StreamlitServer, make_sample_db
from tests.e2e.settle import assert_no_error, assert_no_exception, settled, visit
from tests.e2e.widgets import choose
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    workspace = FakeSlack()
    workspace.add_channel("quality-program")
    with serving(workspace):
        yield workspace


@pytest.fixture(scope="module")
def connected(
    _chromium: None, slack: FakeSlack, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[StreamlitServer, Path]]:
    folder = tmp_path_factory.mktemp("slack-requests")
    path = folder / "ddq.duckdb"
    make_sample_db(path, teams=4, weeks=12)
    with db.connect(path) as con:
        settings.update(con, {"program_channel": "#quality-program"}, who=SYSTEM)
        store.connect(con, token_env="DDQ_TEST_SLACK_TOKEN", api_url=slack.url + "/api",
                      who=SYSTEM)  # fmt: skip
    server = StreamlitServer(path, folder / "streamlit.log", {"DDQ_TEST_SLACK_TOKEN": BOT_TOKEN})
    server.start()
    try:
        yield server, path
    finally:
        server.stop()


@pytest.fixture
def tab(browser_context: BrowserContext) -> Iterator[Page]:
    page = browser_context.new_page()
    try:
        yield page
    finally:
        page.close()


def test_a_coaching_request_reaches_the_program_channel(
    tab: Page, connected: tuple[StreamlitServer, Path], slack: FakeSlack
) -> None:
    server, path = connected
    with db.connect(path) as con:
        team = str(con.execute("SELECT min(name) FROM teams WHERE kind = 'team'").fetchone()[0])
    visit(tab, server.url)
    sidebar = tab.locator('[data-testid="stSidebar"]')
    sidebar.get_by_role("button", name="Request coaching").click()
    dialog = tab.get_by_role("dialog")
    settled(tab, dialog.get_by_text("Request coaching or a workshop"))
    choose(tab, "Team", team)
    dialog.get_by_label("Topic", exact=True).fill("Flaky tests in the release pipeline")
    dialog.get_by_label("What you hope for", exact=True).fill("A plan we can start next week")
    dialog.get_by_label("Dates that suit you", exact=True).fill("Any Tuesday in April")
    dialog.get_by_role("button", name="Send request").click()
    settled(tab, sidebar.get_by_text(f"Request 1 sent: Coaching for {team}."))
    expect(sidebar.get_by_text("Slack: posted in #quality-program.")).to_be_visible()
    expect(tab.get_by_role("dialog")).to_have_count(0)
    assert_no_exception(tab)
    assert_no_error(tab)

    [message] = slack.posted("quality-program")
    assert message["text"] == (f"Coaching for {team} (request 1, new): Flaky tests in the "
                               "release pipeline. Requested by local user.")  # fmt: skip
    assert "Any Tuesday in April" in str(message["blocks"])
