"""The ``ddq`` command: parse arguments, call ddq, print.

Heavy modules (duckdb, pandas, pyarrow) are imported inside the commands that need them,
so that ``ddq --help`` and a mistyped command answer at once.
"""

from __future__ import annotations

import getpass
import os
import sys
from pathlib import Path
from typing import Any

import click

from ddq.errors import DdqError
from ddq.terminal import visible


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a line; whatever of it came from data cannot control the terminal."""
    click.echo(visible(str(message)), err=err, nl=nl)


def _who() -> Any:
    """The CLI acts as a local admin, in the name of the operating-system user running it.

    Whoever can run ddq on this machine can open the database file anyway; the name makes
    the audit log and the ledger say who did it.
    """
    from ddq.access import ADMIN, Actor

    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = f"uid {os.getuid()}"
    return Actor(name, ADMIN)


class _Ddq(click.Group):
    """Turns ddq's own errors into a message on stderr and a non-zero exit, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DdqError as exc:
            echo(str(exc), err=True)
            ctx.exit(1)
        except click.ClickException as exc:  # its message may quote data (a meeting's scope)
            exc.message = visible(exc.message)
            raise
        except (click.exceptions.Exit, click.Abort):
            raise
        except BrokenPipeError:  # `ddq export metrics | head`: the reader has what it wanted
            sys.stdout = None  # type: ignore[assignment]  # no flush error at exit
            ctx.exit(0)
        except Exception as exc:
            if os.environ.get("DDQ_DEBUG"):
                raise
            from ddq.db import storage_problem

            problem = storage_problem(exc, ctx.obj)
            if problem is not None:
                echo(str(problem), err=True)
                ctx.exit(1)
            echo(
                f"ddq: unexpected error: {type(exc).__name__}: {exc}\n"
                "Set DDQ_DEBUG=1 to see the traceback, and report it.",
                err=True,
            )
            ctx.exit(3)


@click.group(cls=_Ddq, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--db",
    "db_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Database file (default: $DDQ_DB, else data/ddq.duckdb).",
)
@click.version_option(package_name="ddq")
@click.pass_context
def main(ctx: click.Context, db_path: Path | None) -> None:
    """ddq: the Data-Driven Quality community dashboard's command line."""
    ctx.obj = db_path


def _connect(ctx: click.Context, *, trust_catalog: bool = False):
    from ddq import db

    return db.connect(ctx.obj, trust_catalog=trust_catalog)


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database (or bring its schema up to date)."""
    from ddq import db
    from ddq.schema import latest_version

    with _connect(ctx):
        pass
    echo(f"database {db.resolve_path(ctx.obj)} ready (schema version {latest_version()})")


@main.command()
@click.option("--teams", default=16, show_default=True, type=click.IntRange(1, 5000))
@click.option("--weeks", default=104, show_default=True, type=click.IntRange(1, 1300))
@click.option("--seed", default=7, show_default=True, type=int)
@click.option(
    "--remove",
    is_flag=True,
    help="Remove the sample organisation completely instead (the same as undoing its import).",
)
@click.pass_context
def demo(ctx: click.Context, teams: int, weeks: int, seed: int, remove: bool) -> None:
    """Fill an empty database with a deterministic sample organisation (or remove it)."""
    from ddq.sample import fill_demo, remove_demo

    if remove:
        with _connect(ctx) as con:
            undone = remove_demo(con, who=_who())
        click.echo(undone.summary())
        if undone.metrics.changed:  # recomputed in the same transaction
            _computation(undone.metrics)
        return
    with _connect(ctx) as con:
        summary = fill_demo(con, teams=teams, weeks=weeks, seed=seed, who=_who())
    echo(
        f"import {summary['import_id']}: sample organisation with {summary['areas']} areas, "
        f"{summary['teams']} teams and {summary['values']} values, weeks "
        f"{summary['first_week']} to {summary['last_week']}"
    )


# The app's upload limit (server.maxUploadSize) guards its server against whatever a browser
# sends; the ddq command reads a file that its user already has on the machine, so it takes
# any size (a year of bugs from a large Jira can be several times the app's limit).
_SIZE_LIMIT_MB = None


@main.group("import")
def import_() -> None:
    """Import a file (all or nothing; every problem is reported with its line).

    Files of any size are read; compressed, archived and other binary files are refused.
    """


def _stage_reporter() -> Any:
    """On a terminal, show the import's stages on stderr as they pass."""
    if not sys.stderr.isatty():
        return None
    bar = click.progressbar(length=100, label="importing", file=sys.stderr, show_eta=False)
    state = {"done": 0}

    def report(stage: str, fraction: float) -> None:
        bar.label = stage
        step = int(fraction * 100) - state["done"]
        if step > 0:
            bar.update(step)
            state["done"] += step
        if fraction >= 1.0:
            bar.render_finish()

    return report


@import_.command("metrics")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Check the file and say what would change; change nothing."
)
@click.option(
    "--create-teams", is_flag=True, help="Create the teams the file names that do not exist."
)
@click.pass_context
def import_metrics_command(
    ctx: click.Context, file: Path, dry_run: bool, create_teams: bool
) -> None:
    """Import weekly metric values from a long or wide CSV FILE."""
    from ddq.ingest.metrics import import_metrics

    with _connect(ctx) as con:
        result = import_metrics(
            con,
            file,
            who=_who(),
            dry_run=dry_run,
            create_teams=create_teams,
            max_mb=_SIZE_LIMIT_MB,
            progress=_stage_reporter(),
        )
    echo(result.summary())
    if result.metrics is not None and result.metrics.changed:
        _computation(result.metrics)  # uploaded bug metrics took weeks over from computed ones
    if dry_run and result.preview:
        echo("first rows:")
        for row in result.preview:
            echo(
                f"  line {row['line']}: {row['team']}, {row['week']}, {row['metric']} = "
                f"{row['value']:g}"
            )


@import_.command("roster")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--dry-run", is_flag=True, help="Check the file and say what would change; change nothing."
)
@click.pass_context
def import_roster_command(ctx: click.Context, file: Path, dry_run: bool) -> None:
    """Import the champion roster (area,team,champion,email,since) from a CSV FILE.

    Creates the areas and teams it names; a changed champion is a handover, an empty one
    means the team has none. Teams the file does not name are left alone.
    """
    from ddq.ingest.roster import import_roster

    with _connect(ctx) as con:
        result = import_roster(
            con,
            file,
            who=_who(),
            dry_run=dry_run,
            max_mb=_SIZE_LIMIT_MB,
            progress=_stage_reporter(),
        )
    echo(result.summary())
    changes = [row for row in result.preview if row["action"] != "unchanged"]
    if dry_run and changes:
        echo("changes:")
        for row in changes:
            area = f" ({row['area']})" if row["area"] else ""
            champion = f", {row['champion']}" if row["champion"] else ""
            echo(f"  line {row['line']}: {row['team']}{area}{champion}: {row['action']}")


