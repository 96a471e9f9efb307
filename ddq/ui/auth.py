"""Sign-in: who is using the app, and in which role.

Three modes, chosen by the app's configuration (``.streamlit/secrets.toml`` or the
environment), in this order:

- **oidc**: an ``[auth]`` section is configured, so people sign in with their company
  account through ``st.login``; their role comes from ``ddq.access.role_for`` (the
  ``user_roles`` table, or the ``admins`` and ``editors`` lists of the ``[ddq]`` section or
  ``DDQ_ADMINS`` / ``DDQ_EDITORS``). Anyone not signed in, or not given a role, is a viewer.
- **password**: a shared editor and/or admin password is configured (``[ddq]``
  ``editor_password`` / ``admin_password``, or ``DDQ_EDITOR_PASSWORD`` /
  ``DDQ_ADMIN_PASSWORD``). Everyone views; whoever types a password and their name acts in
  that role for the rest of their session. Passwords are compared in constant time.
- **local**: neither is configured. Everyone who can open the app may change everything, and
  a banner says so and how to turn sign-in on.

The role decides what the pages offer; ``ddq.access`` enforces it again in every write.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from typing import Any

import streamlit as st

from ddq import access, db, throttle
from ddq.access import ADMIN, EDITOR, VIEWER, Actor
from ddq.errors import DdqError
from ddq.ui import state
from ddq.ui.format import plain

LOCAL, PASSWORD, OIDC = "local", "password", "oidc"
_SESSION_KEY = "ddq_signed_in"  # (name, role) after a right password
GUEST = "guest"  # the name of a viewer who has not signed in


def _secrets() -> Mapping[str, Any]:
    """The app's secrets, or nothing when there is no secrets file."""
    try:
        if st.secrets.load_if_toml_exists():
            return st.secrets
    except Exception:  # an unreadable secrets file is as good as none; Streamlit logs it
        pass
    return {}


def _ddq_section() -> Mapping[str, Any]:
    section = _secrets().get("ddq", {})
    return section if isinstance(section, Mapping) else {}


def _setting(key: str) -> str:
    """A ``[ddq]`` secret, else the ``DDQ_<KEY>`` environment variable, else empty.

    An empty or blank value is not set: a secrets file with ``editor_password = ""`` falls
    through to the environment, never to "no password".
    """
    value = _ddq_section().get(key)
    if isinstance(value, list | tuple):
        value = ",".join(str(v) for v in value)
    if value is None or not str(value).strip():
        value = os.environ.get("DDQ_" + key.upper(), "")
    return str(value) if str(value).strip() else ""


def _named(key: str) -> bool:
    """Whether the configuration names ``key`` at all, with a usable value or not."""
    return key in _ddq_section() or ("DDQ_" + key.upper()) in os.environ


class SignInMisconfigured(DdqError):
    """Sign-in is asked for, but with nothing that could check anyone."""


def _providers() -> list[str]:
    """Named OIDC providers of the ``[auth]`` section; [""] for the default one."""
    section = _secrets().get("auth", {})
    if not isinstance(section, Mapping) or not section:
        return []
    named = [k for k, v in section.items() if isinstance(v, Mapping) and v.get("client_id")]
    return named or ([""] if section.get("client_id") or section.get("server_metadata_url") else [])


def mode() -> str:
    """How people sign in. A password setting that is named but empty stops the app: it
    would otherwise run in local mode, where everyone is an admin."""
    if _providers():
        return OIDC
    if _setting("editor_password") or _setting("admin_password"):
        return PASSWORD
    named = [k for k in ("editor_password", "admin_password") if _named(k)]
    if named:
        raise SignInMisconfigured(
            f"Sign-in is configured ({' and '.join(named)}) but has no password: each is "
            "empty or blank in .streamlit/secrets.toml and in the environment (DDQ_"
            f"{named[0].upper()}). Set a password, or remove the setting to run in local "
            "mode, where anyone may change everything."
        )
    return LOCAL


def configured_roles() -> dict[str, str]:
    """Email to role, as the configuration names people (``[ddq] admins`` and ``editors``)."""

    def names(key: str) -> list[str]:
        return [n for n in _setting(key).split(",") if n.strip()]

    return access.configured_roles(names("admins"), names("editors"))


@st.cache_data(max_entries=256, show_spinner=False)
def _role_of(email: str, configured: tuple[tuple[str, str], ...], path: str,
             stamp: tuple[int, int]) -> str:  # fmt: skip
    with db.connect(path) as con:
        return access.role_for(con, email, dict(configured))


