"""The real app in a real browser: every page renders, and uploads land (or are refused).

Debian's Chromium, driven by Playwright, against ``streamlit run app.py`` (see conftest.py).
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from ddq import db, ledger
from ddq.access import ADMIN, Actor
from ddq.export import export_metrics
from tests.e2e.settle import assert_no_error, assert_no_exception, settled, visit
from tests.e2e.widgets import expect_value

if TYPE_CHECKING:
    from tests.e2e.conftest import App

pytestmark = pytest.mark.e2e


@dataclass(frozen=True)
class AppPage:
    path: str  # the URL path of the page, as the sidebar links to it
    nav_label: str  # its label in the sidebar navigation
    title: str  # its h1


# Every page of the app's navigation; a new page adds itself here (a test checks that).
PAGES = [
    AppPage("/", "Overview", "Overview"),
    AppPage("/trends", "Trends", "Trends"),
    AppPage("/progress", "Progress", "Progress"),
    AppPage("/meeting", "Meeting", "Weekly meeting"),
    AppPage("/champions", "Champions", "Champions"),
    AppPage("/critical_bugs", "Critical bugs", "Critical bugs"),
    AppPage("/upload", "Upload", "Upload metrics"),
    AppPage("/settings", "Settings", "Settings"),
    AppPage("/audit", "Audit log", "Audit log"),
]
PAGE_IDS = [p.nav_label.lower() for p in PAGES]

NAV_LINKS = '[data-testid="stSidebarNav"] a'


def open_page(page: Page, app: App, path: str) -> None:
    visit(page, app.url + path)


def expect_rendered(page: Page, app_page: AppPage) -> None:
    """The page shows its title, the app has settled, and no error is on it."""
    settled(page, page.locator("h1").first.filter(has_text=app_page.title))
    expect(page.locator("h1").first).to_have_text(app_page.title)
    assert_no_error(page)
    assert urlsplit(page.url).path == app_page.path


def value_of(path: Path, team: str, week: dt.date, metric: str) -> float | None:
    """A stored value, read as another process would (connect waits for the app's lock)."""
    with db.connect(path, wait_s=15) as con:
        return db.scalar(
            con,
            "SELECT v.value FROM metric_values v JOIN teams t ON t.id = v.team_id "
            "WHERE t.name = ? AND v.week = ? AND v.metric = ?",
            [team, week, metric],
        )


def snapshot(path: Path) -> tuple[str, int]:
    """Every value as exported, and how many imports the ledger holds."""
    buffer = io.StringIO()
    with db.connect(path, wait_s=15) as con:
        export_metrics(con, buffer)
        imports = len(ledger.list_imports(con))
    return buffer.getvalue(), imports


@pytest.mark.parametrize("app_page", PAGES, ids=PAGE_IDS)
def test_a_deep_link_renders_the_page_and_its_sidebar_leads_on(
    page: Page, app: App, app_page: AppPage
) -> None:
    """Every page opens from its link, and from the sidebar of the page before it."""
    open_page(page, app, app_page.path)
    expect_rendered(page, app_page)
    after = PAGES[(PAGES.index(app_page) + 1) % len(PAGES)]
    link = page.locator(f'{NAV_LINKS}[href="{app.url}{after.path}"]')
    expect(link).to_have_count(1)
    expect(link).to_contain_text(after.nav_label)
    link.click()
    # By path: a page may put its state in the query string once it has run.
    settled(page, url=re.compile(rf"^{re.escape(app.url + after.path)}(\?.*)?$"))
    expect_rendered(page, after)


def test_every_page_in_the_navigation_is_tested(page: Page, app: App) -> None:
    open_page(page, app, "/")
    expect(page.locator(NAV_LINKS).first).to_be_visible()
    links = page.locator(NAV_LINKS).evaluate_all(
        "links => links.map(a => [new URL(a.href).pathname, a.innerText])"
    )
    listed = {(path, text.split("\n")[-1].strip()) for path, text in links}
    assert listed == {(p.path, p.nav_label) for p in PAGES}, "extend PAGES in this file"


def test_an_uploaded_file_is_previewed_then_applied(page: Page, app: App, tmp_path: Path) -> None:
    week = app.last_week - dt.timedelta(weeks=10)  # well inside the sample, not the current week
    wednesday = week + dt.timedelta(days=2)  # any day names its ISO week
    before = value_of(app.db_path, "Checkout", week, "open_bugs")
    assert before is not None, "the sample should have this value"
    assert value_of(app.db_path, app.extra_team, week, "test_pass_rate") is None
    changed = int(before) + 1000
    upload = tmp_path / "e2e-week.csv"
    upload.write_text(
        "team,week,metric,value\n"
        f"Checkout,{wednesday},open_bugs,{changed}\n"
        f"{app.extra_team},{wednesday},test_pass_rate,97.5\n",
        encoding="utf-8",
    )

    open_page(page, app, "/upload")
    expect(page.locator("h1").first).to_have_text("Upload metrics")
    page.set_input_files('input[type="file"]', str(upload))

    settled(page, page.get_by_role("heading", name="Preview"))
    metrics = page.locator('[data-testid="stMetric"]')
    expect(metrics).to_have_count(5)
    shown = dict(t.split("\n")[0::2] for t in metrics.all_inner_texts())
    assert shown == {"Rows": "2", "Values": "2", "New": "1", "Changed": "1", "Unchanged": "0"}
    assert value_of(app.db_path, "Checkout", week, "open_bugs") == before  # preview only

    page.get_by_role("button", name="Apply import").click()
    success = page.locator('[data-testid="stAlert"]', has_text="Applied: import")
    settled(page, success)
    expect(success).to_contain_text(
        re.compile(r"Applied: import \d+: 1 added, 1 updated, 0 unchanged\.")
    )
    assert_no_error(page)

    assert value_of(app.db_path, "Checkout", week, "open_bugs") == changed
    assert value_of(app.db_path, app.extra_team, week, "test_pass_rate") == 97.5
    with db.connect(app.db_path, wait_s=15) as con:
        newest = ledger.list_imports(con)[0]
    assert (newest["file_name"], newest["who"], newest["status"]) == (
        upload.name,
        "local user",
        "applied",
    )
    assert f"import {newest['id']}:" in success.inner_text()


def test_a_rejected_upload_lists_its_problems_and_changes_nothing(
    page: Page, app: App, tmp_path: Path
) -> None:
    week = app.last_week - dt.timedelta(weeks=12)
    upload = tmp_path / "e2e-bad.csv"
    upload.write_text(
        "team,week,metric,value\n"
        f"{app.extra_team},{week},open_bugs,3.5\n"
        f"Paymnts,{week},open_bugs,1\n",
        encoding="utf-8",
    )
    before = snapshot(app.db_path)

    open_page(page, app, "/upload")
    expect(page.locator("h1").first).to_have_text("Upload metrics")
    page.set_input_files('input[type="file"]', str(upload))

    error = page.locator('[data-testid="stAlert"]', has_text="problem(s)")
    settled(page, error)
    expect(error).to_contain_text(f"{upload.name}: 2 problem(s). Nothing was imported")
    problems = page.locator('[data-testid="stCode"]').inner_text().splitlines()
    assert problems[0] == "line 2, column value, value '3.5': a count is a whole number"
    assert problems[1].startswith(
        "line 3, column team, value 'Paymnts': unknown team (did you mean 'Payments'?)"
    )
    assert len(problems) == 2
    expect(page.get_by_role("button", name="Apply import")).to_have_count(0)
    assert_no_exception(page)  # the problems are an error message, as they should be
    assert snapshot(app.db_path) == before


def test_a_note_written_on_one_laptop_shows_on_another_without_reloading(
    page: Page, app: App
) -> None:
    from ddq import meeting as core

    with db.connect(app.db_path, wait_s=15) as con:
        found = core.meetings(con)
        meeting_id = found[0]["id"] if found else core.create_meeting(con, who=Actor("e2e", ADMIN))
        team = core.get_meeting(con, meeting_id)["teams"][0]["team"]
    url = f"/meeting?meeting={meeting_id}&team={team.replace(' ', '+')}"
    other = page.context.new_page()
    try:
        open_page(page, app, url)
        open_page(other, app, url)
        note = f"Pairing on flaky tests {dt.datetime.now():%H%M%S}"
        box = page.get_by_label("What we're doing")
        box.fill(note)
        box.press("Tab")
        save = page.get_by_role("button", name="Save what we're doing")
        settled(page, save)
        save.click()
        # Saved: said on its own line; the button stays where it was.
        expect(page.get_by_text("What we're doing saved.")).to_be_visible()
        settled(page)
        # No reload of the other page: its fragment refreshes itself (every 3 s in tests).
        expect_value(other, "What we're doing", note)  # the old box gone, the new one there
        settled(other)
        assert_no_error(page)
        assert_no_error(other)
    finally:
        other.close()