@import_.command("bugs")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jira", "github", "csv"], case_sensitive=False),
    default=None,
    help="The export's kind (default: github for a JSON file, csv with --mapping, else jira).",
)
@click.option(
    "--mapping",
    metavar="FILE|NAME",
    help="CSV column mapping: a JSON file of field: header, or a saved mapping's name.",
)
@click.option(
    "--skip-bad-rows",
    is_flag=True,
    help="Import the good rows; keep each broken row, with its line and reason, in the ledger.",
)
@click.option(
    "--dry-run", is_flag=True, help="Check the file and say what would change; change nothing."
)
@click.pass_context
def import_bugs_command(
    ctx: click.Context,
    file: Path,
    fmt: str | None,
    mapping: str | None,
    skip_bad_rows: bool,
    dry_run: bool,
) -> None:
    """Import bugs from a Jira CSV export, GitHub issues JSON, or any CSV with a mapping.

    A re-import updates bugs by key; every problem is named by its line.
    """
    from ddq.ingest.bugs import import_bugs, resolve_mapping
    from ddq.ingest.github import looks_like_json

    if fmt is None:
        with file.open("rb") as f:
            start = f.read(4096)
        fmt = "github" if looks_like_json(start) else "csv" if mapping else "jira"
    with _connect(ctx) as con:
        columns = resolve_mapping(con, mapping) if mapping else None
        result = import_bugs(
            con,
            file,
            who=_who(),
            format=fmt.lower(),
            mapping=columns,
            skip_bad_rows=skip_bad_rows,
            dry_run=dry_run,
            max_mb=_SIZE_LIMIT_MB,
            progress=_stage_reporter(),
        )
    echo(result.summary())
    for note in result.notes():
        echo(f"  {note}")
    if result.done_without_time:  # the import is fine, but its numbers will not be
        echo(f"warning: {result.done_without_time_warning()}", err=True)
    if result.metrics is not None:  # computed from the bugs in the same transaction
        _computation(result.metrics)
    if dry_run and result.preview:
        echo("first rows:")
        for row in result.preview:
            resolved = f", resolved {row['resolved']}" if row["resolved"] else ""
            echo(
                f"  line {row['line']}: {row['key']} ({row['change']}), created "
                f"{row['created']}{resolved}: {row['summary'] or ''}"
            )


@main.group()
def export() -> None:
    """Export data as formula-safe CSV."""


def _stdout() -> Any:
    """Standard output for an export: the CSV byte for byte when it goes to a file or a
    pipe, with control characters made visible when it goes onto a terminal."""
    from ddq.terminal import VisibleWriter

    return VisibleWriter(sys.stdout) if sys.stdout.isatty() else sys.stdout


@export.command("metrics")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.pass_context
def export_metrics_command(ctx: click.Context, out: Path | None) -> None:
    """Every metric value, long format (team,week,metric,value), sorted."""
    from ddq.export import export_metrics

    with _connect(ctx) as con:
        count = export_metrics(con, out or _stdout())
    if isinstance(out, Path):
        echo(f"wrote {count} values to {out}", err=True)


@export.command("roster")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.pass_context
def export_roster_command(ctx: click.Context, out: Path | None) -> None:
    """Every active team with its area and current champion (area,team,champion,email,since)."""
    from ddq.export import export_roster

    with _connect(ctx) as con:
        count = export_roster(con, out or _stdout())
    if out is not None:
        echo(f"wrote {count} teams to {out}", err=True)


@export.command("bugs")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write to this file instead of standard output.",
)
@click.pass_context
def export_bugs_command(ctx: click.Context, out: Path | None) -> None:
    """Every bug (key,tracker,team,type,status,...,summary,description), sorted by key."""
    from ddq.export import export_bugs

    with _connect(ctx) as con:
        count = export_bugs(con, out or _stdout())
    if out is not None:
        echo(f"wrote {count} bugs to {out}", err=True)


@main.group()
def mappings() -> None:
    """Saved column mappings for bug CSV files from other trackers (field: header)."""


@mappings.command("list")
@click.pass_context
def mappings_list(ctx: click.Context) -> None:
    """The saved mappings' names."""
    from ddq.ingest.bugs import mapping_names

    with _connect(ctx) as con:
        names = mapping_names(con)
    echo("\n".join(names) if names else "no saved mappings yet")


@mappings.command("save")
@click.argument("name")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def mappings_save(ctx: click.Context, name: str, file: Path) -> None:
    """Save the mapping in a JSON FILE ({"key": "IssueId", ...}) as NAME."""
    from ddq.ingest.bugs import read_mapping_file, save_mapping

    columns = read_mapping_file(file)
    with _connect(ctx) as con:
        stored = save_mapping(con, name, columns, who=_who())
    echo(f"saved mapping {name.strip()!r}: {len(stored)} field(s)")


@mappings.command("show")
@click.argument("name")
@click.pass_context
def mappings_show(ctx: click.Context, name: str) -> None:
    """Print a saved mapping as JSON (the form --mapping and `mappings save` read)."""
    import json

    from ddq.ingest.bugs import load_mapping

    with _connect(ctx) as con:
        columns = load_mapping(con, name)
    echo(json.dumps(columns, indent=2, ensure_ascii=False))


@main.group(invoke_without_command=True)
@click.option("--limit", type=int, default=None, help="Show only the newest N imports.")
@click.pass_context
def imports(ctx: click.Context, limit: int | None) -> None:
    """List the imports ledger, newest first; `ddq imports show ID` shows one in full."""
    if ctx.invoked_subcommand is not None:
        return
    from ddq import ledger

    with _connect(ctx) as con:
        entries = ledger.list_imports(con, limit)
    if not entries:
        echo("no imports yet")
        return
    echo(
        f"{'id':>5}  {'when (UTC)':16}  {'kind':8} {'added':>8} {'updated':>8} "
        f"{'same':>8}  {'status':7} {'who':12} file"
    )
    for e in entries:
        status = e["status"] if e["status"] == "applied" else "undone"
        echo(
            f"{e['id']:>5}  {e['imported_at']:%Y-%m-%d %H:%M}  {e['kind']:8} "
            f"{e['added']:>8} {e['updated']:>8} {e['unchanged']:>8}  {status:7} "
            f"{e['who'][:12]:12} {e['file_name']}"
        )


@imports.command("show")
@click.argument("import_id", type=int)
@click.pass_context
def imports_show(ctx: click.Context, import_id: int) -> None:
    """One import in full: its ledger row, then every row it skipped, with line and reason."""
    from ddq import ledger

    with _connect(ctx) as con:
        entry = ledger.get(con, import_id)
        skipped = ledger.skipped_rows(con, import_id)
    echo(f"import {entry['id']}: {entry['kind']}, {entry['file_name']}")
    echo(f"  when: {entry['imported_at']:%Y-%m-%d %H:%M} UTC, by {entry['who']}")
    if entry["sha256"]:
        echo(f"  file SHA-256: {entry['sha256']}")
    echo(
        f"  rows read: {entry['rows_read']}; {entry['added']} added, {entry['updated']} "
        f"updated, {entry['unchanged']} unchanged, {len(skipped)} skipped"
        + (f"; {entry['teams_created']} team(s) created" if entry["teams_created"] else "")
    )
    if entry["status"] == "applied":
        echo("  status: applied")
    else:
        echo(f"  status: undone {entry['undone_at']:%Y-%m-%d %H:%M} UTC by {entry['undone_by']}")
    if skipped:
        echo("skipped rows:")
        for row in skipped:
            echo(f"  line {row['line']}: {row['reason']}")


