"""Live sources on the app's pages, through the same core functions as ``ddq sources``.

Admins add, test and remove sources on the Settings page; editors sync them on the Upload
page, next to the bug-file import whose ledger a sync writes to; the Overview says how old
the bug data is. A secret is never asked for nor shown: a source keeps the NAME of the
environment variable that holds it on the server.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ddq import clock
from ddq.access import ADMIN, EDITOR
from ddq.errors import DdqError
from ddq.sources import store, sync
from ddq.sources.model import (
    BUGZILLA,
    GITHUB,
    GITLAB,
    JIRA,
    JIRA_CLOUD,
    JIRA_SERVER,
    KINDS,
    SourceConfig,
)
from ddq.sources.trackers import adapter
from ddq.ui import auth, state
from ddq.ui.feedback import flash, show_flash
from ddq.ui.format import lines, plain

KIND_NAMES = {JIRA: "Jira", GITHUB: "GitHub", GITLAB: "GitLab", BUGZILLA: "Bugzilla"}
JIRA_KINDS = {JIRA_CLOUD: "Jira Cloud", JIRA_SERVER: "Jira Server or Data Center"}
STALE_AFTER = dt.timedelta(days=2)  # bugs move daily; two days without news is worth a look
SECRET_WORDS = (
    "ddq never asks for a token nor stores one: write the **name** of the environment "
    "variable that holds it on the server running ddq (like `PAY_JIRA_TOKEN`), and set that "
    "variable there."
)


# --- the table ------------------------------------------------------------------------------


def reads(config: SourceConfig) -> str:
    """What a source reads: its query, repository, project or product (and components)."""
    options = config.options
    if config.kind == BUGZILLA and options.get("components"):
        return f"{options.get('product')}: {', '.join(options['components'])}"
    return str(options.get("jql") or options.get("repo") or options.get("project")
               or options.get("product") or "")  # fmt: skip


def table(statuses: list[store.SourceStatus]) -> None:
    """Every source with its last sync, what it did, and its last good sync."""
    st.dataframe(
        [{"Name": s.name, "Kind": KIND_NAMES.get(s.config.kind, s.config.kind),
          "Reads": reads(s.config), "At": s.config.url,
          "Last sync": None if s.last is None else s.last.finished_at,
          "Result": "" if s.last is None else "ok" if s.last.ok else "failed",
          "Message": "" if s.last is None else s.last.message,
          "Last good sync": None if s.last_good is None else s.last_good.finished_at,
          "Vanished": s.vanished} for s in statuses],
        hide_index=True,
        column_config={
            "Last sync": st.column_config.DatetimeColumn("Last sync (UTC)"),
            "Last good sync": st.column_config.DatetimeColumn("Last good sync (UTC)"),
            "Vanished": st.column_config.NumberColumn(
                help="Bugs a full sync no longer found: they count nowhere until found again."),
        },
    )  # fmt: skip


def _said(near: str) -> None:
    """What the last sync or test said under its buttons: successes and failures, once."""
    for ok, text in st.session_state.pop(f"sources_said_{near}", []):
        if ok:
            st.success(lines(text), icon=":material/check_circle:")
        else:
            st.error(lines(text), icon=":material/sync_problem:")


# --- syncing (editors, on the Upload page) ----------------------------------------------------


def sync_section() -> None:
    """The Upload page's live sources: the table, and syncing one or all of them."""
    st.subheader("Live sources")
    st.caption("Bugs read from a tracker's API, into the same bug import as a file: updated by "
               "key, listed in the Imports ledger above, undone like any import. A sync reads the "
               "changes since the last good one; nothing is stored unless all of it was read.")  # fmt: skip
    statuses = state.source_statuses()
    if not statuses:
        st.caption("No live sources yet: an admin adds them on the **Settings** page (or with "
                   "`ddq sources add`).")  # fmt: skip
        return
    table(statuses)
    if not auth.may_edit("sync the live sources", EDITOR):
        return
    names = [s.name for s in statuses]
    full = st.checkbox("Read everything, not only the changes, and mark the bugs a source no "
                       "longer has as vanished", key="sync_full")  # fmt: skip
    pick, one, every = st.columns([3, 1, 1], vertical_alignment="bottom")
    chosen = pick.selectbox("Source to sync", names, key="sync_source")
    if one.button("Sync now", icon=":material/sync:", type="primary"):
        _sync([chosen], full)
    if every.button("Sync all", icon=":material/sync:"):
        _sync(names, full)
    _said("sync")


