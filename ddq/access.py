"""Who may change what: the acting user, their role, and the check every write makes.

Three roles, each including the one before: a *viewer* reads, an *editor* uploads, edits the
roster, notes, actions, targets and critical-bug definitions, an *admin* also manages roles
and settings. Every writing function in ddq is marked with :func:`requires`, which refuses
the call before it does anything when the acting user's role is not enough; the pages hide
what a role cannot do, but the rule lives here, so no page (or script) can get around it.

The acting user is an :class:`Actor`: the name the audit log and the ledger show (an email
address after OpenID sign-in, the typed name with a shared password, the operating-system
user in the CLI), carrying its role. An Actor is a ``str`` (its name), so a write records it
wherever it records who did it; a plain string is refused, so no write goes unchecked.

Roles for people who sign in with OpenID Connect come from ``user_roles`` (managed by admins
on the Settings page or with ``ddq role``) and from a list in the app's configuration (the
first admin must come from somewhere); the higher of the two counts.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, TypeVar

from ddq import audit, clock
from ddq.db import claim, retry_on_conflict, rows, transaction
from ddq.errors import DdqError

if TYPE_CHECKING:
    import duckdb

VIEWER, EDITOR, ADMIN = "viewer", "editor", "admin"
ROLES = (VIEWER, EDITOR, ADMIN)
_RANK = {role: rank for rank, role in enumerate(ROLES)}
_ARTICLE = {VIEWER: "a viewer", EDITOR: "an editor", ADMIN: "an admin"}


class NotAllowed(DdqError):
    """The acting user's role does not allow this change."""


class Actor(str):
    """The person acting: their name (this string), with the role they act in."""

    __slots__ = ("role",)

    role: str

    def __new__(cls, name: str, role: str) -> Actor:
        if role not in _RANK:
            raise ValueError(f"unknown role {role!r}; roles are {', '.join(ROLES)}")
        name = " ".join(str(name).split())
        if not name:
            raise ValueError("an acting user needs a name")
        actor = super().__new__(cls, name)
        actor.role = role
        return actor

    @property
    def name(self) -> str:
        return str.__str__(self)

    def may(self, role: str) -> bool:
        """True when this actor's role includes ``role``."""
        return _RANK[self.role] >= _RANK[role]

    def __repr__(self) -> str:
        return f"Actor({self.name!r}, {self.role!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return (Actor, (self.name, self.role))


# The sample database is written by ddq itself, not by a person.
SYSTEM = Actor("ddq sample", ADMIN)


def article(role: str) -> str:
    """'a viewer', 'an editor', 'an admin'."""
    return _ARTICLE[role]


def check(who: object, role: str, doing: str) -> Actor:
    """``who`` as an Actor whose role includes ``role``; else NotAllowed saying why."""
    if not isinstance(who, Actor):
        raise NotAllowed(f"Cannot {doing}: no signed-in user was given for the change.")
    if not who.may(role):
        raise NotAllowed(
            f"{who.name} is {_ARTICLE[who.role]} and cannot {doing}: that needs "
            f"{_ARTICLE[role]}. Ask an admin for the {role} role."
        )
    return who


F = TypeVar("F", bound=Callable[..., Any])
# Every function marked with requires(), by qualified name: the tests go through them all.
WRITERS: dict[str, Callable[..., Any]] = {}


def requires(role: str, doing: str) -> Callable[[F], F]:
    """Mark a writing function: its ``who`` argument must be an Actor with ``role``."""

    def mark(function: F) -> F:
        signature = inspect.signature(function)
        if "who" not in signature.parameters:
            raise TypeError(f"{function.__qualname__} writes but takes no 'who'")

        @functools.wraps(function)
        def checked(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind_partial(*args, **kwargs)
            check(bound.arguments.get("who"), role, doing)
            return function(*args, **kwargs)

        checked.required_role = role  # type: ignore[attr-defined]
        WRITERS[f"{function.__module__}.{function.__qualname__}"] = checked
        return checked  # type: ignore[return-value]

    return mark


def email_key(email: str) -> str:
    return email.strip().lower()


def _email_problem(email: str) -> str | None:
    value = email.strip()
    if not value or len(value) > 254 or "@" not in value or any(c.isspace() for c in value):
        return f"{email!r} is not an email address; write it like ann@example.com"
    return None


def stored_roles(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """Everyone given a role in the database, by email."""
    return rows(con, "SELECT email, role, granted_by, granted_at FROM user_roles ORDER BY email")


def role_for(
    con: duckdb.DuckDBPyConnection, email: str, configured: dict[str, str] | None = None
) -> str:
    """The role of a signed-in email address: the higher of its stored and configured role.

    ``configured`` maps lower-case emails to roles (from the app's configuration); anyone
    in neither is a viewer.
    """
    key = email_key(email)
    found = con.execute("SELECT role FROM user_roles WHERE email = ?", [key]).fetchone()
    candidates = [VIEWER, (configured or {}).get(key, VIEWER)]
    if found:
        candidates.append(found[0])
    return max(candidates, key=_RANK.__getitem__)


def configured_roles(admins: Iterable[str], editors: Iterable[str]) -> dict[str, str]:
    """Lower-case email to role, from configured lists (admin wins over editor)."""
    roles = {email_key(e): EDITOR for e in editors if e.strip()}
    roles.update({email_key(e): ADMIN for e in admins if e.strip()})
    return roles


@requires(ADMIN, "change people's roles")
@retry_on_conflict
def set_role(con: duckdb.DuckDBPyConnection, email: str, role: str, *, who: Actor) -> str:
    """Give ``email`` a role (viewer removes the stored role); returns what changed.

    The form names a person and a role without starting from the stored one, so the last
    role given stands; the audit log records each with the role it replaced.
    """
    problem = _email_problem(email)
    if problem:
        raise DdqError(problem[0].upper() + problem[1:] + ".")
    if role not in _RANK:
        raise DdqError(f"{role!r} is not a role; roles are {', '.join(ROLES)}.")
    key = email_key(email)
    if key == email_key(who.name):
        raise DdqError("You cannot change your own role; ask another admin.")
    with transaction(con):
        claim(con, "role", key)
        found = con.execute("SELECT role FROM user_roles WHERE email = ?", [key]).fetchone()
        before = found[0] if found else VIEWER
        if before == role:
            return f"{key} is already {_ARTICLE[role]}."
        if role == VIEWER:
            con.execute("DELETE FROM user_roles WHERE email = ?", [key])
        else:
            con.execute(
                "INSERT OR REPLACE INTO user_roles (email, role, granted_by, granted_at) "
                "VALUES (?, ?, ?, ?)",
                [key, role, who.name, clock.now()],
            )
        audit.record(con, who, "role.set", key, before={"role": before}, after={"role": role})
    return f"{key} is now {_ARTICLE[role]} (was {_ARTICLE[before]})."


def record_failed_sign_in(
    con: duckdb.DuckDBPyConnection, *, name: str, address: str, locked: list[str]
) -> None:
    """An audit row for a wrong password: the name given and the client's address, never
    what was typed. ``locked`` names what this failure locked (an address, the account)."""
    with transaction(con):
        audit.record(con, "guest", "signin.failed", " ".join(name.split()) or "(no name given)",
                     after={"address": address, "locked": locked})  # fmt: skip