@main.command()
@click.argument("import_id", type=int)
@click.pass_context
def undo(ctx: click.Context, import_id: int) -> None:
    """Undo an import: restore exactly what it replaced, remove what it added, and
    recompute the bug metrics that depended on it."""
    from ddq.ingest.undo import undo as undo_import

    with _connect(ctx) as con:
        done = undo_import(con, import_id, who=_who())
    echo(done.summary())
    if done.metrics.changed:  # recomputed in the same transaction
        _computation(done.metrics)


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the database's integrity; exit 1 if anything is wrong."""
    from ddq.check import run_checks

    # Opened even when the file holds objects ddq did not create, to list them; the file
    # cannot reach other files or load extensions either way.
    with _connect(ctx, trust_catalog=True) as con:
        findings = run_checks(con)
    for f in findings:
        mark = "ok  " if f.ok else "FAIL"
        echo(f"{mark} {f.check}" + (f": {f.detail}" if f.detail and not f.ok else "")
                   + (f" ({f.note})" if f.note else ""))  # fmt: skip
    failed = [f for f in findings if not f.ok]
    if failed:
        echo(f"{len(failed)} of {len(findings)} checks failed", err=True)
        ctx.exit(1)
    echo(f"all {len(findings)} checks passed")


@main.command()
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="Only changes on or after this day (YYYY-MM-DD, UTC).")  # fmt: skip
@click.option("--who", "by", default=None, help="Only changes by this person.")
@click.option(
    "--action", default=None, help="Only this kind of change, e.g. roster or import.metrics."
)
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the newest N changes.")
@click.option("--full", is_flag=True, help="Show each change's before and after in full.")
@click.pass_context
def audit(ctx: click.Context, since: Any, by: str | None, action: str | None, limit: int | None,
          full: bool) -> None:  # fmt: skip
    """The audit log: who changed what and when, newest first. Nothing can edit it."""
    from ddq import audit as log

    with _connect(ctx) as con:
        found = log.entries(con, since=since.date() if since else None, by=by, action=action,
                            limit=limit)  # fmt: skip
    if not found:
        echo("no audit entries" + (" match" if since or by or action else " yet"))
        return
    for e in found:
        role = f" ({e['role']})" if e["role"] else ""
        echo(f"{e['id']:>6}  {e['happened_at']:%Y-%m-%d %H:%M:%S}  {e['who']}{role}  "
                   f"{e['action']}  {e['subject']}")  # fmt: skip
        change = log.describe(e)
        if change:
            echo("        " + (change if full else _shorten(change, 160)))


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@main.group()
def role() -> None:
    """Who may edit and administer when people sign in with their company account."""


@role.command("list")
@click.pass_context
def role_list(ctx: click.Context) -> None:
    """Everyone given a role in the database (anyone else is a viewer)."""
    from ddq import access

    with _connect(ctx) as con:
        found = access.stored_roles(con)
    if not found:
        echo("nobody has a role in the database: everyone who signs in is a viewer, "
                   "except people the app's configuration names")  # fmt: skip
        return
    _table(["email", "role", "granted by", "granted (UTC)"],
           [[r["email"], r["role"], r["granted_by"], f"{r['granted_at']:%Y-%m-%d %H:%M}"]
            for r in found], right=set())  # fmt: skip


@role.command("set")
@click.argument("email")
@click.argument("role_name", metavar="ROLE", type=click.Choice(["viewer", "editor", "admin"]))
@click.pass_context
def role_set(ctx: click.Context, email: str, role_name: str) -> None:
    """Give EMAIL a ROLE (viewer takes their role away)."""
    from ddq import access

    with _connect(ctx) as con:
        echo(access.set_role(con, email, role_name, who=_who()))


# ---------------------------------------------------------------- critical-bug definitions


@main.group()
def critical() -> None:
    """Critical-bug definitions: draft, propose, take stances, see the impact, adopt."""


def _rule_text(value: str) -> str:
    """``--rule`` is JSON text, a file holding it, or - for standard input."""
    from ddq.rules import InvalidRule

    if value == "-":
        return sys.stdin.read()
    if value.lstrip().startswith(("{", "[")):
        return value
    path = Path(value)
    if not path.is_file():
        raise InvalidRule(
            [f"rule: {value!r} is neither a file nor JSON; give a file holding the rule, "
             'or the rule itself such as {"any": [...]}']
        )  # fmt: skip
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRule([f"rule: cannot read {value}: {exc}"]) from None


def _status_words(d: dict[str, Any]) -> str:
    words = d["status"]
    if d["effective_from"] is not None:
        words += f", effective {d['effective_from']}"
    if d["retired_at"] is not None:
        words += f", retired {d['retired_at']:%Y-%m-%d}"
    if d["in_force"]:
        words += ", in force"
    return words


def _summary_words(summary: dict[str, int]) -> str:
    words = (
        f"{summary['agree']} agree, {summary['disagree']} disagree, "
        f"{summary['abstain']} abstain, {summary['none']} not yet"
    )
    if summary["no_champion"]:
        words += f"; {summary['no_champion']} without a champion"
    return words


@critical.command("list")
@click.pass_context
def critical_list(ctx: click.Context) -> None:
    """Every definition version, newest first."""
    from ddq import critical as crit

    with _connect(ctx) as con:
        found = crit.versions(con)
        summaries = {
            d["version"]: crit.stance_summary(con, d["version"])
            for d in found
            if d["status"] == "proposed"
        }
    if not found:
        echo("no definitions yet; write one with `ddq critical draft`")
        return
    echo(f"{'v':>4}  {'status':8}  {'effective':10}  {'in force':8}  title")
    for d in found:
        effective = str(d["effective_from"] or "")
        line = (
            f"{d['version']:>4}  {d['status']:8}  {effective:10}  "
            f"{'yes' if d['in_force'] else '':8}  {d['title']}"
        )
        if d["version"] in summaries:
            line += f"  ({_summary_words(summaries[d['version']])})"
        echo(line)


