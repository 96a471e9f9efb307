"""Each page's main controls, used in a real browser: change, rerun, no error, the view follows.

One app for the module, on a database with the sample organisation a newcomer starts with
(16 teams, 104 weeks). Each test opens its
page in a new tab (a new session), changes a control, waits until the app has settled,
checks that no error shows and that the view reflects the change: a chart's title, the link,
a heading, a table's rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
from playwright.sync_api import Page, expect

from ddq import audit, db, roster
from ddq import meeting as meetings
from ddq.metrics import current_week
from ddq.ui import format as fmt
from tests.e2e.conftest import reporting_tab
from tests.e2e.server import StreamlitServer, make_sample_db, running_app
from tests.e2e.settle import assert_no_error, assert_no_exception, settled, visit
from tests.e2e.widgets import (
    cells,
    choose,
    close_list,
    enter,
    expect_value,
    open_expander,
    options,
    pick,
    upload,
)

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, FloatRect, Locator

pytestmark = pytest.mark.e2e

Shoot = Callable[[Page, str], Path]
CHART_TITLE = ".js-plotly-plot .gtitle"
LEGEND = ".js-plotly-plot .legendtext"


@pytest.fixture(scope="module")
def sample_app(
    _chromium: None, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[StreamlitServer]:
    folder = tmp_path_factory.mktemp("controls")
    make_sample_db(folder / "ddq.duckdb")
    with running_app(folder / "ddq.duckdb", folder / "streamlit.log") as server:
        yield server


@pytest.fixture
def tab(
    browser_context: BrowserContext,
    sample_app: StreamlitServer,
    request: pytest.FixtureRequest,
    tmp_path: Path,
) -> Iterator[Page]:
    with reporting_tab(browser_context, sample_app, request, tmp_path) as page:
        yield page


def query(page: Page) -> dict[str, list[str]]:
    """The page's link state: its query string, parsed."""
    return parse_qs(urlsplit(page.url).query)


def has_param(**wanted: str) -> Callable[[str], bool]:
    """A test of a URL: its query string holds each ``name=value`` once."""

    def test(url: str) -> bool:
        found = parse_qs(urlsplit(url).query)
        return all(found.get(k) == [v] for k, v in wanted.items())

    return test


# --- Overview --------------------------------------------------------------------------------


def test_overview_scope_and_movers_metric(
    tab: Page, sample_app: StreamlitServer, screenshots: Shoot
):
    visit(tab, sample_app.url + "/", tab.get_by_role("combobox", name="Scope"))
    headline = tab.locator('[data-testid="stMetricValue"]').first  # open bugs, summed
    organisation = headline.inner_text()
    areas = options(tab, "Scope")[1:]
    assert areas, "the sample has areas"
    choose(tab, "Scope", areas[0])
    settled(tab, url=has_param(area=areas[0]))
    expect(tab.get_by_role("combobox", name="Scope")).to_have_value(areas[0])
    expect(headline).not_to_have_text(organisation)  # one area's teams only
    assert_no_error(tab)
    screenshots(tab, "overview-area")

    choose(tab, "Metric", "Open bugs")
    settled(tab, url=has_param(metric="open_bugs", area=areas[0]))
    expect(tab.get_by_role("heading", name="Biggest movers")).to_be_visible()
    assert_no_error(tab)


# --- Trends ----------------------------------------------------------------------------------


def test_trends_metric_window_and_rolling_mean(tab: Page, sample_app: StreamlitServer):
    title = tab.locator(CHART_TITLE)
    visit(tab, sample_app.url + "/trends", title)
    expect(title).to_have_text("Open critical bugs")

    choose(tab, "Metric", "Test pass rate")
    settled(tab, title.filter(has_text="Test pass rate"), url=has_param(metric="test_pass_rate"))
    assert_no_error(tab)

    choose(tab, "Window", "13 weeks")
    settled(tab, url=has_param(weeks="13", metric="test_pass_rate"))
    assert_no_error(tab)

    enter(tab, "Rolling mean (weeks)", "8")
    settled(tab, tab.locator(LEGEND).filter(has_text="8-week mean"), url=has_param(rolling="8"))
    expect(title).to_have_text("Test pass rate")
    assert_no_error(tab)


