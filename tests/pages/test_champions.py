"""The Champions and Settings pages through AppTest: roster, search, edits, safety, sidebar."""

from __future__ import annotations

import datetime as dt

from ddq import db, roster
from ddq.access import ADMIN, SYSTEM, Actor
from ddq.sample import fill_demo
from ddq.ui.format import plain

EVIL_TEAM = "<script>alert('team')</script>"
EVIL_AREA = "<img src=x onerror=alert('area')>"


def small_roster(path):
    with db.connect(path) as con:
        with db.transaction(con):
            core = roster.ensure_area(con, "Core")[0]
            roster.ensure_team(con, "Alpha", core)
            roster.ensure_team(con, "Beta", core)
            roster.ensure_team(con, "Gamma", None)
        roster.assign_champion(con, "Alpha", "Ann Lee", "ann@example.com", dt.date(2025, 1, 6),
                               who=Actor("test", ADMIN))  # fmt: skip
        roster.assign_champion(con, "Gamma", "Ann Lee", "ann@example.com", dt.date(2025, 2, 3),
                               who=Actor("test", ADMIN))  # fmt: skip


def open_page(page, name, **query):
    at = page("app.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(f"app_pages/{name}.py")
    return at.run()


def test_the_sample_roster_counts_teams_without_a_champion(tmp_path, monkeypatch, page):
    with db.connect(tmp_path / "s.duckdb") as con:
        fill_demo(con, who=SYSTEM)
    monkeypatch.setenv("DDQ_DB", str(tmp_path / "s.duckdb"))
    at = open_page(page, "champions")
    assert not at.exception
    assert at.markdown[0].value == "### 1 of 16 teams has no champion"
    assert at.markdown[1].value == "Without a champion: **Push Notifications** (Mobile)"
    areas = [d for d in at.dataframe if "Tenure" in d.value.columns]
    assert len(areas) == 4
    assert "This team has never had a champion." in [c.value for c in at.caption]
    at.selectbox(key="history_team").select("Checkout").run()
    history = next(d.value for d in at.dataframe if "Until" in d.value.columns)
    assert next(iter(history["Until"])) == "now" and len(history) == 2  # the sample's handover


def test_teams_without_a_champion_come_first_and_shared_champions_are_said(app_db, page):
    small_roster(app_db)
    at = open_page(page, "champions")
    assert not at.exception
    assert at.markdown[0].value == "### 1 of 3 teams has no champion"
    core = at.dataframe[0].value
    assert list(core["Team"]) == ["Beta", "Alpha"]
    assert core["Champion"].iloc[0] == "— no champion —"
    assert core["Also champions"].iloc[1] == "Gamma"
    assert core["Progress"].iloc[1] == "./progress?team=Alpha"
    assert at.subheader[1].value == "No area"


def test_search_from_the_link_filters_people_and_teams(app_db, page):
    small_roster(app_db)
    at = open_page(page, "champions", q="ann@")
    assert at.text_input(key="q").value == "ann@"
    teams = [t for frame in at.dataframe if "Tenure" in frame.value.columns
             for t in frame.value["Team"]]  # fmt: skip
    assert sorted(teams) == ["Alpha", "Gamma"]


def _edit(at, row: int, **changes):
    at.session_state["roster_editor_0"] = {"edited_rows": {row: changes}, "added_rows": [],
                                         "deleted_rows": []}  # fmt: skip
    return at.run()


def test_a_handover_from_the_editor_keeps_both_terms(app_db, page):
    small_roster(app_db)
    at = open_page(page, "champions")
    # Editor rows follow the roster: Beta (no champion), Alpha, Gamma.
    _edit(at, 1, champion="Bo Kim", contact="@bo", since="2025-06-02")
    next(b for b in at.button if b.label == "Save roster changes").click().run()
    assert not at.exception
    assert any(plain("Handover on Alpha: Ann Lee to Bo Kim from 2025-06-02") in s.value
               for s in at.success)  # fmt: skip
    with db.connect(app_db) as con:
        terms = roster.history(con, "Alpha")
    assert [(t["person"], t["since"], t["until"]) for t in terms] == [
        ("Bo Kim", dt.date(2025, 6, 2), None),
        ("Ann Lee", dt.date(2025, 1, 6), dt.date(2025, 6, 2)),
    ]


def test_an_invalid_edit_saves_nothing_and_says_why(app_db, page):
    small_roster(app_db)
    at = open_page(page, "champions")
    _edit(at, 0, champion="Cy", contact="not an address", since="2025-06-02")
    next(b for b in at.button if b.label == "Save roster changes").click().run()
    assert any(plain("Nothing was saved. Beta: not an email address") in e.value for e in at.error)
    with db.connect(app_db) as con:
        assert roster.history(con, "Beta") == []


def test_html_and_script_in_names_show_as_text(app_db, page):
    with db.connect(app_db) as con:
        with db.transaction(con):
            area = roster.ensure_area(con, EVIL_AREA)[0]
            roster.ensure_team(con, EVIL_TEAM, area)
        roster.update_area(con, EVIL_AREA, who=Actor("t", ADMIN), head="<b>boss</b>")
    at = open_page(page, "champions")
    assert not at.exception
    assert at.dataframe[0].value["Team"].iloc[0] == EVIL_TEAM
    for element in [*at.markdown, *at.subheader, *at.caption]:
        assert not getattr(element.proto, "allow_html", False)
        text = element.value
        # Every "<" is escaped, so Markdown shows it as a character, never as a tag.
        assert all(text[i - 1] == "\\" for i, c in enumerate(text) if c == "<"), text
    assert any("\\<b\\>boss\\</b\\>" in m.value for m in at.markdown)


def test_settings_show_in_the_sidebar_and_bad_links_are_refused(app_db, page):
    at = open_page(page, "settings")
    assert not at.exception
    at.text_input(key="community_0_champions_channel").input("quality-champions")
    at.text_input(key="community_0_coaching_url").input("javascript:alert(1)")
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert any("not a web address" in e.value for e in at.error)
    at.text_input(key="community_0_coaching_url").input("https://intranet.example.com/coaching")
    next(b for b in at.button if b.label == "Save settings").click().run()
    assert not at.error
    sidebar = [*at.sidebar.caption, *at.sidebar.markdown]
    assert any("\\#quality\\-champions" in e.value for e in sidebar)
    buttons = at.sidebar.get("link_button")
    assert [b.proto.label for b in buttons] == [
        "Request coaching"
    ]  # the empty workshop link is hidden


def test_a_roster_naming_a_team_twice_is_refused_on_the_page(app_db, page):
    small_roster(app_db)
    at = open_page(page, "champions")
    twice = (b"area,team,champion,email,since\n"
             b"Core,Alpha,Bo Kim,@bo,2025-06-02\n"
             b"Core,Alpha,Cy Day,cy@example.com,2025-06-02\n")  # fmt: skip
    at.file_uploader(key="roster_file_0").set_value(("roster.csv", twice, "text/csv")).run()
    assert not at.exception
    lines = at.code[0].value.splitlines()
    assert any(line.startswith("line 3") and "line 2" in line for line in lines), lines
    with db.connect(app_db) as con:
        assert [t["person"] for t in roster.history(con, "Alpha")] == ["Ann Lee"]


def test_a_roster_upload_records_a_handover(app_db, page):
    small_roster(app_db)
    at = open_page(page, "champions")
    handover = b"area,team,champion,email,since\nCore,Alpha,Bo Kim,@bo,2025-06-02\n"
    at.file_uploader(key="roster_file_0").set_value(("roster.csv", handover, "text/csv")).run()
    assert not at.exception and not at.error
    next(b for b in at.button if b.label == "Apply import").click().run()
    assert any("1 handover" in s.value for s in at.success)
    with db.connect(app_db) as con:
        assert [t["person"] for t in roster.history(con, "Alpha")] == ["Bo Kim", "Ann Lee"]


def test_a_team_can_be_retired_and_leaves_the_roster(app_db, page):
    small_roster(app_db)
    at = open_page(page, "champions")
    form_select = [s for s in at.selectbox if s.label == "Team"][-1]  # the status form's
    form_select.select("Gamma")
    next(r for r in at.radio if r.label == "Status").set_value("retired")
    next(b for b in at.button if b.label == "Save status").click().run()
    assert any("Gamma is retired" in s.value for s in at.success)
    assert at.markdown[0].value == "### 1 of 2 teams has no champion"


def test_two_editors_on_one_row_the_second_is_told_and_sees_the_new_value(app_db, page):
    small_roster(app_db)
    first, second = open_page(page, "champions"), open_page(page, "champions")
    _edit(first, 1, champion="Bo Kim", contact="@bo", since="2025-06-02")
    _edit(second, 1, champion="Cy Diaz", contact="@cy", since="2025-07-07")
    next(b for b in first.button if b.label == "Save roster changes").click().run()
    next(b for b in second.button if b.label == "Save roster changes").click().run()
    assert not second.exception
    assert [e.value for e in second.error] == [plain(
        "Nothing was saved: the roster changed since you opened it (Alpha: champion: now Bo Kim "
        "(was Ann Lee), contact: now @bo (was ann@example.com), since: now 2025-06-02 (was "
        "2025-01-06)). You now see the new values; make your change again if it is still needed."
    )]  # fmt: skip
    editor = next(f for f in second.dataframe if "champion" in f.value.columns).value
    assert editor.loc[editor["team"] == "Alpha", "champion"].tolist() == ["Bo Kim"]
    with db.connect(app_db) as con:
        assert [t["person"] for t in roster.history(con, "Alpha")] == ["Bo Kim", "Ann Lee"]


def test_after_a_save_the_editor_starts_again_from_the_stored_roster(app_db, page):
    small_roster(app_db)
    at = open_page(page, "champions")
    _edit(at, 1, champion="Bo Kim", contact="@bo", since="2025-06-02")
    next(b for b in at.button if b.label == "Save roster changes").click().run()
    at.run()
    save = next(b for b in at.button if b.label == "Save roster changes")
    assert save.disabled  # nothing left to save: the edit is stored, not pending again
    editor = next(f for f in at.dataframe if "champion" in f.value.columns).value
    assert editor.loc[editor["team"] == "Alpha", "champion"].tolist() == ["Bo Kim"]