def current() -> Actor:
    """The person using this session, with their role (a guest viewer when not signed in)."""
    how = mode()
    if how == LOCAL:
        return Actor("local user", ADMIN)
    if how == OIDC:
        user = st.user
        email = user.get("email") if user.get("is_logged_in") else None
        if not email:
            return Actor(GUEST, VIEWER)
        configured = tuple(sorted(configured_roles().items()))
        role = _role_of(str(email), configured, str(state.db_path()), state.version())
        return Actor(str(email), role)
    signed_in = st.session_state.get(_SESSION_KEY)
    if signed_in:
        name, role = signed_in
        return Actor(name, role)
    return Actor(GUEST, VIEWER)


def password_role(typed: str) -> str | None:
    """The role a typed password opens (admin before editor), or None.

    Both configured passwords are always compared, in constant time, so the time taken
    says nothing about either.
    """
    typed_bytes = typed.encode("utf-8")
    matches = {}
    for role in (ADMIN, EDITOR):
        expected = _setting(f"{role}_password")
        # An unset password compares against a value nobody can type, taking the same time.
        candidate = expected.encode("utf-8") if expected else b"\0unset\0"
        matches[role] = hmac.compare_digest(typed_bytes, candidate) and bool(expected)
    return ADMIN if matches[ADMIN] else EDITOR if matches[EDITOR] else None


def panel(*, banner: bool = True) -> Actor:
    """The sidebar's sign-in box (or the local-mode banner, unless ``banner`` is False);
    returns the acting user."""
    how = mode()
    actor = current()
    if how == LOCAL:
        if not banner:
            return actor
        st.warning(
            "**Local mode:** sign-in is off, so anyone who can open this app may change "
            "everything. To turn it on, set an editor and an admin password or configure "
            "single sign-on (README, *Deployment*).",
            icon=":material/lock_open:",
        )
        return actor
    with st.sidebar:
        if actor.may(EDITOR) or actor.name != GUEST:
            st.caption(f"Signed in as **{plain(actor.name)}** · {actor.role}")
            if st.button("Sign out", key="sign_out", icon=":material/logout:"):
                if how == OIDC:
                    st.logout()
                else:
                    st.session_state.pop(_SESSION_KEY, None)
                    st.rerun()
        elif how == OIDC:
            for provider in _providers():
                words = "Sign in" + (f" with {provider.title()}" if provider else "")
                if st.button(words, key=f"sign_in_{provider}", icon=":material/login:"):
                    st.login(provider or None)
        else:
            _password_form()
    return actor


def may_edit(what: str, role: str = EDITOR) -> bool:
    """True when this person may do ``what``; else one line saying how they could, and False.

    Pages call it before showing any control that changes something, so a viewer sees the
    numbers and no button that would be refused.
    """
    actor = current()
    if actor.may(role):
        return True
    if actor.name == GUEST:
        st.caption(f"Sign in as an {role} to {what}.")
    else:
        st.caption(f"You are signed in as {access.article(actor.role)}; to {what}, ask an admin "
                   f"for the {role} role.")  # fmt: skip
    return False


def _throttle_keys() -> dict[str, throttle.Policy]:
    """What a wrong password counts against: this client's address, and the shared account."""
    address = st.context.ip_address  # None on loopback
    if not isinstance(address, str) or not address:
        address = "this computer"
    return {f"address {address}": throttle.ADDRESS, "shared password": throttle.ACCOUNT}


def _password_form() -> None:
    with st.expander("Sign in to edit", icon=":material/login:"), st.form("sign_in"):
        name = st.text_input("Your name (the audit log shows it)", max_chars=80)
        typed = st.text_input("Password", type="password")
        if st.form_submit_button("Sign in"):
            keys = _throttle_keys()
            # Waits and lockouts hold for the whole server, so that many sessions guessing
            # side by side are slowed down together.
            refused = throttle.SIGN_IN.refusal(keys)
            if refused is not None:
                st.error(refused.message(), icon=":material/lock_clock:")
                return
            role = password_role(typed)
            if role is None:
                locked = throttle.SIGN_IN.failed(keys)
                with state.connection() as con:
                    access.record_failed_sign_in(con, name=name, locked=locked,
                                                 address=next(iter(keys)).removeprefix("address "))  # fmt: skip
                st.error("Wrong password. Ask an admin for the editor password.")
            elif not " ".join(name.split()):
                st.error("Write your name, so that changes can be traced to you.")
            else:
                throttle.SIGN_IN.succeeded(next(iter(keys)))
                st.session_state[_SESSION_KEY] = (" ".join(name.split()), role)
                st.rerun()