def _sync(names: list[str], full: bool) -> None:
    """Sync each source in turn, then rerun so that the table and the ledger show it."""
    said: list[tuple[bool, str]] = []
    metrics = None
    progress = st.empty()
    who = auth.current()
    for name in names:

        def on_page(number: int, issues: int, name: str = name) -> None:
            progress.caption(f"{name}: page {number} read, {issues:,} issues so far…")

        def on_wait(seconds: float, why: str, name: str = name) -> None:
            progress.caption(f"{name}: waiting {seconds:.0f} s ({why})…")

        progress.caption(f"{name}: reading…")
        try:
            with state.connection() as con:
                result = sync.sync(con, name, who=who, full=full, on_page=on_page,
                                   on_wait=on_wait)  # fmt: skip
        except DdqError as exc:
            said.append((False, f"{name}: sync failed, nothing stored.\n{exc}"))
            continue
        words = result.summary()
        if result.left_out:
            words += f"\n{result.left_out} pull request(s) left out: they are not issues."
        said.append((True, words))
        if result.metrics is not None:
            metrics = result.metrics
    if metrics is not None:
        said.append((True, "Weekly bug metrics: " + metrics.summary()))
    progress.empty()
    st.session_state["sources_said_sync"] = said
    st.rerun()


# --- adding, testing and removing (admins, on the Settings page) ------------------------------


@dataclass(frozen=True)
class Field:
    """One text box of the form for adding a source."""

    key: str  # "name", "url", "token_env", "user_env", or the option it fills
    label: str
    flag: str  # the command's option for the same value, which the core's messages name
    placeholder: str = ""
    help: str | None = None


_NAME = Field("name", "Name", "", "PAY",
              "How ddq names the source: letters, digits, '-', '_' or '.', like PAY.")  # fmt: skip
FIELDS: dict[str, list[Field]] = {
    JIRA: [
        Field("url", "Site URL", "--url", "https://acme.atlassian.net"),
        Field("jql", "JQL query", "--jql", "project = PAY AND issuetype = Bug",
              "Which issues, as in Jira's issue search: every issue the query finds is read."),
        Field("user_env", "User e-mail variable", "--user-env", "PAY_JIRA_USER",
              "Jira Cloud: the environment variable holding the account's e-mail address."),
        Field("token_env", "Token variable", "--token-env", "PAY_JIRA_TOKEN",
              "The environment variable holding the API token (Cloud) or personal access "
              "token (Server)."),
    ],
    GITHUB: [
        Field("repo", "Repository", "--repo", "acme/app", "OWNER/NAME, as in its address."),
        Field("url", "API URL", "--url", "https://api.github.com",
              "Empty for github.com; GitHub Enterprise: https://HOST/api/v3."),
        Field("token_env", "Token variable", "--token-env", "GITHUB_TOKEN",
              "Needed for a private repository; optional otherwise (and raises the rate limit)."),
    ],
    GITLAB: [
        Field("project", "Project", "--project", "group/app", "Its numeric ID or its path."),
        Field("url", "Site URL", "--url", "https://gitlab.com", "Empty for gitlab.com."),
        Field("token_env", "Token variable", "--token-env", "GITLAB_TOKEN",
              "The environment variable holding a token with the read_api scope."),
    ],
    BUGZILLA: [
        Field("url", "Site URL", "--url", "https://bugzilla.example.org"),
        Field("product", "Product", "--product", "Derby", "As Bugzilla names it."),
        Field("components", "Components", "--component", "Network, SQL",
              "Only these components, separated by commas; empty for every component."),
        Field("token_env", "API-key variable", "--token-env", "BUGZILLA_API_KEY",
              "The environment variable holding an API key, if the site needs one."),
    ],
}  # fmt: skip
_JIRA_KIND = Field("jira_kind", "Jira", "--kind")
# An option as the core's messages name it, with the placeholder for its value, if any.
_FLAG = re.compile(r"(--[a-z][a-z-]*)(?: (?:VAR|NAME|ID|OWNER/NAME|GROUP/PROJECT)\b)?")


def in_form_words(kind: str, message: str) -> str:
    """A core message as the form would say it: the command's options named by the form's
    fields (the core names ``--token-env``; the person filled in "Token variable")."""
    labels = {f.flag: f.label for f in [*FIELDS[kind], _JIRA_KIND]}
    labels.setdefault("--api-key-env", labels["--token-env"])

    def label(match: re.Match[str]) -> str:
        flag = match[1]
        return f"“{labels[flag]}”" if flag in labels else match[0]

    return _FLAG.sub(label, message)


def manage_section() -> None:
    """The Settings page's live sources: the table, a test and a removal, and adding one."""
    st.subheader("Live sources")
    st.caption("Trackers read through their APIs into the bug import. Editors sync them on the "
               "**Upload** page; `ddq sync --every 15m` keeps them synced from a server.")  # fmt: skip
    statuses = state.source_statuses()
    if statuses:
        table(statuses)
    else:
        st.caption("No live sources yet.")
    if not auth.may_edit("add, test or remove live sources", ADMIN):
        return
    if statuses:
        _test_and_remove(statuses)
    show_flash("remove_source")  # under the form, or under the table's place once it is gone
    _add_form()


