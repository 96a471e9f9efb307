"""Pages run through Streamlit's AppTest against a database file of the test's own."""

from __future__ import annotations

from pathlib import Path

import pytest

from ddq import db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def no_sign_in_settings(monkeypatch):
    """Pages start in local mode unless a test configures sign-in itself."""
    for name in ("DDQ_EDITOR_PASSWORD", "DDQ_ADMIN_PASSWORD", "DDQ_ADMINS", "DDQ_EDITORS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def fresh_sign_in_throttle(monkeypatch):
    """Failed sign-ins count for the whole server: each test starts with none."""
    from ddq import throttle

    monkeypatch.setattr(throttle, "SIGN_IN", throttle.Throttle())


@pytest.fixture
def app_db(tmp_path, monkeypatch) -> Path:
    """An empty, migrated database that the app will use."""
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("DDQ_DB", str(path))
    with db.connect(path):
        pass
    return path


@pytest.fixture
def sample_db(tmp_path, monkeypatch) -> Path:
    """The sample organisation in a database the app uses (a named file starts empty)."""
    from ddq.access import SYSTEM
    from ddq.sample import fill_demo

    path = tmp_path / "sample.duckdb"
    with db.connect(path) as con:
        fill_demo(con, who=SYSTEM)
    monkeypatch.setenv("DDQ_DB", str(path))
    return path


@pytest.fixture
def page():
    """Build an AppTest for a page file or for the whole app."""
    from streamlit.testing.v1 import AppTest

    def build(relative: str) -> AppTest:
        at = AppTest.from_file(str(ROOT / relative), default_timeout=30)
        return at

    return build
