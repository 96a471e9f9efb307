"""``ddq sources`` and ``ddq sync``: trackers read through their APIs, by hand or on a timer."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import click

from ddq.cli.output import echo, table
from ddq.cli.session import session

if TYPE_CHECKING:
    from ddq.sources.store import SourceStatus, SyncRun


@click.group()
def sources() -> None:
    """Live sources: Jira, GitHub, GitLab and Bugzilla read through their APIs."""


@sources.group("add")
def sources_add() -> None:
    """Add a source (admins). Its secret stays in the environment variable you name."""


def _add(ctx: click.Context, kind: str, name: str, url: str | None, options: dict[str, Any],
         token_env: str | None, user_env: str | None = None) -> None:  # fmt: skip
    from ddq.sources import store  # run time only: keeps `ddq --help` fast
    from ddq.sources.trackers import adapter  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        config = store.add(
            con, kind, name, url=url, options=options, check_options=adapter(kind).check_options,
            token_env=token_env, user_env=user_env, who=who,
        )  # fmt: skip
    echo(f"added source {config.name}: {config.kind} at {config.url}")
    echo(f"check it with `ddq sources test {config.name}`, then run `ddq sync {config.name}`")


_TOKEN_HELP = "The environment variable that holds the API token (never the token itself)."


@sources_add.command("jira")
@click.argument("name")
@click.option("--url", required=True, help="The Jira site's root, like https://acme.atlassian.net.")
@click.option("--jql", required=True, help='Which issues, like "project = PAY".')
@click.option("--kind", "jira_kind", type=click.Choice(["cloud", "server"]), default="cloud",
              show_default=True, help="Jira Cloud, or Jira Server / Data Center.")  # fmt: skip
@click.option(
    "--user-env", default=None, help="Jira Cloud: the variable with the account's e-mail."
)
@click.option("--token-env", required=True, help=_TOKEN_HELP)
@click.pass_context
def add_jira(ctx: click.Context, name: str, url: str, jql: str, jira_kind: str,
             user_env: str | None, token_env: str) -> None:  # fmt: skip
    """A Jira query: every issue it finds."""
    _add(ctx, "jira", name, url, {"jql": jql, "jira_kind": jira_kind}, token_env, user_env)


@sources_add.command("github")
@click.argument("name")
@click.option("--repo", required=True, help="OWNER/NAME.")
@click.option("--url", default=None,
              help="The API root for GitHub Enterprise, like https://HOST/api/v3.")  # fmt: skip
@click.option("--token-env", default=None, help=_TOKEN_HELP + " Needed for private repositories.")
@click.pass_context
def add_github(ctx: click.Context, name: str, repo: str, url: str | None,
               token_env: str | None) -> None:  # fmt: skip
    """A GitHub repository's issues (pull requests left out)."""
    _add(ctx, "github", name, url, {"repo": repo}, token_env)


@sources_add.command("gitlab")
@click.argument("name")
@click.option("--project", required=True, help="The project's ID or path, like group/app.")
@click.option("--url", default=None, help="The GitLab site's root (default https://gitlab.com).")
@click.option("--token-env", required=True, help=_TOKEN_HELP)
@click.pass_context
def add_gitlab(ctx: click.Context, name: str, project: str, url: str | None,
               token_env: str) -> None:  # fmt: skip
    """A GitLab project's issues."""
    _add(ctx, "gitlab", name, url, {"project": project}, token_env)


@sources_add.command("bugzilla")
@click.argument("name")
@click.option("--url", required=True, help="The Bugzilla site's root.")
@click.option("--product", required=True, help="The product.")
@click.option("--component", "components", multiple=True, help="Only this component (repeat).")
@click.option("--api-key-env", default=None,
              help="The environment variable that holds the API key, if the site needs one.")  # fmt: skip
@click.pass_context
def add_bugzilla(ctx: click.Context, name: str, url: str, product: str,
                 components: tuple[str, ...], api_key_env: str | None) -> None:  # fmt: skip
    """A Bugzilla product's bugs (or some of its components)."""
    _add(ctx, "bugzilla", name, url, {"product": product, "components": list(components)},
         api_key_env)  # fmt: skip


def _when(run: SyncRun | None) -> str:
    return "never" if run is None else f"{run.finished_at:%Y-%m-%d %H:%M} UTC"


def _what(status: SourceStatus) -> str:
    options = status.config.options
    return str(options.get("jql") or options.get("repo") or options.get("project")
               or options.get("product") or "")  # fmt: skip


@sources.command("list")
@click.pass_context
def sources_list(ctx: click.Context) -> None:
    """Every source, its last sync and what it did."""
    from ddq.sources import store  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        found = store.statuses(con)
    if not found:
        echo("no sources yet: add one with `ddq sources add jira|github|gitlab|bugzilla NAME ...`")
        return
    lines = []
    for s in found:
        last = s.last
        result = "" if last is None else ("ok: " if last.ok else "FAILED: ") + last.message
        lines.append([s.name, s.config.kind, _what(s), _when(last), result])
    table(["name", "kind", "reads", "last sync", "result"], lines, right=set())


