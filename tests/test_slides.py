"""ddq.slides: a team's slide holds the presenter view, the PNG is a real 1280x720 picture,
the deck is one offline file with one slide per agenda place and hostile text kept as text,
a missing or failing browser is a clear error; `ddq meeting slides` and the page's buttons."""

from __future__ import annotations

import datetime as dt
import html
import io
import re
from pathlib import Path

import plotly.graph_objects as go
import pytest
from plotly.offline import get_plotlyjs

from ddq import db, progress, slides, text
from ddq import meeting as mt
from ddq.access import ADMIN, Actor
from ddq.slides import SlideExportFailed
from tests import hostile_data as H
from tests.test_meeting import HELD, WHO, add_values, make_org

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="drawing a PNG needs Chromium at /usr/bin/chromium (apt-get install -y chromium)",
)


@pytest.fixture
def con(make_db):
    with db.connect(make_db()) as connection:
        yield connection


def held_meeting(con) -> int:
    """The whole program's meeting on HELD: Checkout, Ledger, Infra, Search (area order),
    Infra with notes, attendance, an action and a target."""
    make_org(con)
    add_values(con, "Infra", "test_pass_rate", [91.0, 93.5, 92.25])
    progress.set_target(con, "Infra", "open_critical_bugs", target=2, due=dt.date(2026, 6, 29),
                        who=Actor("test", ADMIN), today=HELD)  # fmt: skip
    earlier = mt.create_meeting(con, held_on=HELD - dt.timedelta(weeks=2), who=WHO)
    mt.add_action(con, team="Infra", text="Page the on-call less", owner="Cy Diaz",
                  due=HELD - dt.timedelta(days=3), meeting_id=earlier, who=WHO)  # fmt: skip
    meeting_id = mt.create_meeting(con, held_on=HELD, who=WHO)
    mt.set_note(con, meeting_id, "Infra", "doing", "Moved alerts to one channel", WHO)
    mt.set_note(con, meeting_id, "Infra", "feedback_wanted", "Is paging at night fair?", WHO)
    mt.set_note(con, meeting_id, "Infra", "feedback_given", "Try a follow-the-sun rota", WHO)
    mt.add_action(con, team="Infra", text="Add disk alerts", owner="Cy Diaz",
                  due=dt.date(2026, 3, 18), meeting_id=meeting_id, who=WHO)  # fmt: skip
    mt.set_attendance(con, meeting_id, "Infra", True, WHO)
    return meeting_id


def texts(figure: go.Figure) -> list[str]:
    """What the slide says, each annotation as read (tags gone, entities read)."""
    return [html.unescape(re.sub(r"<[^>]+>", "", a.text)) for a in figure.layout.annotations]


def said(figure: go.Figure) -> str:
    return " ".join(texts(figure))


# ---------------------------------------------------------------------------- the slide


def test_the_slide_holds_the_presenter_view(con):
    meeting_id = held_meeting(con)
    meeting = mt.get_meeting(con, meeting_id)
    view = mt.team_view(con, meeting_id, "Infra")
    figure = slides.slide(view, meeting)
    assert (figure.layout.width, figure.layout.height) == (1280, 720)
    words = said(figure)
    assert "Team 3 of 4: Infra" in texts(figure)
    assert "Platform · Champion Cy Diaz · present" in texts(figure)
    assert "Meeting of Wednesday 4 Mar 2026" in texts(figure)
    assert "Whole program" in texts(figure)
    assert "Numbers of the week of 23 Feb 2026" in texts(figure)
    # Open critical bugs 4 -> 3 (better), target 2 by 29 Jun 2026; the pass rate has none.
    critical = next(m for m in view["metrics"] if m["key"] == "open_critical_bugs")
    assert critical["status"] in slides.STATUS_COLOURS
    for expected in ("Open critical bugs", "3", "▼ -1 vs week before", "Target 2 by 29 Jun 2026",
                     critical["status"], "Test pass rate", text.number(92.25, "percent"),
                     f"▼ {text.change(-1.25, 'percent')} vs week before"):  # fmt: skip
        assert expected in texts(figure), expected
    # Colours say better (the bugs went down) and worse (the pass rate went down).
    by_text = {html.unescape(re.sub(r"<[^>]+>", "", a.text)): a for a in figure.layout.annotations}
    assert by_text["▼ -1 vs week before"].font.color == slides.BETTER
    assert by_text[f"▼ {text.change(-1.25, 'percent')} vs week before"].font.color == slides.WORSE
    assert by_text[critical["status"]].bgcolor == slides.STATUS_COLOURS[critical["status"]]
    # Notes of the three kinds, the open actions (one overdue, raised two weeks before).
    assert "What we're doing: Moved alerts to one channel" in texts(figure)
    assert "Feedback wanted: Is paging at night fair?" in texts(figure)
    assert "Feedback given: Try a follow-the-sun rota" in texts(figure)
    assert "Open actions (2)" in texts(figure)
    assert "Page the on-call less — Cy Diaz, due 1 Mar, 3 days overdue" in words
    assert "Add disk alerts — Cy Diaz, due 18 Mar" in words
    assert len([t for t in figure.data if t.type == "scatter"]) == 2  # one sparkline a card


