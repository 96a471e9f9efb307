"""Sign-in through AppTest: local mode, shared passwords, OpenID Connect; what a viewer sees."""

from __future__ import annotations

import pytest

from ddq import access, audit, db, settings
from ddq.access import ADMIN, SYSTEM, Actor
from ddq.sample import fill_demo
from ddq.ui import auth

PASSWORDS = {"ddq": {"editor_password": "edit-me", "admin_password": "admin-me"}}
OIDC = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-long-random-string",
        "client_id": "ddq",
        "client_secret": "secret",
        "server_metadata_url": "https://login.example.com/.well-known/openid-configuration",
    }
}
PAGES = ["overview", "trends", "progress", "meeting", "champions", "critical_bugs"]
# Not in a viewer's navigation; asked for anyway (an old link), they must offer nothing either.
HIDDEN = ["upload", "settings", "audit"]
# What may appear for a viewer: choosing what to look at, never changing anything.
# Buttons that change only what this person sees: moving on their own screen, presenter mode.
VIEWER_BUTTONS = {"Sign in", "Sign out", "◀ Previous", "Next ▶", "Present", "Leave", "◀", "▶",
                  "Previous team", "Next team"}  # fmt: skip


@pytest.fixture
def sample(tmp_path, monkeypatch):
    path = tmp_path / "s.duckdb"
    with db.connect(path) as con:
        fill_demo(con, who=SYSTEM)
    monkeypatch.setenv("DDQ_DB", str(path))
    return path


def run_page(page, name, secrets=None, user=None, session=None):
    at = page("app.py")
    if secrets:
        at.secrets.update(secrets)
    if user is not None:
        at.user = user
    at.switch_page(f"app_pages/{name}.py")
    at.run()
    if session:
        for key, value in session.items():
            at.session_state[key] = value
        at.run()
    return at


def nav_titles(at):
    """The pages the navigation offers this person."""
    return [p["page_name"] for p in at._registered_pages.values()]


def writing_controls(at):
    """Every widget on the page that could change something."""
    found = [b.label for b in at.button if b.label not in VIEWER_BUTTONS]
    found += [f"uploader {u.label}" for u in at.get("file_uploader")]
    found += ["data editor" for _ in at.get("arrow_data_frame") if getattr(_, "editable", False)]
    found += [
        f"toggle {t.label}"
        for t in at.toggle
        if t.label not in ("Summary for Slack", "Follow the presenter")
    ]
    found += [f"checkbox {c.label}" for c in at.checkbox]
    found += [f"text area {t.label}" for t in at.text_area]
    return found


def test_local_mode_says_anyone_may_edit(page, sample):
    at = run_page(page, "overview")
    assert not at.exception
    assert any("Local mode" in w.value and "README" in w.value for w in at.warning)
    assert nav_titles(at)[-3:] == ["Upload", "Settings", "Audit log"]


@pytest.mark.parametrize("name", PAGES + HIDDEN)
def test_a_viewer_sees_no_way_to_write(page, sample, name):
    at = run_page(page, name, secrets=PASSWORDS)
    assert not at.exception, at.exception
    assert not any("Local mode" in w.value for w in at.warning)
    assert writing_controls(at) == []
    assert "Upload" not in nav_titles(at) and "Settings" not in nav_titles(at)


@pytest.mark.parametrize("name", PAGES)
def test_an_oidc_visitor_who_is_not_signed_in_is_a_viewer(page, sample, name):
    at = run_page(page, name, secrets=OIDC, user={"is_logged_in": False})
    assert not at.exception, at.exception
    assert writing_controls(at) == []
    assert "Sign in" in [b.label for b in at.button]


def sign_in(at, name, password):
    form_inputs = {t.label: t for t in at.text_input}
    form_inputs["Your name (the audit log shows it)"].input(name)
    form_inputs["Password"].input(password)
    next(b for b in at.button if b.label == "Sign in").click()
    return at.run()


def test_a_wrong_password_is_refused_and_a_right_one_signs_in(page, sample):
    at = run_page(page, "champions", secrets=PASSWORDS)
    at = sign_in(at, "Ann Lee", "edit-me!")
    assert [e.value for e in at.error] == ["Wrong password. Ask an admin for the editor password."]
    assert writing_controls(at) == []

    at = sign_in(at, "Ann Lee", "edit-me")
    assert not at.error
    assert any("Signed in as **Ann Lee** · editor" in c.value for c in at.caption)
    assert "Save roster changes" in [b.label for b in at.button]
    assert "Upload" in nav_titles(at)
    assert "Settings" not in nav_titles(at) and "Audit log" not in nav_titles(at)

    next(b for b in at.button if b.label == "Sign out").click()
    at.run()
    assert writing_controls(at) == []


