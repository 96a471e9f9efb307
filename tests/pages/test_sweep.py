"""Every input of every page changed and rerun, on the sample and on an empty database.

Opening a page proves little: the sweep (tests/pages/sweep.py) changes each input widget in
turn to another valid value, submits the forms, and runs the page twice after each change,
from states that only exist after setup too (a meeting under way, a draft and a proposal,
a file being imported) and from deep links with nonsense in them. A failure names the page,
the database or state, the widget and what went wrong.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from ddq import critical, db, ledger, org, roster
from ddq import meeting as meetings
from ddq.access import ADMIN, SYSTEM, Actor
from ddq.ingest.undo import undo
from ddq.metrics import team_names, today_utc
from ddq.progress import set_target
from ddq.sample import fill_demo
from tests.pages import sweep
from tests.pages.builders import load

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.stem for p in (ROOT / "app_pages").glob("*.py"))
WHO = Actor("sweep", ADMIN)


@pytest.fixture(scope="session")
def _sample_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's first-start sample, made once and copied for each test."""
    path = tmp_path_factory.mktemp("sample") / "sample.duckdb"
    with db.connect(path) as con:
        fill_demo(con, who=SYSTEM)
    assert not path.with_name(path.name + ".wal").exists()
    return path


@pytest.fixture
def database(tmp_path, monkeypatch, _sample_template, _migrated_template):
    """``database("sample")`` or ``database("empty")``: a fresh copy the app will use."""

    def use(kind: str) -> Path:
        path = tmp_path / f"{kind}.duckdb"
        template = _sample_template if kind == "sample" else _migrated_template
        shutil.copyfile(template, path)
        monkeypatch.setenv("DDQ_DB", str(path))
        return path

    return use


def swept(page: str, where: str, reopen: Callable | None = None) -> list[str]:
    """Sweep ``page``; fail with every problem found, else return the changes made."""
    failures, changes = sweep.sweep(reopen or (lambda: sweep.open_page(page)), where)
    assert not failures, "\n".join(failures)
    return changes


def test_the_sweep_covers_every_page_of_the_navigation():
    navigation = (ROOT / "app.py").read_text()
    assert PAGES and all(f'"app_pages/{p}.py"' in navigation for p in PAGES)


@pytest.mark.parametrize("kind", ["sample", "empty"])
@pytest.mark.parametrize("page", PAGES)
def test_every_input_of_the_page(page, kind, database):
    database(kind)
    changes = swept(page, f"{page} on the {kind} database")
    if kind == "sample":
        assert changes, f"{page}: nothing to change on the sample"


# --- states that only exist after setup ------------------------------------------------------


def small_org(path: Path) -> None:
    """Two areas, three teams (one without a champion, one with a handover), a year of
    values and a target: enough for every part of every page to show."""
    rows = [(team, ago, metric, value)
            for team, base in (("Alpha", 9), ("Beta", 4), ("Gamma", 6))
            for ago in range(52)
            for metric, value in (("open_critical_bugs", base + ago % 5),
                                  ("test_pass_rate", 90 + ago % 7))]  # fmt: skip
    load(path, rows, areas={"Alpha": "Core", "Beta": "Core", "Gamma": "Edge"})
    with db.connect(path) as con:
        start = dt.date(2025, 1, 6)
        roster.assign_champion(con, "Alpha", "Ann Lee", "ann@example.com", start, who=WHO)
        roster.assign_champion(con, "Alpha", "Bo Kim", "@bo", start + dt.timedelta(weeks=20),
                               who=WHO)  # fmt: skip
        roster.assign_champion(con, "Gamma", "Cy Diaz", "cy@example.com", start, who=WHO)
        set_target(con, "Alpha", "open_critical_bugs", target=3,
                   due=today_utc() + dt.timedelta(weeks=26), who=WHO)  # fmt: skip


