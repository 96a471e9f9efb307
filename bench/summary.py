"""The whole-program meeting summary at scale: `summary_markdown` cold and warm, and the command.

Builds the scale data set (`ddq demo --teams 500 --weeks 260`, as bench/pages.py does: about
a million values, and a whole-program meeting of every team), then measures the summary of
the latest meeting: ``summary_markdown`` in a fresh process (cold: its first call, nothing
read yet) and again in the same process (warm), and the whole command ``ddq meeting
summary`` (start-up and imports included) as a subprocess. Medians of ``--repeat`` runs.
The files stay in the operating system's cache between runs: "cold" is a new process, not
a cold disk. Commands load Python's bytecode cache (a temporary folder), as an installed ddq
does; the command is also timed compiling every module, as where bytecode is never written
(``PYTHONDONTWRITEBYTECODE``). Goal (issue 20): the whole command at most 0.5 s.

    uv run python bench/summary.py [--teams 500] [--weeks 260] [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.goals import goal_line  # noqa: E402

GOAL_S = 0.5  # issue 20: the whole-program summary, 500 teams, cold


def in_process(path: str, warm_runs: int) -> None:
    """In this (fresh) process: the first summary's seconds, then the warm ones, as JSON."""
    from ddq import db
    from ddq.meeting import find_meeting, summary_markdown

    with db.connect(Path(path)) as con:
        meeting_id = find_meeting(con)
        started = time.perf_counter()
        text = summary_markdown(con, meeting_id)
        cold = time.perf_counter() - started
        warm = []
        for _ in range(warm_runs):
            started = time.perf_counter()
            summary_markdown(con, meeting_id)
            warm.append(time.perf_counter() - started)
    print(json.dumps({"cold": cold, "warm": warm, "lines": text.count("\n")}))


def timed(command: list[str], env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT, env=env)
    return time.perf_counter() - started


def bytecode_env(folder: Path, *, cached: bool) -> dict[str, str]:
    """The environment of a command whose modules load from Python's bytecode cache in
    ``folder`` (filled by the first run), as an installed ddq's do; or, not ``cached``,
    are compiled from source on every run (``folder`` stays empty)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(folder)
    if not cached:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=260)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--in-process", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process:
        in_process(args.in_process, args.repeat)
        return

    ddq_exe = str(Path(sys.executable).with_name("ddq"))
    with tempfile.TemporaryDirectory(prefix="ddq-bench-summary-") as tmp:
        path = str(Path(tmp) / "scale.duckdb")
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "ddq.cli", "--db", path, "demo",
                        "--teams", str(args.teams), "--weeks", str(args.weeks)],
                       check=True, capture_output=True, cwd=ROOT)  # fmt: skip
        built = time.perf_counter() - started
        command = [ddq_exe, "--db", path, "meeting", "summary"]
        cached = bytecode_env(Path(tmp) / "bytecode", cached=True)
        compiling = bytecode_env(Path(tmp) / "no-bytecode", cached=False)
        timed(command, cached)  # fills the bytecode cache; the file is read once
        cold, warm, whole, compiled, start = [], [], [], [], []
        lines = 0
        for _ in range(args.repeat):
            found = subprocess.run(
                [sys.executable, __file__, "--in-process", path, "--repeat", "3"],
                check=True, capture_output=True, text=True, cwd=ROOT, env=cached,
            )  # fmt: skip
            measured = json.loads(found.stdout)
            cold.append(measured["cold"])
            warm.append(statistics.median(measured["warm"]))
            lines = measured["lines"]
            whole.append(timed(command, cached))
            compiled.append(timed(command, compiling))
            start.append(timed([ddq_exe, "--help"], cached))

    results = [
        ("summary_markdown, cold (first call in a fresh process)", statistics.median(cold)),
        ("summary_markdown, warm (again in the same process)", statistics.median(warm)),
        ("`ddq meeting summary`, whole command", statistics.median(whole)),
        ("the same, every module compiled (no bytecode cache)", statistics.median(compiled)),
        ("`ddq --help` (start-up alone)", statistics.median(start)),
    ]
    print(f"# meeting summary benchmark: {args.teams} teams x {args.weeks} weeks (built in "
          f"{built:.1f} s), a summary of {lines:,} lines, median of {args.repeat}")  # fmt: skip
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.system()} {platform.release()}")  # fmt: skip
    print()
    print("| measure | seconds |")
    print("|---|---:|")
    for label, seconds in results:
        print(f"| {label} | {seconds:.3f} |")
    print()
    command_s = statistics.median(whole)
    print(f"Goal: the whole-program summary at most {GOAL_S} s cold, as a whole command: "
          f"{command_s:.2f} s, {'met' if command_s <= GOAL_S else 'not met'}.")  # fmt: skip
    print(goal_line(f"`ddq meeting summary` of a whole-program meeting, {args.teams} teams x "
                    f"{args.weeks} weeks", f"{command_s:.2f} s", f"at most {GOAL_S} s",
                    command_s <= GOAL_S))  # fmt: skip


if __name__ == "__main__":
    main()