@critical.command("show")
@click.argument("version", type=int)
@click.pass_context
def critical_show(ctx: click.Context, version: int) -> None:
    """A version in plain words, its rule, status and the teams' stances."""
    from ddq import critical as crit

    with _connect(ctx) as con:
        d = crit.get(con, version)
        stances = crit.stances(con, version)
        summary = crit.stance_summary(con, version)
    echo(f"Version {d['version']}: {d['title']} ({_status_words(d)})")
    echo(d["explanation"])
    sla = f"{d['sla_days']} days" if d["sla_days"] is not None else "none"
    echo(f"SLA: {sla}")
    if d["based_on"] is not None:
        echo(f"based on: version {d['based_on']}")
    echo(f"drafted {d['created_at']:%Y-%m-%d} by {d['created_by']}")
    if d["adopted_at"] is not None:
        echo(f"adopted {d['adopted_at']:%Y-%m-%d} by {d['adopted_by']}")
    for label in ("rationale", "examples"):
        if d[label]:
            echo(f"{label}:")
            for text in d[label].splitlines():
                echo(f"  {text}")
    echo("rule:")
    for text in d["rule_json"].splitlines():
        echo(f"  {text}")
    echo(f"stances: {_summary_words(summary)}")
    for s in stances:
        where = f"{s['area']} / {s['team']}" if s["area"] else s["team"]
        champion = s["champion"] or "no champion"
        line = f"  {where}: {s['stance'] or 'not yet'} ({champion})"
        if s["comment"]:
            line += f": {s['comment']}"
        echo(line)


@critical.command("draft")
@click.option("--title", required=True, help="A short name for the definition.")
@click.option(
    "--rule",
    "rule",
    metavar="FILE_OR_JSON",
    help="The rule: JSON text, a file holding it, or - for standard input "
    "(with --based-on, defaults to that version's rule).",
)
@click.option("--rationale", default=None, help="Why this definition.")
@click.option("--examples", default=None, help="Bugs that are and are not critical under it.")
@click.option("--sla-days", type=int, default=None, help="Days a critical bug may stay open.")
@click.option("--based-on", type=int, default=None, help="Start from this version.")
@click.pass_context
def critical_draft(
    ctx: click.Context,
    title: str,
    rule: str | None,
    rationale: str | None,
    examples: str | None,
    sla_days: int | None,
    based_on: int | None,
) -> None:
    """Write a new draft definition."""
    from ddq import critical as crit
    from ddq.rules import InvalidRule

    if rule is None and based_on is None:
        raise InvalidRule(["rule: give --rule (JSON text or a file), or --based-on VERSION"])
    text = _rule_text(rule) if rule is not None else None
    with _connect(ctx) as con:
        version = crit.create_draft(
            con,
            title=title,
            rule=text,
            rationale=rationale,
            examples=examples,
            sla_days=sla_days,
            who=_who(),
            based_on=based_on,
        )
        d = crit.get(con, version)
    echo(f"draft version {version} written: {d['title']}")
    echo(d["explanation"])


@critical.command("edit")
@click.argument("version", type=int)
@click.option("--title", default=None)
@click.option("--rule", "rule", metavar="FILE_OR_JSON", default=None)
@click.option("--rationale", default=None)
@click.option("--examples", default=None)
@click.option("--sla-days", type=int, default=None)
@click.option("--no-sla", is_flag=True, help="Remove the SLA.")
@click.pass_context
def critical_edit(
    ctx: click.Context,
    version: int,
    title: str | None,
    rule: str | None,
    rationale: str | None,
    examples: str | None,
    sla_days: int | None,
    no_sla: bool,
) -> None:
    """Change a draft or a proposal (a proposal's rule only while no team took a stance)."""
    from ddq import critical as crit

    fields: dict[str, Any] = {
        k: v
        for k, v in (("title", title), ("rationale", rationale), ("examples", examples),
                     ("sla_days", sla_days))
        if v is not None
    }  # fmt: skip
    if rule is not None:
        fields["rule"] = _rule_text(rule)
    if no_sla:
        fields["sla_days"] = None
    with _connect(ctx) as con:
        changed = crit.update_draft(con, version, who=_who(), **fields)
    if changed:
        echo(f"version {version}: changed {', '.join(changed).replace('sla_days', 'SLA')}")
    else:
        echo(f"version {version}: nothing changed")


@critical.command("propose")
@click.argument("version", type=int)
@click.pass_context
def critical_propose(ctx: click.Context, version: int) -> None:
    """Put a draft to the champions, who can then take a stance."""
    from ddq import critical as crit

    with _connect(ctx) as con:
        crit.propose(con, version, who=_who())
    echo(f"version {version} proposed; champions can now take a stance on it")


@critical.command("adopt")
@click.argument("version", type=int)
@click.option(
    "--effective",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="The day it takes effect (YYYY-MM-DD). Default: the suggested day (the first "
    "definition: the week of the oldest bug; later ones: the latest complete week).",
)
@click.pass_context
def critical_adopt(ctx: click.Context, version: int, effective: Any) -> None:
    """Adopt a proposal from a day on; the definition it replaces is retired that day."""
    from ddq import critical as crit

    with _connect(ctx) as con:
        if effective is None:
            dates = crit.adoption_dates(con)
            day = dates.suggested
            echo(f"effective from {day}: {dates.why}")
        else:
            day = effective.date()
        replaced = crit.adopt(con, version, effective_from=day, who=_who())
    message = f"version {version} adopted, effective {day}"
    if replaced is not None:
        message += f"; version {replaced} retired on that day"
    echo(message)


@critical.command("retire")
@click.argument("version", type=int)
@click.pass_context
def critical_retire(ctx: click.Context, version: int) -> None:
    """Retire a version now (an adopted one stops being in force)."""
    from ddq import critical as crit

    with _connect(ctx) as con:
        crit.retire(con, version, who=_who())
    echo(f"version {version} retired")


@critical.command("stance")
@click.argument("version", type=int)
@click.option("--team", required=True)
@click.option(
    "--stance",
    "stance",
    required=True,
    type=click.Choice(["agree", "disagree", "abstain"], case_sensitive=False),
)
@click.option("--comment", default="", help="Why (required when disagreeing).")
@click.pass_context
def critical_stance(ctx: click.Context, version: int, team: str, stance: str, comment: str) -> None:
    """Record a team's stance on a proposal, under its current champion."""
    from ddq import critical as crit

    with _connect(ctx) as con:
        done = crit.record_stance(
            con, version, team=team, stance=stance, comment=comment, who=_who()
        )
    echo(f"{done['team']}: {done['stance']} on version {version}, recorded for {done['champion']}")


@critical.command("impact")
@click.argument("version", type=int)
@click.option("--against", type=int, default=None, help="Compare with this version instead.")
@click.option(
    "--on",
    "on",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    help="Bugs open at the end of this day (default: today, UTC).",
)
@click.option("--show", "show", type=click.IntRange(0, 500), default=20, show_default=True,
              help="How many of the bugs that change class to list.")  # fmt: skip
