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


def _who() -> str:
    """The CLI acts for the operating-system user who runs it."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


class _Ddq(click.Group):
    """Turns ddq's own errors into a message on stderr and a non-zero exit, no traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DdqError as exc:
            click.echo(str(exc), err=True)
            ctx.exit(1)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except BrokenPipeError:  # `ddq export metrics | head`: the reader has what it wanted
            sys.stdout = None  # type: ignore[assignment]  # no flush error at exit
            ctx.exit(0)
        except Exception as exc:
            if os.environ.get("DDQ_DEBUG"):
                raise
            click.echo(
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


def _connect(ctx: click.Context):
    from ddq import db

    return db.connect(ctx.obj)


@main.command()
@click.pass_context
def init(ctx: click.Context) -> None:
    """Create the database (or bring its schema up to date)."""
    from ddq import db
    from ddq.schema import latest_version

    with _connect(ctx):
        pass
    click.echo(f"database {db.resolve_path(ctx.obj)} ready (schema version {latest_version()})")


@main.command()
@click.option("--teams", default=16, show_default=True, type=click.IntRange(1, 5000))
@click.option("--weeks", default=104, show_default=True, type=click.IntRange(1, 1300))
@click.option("--seed", default=7, show_default=True, type=int)
@click.pass_context
def demo(ctx: click.Context, teams: int, weeks: int, seed: int) -> None:
    """Fill an empty database with a deterministic sample organisation."""
    from ddq.sample import fill_demo

    with _connect(ctx) as con:
        summary = fill_demo(con, teams=teams, weeks=weeks, seed=seed, who=_who())
    click.echo(
        f"import {summary['import_id']}: sample organisation with {summary['areas']} areas, "
        f"{summary['teams']} teams and {summary['values']} values, weeks "
        f"{summary['first_week']} to {summary['last_week']}"
    )


@main.group("import")
def import_() -> None:
    """Import a file (all or nothing; every problem is reported with its line)."""


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
            progress=_stage_reporter(),
        )
    click.echo(result.summary())
    if dry_run and result.preview:
        click.echo("first rows:")
        for row in result.preview:
            click.echo(
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
        result = import_roster(con, file, who=_who(), dry_run=dry_run, progress=_stage_reporter())
    click.echo(result.summary())
    changes = [row for row in result.preview if row["action"] != "unchanged"]
    if dry_run and changes:
        click.echo("changes:")
        for row in changes:
            area = f" ({row['area']})" if row["area"] else ""
            champion = f", {row['champion']}" if row["champion"] else ""
            click.echo(f"  line {row['line']}: {row['team']}{area}{champion}: {row['action']}")


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
            progress=_stage_reporter(),
        )
    click.echo(result.summary())
    for note in result.notes():
        click.echo(f"  {note}")
    if dry_run and result.preview:
        click.echo("first rows:")
        for row in result.preview:
            resolved = f", resolved {row['resolved']}" if row["resolved"] else ""
            click.echo(
                f"  line {row['line']}: {row['key']} ({row['change']}), created "
                f"{row['created']}{resolved}: {row['summary'] or ''}"
            )


@main.group()
def export() -> None:
    """Export data as formula-safe CSV."""


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
        count = export_metrics(con, out)
    if out is not None:
        click.echo(f"wrote {count} values to {out}", err=True)


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
        count = export_roster(con, out)
    if out is not None:
        click.echo(f"wrote {count} teams to {out}", err=True)


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
        count = export_bugs(con, out)
    if out is not None:
        click.echo(f"wrote {count} bugs to {out}", err=True)


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
    click.echo("\n".join(names) if names else "no saved mappings yet")


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
    click.echo(f"saved mapping {name.strip()!r}: {len(stored)} field(s)")


@mappings.command("show")
@click.argument("name")
@click.pass_context
def mappings_show(ctx: click.Context, name: str) -> None:
    """Print a saved mapping as JSON (the form --mapping and `mappings save` read)."""
    import json

    from ddq.ingest.bugs import load_mapping

    with _connect(ctx) as con:
        columns = load_mapping(con, name)
    click.echo(json.dumps(columns, indent=2, ensure_ascii=False))


@main.command()
@click.option("--limit", type=int, default=None, help="Show only the newest N imports.")
@click.pass_context
def imports(ctx: click.Context, limit: int | None) -> None:
    """List the imports ledger, newest first."""
    from ddq import ledger

    with _connect(ctx) as con:
        entries = ledger.list_imports(con, limit)
    if not entries:
        click.echo("no imports yet")
        return
    click.echo(
        f"{'id':>5}  {'when (UTC)':16}  {'kind':8} {'added':>8} {'updated':>8} "
        f"{'same':>8}  {'status':7} {'who':12} file"
    )
    for e in entries:
        status = e["status"] if e["status"] == "applied" else "undone"
        click.echo(
            f"{e['id']:>5}  {e['imported_at']:%Y-%m-%d %H:%M}  {e['kind']:8} "
            f"{e['added']:>8} {e['updated']:>8} {e['unchanged']:>8}  {status:7} "
            f"{e['who'][:12]:12} {e['file_name']}"
        )


