"""Start and stop the real app (`streamlit run app.py`) and a browser, for tests and screenshots.

Shared by ``tests/e2e/conftest.py`` and ``tests/e2e/screenshots.py``: one way to fill a
sample database, launch the server on a free loopback port, wait until it is healthy and
stop it again, so that the screenshots show exactly what the browser tests exercised.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from ddq import db
from ddq.access import SYSTEM
from ddq.org import name_key
from ddq.sample import fill_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

ROOT = Path(__file__).resolve().parents[2]

# Debian's Chromium: Playwright's own browser download cannot work here.
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Bounds a failure only: a busy machine may take a while to start Python and Streamlit.
HEALTH_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 10.0


def chromium_missing() -> str | None:
    """Why the browser tests cannot run here, or None when they can."""
    if not CHROMIUM.exists():
        return (
            f"{CHROMIUM} not found: install Debian's Chromium "
            "(apt-get update && apt-get install -y chromium) to run the browser tests"
        )
    return None


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def make_sample_db(
    path: Path, *, teams: int = 16, weeks: int = 104, extra_teams: Iterable[str] = ()
) -> dict:
    """A database at ``path`` with the sample organisation, plus ``extra_teams`` (no values)."""
    with db.connect(path) as con:
        summary = fill_demo(con, teams=teams, weeks=weeks, who=SYSTEM)
        rows = [(n, name_key(n)) for n in extra_teams]
        if rows:
            con.executemany("INSERT INTO teams (name, name_key) VALUES (?, ?)", rows)
    return summary


# Sign-in configuration from the environment; a server starts in local mode without them.
SIGN_IN_VARIABLES = ("DDQ_EDITOR_PASSWORD", "DDQ_ADMIN_PASSWORD", "DDQ_ADMINS", "DDQ_EDITORS")


class StreamlitServer:
    """``streamlit run app.py`` on a free loopback port against the database ``db_path``."""

    def __init__(
        self, db_path: Path, log_path: Path, extra_env: dict[str, str] | None = None
    ) -> None:
        self.db_path = db_path
        self.log_path = log_path
        self.extra_env = extra_env or {}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None

    def log(self) -> str:
        """What the server printed so far (stdout and stderr), for failure messages."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return "(no server output)"

    def status(self) -> str:
        """Whether the server still runs, for failure messages."""
        if self.process is None:
            return "not started"
        code = self.process.poll()
        if code is None:
            return f"running (pid {self.process.pid})"
        # Streamlit prints "Stopping..." and exits when it gets SIGTERM, SIGINT or SIGQUIT.
        return f"exited with status {code} before the test session ended"

    def start(self) -> None:
        command = [
            sys.executable, "-m", "streamlit", "run", "app.py",
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false",
            # An edited source file must not put a "Rerun?" prompt on a page under test.
            "--server.fileWatcherType", "none",
        ]  # fmt: skip
        env = {**os.environ, "DDQ_DB": str(self.db_path), "DDQ_LOCK_WAIT": "15",
               # the meeting page refreshes itself every few seconds instead of 30 here
               "DDQ_MEETING_REFRESH": "3"}  # fmt: skip
        for name in ("DDQ_DEBUG", *SIGN_IN_VARIABLES):  # local mode, unless a test asks
            env.pop(name, None)
        env.update(self.extra_env)
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self._wait_healthy()

    def _wait_healthy(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + HEALTH_TIMEOUT_S
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"streamlit exited with status {self.process.returncode} before it was "
                    f"healthy. Its output:\n{self.log()}"
                )
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as answer:
                    body = answer.read().decode("utf-8", "replace").strip()
                if body == "ok":
                    return
                last_error = f"health said {body!r}"
            except (urllib.error.URLError, OSError) as exc:
                last_error = str(exc)
            time.sleep(0.1)  # between two asks of the server's health, not a wait for the UI
        self.stop()
        raise RuntimeError(
            f"streamlit was not healthy at {self.url} within {HEALTH_TIMEOUT_S:g} s "
            f"({last_error}). Its output:\n{self.log()}"
        )

    def stop(self) -> None:
        """Terminate the server; kill it if it has not stopped within a few seconds."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_S)


@contextmanager
def running_app(
    db_path: Path, log_path: Path, extra_env: dict[str, str] | None = None
) -> Iterator[StreamlitServer]:
    """The app served against ``db_path`` for the duration of the block."""
    server = StreamlitServer(db_path, log_path, extra_env)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def launch_browser(playwright: Playwright) -> Browser:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
