"""Guessing the shared password: many sessions side by side are slowed down together, then
locked out, and every failure is in the audit log without what was typed."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from ddq import audit, clock, db, throttle
from ddq.throttle import ACCOUNT, ADDRESS, Throttle

SECRETS = {"ddq": {"editor_password": "right-horse", "admin_password": "battery-staple"}}
NOON = dt.datetime(2026, 12, 3, 12, 0)


def keys(address: str) -> dict[str, throttle.Policy]:
    return {f"address {address}": ADDRESS, "shared password": ACCOUNT}


def client(address: str) -> dict[str, throttle.Policy]:
    return {f"address {address}": ADDRESS}


def test_a_client_gets_a_few_tries_then_growing_waits_then_a_lockout():
    guard = Throttle()
    with clock.frozen(NOON):
        for _ in range(ADDRESS.free_failures):
            assert guard.refusal(client("10.0.0.1")) is None
            guard.failed(client("10.0.0.1"))
        wait = guard.refusal(client("10.0.0.1"))
        assert wait is not None and not wait.locked and wait.seconds == 2
    with clock.frozen(NOON + dt.timedelta(seconds=2)):
        assert guard.refusal(client("10.0.0.1")) is None
        guard.failed(client("10.0.0.1"))
        assert guard.refusal(client("10.0.0.1")).seconds == 4  # doubled
    lock_starts = NOON + dt.timedelta(seconds=10)
    with clock.frozen(lock_starts):
        for _ in range(ADDRESS.lock_after - ADDRESS.free_failures - 1):
            guard.failed(client("10.0.0.1"))
        locked = guard.refusal(client("10.0.0.1"))
        assert locked.locked and locked.seconds == ADDRESS.lock_for.total_seconds()
        assert "locked for 15 more minutes" in locked.message()
        assert guard.refusal(client("10.0.0.2")) is None  # another client may still try
    with clock.frozen(lock_starts + ADDRESS.lock_for):
        assert guard.refusal(client("10.0.0.1")) is None


def test_forty_sessions_from_forty_addresses_are_stopped_by_the_account():
    """The parallel attack as reported (40 sessions, 160 guesses in 12.6 s), kept up for
    ten minutes from a new address each time: the shared account's waits hold them all
    back, then it locks."""
    guard = Throttle()
    guesses, moment = 0, NOON
    while moment < NOON + dt.timedelta(minutes=10):
        with clock.frozen(moment):
            for session in range(40):
                attacker = keys(f"10.{session}.{moment.minute}.{moment.second}")
                if guard.refusal(attacker) is None:
                    guard.failed(attacker)
                    guesses += 1
        moment += dt.timedelta(seconds=0.25)
    assert guesses == ACCOUNT.lock_after  # then locked for everyone
    with clock.frozen(moment):
        assert guard.refusal(keys("10.99.0.1")).locked


def test_a_right_password_clears_the_client_but_not_the_account():
    guard = Throttle()
    with clock.frozen(NOON):
        for _ in range(3):
            guard.failed(keys("10.0.0.1"))
        guard.succeeded("address 10.0.0.1")
        assert guard.failures("address 10.0.0.1") == 0
        assert guard.failures("shared password") == 3


# ------------------------------------------------------------------------- in the app


def sign_in(page, password: str, name: str = "Mallory"):
    at = page("app.py")
    at.secrets.update(SECRETS)
    at.run()
    at.text_input[0].input(name)
    at.text_input[1].input(password)
    next(b for b in at.button if b.label == "Sign in").click().run()
    return at


def errors(at) -> list[str]:
    return [e.value for e in at.error]


@pytest.fixture
def app_path(tmp_path, monkeypatch):
    path = tmp_path / "app.duckdb"
    monkeypatch.setenv("DDQ_DB", str(path))
    with db.connect(path):
        pass
    monkeypatch.setattr(throttle, "SIGN_IN", Throttle())
    return path


def test_new_sessions_are_refused_once_the_server_has_seen_enough_wrong_passwords(app_path, page):
    with clock.frozen(NOON):
        for attempt in range(ADDRESS.free_failures):
            at = sign_in(page, f"guess-{attempt}")  # a new session each time
            assert any("Wrong password" in e for e in errors(at))
        # A fresh session, even with the right password, waits: the count is the server's.
        at = sign_in(page, "right-horse", name="Ann")
        assert any("wait 2 s" in e for e in errors(at)), errors(at)
        assert not any(c.value.startswith("Signed in") for c in at.sidebar.caption)
    with clock.frozen(NOON + dt.timedelta(seconds=3)):
        at = sign_in(page, "right-horse", name="Ann")
        assert not errors(at)
    with db.connect(app_path) as con:
        failures = audit.entries(con, action="signin.failed", limit=None)
    assert len(failures) == ADDRESS.free_failures
    for row in failures:
        assert row["who"] == "guest" and row["subject"] == "Mallory"
        details = json.dumps(row, default=str)
        assert "guess-" not in details and "right-horse" not in details  # never the password


def test_the_pages_stay_readable_while_sign_in_is_locked(app_path, page):
    with clock.frozen(NOON):
        for _ in range(ACCOUNT.lock_after):
            throttle.SIGN_IN.failed({"address elsewhere": ADDRESS, "shared password": ACCOUNT})
        at = sign_in(page, "right-horse", name="Ann")
        assert any("locked" in e for e in errors(at))
        assert not at.exception
