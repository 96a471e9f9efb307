"""How a benchmark states a goal it measured, so that bench/run.py can gather every goal into
one table at the top of docs/benchmarks.md.

A benchmark prints one line per goal::

    goal: metrics import, in-process | 1.42x | at most 1.5x | yes

(where, what was measured, the goal, met or not). bench/run.py lifts these lines out of the
benchmark's own section and lists them under "Goals".
"""

from __future__ import annotations

PREFIX = "goal: "


def goal_line(where: str, measured: str, target: str, met: bool) -> str:
    """The line a benchmark prints for one goal."""
    for part in (where, measured, target):
        if "|" in part or "\n" in part:
            raise ValueError(f"a goal's text may not hold '|' or a line break: {part!r}")
    return f"{PREFIX}{where} | {measured} | {target} | {'yes' if met else 'no'}"


def split_goals(text: str) -> tuple[list[tuple[str, ...]], str]:
    """The goals a benchmark printed, and the rest of its output without them."""
    goals: list[tuple[str, ...]] = []
    rest: list[str] = []
    for line in text.splitlines():
        if line.startswith(PREFIX):
            goals.append(tuple(part.strip() for part in line[len(PREFIX) :].split("|")))
        else:
            rest.append(line)
    return goals, "\n".join(rest)
