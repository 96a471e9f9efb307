"""A first day: which database the app starts on, what it says, and the sample removed.

The default file starts with the sample organisation; a file the configuration names starts
empty; the "database created" banner shows once, on the run that created the file; and
after the sample is removed every page opens without an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ddq import db
from ddq.access import ADMIN, SYSTEM, Actor
from ddq.check import run_checks
from ddq.ingest.undo import undo
from ddq.sample import fill_demo
from tests.pages import sweep
from tests.pages.sweep import open_page

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted(p.stem for p in (ROOT / "app_pages").glob("*.py"))
CREATED = "No database existed"


def _infos(at) -> list[str]:
    return [info.value for info in at.info]


def _created_banners(at) -> list[str]:
    return [text for text in _infos(at) if text.startswith(CREATED)]


@pytest.fixture
def no_configured_database(tmp_path, monkeypatch) -> Path:
    """No DDQ_DB: the app uses data/ddq.duckdb under the working directory (here a tmp one)."""
    monkeypatch.delenv("DDQ_DB", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path / "data" / "ddq.duckdb"


def _teams(path: Path) -> int:
    with db.connect(path) as con:
        return db.scalar(con, "SELECT count(*) FROM teams")


def test_the_default_file_starts_with_the_sample_and_says_so_once(no_configured_database, page):
    at = page("app.py").run()
    assert not at.exception
    assert no_configured_database.exists() and _teams(no_configured_database) == 16
    [banner] = _created_banners(at)
    assert "sample organisation" in banner and "data/ddq.duckdb" in banner
    assert len(at.metric) == 8

    at.run()  # the same session, its next run: the file is no news any more
    assert not at.exception
    assert _created_banners(at) == []
    assert any("You are looking at the **sample organisation**" in t for t in _infos(at))

    later = page("app.py").run()  # another session of the same server
    assert _created_banners(later) == []
    assert any("ddq demo --remove" in t for t in _infos(later))


def test_a_named_file_that_does_not_exist_starts_empty(tmp_path, monkeypatch, page):
    path = tmp_path / "ours" / "quality.duckdb"
    monkeypatch.setenv("DDQ_DB", str(path))
    at = page("app.py").run()
    assert not at.exception
    assert path.exists() and _teams(path) == 0
    with db.connect(path) as con:
        assert db.scalar(con, "SELECT count(*) FROM imports") == 0
        assert all(f.ok for f in run_checks(con))
    [banner] = _created_banners(at)
    assert f"No database existed at `` {path} ``, so ddq created it, **empty**" in banner
    for step in ("roster", "metrics", "critical-bug definition", f"ddq --db {path} demo"):
        assert step in banner
    assert not at.metric

    at.run()
    assert _created_banners(at) == []
    assert any(t.startswith("This database holds no teams yet.") for t in _infos(at))


def test_a_database_named_in_the_secrets_starts_empty(tmp_path, no_configured_database, page):
    path = tmp_path / "from-secrets.duckdb"
    at = page("app.py")
    at.secrets["ddq"] = {"database": str(path)}
    at.run()
    assert not at.exception
    assert path.exists() and _teams(path) == 0
    assert not no_configured_database.exists()
    assert "**empty**" in _created_banners(at)[0]


def test_an_existing_file_is_left_as_it_is_and_not_announced(app_db, page):
    at = page("app.py").run()
    assert not at.exception
    assert _created_banners(at) == []
    assert _teams(app_db) == 0


def test_after_removing_the_sample_on_the_upload_page_every_page_opens(tmp_path, monkeypatch, page):
    path = tmp_path / "sample.duckdb"
    monkeypatch.setenv("DDQ_DB", str(path))
    with db.connect(path) as con:
        fill_demo(con, teams=8, weeks=30, who=SYSTEM)
    upload = page("app_pages/upload.py").run()
    next(c for c in upload.checkbox if c.label.startswith("Restore exactly")).check()
    next(b for b in upload.button if b.label == "Undo import").click().run()
    assert not upload.exception
    assert any(s.value.startswith("Import 1 undone") for s in upload.success)
    for name in PAGES:
        at = open_page(name)
        assert not at.exception, (name, [e.message for e in at.exception])
        assert not at.error, (name, [e.value for e in at.error])
        assert any(t.startswith("This database holds no teams yet.") for t in _infos(at)), name
    with db.connect(path) as con:
        assert all(f.ok for f in run_checks(con)), [f for f in run_checks(con) if not f.ok]
        for table in ("teams", "areas", "meetings", "critical_defs", "events", "targets"):
            assert db.scalar(con, f"SELECT count(*) FROM {table}") == 0, table
    assert any("the sample organisation is removed" in s.value for s in upload.success)


@pytest.mark.parametrize("name", ["critical_bugs", "meeting"])
def test_after_removing_the_sample_its_pages_take_every_input(name, tmp_path, monkeypatch):
    """The pages that showed the sample's definitions, stances and meetings, used."""
    path = tmp_path / "removed.duckdb"
    monkeypatch.setenv("DDQ_DB", str(path))
    with db.connect(path) as con:
        sample = fill_demo(con, teams=8, weeks=30, who=SYSTEM)
        undo(con, sample["import_id"], who=Actor("coach", ADMIN))
    failures, _ = sweep.sweep(lambda: sweep.open_page(name), f"{name} after the sample")
    assert not failures, "\n".join(failures)
