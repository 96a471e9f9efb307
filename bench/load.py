"""Load: N viewers arriving on the weekly meeting page, each a real Streamlit session.

Each virtual viewer does what Streamlit's frontend does when a laptop opens ``/meeting``,
without a browser: it fetches the page, then ``/_stcore/health`` (which sets the XSRF
cookie) and ``/_stcore/host-config``, opens the websocket ``/_stcore/stream`` with the XSRF
token in its subprotocol list, and asks for a run of the page (a ``rerun_script`` BackMsg
naming the page by its URL path, with the query string). Its first render is complete when
the server's ``script_finished`` says the run finished successfully and the page's title
came with it. An ``exception`` element, an error box, a compile error, an unknown page, a
refused or dropped connection, or a timeout is a failure, counted and shown. The frontend's
scripts and styles, which a browser keeps after its first visit, are not fetched; and
bench/load_browser.py drives real Chromium pages instead, drawing included, for a few viewers
(the browsers, not the server, then fill the machine).

The viewers arrive evenly spread over ``--arrive`` seconds (10 by default), stay connected
until the last one has its page, then leave. The time to a complete first render runs from
a viewer's arrival to its ``script_finished``; nothing is drawn, so it is the server's time
(and the network's, on loopback). Server memory is the resident memory (VmRSS) of the
server process and its children, sampled from /proc every 50 ms: after start-up, after a
warm-up viewer (not counted; ``--cold`` leaves it out), its peak during the run, with every
viewer still connected and after they left. Growth is the peak less the figure before the
viewers arrived. ``--repeat N`` makes N runs, each on a newly started app, and prints one
row per run (the machine is shared: repeat to see the spread). ``--fresh`` changes the
database after the warm-up, so every cached read is stale when the viewers arrive (as after
an upload just before the meeting); ``--cold`` sends them to a server nobody has visited.

The app is one already running (``--url http://127.0.0.1:PORT``, with ``--pid`` for its
memory) or, by default, one started here (``streamlit run app.py`` on a free loopback port,
as tests/e2e/server.py does) on a new sample database. Everything is bounded: loopback
only, at most 500 viewers, a timeout per viewer. Exit status 1 when any viewer failed.

    uv run python bench/load.py --sessions 50 [--arrive 10] [--repeat 3] [--fresh | --cold]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import platform
import resource
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

from tests.e2e.server import StreamlitServer, make_sample_db  # noqa: E402

MAX_SESSIONS = 500
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
XSRF_COOKIE = "_streamlit_xsrf"
# The frontend sends this in place of the token when it has no XSRF cookie.
NO_TOKEN = "PLACEHOLDER_AUTH_TOKEN"
# Titles of the pages a viewer can ask for: the render is complete only when it came.
TITLES = {"meeting": "Weekly meeting", "": "Overview", "trends": "Trends"}
MEMORY_EVERY_S = 0.05
# Goals for 50 viewers on 2 cores (issue 9): all of them served, p95 under 5 s, and the
# server's memory growing by less than 100 MB.
GOAL_P95_S = 5.0
GOAL_GROWTH_MB = 100.0


@dataclass
class Visit:
    """One viewer's first render: when each step ended (seconds from its arrival)."""

    number: int
    ok: bool = False
    error: str | None = None
    connected: float | None = None  # the websocket is open (page, health, host-config done)
    started: float | None = None  # the server began the run (new_session came)
    finished: float | None = None  # script_finished, successfully
    messages: int = 0
    received: int = 0  # bytes of ForwardMsgs


@dataclass
class Memory:
    """Resident memory of the server and its children, sampled until stopped (KB)."""

    pid: int
    peak_kb: int = 0
    samples: int = 0
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    async def watch(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, tree_rss_kb(self.pid))
            self.samples += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), MEMORY_EVERY_S)

    def stop(self) -> None:
        self._stop.set()


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*/children"):
        with contextlib.suppress(OSError, ValueError):
            found += [int(c) for c in task.read_text().split()]
    return found


def tree_rss_kb(pid: int) -> int:
    """VmRSS of ``pid`` and every process below it, in KB (0 when it is gone)."""
    total, todo, seen = 0, [pid], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
                    break
        except (OSError, ValueError):
            continue
        todo += _children(current)
    return total


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far (0 when unknown)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile (the p95 of 50 values is the 48th smallest)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


