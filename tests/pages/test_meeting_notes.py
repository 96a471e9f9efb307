"""Meeting notes and attendance on the meeting page, with one laptop and with two at once.

Each AppTest is one browser session. A note saved by its writer never warns them that
someone else saved it; a note saved by someone else while this person was typing does,
and what they typed stays on screen to copy back in.
"""

from __future__ import annotations

import threading

from ddq import db
from ddq import meeting as core
from ddq.access import ADMIN, Actor
from ddq.errors import StaleEdit
from ddq.ui.format import plain
from tests.pages.test_meeting import MONDAY, small_org

LABEL = "What we're doing"
OVERTAKEN = "Someone saved the what we're doing while you were typing"


def open_meeting(page, held: int):
    at = page("app.py")
    at.query_params["meeting"] = str(held)
    at.query_params["team"] = "Alpha"
    at.switch_page("app_pages/meeting.py")
    return at.run()


def a_meeting(app_db) -> int:
    small_org(app_db)
    with db.connect(app_db) as con:
        return core.create_meeting(con, held_on=MONDAY, who=Actor("t", ADMIN))


def note_box(at):
    return next(t for t in at.text_area if t.label == LABEL)


def type_note(at, text: str) -> None:
    note_box(at).input(text)
    at.run()


def save(at):
    return next(b for b in at.button if b.label == f"Save {LABEL.lower()}").click().run()


def warnings(at) -> list[str]:
    return [w.value for w in at.warning if w.value.startswith(OVERTAKEN)]


def stored(app_db, held: int) -> str:
    with db.connect(app_db) as con:
        return core.team_view(con, held, "Alpha")["notes"]["doing"]


def test_saving_ones_own_note_never_warns_that_someone_else_saved_it(app_db, page):
    held = a_meeting(app_db)
    at = open_meeting(page, held)
    for text in ("Pairing on flaky tests", "Pairing on flaky tests, twice a week  "):
        type_note(at, text)
        save(at)
        assert not at.exception and not at.error, [e.value for e in at.error]
        assert not at.toast  # said on its own line, never over the navigation
        assert any(c.value.startswith(plain(f"{LABEL} saved.")) for c in at.caption)
        assert not warnings(at)
        assert stored(app_db, held) == text.strip()
        assert note_box(at).value == text.strip()
        at.run()  # the next rerun (as the refresh) says nothing either
        assert not warnings(at) and note_box(at).value == text.strip()
    at.run()
    assert not warnings(at)


def test_a_note_saved_by_someone_else_while_typing_is_said_and_the_typed_text_kept(app_db, page):
    held = a_meeting(app_db)
    ann, bo = open_meeting(page, held), open_meeting(page, held)
    type_note(bo, "Bo's draft")
    type_note(ann, "Ann's note")
    save(ann)
    assert not warnings(ann)

    bo.run()  # the refresh on Bo's laptop
    assert warnings(bo), "Bo was not told that Ann saved"
    assert "Bo's draft" in [t.value for t in bo.text]  # to copy back in
    assert note_box(bo).value == "Ann's note"
    assert stored(app_db, held) == "Ann's note"

    # Bo builds on Ann's note and saves: no warning for Bo, none for Ann's own note later.
    type_note(bo, "Ann's note; Bo's draft")
    save(bo)
    assert not warnings(bo) and stored(app_db, held) == "Ann's note; Bo's draft"
    ann.run()
    assert not warnings(ann)  # Ann had typed nothing since her save
    assert note_box(ann).value == "Ann's note; Bo's draft"


def test_a_save_clicked_after_someone_elses_save_keeps_theirs_and_says_so(app_db, page):
    held = a_meeting(app_db)
    ann, bo = open_meeting(page, held), open_meeting(page, held)
    type_note(bo, "Bo's draft")
    type_note(ann, "Ann's note")
    save(ann)
    save(bo)  # Bo's page had not refreshed since Ann saved
    assert stored(app_db, held) == "Ann's note"
    assert warnings(bo) and "Bo's draft" in [t.value for t in bo.text]


