"""Bugs that no team owns show up as Unassigned wherever teams are listed, flagged."""

from __future__ import annotations

from ddq import db, roster
from ddq.access import ADMIN, Actor
from ddq.ingest.bugs import import_bugs

ADA = Actor("ada", ADMIN)
EXPORT = (
    "Issue key,Summary,Issue Type,Status,Priority,Created,Resolved,Component/s\n"
    + "".join(f"PAY-{i},bug {i},Bug,Open,Major,0{i}/Nov/26 10:00,,{component}\n"
              for i, component in enumerate(["payments", "mystery", "mystery", ""], start=1))
)  # fmt: skip


def seeded(app_db):
    with db.connect(app_db) as con:
        roster.add_team(con, "Payments", "Core", who=ADA)
        import_bugs(con, EXPORT.encode(), file_name="jira.csv", who=ADA)
    return app_db


def run(page, path: str):
    at = page("app.py")
    at.switch_page(path)
    return at.run()


def flag_text(at) -> str:
    return " ".join(w.value for w in at.warning if "belong to no team" in w.value)


def test_the_overview_counts_them_and_says_what_to_map(app_db, page):
    seeded(app_db)
    at = run(page, "app_pages/overview.py")
    assert not at.exception
    assert "4 bugs \\(4 open\\) belong to no team" in flag_text(at)
    assert "component mystery \\(2\\)" in flag_text(at)
    open_bugs = next(m for m in at.metric if m.label == "Open bugs")
    assert open_bugs.value == "4"  # every bug counts for the organisation


def test_trends_lists_unassigned_and_progress_does_not(app_db, page):
    seeded(app_db)
    at = run(page, "app_pages/trends.py")
    assert not at.exception and flag_text(at)
    at.radio(key="scope").set_value("Teams").run()
    assert "Unassigned" in at.multiselect(key="team").options
    progress = run(page, "app_pages/progress.py")
    assert not progress.exception
    assert "Unassigned" not in progress.selectbox(key="team").options


def test_champions_does_not_count_it_as_a_team_without_a_champion(app_db, page):
    seeded(app_db)
    at = run(page, "app_pages/champions.py")
    assert not at.exception
    assert any("1 of 1 teams has no champion" in m.value for m in at.markdown)
    assert flag_text(at)


def test_no_flag_when_every_bug_has_a_team(app_db, page):
    with db.connect(app_db) as con:
        roster.add_team(con, "Payments", "Core", who=ADA)
    at = run(page, "app_pages/overview.py")
    assert not at.exception and not flag_text(at)
