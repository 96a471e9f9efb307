"""Every benchmark in one command, written up as docs/benchmarks.md.

Runs bench/import_metrics.py, bench/pages.py and bench/bugs.py as subprocesses (their
default sizes; ``--quick`` passes smaller ones), measures the app's cold start (from
launching ``streamlit run app.py`` on a free loopback port against an existing sample
database to its first healthy ``/_stcore/health``, then to the first rendered Overview in
Chromium) and runs the load test, bench/load.py: 50 viewers arriving within 10 seconds on
the meeting page, three times on a warm server, then once after a change to the data and
once on a cold server. Peak memory: each benchmark's largest process (``ru_maxrss`` from
``wait4``), all of them together (``RUSAGE_CHILDREN``), and the app server's ``VmHWM``.
Then writes the page: the machine, and per benchmark the command that produced it, its wall
time, its peak memory and its tables.

    uv run python bench/run.py [--quick] [--out docs/benchmarks.md] [--sessions 50]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.goals import goal_line, split_goals  # noqa: E402
from tests.e2e.server import (  # noqa: E402
    HEALTH_TIMEOUT_S,
    StreamlitServer,
    chromium_missing,
    launch_browser,
    make_sample_db,
)
from tests.e2e.settle import RUN_TIMEOUT_MS  # noqa: E402

# (title, script, arguments at full size, arguments with --quick, what it measures)
BENCHMARKS = [
    ("Metrics import", "bench/import_metrics.py", [], ["--teams", "100", "--weeks", "104",
     "--repeat", "1"], "`ddq import metrics` of a long-format file against a bare DuckDB "
     "`read_csv` load of the same file, in-process and as whole commands; ddq's start-up; and "
     "`ddq imports` on an empty database against a bare `duckdb.connect(F).close()`."),
    ("Pages", "bench/pages.py", [], ["--teams", "100", "--weeks", "104", "--repeat", "1"],
     "Each page's server-side run time through Streamlit's AppTest (cold and warm cache) and "
     "the Plotly JSON it sends, on the scale data set."),
    ("Bugs", "bench/bugs.py", [], ["--rows", "100000", "--repeat", "1"],
     "`import_bugs` of a Jira export against a bare DuckDB load, and computing every weekly "
     "bug metric."),
    ("Sync", "bench/sync.py", [], ["--issues", "20000", "--repeat", "1"],
     "`ddq sync` of 100,000 GitHub issues from a server on loopback against downloading the "
     "same pages with the HTTP client alone."),
    ("Meeting summary", "bench/summary.py", [], ["--teams", "100", "--weeks", "104",
     "--repeat", "1"], "`summary_markdown` of a whole-program meeting (every team on the "
     "agenda) in a fresh process and again warm, and the whole `ddq meeting summary` command, "
     "on the scale data set."),
]  # fmt: skip
# The load test (bench/load.py): (title, arguments besides --sessions, what it shows).
LOAD_TESTS = [
    ("Meeting page: {sessions} viewers arriving within 10 s", ["--repeat", "3"],
     "Each viewer is a real Streamlit session opened over the app's websocket protocol (what "
     "the frontend sends, without a browser), arriving evenly over 10 seconds on the weekly "
     "meeting page of a self-started app (the default sample, 16 teams x 104 weeks), after "
     "one warm-up viewer. A render is complete at the run's `script_finished`; an exception, "
     "an error box or a timeout is a failure. Three runs (one when run with `--quick`), each on a "
     "newly started app: the machine is shared, and the load average shows how busy it was."),
    ("Meeting page: {sessions} viewers just after a change to the data", ["--fresh"],
     "As above, but the database changes after the warm-up (as after an upload just before "
     "the meeting), so the first viewers find every cached read stale and recompute it once "
     "for everyone."),
    ("Meeting page: {sessions} viewers on a cold server", ["--cold"],
     "As above, on a server nobody has visited: the first viewers pay for the app's imports "
     "(pandas, pyarrow, DuckDB), once per process, which is most of the memory growth here."),
]  # fmt: skip
# Launch to the first rendered Overview, on the sample database (issue 20's goal).
OVERVIEW_GOAL_S = 2.0
# Full runs of the slowest benchmark take about 3 minutes here; this only stops a hang.
BENCH_TIMEOUT_S = 30 * 60


@dataclass
class Run:
    """A finished subprocess: what it printed, how long it took, its peak memory."""

    command: list[str]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    maxrss_kb: int


def run_measured(command: list[str], timeout_s: float) -> Run:
    """Run ``command`` (output to files, so no pipe fills up) and reap it with ``wait4``,
    whose rusage gives the peak resident memory of the largest process in its tree."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(command, cwd=ROOT, stdout=out, stderr=err, env=_env())
        deadline = started + timeout_s
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(command, proc.returncode, out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"), seconds, usage.ru_maxrss)  # fmt: skip


def _env() -> dict[str, str]:
    env = {**os.environ}
    # Measured as installed: an installed program's modules have their bytecode (Python writes
    # it on first import), also where this machine's environment says not to write it.
    for name in ("DDQ_DB", "DDQ_DEBUG", "DDQ_LOCK_WAIT", "PYTHONDONTWRITEBYTECODE"):
        env.pop(name, None)
    return env


def shown(command: list[str]) -> str:
    """The command as someone would type it from the project's folder."""
    args = list(command)
    if args and args[0] == sys.executable:
        args = ["uv", "run", "python", *args[1:]]
    return shlex.join(args)


def vm_kb(pid: int, key: str) -> int | None:
    """A ``/proc/PID/status`` figure in KB (VmHWM: peak resident memory; VmRSS: now)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name == key:
                return int(value.split()[0])
    except OSError:
        pass
    return None


class TimedServer(StreamlitServer):
    """The tests' server, polling its health every 10 ms and noting when it first answered."""

    healthy_after_s: float | None = None

    def start(self) -> None:
        self._launched = time.perf_counter()
        super().start()

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"streamlit exited early:\n{self.log()}")
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    if answer.read().decode("utf-8", "replace").strip() == "ok":
                        self.healthy_after_s = time.perf_counter() - self._launched
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.01)
        self.stop()
        raise RuntimeError(f"streamlit was not healthy within {HEALTH_TIMEOUT_S:g} s")