def test_trends_scope_area_then_teams(tab: Page, sample_app: StreamlitServer, screenshots: Shoot):
    visit(tab, sample_app.url + "/trends", tab.locator(CHART_TITLE))
    pick(tab, "Scope", "Area")
    area_box = tab.get_by_role("combobox", name="Area")
    settled(tab, area_box, url=has_param(scope="Area"))
    areas = options(tab, "Area")
    choose(tab, "Area", areas[-1])
    subtitle = tab.locator(".js-plotly-plot .gtitle-subtitle, .js-plotly-plot .gtitle")
    settled(tab, url=has_param(scope="Area", area=areas[-1]))
    expect(subtitle.filter(has_text=areas[-1]).first).to_be_attached()
    assert_no_error(tab)

    pick(tab, "Scope", "Teams")
    settled(tab, tab.get_by_text("Pick teams to compare"), url=has_param(scope="Teams"))
    assert_no_error(tab)
    teams = options(tab, "Teams (up to 10)")[:2]
    for team in teams:
        choose(tab, "Teams (up to 10)", team)
    close_list(tab)
    settled(tab, *(tab.locator(LEGEND).filter(has_text=t) for t in teams))
    assert sorted(query(tab)["team"]) == sorted(teams)
    assert sorted(tab.locator(LEGEND).all_text_contents()) == sorted(teams)
    expect(tab.get_by_text("Pick teams to compare")).to_have_count(0)
    assert_no_error(tab)
    screenshots(tab, "trends-teams")


def test_trends_baseline_slider_moves_and_survives_reruns(
    tab: Page, sample_app: StreamlitServer, screenshots: Shoot
):
    visit(tab, sample_app.url + "/trends", tab.locator(CHART_TITLE))
    assert "baseline" not in query(tab)  # the default baseline is not written into the link
    slider = tab.get_by_role("group", name="Baseline weeks")
    start = slider.get_by_role("slider", name="Baseline weeks — start")
    end = slider.get_by_role("slider", name="Baseline weeks — end")
    open_expander(tab, "Process limits: baseline period", start)
    first, last = start.get_attribute("aria-valuetext"), end.get_attribute("aria-valuetext")

    start.focus()  # the handle moves with the keyboard, a week a press
    tab.keyboard.press("ArrowRight")
    settled(tab, url=re.compile(r"[?&]baseline=\d{4}-\d\d-\d\d\.\.\d{4}-\d\d-\d\d(&|$)"))
    assert_no_error(tab)
    chosen = query(tab)["baseline"][0]
    begins, ends = (dt.date.fromisoformat(d) for d in chosen.split(".."))
    expect(start).to_have_attribute("aria-valuetext", fmt.week(begins))
    assert fmt.week(begins) != first
    assert fmt.week(ends) == last == end.get_attribute("aria-valuetext")
    screenshots(tab, "trends-baseline")

    # Any later run hands the slider its range back: the page must keep drawing it.
    enter(tab, "Rolling mean (weeks)", "6")
    settled(tab, tab.locator(LEGEND).filter(has_text="6-week mean"), url=has_param(rolling="6"))
    assert_no_error(tab)
    assert query(tab)["baseline"] == [chosen]
    expect(start).to_have_attribute("aria-valuetext", fmt.week(begins))

    # The end handle, dragged with the pointer halfway towards the start handle, moves too.
    def thumb(handle: Locator) -> FloatRect:
        box = handle.locator("xpath=ancestor::*[contains(@style, 'translate')][1]").bounding_box()
        assert box is not None
        return box

    left, right = thumb(start), thumb(end)
    y = right["y"] + right["height"] / 2
    tab.mouse.move(right["x"] + right["width"] / 2, y)
    tab.mouse.down()
    tab.mouse.move((left["x"] + right["x"] + right["width"]) / 2, y, steps=5)
    tab.mouse.up()
    settled(
        tab, url=lambda url: parse_qs(urlsplit(url).query).get("baseline") not in (None, [chosen])
    )
    assert_no_error(tab)
    dragged = dt.date.fromisoformat(query(tab)["baseline"][0].split("..")[1])
    assert begins < dragged < ends
    expect(end).to_have_attribute("aria-valuetext", fmt.week(dragged))


# --- Progress --------------------------------------------------------------------------------


