"""Shared fixtures: a temporary database, teams in it, files to import, the real command, and
the one Chromium of the browser tests."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ddq import db
from ddq.org import name_key
from tests.e2e.server import chromium_missing, launch_browser
from tests.e2e.settle import RUN_TIMEOUT_MS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext

ROOT = Path(__file__).resolve().parents[1]

# A fixed "today" for unit tests: Wednesday of ISO week 2026-W10 (Monday 2026-03-02).
TODAY = dt.date(2026, 3, 4)


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "t.duckdb"


def add_teams(path: Path, names: Iterable[str]) -> None:
    """Create teams directly, as the roster would."""
    rows = [(n, name_key(n)) for n in names]
    with db.connect(path) as con:  # creates and migrates the file, even without teams
        if rows:
            con.executemany("INSERT INTO teams (name, name_key) VALUES (?, ?)", rows)


@pytest.fixture(scope="session")
def _migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty, migrated database, copied rather than created again for each test."""
    path = tmp_path_factory.mktemp("template") / "template.duckdb"
    with db.connect(path):
        pass
    assert not path.with_name(path.name + ".wal").exists()
    return path


@pytest.fixture
def make_db(db_path: Path, _migrated_template: Path) -> Callable[..., Path]:
    """``make_db("Alpha", "Beta")``: a migrated database at ``db_path`` with those teams."""

    def make(*teams: str) -> Path:
        if not db_path.exists():
            shutil.copyfile(_migrated_template, db_path)
        add_teams(db_path, teams)
        return db_path

    return make


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """``write_file("a.csv", text_or_bytes)``: a file in the test's folder (text as UTF-8)."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


@pytest.fixture
def run_ddq(db_path: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the real ``ddq`` command against ``db_path``, or ``db=`` (no connection may be open)."""

    def run(
        *args: str | os.PathLike[str], db: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        target = db or db_path
        env = {**os.environ, "DDQ_LOCK_WAIT": "5", "DDQ_DB": str(target)}
        env.pop("DDQ_DEBUG", None)
        return subprocess.run(
            [sys.executable, "-m", "ddq.cli", "--db", str(target), *map(str, args)],
            capture_output=True,
            text=True,
            encoding="utf-8",
            cwd=ROOT,
            env=env,
            timeout=60,
        )

    return run


def query(path: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a query on a closed database file (opened and closed again here)."""
    with db.connect(path) as con:
        return con.execute(sql, params).fetchall() if params else con.execute(sql).fetchall()


# One Chromium for every browser test (tests/e2e, tests/security): Playwright's sync API runs
# one instance per thread. A laptop's window, the size the tests' screenshots are taken at.
VIEWPORT = {"width": 1280, "height": 720}


@pytest.fixture(scope="session")
def _chromium() -> None:
    reason = chromium_missing()
    if reason:
        pytest.skip(reason)


@pytest.fixture(scope="session")
def browser(_chromium: None) -> Iterator[Browser]:
    from playwright.sync_api import expect, sync_playwright

    # expect() waits 5 s by default: too short for a busy machine, and still bounded.
    expect.set_options(timeout=RUN_TIMEOUT_MS)
    with sync_playwright() as playwright:
        chromium = launch_browser(playwright)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="session")
def browser_context(browser: Browser) -> Iterator[BrowserContext]:
    """One context for the session: its HTTP cache keeps the app's scripts between tests."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(RUN_TIMEOUT_MS)
    context.set_default_navigation_timeout(RUN_TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()
