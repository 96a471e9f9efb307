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


def _proposed_with_old_bugs(path) -> int:
    """Bugs from 2004 and a proposal, as a new user has them after their first import."""
    import datetime as dt

    from ddq.access import ADMIN, Actor
    from ddq.ingest.bugs import import_bugs

    who = Actor("coach", ADMIN)
    export = ("Issue key,Created,Resolved,Status,Priority\n"
              "DERBY-5,2004/09/28 01:20:46 +0100,2004/10/20 10:00:00 +0100,Closed,Critical\n"
              "DERBY-6,2004/09/30 10:00:00 +0100,,Open,Blocker\n")  # fmt: skip
    with db.connect(path) as con:
        import_bugs(con, export.encode(), file_name="derby.csv", who=who,
                    today=dt.date(2026, 3, 4))  # fmt: skip
        version = critical.create_draft(
            con, title="Blockers", rule={"field": "priority", "in": ["Blocker"]}, who=who
        )
        critical.propose(con, version, who=who)
    return version


def test_the_effective_date_starts_where_the_bugs_do_and_adopting_computes_them(app_db, page):
    """A first definition is suggested from the oldest bug's week, so its numbers exist at
    once; the box takes any date, and Adopt uses what it shows."""
    import datetime as dt

    version = _proposed_with_old_bugs(app_db)
    at = open_page(page)
    assert not at.exception
    box = next(d for d in at.date_input if d.label == "Effective from")
    assert box.value == dt.date(2004, 9, 27)  # the Monday of the oldest bug's week
    assert box.min <= dt.date(2000, 1, 3) and box.max >= dt.date(2030, 1, 1)
    assert any(plain("Suggested: the week of the oldest imported bug (2004-09-28)") in c.value
               for c in at.caption)  # fmt: skip
    box.set_value(dt.date(2004, 10, 4)).run()
    next(b for b in at.button if b.label == "Adopt").click().run()
    assert not at.exception and not at.error
    assert any(plain(f"Version {version} adopted from 2004-10-04.") in s.value
               for s in at.success)  # fmt: skip
    with db.connect(app_db) as con:
        assert critical.get(con, version)["effective_from"] == dt.date(2004, 10, 4)
        first = con.execute(
            "SELECT min(week) FROM metric_values WHERE metric = 'open_critical_bugs'"
        ).fetchone()[0]
    assert first == dt.date(2004, 10, 4)


def test_a_refused_effective_date_says_why_next_to_adopt(app_db, page):
    import datetime as dt

    from ddq import clock
    from ddq.access import ADMIN, Actor

    first = _proposed_with_old_bugs(app_db)
    who = Actor("coach", ADMIN)
    with db.connect(app_db) as con:
        critical.adopt(con, first, effective_from=dt.date(2025, 1, 6), who=who)
        second = critical.create_draft(
            con, title="Wider", rule={"field": "priority", "in": ["Blocker", "Critical"]}, who=who
        )
        critical.propose(con, second, who=who)
    at = open_page(page)
    box = next(d for d in at.date_input if d.label == "Effective from")
    assert box.value == clock.latest_complete_week()  # a later version: the latest week
    box.set_value(dt.date(2024, 6, 3)).run()
    assert next(d for d in at.date_input if d.label == "Effective from").value == dt.date(
        2024, 6, 3
    )  # kept as picked, never replaced
    adopt = next(b for b in at.button if b.label == "Adopt")
    assert adopt.disabled
    assert any(plain(f"Version {second} cannot take effect on 2024-06-03: version {first} took "
                     "effect on 2025-01-06") in e.value and plain("Choose 2025-01-07 or later.")
               in e.value for e in at.error)  # fmt: skip
    with db.connect(app_db) as con:
        assert critical.get(con, second)["status"] == "proposed"


def _json_box(at):
    return next(t for t in at.text_area if t.label == "Rule (JSON)")


def _rule_in_box(at):
    import json

    return json.loads(_json_box(at).value)