def test_the_admin_password_opens_settings_and_saves_as_that_person(page, sample):
    at = run_page(page, "champions", secrets=PASSWORDS)
    at = sign_in(at, "Ada Admin", "admin-me")
    at.switch_page("app_pages/settings.py")
    at.run()
    assert not at.exception
    inputs = {t.label: t for t in at.text_input}
    inputs["Program name"].input("Quality Guild")
    next(b for b in at.button if b.label == "Save settings").click()
    at.run()
    with db.connect(sample) as con:
        assert settings.current(con)["program_name"] == "Quality Guild"
        last = audit.entries(con, action="settings.update")[0]
    assert (last["who"], last["role"]) == ("Ada Admin", ADMIN)


def test_an_empty_name_is_refused(page, sample):
    at = run_page(page, "overview", secrets=PASSWORDS)
    at = sign_in(at, "   ", "edit-me")
    assert [e.value for e in at.error] == ["Write your name, so that changes can be traced to you."]


def test_password_check_compares_both_in_constant_time(monkeypatch):
    monkeypatch.setenv("DDQ_EDITOR_PASSWORD", "e")
    monkeypatch.setenv("DDQ_ADMIN_PASSWORD", "a")
    calls = []
    import hmac

    real = hmac.compare_digest
    monkeypatch.setattr(auth.hmac, "compare_digest", lambda x, y: calls.append(1) or real(x, y))
    assert auth.password_role("a") == "admin"
    assert auth.password_role("e") == "editor"
    assert auth.password_role("") is None
    assert auth.password_role("x") is None
    assert len(calls) == 8  # both passwords compared every time
    monkeypatch.delenv("DDQ_ADMIN_PASSWORD")
    assert auth.password_role("a") is None


def test_oidc_roles_come_from_the_database(page, sample):
    with db.connect(sample) as con:
        access.set_role(con, "ann@example.com", "editor", who=Actor("boss", ADMIN))
    user = {"is_logged_in": True, "email": "Ann@Example.com", "name": "Ann"}
    at = run_page(page, "champions", secrets=OIDC, user=user)
    assert not at.exception
    assert "Save roster changes" in [b.label for b in at.button]
    # (An address shows as text, never a link: a word joiner sits before its "@".)
    assert any(c.value.replace("\u2060", "").startswith("Signed in as **Ann@Example")
               and c.value.endswith("· editor") for c in at.caption)  # fmt: skip

    stranger = {"is_logged_in": True, "email": "zed@example.com"}
    at = run_page(page, "champions", secrets=OIDC, user=stranger)
    assert writing_controls(at) == []
    assert any("You are signed in as a viewer" in c.value for c in at.caption)


def test_oidc_admins_can_come_from_the_configuration(page, sample):
    secrets = {**OIDC, "ddq": {"admins": ["boss@example.com"]}}
    at = run_page(page, "audit", secrets=secrets,
                  user={"is_logged_in": True, "email": "boss@example.com"})  # fmt: skip
    assert not at.exception
    assert [t.value for t in at.title] == ["Audit log"]
    assert at.dataframe  # the sample's changes are listed


def test_an_admin_gives_and_takes_roles_on_the_settings_page(page, sample):
    secrets = {**OIDC, "ddq": {"admins": ["boss@example.com"]}}
    boss = {"is_logged_in": True, "email": "boss@example.com"}
    at = run_page(page, "settings", secrets=secrets, user=boss)
    assert not at.exception
    assert any("boss@example.com" in str(f.value["Email"].tolist()) for f in at.dataframe)
    next(t for t in at.text_input if t.label == "Email address").input("Ann@Example.com")
    next(r for r in at.radio if r.label == "Role").set_value("editor")
    next(b for b in at.button if b.label == "Save role").click()
    at.run()
    assert not at.error
    with db.connect(sample) as con:
        assert access.role_for(con, "ann@example.com") == "editor"
        assert audit.entries(con, action="role.set")[0]["who"] == "boss@example.com"

    # Ann, signed in, is an editor now; and cannot make herself an admin.
    ann = {"is_logged_in": True, "email": "ann@example.com"}
    at = run_page(page, "champions", secrets=OIDC, user=ann)
    assert "Save roster changes" in [b.label for b in at.button]
    with db.connect(sample) as con, pytest.raises(access.NotAllowed):
        access.set_role(con, "ann@example.com", "admin", who=Actor("ann@example.com", "editor"))