def cold_start(repeat: int, teams: int, weeks: int) -> list[str]:
    """Launch to health, and to the first rendered Overview, on an existing sample database."""
    from playwright.sync_api import expect, sync_playwright

    reason = chromium_missing()
    lines: list[str] = []
    with tempfile.TemporaryDirectory(prefix="ddq-bench-cold-") as tmp:
        folder = Path(tmp)
        db_path = folder / "ddq.duckdb"
        make_sample_db(db_path, teams=teams, weeks=weeks)
        rows = []
        with sync_playwright() as playwright:
            # The browser is running before the clock starts: only the app is measured.
            browser = None if reason else launch_browser(playwright)
            try:
                for i in range(repeat):
                    server = TimedServer(db_path, folder / f"streamlit-{i}.log")
                    started = time.perf_counter()
                    server.start()
                    try:
                        assert server.process is not None
                        render = second = None
                        if browser is not None:
                            _render(browser, server.url, expect)
                            render = time.perf_counter() - started
                            second = _render(browser, server.url, expect)
                        rows.append((server.healthy_after_s, render, second,
                                     vm_kb(server.process.pid, "VmHWM")))  # fmt: skip
                    finally:
                        server.stop()
            finally:
                if browser is not None:
                    browser.close()

    def cell(values: list[float | None], scale: float = 1.0, digits: int = 2) -> str:
        present = [v for v in values if v is not None]
        return f"{statistics.median(present) * scale:.{digits}f}" if present else "-"

    lines.append(f"sample database: {teams} teams x {weeks} weeks; median of {repeat} "
                 "launches; Chromium started before the clock")  # fmt: skip
    lines.append("")
    lines.append("| measure | value |")
    lines.append("|---|---:|")
    lines.append(f"| launch to first healthy /_stcore/health (s) | {cell([r[0] for r in rows])} |")
    renders = [r[1] for r in rows if r[1] is not None]
    met = "" if not renders else (" (goal met)" if statistics.median(renders) <= OVERVIEW_GOAL_S
                                  else " (goal not met)")  # fmt: skip
    lines.append(f"| launch to first rendered Overview in Chromium (s); goal at most "
                 f"{OVERVIEW_GOAL_S:g} s{met} | {cell([r[1] for r in rows])} |")  # fmt: skip
    lines.append(f"| a second session's Overview, server warm (s) | {cell([r[2] for r in rows])} |")
    lines.append(f"| app server peak memory after those two renders, VmHWM (MB) | "
                 f"{cell([r[3] for r in rows], 1 / 1024, 0)} |")  # fmt: skip
    renders = [r[1] for r in rows if r[1] is not None]
    if renders:
        first = statistics.median(renders)
        lines.append("")
        lines.append(goal_line("launch to first rendered Overview in Chromium, sample database",
                               f"{first:.2f} s", "at most 2 s", first <= 2.0))  # fmt: skip
    if reason:
        lines.append("")
        lines.append(f"No render times: {reason}.")
    return lines


