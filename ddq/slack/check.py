"""Is Slack ready? The workspace and the bot, then each channel ddq would post in.

``ddq slack test`` and the Settings page's Test button both print these lines; a line that
is not ``ok`` says what to do. Nothing is posted nor changed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ddq import settings
from ddq.slack import store
from ddq.slack.client import Slack, SlackConfig, SlackError, Waiting

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class CheckLine:
    """One finding: its words, and whether all is well with it."""

    ok: bool
    words: str


@dataclass(frozen=True)
class SlackCheck:
    """Every finding, in order."""

    lines: tuple[CheckLine, ...]

    @property
    def ok(self) -> bool:
        return all(line.ok for line in self.lines)

    def problems(self) -> int:
        return sum(1 for line in self.lines if not line.ok)


@dataclass(frozen=True)
class Wanted:
    """What to check, read from the database: how to reach Slack, every channel ddq would
    use (name, what for) and the app's address."""

    config: SlackConfig
    channels: tuple[tuple[str, str], ...]
    app_url: str


def wanted(con: duckdb.DuckDBPyConnection) -> Wanted:
    """What :func:`run_check` asks Slack about; NotConnected when Slack is not connected.

    Read apart from the check, so that a page holds no database connection while Slack
    answers."""
    return Wanted(store.required(con), tuple(store.configured_channels(con)),
                  settings.current(con).get("app_url") or "")  # fmt: skip


def check(
    con: duckdb.DuckDBPyConnection,
    *,
    env: Mapping[str, str] | None = None,
    on_wait: Waiting | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SlackCheck:
    """Ask Slack who the bot is (auth.test), then resolve each configured channel.

    ``env``: where the token's variable is read (default: the environment). Raises
    NotConnected when Slack is not connected.
    """
    return run_check(wanted(con), env=env, on_wait=on_wait, sleep=sleep)


def run_check(
    wanted: Wanted,
    *,
    env: Mapping[str, str] | None = None,
    on_wait: Waiting | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> SlackCheck:
    """:func:`check` of what was read from the database already."""
    config = wanted.config
    found = [CheckLine(True, f"Slack API at {config.api_url}, bot token read from "
                             f"{config.token_env}")]  # fmt: skip
    try:
        slack = Slack(config, env=env, on_wait=on_wait, sleep=sleep)
        me = slack.identity()
    except SlackError as exc:
        return SlackCheck((*found, CheckLine(False, str(exc))))
    bot = str(me.get("user") or "ddq")
    workspace = str(me.get("team") or "?")
    address = f" ({me['url']})" if me.get("url") else ""
    found.append(CheckLine(True, f"Workspace {workspace}{address}, bot @{bot} "
                                 f"({me.get('user_id') or '?'})"))  # fmt: skip
    if not wanted.channels:
        found.append(CheckLine(False, "No Slack channels named yet: name the program's channels "
                                      "on the Settings page (or with `ddq settings set`), and "
                                      "each area's in Settings, Areas, or the roster."))  # fmt: skip
        return SlackCheck(tuple(found))
    try:
        visible = slack.channels()
    except SlackError as exc:
        return SlackCheck((*found, CheckLine(False, str(exc))))
    uses: dict[str, list[str]] = {}
    for purpose, name in wanted.channels:
        uses.setdefault(name.strip().lstrip("#"), []).append(purpose)
    for name, purposes in uses.items():
        used = f"; used for {', '.join(purposes)}"
        channel = visible.get(name)
        if channel is None:
            found.append(CheckLine(False, f"#{name} not found (check its name in Settings or the "
                                          f"roster; a private channel needs /invite @{bot} in it "
                                          f"first){used}"))  # fmt: skip
        elif channel.is_member:
            found.append(CheckLine(True, f"#{name} found, bot is a member{used}"))
        else:
            found.append(CheckLine(False, f"#{name} found, bot is NOT a member: /invite @{bot} "
                                          f"in #{name}{used}"))  # fmt: skip
    if not wanted.app_url:
        found.append(CheckLine(True, "No app address (app_url) in Settings: messages will carry "
                                     "no links back to ddq."))  # fmt: skip
    return SlackCheck(tuple(found))