@sources.command("show")
@click.argument("name")
@click.pass_context
def sources_show(ctx: click.Context, name: str) -> None:
    """A source's settings and its recent syncs."""
    from ddq.sources import store  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        config = store.get(con, name)
        status = next(s for s in store.statuses(con) if s.name == config.name)
        history = store.runs(con, config.name, limit=10)
        since = store.watermark(con, config.name)
    echo(f"source {config.name}")
    for key, value in store.describe(config).items():
        if value not in (None, [], ""):
            echo(f"  {key}: {', '.join(value) if isinstance(value, list) else value}")
    echo(f"  added: {status.created_at:%Y-%m-%d %H:%M} UTC by {status.created_by}")
    echo("  next sync reads: " + (f"changes since {since:%Y-%m-%d %H:%M:%S} UTC" if since
                                  else "everything (no good sync yet)"))  # fmt: skip
    if status.vanished:
        echo(f"  vanished: {status.vanished} bug(s) no longer found, counted nowhere")
    if not history:
        echo("  no syncs yet")
        return
    echo("recent syncs, newest first:")
    for run in history:
        state = "ok" if run.ok else "FAILED"
        kept = "" if run.standing or not run.ok else " (undone since)"
        echo(f"  {run.finished_at:%Y-%m-%d %H:%M:%S}  {state}{kept}  "
             f"{'full' if run.full_read else 'changes'}  {run.message}")  # fmt: skip


@sources.command("remove")
@click.argument("name")
@click.pass_context
def sources_remove(ctx: click.Context, name: str) -> None:
    """Forget a source's settings (its bugs and imports stay; undo them in the ledger)."""
    from ddq.sources import store  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        config = store.remove(con, name, who=who)
    echo(f"removed source {config.name}; its bugs and imports stay (`ddq imports` lists them)")


@sources.command("test")
@click.argument("name")
@click.pass_context
def sources_test(ctx: click.Context, name: str) -> None:
    """Connect to a source and say what it finds; change nothing."""
    from ddq.sources import store, sync  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        config = store.get(con, name)
    echo(f"{config.name}: {sync.probe(config)}")


_INTERVAL = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*$")
_UNIT_S = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def _interval(ctx: click.Context, param: click.Parameter, value: str | None) -> float | None:
    if value is None:
        return None
    match = _INTERVAL.match(value)
    seconds = float(match[1]) * _UNIT_S[match[2]] if match else 0.0
    if seconds < 10:
        raise click.BadParameter(f"{value!r}: give a time of at least 10 s, like 15m, 1h or 90s.")
    return seconds


def _sync_round(ctx: click.Context, names: tuple[str, ...], full: bool) -> bool:
    """Sync each named source (none: every source); return whether all went well."""
    from ddq.errors import DdqError  # run time only: keeps `ddq --help` fast
    from ddq.sources import store, sync  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        chosen = [store.get(con, n).name for n in names] if names else store.names(con)
        if not chosen:
            echo("no sources yet: add one with `ddq sources add ...`", err=True)
            return False
        ok = True
        last_metrics = None
        for name in chosen:

            def waiting(seconds: float, why: str, name: str = name) -> None:
                echo(f"{name}: waiting {seconds:.0f} s ({why})", err=True)

            try:
                result = sync.sync(con, name, who=who, full=full, on_wait=waiting)
            except DdqError as exc:
                ok = False
                echo(f"{name}: sync failed, nothing stored: {exc}", err=True)
                continue
            echo(result.summary())
            if result.left_out:
                echo(f"{name}: {result.left_out} pull request(s) left out: they are not issues")
            if result.metrics is not None:
                last_metrics = result.metrics
        if last_metrics is not None:
            echo("bug metrics: " + last_metrics.summary())
    return ok


@click.command("sync")
@click.argument("names", nargs=-1)
@click.option("--full", is_flag=True,
              help="Read everything, not only changes, and mark issues no longer found as vanished.")  # fmt: skip
@click.option("--every", callback=_interval, default=None, metavar="TIME",
              help="Sync again every TIME (15m, 1h, 90s) until stopped; for a service or container.")  # fmt: skip
@click.option("--times", type=click.IntRange(min=1), default=None,
              help="With --every: stop after this many rounds.")  # fmt: skip
@click.pass_context
def sync_command(ctx: click.Context, names: tuple[str, ...], full: bool, every: float | None,
                 times: int | None) -> None:  # fmt: skip
    """Read each source's changes since its last good sync (every source when none is
    named), store each as one import, then recompute the weekly bug metrics."""
    if every is None:
        if not _sync_round(ctx, names, full):
            ctx.exit(1)
        return
    rounds = 0
    try:
        while True:
            started = time.monotonic()
            _sync_round(ctx, names, full)
            rounds += 1
            if times is not None and rounds >= times:
                return
            time.sleep(max(0.0, every - (time.monotonic() - started)))
    except KeyboardInterrupt:
        echo("stopped", err=True)
