"""Import speed: `ddq import metrics` against a bare DuckDB load of the same file.

Generates a long-format metrics CSV of 500 teams x 260 weeks x 8 metrics (about 1,040,000
rows), then measures, side by side in one run, a validated ddq import and a bare
``CREATE TABLE ... AS SELECT * FROM read_csv(...)`` into a database file: in-process and as
whole commands. Also times ddq's start-up, and a command that opens the database (``ddq
imports`` on an empty one) against a bare ``duckdb.connect(F).close()`` of the same file.
Prints medians and ratios.

    uv run python bench/import_metrics.py [--teams 500] [--weeks 260] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ddq.access import ADMIN, Actor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.goals import goal_line  # noqa: E402
from ddq import db  # noqa: E402
from ddq.ingest.metrics import import_metrics  # noqa: E402
from ddq.metrics import DEFAULT_CATALOG, current_week  # noqa: E402


def write_csv(path: Path, teams: int, weeks: int) -> int:
    """A valid long-format file, written with numpy so that generating it is quick."""
    import numpy as np

    rng = np.random.default_rng(42)
    last = current_week() - dt.timedelta(weeks=1)
    week_text = [(last - dt.timedelta(weeks=w)).isoformat() for w in range(weeks)][::-1]
    names = [f"Team {i:03d}" for i in range(1, teams + 1)]
    rows = 0
    with path.open("w", encoding="utf-8") as f:
        f.write("team,week,metric,value\n")
        for name in names:
            lines = []
            for metric in DEFAULT_CATALOG:
                if metric.unit == "count":
                    values = rng.poisson(6, weeks).astype(str)
                elif metric.unit == "percent":
                    values = np.char.mod("%.1f", rng.uniform(80, 100, weeks))
                else:
                    values = np.char.mod("%.1f", rng.uniform(0, 30, weeks))
                lines += [
                    f"{name},{w},{metric.key},{v}\n" for w, v in zip(week_text, values, strict=True)
                ]
            f.writelines(lines)
            rows += len(lines)
    return rows


def prepared_db(folder: Path, teams: int) -> Path:
    """A database with the teams already known (as a real organisation's would be)."""
    path = folder / "teams.duckdb"
    with db.connect(path) as con:
        con.executemany(
            "INSERT INTO teams (name, name_key) VALUES (?, ?)",
            [(f"Team {i:03d}", f"team {i:03d}") for i in range(1, teams + 1)],
        )
    return path


def fresh_copy(template: Path, folder: Path, name: str) -> Path:
    target = folder / name
    for suffix in ("", ".wal"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    shutil.copy(template, target)
    db.forget_migrated(target)
    return target


def time_it(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def bare_load(path: Path, csv_path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}')")
    con.close()


def ddq_import(path: Path, csv_path: Path) -> None:
    with db.connect(path) as con:
        result = import_metrics(
            con, csv_path, who=Actor("bench", ADMIN), max_mb=None
        )  # as the ddq command
    assert result.added > 0, result.summary()


# What opening the database costs without ddq: the interpreter, duckdb's import, the file.
BARE_CONNECT = [sys.executable, "-c", "import duckdb,sys; duckdb.connect(sys.argv[1]).close()"]
# Issue 20: a command that opens the database within this of BARE_CONNECT.
OPEN_GOAL = 1.2
# Issue 20: an import of metrics within this of DuckDB's own read_csv load, in-process and
# as whole commands.
IMPORT_GOAL = 1.5


def run(cmd: list[str]) -> None:
    subprocess.run(cmd, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--teams", type=int, default=500)
    parser.add_argument("--weeks", type=int, default=260)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="ddq-bench-") as tmp:
        folder = Path(tmp)
        csv_path = folder / "metrics.csv"
        rows = write_csv(csv_path, args.teams, args.weeks)
        size_mb = csv_path.stat().st_size / 1e6
        template = prepared_db(folder, args.teams)
        ddq_exe = str(Path(sys.executable).with_name("ddq"))
        bare_cmd = [
            sys.executable,
            "-c",
            "import duckdb,sys; c=duckdb.connect(sys.argv[1]); "
            'c.execute("CREATE TABLE t AS SELECT * FROM read_csv(\'"+sys.argv[2]+"\')"); '
            "c.close()",
        ]

        results: dict[str, list[float]] = {
            k: []
            for k in (
                "bare in-process",
                "ddq in-process",
                "bare command",
                "ddq command",
                "python start",
                "ddq --help",
                "ddq imports (empty db)",
                "bare connect (empty db)",
            )
        }
        for i in range(args.repeat):
            # Alternate the order so that neither side always runs on a warmer machine.
            pairs = [("bare", bare_load), ("ddq", ddq_import)]
            for label, fn in pairs if i % 2 == 0 else pairs[::-1]:
                target = fresh_copy(template, folder, f"{label}-{i}.duckdb")
                if label == "bare":
                    target.unlink()
                results[f"{label} in-process"].append(time_it(lambda: fn(target, csv_path)))  # noqa: B023
            for label in ("bare", "ddq") if i % 2 == 0 else ("ddq", "bare"):
                target = fresh_copy(template, folder, f"{label}-cmd-{i}.duckdb")
                if label == "bare":
                    target.unlink()
                    cmd = [*bare_cmd, str(target), str(csv_path)]
                else:
                    cmd = [ddq_exe, "--db", str(target), "import", "metrics", str(csv_path)]
                results[f"{label} command"].append(time_it(lambda: run(cmd)))  # noqa: B023
            results["python start"].append(time_it(lambda: run([sys.executable, "-c", "pass"])))
            results["ddq --help"].append(time_it(lambda: run([ddq_exe, "--help"])))
            empty = folder / f"empty-{i}.duckdb"
            run([ddq_exe, "--db", str(empty), "init"])
            opens = [
                ("ddq imports (empty db)", [ddq_exe, "--db", str(empty), "imports"]),
                ("bare connect (empty db)", [*BARE_CONNECT, str(empty)]),
            ]
            for label, cmd in opens if i % 2 == 0 else opens[::-1]:
                results[label].append(time_it(lambda: run(cmd)))  # noqa: B023

    med = {k: statistics.median(v) for k, v in results.items()}
    print(f"# metrics import benchmark: {rows:,} rows, {size_mb:.0f} MB, median of {args.repeat}")
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.system()} {platform.release()}"
    )
    print()
    print("| measure | seconds |")
    print("|---|---:|")
    for key, value in med.items():
        print(f"| {key} | {value:.3f} |")
    print()
    print(
        f"ratio in-process (ddq / bare load): {med['ddq in-process'] / med['bare in-process']:.2f}x"
    )
    print(
        f"ratio whole commands (ddq / bare load): {med['ddq command'] / med['bare command']:.2f}x"
    )
    startup = med["ddq --help"]
    print(
        f"ddq start-up (ddq --help): {startup:.3f} s; with the database opened "
        f"(ddq imports): {med['ddq imports (empty db)']:.3f} s"
    )
    opened = med["ddq imports (empty db)"] / med["bare connect (empty db)"]
    print(
        f"ratio opening the database (ddq imports / bare connect): {opened:.2f}x "
        f"({'within' if opened <= OPEN_GOAL else 'over'} the {OPEN_GOAL}x goal)"
    )
    in_process = med["ddq in-process"] / med["bare in-process"]
    commands = med["ddq command"] / med["bare command"]
    print(goal_line(f"`ddq import metrics`, {rows:,} rows, in-process, against DuckDB's "
                    "`read_csv` into a table", f"{in_process:.2f}x", f"at most {IMPORT_GOAL}x",
                    in_process <= IMPORT_GOAL))  # fmt: skip
    print(goal_line("the same as whole commands (start-up included)", f"{commands:.2f}x",
                    f"at most {IMPORT_GOAL}x", commands <= IMPORT_GOAL))  # fmt: skip
    print(goal_line("`ddq imports` on an empty database, against `duckdb.connect(F).close()`",
                    f"{opened:.2f}x", f"at most {OPEN_GOAL}x", opened <= OPEN_GOAL))  # fmt: skip


if __name__ == "__main__":
    main()