@click.pass_context
def critical_impact(
    ctx: click.Context, version: int, against: int | None, on: Any, show: int
) -> None:
    """Per team, the open critical bugs now and under VERSION, and the bugs that change."""
    from ddq import critical as crit

    with _connect(ctx) as con:
        result = crit.impact(
            con, version, against=against, on=on.date() if on else None, limit=show
        )
    if result["against"] is None:
        base, short = "no definition in force", "none"
    else:
        base = f"version {result['against']} ({result['against_title']})"
        short = f"v{result['against']}"
    echo(f"version {version} ({result['title']}) against {base}, bugs open on {result['on']}")
    width = max([len("team"), len("total")] + [len(t["team"]) for t in result["teams"]])
    header = (
        f"{'team':{width}}  {'open':>6}  {'critical ' + short:>14}  "
        f"{'critical v' + str(version):>14}  {'change':>6}  {'+critical':>9}  {'-critical':>9}"
    )
    echo(header)
    for row in [*result["teams"], {"team": "total", **result["totals"]}]:
        echo(
            f"{row['team']:{width}}  {row['open_bugs']:>6}  {row['critical_before']:>14}  "
            f"{row['critical_after']:>14}  {row['change']:>+6}  {row['became_critical']:>9}  "
            f"{row['became_not_critical']:>9}"
        )
    total = result["changed_total"]
    if not total:
        echo("no open bug changes class")
        return
    shown = result["changed"]
    if len(shown) == total:
        echo(f"{total} bug(s) change class:")
    elif shown:
        echo(f"{total} bug(s) change class; the first {len(shown)}:")
    else:
        echo(f"{total} bug(s) change class (list them with --show N)")
    for bug in shown:
        facts = ", ".join(
            f"{label} {bug[key]}"
            for label, key in (("priority", "priority"), ("severity", "severity"),
                               ("type", "type"))
            if bug[key]
        )  # fmt: skip
        extras = [f"labels {', '.join(bug['labels'])}"] if bug["labels"] else []
        if bug["components"]:
            extras.append(f"components {', '.join(bug['components'])}")
        details = "; ".join(x for x in (facts, *extras) if x)
        echo(
            f"  {bug['key']} ({bug['team']}) becomes {bug['becomes']}: "
            f"{bug['summary'] or ''}" + (f" [{details}]" if details else "")
        )


@critical.command("compare")
@click.argument("a", type=int)
@click.argument("b", type=int)
@click.pass_context
def critical_compare(ctx: click.Context, a: int, b: int) -> None:
    """Two versions side by side, and what changed from A to B in words."""
    from ddq import critical as crit

    with _connect(ctx) as con:
        result = crit.compare(con, a, b)
    for side in (result["a"], result["b"]):
        echo(f"version {side['version']}: {side['title']} ({side['status']})")
        echo(f"  {side['explanation']}")
    echo(f"changes from version {a} to version {b}:")
    if result["changes"]:
        for sentence in result["changes"]:
            echo(f"  - {sentence}")
    else:
        echo("  none: the two mean the same")
    for side in (result["a"], result["b"]):
        echo(f"rule of version {side['version']}:")
        for text in side["rule_json"].splitlines():
            echo(f"  {text}")


@main.group()
def settings() -> None:
    """The program's settings: name, channels, links, done statuses, bug types."""


@settings.command("get")
@click.argument("key", required=False)
@click.pass_context
def settings_get(ctx: click.Context, key: str | None) -> None:
    """Print every setting as KEY = VALUE, or only KEY's value."""
    from ddq import settings as program

    with _connect(ctx) as con:
        values = program.current(con)
    if key is not None:
        if key not in values:
            program.validate(key, "")  # says which keys there are
        echo(values[key])
        return
    for setting in program.SETTINGS:
        echo(f"{setting.key} = {values[setting.key]}")
        echo(f"    {setting.label}")


@settings.command("set")
@click.argument("key")
@click.argument("value")
@click.pass_context
def settings_set(ctx: click.Context, key: str, value: str) -> None:
    """Set KEY to VALUE ("" empties it); lists are comma-separated, like "Closed, Done"."""
    from ddq import settings as program

    with _connect(ctx) as con:
        before = program.current(con).get(key)
        after = program.update(con, {key: value}, who=_who())[key]
    echo(f"{key} = {after}" + ("" if after != before else " (unchanged)"))
    if after != before and key == "bug_types":
        echo("the weekly bug metrics were recomputed with these issue types")
    if after != before and key == "done_statuses":
        echo("bug imports from now on use these statuses; import a file again to apply "
             "them to the bugs it holds")  # fmt: skip


@main.group()
def teams() -> None:
    """Which team owns a bug: map components, project keys or labels to teams."""


@teams.command("map")
@click.argument("kind", type=click.Choice(["component", "project", "label"]), required=False)
@click.argument("value", required=False)
@click.argument("team", required=False)
@click.option(
    "--file",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A CSV file of kind,value,team: map every row, all or nothing.",
)
@click.option(
    "--create-teams", is_flag=True, help="With --file: create the teams it names that do not exist."
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="With --file: check it and say what would change; change nothing.",
)
@click.pass_context
def teams_map(
    ctx: click.Context,
    kind: str | None,
    value: str | None,
    team: str | None,
    file: Path | None,
    create_teams: bool,
    dry_run: bool,
) -> None:
    """Map a component, project key or label (VALUE) to TEAM, or every row of a file.

    \b
    ddq teams map component Store "Store Team"
    ddq teams map --file owners.csv [--create-teams] [--dry-run]

    The file's header is kind,value,team; kind is component, project or label. The bug
    metrics are recomputed once for the whole file.
    """
    from ddq import ownership

    given = [a for a in (kind, value, team) if a is not None]
    if file is not None and given:
        raise click.UsageError("Give either KIND VALUE TEAM or --file FILE, not both.")
    if file is None and len(given) != 3:
        raise click.UsageError("Give KIND VALUE TEAM (or --file FILE with kind,value,team rows).")
    if file is None and (create_teams or dry_run):
        raise click.UsageError("--create-teams and --dry-run go with --file.")
    with _connect(ctx) as con:
        if file is None:
            echo(ownership.set_mapping(con, kind, value, team, who=_who()))
            return
        result = ownership.map_from_file(
            con, file, who=_who(), create_teams=create_teams, dry_run=dry_run,
            max_mb=_SIZE_LIMIT_MB,
        )  # fmt: skip
    echo(result.summary())
    if result.metrics is not None and result.metrics.changed:
        _computation(result.metrics)


@teams.command("unmap")
@click.argument("kind", type=click.Choice(["component", "project", "label"]))
@click.argument("value")
@click.pass_context
def teams_unmap(ctx: click.Context, kind: str, value: str) -> None:
    """Remove a mapping."""
    from ddq import ownership

    with _connect(ctx) as con:
        echo(ownership.remove_mapping(con, kind, value, who=_who()))


@teams.command("mappings")
@click.pass_context
def teams_mappings(ctx: click.Context) -> None:
    """List the mappings, then what unassigned bugs would need mapped."""
    from ddq import ownership

    with _connect(ctx) as con:
        found, unmapped = ownership.mappings(con), ownership.unmapped_values(con)
    for m in found:
        echo(f"{m['kind']:9} {m['value']} -> {m['team']}")
    if not found:
        echo("no mappings yet")
    for u in unmapped:
        echo(f"unmapped {u['kind']} {u['value']}: {u['bugs']} bugs")