def test_a_team_without_numbers_champion_or_notes_says_so(con):
    meeting_id = held_meeting(con)
    figure = slides.slide(mt.team_view(con, meeting_id, "Search"), mt.get_meeting(con, meeting_id))
    assert "Team 4 of 4: Search" in texts(figure)
    assert "Platform · No champion" in texts(figure)
    assert "No numbers reported yet." in texts(figure)
    assert "What we're doing: —" in texts(figure)
    assert "None open." in texts(figure)
    unmarked = slides.slide(
        mt.team_view(con, meeting_id, "Checkout"), mt.get_meeting(con, meeting_id)
    )
    assert "Payments · Champion Ann Lee · not marked" in texts(unmarked)


def test_long_texts_are_shortened_and_the_slide_never_overflows(con):
    meeting_id = held_meeting(con)
    long = "a very long note that goes on " * 40 + "https://example.com/" + "x" * 300
    for kind in mt.NOTE_KINDS:
        mt.set_note(con, meeting_id, "Infra", kind, long, WHO)
    for i in range(8):
        mt.add_action(con, team="Infra", text=f"action {i} " + "long words " * 20, owner="Cy",
                      due=dt.date(2026, 4, 1), meeting_id=meeting_id, who=WHO)  # fmt: skip
    view = mt.team_view(con, meeting_id, "Infra")
    view["team"] = "Team " + "W" * 200  # wider than any real name
    figure = slides.slide(view, mt.get_meeting(con, meeting_id))
    shown = texts(figure)
    assert any(t.startswith("Team 3 of 4: Team WWW") and t.endswith("…") for t in shown)
    assert sum(t.startswith("What we're doing") for t in shown) == 1
    assert any(re.fullmatch(r"and [0-9]+ more", t) for t in shown)
    for a in figure.layout.annotations:
        assert 0 <= a.x <= 1 and 0 <= a.y <= 1
        words = html.unescape(re.sub(r"<[^>]+>", "", a.text))
        width = slides.text_width(words, a.font.size) / slides.WIDTH
        left = a.x - (width if a.xanchor == "right" else 0)
        assert left >= 0 and left + width <= 1, words  # inside the slide, by the estimate
        # The notes stop above the bottom edge: a line is about 1.3 times its size high.
        assert a.y - 1.3 * a.font.size / slides.HEIGHT >= 0, words


def test_wrap_breaks_between_words_and_ends_in_an_ellipsis():
    assert slides.wrap("one two three", 1000, 16, 2) == ["one two three"]
    lines = slides.wrap("word " * 100, 200, 16, 3)
    assert len(lines) == 3 and lines[-1].endswith("…") and not lines[0].endswith("…")
    assert all(slides.text_width(line, 16) <= 200 for line in lines)
    cut = slides.wrap("x" * 500, 200, 16, 2)  # one word longer than a line
    assert len(cut) == 2 and cut[-1].endswith("…")
    assert slides.wrap("line one\nline two\ttab", 1000, 16, 2) == ["line one line two tab"]
    assert slides.fit("short", 300, 16) == "short"
    assert slides.fit("long " * 50, 100, 16).endswith("…")


