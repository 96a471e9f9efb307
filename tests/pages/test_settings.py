"""The Settings page through AppTest: saving, refusing, and saying so under the button."""

from __future__ import annotations

from ddq import db, settings
from tests.pages.layout import right_after


def open_page(page):
    at = page("app.py")
    at.switch_page("app_pages/settings.py")
    return at.run()


def test_an_empty_program_name_is_refused_and_a_name_is_confirmed_under_the_button(app_db, page):
    at = open_page(page)
    assert not at.exception
    name = next(t for t in at.text_input if t.label == "Program name")
    name.input("  ")
    next(b for b in at.button if b.label == "Save settings").click().run()
    refused = right_after(at.main, "Save settings")
    assert refused.type == "error" and "Program name cannot be empty" in refused.value
    with db.connect(app_db) as con:
        assert settings.current(con)["program_name"] == "Data-Driven Quality"
    next(t for t in at.text_input if t.label == "Program name").input("Quality Guild")
    next(b for b in at.button if b.label == "Save settings").click().run()
    said = right_after(at.main, "Save settings")
    assert said.type == "success" and said.value == "Settings saved\\."
    with db.connect(app_db) as con:
        assert settings.current(con)["program_name"] == "Quality Guild"