async def http_get(host: str, port: int, target: str, cookie: str | None = None,
                   timeout: float = 30.0) -> tuple[int, dict[str, str], bytes]:  # fmt: skip
    """A plain HTTP/1.1 GET: the status, the cookies it set, the body."""

    async def fetch() -> bytes:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            request = [f"GET {target} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
            if cookie:
                request.append(f"Cookie: {cookie}")
            writer.write(("\r\n".join(request) + "\r\n\r\n").encode("latin-1"))
            await writer.drain()
            return await reader.read()
        finally:
            writer.close()

    raw = await asyncio.wait_for(fetch(), timeout)
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split()
    status = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    cookies = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "set-cookie":
            key, _, rest = value.strip().partition("=")
            cookies[key] = rest.split(";", 1)[0]
    return status, cookies, body


def rerun_request(url: str, page: str, query: str) -> bytes:
    """The BackMsg the frontend sends for a page's first run (no widget state yet)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    state = msg.rerun_script
    state.query_string = query
    state.page_script_hash = ""  # the server finds the page by its name (the URL path)
    state.page_name = page
    info = state.context_info
    info.timezone = "UTC"
    info.timezone_offset = 0
    info.locale = "en-GB"
    info.url = f"{url}/{page}" + (f"?{query}" if query else "")
    info.is_embedded = False
    info.color_scheme = "light"
    return msg.SerializeToString()


def _problem(msg) -> str | None:
    """What went wrong in a ForwardMsg, if anything: an exception, an error box, ..."""
    kind = msg.WhichOneof("type")
    if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        element = msg.delta.new_element
        shown = element.WhichOneof("type")
        if shown == "exception":
            found = element.exception
            return f"exception: {found.type}: {found.message[:200]}"
        if shown == "alert" and element.alert.format == element.alert.ERROR:
            return f"error box: {element.alert.body[:200]}"
    if kind == "session_event" and msg.session_event.HasField("script_compilation_exception"):
        found = msg.session_event.script_compilation_exception
        return f"compile error: {found.type}: {found.message[:200]}"
    if kind == "page_not_found":
        return f"page not found: {msg.page_not_found.page_name!r}"
    return None


def _title(msg) -> str | None:
    if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
        element = msg.delta.new_element
        if element.WhichOneof("type") == "heading":
            return element.heading.body
    return None


class Room:
    """The viewers together: each says when its render is settled (done or failed), and
    they all leave when every one has."""

    def __init__(self, viewers: int) -> None:
        self.waiting = viewers
        self.settled = asyncio.Event()
        self.leave = asyncio.Event()
        if viewers <= 0:
            self.settled.set()

    def settle(self) -> None:
        self.waiting -= 1
        if self.waiting <= 0:
            self.settled.set()


async def visit(number: int, url: str, page: str, query: str, timeout: float,
                room: Room) -> Visit:  # fmt: skip
    """One viewer: the page, health, host-config, the websocket, one run of the page."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.asyncio.client import connect

    result = Visit(number)
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    title = TITLES.get(page)
    arrived = time.perf_counter()

    async def first_render() -> None:
        target = f"/{page}" + (f"?{query}" if query else "")
        status, _, _ = await http_get(host, port, target, timeout=timeout)
        if status != 200:
            raise RuntimeError(f"GET {target} answered {status}")
        status, cookies, body = await http_get(host, port, "/_stcore/health", timeout=timeout)
        if status != 200 or body.strip() != b"ok":
            raise RuntimeError(f"health answered {status} {body[:80]!r}")
        xsrf = cookies.get(XSRF_COOKIE)
        cookie = f"{XSRF_COOKIE}={xsrf}" if xsrf else None
        status, _, _ = await http_get(host, port, "/_stcore/host-config", cookie, timeout)
        if status != 200:
            raise RuntimeError(f"host-config answered {status}")
        async with connect(
            f"ws://{host}:{port}/_stcore/stream",
            origin=f"http://{host}:{port}",  # type: ignore[arg-type]
            subprotocols=["streamlit", xsrf or NO_TOKEN],  # type: ignore[list-item]
            additional_headers={"Cookie": cookie} if cookie else None,
            proxy=None,  # loopback only, whatever the environment says
            max_size=None,
            open_timeout=timeout,
        ) as socket:
            result.connected = time.perf_counter() - arrived
            await socket.send(rerun_request(url, page, query))
            seen_title = title is None
            while True:
                data = await socket.recv()
                result.messages += 1
                result.received += len(data)
                msg = ForwardMsg()
                msg.ParseFromString(data)
                kind = msg.WhichOneof("type")
                problem = _problem(msg)
                if problem:
                    raise RuntimeError(problem)
                if kind == "new_session" and result.started is None:
                    result.started = time.perf_counter() - arrived
                seen_title = seen_title or _title(msg) == title
                if kind != "script_finished":
                    continue
                if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    if not seen_title:
                        raise RuntimeError(f"the run finished without the title {title!r}")
                    result.finished = time.perf_counter() - arrived
                    result.ok = True
                    break
                if msg.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    raise RuntimeError("the script did not compile")
                # FINISHED_EARLY_FOR_RERUN (st.rerun) or a fragment's run: keep reading
            # Stay, as a laptop in the room would, until every viewer has its page.
            room.settle()
            await room.leave.wait()

    try:
        await asyncio.wait_for(first_render(), timeout)
    except TimeoutError:
        if not result.ok:
            result.error = f"no complete render within {timeout:g} s"
    except Exception as exc:  # a failed render: counted and shown, never hidden
        if not result.ok:
            result.error = f"{type(exc).__name__}: {str(exc).splitlines()[0][:240]}"
    if not result.ok:
        room.settle()
    return result


@dataclass
class Run:
    visits: list[Visit]
    wall: float  # first arrival to the last settled render
    memory: dict[str, int]  # KB: start, before, peak, connected, after
    server_cpu: float | None  # seconds, from the first arrival to the last render
    own_cpu: float  # this process's, over the same time
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]


