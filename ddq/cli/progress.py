"""``ddq target`` and ``ddq progress``: targets per team and metric, and how each is going."""

from __future__ import annotations

from datetime import datetime

import click

from ddq.cli.options import DAY, due, team_or_area
from ddq.cli.output import echo, table
from ddq.cli.session import session


@click.group()
def target() -> None:
    """Targets per team and metric: a baseline, a value to reach and a due date."""


@target.command("set")
@click.argument("team")
@click.argument("metric")
@click.option("--target", "value", type=float, required=True, help="The value to reach.")
@due
@click.option(
    "--baseline",
    type=float,
    default=None,
    help="The starting value (default: the mean of the team's first 4 reported weeks).",
)
@click.option("--baseline-from", type=DAY, default=None, help="Baseline: the mean from this day...")
@click.option("--baseline-to", type=DAY, default=None, help="...to this day (YYYY-MM-DD).")
@click.pass_context
def target_set(
    ctx: click.Context,
    team: str,
    metric: str,
    value: float,
    due: datetime,
    baseline: float | None,
    baseline_from: datetime | None,
    baseline_to: datetime | None,
) -> None:
    """Set or change TEAM's target for METRIC (its key or label).

    The whole target is replaced: without --baseline or a baseline period, the baseline is
    the mean of the team's first 4 reported weeks. Refused when the target is worse than
    the baseline (equal holds the line), outside what the metric can take, or due in the past.
    """
    from ddq import progress  # run time only: keeps `ddq --help` fast (numpy)

    if (baseline_from is None) != (baseline_to is None):
        raise click.UsageError("Give both --baseline-from and --baseline-to, or neither.")
    period = (
        None
        if baseline_from is None or baseline_to is None
        else (baseline_from.date(), baseline_to.date())
    )
    with session(ctx) as (con, who):
        message = progress.set_target(
            con,
            team,
            metric,
            target=value,
            due=due.date(),
            who=who,
            baseline=baseline,
            baseline_period=period,
        )
    echo(message)


@target.command("area")
@click.argument("area")
@click.argument("metric")
@click.option("--target", "value", type=float, required=True, help="The value to reach.")
@due
@click.option("--team", "teams", multiple=True, help="Only these teams of the area (repeat).")
@click.pass_context
def target_area(
    ctx: click.Context, area: str, metric: str, value: float, due: datetime, teams: tuple[str, ...]
) -> None:
    """Give every active team of AREA the same target for METRIC, in one step."""
    from ddq import progress  # run time only: keeps `ddq --help` fast (numpy)

    with session(ctx) as (con, who):
        done = progress.adopt_area_target(
            con, area, metric, target=value, due=due.date(), who=who, teams=teams or None
        )
    echo(done["message"])


@target.command("remove")
@click.argument("team")
@click.argument("metric")
@click.pass_context
def target_remove(ctx: click.Context, team: str, metric: str) -> None:
    """Remove TEAM's target for METRIC (the audit log keeps it)."""
    from ddq import progress  # run time only: keeps `ddq --help` fast (numpy)

    with session(ctx) as (con, who):
        echo(progress.remove_target(con, team, metric, who=who))


@target.command("list")
@team_or_area
@click.pass_context
def target_list(ctx: click.Context, team: str | None, area: str | None) -> None:
    """Every target with its baseline, value, due date and who set it."""
    from ddq import progress, text  # run time only: keeps `ddq --help` fast (numpy)

    with session(ctx) as (con, _):
        found = progress.targets(con, team=team, area=area)
    if not found:
        echo("no targets yet; set one with `ddq target set TEAM METRIC --target V --due DATE`")
        return
    table(
        ["team", "metric", "baseline", "target", "due", "set by", "set (UTC)", "baseline source"],
        [
            [
                t["team"] + ("" if t["active"] else " (retired)"),
                t["metric"],
                *text.numbers([t["baseline"], t["target"]], t["unit"], exact=[False, True]),
                str(t["due"]),
                t["set_by"],
                f"{t['set_at']:%Y-%m-%d %H:%M}",
                t["baseline_source"],
            ]
            for t in found
        ],
        right={2, 3},
    )


@click.command()
@team_or_area
@click.option("--all", "show_all", is_flag=True, help="Also list reported metrics without target.")
@click.option("--changes", is_flag=True, help="Only the statuses that changed since last week.")
@click.pass_context
def progress(
    ctx: click.Context, team: str | None, area: str | None, show_all: bool, changes: bool
) -> None:
    """Each team's progress toward its targets: on track, at risk, off track, achieved."""
    from ddq import progress as prog  # run time only: keeps `ddq --help` fast (numpy)
    from ddq import text  # run time only: keeps `ddq --help` fast

    if changes:
        if team is not None:
            raise click.UsageError("--changes works for the organisation or an --area.")
        with session(ctx) as (con, _):
            changed = prog.status_changes(con, area=area)
        if not changed:
            echo("no status changed since last week")
            return
        table(
            ["team", "metric", "last week", "this week", "why"],
            [
                [
                    c["team"],
                    c["metric"].key,
                    c["before"],
                    c["after"],
                    c["reason"] + (" (target changed this week)" if c["target_changed"] else ""),
                ]
                for c in changed
            ],
            right=set(),
        )
        return
    with session(ctx) as (con, _):
        found = prog.progress_for(con, team=team, area=area)
    shown = [p for p in found if show_all or p.has_target]
    if not shown:
        echo("no targets yet; set one with `ddq target set TEAM METRIC --target V --due DATE`")
    else:
        echo(f"as of the week of {shown[0].as_of}")
        table(
            [
                "team",
                "metric",
                "baseline",
                "current",
                "target",
                "due",
                "slope/week",
                "status",
                "why",
            ],
            [
                [
                    p.team,
                    p.metric.key,
                    *text.numbers(
                        [p.baseline, p.current, p.target], p.metric.unit, exact=[False, False, True]
                    ),
                    str(p.due or "-"),
                    text.change(p.slope, p.metric.unit),
                    p.status,
                    p.reason,
                ]
                for p in shown
            ],
            right={2, 3, 4, 6},
        )
    hidden = len(found) - len(shown)
    if hidden:
        echo(f"{hidden} reported metric(s) have no target; --all lists them")