def test_progress_team_picker_and_area_view(
    tab: Page, sample_app: StreamlitServer, screenshots: Shoot
):
    visit(tab, sample_app.url + "/progress", tab.get_by_role("combobox", name="Champion's team"))
    listed = options(tab, "Champion's team")
    team_label = listed[1]
    team = team_label.split(" — ")[0]
    choose(tab, "Champion's team", team_label)
    settled(tab, tab.get_by_role("heading", name=re.compile(rf"^{re.escape(team)} · ")),
            url=has_param(team=team))  # fmt: skip
    assert_no_error(tab)

    pick(tab, "View", "Area")
    settled(tab, tab.get_by_role("combobox", name="Area"))
    area = options(tab, "Area")[0]
    choose(tab, "Area", area)
    grid = tab.locator('[data-testid="stDataFrame"]').first
    settled(tab, grid, url=has_param(area=area))
    assert "team" not in query(tab)
    with db.connect(sample_app.db_path, wait_s=15) as con:
        in_area = sorted(r["team"] for r in roster.roster(con) if r["area"] == area)
    teams = cells(grid, 1)
    expect(teams).to_have_count(len(in_area))
    expect(teams.first).to_have_text(re.compile("^(" + "|".join(map(re.escape, in_area)) + ")$"))
    assert sorted(teams.all_text_contents()) == in_area
    assert_no_error(tab)
    screenshots(tab, "progress-area")


# --- Meeting ---------------------------------------------------------------------------------


def test_meeting_start_move_through_teams_and_save_a_note(
    tab: Page, sample_app: StreamlitServer, screenshots: Shoot
):
    meeting_box = tab.get_by_role("combobox", name="Meeting")
    visit(tab, sample_app.url + "/meeting", meeting_box)
    start = tab.get_by_role("button", name="Start", exact=True)
    open_expander(tab, "Start a meeting", start)
    area = options(tab, "Areas (none: the whole program)")[0]
    choose(tab, "Areas (none: the whole program)", area)
    close_list(tab)
    settled(tab)
    start.click()
    expect(meeting_box).to_have_value(re.compile(rf"· {re.escape(area)} \(open\)$"))
    heading = tab.get_by_role("heading", name=re.compile(r"^Team 1 of \d+: "))
    settled(tab, heading)
    assert_no_error(tab)
    meeting_id = int(query(tab)["meeting"][0])
    with db.connect(sample_app.db_path, wait_s=15) as con:
        agenda = [t["team"] for t in meetings.get_meeting(con, meeting_id)["teams"]]
    assert len(agenda) >= 2
    expect(heading).to_have_text(f"Team 1 of {len(agenda)}: {agenda[0]}")

    tab.get_by_role("button", name="Next ▶").click()
    settled(tab, tab.get_by_role("heading", name=f"Team 2 of {len(agenda)}: {agenda[1]}"),
            url=has_param(team=agenda[1]))  # fmt: skip
    assert_no_error(tab)
    tab.get_by_role("button", name="◀ Previous").click()
    settled(tab, tab.get_by_role("heading", name=f"Team 1 of {len(agenda)}: {agenda[0]}"),
            url=has_param(team=agenda[0]))  # fmt: skip
    assert_no_error(tab)

    note = f"Flaky test hunt {dt.datetime.now():%H%M%S}"
    box = tab.get_by_label("What we're doing")
    box.fill(note)
    box.press("Tab")  # a text area hands its text over when it loses the focus
    save = tab.get_by_role("button", name="Save what we're doing")
    settled(tab, save)
    save.click()
    # Saved: said on its own line; the button stays where it was.
    expect(tab.get_by_text("What we're doing saved.")).to_be_visible()
    expect_value(tab, "What we're doing", note)
    settled(tab)
    assert_no_error(tab)
    with db.connect(sample_app.db_path, wait_s=15) as con:
        view = meetings.team_view(con, meeting_id, agenda[0])
    assert view["notes"]["doing"] == note
    screenshots(tab, "meeting-note")


def test_meeting_saving_a_note_warns_of_no_one_else(tab: Page, sample_app: StreamlitServer):
    with db.connect(sample_app.db_path, wait_s=15) as con:
        meeting = next(m for m in meetings.meetings(con) if m["status"] == "open")
        team = meetings.get_meeting(con, meeting["id"])["teams"][-1]["team"]
    box = tab.get_by_label("What we're doing")
    visit(tab, f"{sample_app.url}/meeting?meeting={meeting['id']}&team={quote_plus(team)}", box)
    box.fill("Writing the test plan")
    box.press("Tab")
    save = tab.get_by_role("button", name="Save what we're doing")
    settled(tab, save)
    save.click()
    expect(tab.get_by_text("What we're doing saved.")).to_be_visible()
    settled(tab)
    assert_no_error(tab)
    warnings = tab.locator('[data-testid="stAlert"]', has_text="while you were typing")
    assert warnings.all_inner_texts() == []