def _own_cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime


async def measure(url: str, pid: int | None, sessions: int, arrive: float, page: str,
                  query: str, timeout: float, warm: bool,
                  change: Callable[[], None] | None = None) -> Run:  # fmt: skip
    memory: dict[str, int] = {}
    if pid:
        memory["start"] = tree_rss_kb(pid)
    if warm:  # one viewer first, not counted: the server's imports and cached reads
        alone = Room(1)
        alone.leave.set()
        warmup = await visit(-1, url, page, query, timeout, alone)
        if not warmup.ok:
            raise RuntimeError(f"the warm-up viewer failed: {warmup.error}")
        await asyncio.sleep(1.0)  # let its session close before the memory is read
    if change is not None:
        change()
    load_before = os.getloadavg()
    watcher = watching = None
    cpu_before = 0.0
    if pid:
        memory["before"] = tree_rss_kb(pid)
        watcher = Memory(pid)
        watching = asyncio.create_task(watcher.watch())
        cpu_before = cpu_seconds(pid)
    room = Room(sessions)
    gap = arrive / sessions if sessions > 1 else 0.0
    own_before = _own_cpu()
    began = time.perf_counter()

    async def arrive_then_visit(number: int) -> Visit:
        await asyncio.sleep(max(0.0, began + number * gap - time.perf_counter()))
        return await visit(number, url, page, query, timeout, room)

    tasks = [asyncio.create_task(arrive_then_visit(n)) for n in range(sessions)]
    await room.settled.wait()  # bounded: every viewer settles within its timeout
    wall = time.perf_counter() - began
    own_cpu = _own_cpu() - own_before
    server_cpu = None
    if pid:
        memory["connected"] = tree_rss_kb(pid)
        server_cpu = cpu_seconds(pid) - cpu_before
    room.leave.set()
    visits = await asyncio.gather(*tasks)
    if watcher is not None and watching is not None:
        await asyncio.sleep(2.0)  # the server closes the sessions
        memory["after"] = tree_rss_kb(pid or 0)
        watcher.stop()
        await watching
        memory["peak"] = max(watcher.peak_kb, memory["connected"])
    return Run(list(visits), wall, memory, server_cpu, own_cpu, load_before, os.getloadavg())


def touch(db_path: Path) -> None:
    """Move the database file's modification stamp, which every cached read keys on
    (ddq.db.data_version), as an upload or a saved note does."""
    stamp = time.time_ns()
    os.utime(db_path, ns=(stamp, stamp))


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"{platform.system()} {platform.release()}")  # fmt: skip


