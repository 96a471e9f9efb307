"""The Critical bugs page through AppTest, on the sample and on a small database."""

from __future__ import annotations

from ddq import critical, db
from ddq.access import SYSTEM
from ddq.sample import fill_demo
from ddq.ui.format import plain
from tests.pages.layout import right_after


def open_page(page):
    at = page("app.py")
    at.switch_page("app_pages/critical_bugs.py")
    return at.run()


def test_the_sample_shows_the_definition_in_words_and_the_proposal(tmp_path, monkeypatch, page):
    path = tmp_path / "s.duckdb"
    with db.connect(path) as con:
        fill_demo(con, who=SYSTEM)
    monkeypatch.setenv("DDQ_DB", str(path))
    at = open_page(page)
    assert not at.exception
    words = [i.value for i in at.info]
    assert plain("A bug is critical when its priority is Blocker or Critical.") in words
    assert any(plain("has the label security or data-loss") in w for w in words)
    counts = {m.label: m.value for m in at.metric}
    assert counts["Agree"] == "8" and counts["Disagree"] == "3" and counts["No stance yet"] == "2"
    impact = next(d.value for d in at.dataframe if "Critical under the draft" in d.value.columns)
    assert (impact["Critical under the draft"] >= impact["Critical now"]).all()


def test_a_stance_is_recorded_from_the_page(tmp_path, monkeypatch, page):
    path = tmp_path / "s.duckdb"
    with db.connect(path) as con:
        fill_demo(con, who=SYSTEM)
    monkeypatch.setenv("DDQ_DB", str(path))
    at = open_page(page)
    form_team = next(s for s in at.selectbox if s.label == "Team")
    form_team.select("Catalog")
    next(r for r in at.radio if r.label == "Stance").set_value("disagree")
    next(b for b in at.button if b.label == "Record stance").click().run()
    assert any("a disagree needs a comment" in e.value.lower() or "comment" in e.value.lower()
               for e in at.error)  # fmt: skip
    next(t for t in at.text_input if t.label.startswith("Comment")).input("Too broad for us")
    next(b for b in at.button if b.label == "Record stance").click().run()
    assert any(plain("Stance of Catalog recorded.") in s.value for s in at.success)
    with db.connect(path) as con:
        row = next(r for r in critical.stances(con, 2) if r["team"] == "Catalog")
    assert (row["stance"], row["comment"]) == ("disagree", "Too broad for us")


def test_an_invalid_draft_says_where_and_saves_nothing(app_db, page):
    at = open_page(page)
    assert not at.exception
    assert any("No definition has been adopted yet" in i.value for i in at.info)
    next(t for t in at.text_input if t.label == "Title").input("Broken")
    next(t for t in at.text_area if t.label == "Rule (JSON)").input(
        '{"field": "prio", "in": ["x"]}'
    )
    next(b for b in at.button if b.label == "Save draft").click().run()
    assert any("unknown field 'prio'" in e.value for e in at.error)
    with db.connect(app_db) as con:
        assert critical.versions(con) == []


def test_without_teams_there_is_nothing_to_map_to(app_db, page):
    """The mapping form needs a team to map to; without any it says so instead of failing."""
    at = open_page(page)
    assert not at.exception
    assert not [s for s in at.selectbox if s.label == "to team"]
    assert any("no teams yet" in c.value.lower() for c in at.caption)


def test_stances_count_only_teams_that_can_vote_and_show_each_disagreement_whole(
    tmp_path, monkeypatch, page
):
    path = tmp_path / "s.duckdb"
    with db.connect(path) as con:
        fill_demo(con, who=SYSTEM)
        rows = critical.stances(con, 2)
    monkeypatch.setenv("DDQ_DB", str(path))
    without = [r["team"] for r in rows if r["champion"] is None and r["stance"] is None]
    waiting = [r for r in rows if r["champion"] and r["stance"] is None]
    assert without and waiting  # the sample has both
    at = open_page(page)
    counts = {m.label: m.value for m in at.metric}
    assert counts["No stance yet"] == str(len(waiting))
    assert any(f"{len(without)} team" in c.value and "no champion" in c.value for c in at.caption)
    why = "We ship weekly and a " + "very long reason " * 20 + "ends here."
    next(s for s in at.selectbox if s.label == "Team").select(waiting[0]["team"])
    next(r for r in at.radio if r.label == "Stance").set_value("disagree")
    next(t for t in at.text_input if t.label.startswith("Comment")).input(why)
    next(b for b in at.button if b.label == "Record stance").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    said = right_after(at.main, "Record stance")
    assert (
        said.type == "success" and plain(f"Stance of {waiting[0]['team']} recorded.") in said.value
    )
    listed = [m.value for m in at.markdown if plain(waiting[0]["team"]) in m.value]
    assert any(plain(why) in m for m in listed)  # the whole comment, under the table
