"""One real app (`streamlit run app.py`) for the whole browser-test session.

The app runs on a free loopback port against a database of its own: the sample organisation
(8 teams, 30 weeks) plus the team ``Payments`` that the upload tests name. Every test gets a
new tab, so a new Streamlit session, in the one Chromium of tests/conftest.py. Skipped, with
the reason, where Debian's Chromium is not installed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.server import StreamlitServer, make_sample_db

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page

# A team that the sample does not have, named as in tests/pages/test_upload.py.
EXTRA_TEAM = "Payments"


@dataclass(frozen=True)
class App:
    """The running app: where to reach it, its database and the sample in it."""

    url: str
    db_path: Path
    server: StreamlitServer
    sample: dict[str, Any]
    extra_team: str = EXTRA_TEAM

    @property
    def last_week(self) -> dt.date:
        return self.sample["last_week"]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    """Remember each phase's outcome on the test, so fixtures can report a failure."""
    report = yield
    setattr(item, f"_e2e_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def app(_chromium: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    folder = tmp_path_factory.mktemp("e2e")
    db_path = folder / "ddq.duckdb"
    sample = make_sample_db(db_path, teams=8, weeks=30, extra_teams=[EXTRA_TEAM])
    server = StreamlitServer(db_path, folder / "streamlit.log")
    server.start()  # raises with the server's output if it never becomes healthy
    try:
        yield App(server.url, db_path, server, sample)
    finally:
        server.stop()


@contextmanager
def reporting_tab(
    context: BrowserContext, server: StreamlitServer, request: pytest.FixtureRequest, folder: Path
) -> Iterator[Page]:
    """A new tab (a new Streamlit session) that, when its test fails, prints what it saw."""
    tab = context.new_page()
    try:
        yield tab
    finally:
        report = getattr(request.node, "_e2e_call", None)
        if report is not None and report.failed:
            shot = folder / "failure.png"
            try:
                tab.screenshot(path=str(shot), timeout=5_000)
                print(f"screenshot of the page at the failure: {shot}")
            except Exception as exc:  # the report matters more than the picture
                print(f"no screenshot: {exc}")
            print(f"page URL: {tab.url}; streamlit server: {server.status()}")
            print("--- streamlit output (last 5000 characters) ---")
            print(server.log()[-5000:])
        tab.close()


@pytest.fixture
def page(
    browser_context: BrowserContext, app: App, request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Page]:
    """A new tab: a new Streamlit session (sessions belong to a tab's connection)."""
    with reporting_tab(browser_context, app.server, request, tmp_path) as tab:
        yield tab


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Page, str], Path]:
    """Save what a tab shows (the window, 1280x720) as ``<name>.png``, for a person to look at."""
    folder = tmp_path_factory.mktemp("screenshots")

    def take(tab: Page, name: str) -> Path:
        path = folder / f"{name}.png"
        tab.screenshot(path=str(path))
        return path

    return take