# --- Champions -------------------------------------------------------------------------------


def area_headings(page: Page) -> list[str]:
    """The areas the roster shows: the headings between the count and the handover history."""
    headings = page.locator('[data-testid="stMain"] h3').all_inner_texts()
    return headings[1 : headings.index("Handover history")]


def test_champions_search_and_handover_history(tab: Page, sample_app: StreamlitServer):
    search = tab.get_by_label("Search a person or a team")
    visit(tab, sample_app.url + "/champions", search)
    with db.connect(sample_app.db_path, wait_s=15) as con:
        teams = {r["team"]: r["area"] for r in roster.roster(con)}
    assert area_headings(tab) == sorted({a for a in teams.values() if a}, key=str.lower)
    team = sorted(teams)[0]

    enter(tab, "Search a person or a team", team)
    settled(tab, url=has_param(q=team))
    assert area_headings(tab) == [teams[team]]
    expect(cells(tab.locator('[data-testid="stDataFrame"]').first, 1)).to_have_text([team])
    assert_no_error(tab)

    enter(tab, "Search a person or a team", "no such person anywhere")
    settled(tab, tab.get_by_text("Nobody and no team matches that."))
    assert area_headings(tab) == []
    assert_no_error(tab)

    # The handover history of another team: its champions, newest first, or none.
    with db.connect(sample_app.db_path, wait_s=15) as con:
        terms = {t: [h["person"] for h in roster.history(con, t)] for t in sorted(teams)[:2]}
    assert terms[team] != terms[sorted(teams)[1]]
    other = sorted(teams)[1]
    choose(tab, "Team", other)
    if terms[other]:
        history = tab.locator('[data-testid="stDataFrame"]').filter(
            has=tab.locator('th[role="columnheader"]', has_text="Until")
        )
        expect(cells(history, 1)).to_have_text(terms[other])
    else:
        expect(tab.get_by_text("This team has never had a champion.")).to_be_visible()
    settled(tab)
    assert_no_error(tab)


# --- Critical bugs ---------------------------------------------------------------------------


def test_critical_bugs_version_pickers(tab: Page, sample_app: StreamlitServer):
    visit(tab, sample_app.url + "/critical_bugs")
    compare = tab.get_by_role("combobox", name="Compare", exact=True)
    open_expander(tab, "All versions", compare)
    versions = options(tab, "Compare")
    assert len(versions) >= 2
    with_box = tab.get_by_role("combobox", name="with", exact=True)
    choose(tab, "Compare", with_box.input_value())
    settled(tab, tab.get_by_text("The two versions mean the same."))
    assert_no_error(tab)
    other = next(v for v in versions if v != with_box.input_value())
    choose(tab, "with", other)
    expect(tab.get_by_text("The two versions mean the same.")).to_have_count(0)
    settled(tab)
    assert_no_error(tab)

    # The proposal's impact, in an expander of its own.
    open_expander(tab, "Impact: which open bugs change class",
                  tab.get_by_text(re.compile(r"^Open bugs on .*: critical under ")))  # fmt: skip
    assert_no_error(tab)


# --- Upload ----------------------------------------------------------------------------------


def test_upload_metrics_through_the_file_chooser(
    tab: Page, sample_app: StreamlitServer, tmp_path: Path
):
    visit(tab, sample_app.url + "/upload")
    with db.connect(sample_app.db_path, wait_s=15) as con:
        team = db.scalar(con, "SELECT name FROM teams ORDER BY name LIMIT 1")
    week = current_week() - dt.timedelta(weeks=8)
    upload_file = tmp_path / "chooser.csv"
    upload_file.write_text(f"team,week,metric,value\n{team},{week},open_bugs,4242\n",
                           encoding="utf-8")  # fmt: skip
    upload(tab, "Metrics CSV file", upload_file)
    settled(tab, tab.get_by_role("heading", name="Preview"))
    assert_no_error(tab)
    tab.get_by_role("button", name="Apply import").click()
    applied = tab.locator('[data-testid="stAlert"]', has_text="Applied: import")
    settled(tab, applied)
    assert_no_error(tab)
    expect(tab.get_by_role("heading", name="Preview")).to_have_count(0)  # the uploader is empty
    with db.connect(sample_app.db_path, wait_s=15) as con:
        stored = db.scalar(
            con,
            "SELECT v.value FROM metric_values v JOIN teams t ON t.id = v.team_id "
            "WHERE t.name = ? AND v.week = ? AND v.metric = 'open_bugs'",
            [team, week],
        )
    assert stored == 4242


