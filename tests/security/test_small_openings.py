"""The smaller openings: a file with no line breaks, a file of 20,000 columns, formulas hidden
behind invisible or full-width characters, and web addresses in text that is meant to be plain."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from ddq import critical, db, roster, settings
from ddq.access import ADMIN, Actor
from ddq.export import export_roster, formula_safe
from ddq.ingest import csvfile
from ddq.ingest.bugs import import_bugs
from ddq.ingest.csvfile import MAX_CELL_CHARS, MAX_COLUMNS, strip_export_quote
from ddq.ingest.metrics import import_metrics
from ddq.ingest.problems import ImportRejected
from ddq.ingest.roster import import_roster
from ddq.ui.format import plain

ADA = Actor("ada", ADMIN)
IMPORTERS = {
    "metrics": lambda con, data: import_metrics(con, data, file_name="x.csv", who=ADA),
    "roster": lambda con, data: import_roster(con, data, file_name="x.csv", who=ADA),
    "bugs": lambda con, data: import_bugs(
        con, data, file_name="x.csv", who=ADA, format="csv", mapping={"key": "a", "created": "b"}
    ),
}


@pytest.fixture
def con(tmp_path):
    with db.connect(tmp_path / "small.duckdb") as connection:
        yield connection


def refusal(con, kind: str, data: bytes) -> str:
    with pytest.raises(ImportRejected) as refused:
        IMPORTERS[kind](con, data)
    return str(refused.value)


@pytest.mark.parametrize("kind", list(IMPORTERS))
def test_two_megabytes_without_a_line_break_is_a_listed_problem(con, kind):
    said = refusal(con, kind, b"x" * 2_000_000)
    assert "line 1" in said and "first line is 2,000,000 characters long" in said


@pytest.mark.parametrize("kind", list(IMPORTERS))
def test_a_cell_that_never_ends_is_named_with_its_line(con, kind):
    header = {"metrics": b"team,week,metric,value\n", "roster": b"area,team,champion,email,since\n",
              "bugs": b"a,b\n"}[kind]  # fmt: skip
    said = refusal(con, kind, header + b'x,"' + b"y" * (MAX_CELL_CHARS + 10))
    assert "line 2" in said and f"longer than {MAX_CELL_CHARS:,} characters" in said


def test_twenty_thousand_columns_are_refused_before_they_are_parsed(con, monkeypatch):
    header = "team,week," + ",".join("m" * 20_000)  # 20,000 one-letter columns
    data = (header + "\nAlpha,2026-01-05," + ",".join("1" * 20_000) + "\n").encode()
    assert len(data) < 200_000
    parsed = []
    monkeypatch.setattr(csvfile, "_stage_with_duckdb", lambda *a, **k: parsed.append(1))
    started = time.process_time()
    said = refusal(con, "metrics", data)
    assert f"20,002 columns; ddq reads files of at most {MAX_COLUMNS:,}" in said
    assert not parsed  # refused from the header alone
    assert time.process_time() - started < 5  # a bound on a failure, not a measurement


@pytest.mark.parametrize("cell", ["＝1+1", "\u200b=cmd|' /C calc'!A0", "\ufeff=1+1",
                                  "\u2060@SUM(A1)", "＋cmd", "＠x", "'\u200b=y"])  # fmt: skip
def test_formulas_behind_invisible_or_full_width_characters_are_guarded(cell):
    written = formula_safe(cell)
    assert written.startswith("'") and strip_export_quote(written) == cell


def test_guarded_names_survive_an_export_and_import_back(con, tmp_path):
    names = ["＝HYPERLINK(1)", "\u200b=1+1", "\ufeff@SUM(A1)"]
    for name in names:
        roster.add_team(con, name, "Core", who=ADA)
    out = tmp_path / "roster.csv"
    export_roster(con, out)
    text = out.read_text(encoding="utf-8")
    for name in names:
        assert "'" + name in text
    with db.connect(tmp_path / "again.duckdb") as fresh:
        import_roster(fresh, out, file_name="roster.csv", who=ADA)
        back = {n for (n,) in fresh.execute("SELECT name FROM teams").fetchall()}
    assert set(names) <= back


@pytest.mark.parametrize("text", ["https://evil.example/x", "see www.evil.example now",
                                  "mail me@evil.example", "HTTP://EVIL.EXAMPLE"])  # fmt: skip
def test_addresses_in_plain_text_are_not_links(text):
    shown = plain(text)
    assert "://" not in shown.replace("\\", "") or "\u2060" in shown
    assert shown.replace("\u2060", "").replace("\\", "") == text


# ---------------------------------------------------------------- as a browser shows it


@pytest.mark.e2e
def test_the_program_name_and_a_rationale_show_no_link(tmp_path, browser):
    from tests.e2e.server import running_app
    from tests.e2e.settle import visit

    path = tmp_path / "links.duckdb"
    with db.connect(path) as con:
        roster.add_team(con, "Alpha", "Core", who=ADA)
        settings.update(con, {"program_name": "Quality https://evil.example/a"}, who=ADA)
        version = critical.create_draft(con, title="Critical", who=ADA,
                                        rule={"field": "priority", "in": ["Critical"]},
                                        rationale="As on www.evil.example, ask me@evil.example")  # fmt: skip
        critical.propose(con, version, who=ADA)
        critical.adopt(con, version, effective_from=dt.date(2026, 1, 5), who=ADA)
    with running_app(path, tmp_path / "server.log") as app:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        try:
            for where, expect in (("", "Quality"), ("/critical_bugs", "As on")):
                visit(page, app.url + where, page.get_by_text(expect).first)
                links = page.eval_on_selector_all(
                    "a[href]", "els => els.map(e => e.getAttribute('href'))"
                )
                assert not [h for h in links if "evil" in h], (where, links)
        finally:
            page.close()