def drafts(path: Path) -> None:
    """A draft and a proposal beside whatever is in force."""
    with db.connect(path) as con:
        proposal = critical.create_draft(
            con, title="Blockers only", rule={"field": "priority", "in": ["Blocker"]},
            rationale="Fewer, clearer criticals.", who=WHO,
        )  # fmt: skip
        critical.propose(con, proposal, who=WHO)
        critical.create_draft(
            con, title="Security too", rationale="Leaks are critical.", who=WHO,
            rule={"any": [{"field": "priority", "in": ["Blocker", "Critical"]},
                          {"field": "labels", "has_any": ["security"]}]},
        )  # fmt: skip


def start_meeting(path: Path) -> None:
    with db.connect(path) as con:
        meetings.create_meeting(con, held_on=today_utc(), who=WHO)


def changed_since(path: Path) -> None:
    """Two meetings, then a team retired (last week's meeting opens on it) and another
    removed by undoing the import that created it (this week's is on its place), beside a
    team in no area."""
    small_org(path)
    load(path, [("Loner", 0, "open_bugs", 2)])
    load(path, [("Passing", 0, "open_bugs", 1)])
    with db.connect(path) as con:
        meetings.create_meeting(con, held_on=today_utc() - dt.timedelta(weeks=1), who=WHO)
        held = meetings.create_meeting(con, held_on=today_utc(), who=WHO)
        teams = [t["team"] for t in meetings.get_meeting(con, held)["teams"]]
        meetings.set_position(con, held, teams.index("Passing"), WHO)
        roster.set_team_active(con, "Alpha", False, who=WHO)
        undo(con, ledger.list_imports(con)[0]["id"], who=WHO)


def without_areas(path: Path) -> None:
    load(path, [(team, ago, "open_critical_bugs", ago % 4) for team in ("Alpha", "Beta")
                for ago in range(20)])  # fmt: skip
    start_meeting(path)


STATES = {"changed since a meeting began": changed_since, "without areas": without_areas}


@pytest.mark.parametrize("state", list(STATES))
@pytest.mark.parametrize("page", ["overview", "trends", "progress", "meeting", "champions"])
def test_teams_that_changed_or_have_no_area(page, state, database):
    STATES[state](database("empty"))
    swept(page, f"{page} {state}")


def test_a_meeting_under_way(database):
    # The sample has one already, swept with every page.
    path = database("empty")
    small_org(path)
    start_meeting(path)
    swept("meeting", "meeting under way")


@pytest.mark.parametrize("kind", ["sample", "empty"])
def test_progress_of_a_team_and_of_an_area_from_their_links(kind, database):
    path = database(kind)
    if kind == "empty":
        small_org(path)
    with db.connect(path) as con:
        team, area = team_names(con)[0], org.areas(con)[0]["name"]
    for key, value in (("team", team), ("area", area)):
        swept("progress", f"progress of {key} {value!r} on the {kind} database",
              lambda k=key, v=value: sweep.open_page("progress", {k: v}))  # fmt: skip


@pytest.mark.parametrize("kind", ["sample", "empty"])
def test_champions_with_a_roster(kind, database):
    path = database(kind)
    if kind == "empty":
        small_org(path)

    def with_an_edit_pending():
        at = sweep.open_page("champions")
        key = next(k for k in at.session_state if str(k).startswith("roster_editor_"))
        at.session_state[key] = {"edited_rows": {0: {"champion": "Sweep Person"}},
                                 "added_rows": [], "deleted_rows": []}  # fmt: skip
        return sweep.run(at)

    def with_a_roster_file():
        at = sweep.open_page("champions")
        roster_file = (b"area,team,champion,email,since\n"
                       b"Core,Alpha,Dee Fox,dee@example.com,2026-01-05\nEdge,Delta,,,\n")  # fmt: skip
        next(u for u in at.file_uploader if u.label == "Roster CSV file").set_value(
            ("roster.csv", roster_file, "text/csv"))  # fmt: skip
        return sweep.run(at)

    if kind == "empty":  # the sample's roster is swept with every page
        swept("champions", "champions with a small roster")
    swept("champions", f"champions with an edit pending on the {kind} database",
          with_an_edit_pending)  # fmt: skip
    swept("champions", f"champions with a roster file on the {kind} database", with_a_roster_file)


