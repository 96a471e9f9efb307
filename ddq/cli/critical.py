"""``ddq critical``: critical-bug definitions, from a draft through stances to adoption."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from ddq.cli.options import DAY
from ddq.cli.output import definition_status, echo, stance_summary
from ddq.cli.session import session


@click.group()
def critical() -> None:
    """Critical-bug definitions: draft, propose, take stances, see the impact, adopt."""


def _rule_text(value: str) -> str:
    """``--rule`` is JSON text, a file holding it, or - for standard input."""
    from ddq.rules import InvalidRule  # run time only: keeps `ddq --help` fast

    if value == "-":
        return sys.stdin.read()
    if value.lstrip().startswith(("{", "[")):
        return value
    path = Path(value)
    if not path.is_file():
        raise InvalidRule(
            [
                f"rule: {value!r} is neither a file nor JSON; give a file holding the rule, "
                'or the rule itself such as {"any": [...]}'
            ]
        )
    try:
        return path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidRule([f"rule: cannot read {value}: {exc}"]) from None


@critical.command("list")
@click.pass_context
def critical_list(ctx: click.Context) -> None:
    """Every definition version, newest first."""
    from ddq import critical as crit  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
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
            line += f"  ({stance_summary(summaries[d['version']])})"
        echo(line)


@critical.command("show")
@click.argument("version", type=int)
@click.pass_context
def critical_show(ctx: click.Context, version: int) -> None:
    """A version in plain words, its rule, status and the teams' stances."""
    from ddq import critical as crit  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
        d = crit.get(con, version)
        stances = crit.stances(con, version)
        summary = crit.stance_summary(con, version)
    echo(f"Version {d['version']}: {d['title']} ({definition_status(d)})")
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
    echo(f"stances: {stance_summary(summary)}")
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
    from ddq import critical as crit  # run time only: keeps `ddq --help` fast
    from ddq.rules import InvalidRule  # run time only: keeps `ddq --help` fast

    if rule is None and based_on is None:
        raise InvalidRule(["rule: give --rule (JSON text or a file), or --based-on VERSION"])
    text = _rule_text(rule) if rule is not None else None
    with session(ctx) as (con, who):
        version = crit.create_draft(
            con,
            title=title,
            rule=text,
            rationale=rationale,
            examples=examples,
            sla_days=sla_days,
            who=who,
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
    from ddq import critical as crit  # run time only: keeps `ddq --help` fast

    fields: dict[str, Any] = {
        k: v
        for k, v in (
            ("title", title),
            ("rationale", rationale),
            ("examples", examples),
            ("sla_days", sla_days),
        )
        if v is not None
    }
    if rule is not None:
        fields["rule"] = _rule_text(rule)
    if no_sla:
        fields["sla_days"] = None
    with session(ctx) as (con, who):
        changed = crit.update_draft(con, version, who=who, **fields)
    if changed:
        echo(f"version {version}: changed {', '.join(changed).replace('sla_days', 'SLA')}")
    else:
        echo(f"version {version}: nothing changed")


@critical.command("propose")
@click.argument("version", type=int)
@click.pass_context
def critical_propose(ctx: click.Context, version: int) -> None:
    """Put a draft to the champions, who can then take a stance."""
    from ddq import critical as crit  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        crit.propose(con, version, who=who)
    echo(f"version {version} proposed; champions can now take a stance on it")


@critical.command("adopt")
@click.argument("version", type=int)
@click.option(
    "--effective",
    type=DAY,
    default=None,
    help="The day it takes effect (YYYY-MM-DD). Default: the suggested day (the first "
    "definition: the week of the oldest bug; later ones: the latest complete week).",
)
@click.pass_context
def critical_adopt(ctx: click.Context, version: int, effective: datetime | None) -> None:
    """Adopt a proposal from a day on; the definition it replaces is retired that day."""
    from ddq import critical as crit  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        if effective is None:
            dates = crit.adoption_dates(con)
            day = dates.suggested
            echo(f"effective from {day}: {dates.why}")
        else:
            day = effective.date()
        replaced = crit.adopt(con, version, effective_from=day, who=who)
    message = f"version {version} adopted, effective {day}"
    if replaced is not None:
        message += f"; version {replaced} retired on that day"
    echo(message)


@critical.command("retire")
@click.argument("version", type=int)
@click.pass_context
def critical_retire(ctx: click.Context, version: int) -> None:
    """Retire a version now (an adopted one stops being in force)."""
    from ddq import critical as crit  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        crit.retire(con, version, who=who)
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
    from ddq import critical as crit  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, who):
        done = crit.record_stance(con, version, team=team, stance=stance, comment=comment, who=who)
    echo(f"{done['team']}: {done['stance']} on version {version}, recorded for {done['champion']}")


@critical.command("impact")
@click.argument("version", type=int)
@click.option("--against", type=int, default=None, help="Compare with this version instead.")
@click.option(
    "--on",
    "on",
    type=DAY,
    default=None,
    help="Bugs open at the end of this day (default: today, UTC).",
)
@click.option(
    "--show",
    "show",
    type=click.IntRange(0, 500),
    default=20,
    show_default=True,
    help="How many of the bugs that change class to list.",
)
@click.pass_context
def critical_impact(
    ctx: click.Context, version: int, against: int | None, on: datetime | None, show: int
) -> None:
    """Per team, the open critical bugs now and under VERSION, and the bugs that change."""
    from ddq import critical as crit  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
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
            f"{label} {bug[label]}" for label in ("priority", "severity", "type") if bug[label]
        )
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
    from ddq import critical as crit  # run time only: keeps `ddq --help` fast

    with session(ctx) as (con, _):
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
