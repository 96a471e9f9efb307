"""The community's settings: its name, Slack channels and request links."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ddq import audit, bugmetrics, clock
from ddq.access import ADMIN, Actor, requires
from ddq.db import claim_each, retry_on_conflict, rows, transaction
from ddq.errors import DdqError, changed_since, stale

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Setting:
    key: str
    label: str
    kind: str  # text, channel or url
    default: str = ""
    needed_for: str = ""  # what it is shown as, when it may not be empty


SETTINGS: tuple[Setting, ...] = (
    Setting("program_name", "Program name", "text", "Data-Driven Quality",
            needed_for="the community's name, on every page and in Slack"),
    Setting("champions_channel", "Slack channel for champions and leadership", "channel"),
    Setting("community_channel", "Slack channel for everyone interested", "channel"),
    Setting("program_channel", "Slack channel of the program team (requests for coaching and "
            "workshops, whole-program meeting summaries)", "channel"),
    Setting("app_url", "This app's address, for links from Slack (like https://ddq.example.com)",
            "url"),
    Setting("coaching_url", "Link to request coaching", "url"),
    Setting("workshop_url", "Link to request a workshop", "url"),
    # Many exports have no resolution date: then a bug in one of these statuses is done.
    Setting("done_statuses", "Statuses that mean a bug is done (comma-separated)", "list",
            "Closed, Resolved, Done, Verified"),
    # Empty: every issue type whose name contains "bug" (every issue when there is no type).
    Setting("bug_types", "Issue types that count as bugs (comma-separated; empty: any type "
            "containing 'bug')", "list"),
)  # fmt: skip
_BY_KEY = {s.key: s for s in SETTINGS}
_URL = re.compile(r"^https?://[^\s<>\"]+$")
_CHANNEL = re.compile(r"^#?[a-z0-9][a-z0-9_\-]{0,79}$")


class InvalidSetting(DdqError):
    """A setting's value is not of its kind."""


def validate(key: str, value: str) -> str:
    """The value as stored (trimmed), or InvalidSetting saying what is expected."""
    if key not in _BY_KEY:
        raise InvalidSetting(f"Unknown setting {key!r}; known: {', '.join(_BY_KEY)}.")
    setting, value = _BY_KEY[key], value.strip()
    if not value and setting.needed_for:
        raise InvalidSetting(f"{setting.label} cannot be empty: it is {setting.needed_for}. "
                             "Nothing was saved.")  # fmt: skip
    if not value:
        return value
    if setting.kind == "url" and not _URL.match(value):
        raise InvalidSetting(f"{setting.label}: {value!r} is not a web address; write it as "
                             "https://...")  # fmt: skip
    if setting.kind == "channel" and not _CHANNEL.match(value.lower()):
        raise InvalidSetting(f"{setting.label}: {value!r} is not a Slack channel name "
                             "(like #quality-champions)")  # fmt: skip
    if setting.kind == "list":
        items = [item.strip() for item in value.split(",")]
        if any(not item for item in items) or len(items) > 50:
            raise InvalidSetting(f"{setting.label}: write up to 50 names separated by commas.")
        value = ", ".join(items)
    if setting.kind == "channel" and not value.startswith("#"):
        value = "#" + value
    if len(value) > 200:
        raise InvalidSetting(f"{setting.label} is longer than 200 characters.")
    return value


def as_list(value: str) -> list[str]:
    """A list setting's names."""
    return [item.strip() for item in value.split(",") if item.strip()]


def current(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every setting's value (its default when never set)."""
    stored = {r["key"]: r["value"] for r in rows(con, "SELECT key, value FROM settings")}
    return {s.key: stored.get(s.key, s.default) for s in SETTINGS}


@requires(ADMIN, "change the settings")
@retry_on_conflict
def update(
    con: duckdb.DuckDBPyConnection,
    changes: dict[str, str],
    *,
    who: Actor,
    expected: dict[str, str] | None = None,
) -> dict[str, str]:
    """Validate and store changed settings, all or none, with an audit row; return them all.

    ``expected`` holds the values the person saw when they began editing: when one they
    changed has since been changed by someone else, nothing is saved (StaleEdit says what
    it is now), so no change is silently lost.
    """
    clean = {key: validate(key, value) for key, value in changes.items()}
    if expected is not None:  # what the person left as they saw it is not theirs to save
        clean = {k: v for k, v in clean.items() if k not in expected or v != expected[k]}
    now = clock.now()
    with transaction(con):
        claim_each(con, "setting", [(key,) for key in clean])
        before = current(con)
        changed = {k: v for k, v in clean.items() if before[k] != v}
        # Changed by this person (from what they saw) and, meanwhile, by someone else.
        seen = expected or {}
        stale_keys = [k for k in changed if k in seen and before[k] != seen[k]]
        if stale_keys:
            raise stale("the settings", changed_since(seen, before, stale_keys))
        if not changed:
            return before
        for key, value in changed.items():
            con.execute(
                "INSERT OR REPLACE INTO settings (key, value, updated_at, updated_by) "
                "VALUES (?, ?, ?, ?)",
                [key, value, now, who],
            )
        audit.record(con, who, "settings.update", "settings",
                     before={k: before[k] for k in changed}, after=changed)  # fmt: skip
        if bugmetrics.BUG_TYPES_SETTING in changed:  # which issues count as bugs
            bugmetrics.refresh(con, who=who, reason="after changing the issue types that count "
                               "as bugs")  # fmt: skip
    return current(con)