@main.group()
def bugs() -> None:
    """Weekly bug metrics computed from the imported bugs."""


def _computation(result: Any) -> None:
    echo(result.summary())
    for note in result.notes:
        echo(note, err=True)


@bugs.command("compute")
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
@click.pass_context
def bugs_compute(ctx: click.Context, dry_run: bool) -> None:
    """Bring the weekly bug metrics up to date, through the latest complete week.

    Every import, undo, mapping and adoption already recomputes them; run this when a
    new week has completed since (or from a weekly timer)."""
    from ddq import bugmetrics

    with _connect(ctx) as con:
        _computation(bugmetrics.refresh(con, who=_who(), dry_run=dry_run))


@bugs.command("recompute")
@click.option(
    "--definition", "version", type=int, required=True, help="The adopted definition to apply."
)
@click.option(
    "--from",
    "since",
    type=click.DateTime(["%Y-%m-%d"]),
    required=True,
    help="First day (its ISO week) to recompute.",
)
@click.pass_context
def bugs_recompute(ctx: click.Context, version: int, since: Any) -> None:
    """Recompute history under a definition, on purpose (recorded and annotated)."""
    from ddq import critical

    with _connect(ctx) as con:
        _computation(critical.apply_to_history(con, version, since=since.date(), who=_who()))


# ---------------------------------------------------------------- targets and progress

_DAY = click.DateTime(formats=["%Y-%m-%d"])


@main.group()
def target() -> None:
    """Targets per team and metric: a baseline, a value to reach and a due date."""


@target.command("set")
@click.argument("team")
@click.argument("metric")
@click.option("--target", "value", type=float, required=True, help="The value to reach.")
@click.option("--due", type=_DAY, required=True, help="By when (YYYY-MM-DD).")
@click.option(
    "--baseline",
    type=float,
    default=None,
    help="The starting value (default: the mean of the team's first 4 reported weeks).",
)
@click.option(
    "--baseline-from", type=_DAY, default=None, help="Baseline: the mean from this day..."
)
@click.option("--baseline-to", type=_DAY, default=None, help="...to this day (YYYY-MM-DD).")
@click.pass_context
def target_set(
    ctx: click.Context,
    team: str,
    metric: str,
    value: float,
    due: Any,
    baseline: float | None,
    baseline_from: Any,
    baseline_to: Any,
) -> None:
    """Set or change TEAM's target for METRIC (its key or label).

    The whole target is replaced: without --baseline or a baseline period, the baseline is
    the mean of the team's first 4 reported weeks. Refused when the target is worse than
    the baseline (equal holds the line), outside what the metric can take, or due in the past.
    """
    from ddq import progress

    if (baseline_from is None) != (baseline_to is None):
        raise click.UsageError("Give both --baseline-from and --baseline-to, or neither.")
    period = None if baseline_from is None else (baseline_from.date(), baseline_to.date())
    with _connect(ctx) as con:
        message = progress.set_target(
            con, team, metric, target=value, due=due.date(), who=_who(), baseline=baseline,
            baseline_period=period,
        )  # fmt: skip
    echo(message)


@target.command("area")
@click.argument("area")
@click.argument("metric")
@click.option("--target", "value", type=float, required=True, help="The value to reach.")
@click.option("--due", type=_DAY, required=True, help="By when (YYYY-MM-DD).")
@click.option("--team", "teams", multiple=True, help="Only these teams of the area (repeat).")
@click.pass_context
def target_area(
    ctx: click.Context, area: str, metric: str, value: float, due: Any, teams: tuple[str, ...]
) -> None:
    """Give every active team of AREA the same target for METRIC, in one step."""
    from ddq import progress

    with _connect(ctx) as con:
        done = progress.adopt_area_target(
            con, area, metric, target=value, due=due.date(), who=_who(), teams=teams or None
        )
    echo(done["message"])


@target.command("remove")
@click.argument("team")
@click.argument("metric")
@click.pass_context
def target_remove(ctx: click.Context, team: str, metric: str) -> None:
    """Remove TEAM's target for METRIC (the audit log keeps it)."""
    from ddq import progress

    with _connect(ctx) as con:
        echo(progress.remove_target(con, team, metric, who=_who()))


def _table(header: list[str], lines: list[list[str]], right: set[int]) -> None:
    """Print an aligned table: columns as wide as their widest cell, numbers to the right."""
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, *lines]:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        echo("  ".join(cells).rstrip())


@target.command("list")
@click.option("--team", default=None, help="Only this team.")
@click.option("--area", default=None, help="Only this area's teams.")
@click.pass_context
def target_list(ctx: click.Context, team: str | None, area: str | None) -> None:
    """Every target with its baseline, value, due date and who set it."""
    from ddq import progress, text

    with _connect(ctx) as con:
        found = progress.targets(con, team=team, area=area)
    if not found:
        echo("no targets yet; set one with `ddq target set TEAM METRIC --target V --due DATE`")
        return
    _table(
        ["team", "metric", "baseline", "target", "due", "set by", "set (UTC)", "baseline source"],
        [
            [t["team"] + ("" if t["active"] else " (retired)"), t["metric"],
             *text.numbers([t["baseline"], t["target"]], t["unit"], exact=[False, True]),
             str(t["due"]), t["set_by"], f"{t['set_at']:%Y-%m-%d %H:%M}", t["baseline_source"]]
            for t in found
        ],
        right={2, 3},
    )  # fmt: skip


@main.command()
@click.option("--team", default=None, help="Only this team.")
@click.option("--area", default=None, help="Only this area's teams.")
@click.option("--all", "show_all", is_flag=True, help="Also list reported metrics without target.")
@click.option("--changes", is_flag=True, help="Only the statuses that changed since last week.")
@click.pass_context
def progress(
    ctx: click.Context, team: str | None, area: str | None, show_all: bool, changes: bool
) -> None:
    """Each team's progress toward its targets: on track, at risk, off track, achieved."""
    from ddq import progress as prog
    from ddq import text

    if changes:
        if team is not None:
            raise click.UsageError("--changes works for the organisation or an --area.")
        with _connect(ctx) as con:
            found = prog.status_changes(con, area=area)
        if not found:
            echo("no status changed since last week")
            return
        _table(
            ["team", "metric", "last week", "this week", "why"],
            [[c["team"], c["metric"].key, c["before"], c["after"],
              c["reason"] + (" (target changed this week)" if c["target_changed"] else "")]
             for c in found],
            right=set(),
        )  # fmt: skip
        return
    with _connect(ctx) as con:
        found = prog.progress_for(con, team=team, area=area)
    shown = [p for p in found if show_all or p.has_target]
    if not shown:
        echo("no targets yet; set one with `ddq target set TEAM METRIC --target V --due DATE`")
    else:
        echo(f"as of the week of {shown[0].as_of}")
        _table(
            ["team", "metric", "baseline", "current", "target", "due", "slope/week", "status",
             "why"],
            [[p.team, p.metric.key,
              *text.numbers([p.baseline, p.current, p.target], p.metric.unit,
                            exact=[False, False, True]),
              str(p.due or "-"), text.change(p.slope, p.metric.unit), p.status, p.reason]
             for p in shown],
            right={2, 3, 4, 6},
        )  # fmt: skip
    hidden = len(found) - len(shown)
    if hidden:
        echo(f"{hidden} reported metric(s) have no target; --all lists them")


