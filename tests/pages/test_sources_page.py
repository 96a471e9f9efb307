"""Live sources on the pages through AppTest: adding, testing and removing them on Settings
(admins), syncing them on Upload (editors), the bug data's age on the Overview, and what a
viewer sees. The tracker is a scripted adapter put in place of the real modules."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from ddq import clock, db
from ddq.access import ADMIN, Actor
from ddq.ingest.bugs import import_bugs
from ddq.sources import store, sync, trackers
from ddq.sources.http import Client
from ddq.sources.model import (
    BUGZILLA,
    GITHUB,
    GITLAB,
    JIRA,
    KINDS,
    Page,
    Record,
    SourceError,
    SourceRefused,
)
from ddq.ui import sources as ui_sources
from ddq.ui.format import plain
from tests.pages import sweep
from tests.pages.layout import in_page_order

ADA = Actor("ada", ADMIN)
PASSWORDS = {"ddq": {"editor_password": "edit-me", "admin_password": "admin-me"}}
EDITOR_SESSION = {"ddq_signed_in": ("Eve Editor", "editor")}
VIEWER_BUTTONS = {"Sign in", "Sign out"}


def issue(n: int, status: str = "Open") -> Record:
    return Record(key=f"acme/app#{n}", created=f"2026-02-{n:02d}T09:00:00Z", project="acme/app",
                  status=status, updated="2026-02-20T10:00:00Z", summary=f"Bug {n}",
                  labels=["bug"])  # fmt: skip


@dataclass
class Tracker:
    """A scripted tracker of any kind: the issues it has, and what goes wrong."""

    records: list[Record] = field(default_factory=list)
    broken: SourceError | None = None  # raised by pages() and probe()
    asked: list[dt.datetime | None] = field(default_factory=list)

    def pages(self, client: Client, since: dt.datetime | None) -> Iterator[Page]:
        self.asked.append(since)
        if self.broken is not None:
            raise self.broken
        yield Page(1, list(self.records))

    def probe(self, client: Client) -> str:
        if self.broken is not None:
            raise self.broken
        return f"scripted tracker: {len(self.records):,} issues"

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        if not all(options.get(k) for k in ("jql", "repo", "project", "product") if k in options):
            raise SourceError("This source needs its --repo (or --jql, --project, --product).")
        return dict(options)


@pytest.fixture
def tracker(monkeypatch) -> Tracker:
    """One scripted tracker answering for every kind; the token variable set."""
    scripted = Tracker()
    monkeypatch.setattr(trackers, "_MODULES", dict.fromkeys(KINDS, scripted))
    monkeypatch.setenv("APP_TOKEN", "not-a-real-token")
    return scripted


def add_source(path, name="app", kind=GITHUB) -> None:
    with db.connect(path) as con:
        store.add(con, kind, name, url="https://api.github.com", options={"repo": "acme/app"},
                  check_options=dict, token_env="APP_TOKEN", who=ADA)  # fmt: skip


def open_page(page, name, secrets=None, session=None) -> AppTest:
    at = page("app.py")
    if secrets:
        at.secrets.update(secrets)
    at.switch_page(f"app_pages/{name}.py")
    at.run()
    if session:
        for key, value in session.items():
            at.session_state[key] = value
        at.run()
    assert not at.exception
    return at


def button(at, label):
    return next(b for b in at.button if b.label == label)


def typed(at, label, text):
    next(t for t in at.text_input if t.label == label).input(text)


def choose_kind(at, kind):
    next(s for s in at.selectbox if s.label == "Kind").select_index(KINDS.index(kind)).run()


def shown_after(at, label) -> list[Any]:
    """The messages right under the element labelled ``label``, down to the next control."""
    shown = in_page_order(at.main)
    start = next(i for i, n in enumerate(shown) if getattr(n, "label", None) == label)
    found = []
    for node in shown[start + 1 :]:
        if node.type not in ("alert", "success", "error", "warning", "info"):
            if getattr(node, "label", None) or node.type == "dataframe":
                break
            continue
        found.append(node)
    return found


def sources_table(at):
    return next(d.value for d in at.dataframe if "Reads" in d.value.columns)


# --- Settings: adding, testing, removing --------------------------------------------------------

FORMS = {
    JIRA: {"Name": "PAY", "Site URL": "https://acme.atlassian.net", "JQL query": "project = PAY",
           "User e-mail variable": "PAY_JIRA_USER", "Token variable": "PAY_JIRA_TOKEN"},
    GITHUB: {"Name": "app", "Repository": "acme/app", "Token variable": "APP_TOKEN"},
    GITLAB: {"Name": "web", "Project": "group/web", "Site URL": "https://gitlab.example.com",
             "Token variable": "WEB_TOKEN"},
    BUGZILLA: {"Name": "derby", "Site URL": "https://bugzilla.example.org", "Product": "Derby",
               "Components": "SQL, Network", "API-key variable": ""},
}  # fmt: skip


def test_an_admin_adds_a_source_of_each_kind_through_the_form(app_db, page, tracker):
    at = open_page(page, "settings")
    assert any("No live sources yet" in c.value for c in at.caption)
    assert any("name** of the environment variable" in c.value for c in at.caption)
    for kind, fields in FORMS.items():
        choose_kind(at, kind)
        for label, text in fields.items():
            typed(at, label, text)
        if kind == JIRA:
            next(r for r in at.radio if r.label == "Jira").set_value("server")
        button(at, "Add source").click().run()
        assert not at.exception and not at.error, [e.value for e in at.error]
        said = shown_after(at, "Add source")
        assert (
            said
            and said[0].type == "success"
            and plain(f"Added source {fields['Name']}") in said[0].value
        )
        # The form starts again empty.
        assert all(not t.value for t in at.text_input if t.label in fields)
    listed = sources_table(at)
    assert sorted(listed["Name"]) == ["PAY", "app", "derby", "web"]
    assert dict(zip(listed["Name"], listed["Reads"], strict=True))["derby"] == "Derby: SQL, Network"
    with db.connect(app_db) as con:
        jira, hub = store.get(con, "PAY"), store.get(con, "app")
        lab, bz = store.get(con, "web"), store.get(con, "derby")
    assert (jira.kind, jira.url, dict(jira.options)) == (
        JIRA,
        "https://acme.atlassian.net",
        {"jql": "project = PAY", "jira_kind": "server"},
    )
    assert (jira.token_env, jira.user_env) == ("PAY_JIRA_TOKEN", "PAY_JIRA_USER")
    assert (hub.url, dict(hub.options), hub.token_env) == (
        "https://api.github.com",
        {"repo": "acme/app"},
        "APP_TOKEN",
    )
    assert (lab.url, dict(lab.options)) == ("https://gitlab.example.com", {"project": "group/web"})
    assert (bz.token_env, dict(bz.options)) == (None, {"product": "Derby",
                                                       "components": ["SQL", "Network"]})  # fmt: skip


@pytest.mark.parametrize(
    ("kind", "fields", "words"),
    [
        (JIRA, {"Site URL": "acme.atlassian.net"},
         "“Site URL” 'acme.atlassian.net' is not a web address"),
        (JIRA, {"Site URL": "http://acme.atlassian.net"}, "uses plain http"),
        (GITHUB, {"Token variable": "ghp_16C7e42F292c6912E7710c838347Ae178B4a"},
         "“Token variable” takes the NAME of an environment variable"),
        (JIRA, {"Token variable": ""}, "A jira source needs “Token variable”: the name of"),
        (GITHUB, {"Repository": ""}, "This source needs its “Repository”"),
        (GITHUB, {"Name": "my app"}, "A source's name is 1 to 40 letters"),
    ],
)  # fmt: skip
def test_a_bad_form_is_refused_in_the_forms_words_and_stores_nothing(
    app_db, page, tracker, kind, fields, words
):
    at = open_page(page, "settings")
    choose_kind(at, kind)
    for label, text in {**FORMS[kind], **fields}.items():
        typed(at, label, text)
    button(at, "Add source").click().run()
    assert not at.exception
    refused = [e.value for e in at.error]
    assert len(refused) == 1 and plain(words) in refused[0], refused
    assert "--" not in refused[0]  # the command's options are named by the form's fields
    with db.connect(app_db) as con:
        assert store.names(con) == []
    # What was typed stays, to be corrected.
    kept = {t.label: t.value for t in at.text_input}
    assert all(kept[label] == text for label, text in fields.items())


def test_test_connection_says_what_the_tracker_found_or_why_not(app_db, page, tracker):
    tracker.records = [issue(n) for n in range(1, 4)]
    add_source(app_db)
    add_source(app_db, name="other")
    at = open_page(page, "settings")
    next(s for s in at.selectbox if s.label == "Source").select("other").run()
    button(at, "Test connection").click().run()
    said = shown_after(at, "Test connection")
    assert [s.type for s in said] == ["success"]
    assert said[0].value == plain("other: scripted tracker: 3 issues")
    tracker.broken = SourceRefused("GitHub refused the token in APP_TOKEN (401): check it.")
    button(at, "Test connection").click().run()
    assert not at.exception
    said = shown_after(at, "Test connection")
    assert [s.type for s in said] == ["error"]
    assert said[0].value == plain("GitHub refused the token in APP_TOKEN (401): check it.")


def test_removing_a_source_asks_for_confirmation(app_db, page, tracker):
    add_source(app_db)
    at = open_page(page, "settings")
    button(at, "Remove source").click().run()
    assert any(w.value == "Tick the box to confirm." for w in at.warning)
    with db.connect(app_db) as con:
        assert store.names(con) == ["app"]
    next(c for c in at.checkbox if c.label.startswith("Remove app")).check()
    button(at, "Remove source").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        plain("Removed source app; its bugs and imports stay.")
    ]
    with db.connect(app_db) as con:
        assert store.names(con) == []
    assert not [d for d in at.dataframe if "Reads" in d.value.columns]


# --- Upload: syncing (editors) --------------------------------------------------------------------


def test_an_editor_syncs_now_and_the_import_is_in_the_ledger(app_db, page, tracker):
    tracker.records = [issue(1), issue(2, status="Closed")]
    add_source(app_db)
    at = open_page(page, "upload", secrets=PASSWORDS, session=EDITOR_SESSION)
    assert sources_table(at)["Result"].tolist() == [""]
    button(at, "Sync now").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    said = [s.value for s in shown_after(at, "Sync all")]
    assert said[0] == plain("import 1: app: 2 added, 0 updated, 0 unchanged")
    assert said[1].startswith(plain("Weekly bug metrics:"))
    ledger = next(d.value for d in at.dataframe if "file_name" in d.value.columns)
    assert ledger[["kind", "file_name", "who"]].values.tolist() == [
        ["bug_metrics", "after import 1 (app (github sync))", "Eve Editor"],
        ["sync", "app (github sync)", "Eve Editor"],
    ]
    listed = sources_table(at)
    assert listed["Result"].tolist() == ["ok"]
    assert listed["Message"].tolist() == ["import 1: app: 2 added, 0 updated, 0 unchanged"]
    # Sync all: nothing changed upstream, so no import; the next read starts from the last.
    button(at, "Sync all").click().run()
    said = [s.value for s in shown_after(at, "Sync all")]
    assert said == [plain("app: 0 added, 0 updated, 2 unchanged; nothing new, so no import")]
    assert tracker.asked[0] is None and tracker.asked[1] is not None


def test_a_failing_sync_shows_the_errors_words_and_stores_nothing(app_db, page, tracker):
    tracker.broken = SourceError("page 1 of app: issue 3 (acme/app#3) has no created_at")
    add_source(app_db)
    at = open_page(page, "upload", secrets=PASSWORDS, session=EDITOR_SESSION)
    button(at, "Sync now").click().run()
    assert not at.exception
    said = shown_after(at, "Sync all")
    assert [s.type for s in said] == ["error"]
    assert said[0].value == plain("app: sync failed, nothing stored.") + "  \n" + plain(
        "page 1 of app: issue 3 (acme/app#3) has no created_at")  # fmt: skip
    listed = sources_table(at)
    assert listed["Result"].tolist() == ["failed"]
    assert "has no created_at" in listed["Message"].iloc[0]
    with db.connect(app_db) as con:
        assert db.scalar(con, "SELECT count(*) FROM bugs") == 0
        assert db.scalar(con, "SELECT count(*) FROM imports") == 0


# --- viewers ----------------------------------------------------------------------------------


def _sections() -> None:
    from ddq.ui import sources

    sources.sync_section()
    sources.manage_section()


def test_a_viewer_sees_the_table_and_no_control(app_db, page, tracker, monkeypatch):
    add_source(app_db)
    monkeypatch.setenv("DDQ_EDITOR_PASSWORD", "edit-me")  # sign-in on: this visitor views
    at = AppTest.from_function(_sections, default_timeout=30).run()
    assert not at.exception
    assert len([d for d in at.dataframe if "Reads" in d.value.columns]) == 2
    assert not at.button and not at.text_input and not at.checkbox and not at.selectbox
    # Nor do the pages offer anything, asked for directly (they are not in a viewer's menu).
    for name in ("upload", "settings"):
        shown = open_page(page, name, secrets=PASSWORDS)
        assert {b.label for b in shown.button} <= VIEWER_BUTTONS


def test_an_editor_syncs_but_does_not_add_remove_or_test(app_db, page, tracker):
    add_source(app_db)
    at = AppTest.from_function(_sections, default_timeout=30)
    at.secrets.update(PASSWORDS)
    at.session_state["ddq_signed_in"] = ("Eve Editor", "editor")
    at.run()
    assert not at.exception
    assert {b.label for b in at.button} == {"Sync now", "Sync all"}
    assert any("ask an admin for the admin role" in c.value for c in at.caption)


# --- the Overview: how old the bug data is ---------------------------------------------------------

FILE = ("Issue key,Summary,Issue Type,Status,Priority,Created,Resolved,Component/s,Labels\n"
        "PAY-1,crash,Bug,Open,Critical,05/Jan/26 10:00,,payments,\n")  # fmt: skip


def freshness(at) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("Bug data")]


def test_the_overview_says_how_old_the_bug_data_is(sample_db, page, tracker):
    now = clock.now()
    at = open_page(page, "overview")
    assert freshness(at) == []  # the sample's bugs came with it: no sync, no bug import
    tracker.records = [issue(1)]
    add_source(sample_db, name="PAY")
    with clock.frozen(now), db.connect(sample_db) as con:
        sync.sync(con, "PAY", who=ADA)
    with clock.frozen(now + dt.timedelta(minutes=12)):
        at.run()
    assert freshness(at) == [plain("Bug data: last synced from PAY 12 minutes ago")
                             + f" ({now:%d %b %Y %H:%M} UTC)"]  # fmt: skip
    assert not [w for w in at.warning if w.value.startswith("Bug data")]
    later = now + dt.timedelta(hours=1)
    with clock.frozen(later), db.connect(sample_db) as con:
        import_bugs(con, FILE.encode(), file_name="pay.csv", who=ADA)
    with clock.frozen(later + dt.timedelta(days=3)):
        at.run()
    assert not at.exception
    assert freshness(at)[0].startswith(plain("Bug data: last bug import 3 days ago"))
    assert [w.value for w in at.warning][-1].startswith("Bug data is more than 2 days old")


def test_ago_says_the_largest_whole_unit():
    now = dt.datetime(2026, 3, 4, 12, 0)
    assert ui_sources.ago(now - dt.timedelta(seconds=20), now) == "just now"
    assert ui_sources.ago(now - dt.timedelta(minutes=1), now) == "1 minute ago"
    assert ui_sources.ago(now - dt.timedelta(hours=5, minutes=59), now) == "5 hours ago"
    assert ui_sources.ago(now - dt.timedelta(days=3, hours=2), now) == "3 days ago"


# --- every control changed, and the page rerun ---------------------------------------------


@pytest.mark.parametrize("name", ["settings", "upload"])
def test_every_control_of_the_live_sources_changed_and_rerun(app_db, tracker, name):
    tracker.records = [issue(1)]
    add_source(app_db)
    add_source(app_db, name="other")
    for label in ("Sync now", "Sync all") if name == "upload" else ("Test connection",):
        at = sweep.open_page(name)
        button(at, label).click()
        sweep.run(at)
        assert not sweep.problems(at)
    failures, changes = sweep.sweep(lambda: sweep.open_page(name), f"{name} with live sources")
    assert not failures, "\n".join(failures)
    ours = ("remove_source", "add_source", "'Kind'") if name == "settings" else (
        "'sync_full'", "'Source to sync'")  # fmt: skip
    assert all(any(w in c for c in changes) for w in ours), changes