def _mb(kb: int | None) -> str:
    return "-" if kb is None else f"{kb / 1024:.0f}"


@dataclass
class Figures:
    """What one run comes to."""

    done: int
    failed: list[Visit]
    renders: list[float]  # arrival to a complete first render, per viewer
    opens: list[float]  # arrival to the websocket open (the page, health and host-config)
    waits: list[float]  # arrival to the run's start on the server
    runs: list[float]  # the run itself, new_session to script_finished
    growth_kb: int | None
    met: bool


def figures(run: Run) -> Figures:
    done = [v for v in run.visits if v.ok]
    renders = [v.finished for v in done if v.finished is not None]
    opens = [v.connected for v in done if v.connected is not None]
    waits = [v.started for v in done if v.started is not None]
    runs = [v.finished - v.started for v in done
            if v.finished is not None and v.started is not None]  # fmt: skip
    growth = run.memory["peak"] - run.memory["before"] if "peak" in run.memory else None
    failed = [v for v in run.visits if not v.ok]
    met = (
        not failed
        and bool(renders)
        and percentile(renders, 0.95) < GOAL_P95_S
        and (growth is None or growth / 1024 < GOAL_GROWTH_MB)
    )
    return Figures(len(done), failed, renders, opens, waits, runs, growth, met)


def _s(values: list[float], fraction: float | None) -> str:
    if not values:
        return "-"
    if fraction is None:
        return f"{statistics.median(values):.2f}"
    return f"{percentile(values, fraction):.2f}"