def test_upload_switches_the_kind_of_bug_export(
    tab: Page, sample_app: StreamlitServer, tmp_path: Path
):
    visit(tab, sample_app.url + "/upload")
    export = tmp_path / "bugs.csv"
    export.write_text(
        "Ticket,Opened,Title,State\n"
        "QA-1,2026-01-05,Checkout button does nothing,Open\n"
        "QA-2,2026-01-06,Search shows stale results,Done\n",
        encoding="utf-8",
    )
    upload(tab, "Bug export file", export)  # read as a Jira export, the first choice
    preview = tab.get_by_role("heading", name="Preview")
    settled(tab, preview)
    assert_no_error(tab)

    pick(tab, "Format", "Other CSV (map columns)")  # the same file, through a column mapping
    mapping = tab.get_by_role("combobox", name="Column mapping")
    settled(tab, mapping, preview)
    expect(tab.get_by_role("combobox", name="key", exact=True)).to_have_value("Ticket")
    expect(tab.get_by_role("combobox", name="created", exact=True)).to_have_value("Opened")
    assert_no_error(tab)

    pick(tab, "Format", "GitHub issues JSON")  # not JSON: refused, with the reason
    refused = tab.locator('[data-testid="stAlert"]', has_text="bugs.csv: 1 problem(s)")
    settled(tab, refused)
    expect(tab.locator('[data-testid="stCode"]')).to_contain_text("not valid JSON")
    expect(mapping).to_have_count(0)
    expect(preview).to_have_count(0)
    assert_no_exception(tab)


# --- Settings --------------------------------------------------------------------------------


def test_settings_save_the_program_name_and_switch_area(tab: Page, sample_app: StreamlitServer):
    name_box = tab.get_by_label("Program name", exact=True)
    visit(tab, sample_app.url + "/settings", name_box)
    name_box.fill("Quality Guild")
    tab.get_by_role("button", name="Save settings").click()
    settled(tab, tab.get_by_text("Settings saved."))
    expect(tab.locator('[data-testid="stSidebar"]').get_by_text("Quality Guild")).to_be_visible()
    expect(name_box).to_have_value("Quality Guild")
    assert_no_error(tab)

    # Each area's details, as stored, in its own fields.
    with db.connect(sample_app.db_path, wait_s=15) as con:
        heads = {a["area"]: a["head"] or "" for a in roster.areas_detail(con)}
    assert len(set(heads.values())) > 1, "the sample's areas have heads of their own"
    for area in reversed(options(tab, "Area")):  # the first is shown already
        choose(tab, "Area", area)
        expect_value(tab, "Area head", heads[area])
        settled(tab)
        assert_no_error(tab)


# --- Audit log -------------------------------------------------------------------------------


def count_shown(page: Page) -> int:
    caption = page.get_by_text(re.compile(r"^[\d,]+ change\(s\)"))
    return int(caption.inner_text().split()[0].replace(",", ""))


def test_audit_log_filters(tab: Page, sample_app: StreamlitServer):
    visit(tab, sample_app.url + "/audit", tab.get_by_text(re.compile(r"^[\d,]+ change\(s\)")))
    everything = count_shown(tab)
    kinds = options(tab, "Kind of change")
    assert kinds
    kind = kinds[-1]
    choose(tab, "Kind of change", kind)
    expect(tab.get_by_role("combobox", name="Kind of change")).to_have_value(kind)
    today = dt.datetime.now(dt.UTC).date()
    with db.connect(sample_app.db_path, wait_s=15) as con:
        stored = audit.entries(con, since=today - dt.timedelta(days=30), until=today,
                               action=kind, limit=5000)  # fmt: skip
    assert 0 < len(stored) < everything
    settled(tab, tab.get_by_text(f"{len(stored):,} change(s)", exact=True))
    assert_no_error(tab)

    enter(tab, "Person (exactly as shown)", "nobody at all")
    settled(tab, tab.get_by_text("0 change(s)", exact=True))
    assert_no_error(tab)

    enter(tab, "Person (exactly as shown)", "")
    settled(tab, tab.get_by_text(f"{len(stored):,} change(s)", exact=True))
    enter(tab, "Containing", "zzz-no-such-text")
    settled(tab, tab.get_by_text("0 change(s)", exact=True))
    assert_no_error(tab)
