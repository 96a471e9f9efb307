"""Post to Slack from the meeting page, in Chromium, against a fake Slack on loopback.

The app server gets Slack's connection through its database and the bot token through the
environment variable the connection names, as a deployment would. What is judged: the
message arrives in the area's champions channel carrying the summary, the page says where
it went, and a second click updates the same message.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from ddq import db, roster
from ddq import meeting as core
from ddq.access import ADMIN, Actor
from ddq.slack import store
from tests.e2e.server import StreamlitServer, make_sample_db
from tests.e2e.settle import RUN_TIMEOUT_MS, assert_no_error, settled, visit
from tests.fakes.server import serving
from tests.fakes.slack import BOT_TOKEN, FakeSlack

pytestmark = pytest.mark.e2e

HOST = Actor("Host", ADMIN)


@pytest.fixture(scope="module")
def slack_app(_chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("slack")
    path = folder / "ddq.duckdb"
    make_sample_db(path, teams=4, weeks=10)
    fake = FakeSlack()
    fake.add_channel("quality-champions")
    with serving(fake):
        with db.connect(path) as con:
            area = core.get_meeting(con, core.create_meeting(con, who=HOST))["teams"][0]["area"]
            held = core.create_meeting(con, areas=[area], held_on=None, who=HOST)
            first = core.get_meeting(con, held)["teams"][0]["team"]
            core.set_note(con, held, first, "doing", "Pairing on flaky tests & <triage>", HOST)
            roster.update_area(con, area, champions_channel="#quality-champions", who=HOST)
            store.connect(con, token_env="DDQ_TEST_SLACK_TOKEN", api_url=fake.url + "/api",
                          who=HOST)  # fmt: skip
        server = StreamlitServer(path, folder / "streamlit.log",
                                 extra_env={"DDQ_TEST_SLACK_TOKEN": BOT_TOKEN})  # fmt: skip
        server.start()
        try:
            yield {"url": server.url, "fake": fake, "meeting": held, "db": path}
        finally:
            server.stop()


@pytest.fixture
def tab(browser: Browser, slack_app: dict) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    context.set_default_timeout(RUN_TIMEOUT_MS)
    yield context.new_page()
    context.close()


def test_post_to_slack_from_the_meeting_page(tab: Page, slack_app: dict) -> None:
    fake: FakeSlack = slack_app["fake"]
    visit(tab, f"{slack_app['url']}/meeting?meeting={slack_app['meeting']}")
    post = tab.get_by_role("button", name="Post to Slack")
    settled(tab, post)
    post.click()
    settled(tab, tab.get_by_text("Posted in #quality-champions at "))
    assert_no_error(tab)
    [message] = fake.posted("quality-champions")
    assert "Pairing on flaky tests &amp; &lt;triage&gt;" in message["text"]
    with db.connect(slack_app["db"]) as con:  # as it is now: opening the page presented a team
        summary = core.summary_markdown(con, slack_app["meeting"])
    for line in summary.splitlines():
        if line.strip():
            assert line.replace("**", "").replace("&", "&amp;").replace("<", "&lt;").replace(
                ">", "&gt;") in message["text"]  # fmt: skip

    post.click()
    settled(tab, tab.get_by_text("Updated in #quality-champions at "))
    assert_no_error(tab)
    [edited] = fake.posted("quality-champions")
    assert edited["ts"] == message["ts"] and "edited" in edited