def test_critical_bugs_with_a_draft_and_a_proposal(database):
    # The sample has a proposal already, and its sweep saves drafts through the page's form.
    path = database("empty")
    small_org(path)
    drafts(path)
    swept("critical_bugs", "critical bugs with a draft and a proposal")


def _teams(path: Path) -> list[str]:
    with db.connect(path) as con:
        return team_names(con)


UPLOADS = {
    "metrics": (None, "week.csv", lambda teams: (
        "team,week,metric,value\n" + "".join(f"{t},2026-W10,open_bugs,3\n" for t in teams[:3])
        + "Nobody,2026-W10,open_bugs,1\n")),
    "jira": ("jira", "jira.csv", lambda teams: (
        "Issue key,Summary,Issue Type,Status,Priority,Created,Updated,Resolved,Component/s\n"
        "AB-1,Crash,Bug,Open,Blocker,22/Mar/26 07:59,,,checkout\n"
        "AB-2,Typo,Bug,Done,Minor,01/Mar/26 10:00,,02/Mar/26 11:00,search\n")),
    "github": ("github", "issues.json", lambda teams: json.dumps([
        {"number": 7, "title": "Cart empties", "state": "open", "labels": [{"name": "bug"}],
         "created_at": "2026-03-01T10:00:00Z", "closed_at": None,
         "repository_url": "https://api.github.com/repos/acme/shop"}])),
    "csv": ("csv", "bugs.csv", lambda teams: (
        "id,opened,closed,sev,where\nX-1,2026-03-01,,high,checkout\nX-2,2026-03-02,2026-03-04,"
        "low,search\n")),
}  # fmt: skip


@pytest.mark.parametrize("kind", ["sample", "empty"])
@pytest.mark.parametrize("upload", list(UPLOADS))
def test_upload_with_a_file_of_each_kind(upload, kind, database):
    path = database(kind)
    bug_format, name, content = UPLOADS[upload]
    data = content(_teams(path)).encode()

    def with_the_file():
        at = sweep.open_page("upload")
        if bug_format:
            next(r for r in at.radio if r.label == "Format").set_value(bug_format)
            sweep.run(at)
        label = "Bug export file" if bug_format else "Metrics CSV file"
        next(u for u in at.file_uploader if u.label == label).set_value((name, data, "text/csv"))
        return sweep.run(at)

    swept("upload", f"upload of a {upload} file on the {kind} database", with_the_file)


# --- deep links with nonsense in them --------------------------------------------------------

LINKS = {
    "overview": ("area", "metric"),
    "trends": ("metric", "scope", "area", "team", "weeks", "rolling", "baseline"),
    "progress": ("team", "area"),
    "meeting": ("meeting", "team"),
    "champions": ("q",),
}
NONSENSE = ["zzz", "-1", "2026-99-99", "x" * 5000, ["zzz", "-1", "2026-99-99"]]


def test_every_query_parameter_a_page_reads_is_listed():
    for page in PAGES:
        text = (ROOT / "app_pages" / f"{page}.py").read_text()
        read = {part.split('"')[1] for part in text.split("params.seed")[1:]}
        assert read == set(LINKS.get(page, ())), page


@pytest.mark.parametrize("kind", ["sample", "empty"])
@pytest.mark.parametrize("page", list(LINKS))
def test_links_with_nonsense_open_the_page(page, kind, database):
    database(kind)
    failures = []
    cases = [{key: value for key in LINKS[page]} for value in NONSENSE]  # all of them at once
    if kind == "sample":  # an empty database has nothing for a link to choose: pages stop early
        cases += [{key: value} for key in LINKS[page] for value in NONSENSE]
    for query in cases:
        at = sweep.open_page(page, query)
        failures += [f"{page} on {kind}, link {query!r:.80}: {p}" for p in sweep.problems(at)]
        sweep.run(at)
        failures += [f"{page} on {kind}, link {query!r:.80}, rerun: {p}"
                     for p in sweep.problems(at)]  # fmt: skip
    assert not failures, "\n".join(failures)
