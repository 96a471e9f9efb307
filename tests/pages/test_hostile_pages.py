"""Every page over a database full of hostile text, and with hostile links, through AppTest.

What a person typed is shown escaped (tests/hostile_data.py holds the payloads): no Markdown
body, label or tooltip holds a payload as written, nothing allows HTML, Plotly gets the
names escaped, and the escaped text is there to read. The same database in a real browser
is tests/e2e/test_hostile_browser.py.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ddq import db
from ddq.ui.format import plain
from tests import hostile_data as H
from tests.hostile_data import SQL_PAYLOADS, counts

PAGES = ["overview", "trends", "progress", "meeting", "champions", "critical_bugs", "upload",
         "settings", "audit"]  # fmt: skip
# The start of each payload as HTML or Markdown would read it: none may reach a renderer.
RAW = ("<script", "<img", "<iframe", "<svg", "<a href", "![x](", "[link](", ":red[loud]",
       "**bold**", "`code`", "$x^2$")  # fmt: skip
HTML_RAW = RAW[:5]
# Fields that Streamlit renders as Markdown; widgets' values and options are plain text.
MARKDOWN_FIELDS = ("body", "label", "help")
PLAIN_TEXT = {"text", "code", "text_area", "text_input", "selectbox", "multiselect", "json",
              "dataframe", "arrow_data_frame", "arrow_table", "plotly_chart"}  # fmt: skip


@pytest.fixture(scope="module")
def hostile_db(tmp_path_factory) -> tuple[Path, dict[str, Any]]:
    path = tmp_path_factory.mktemp("hostile") / "hostile.duckdb"
    return path, H.build_hostile_db(path)


@pytest.fixture
def hostile(hostile_db, monkeypatch) -> dict[str, Any]:
    path, info = hostile_db
    monkeypatch.setenv("DDQ_DB", str(path))
    return {"path": path, **info}


def open_page(page, name: str, **query: str | list[str]):
    at = page("app.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(f"app_pages/{name}.py")
    return at.run()


def nodes(node) -> Iterator[Any]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def rendered(at) -> list[tuple[str, str]]:
    """(element type, text) for every piece of text that Streamlit renders as Markdown."""
    found = []
    for node in nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or node.type in PLAIN_TEXT:
            continue
        for field, value in proto.ListFields():
            if field.name in MARKDOWN_FIELDS and isinstance(value, str):
                found.append((node.type, value))
            if field.name in ("expandable", "popover", "tab") and hasattr(value, "label"):
                found.append((field.name, value.label))
    return found


def check_page(at) -> str:
    """No exception, nothing allows HTML, no payload reaches a renderer; the Markdown shown."""
    assert not at.exception, [e.value for e in at.exception]
    for node in nodes(at._tree):
        assert node.type not in ("html", "iframe"), node.type
        proto = getattr(node, "proto", None)
        assert not getattr(proto, "allow_html", False), node.type
    shown = rendered(at)
    for kind, text in shown:
        for start in RAW:  # escaped ("\\<script") is text; as written, it is markup
            assert not re.search(r"(?<!\\)" + re.escape(start), text), (kind, text)
    for chart in at.get("plotly_chart"):
        strings = list(_strings(json.loads(chart.proto.spec)))
        for start in HTML_RAW:
            assert not any(start in s for s in strings), start
    return "\n".join(text for _, text in shown)


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


@pytest.mark.parametrize("name", PAGES)
def test_every_page_shows_hostile_text_as_text(hostile, page, name):
    at = open_page(page, name)
    shown = check_page(at)
    assert plain(H.PROGRAM_NAME) in shown  # the sidebar, on every page
    expected = {
        "overview": [plain(H.BUGS_FILE)],
        "champions": [plain(H.TEAM_SVG), plain(H.AREA), plain(H.LEADER)],
        "critical_bugs": [plain(H.DEFINITION_TITLE), plain(H.RATIONALE), plain(H.LABEL)],
        "meeting": [plain(H.TEAM_IMAGE), plain(H.OTHER_CHAMPION)],  # the agenda's first team
    }
    for text in expected.get(name, []):
        assert text in shown, text


def test_a_teams_notes_and_the_chart_of_hostile_teams(hostile, page):
    at = open_page(page, "meeting", meeting=str(hostile["meeting_id"]), team=H.TEAM_SCRIPT)
    shown = check_page(at)
    assert plain(H.ACTION) in shown and plain(H.ACTION_OWNER) in shown
    assert plain(H.CHAMPION) in shown
    notes = {t.label: t.value for t in at.text_area}
    assert sorted(notes.values()) == sorted(H.NOTES.values())  # in the boxes, as typed

    at = open_page(page, "progress", team=H.TEAM_SCRIPT)
    shown = check_page(at)
    assert plain(H.TEAM_SCRIPT) in shown and plain(H.CHAMPION) in shown

    at = open_page(page, "trends", scope="Teams", team=[H.TEAM_SCRIPT, H.TEAM_LINK, H.TEAM_ANCHOR])
    check_page(at)
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    names = sorted(t["name"] for t in spec["data"])
    assert names == sorted(
        html.escape(n, quote=False) for n in (H.TEAM_SCRIPT, H.TEAM_LINK, H.TEAM_ANCHOR)
    )
    assert all(t["hovertemplate"].startswith("%{fullData.name}") for t in spec["data"])

    at = open_page(page, "trends", scope="Area", area=H.AREA)
    check_page(at)
    subtitle = json.loads(at.get("plotly_chart")[0].proto.spec)["layout"]["title"]["subtitle"]
    assert subtitle["text"].startswith(html.escape(H.AREA, quote=False))


HOSTILE_LINKS = [*H.PAYLOADS, *SQL_PAYLOADS[:4]]


@pytest.mark.parametrize("name", ["overview", "trends", "progress", "meeting", "champions"])
def test_hostile_links_fall_back_and_say_so_as_text(hostile, page, name):
    """A link posted in chat: every parameter a page reads, set to payloads."""
    with db.connect(hostile["path"]) as con:
        before = counts(con)
    keys = ("area", "team", "metric", "scope", "weeks", "rolling", "baseline", "meeting", "q")
    for payload in (HOSTILE_LINKS[0], HOSTILE_LINKS[5], HOSTILE_LINKS[-4], HOSTILE_LINKS[-3]):
        at = open_page(page, name, **{k: payload for k in keys})
        shown = check_page(at)
        # A search takes any text; the meeting page falls back without a word.
        if name not in ("champions", "meeting"):
            assert "not available here" in shown or "Not shown from the link" in shown
    with db.connect(hostile["path"]) as con:
        assert counts(con) == before


def test_search_and_team_links_take_every_payload(hostile, page):
    for payload in HOSTILE_LINKS:
        at = open_page(page, "champions", q=payload)
        check_page(at)
        at = open_page(page, "trends", scope="Teams", team=[payload, H.TEAM_IMAGE])
        shown = check_page(at)
        assert plain(payload) in shown  # "Not shown from the link: ..."


def test_errors_and_file_names_that_quote_hostile_text_show_it_as_text(hostile, page):
    at = open_page(page, "champions")
    next(t for t in at.text_input if t.label == "New team").input(H.TEAM_SCRIPT)
    next(b for b in at.button if b.label == "Add team").click().run()
    shown = check_page(at)
    assert f"There is already a team {plain(repr(H.TEAM_SCRIPT))}" in shown

    at = open_page(page, "upload")
    bad = b"team,week,metric,value\n" + H.TEAM_SCRIPT.encode() + b",nope,open_bugs,x\n"
    at.file_uploader[0].set_value((H.METRICS_FILE, bad, "text/csv")).run()
    shown = check_page(at)
    assert plain(H.METRICS_FILE) in shown and at.error


def test_the_data_behind_a_chart_of_formula_teams_is_formula_safe(app_db, page, monkeypatch):
    """The Trends page's download, read back from Streamlit's media store."""
    import streamlit.testing.v1.app_test as app_test
    from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage

    from ddq.ingest.metrics import import_metrics
    from tests.pages.builders import week

    stores: list[MemoryMediaFileStorage] = []

    class Recording(MemoryMediaFileStorage):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            stores.append(self)

    monkeypatch.setattr(app_test, "MemoryMediaFileStorage", Recording)
    teams = {"=HYPERLINK(\"http://x\",\"y\")": "'=HYPERLINK(\"http://x\",\"y\")", "+cmd": "'+cmd",
             "@SUM(A1)": "'@SUM(A1)", "-10": "-10", "-cmd": "'-cmd"}  # fmt: skip
    rows = [["team", "week", "metric", "value"]]
    rows += [[t, week(ago), "open_bugs", "3"] for t in teams for ago in range(3)]
    with db.connect(app_db) as con:
        import_metrics(con, H.csv_bytes(rows), file_name="f.csv", who=H.WHO, create_teams=True)
    at = open_page(page, "trends", metric="open_bugs", scope="Teams", team=list(teams))
    check_page(at)
    button = next(b for b in at.get("download_button") if b.proto.label.endswith("(CSV)"))
    file_id = button.proto.url.rsplit("/", 1)[-1].split(".")[0]
    data = next(s for s in stores if file_id in s._files_by_id)._files_by_id[file_id].content
    written = list(csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")))
    assert {r["team"] for r in written} == set(teams.values())
    assert {r["value"] for r in written} == {"3"}


def test_the_champions_page_offers_the_formula_safe_roster(hostile, page):
    at = open_page(page, "champions")
    check_page(at)
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download the roster (CSV), to edit and import again"]
