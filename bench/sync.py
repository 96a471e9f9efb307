"""Sync speed: `ddq sync` of 100,000 GitHub issues from a server on loopback, against
downloading the same pages with the HTTP client alone.

A local server holds the issues as GitHub's REST API lists them (100 a page, pages linked
by the ``Link`` header) with every page rendered beforehand, so that serving costs both
sides the same and little. Then, side by side in one run (the order alternating), it times:

- **download**: the pages fetched with httpx, following ``Link``, each body read in full;
- **ddq sync**: a full sync into an empty database: the same pages, read as issues, checked,
  stored as one import, and every weekly bug metric computed.

Prints medians and the ratio (the goal: within 2x).

    uv run python bench/sync.py [--issues 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.goals import goal_line  # noqa: E402
from ddq import db  # noqa: E402
from ddq.access import ADMIN, Actor  # noqa: E402
from ddq.sources import store, sync, trackers  # noqa: E402
from tests.fakes.github import FakeGithub  # noqa: E402
from tests.fakes.server import FakeApi, Reply, Request, serving  # noqa: E402

PER_PAGE = 100
TOKEN = "ghp_bench_token_0123456789"
WHO = Actor("bench", ADMIN)
LABELS = ("bug", "regression", "customer", "flaky", "performance", "security")


class PagedIssues(FakeApi):
    """A GitHub repository whose issue pages are rendered once, then only sent."""

    def __init__(self, items: list[dict]) -> None:
        super().__init__()
        self.items = items
        self.pages: list[bytes] = []

    def render(self) -> None:
        self.pages = [
            json.dumps(self.items[start : start + PER_PAGE]).encode()
            for start in range(0, len(self.items), PER_PAGE)
        ]

    def answer(self, request: Request) -> Reply:
        page = int(request.arg("page") or 1)
        headers = {}
        if page < len(self.pages):
            headers["Link"] = (f'<{self.url}/repos/acme/app/issues?state=all&per_page={PER_PAGE}'
                               f'&page={page + 1}>; rel="next"')  # fmt: skip
        return Reply(200, self.pages[page - 1], headers)


def make_items(count: int) -> list[dict]:
    shaper = FakeGithub("acme/app", token=TOKEN)
    start = dt.datetime(2021, 1, 4, 9, 0)
    for n in range(1, count + 1):
        created = start + dt.timedelta(minutes=23 * n)
        closed = created + dt.timedelta(hours=n % 500) if n % 3 else None
        stamp = "%Y-%m-%dT%H:%M:%SZ"
        shaper.add(
            n, title=f"Crash {n} when saving a report with {n % 17} attachments",
            state="closed" if closed else "open",
            labels=(LABELS[n % 6], LABELS[(n // 6) % 6]) if n % 4 else (LABELS[n % 6],),
            created=created.strftime(stamp), closed=closed.strftime(stamp) if closed else None,
            updated=(closed or created).strftime(stamp),
            body=f"Steps to reproduce {n}:\n1. open the report\n2. attach files\n3. save",
        )  # fmt: skip
    return shaper.items


def download(url: str) -> int:
    """Every page with the HTTP client alone; the bytes read."""
    read = 0
    with httpx.Client(headers={"Authorization": f"Bearer {TOKEN}"}, trust_env=False) as client:
        next_url: str | None = f"{url}/repos/acme/app/issues?state=all&per_page={PER_PAGE}"
        while next_url:
            response = client.get(next_url)
            response.raise_for_status()
            read += len(response.content)
            next_url = response.links.get("next", {}).get("url")
    return read


def ddq_sync(path: Path, url: str, count: int) -> None:
    connection = sync.Connection(env={"BENCH_TOKEN": TOKEN})
    with db.connect(path) as con:
        store.add(con, "github", "app", url=url, options={"repo": "acme/app"},
                  check_options=trackers.adapter("github").check_options,
                  token_env="BENCH_TOKEN", who=WHO)  # fmt: skip
        result = sync.sync(con, "app", who=WHO, connection=connection)
    assert result.added == count, result.summary()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import duckdb

    print(f"python {platform.python_version()}, duckdb {duckdb.__version__}, "
          f"httpx {httpx.__version__}, {os.cpu_count()} CPUs, {platform.platform()}")  # fmt: skip
    started = time.perf_counter()
    api = PagedIssues(make_items(args.issues))
    api.render()
    size = sum(map(len, api.pages))
    print(f"\n== sync ==\nserver: {args.issues:,} issues in {len(api.pages):,} pages, "
          f"{size / 1e6:.0f} MB (made in {time.perf_counter() - started:.1f} s)")  # fmt: skip
    timings: dict[str, list[float]] = {"download": [], "ddq sync": []}
    with tempfile.TemporaryDirectory(prefix="ddq-bench-sync-") as tmp, serving(api):
        template = Path(tmp) / "empty.duckdb"
        with db.connect(template):
            pass
        for i in range(args.repeat):
            order = ("download", "ddq sync") if i % 2 == 0 else ("ddq sync", "download")
            for label in order:
                if label == "download":
                    began = time.perf_counter()
                    assert download(api.url) == size
                else:
                    target = Path(tmp) / f"run-{i}.duckdb"
                    shutil.copyfile(template, target)
                    began = time.perf_counter()
                    ddq_sync(target, api.url, args.issues)
                timings[label].append(time.perf_counter() - began)
    for label, values in timings.items():
        runs = ", ".join(f"{v:.2f}" for v in values)
        print(f"{label:10} median {statistics.median(values):6.2f} s   ({runs})")
    ratio = statistics.median(timings["ddq sync"]) / statistics.median(timings["download"])
    verdict = "within" if ratio <= 2 else "OVER"
    print(f"ratio ddq sync / download: {ratio:.2f}x ({verdict} the 2x goal)")
    print(goal_line(f"`ddq sync` of {args.issues:,} GitHub issues, against downloading them",
                    f"{ratio:.2f}x", "at most 2x", ratio <= 2))  # fmt: skip


if __name__ == "__main__":
    main()