def report(runs: list[Run], sessions: int) -> tuple[list[str], int]:
    """The runs as Markdown lines, and in how many of them the goals were met."""
    found = [figures(run) for run in runs]
    lines = [
        "| run | complete first renders | median (s) | p95 (s) | max (s) | memory before "
        "(MB) | peak (MB) | after they left (MB) | growth (MB) | server CPU (s) | "
        "load average before |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for number, (run, got) in enumerate(zip(runs, found, strict=True), 1):
        memory = run.memory
        cpu = "-" if run.server_cpu is None else f"{run.server_cpu:.1f}"
        lines.append(
            f"| {number} | {got.done} of {sessions} ({got.done / sessions:.0%}) | "
            f"{_s(got.renders, None)} | {_s(got.renders, 0.95)} | {_s(got.renders, 1.0)} | "
            f"{_mb(memory.get('before'))} | {_mb(memory.get('peak'))} | "
            f"{_mb(memory.get('after'))} | {_mb(got.growth_kb)} | {cpu} | "
            f"{run.load_before[0]:.2f} |"
        )
    lines.append("")
    lines.append("median / p95 (s) from arrival to the websocket open (after the page, "
                 "health and host-config), to the run's start on the server (new_session), "
                 "and of the run itself (new_session to script_finished)")  # fmt: skip
    for number, (run, got) in enumerate(zip(runs, found, strict=True), 1):
        memory = run.memory
        received = sum(v.received for v in run.visits if v.ok) / max(1, got.done) / 1024
        lines.append(
            f"run {number}: {_s(got.opens, None)} / {_s(got.opens, 0.95)} to the websocket, "
            f"{_s(got.waits, None)} / {_s(got.waits, 0.95)} to the start, "
            f"{_s(got.runs, None)} / {_s(got.runs, 0.95)} the run; the last viewer settled "
            f"{run.wall:.1f} s after the first arrival; {received:.0f} KB of messages per "
            f"render; memory after start-up {_mb(memory.get('start'))} MB, with every viewer "
            f"connected {_mb(memory.get('connected'))} MB; CPU meanwhile: this load generator "
            f"{run.own_cpu:.1f} s; load average (1, 5, 15 min) before "
            f"{', '.join(f'{x:.2f}' for x in run.load_before)}, after "
            f"{', '.join(f'{x:.2f}' for x in run.load_after)}"
        )
        errors: dict[str, int] = {}
        for v in got.failed:
            errors[v.error or "?"] = errors.get(v.error or "?", 0) + 1
        for message, count in sorted(errors.items(), key=lambda e: -e[1])[:10]:
            lines.append(f"- failed ({count}x): {message}")
    met = sum(got.met for got in found)
    if sessions == 50:
        lines.append(f"goal for 50 viewers (all served, p95 under {GOAL_P95_S:g} s, memory "
                     f"growth under {GOAL_GROWTH_MB:g} MB): met in {met} of {len(runs)} "
                     f"run(s)")  # fmt: skip
    return lines, met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=50, help="viewers (1-500)")
    parser.add_argument("--arrive", type=float, default=10.0,
                        help="seconds over which the viewers arrive, evenly spread")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=1,
                        help="runs, each on a newly started app (or the same --url)")  # fmt: skip
    parser.add_argument("--page", default="meeting", help="URL path of the page (no slash)")
    parser.add_argument("--query", default="", help="query string, e.g. meeting=2&team=Atlas")
    parser.add_argument("--url", help="a running app on 127.0.0.1 (default: start one here)")
    parser.add_argument("--pid", type=int, help="with --url: the server's process, for memory")
    parser.add_argument("--teams", type=int, default=16, help="sample size, self-started app")
    parser.add_argument("--weeks", type=int, default=104, help="sample size, self-started app")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per viewer")
    parser.add_argument("--cold", action="store_true",
                        help="no warm-up viewer first: the first viewers pay the app's start")  # fmt: skip
    parser.add_argument("--fresh", action="store_true",
                        help="the database changes after the warm-up (as after an upload), so "
                        "the viewers find every cached read stale (self-started app only)")  # fmt: skip
    args = parser.parse_args()
    if not 1 <= args.sessions <= MAX_SESSIONS:
        parser.error(f"--sessions must be between 1 and {MAX_SESSIONS}")
    if not 0 <= args.arrive <= 600:
        parser.error("--arrive must be between 0 and 600")
    if not 1 <= args.repeat <= 10:
        parser.error("--repeat must be between 1 and 10")
    if args.fresh and (args.url or args.cold):
        parser.error("--fresh needs a self-started app and its warm-up (no --url, no --cold)")
    url = (args.url or "").rstrip("/")
    if url and urlsplit(url).hostname not in LOOPBACK:
        parser.error("--url must be on the loopback interface (127.0.0.1)")
    page = args.page.strip("/")
    warm = not args.cold
    scenario = ("a cold server: no viewer before them" if args.cold else
                "after one warm-up viewer, then a change to the database: every cached read "
                "stale" if args.fresh else "after one warm-up viewer: the cached reads filled")  # fmt: skip
    print(f"# load: {args.sessions} viewers arriving over {args.arrive:g} s on /{page} "
          f"(Streamlit's websocket protocol), {args.repeat} run(s)")  # fmt: skip
    print(f"machine: {machine()}")
    if url:
        print(f"app: {url} (already running); {scenario}")
    else:
        print(f"app: `streamlit run app.py` started for each run on a new sample of "
              f"{args.teams} teams x {args.weeks} weeks; {scenario}")  # fmt: skip

    def measure_at(url: str, pid: int | None, db_path: Path | None = None) -> Run:
        change = (lambda: touch(db_path)) if args.fresh and db_path else None
        return asyncio.run(measure(url, pid, args.sessions, args.arrive, page, args.query,
                                   args.timeout, warm, change))  # fmt: skip

    runs = []
    for _ in range(args.repeat):
        if url:
            runs.append(measure_at(url, args.pid))
            continue
        with tempfile.TemporaryDirectory(prefix="ddq-load-") as tmp:
            folder = Path(tmp)
            db_path = folder / "ddq.duckdb"
            make_sample_db(db_path, teams=args.teams, weeks=args.weeks)
            server = StreamlitServer(db_path, folder / "streamlit.log")
            server.start()  # raises, with the server's output, if not healthy within 60 s
            try:
                assert server.process is not None
                runs.append(measure_at(server.url, server.process.pid, db_path))
                alive = server.process.poll() is None
            finally:
                server.stop()
            if not alive:
                print("THE SERVER DIED during the run:", server.log()[-3000:], file=sys.stderr)
                return 1
    print()
    lines, _ = report(runs, args.sessions)
    print("\n".join(lines))
    return 0 if all(v.ok for run in runs for v in run.visits) else 1


if __name__ == "__main__":
    sys.exit(main())
