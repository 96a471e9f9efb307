"""The Champions page's "No Slack reminders" switches, through AppTest."""

from __future__ import annotations

import datetime as dt

from ddq import audit, db
from ddq.errors import DdqError
from ddq.slack import optouts
from ddq.ui.format import plain
from tests.slack_org import WHO, make_org

TODAY = dt.date(2026, 3, 4)


def open_champions(page):
    at = page("app.py")
    at.switch_page("app_pages/champions.py")
    return at.run()


def switch(at, email):
    return at.toggle(key=f"no_reminders_{email}")


def stored(path) -> set[str]:
    with db.connect(path) as con:
        return optouts.opted_out(con)


def test_a_switch_shows_and_saves_each_champions_choice(app_db, page):
    with db.connect(app_db) as con:
        make_org(con, TODAY)  # Cy has opted out
    at = open_champions(page)
    assert not at.exception
    labels = [t.label for t in at.toggle]
    assert labels == ["No Slack reminders for Ann Lee (Alpha)", "No Slack reminders for Bo Chen (Beta)",
                      "No Slack reminders for Cy Diaz (Gamma)", "No Slack reminders for Zoe Kim (Zeta)"]  # fmt: skip
    assert switch(at, "cy@example.com").value and not switch(at, "bo@example.com").value
    switch(at, "bo@example.com").set_value(True).run()
    assert not at.exception
    assert stored(app_db) == {"bo@example.com", "cy@example.com"}
    assert plain("bo@example.com gets no Slack reminders from now on.") in [
        s.value for s in at.success]  # fmt: skip
    switch(at, "cy@example.com").set_value(False).run()
    assert stored(app_db) == {"bo@example.com"}
    with db.connect(app_db) as con:  # changed elsewhere (the command line): the switch follows
        optouts.opt_out(con, "ann@example.com", who=WHO)
        entries = audit.entries(con)
    assert switch(at.run(), "ann@example.com").value
    assert {"slack.opt_out", "slack.opt_in"} <= {e["action"] for e in entries}


def test_a_viewer_reads_who_opted_out_without_a_switch(app_db, page, monkeypatch):
    with db.connect(app_db) as con:
        make_org(con, TODAY)
    monkeypatch.setenv("DDQ_EDITOR_PASSWORD", "edit-me")  # sign-in on: this visitor views
    at = open_champions(page)
    assert not at.exception
    assert len(at.toggle) == 0
    said = [m.value for m in at.markdown if m.value.startswith("**No Slack reminders:**")]
    assert len(said) == 1 and "Cy" in said[0]


def test_a_refused_change_flips_the_switch_back_and_says_why(app_db, page, monkeypatch):
    with db.connect(app_db) as con:
        make_org(con, TODAY)

    def refuse(con, email, *, who):
        raise DdqError("The database is busy: try again.")

    monkeypatch.setattr(optouts, "opt_out", refuse)
    at = open_champions(page)
    switch(at, "bo@example.com").set_value(True).run()
    assert not at.exception
    assert not switch(at, "bo@example.com").value
    assert [e.value for e in at.error] == [plain("The database is busy: try again.")]
    assert stored(app_db) == {"cy@example.com"}
