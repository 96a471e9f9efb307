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
from ddq.slack.client import Slack, SlackError, Waiting

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
    config = store.required(con)
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
    channels = store.configured_channels(con)
    if not channels:
        found.append(CheckLine(False, "No Slack channels named yet: name the program's channels "
                                      "on the Settings page (or with `ddq settings set`), and "
                                      "each area's in Settings, Areas, or the roster."))  # fmt: skip
        return SlackCheck(tuple(found))
    try:
        visible = slack.channels()
    except SlackError as exc:
        return SlackCheck((*found, CheckLine(False, str(exc))))
    uses: dict[str, list[str]] = {}
    for purpose, name in channels:
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
    if not settings.current(con).get("app_url"):
        found.append(CheckLine(True, "No app address (app_url) in Settings: messages will carry "
                                     "no links back to ddq."))  # fmt: skip
    return SlackCheck(tuple(found))