def test_file_names_say_the_meeting_and_the_team(con):
    meeting_id = held_meeting(con)
    meeting = mt.get_meeting(con, meeting_id)
    assert slides.file_name(meeting, "Infra") == "meeting-2026-03-04-team-03-infra.png"
    assert slides.file_name(meeting, "3") == "meeting-2026-03-04-team-03-infra.png"
    assert slides.file_name(meeting) == "meeting-2026-03-04-whole-program.html"
    meeting["teams"][0]["team"] = H.TEAM_SCRIPT
    assert slides.file_name(meeting, H.TEAM_SCRIPT) == (
        "meeting-2026-03-04-team-01-team-script-window-pwned-1-script.png"
    )
    meeting["teams"][0]["team"] = "漢字"
    assert slides.file_name(meeting, "漢字") == "meeting-2026-03-04-team-01-team.png"


# ---------------------------------------------------------------------------- the picture


@needs_chromium
def test_the_png_is_a_1280x720_picture(con):
    from PIL import Image

    meeting_id = held_meeting(con)
    with slides.Renderer() as renderer:
        picture = slides.png(con, meeting_id, "Infra", renderer=renderer)
        again = slides.png(con, meeting_id, "Search", renderer=renderer)  # the same browser
    for made in (picture, again):
        assert made.startswith(b"\x89PNG\r\n\x1a\n")
        with Image.open(io.BytesIO(made)) as image:
            assert (image.format, image.size) == ("PNG", (1280, 720))


def test_no_browser_is_a_clear_error(con, tmp_path, monkeypatch):
    meeting_id = held_meeting(con)
    missing = tmp_path / "no-such-browser"
    monkeypatch.setenv("BROWSER_PATH", str(missing))
    with pytest.raises(SlideExportFailed, match=r"BROWSER_PATH names .*no-such-browser.*Chromium"):
        slides.png(con, meeting_id, "Infra")

    from choreographer.browsers import Chromium

    monkeypatch.delenv("BROWSER_PATH")
    monkeypatch.setattr(Chromium, "find_browser", classmethod(lambda cls, **_: None))
    with pytest.raises(SlideExportFailed) as found:
        slides.png(con, meeting_id, "Infra")
    assert str(found.value) == slides.NO_BROWSER
    assert "Install Chromium or Google Chrome" in str(found.value)
    assert "BROWSER_PATH" in str(found.value)


