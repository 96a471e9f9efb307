"""ddq.ui.slides: the meeting's two downloads, and what the page says without a browser."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ddq import db
from ddq.slides import SlideExportFailed
from ddq.ui import slides as ui
from tests.test_meeting import HELD, WHO, make_org


def _buttons(meeting_id: int, team: str) -> None:
    from ddq.ui.slides import downloads

    downloads(meeting_id, team)


def _app(meeting_id: int, team: str) -> AppTest:
    at = AppTest.from_function(_buttons, args=(meeting_id, team), default_timeout=30)
    return at.run()


def _meeting(path) -> int:
    from ddq import meeting as mt

    with db.connect(path) as con:
        make_org(con)
        return mt.create_meeting(con, held_on=HELD, who=WHO)


def test_two_downloads_named_after_the_meeting_and_team(app_db, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/usr/bin/true")  # found; nothing is drawn here
    at = _app(_meeting(app_db), "Infra")
    assert not at.exception and not at.error
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert list(buttons) == ["Slide (PNG)", "Meeting deck (HTML)"]
    assert not buttons["Slide (PNG)"].disabled
    assert not buttons["Meeting deck (HTML)"].disabled


def test_without_a_browser_the_png_is_off_and_the_page_says_why(app_db, monkeypatch, tmp_path):
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "none"))
    at = _app(_meeting(app_db), "Infra")
    assert not at.exception
    buttons = {b.proto.label: b.proto for b in at.get("download_button")}
    assert buttons["Slide (PNG)"].disabled and not buttons["Meeting deck (HTML)"].disabled
    assert "BROWSER\\_PATH names" in at.caption[0].value


def test_the_files_are_made_on_click_and_a_failure_is_kept_for_the_next_run(app_db, tmp_path,
                                                                             monkeypatch):  # fmt: skip
    meeting_id = _meeting(app_db)
    assert ui._deck(app_db, meeting_id).startswith(b"<!DOCTYPE html>")
    monkeypatch.setenv("BROWSER_PATH", str(tmp_path / "none"))
    failed: dict[str, str] = {}
    make = ui._made(failed, "png", lambda: ui._png(app_db, meeting_id, "Infra"))
    with pytest.raises(SlideExportFailed):
        make()
    assert failed["png"].startswith("BROWSER_PATH names")
