"""An empty or blank secret is not set: it never turns sign-in off."""

from __future__ import annotations

import pytest

from ddq import db


@pytest.fixture(autouse=True)
def app_path(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("DDQ_DB", str(path))
    for name in ("DDQ_EDITOR_PASSWORD", "DDQ_ADMIN_PASSWORD", "DDQ_ADMINS", "DDQ_EDITORS"):
        monkeypatch.delenv(name, raising=False)
    with db.connect(path):
        pass
    return path


def run(page, secrets):
    at = page("app.py")
    at.secrets.update(secrets)
    return at.run()


def local_mode(at) -> bool:
    return any("Local mode" in w.value for w in at.warning)


def test_empty_secrets_fall_through_to_the_passwords_in_the_environment(page, monkeypatch):
    monkeypatch.setenv("DDQ_EDITOR_PASSWORD", "right-horse")
    monkeypatch.setenv("DDQ_ADMIN_PASSWORD", "battery-staple")
    at = run(page, {"ddq": {"editor_password": "", "admin_password": "   "}})
    assert not at.exception and not local_mode(at)
    assert any(b.label == "Sign in" for b in at.button)
    assert "Upload" not in [p["page_name"] for p in at._registered_pages.values()]


@pytest.mark.parametrize("secrets", [
    {"ddq": {"editor_password": "", "admin_password": ""}},
    {"ddq": {"admin_password": " \t "}},
])  # fmt: skip
def test_a_named_password_with_no_value_stops_the_app_instead_of_opening_it(page, secrets):
    at = run(page, secrets)
    assert not at.exception and not local_mode(at)
    assert any("Sign-in is configured" in e.value and "has no password" in e.value
               for e in at.error)  # fmt: skip
    assert not at._registered_pages or "Upload" not in str(at._registered_pages)


def test_an_empty_environment_variable_stops_the_app_too(page, monkeypatch):
    monkeypatch.setenv("DDQ_ADMIN_PASSWORD", "")
    at = run(page, {})
    assert any("has no password" in e.value for e in at.error)


def test_no_password_setting_at_all_is_local_mode_and_says_so(page):
    assert local_mode(run(page, {}))