def _test_and_remove(statuses: list[store.SourceStatus]) -> None:
    by_name = {s.name: s for s in statuses}
    pick, test = st.columns([3, 1], vertical_alignment="bottom")
    chosen = pick.selectbox("Source", list(by_name), key="manage_source")
    if test.button("Test connection", icon=":material/network_check:"):
        config = by_name[chosen].config
        try:
            with st.spinner(f"Asking {config.url}…"):
                found = sync.probe(config)
        except DdqError as exc:
            st.error(lines(str(exc)), icon=":material/sync_problem:")
        else:
            st.success(plain(f"{config.name}: {found}"), icon=":material/check_circle:")
    with st.form("remove_source"):
        sure = st.checkbox(f"Remove {chosen}: forget its settings. Its bugs and imports stay "
                           "(undo them on the Upload page).",
                           key=f"remove_source_sure_{_generation('remove_source')}")  # fmt: skip
        if st.form_submit_button("Remove source", icon=":material/delete:"):
            if not sure:
                st.warning("Tick the box to confirm.")
            else:
                _change(by_name[chosen].config.kind, store.remove, chosen, near="remove_source",
                        confirm=f"Removed source {chosen}; its bugs and imports stay.")  # fmt: skip


def _generation(near: str) -> int:
    return int(st.session_state.get(f"{near}_generation", 0))


def _change(kind: str, change: Any, *args: Any, confirm: str, near: str, **kwargs: Any) -> None:
    """``change(con, *args, who=..., **kwargs)``, its error shown in the form's words; on
    success, say so under the form and start it again empty."""
    try:
        with state.connection() as con:
            change(con, *args, who=auth.current(), **kwargs)
    except DdqError as exc:
        st.error(lines(in_form_words(kind, str(exc))))
        return
    flash(confirm, near)
    st.session_state[f"{near}_generation"] = _generation(near) + 1
    st.rerun()


def _add_form() -> None:
    st.markdown("**Add a source**")
    kind = st.selectbox("Kind", list(KINDS), format_func=lambda k: KIND_NAMES[k],
                        key="add_source_kind") or JIRA  # fmt: skip
    st.caption(SECRET_WORDS)
    generation = _generation("add_source")
    with st.form("add_source"):
        entered: dict[str, str] = {}
        for field in [_NAME, *FIELDS[kind]]:
            entered[field.key] = st.text_input(
                field.label, placeholder=field.placeholder, help=field.help,
                key=f"add_{kind}_{field.key}_{generation}",
            )  # fmt: skip
        jira_kind = JIRA_CLOUD
        if kind == JIRA:
            jira_kind = st.radio("Jira", list(JIRA_KINDS), format_func=lambda k: JIRA_KINDS[k],
                                 horizontal=True, key=f"add_jira_kind_{generation}")  # fmt: skip
        if st.form_submit_button("Add source", icon=":material/add:", type="primary"):
            texts = {k: v.strip() for k, v in entered.items()}
            _change(
                kind, store.add, kind, texts["name"], url=texts["url"] or None,
                options=_options(kind, texts, jira_kind),
                check_options=adapter(kind).check_options,
                token_env=texts.get("token_env") or None, user_env=texts.get("user_env") or None,
                confirm=f"Added source {texts['name']}. Test its connection here; editors sync "
                "it on the Upload page.", near="add_source",
            )  # fmt: skip
    show_flash("add_source")


def _options(kind: str, texts: dict[str, str], jira_kind: str) -> dict[str, Any]:
    """The kind's options, from the form (checked by the kind's own module when stored)."""
    if kind == JIRA:
        return {"jql": texts["jql"], "jira_kind": jira_kind}
    if kind == GITHUB:
        return {"repo": texts["repo"]}
    if kind == GITLAB:
        return {"project": texts["project"]}
    return {"product": texts["product"],
            "components": [c.strip() for c in texts["components"].split(",") if c.strip()]}  # fmt: skip


# --- how old the bug data is (the Overview) ---------------------------------------------------


def ago(when: dt.datetime, now: dt.datetime) -> str:
    """``12 minutes ago``, ``3 hours ago``, ``3 days ago``: the largest whole unit."""
    seconds = max(0, int((now - when).total_seconds()))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'' if count == 1 else 's'} ago"
    return "just now"


def bug_data_age() -> None:
    """When bug data last arrived, and a warning when that is over two days ago; nothing
    when there are no bugs."""
    age = state.bug_data_age()
    if age is None:
        return
    now = clock.now()
    how = f"last synced from {age.source}" if age.source else "last bug import"
    st.markdown(plain(f"Bug data: {how} {ago(age.at, now)}") + f" ({age.at:%d %b %Y %H:%M} UTC)")
    if now - age.at > STALE_AFTER:
        st.warning("Bug data is more than 2 days old: the bug metrics may miss recent bugs. "
                   "Sync the live sources or import a fresh export (**Upload** page).",
                   icon=":material/schedule:")  # fmt: skip