def test_a_browser_that_fails_is_a_clear_error(con, tmp_path, monkeypatch):
    meeting_id = held_meeting(con)
    broken = tmp_path / "broken-browser"
    broken.write_text("#!/bin/sh\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setenv("BROWSER_PATH", str(broken))
    renderer = slides.Renderer()
    with pytest.raises(SlideExportFailed, match="The browser could not draw the slide as a PNG"):
        slides.png(con, meeting_id, "Infra", renderer=renderer)
    renderer.close()  # nothing left running; closing again is harmless
    renderer.close()


# ---------------------------------------------------------------------------- the deck


def test_the_deck_has_a_slide_per_agenda_place_and_opens_offline(con):
    meeting_id = held_meeting(con)
    con.execute("DELETE FROM teams WHERE name = 'Search'")  # as undoing its import does
    deck = slides.deck_html(con, meeting_id)
    assert deck.startswith("<!DOCTYPE html>")
    places = [
        html.unescape(t)
        for t in re.findall(r'<section class="slide" [^>]*data-team="([^"]*)"', deck)
    ]
    assert places == ["Checkout", "Ledger", "Infra", "team 4 (removed)"]
    assert deck.count('<section class="slide') == 5  # and the title slide
    assert re.findall(r'aria-label="([^"]*)"', deck)[1:] == [
        "Team 1 of 4: Checkout", "Team 2 of 4: Ledger", "Team 3 of 4: Infra",
        "Team 4 of 4: team 4 (removed)",
    ]  # fmt: skip
    # plotly.js once, inline; no script, style or link from anywhere else.
    assert deck.count(get_plotlyjs()[:200]) == 1
    assert not re.search(r"<(script|link|img|iframe)[^>]*\b(src|href)=", deck)
    assert "http://" not in deck.replace(get_plotlyjs(), "").replace("http://www.w3.org", "")
    assert "https://" not in deck.replace(get_plotlyjs(), "")
    assert "This team was removed from ddq" in deck
    assert re.search(r"<h1>[^<]+ meeting</h1>", deck)  # the title slide
    assert '<p class="when">Wednesday 4 Mar 2026</p>' in deck


def test_the_deck_shows_hostile_text_as_text(tmp_path):
    found = H.build_hostile_db(tmp_path / "hostile.duckdb")
    with db.connect(tmp_path / "hostile.duckdb") as con:
        deck = slides.deck_html(con, found["meeting_id"])
        meeting = mt.get_meeting(con, found["meeting_id"])
        view = mt.team_view(con, found["meeting_id"], H.TEAM_SCRIPT)
        picture = slides.slide(view, meeting)
    body = deck.replace(get_plotlyjs(), "")
    for payload in H.PAYLOADS:
        if "<" in payload:
            assert payload not in body, payload
    assert H.PWNED + "</script>" not in body
    assert "javascript:" not in re.sub(
        r'<script type="application/json"[^>]*>.*?</script>', "", body, flags=re.S
    )  # only inside the figures' data
    assert body.count("<script") == 1 + len(meeting["teams"]) + 1  # plotly, figures, runner
    # Names on the title slide and in the slides' labels are escaped HTML...
    assert html.escape(H.TEAM_SCRIPT) in body
    assert html.escape(H.PROGRAM_NAME) in body
    # ...and the figures' JSON holds no "<" at all, so no text can close its element.
    for figure in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', body, re.S):
        assert "<" not in figure and ">" not in figure
    # On the slide, Plotly is given escaped text: it shows the characters, not markup.
    raw = [a.text for a in picture.layout.annotations]
    assert not any("<script" in t or "<img" in t or "<iframe" in t or "<a " in t for t in raw)
    title = f"Team {view['position'] + 1} of {len(meeting['teams'])}: {H.TEAM_SCRIPT}"
    assert title[:30] in said(picture)
    assert "What we're doing: " + H.NOTES["doing"].replace("\n", " ") in said(picture)


# ---------------------------------------------------------------------------- the command


def test_cli_writes_the_deck_and_a_slide(make_db, db_path, run_ddq, tmp_path):
    with db.connect(make_db()) as con:
        held_meeting(con)
    out = tmp_path / "deck.html"
    done = run_ddq("meeting", "slides", "--date", "2026-03-04", "--out", out)
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"wrote {out}: the meeting of 2026-03-04 (Whole program), a title slide and 4 team slides\n"
    )
    assert out.read_text(encoding="utf-8").count('<section class="slide') == 5

    wrong = run_ddq("meeting", "slides", "--date", "2026-03-04", "--team", "Nope")
    assert wrong.returncode == 1
    assert "'Nope' is neither a team on this meeting's agenda nor its number" in wrong.stderr
    both = run_ddq("meeting", "slides", "--date", "2026-03-04", "--id", "2")
    assert both.returncode == 2 and "Give --date or --id, not both." in both.stderr


@needs_chromium
def test_cli_writes_a_png_named_after_the_team(make_db, db_path, run_ddq, tmp_path, monkeypatch):
    with db.connect(make_db()) as con:
        held_meeting(con)
    done = run_ddq("meeting", "slides", "--id", "2", "--team", "3", "--out", tmp_path / "x.png")
    assert done.returncode == 0, done.stderr
    assert done.stdout == f"wrote {tmp_path / 'x.png'}: Infra (3 of 4), 1280x720\n"
    assert (tmp_path / "x.png").read_bytes().startswith(b"\x89PNG")
    missing = tmp_path / "none"
    monkeypatch.setenv("BROWSER_PATH", str(missing))
    failed = run_ddq("meeting", "slides", "--id", "2", "--team", "Infra")
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert f"BROWSER_PATH names '{missing}'" in failed.stderr
