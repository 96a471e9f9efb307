"""Bug import speed: `import_bugs` against a bare DuckDB load of the same Jira export.

Section 1 generates a Jira-style "Export CSV" of 1,000,000 issues (display-name headers, repeated
Component/s and Labels columns, dates like ``22/Mar/14 07:59``, the ``Generated at``
footer), then measures, side by side in one run, a checked ``import_bugs`` into a database
file and a bare ``CREATE TABLE ... AS SELECT * FROM read_csv(...)`` of the same file.
Prints medians and the ratio (the goal: within 2.5x). Section 2 computes every weekly bug
metric for 500 teams over 260 weeks from a million bugs (the goal: under 2 s).

    uv run python bench/bugs.py [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ddq.access import ADMIN, Actor

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.goals import goal_line  # noqa: E402
from ddq import db  # noqa: E402
from ddq.ingest.bugs import import_bugs  # noqa: E402

HEADER = (
    "Summary,Issue key,Issue id,Issue Type,Status,Priority,Resolution,Assignee,Reporter,"
    "Created,Updated,Resolved,Component/s,Component/s,Labels,Labels,Labels,Sprint,Description"
)
PROJECTS = ("CORE", "WEB", "API", "DATA", "MOBILE", "INFRA", "BILLING", "SEARCH")
COMPONENTS = ("Backend", "Frontend", "Database", "Auth", "Payments", "Reports", "Build", "")
LABELS = ("regression", "customer", "security", "flaky", "performance", "", "", "")
TYPES = ("Bug", "Bug", "Bug", "Task", "Improvement", "Story")
PRIORITIES = ("Blocker", "Critical", "Major", "Major", "Minor", "Trivial")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _jira_dates(minutes) -> list[str]:
    """``dd/Mon/yy HH:MM`` for minutes since 2015-01-01 (numpy, so that it is quick)."""
    import numpy as np

    stamps = np.datetime64("2015-01-01T00:00") + minutes.astype("timedelta64[m]")
    days = stamps.astype("datetime64[D]")
    months = days.astype("datetime64[M]")
    years = months.astype("datetime64[Y]")
    day = (days - months).astype(int) + 1
    month = (months - years).astype(int)
    year = years.astype(int) + 1970
    minute_of_day = (stamps - days).astype(int)
    names = np.array(MONTHS)[month]
    return [
        f"{d:02d}/{m}/{y % 100:02d} {t // 60:02d}:{t % 60:02d}"
        for d, m, y, t in zip(day.tolist(), names.tolist(), year.tolist(),
                              minute_of_day.tolist(), strict=True)
    ]  # fmt: skip


def write_jira_csv(path: Path, rows: int) -> None:
    """A Jira export of ``rows`` issues: about a third open, the rest resolved."""
    import numpy as np

    rng = np.random.default_rng(42)
    created_min = rng.integers(0, 10 * 365 * 24 * 60, rows)
    updated_min = created_min + rng.integers(0, 90 * 24 * 60, rows)
    resolved = rng.random(rows) < 0.66
    created, updated = _jira_dates(created_min), _jira_dates(updated_min)
    pick = {
        "type": rng.integers(0, len(TYPES), rows).tolist(),
        "prio": rng.integers(0, len(PRIORITIES), rows).tolist(),
        "c1": rng.integers(0, len(COMPONENTS) - 1, rows).tolist(),
        "c2": rng.integers(0, len(COMPONENTS), rows).tolist(),
        "l1": rng.integers(0, len(LABELS), rows).tolist(),
        "l2": rng.integers(0, len(LABELS), rows).tolist(),
        "proj": rng.integers(0, len(PROJECTS), rows).tolist(),
    }
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(HEADER + "\n")
        batch = []
        for i in range(rows):
            done = bool(resolved[i])
            project = PROJECTS[pick["proj"][i]]
            batch.append(
                f"Fails in {project.lower()} case {i},{project}-{i + 1},{100000 + i},"
                f"{TYPES[pick['type'][i]]},{'Closed' if done else 'Open'},"
                f"{PRIORITIES[pick['prio'][i]]},{'Fixed' if done else ''},Ann Lee,Bo Chen,"
                f"{created[i]},{updated[i]},{updated[i] if done else ''},"
                f"{COMPONENTS[pick['c1'][i]]},{COMPONENTS[pick['c2'][i]]},"
                f"{LABELS[pick['l1'][i]]},{LABELS[pick['l2'][i]]},,Sprint {i % 50},"
                "It fails.\n"
            )
            if len(batch) == 100_000:
                f.writelines(batch)
                batch = []
        f.writelines(batch)
        # The footer as Jira 6 writes it, padded to the header's width (see the ASF export).
        padding = "," * HEADER.count(",")
        f.write(f"Generated at Mon Mar 02 10:00:00 UTC 2026 by bench using JIRA 9.12.0.{padding}\n")


def time_it(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def fresh(folder: Path, name: str) -> Path:
    target = folder / name
    for suffix in ("", ".wal"):
        Path(str(target) + suffix).unlink(missing_ok=True)
    db.forget_migrated(target)
    return target


def bare_load(path: Path, csv_path: Path) -> None:
    import duckdb

    con = duckdb.connect(str(path))
    con.execute(f"CREATE TABLE t AS SELECT * FROM read_csv('{csv_path}')")
    con.close()


def ddq_import(path: Path, csv_path: Path, rows: int) -> None:
    with db.connect(path) as con:
        # No size limit, as with the ddq command: the export is 177 MB.
        result = import_bugs(con, csv_path, who=Actor("bench", ADMIN), format="jira", max_mb=None)
    assert result.added == rows, result.summary()


def bench_import(folder: Path, args: argparse.Namespace) -> list[str]:
    """Section 1: import a Jira export, against a bare DuckDB load of the file."""
    csv_path = folder / "jira.csv"
    started = time.perf_counter()
    write_jira_csv(csv_path, args.rows)
    lines = [
        f"file: {args.rows:,} issues, {csv_path.stat().st_size / 1e6:.0f} MB "
        f"(written in {time.perf_counter() - started:.1f} s)"
    ]
    timings: dict[str, list[float]] = {"bare read_csv": [], "ddq import_bugs": []}
    for i in range(args.repeat):
        # Alternate the order so that neither side always runs on a warmer machine.
        order = ("bare", "ddq") if i % 2 == 0 else ("ddq", "bare")
        for label in order:
            # An empty, migrated database file for ddq (as a real one would be); none for bare.
            target = fresh(folder, f"{label}-{i}.duckdb")
            if label == "bare":
                timings["bare read_csv"].append(time_it(lambda t=target: bare_load(t, csv_path)))
            else:
                with db.connect(target):
                    pass
                timings["ddq import_bugs"].append(
                    time_it(lambda t=target: ddq_import(t, csv_path, args.rows))
                )
            for suffix in ("", ".wal"):
                Path(str(target) + suffix).unlink(missing_ok=True)
    bare = statistics.median(timings["bare read_csv"])
    ours = statistics.median(timings["ddq import_bugs"])
    for label, values in timings.items():
        runs = ", ".join(f"{v:.2f}" for v in values)
        lines.append(f"{label:18} median {statistics.median(values):6.2f} s   ({runs})")
    verdict = "within" if ours / bare <= 2.5 else "OVER"
    lines.append(f"ratio ddq / bare: {ours / bare:.2f}x ({verdict} the 2.5x goal)")
    lines.append(goal_line(f"bug import of a {args.rows:,}-issue Jira export, against a bare load",
                           f"{ours / bare:.2f}x", "at most 2.5x", ours / bare <= 2.5))  # fmt: skip
    return lines


def bench_metrics(folder: Path, args: argparse.Namespace) -> list[str]:
    """Section 2: every weekly bug metric for 500 teams over 260 weeks from ``--rows`` bugs."""
    import datetime as dt

    from ddq import bugmetrics, critical, roster
    from ddq.clock import latest_complete_week

    path = fresh(folder, "metrics.duckdb")
    last = latest_complete_week()
    first = last - dt.timedelta(weeks=259)
    started = time.perf_counter()
    with db.connect(path) as con:
        with db.transaction(con):
            for i in range(1, 501):
                roster.ensure_team(con, f"Team {i:03d}", None)
            con.execute("INSERT INTO imports (kind, file_name, who, imported_at) "
                        "VALUES ('bugs', 'generated', 'bench', now())")  # fmt: skip
            # Bugs spread over the 260 weeks and 500 teams; two thirds resolved after 0-90 days.
            con.execute(
                """
                INSERT INTO bugs (tracker, key, type, priority, labels, components, created,
                                  resolved, team_name, import_id)
                SELECT 'jira', 'B-' || i, 'Bug',
                       ['Blocker', 'Critical', 'Major', 'Minor'][1 + (hash(i) % 4)::INTEGER],
                       [], [], created,
                       CASE WHEN hash(i * 7) % 3 <> 0
                            THEN created + to_seconds((hash(i * 13) % (90 * 86400))::BIGINT)
                       END,
                       'Team ' || lpad((1 + hash(i * 3) % 500)::VARCHAR, 3, '0'), 1
                FROM (
                    SELECT i, ?::TIMESTAMP + to_seconds((hash(i * 5) % (260 * 7 * 86400))::BIGINT)
                              AS created
                    FROM range(?) t(i)
                )
                """,
                [first, args.rows],
            )
        version = critical.create_draft(
            con, title="Blocker and critical", who=Actor("bench", ADMIN), sla_days=14,
            rule={"field": "priority", "in": ["Blocker", "Critical"]},
        )  # fmt: skip
        critical.propose(con, version, who=Actor("bench", ADMIN))
        critical.adopt(con, version, effective_from=first, who=Actor("bench", ADMIN))
    lines = [f"{args.rows:,} bugs for 500 teams over 260 weeks "
             f"(made in {time.perf_counter() - started:.1f} s)"]  # fmt: skip
    timings = []
    for i in range(args.repeat):
        with db.connect(path) as con:
            seconds = time_it(
                lambda con=con: bugmetrics.refresh(con, who=Actor("bench", ADMIN), dry_run=True)
            )
        timings.append(seconds)
        if i == 0:
            with db.connect(path) as con:
                written = bugmetrics.refresh(con, who=Actor("bench", ADMIN))
            lines.append(f"first run writes {written.values:,} weekly values "
                         f"({written.teams} teams)")  # fmt: skip
    median = statistics.median(timings)
    runs = ", ".join(f"{t:.2f}" for t in timings)
    verdict = "under" if median < 2.0 else "OVER"
    lines.append(f"compute all weekly bug metrics: median {median:.2f} s ({runs}); "
                 f"{verdict} the 2 s goal")  # fmt: skip
    lines.append(goal_line("every weekly bug metric, 500 teams x 260 weeks", f"{median:.2f} s",
                           "under 2 s", median < 2.0))  # fmt: skip
    return lines


# The sections this benchmark runs, in order: (title, function(folder, args) -> lines).
SECTIONS: list[tuple[str, Callable[[Path, argparse.Namespace], list[str]]]] = [
    ("import", bench_import),
    ("weekly bug metrics", bench_metrics),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import duckdb

    print(f"python {platform.python_version()}, duckdb {duckdb.__version__}, "
          f"{os.cpu_count()} CPUs, {platform.platform()}")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ddq-bench-bugs-") as tmp:
        for title, section in SECTIONS:
            print(f"\n== {title} ==")
            for line in section(Path(tmp), args):
                print(line)


if __name__ == "__main__":
    main()