@main.command()
@click.argument("import_id", type=int)
@click.pass_context
def undo(ctx: click.Context, import_id: int) -> None:
    """Undo an import: restore exactly the values it replaced and remove those it added."""
    from ddq import ledger

    with _connect(ctx) as con:
        done = ledger.undo(con, import_id, who=_who())
    if "terms_removed" in done:  # a roster import
        parts = [
            f"{n} {what}"
            for n, what in (
                (done["terms_removed"], "champion term(s) removed"),
                (done["terms_reopened"], "reopened"),
                (done["starts_restored"], "start date(s) restored"),
                (done["teams_moved_back"], "team(s) moved back"),
                (done["teams_removed"], "created team(s) removed"),
                (done["areas_removed"], "created area(s) removed"),
                (done["kept"], "created team(s) or area(s) kept: other data refers to them"),
            )
            if n
        ]
        click.echo(f"import {import_id} undone: {', '.join(parts) or 'it had changed nothing'}")
        return
    if "bugs_removed" in done:  # a bug import
        click.echo(
            f"import {import_id} undone: {done['bugs_removed']} added bug(s) removed, "
            f"{done['bugs_restored']} replaced bug(s) restored"
        )
        return
    click.echo(
        f"import {import_id} undone: {done['removed']} added values removed, "
        f"{done['restored']} overwritten values restored, "
        f"{done['teams_removed']} created teams removed"
    )


@main.command()
@click.pass_context
def check(ctx: click.Context) -> None:
    """Check the database's integrity; exit 1 if anything is wrong."""
    from ddq.check import run_checks

    with _connect(ctx) as con:
        findings = run_checks(con)
    for f in findings:
        mark = "ok  " if f.ok else "FAIL"
        click.echo(f"{mark} {f.check}" + (f": {f.detail}" if f.detail and not f.ok else ""))
    failed = [f for f in findings if not f.ok]
    if failed:
        click.echo(f"{len(failed)} of {len(findings)} checks failed", err=True)
        ctx.exit(1)
    click.echo(f"all {len(findings)} checks passed")


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
    return (
        f"{summary['agree']} agree, {summary['disagree']} disagree, "
        f"{summary['abstain']} abstain, {summary['none']} not yet"
    )


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
        click.echo("no definitions yet; write one with `ddq critical draft`")
        return
    click.echo(f"{'v':>4}  {'status':8}  {'effective':10}  {'in force':8}  title")
    for d in found:
        effective = str(d["effective_from"] or "")
        line = (
            f"{d['version']:>4}  {d['status']:8}  {effective:10}  "
            f"{'yes' if d['in_force'] else '':8}  {d['title']}"
        )
        if d["version"] in summaries:
            line += f"  ({_summary_words(summaries[d['version']])})"
        click.echo(line)


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
    click.echo(f"Version {d['version']}: {d['title']} ({_status_words(d)})")
    click.echo(d["explanation"])
    sla = f"{d['sla_days']} days" if d["sla_days"] is not None else "none"
    click.echo(f"SLA: {sla}")
    if d["based_on"] is not None:
        click.echo(f"based on: version {d['based_on']}")
    click.echo(f"drafted {d['created_at']:%Y-%m-%d} by {d['created_by']}")
    if d["adopted_at"] is not None:
        click.echo(f"adopted {d['adopted_at']:%Y-%m-%d} by {d['adopted_by']}")
    for label in ("rationale", "examples"):
        if d[label]:
            click.echo(f"{label}:")
            for text in d[label].splitlines():
                click.echo(f"  {text}")
    click.echo("rule:")
    for text in d["rule_json"].splitlines():
        click.echo(f"  {text}")
    click.echo(f"stances: {_summary_words(summary)}")
    for s in stances:
        where = f"{s['area']} / {s['team']}" if s["area"] else s["team"]
        champion = s["champion"] or "no champion"
        line = f"  {where}: {s['stance'] or 'not yet'} ({champion})"
        if s["comment"]:
            line += f": {s['comment']}"
        click.echo(line)


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
    click.echo(f"draft version {version} written: {d['title']}")
    click.echo(d["explanation"])


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
        click.echo(f"version {version}: changed {', '.join(changed).replace('sla_days', 'SLA')}")
    else:
        click.echo(f"version {version}: nothing changed")


@critical.command("propose")
@click.argument("version", type=int)
@click.pass_context
def critical_propose(ctx: click.Context, version: int) -> None:
    """Put a draft to the champions, who can then take a stance."""
    from ddq import critical as crit

    with _connect(ctx) as con:
        crit.propose(con, version, who=_who())
    click.echo(f"version {version} proposed; champions can now take a stance on it")