def test_a_save_that_lands_while_another_laptop_is_saving_keeps_one_and_tells_the_other(
    app_db, page, monkeypatch
):
    """Ann's save lands after Bo's page read the note and before Bo's save: the moment two
    laptops save at once. (AppTest runs one session at a time, so Ann's save is made there,
    by her session's connection, exactly as her page makes it.)"""
    held = a_meeting(app_db)
    ann, bo = open_meeting(page, held), open_meeting(page, held)
    type_note(ann, "Ann's note")
    type_note(bo, "Bo's draft")
    real_set_note = core.set_note

    def ann_saves_first(con, *args, **kwargs):
        monkeypatch.setattr(core, "set_note", real_set_note)
        with db.connect(app_db) as ann_con:
            real_set_note(ann_con, held, "Alpha", "doing", "Ann's note", Actor("ann", ADMIN),
                          expected="")  # fmt: skip
        return real_set_note(con, *args, **kwargs)

    monkeypatch.setattr(core, "set_note", ann_saves_first)
    save(bo)
    assert not bo.exception
    said = [e.value.replace("\\", "") for e in bo.error]  # plain text: Markdown escaped
    assert said and said[0].startswith("Nothing was saved: "), said
    assert 'it now reads "Ann\'s note"' in said[0]
    assert stored(app_db, held) == "Ann's note"
    bo.run()  # the refresh: Ann's note in the box, Bo's draft below to copy back in
    assert warnings(bo) and "Bo's draft" in [t.value for t in bo.text]
    assert note_box(bo).value == "Ann's note"
    ann.run()  # Ann's laptop: her own note, no warning
    assert not warnings(ann) and note_box(ann).value == "Ann's note"
    with db.connect(app_db) as con:
        [row] = db.rows(con, "SELECT before, after FROM audit_log WHERE action = 'meeting.note'")
    assert row["before"] is None and "Ann's note" in row["after"]


def test_a_laptop_saving_at_the_same_moment_as_another_keeps_one_and_tells_the_other(app_db, page):
    """Bo's page saves while Ann's save runs at the same moment on her own connection."""
    held = a_meeting(app_db)
    bo = open_meeting(page, held)
    for trial in range(6):
        seen = note_box(bo).value
        texts = {"ann": f"Ann's note {trial}", "bo": f"Bo's note {trial}"}
        type_note(bo, texts["bo"])
        start = threading.Barrier(2)
        outcome: dict[str, object] = {}

        def bo_saves(barrier=start, out=outcome) -> None:
            barrier.wait()
            try:
                save(bo)
            except BaseException as exc:  # a failure in a thread must reach the test
                out["bo"] = exc

        def ann_saves(barrier=start, out=outcome, text=texts["ann"], seen=seen) -> None:
            barrier.wait()
            try:
                with db.connect(app_db) as con:
                    out["ann"] = core.set_note(con, held, "Alpha", "doing", text,
                                               Actor("ann", ADMIN), expected=seen)  # fmt: skip
            except BaseException as exc:
                out["ann"] = exc

        threads = [threading.Thread(target=bo_saves), threading.Thread(target=ann_saves)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert "bo" not in outcome and not bo.exception, outcome
        now = stored(app_db, held)
        if now == texts["bo"]:  # Bo's save won: Ann's was refused, Bo's page says nothing
            assert isinstance(outcome["ann"], StaleEdit), outcome
            assert not bo.error and not warnings(bo)
        else:  # Ann's won: Bo is told, now or on the refresh, and keeps his text
            assert now == texts["ann"] and isinstance(outcome["ann"], str), (now, outcome)
            if bo.error:
                assert bo.error[0].value.replace("\\", "").startswith("Nothing was saved: ")
                bo.run()
            assert warnings(bo) and texts["bo"] in [t.value for t in bo.text]
        bo.run()
        assert note_box(bo).value == now


def test_a_champion_marked_present_on_one_laptop_stays_present_on_another(app_db, page):
    held = a_meeting(app_db)
    ann, bo = open_meeting(page, held), open_meeting(page, held)
    next(t for t in ann.toggle if t.label == "Champion present").set_value(True).run()
    for _ in range(2):
        bo.run()  # Bo's laptop, whose toggle was off, refreshes
        assert next(t for t in bo.toggle if t.label == "Champion present").value is True
        with db.connect(app_db) as con:
            assert core.team_view(con, held, "Alpha")["present"] is True
