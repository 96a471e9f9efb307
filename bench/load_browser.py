"""Load in browsers: N concurrent Chromium sessions against the app, time to draw each page.

The browser counterpart of bench/load.py (which speaks Streamlit's websocket protocol and so
measures the server alone). Here the browsers share the machine with the server and usually
dominate it: use this to see what a viewer waits for including drawing, with a few sessions.
Opens ``--sessions`` real Streamlit sessions at once (one Chromium browser context each,
driven by Playwright) against the app on the loopback interface: an app already running
(``--url http://127.0.0.1:PORT``) or, by default, one started here (``streamlit run app.py``
on a free port, like tests/e2e/server.py) on a new sample database. Each session opens the
Overview, then goes to Trends and the Weekly meeting through the sidebar (the same session),
and records how long each page took to render: from the navigation until its title is shown,
the script has finished, and (Trends) the chart is drawn. With ``--seconds S`` the sessions
keep cycling through the pages until S seconds have passed. One viewer goes through the
pages first, not counted, so that the figures are those of a running app (``--cold`` leaves
that out; bench/run.py measures the cold start itself).

Errors are counted, never hidden: exception boxes on a page, and loads that fail or time
out. Everything is bounded: at most 50 sessions, a timeout on every render, and only
127.0.0.1 traffic (any other request goes to a closed loopback port, and is counted).

    uv run python bench/load_browser.py --sessions 10 [--seconds 0] [--url URL] [--cold]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.server import (  # noqa: E402
    CHROMIUM,
    CHROMIUM_ARGS,
    StreamlitServer,
    chromium_missing,
    make_sample_db,
)

MAX_SESSIONS = 50
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
EXCEPTION = '[data-testid="stException"]'
NAV_LINKS = '[data-testid="stSidebarNav"] a'
VIEWPORT = {"width": 1280, "height": 900}
DEAD_PROXY = {"server": "http://127.0.0.1:9", "bypass": "127.0.0.1,localhost,[::1]"}


@dataclass(frozen=True)
class PageSpec:
    name: str  # as the table shows it
    path: str  # URL path
    nav_label: str  # the sidebar link
    title: str  # its h1
    ready: str | None = None  # an element that must be visible too (a chart)


PAGES = [
    PageSpec("overview", "/", "Overview", "Overview"),
    PageSpec("trends", "/trends", "Trends", "Trends", '[data-testid="stPlotlyChart"]'),
    PageSpec("meeting", "/meeting", "Meeting", "Weekly meeting"),
]


def available_pages() -> list[PageSpec]:
    """The pages to load: /meeting only where the app has that page."""
    return [p for p in PAGES if p.name != "meeting" or (ROOT / "app_pages/meeting.py").exists()]


@dataclass
class Result:
    """Render times (seconds) per page, and every error seen."""

    times: dict[str, list[float]] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)

    def error(self, page: str, message: str) -> None:
        self.errors[page] = self.errors.get(page, 0) + 1
        if len(self.messages) < 20:
            self.messages.append(f"{page}: {message}")


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (p95 of 10 values is the largest but none)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


async def _wait_rendered(page, spec: PageSpec, timeout_ms: int) -> None:
    """The page shows its title, and Streamlit is connected and idle (its script ran)."""
    from playwright.async_api import expect

    await expect(page.locator("h1").first).to_have_text(spec.title, timeout=timeout_ms)
    await page.wait_for_selector(
        '[data-testid="stApp"][data-test-connection-state="CONNECTED"]'
        '[data-test-script-state="notRunning"]',
        state="attached",
        timeout=timeout_ms,
    )
    await page.locator('[data-testid="stStatusWidget"]', has_text="Running").first.wait_for(
        state="hidden", timeout=timeout_ms
    )


async def _session(
    number: int,
    browser,
    url: str,
    pages: list[PageSpec],
    deadline: float,
    timeout_ms: int,
    result: Result,
    start: asyncio.Event,
) -> None:
    """One viewer: a browser context of its own (cookies, cache, a Streamlit session)."""
    context = await browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(timeout_ms)

    def note_outside(request) -> None:  # it goes nowhere (see _run_sessions); count it
        host = urlsplit(request.url).hostname
        if host and host not in LOOPBACK:
            result.blocked.append(request.url)

    context.on("request", note_outside)
    tab = await context.new_page()
    await start.wait()
    try:
        first = True
        while True:
            for spec in pages:
                started = time.perf_counter()
                try:
                    if first:
                        await tab.goto(url + spec.path, timeout=timeout_ms)
                        first = False
                    else:
                        link = tab.locator(NAV_LINKS, has_text=spec.nav_label).first
                        await link.click(timeout=timeout_ms)
                    await _wait_rendered(tab, spec, timeout_ms)
                    elapsed = time.perf_counter() - started
                    drawn = None
                    if spec.ready:  # the browser still has to draw it (Plotly, for Trends)
                        await tab.locator(spec.ready).first.wait_for(
                            state="visible", timeout=timeout_ms
                        )
                        drawn = time.perf_counter() - started
                except Exception as exc:  # a failed or timed-out load: counted, then go on
                    result.error(spec.name, f"session {number}: {type(exc).__name__}: "
                                 f"{str(exc).splitlines()[0][:200]}")  # fmt: skip
                    first = True  # start the next page from a fresh load
                    continue
                boxes = await tab.locator(EXCEPTION).count()
                if boxes:
                    text = (await tab.locator(EXCEPTION).first.inner_text())[:200]
                    result.error(spec.name, f"session {number}: exception box: {text!r}")
                    continue
                result.times.setdefault(spec.name, []).append(elapsed)
                if drawn is not None:
                    result.times.setdefault(f"{spec.name}, chart drawn", []).append(drawn)
            if time.monotonic() >= deadline:
                break
    finally:
        await context.close()


async def _run_sessions(
    url: str,
    sessions: int,
    seconds: float,
    timeout_ms: int,
    warm_up: bool = True,
    on_start: Callable[[], None] | None = None,
) -> tuple[Result, float]:
    from playwright.async_api import async_playwright

    pages = available_pages()
    result = Result()
    async with async_playwright() as playwright:
        # Loopback only: every other request goes to a proxy on a closed loopback port,
        # so it fails at once (routing each request through Playwright instead would
        # disable the browser's cache and slow every load down).
        browser = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, proxy=DEAD_PROXY
        )
        try:
            if warm_up:  # one viewer first, not counted: the server's imports and caches
                ready = asyncio.Event()
                ready.set()
                await _session(-1, browser, url, pages, 0.0, timeout_ms, Result(), ready)
            start = asyncio.Event()
            # Every context is made before the clock starts, so all sessions start together.
            deadline = time.monotonic() + 0.5 + seconds
            tasks = [
                asyncio.create_task(
                    _session(n, browser, url, pages, deadline, timeout_ms, result, start)
                )
                for n in range(sessions)
            ]
            await asyncio.sleep(0.5)
            if on_start is not None:
                on_start()
            started = time.perf_counter()
            start.set()
            # Bounded: each render has its own timeout; this caps the whole run as well.
            budget = seconds + len(pages) * timeout_ms / 1000 * 2 + 60
            done, pending = await asyncio.wait(tasks, timeout=budget)
            for task in pending:
                task.cancel()
                result.error("run", "a session did not finish within the run's time budget")
            for task in done:
                if task.exception() is not None:
                    result.error("run", f"session crashed: {task.exception()!r}")
            wall = time.perf_counter() - started
        finally:
            await browser.close()
    return result, wall


def _cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (0 when unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def _memory(pid: int) -> dict[str, int]:
    """VmHWM (peak) and VmRSS of a process, in KB, from /proc."""
    found = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                found[key] = int(value.split()[0])
    except OSError:
        pass
    return found


def report(result: Result, sessions: int, seconds: float, wall: float, warm: bool) -> list[str]:
    lines = [
        "| page | renders | median (s) | p95 (s) | max (s) | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    every: list[float] = []
    rows = []
    for spec in available_pages():
        rows.append((spec.name, result.errors.get(spec.name, 0)))
        if spec.ready:
            rows.append((f"{spec.name}, chart drawn", 0))
    for name, errors in rows:
        times = result.times.get(name, [])
        if "," not in name:
            every += times
        if times:
            lines.append(f"| {name} | {len(times)} | {statistics.median(times):.2f} | "
                         f"{percentile(times, 0.95):.2f} | {max(times):.2f} | {errors} |")  # fmt: skip
        else:
            lines.append(f"| {name} | 0 | - | - | - | {errors} |")
    total_errors = sum(result.errors.values())
    if every:
        lines.append(f"| all pages (script done) | {len(every)} | {statistics.median(every):.2f} | "
                     f"{percentile(every, 0.95):.2f} | {max(every):.2f} | {total_errors} |")  # fmt: skip
    lines.append("")
    lines.append(f"{sessions} concurrent sessions, {'one pass' if not seconds else f'{seconds:g} s'}"
                 f"{' after one warm-up session' if warm else ', cold server'}"
                 f" over {', '.join(p.name for p in available_pages())}; all done in "
                 f"{wall:.1f} s; {total_errors} error(s); "
                 f"{len(result.blocked)} non-loopback request(s) blocked")  # fmt: skip
    hosts = sorted({urlsplit(u).hostname or "?" for u in result.blocked})
    if hosts:
        lines.append(f"blocked hosts (the page asked for them): {', '.join(hosts)}")
    for message in result.messages:
        lines.append(f"- error: {message}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10, help="concurrent sessions (1-50)")
    parser.add_argument("--seconds", type=float, default=0.0,
                        help="keep cycling through the pages this long (0: one pass)")  # fmt: skip
    parser.add_argument("--url", help="a running app on 127.0.0.1 (default: start one here)")
    parser.add_argument("--teams", type=int, default=16, help="sample size, self-started app")
    parser.add_argument("--weeks", type=int, default=104, help="sample size, self-started app")
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds per render")
    parser.add_argument("--cold", action="store_true",
                        help="no warm-up session first: the first viewers pay the app's start")  # fmt: skip
    args = parser.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    if not 0 <= args.seconds <= 600:
        parser.error("--seconds must be between 0 and 600")
    missing = chromium_missing()
    if missing:
        print(f"bench/load_browser.py needs a browser: {missing}", file=sys.stderr)
        return 2
    timeout_ms = int(args.timeout * 1000)
    print(f"# load: {args.sessions} concurrent sessions")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, {platform.system()} {platform.release()}")  # fmt: skip
    if args.url:
        url = args.url.rstrip("/")
        if urlsplit(url).hostname not in LOOPBACK:
            parser.error("--url must be on the loopback interface (127.0.0.1)")
        print(f"app: {url} (already running)")
        result, wall = asyncio.run(
            _run_sessions(url, args.sessions, args.seconds, timeout_ms, not args.cold)
        )
        print()
        print("\n".join(report(result, args.sessions, args.seconds, wall, not args.cold)))
        return 1 if result.errors else 0

    with tempfile.TemporaryDirectory(prefix="ddq-load-") as tmp:
        folder = Path(tmp)
        db_path = folder / "ddq.duckdb"
        make_sample_db(db_path, teams=args.teams, weeks=args.weeks)
        server = StreamlitServer(db_path, folder / "streamlit.log")
        server.start()  # raises, with the server's output, if not healthy within 60 s
        try:
            assert server.process is not None
            pid = server.process.pid
            before = _memory(pid)
            cpu_at_start: list[float] = []
            result, wall = asyncio.run(
                _run_sessions(server.url, args.sessions, args.seconds, timeout_ms, not args.cold,
                              on_start=lambda: cpu_at_start.append(_cpu_seconds(pid)))
            )  # fmt: skip
            cpu = _cpu_seconds(pid) - (cpu_at_start[0] if cpu_at_start else 0.0)
            after = _memory(pid)
            alive = server.process.poll() is None
        finally:
            server.stop()
        print(f"app: self-started on {server.url}, sample of {args.teams} teams x "
              f"{args.weeks} weeks")  # fmt: skip
        print()
        print("\n".join(report(result, args.sessions, args.seconds, wall, not args.cold)))
        print()
        print(f"app server memory: {before.get('VmRSS', 0) / 1024:.0f} MB resident after "
              f"start-up, peak (VmHWM) {after.get('VmHWM', 0) / 1024:.0f} MB, "
              f"{after.get('VmRSS', 0) / 1024:.0f} MB resident after them"
              + ("" if alive else "; THE SERVER DIED during the run"))  # fmt: skip
        print(f"app server CPU during the measured sessions: {cpu:.1f} s of the {wall:.1f} s "
              f"they took on {os.cpu_count()} cores (the rest is mostly the browsers)")  # fmt: skip
        if not alive:
            print(server.log()[-3000:], file=sys.stderr)
            return 1
    return 1 if result.errors else 0


if __name__ == "__main__":
    sys.exit(main())