# ---------------------------------------------------------------- the weekly meeting


@main.group()
def meeting() -> None:
    """The weekly meeting: agenda, attendance, notes, action items and the summary."""


def _meeting_id(con: Any, meeting_id: int | None, day: Any, areas: tuple[str, ...]) -> int:
    """The meeting named by --id, else by --date (and --area), else the latest held (of
    the --area scope)."""
    from ddq import meeting as mt
    from ddq.errors import Conflict

    try:
        return mt.find_meeting(con, meeting_id=meeting_id, day=day.date() if day else None,
                               areas=areas)  # fmt: skip
    except Conflict as several:  # the command's words for "name one"
        raise click.UsageError(
            str(several).replace("by its id or its areas", "with --id or --area")
        ) from None


@meeting.command("start")
@click.option("--date", "day", type=_DAY, default=None, help="The meeting's date (default: today).")
@click.option("--area", "areas", multiple=True, help="An area it covers (repeat; none: all).")
@click.option(
    "--order",
    type=click.Choice(["area", "movers", "status", "rotation"]),
    default="area",
    show_default=True,
    help="The agenda's order.",
)
@click.option("--title", default=None, help="A title for the summary.")
@click.pass_context
def meeting_start(
    ctx: click.Context, day: Any, areas: tuple[str, ...], order: str, title: str | None
) -> None:
    """Create a meeting and its agenda; print its id and the teams in order."""
    from ddq import meeting as mt

    with _connect(ctx) as con:
        meeting_id = mt.create_meeting(
            con, held_on=None if day is None else day.date(), areas=areas, order=order,
            title=title, who=_who(),
        )  # fmt: skip
        found = mt.get_meeting(con, meeting_id)
    echo(
        f"meeting {meeting_id} on {found['held_on']} ({found['scope']}), "
        f"{len(found['teams'])} teams, {mt.ORDER_WORDS[order]}:"
    )
    for t in found["teams"]:
        echo(f"  {t['position'] + 1}. {t['team']} ({t['champion'] or 'no champion'})")


@meeting.command("list")
@click.option("--limit", type=int, default=None, help="Only the newest N meetings.")
@click.pass_context
def meeting_list(ctx: click.Context, limit: int | None) -> None:
    """Every meeting, newest first."""
    from ddq import meeting as mt

    with _connect(ctx) as con:
        found = mt.meetings(con, limit)
    if not found:
        echo("no meetings yet; start one with `ddq meeting start`")
        return
    _table(
        ["id", "date", "scope", "status", "presented", "present", "leader", "title"],
        [[str(m["id"]), str(m["held_on"]), m["scope"], m["status"],
          f"{m['presented']} of {m['teams']}", f"{m['present']} of {m['champions']}",
          {True: m["leader_name"] or "yes", False: "no", None: "-"}[m["leader_present"]],
          m["title"]]
         for m in found],
        right={0},
    )  # fmt: skip


@meeting.command("show")
@click.argument("meeting_id", type=int)
@click.pass_context
def meeting_show(ctx: click.Context, meeting_id: int) -> None:
    """A meeting: its agenda with attendance, and who is presenting."""
    from ddq import meeting as mt

    with _connect(ctx) as con:
        found = mt.get_meeting(con, meeting_id)
    title = f": {found['title']}" if found["title"] else ""
    echo(f"meeting {found['id']} on {found['held_on']}{title} ({found['scope']}), "
               f"{found['status']}, agenda {mt.ORDER_WORDS[found['agenda_order']]}")  # fmt: skip
    leader = {True: f"present ({found['leader_name'] or 'unnamed'})", False: "absent",
              None: "not marked"}[found["leader_present"]]  # fmt: skip
    echo(f"leader: {leader}")
    for t in found["teams"]:
        mark = ">" if t["position"] == found["current_position"] else " "
        champion = t["champion"] or "no champion"
        present = {True: "present", False: "absent", None: "not marked"}[t["present"]]
        presented = "presented" if t["presented"] else "not presented"
        attended = "" if t["champion"] is None else f", {present}"
        echo(f"{mark} {t['position'] + 1}. {t['team']}: {champion}{attended}, {presented}")


@meeting.command("goto")
@click.argument("meeting_id", type=int)
@click.argument("team")
@click.pass_context
def meeting_goto(ctx: click.Context, meeting_id: int, team: str) -> None:
    """Present TEAM (its name, or its place on the agenda from 1) in the meeting."""
    from ddq import meeting as mt

    with _connect(ctx) as con:
        position = mt.agenda_position(mt.get_meeting(con, meeting_id), team)
        echo(mt.set_position(con, meeting_id, position, _who()))


@meeting.command("note")
@click.argument("meeting_id", type=int)
@click.argument("team")
@click.argument("text")
@click.option(
    "--kind",
    type=click.Choice(["doing", "feedback_wanted", "feedback_given"]),
    required=True,
    help="What we're doing, feedback wanted, or feedback given.",
)
@click.pass_context
def meeting_note(ctx: click.Context, meeting_id: int, team: str, text: str, kind: str) -> None:
    """Write TEAM's note for the meeting (TEXT; - reads standard input; "" removes it)."""
    from ddq import meeting as mt

    if text == "-":
        text = sys.stdin.read()
    with _connect(ctx) as con:
        echo(mt.set_note(con, meeting_id, team, kind, text, _who()))


@meeting.command("attend")
@click.argument("meeting_id", type=int)
@click.argument("team")
@click.option("--absent", is_flag=True, help="Mark the champion absent (default: present).")
@click.pass_context
def meeting_attend(ctx: click.Context, meeting_id: int, team: str, absent: bool) -> None:
    """Mark TEAM's champion present (or --absent) at the meeting."""
    from ddq import meeting as mt

    with _connect(ctx) as con:
        echo(mt.set_attendance(con, meeting_id, team, not absent, _who()))


@meeting.command("leader")
@click.argument("meeting_id", type=int)
@click.option("--name", default=None, help="Who (default for one area: its head).")
@click.option("--absent", is_flag=True, help="No leader attended.")
@click.pass_context
def meeting_leader(ctx: click.Context, meeting_id: int, name: str | None, absent: bool) -> None:
    """Record that the area head or another leader attended (or --absent)."""
    from ddq import meeting as mt

    with _connect(ctx) as con:
        echo(mt.set_leader(con, meeting_id, not absent, name, _who()))


@meeting.command("finish")
@click.argument("meeting_id", type=int)
@click.pass_context
def meeting_finish(ctx: click.Context, meeting_id: int) -> None:
    """Finish the meeting (champions not marked present are recorded absent)."""
    from ddq import meeting as mt

    with _connect(ctx) as con:
        echo(mt.finish(con, meeting_id, _who()))