def test_the_rule_builder_and_the_json_edit_one_rule(app_db, page):
    """Field, operator and names, in groups; every change shows in the JSON, and JSON that
    reads as a rule shows in the builder; the draft saved is the rule on screen."""
    from ddq.ui.critical import EXAMPLE_RULE

    at = open_page(page)
    assert _rule_in_box(at) == EXAMPLE_RULE
    top = next(s for s in at.selectbox if s.label == "A bug is critical when")
    assert top.value == "any"
    assert [s.value for s in at.selectbox if s.label == "Field"] == ["priority", "labels", "type"]
    # Remove the inner group, then add a condition: labels has any of "security".
    next(b for b in at.button if b.label == "Remove group").click().run()
    assert _rule_in_box(at) == {"field": "priority", "in": ["Blocker", "Critical"]}
    next(b for b in at.button if b.label == "Add condition").click().run()
    assert any("Not finished yet" in w.value for w in at.warning)  # the new one has no names
    next(s for s in at.selectbox if s.label == "Field" and s.value == "priority"
         and s.key.endswith("_1_field")).select("labels").run()  # fmt: skip
    operators = [s for s in at.selectbox if s.label == "Operator"]
    assert operators[1].value == "has_any"  # a list field has its own operators
    names = [m for m in at.multiselect if m.label == "Names"]
    names[1].select("security").run()  # a name no bug uses yet can be typed
    assert not at.exception
    assert _rule_in_box(at) == {"any": [{"field": "priority", "in": ["Blocker", "Critical"]},
                                        {"field": "labels", "has_any": ["security"]}]}  # fmt: skip
    next(s for s in at.selectbox if s.label == "A bug is critical when").select("all").run()
    assert plain("A bug is critical when its priority is Blocker or Critical and it has the "
                 "label security.") in [i.value for i in at.info]  # fmt: skip
    # The JSON the other way: a rule typed there shows in the builder.
    _json_box(at).input('{"not": {"field": "status", "in": ["Closed", "Done"]}}').run()
    assert next(s for s in at.selectbox if s.label == "A bug is critical when").value == "not"
    assert [s.value for s in at.selectbox if s.label == "Field"] == ["status"]
    assert next(m for m in at.multiselect if m.label == "Names").value == ["Closed", "Done"]
    # A condition removed leaves an empty group, which the builder says is not finished.
    next(b for b in at.button if b.key.endswith("_0_remove")).click().run()
    assert _rule_in_box(at) == {"not": {"any": []}}
    assert any(plain("not.any: empty list") in w.value for w in at.warning)
    _json_box(at).input('{"not": {"field": "status", "in": ["Closed", "Done"]}}').run()
    next(t for t in at.text_input if t.label == "Title").input("Not closed")
    next(b for b in at.button if b.label == "Save draft").click().run()
    assert any(plain("Draft saved.") in s.value for s in at.success)
    with db.connect(app_db) as con:
        saved = critical.versions(con)[0]["rule"]
    assert saved == {"not": {"field": "status", "in": ["Closed", "Done"]}}


def test_json_that_does_not_read_says_where_and_what_to_do(app_db, page):
    at = open_page(page)
    _json_box(at).input('{\n  "any": [\n    {"field": "priority", "in": ["Blocker"]}\n'
                        '    {"field": "type", "in": ["Bug"]}\n  ]\n}').run()  # fmt: skip
    said = next(e.value for e in at.error)
    assert plain("line 4, column 5 (character 63): not valid JSON: expected a comma between "
                 "two items") in said  # fmt: skip
    assert "  \n" + plain("Fix it here, or change the rule in the builder") in said
    # The builder keeps the rule it had, and says why.
    assert any("does not read" in w.value for w in at.warning)
    assert next(s for s in at.selectbox if s.label == "A bug is critical when").value == "any"
    next(t for t in at.text_input if t.label == "Title").input("Broken")
    next(b for b in at.button if b.label == "Save draft").click().run()
    refused = [e.value for e in at.error if "The critical" in e.value]
    assert refused and "  \n" + plain("- line 4, column 5") in refused[0]  # one line each
    with db.connect(app_db) as con:
        assert critical.versions(con) == []


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
