"""What the ``ddq`` command prints: lines, aligned tables, stages, and the CLI's own wording.

Everything printed goes through :func:`echo`, so that whatever of it came from data (a team
name, an imported summary) cannot control the terminal (see ``ddq.terminal``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TextIO, cast

import click

from ddq.terminal import VisibleWriter, visible

if TYPE_CHECKING:
    from ddq.bugmetrics import Computation

Report = Callable[[str, float], None]


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """Print a line; whatever of it came from data cannot control the terminal."""
    click.echo(visible(str(message)), err=err, nl=nl)


def table(header: list[str], lines: Sequence[list[str]], right: set[int]) -> None:
    """Print an aligned table: columns as wide as their widest cell, numbers to the right."""
    widths = [max(len(row[i]) for row in [header, *lines]) for i in range(len(header))]
    for row in [header, *lines]:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        echo("  ".join(cells).rstrip())


def computation(result: Computation) -> None:
    """A bug-metric computation's summary, then its notes on stderr."""
    echo(result.summary())
    for note in result.notes:
        echo(note, err=True)


def export_stream() -> TextIO:
    """Standard output for an export: the CSV byte for byte when it goes to a file or a
    pipe, with control characters made visible when it goes onto a terminal."""
    if sys.stdout.isatty():
        return cast(TextIO, VisibleWriter(sys.stdout))  # an export only writes and flushes
    return sys.stdout


def stage_reporter() -> Report | None:
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


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters, the last one an ellipsis when it was cut."""
    return text if len(text) <= width else text[: width - 1] + "…"


def definition_status(d: Mapping[str, Any]) -> str:
    """A critical-bug definition's status in words: drafted, effective, retired, in force."""
    words = str(d["status"])
    if d["effective_from"] is not None:
        words += f", effective {d['effective_from']}"
    if d["retired_at"] is not None:
        words += f", retired {d['retired_at']:%Y-%m-%d}"
    if d["in_force"]:
        words += ", in force"
    return words


def stance_summary(summary: Mapping[str, Any]) -> str:
    """The teams' stances on a proposal, counted in words."""
    words = (
        f"{summary['agree']} agree, {summary['disagree']} disagree, "
        f"{summary['abstain']} abstain, {summary['none']} not yet"
    )
    if summary["no_champion"]:
        words += f"; {summary['no_champion']} without a champion"
    return words