def _render(browser, url: str, expect) -> float:
    """Seconds from opening the app in a new browser context to the rendered Overview."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(RUN_TIMEOUT_MS)
    try:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url, timeout=RUN_TIMEOUT_MS)
        expect(page.locator("h1").first).to_have_text("Overview", timeout=RUN_TIMEOUT_MS)
        # To the end of the script's run: what the server does (the tests' settled() also
        # waits for the browser to finish drawing charts and tables, which is not timed here).
        page.wait_for_selector(
            '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
            '[data-test-script-state="notRunning"]',
            state="attached",
            timeout=RUN_TIMEOUT_MS,
        )
        if page.locator('[data-testid="stException"]').count():
            raise RuntimeError("the Overview showed an exception box")
        return time.perf_counter() - started
    finally:
        context.close()


def machine() -> list[str]:
    import duckdb
    import streamlit

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = "?"
    try:
        total_kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f"{total_kb / 1024 / 1024:.1f} GB"
    except (OSError, ValueError, IndexError):
        pass
    return [
        f"- CPU: {os.cpu_count()} cores ({cpu}), memory {memory}",
        f"- Python {platform.python_version()}, DuckDB {duckdb.__version__}, "
        f"Streamlit {streamlit.__version__}",
        f"- Platform: {platform.platform()}",
    ]


def as_markdown(text: str) -> list[str]:
    """A benchmark's printed output inside the page: its own headings become bold lines,
    Markdown tables stay tables, and everything else stays as printed."""
    lines: list[str] = []
    plain: list[str] = []

    def flush() -> None:
        while plain and not plain[-1].strip():
            plain.pop()
        if plain:
            lines.extend(["```text", *plain, "```", ""])
            plain.clear()

    in_table = False
    for line in text.rstrip().splitlines():
        if line.startswith("|"):
            if not in_table:
                flush()
            lines.append(line)
            in_table = True
            continue
        if in_table:
            lines.append("")
            in_table = False
        if line.startswith("#"):
            flush()
            lines.extend([f"**{line.lstrip('#').strip()}**", ""])
        elif line.strip() or plain:
            plain.append(line)
    flush()
    while lines and not lines[-1]:
        lines.pop()
    return lines


def section(title: str, about: str, run: Run | None, body: list[str]) -> list[str]:
    lines = [f"## {title}", "", about, ""]
    if run is not None:
        peak = f"{run.maxrss_kb / 1024:.0f} MB"
        lines += [
            f"Command: `{shown(run.command)}` (wall time {run.seconds:.0f} s, peak memory of "
            f"its largest process {peak})",
            "",
        ]
        if run.returncode != 0:
            lines += [f"**Failed with exit status {run.returncode}.** Its last output:", "",
                      "```text", *run.stderr.strip().splitlines()[-20:], "```", ""]  # fmt: skip
    return [*lines, *body, ""]


def goals_section(goals: list[tuple[str, ...]]) -> list[str]:
    """Every goal the benchmarks measured, in one table (bench/goals.py)."""
    lines = ["## Goals", "",
             "Each goal as its benchmark measured it in this run: ratios are two things measured "
             "side by side on the same machine; times depend on the machine. The sections below "
             "hold the full figures.", "",
             "| where | measured | goal | met |", "|---|---:|---|---|"]  # fmt: skip
    for where, measured, target, met in goals:
        lines.append(f"| {where} | {measured} | {target} | {met} |")
    if not goals:
        lines.append("| (no benchmark printed a goal) | | | |")
    return [*lines, ""]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--sessions", type=int, default=50, help="bench/load.py viewers")
    parser.add_argument("--skip-load", action="store_true", help="leave out bench/load.py")
    args = parser.parse_args()

    # Measured as deployed (README, Deployment): the environment's bytecode compiled once.
    print("compiling the environment's bytecode, as an install does ...", flush=True)
    subprocess.run(["uv", "sync", "--locked", "--compile-bytecode", "--quiet"], cwd=ROOT,
                   check=True)  # fmt: skip
    subprocess.run([sys.executable, "-m", "compileall", "-q", "ddq", "app.py", "app_pages",
                    "bench", "tests"], cwd=ROOT, env=_env(), check=True)  # fmt: skip
    started = time.perf_counter()
    load_before = os.getloadavg()
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    sections: list[list[str]] = []
    goals: list[tuple[str, ...]] = []
    failures = 0
    for title, script, full, quick, about in BENCHMARKS:
        command = [sys.executable, script, *(quick if args.quick else full)]
        print(f"running {shown(command)} ...", flush=True)
        run = run_measured(command, BENCH_TIMEOUT_S)
        failures += run.returncode != 0
        print(f"  exit {run.returncode} after {run.seconds:.0f} s", flush=True)
        found, rest = split_goals(run.stdout)
        goals += found
        sections.append(section(title, about, run, as_markdown(rest)))

    print("measuring the app's cold start ...", flush=True)
    teams, weeks = (16, 104)
    try:
        cold = cold_start(1 if args.quick else 3, teams, weeks)
    except Exception as exc:  # reported on the page, not hidden
        failures += 1
        cold = [f"**Failed:** {type(exc).__name__}: {exc}"]
    found, rest = split_goals("\n".join(cold))
    goals += found
    cold = rest.splitlines()
    sections.append(section(
        "App cold start",
        "From launching `streamlit run app.py` (headless, a free 127.0.0.1 port) against an "
        "existing sample database to the first healthy `/_stcore/health`, and to the first "
        "Overview rendered in Chromium (title shown, script finished); then a second browser "
        "session against the warm server. Measured by bench/run.py with tests/e2e/server.py.",
        None, cold,
    ))  # fmt: skip

    if not args.skip_load:
        sessions = 5 if args.quick else args.sessions
        for title, extra, about in LOAD_TESTS:
            if args.quick and extra != LOAD_TESTS[0][1]:
                continue  # one warm run is enough to see that it works
            command = [sys.executable, "bench/load.py", "--sessions", str(sessions),
                       *(["--repeat", "1"] if args.quick else extra)]  # fmt: skip
            print(f"running {shown(command)} ...", flush=True)
            run = run_measured(command, 15 * 60)
            failures += run.returncode != 0
            print(f"  exit {run.returncode} after {run.seconds:.0f} s", flush=True)
            sections.append(section(title.format(sessions=sessions), about, run,
                                    as_markdown(run.stdout)))  # fmt: skip

    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    total = time.perf_counter() - started
    mode = "quick run (`--quick`: small sizes, one repeat; not the reference figures)" if (
        args.quick) else "full run (each benchmark's default sizes)"  # fmt: skip
    page = [
        "# Benchmarks",
        "",
        f"Generated by `{shown([sys.executable, 'bench/run.py', *sys.argv[1:]])}` on {when}: "
        f"a {mode}, {total / 60:.1f} minutes in all. Do not edit by hand; run it again.",
        "",
        "## Machine",
        "",
        *machine(),
        f"- Peak memory of any benchmark process (RUSAGE_CHILDREN ru_maxrss): "
        f"{children.ru_maxrss / 1024:.0f} MB",
        f"- Load average before the run: {load_before[0]:.2f} (1 min), {load_before[1]:.2f} "
        "(5 min); anything else running on the machine shows in the figures",
        "",
        *goals_section(goals),
    ]
    for lines in sections:
        page += lines
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(page).rstrip() + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({failures} failure(s)) in {total:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