@meeting.command("summary")
@click.option("--date", "day", type=_DAY, default=None, help="The meeting of this date.")
@click.option("--id", "meeting_id", type=int, default=None, help="The meeting with this id.")
@click.option("--area", "areas", multiple=True, help="The meeting of these areas (repeat).")
@click.pass_context
def meeting_summary(
    ctx: click.Context, day: Any, meeting_id: int | None, areas: tuple[str, ...]
) -> None:
    """Print a meeting's summary in Markdown, for Slack (default: the latest meeting held)."""
    from ddq import meeting as mt

    if day is not None and meeting_id is not None:
        raise click.UsageError("Give --date or --id, not both.")
    with _connect(ctx) as con:
        text = mt.summary_markdown(con, _meeting_id(con, meeting_id, day, areas))
    echo(text, nl=False)


@meeting.command("slides")
@click.option("--date", "day", type=_DAY, default=None, help="The meeting of this date.")
@click.option("--id", "meeting_id", type=int, default=None, help="The meeting with this id.")
@click.option("--area", "areas", multiple=True, help="The meeting of these areas (repeat).")
@click.option(
    "--team",
    default=None,
    help="Only this team's slide, as a PNG: its name, or its place on the agenda from 1.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The file to write (default: named after the meeting, in this folder).",
)
@click.pass_context
def meeting_slides(
    ctx: click.Context,
    day: Any,
    meeting_id: int | None,
    areas: tuple[str, ...],
    team: str | None,
    out: Path | None,
) -> None:
    """Write a meeting as one HTML deck, or --team's slide as a PNG (default: the latest
    meeting held). The PNG needs Chrome or Chromium; the deck opens offline."""
    from ddq import meeting as mt
    from ddq import slides

    if day is not None and meeting_id is not None:
        raise click.UsageError("Give --date or --id, not both.")
    with _connect(ctx) as con:
        found = mt.get_meeting(con, _meeting_id(con, meeting_id, day, areas))
        if team is None:
            content: bytes = slides.deck_html(con, found["id"]).encode("utf-8")
            what = f"the meeting of {found['held_on']} ({found['scope']}), a title slide and "
            what += f"{len(found['teams'])} team slide{'s' if len(found['teams']) != 1 else ''}"
        else:
            place = found["teams"][mt.agenda_position(found, team)]
            content = slides.png(con, found["id"], place["team"])
            what = f"{place['team']} ({place['position'] + 1} of {len(found['teams'])}), 1280x720"
    target = out or Path(slides.file_name(found, None if team is None else place["team"]))
    target.write_bytes(content)
    echo(f"wrote {target}: {what}")


@meeting.command("health")
@click.option("--area", "areas", multiple=True, help="Only these areas' teams (repeat).")
@click.option("--date", "day", type=_DAY, default=None, help="As of this day (default: today).")
@click.pass_context
def meeting_health(ctx: click.Context, areas: tuple[str, ...], day: Any) -> None:
    """Community health: attendance, leaders, teams not presented, overdue actions."""
    from ddq import meeting as mt

    with _connect(ctx) as con:
        health = mt.community_health(con, as_of=None if day is None else day.date(), areas=areas)
    leader = health["leader"]
    echo(f"as of {health['as_of']}: a leader attended {leader['attended']} of the last "
               f"{leader['meetings']} meeting(s)")  # fmt: skip
    for a in health["attendance"]:
        rate = "-" if a["rate"] is None else f"{a['rate']:.0%}"
        echo(f"  {a['champion']} ({', '.join(a['teams'])}): {a['present']} of "
                   f"{a['marked']} marked meeting(s), {rate}")  # fmt: skip
    for r in health["not_presented"]:
        when = "never" if r["last_presented"] is None else f"last on {r['last_presented']}"
        echo(f"not presented for {mt.NOT_PRESENTED_WEEKS}+ weeks: {r['team']} ({when})")
    for a in health["overdue"]:
        echo(f"overdue: action {a['id']} {a['team']}: {a['text']} (owner {a['owner']}, "
                   f"due {a['due']})")  # fmt: skip


@meeting.group("action")
def meeting_action() -> None:
    """Action items: raised for a team, carried to every meeting until done or dropped."""


@meeting_action.command("add")
@click.argument("team")
@click.argument("text")
@click.option("--owner", required=True, help="Who will do it.")
@click.option("--due", type=_DAY, required=True, help="By when (YYYY-MM-DD).")
@click.option("--meeting", "meeting_id", type=int, default=None, help="Raised in this meeting.")
@click.pass_context
def meeting_action_add(
    ctx: click.Context, team: str, text: str, owner: str, due: Any, meeting_id: int | None
) -> None:
    """Raise an action item for TEAM."""
    from ddq import meeting as mt

    with _connect(ctx) as con:
        action_id = mt.add_action(con, team=team, text=text, owner=owner, due=due.date(),
                                  meeting_id=meeting_id, who=_who())  # fmt: skip
    echo(f"action {action_id} raised for {team}, due {due.date()}")


def _close_action(ctx: click.Context, action_id: int, status: str, meeting_id: int | None) -> None:
    from ddq import meeting as mt

    with _connect(ctx) as con:
        echo(mt.set_action_status(con, action_id, status, _who(), meeting_id=meeting_id))


@meeting_action.command("done")
@click.argument("action_id", type=int)
@click.option("--meeting", "meeting_id", type=int, default=None, help="Closed in this meeting.")
@click.pass_context
def meeting_action_done(ctx: click.Context, action_id: int, meeting_id: int | None) -> None:
    """Mark an action item done."""
    _close_action(ctx, action_id, "done", meeting_id)


@meeting_action.command("drop")
@click.argument("action_id", type=int)
@click.option("--meeting", "meeting_id", type=int, default=None, help="Dropped in this meeting.")
@click.pass_context
def meeting_action_drop(ctx: click.Context, action_id: int, meeting_id: int | None) -> None:
    """Drop an action item (it will not be done)."""
    _close_action(ctx, action_id, "dropped", meeting_id)


@meeting_action.command("reopen")
@click.argument("action_id", type=int)
@click.pass_context
def meeting_action_reopen(ctx: click.Context, action_id: int) -> None:
    """Open a done or dropped action item again."""
    _close_action(ctx, action_id, "open", None)


@meeting_action.command("list")
@click.option("--team", default=None, help="Only this team's.")
@click.pass_context
def meeting_action_list(ctx: click.Context, team: str | None) -> None:
    """The open action items, by due date."""
    from ddq import meeting as mt

    with _connect(ctx) as con:
        found = mt.open_actions(con, team=team)
    if not found:
        echo("no open action items")
        return
    _table(
        ["id", "team", "due", "owner", "action"],
        [[str(a["id"]), a["team"], str(a["due"]) + (" (overdue)" if a["overdue"] else ""),
          a["owner"], a["text"].replace("\n", " ")]
         for a in found],
        right={0},
    )  # fmt: skip


if __name__ == "__main__":
    main()