@critical.command("adopt")
@click.argument("version", type=int)
@click.option(
    "--effective",
    required=True,
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The day it takes effect (YYYY-MM-DD).",
)
@click.pass_context
def critical_adopt(ctx: click.Context, version: int, effective: Any) -> None:
    """Adopt a proposal from a day on; the definition it replaces is retired that day."""
    from ddq import critical as crit

    day = effective.date()
    with _connect(ctx) as con:
        replaced = crit.adopt(con, version, effective_from=day, who=_who())
    message = f"version {version} adopted, effective {day}"
    if replaced is not None:
        message += f"; version {replaced} retired on that day"
    click.echo(message)


@critical.command("retire")
@click.argument("version", type=int)
@click.pass_context
def critical_retire(ctx: click.Context, version: int) -> None:
    """Retire a version now (an adopted one stops being in force)."""
    from ddq import critical as crit

    with _connect(ctx) as con:
        crit.retire(con, version, who=_who())
    click.echo(f"version {version} retired")


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
    click.echo(
        f"{done['team']}: {done['stance']} on version {version}, recorded for {done['champion']}"
    )


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
    click.echo(f"version {version} ({result['title']}) against {base}, bugs open on {result['on']}")
    width = max([len("team"), len("total")] + [len(t["team"]) for t in result["teams"]])
    header = (
        f"{'team':{width}}  {'open':>6}  {'critical ' + short:>14}  "
        f"{'critical v' + str(version):>14}  {'change':>6}  {'+critical':>9}  {'-critical':>9}"
    )
    click.echo(header)
    for row in [*result["teams"], {"team": "total", **result["totals"]}]:
        click.echo(
            f"{row['team']:{width}}  {row['open_bugs']:>6}  {row['critical_before']:>14}  "
            f"{row['critical_after']:>14}  {row['change']:>+6}  {row['became_critical']:>9}  "
            f"{row['became_not_critical']:>9}"
        )
    total = result["changed_total"]
    if not total:
        click.echo("no open bug changes class")
        return
    shown = result["changed"]
    if len(shown) == total:
        click.echo(f"{total} bug(s) change class:")
    elif shown:
        click.echo(f"{total} bug(s) change class; the first {len(shown)}:")
    else:
        click.echo(f"{total} bug(s) change class (list them with --show N)")
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
        click.echo(
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
        click.echo(f"version {side['version']}: {side['title']} ({side['status']})")
        click.echo(f"  {side['explanation']}")
    click.echo(f"changes from version {a} to version {b}:")
    if result["changes"]:
        for sentence in result["changes"]:
            click.echo(f"  - {sentence}")
    else:
        click.echo("  none: the two mean the same")
    for side in (result["a"], result["b"]):
        click.echo(f"rule of version {side['version']}:")
        for text in side["rule_json"].splitlines():
            click.echo(f"  {text}")


@main.group()
def teams() -> None:
    """Which team owns a bug: map components, project keys or labels to teams."""


@teams.command("map")
@click.argument("kind", type=click.Choice(["component", "project", "label"]))
@click.argument("value")
@click.argument("team")
@click.pass_context
def teams_map(ctx: click.Context, kind: str, value: str, team: str) -> None:
    """Map a component, project key or label (VALUE) to TEAM."""
    from ddq import ownership

    with _connect(ctx) as con:
        click.echo(ownership.set_mapping(con, kind, value, team, who=_who()))


@teams.command("unmap")
@click.argument("kind", type=click.Choice(["component", "project", "label"]))
@click.argument("value")
@click.pass_context
def teams_unmap(ctx: click.Context, kind: str, value: str) -> None:
    """Remove a mapping."""
    from ddq import ownership

    with _connect(ctx) as con:
        click.echo(ownership.remove_mapping(con, kind, value, who=_who()))


@teams.command("mappings")
@click.pass_context
def teams_mappings(ctx: click.Context) -> None:
    """List the mappings, then what unassigned bugs would need mapped."""
    from ddq import ownership

    with _connect(ctx) as con:
        found, unmapped = ownership.mappings(con), ownership.unmapped_values(con)
    for m in found:
        click.echo(f"{m['kind']:9} {m['value']} -> {m['team']}")
    if not found:
        click.echo("no mappings yet")
    for u in unmapped:
        click.echo(f"unmapped {u['kind']} {u['value']}: {u['bugs']} bugs")


@main.group()
def bugs() -> None:
    """Weekly bug metrics computed from the imported bugs."""


def _computation(result: Any) -> None:
    click.echo(result.summary())
    for note in result.notes:
        click.echo(note, err=True)


@bugs.command("compute")
@click.option("--dry-run", is_flag=True, help="Say what would change; change nothing.")
@click.pass_context
def bugs_compute(ctx: click.Context, dry_run: bool) -> None:
    """Compute the weekly bug metrics under the definitions in force (history kept)."""
    from ddq import bugmetrics

    with _connect(ctx) as con:
        _computation(bugmetrics.compute(con, who=_who(), dry_run=dry_run))


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
    from ddq import bugmetrics

    with _connect(ctx) as con:
        _computation(bugmetrics.recompute_history(con, version, since=since.date(), who=_who()))


if __name__ == "__main__":
    main()
