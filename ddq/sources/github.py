"""Reading a GitHub repository's issues through the REST API.

``GET /repos/OWNER/NAME/issues`` lists issues and pull requests together, oldest change
first (``sort=updated&direction=asc``), 100 a page; the next page's address is in the
``Link`` header. Pull requests (items with a ``pull_request`` key) are left out and
counted. An incremental read asks for ``since`` one minute before the last good sync
started, so that an issue changed while that sync ran is read again rather than missed.

Each issue becomes what the file import of the same JSON gives
(:func:`ddq.ingest.github.read_issue`): key ``OWNER/NAME#N``, status the state
capitalised, the label names, the issue type's name, title and body, and the dates as
GitHub writes them. An item that does not name its repository takes the configured one.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from ddq.ingest.github import is_pull_request, read_issue
from ddq.sources.http import Client, LoopGuard, Params
from ddq.sources.model import Page, Record, SourceError

PER_PAGE = 100  # the most GitHub gives in one page
MARGIN = dt.timedelta(minutes=1)  # clocks differ, and a sync takes time
# GitHub's rules: an owner is letters, digits and single hyphens (up to 39); a repository
# name is letters, digits, '.', '-' and '_' (up to 100), and is never '.' or '..'.
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})"
_NAME = r"[A-Za-z0-9._-]{1,100}"
_REPO = re.compile(rf"^({_OWNER})/({_NAME})$")
OPTIONS = ("repo",)


def check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``{"repo": "OWNER/NAME"}``; SourceError saying what to write otherwise."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise SourceError(
            f"A GitHub source takes only a repository (--repo OWNER/NAME), not {', '.join(unknown)}."
        )
    value = options.get("repo")
    if not isinstance(value, str) or not value.strip():
        raise SourceError(
            "A GitHub source needs its repository: --repo OWNER/NAME (like acme/app)."
        )
    repo = value.strip().removesuffix(".git")
    match = _REPO.match(repo)
    if match is None or match[2] in (".", ".."):
        raise SourceError(
            f"--repo {value!r} is not a GitHub repository: write OWNER/NAME, like acme/app "
            "(the part of the repository's address after github.com/)."
        )
    return {"repo": repo}


def _repo(client: Client) -> tuple[str, str]:
    """The configured repository, and its API path."""
    repo: str = check_options(client.source.options)["repo"]
    owner, name = repo.split("/")
    return repo, f"/repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def since_param(since: dt.datetime) -> str:
    """``since`` less the margin, as GitHub reads it (ISO 8601 in UTC)."""
    if since.tzinfo is not None:
        since = since.astimezone(dt.UTC).replace(tzinfo=None)
    return (since - MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")


def pages(client: Client, since: dt.datetime | None) -> Iterator[Page]:
    """Every issue of the repository (or those updated since ``since``), page by page."""
    repo, path = _repo(client)
    missing = f"repository {repo}"
    query: dict[str, str | int] = {
        "state": "all",
        "per_page": PER_PAGE,
        "sort": "updated",
        "direction": "asc",
    }
    if since is not None:
        query["since"] = since_param(since)
    target: str = f"{path}/issues"
    params: Params = query
    guard = LoopGuard(client)
    number = 1
    while True:
        response = client.get(target, params, page=number, missing=missing)
        yield _page(client, client.json(response, number), number, repo)
        next_url = response.links.get("next", {}).get("url")
        if not next_url:
            return
        guard.check(next_url, number)
        target, params = next_url, None  # the link carries the query
        number += 1


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    return "a list"


def _page(client: Client, body: Any, number: int, repo: str) -> Page:
    if not isinstance(body, list):
        raise client.malformed(number, f"the issue list is {_json_kind(body)}, not a JSON list")
    records: list[Record] = []
    left_out = 0
    for position, item in enumerate(body, 1):
        if not isinstance(item, dict):
            raise client.malformed(
                number, f"item {position} is {_json_kind(item)}, not an issue (a JSON object)"
            )
        if is_pull_request(item):
            left_out += 1
            continue
        issue = read_issue(item, default_repo=repo)
        if issue is None or not issue.number:
            raise client.malformed(number, f"item {position} has no issue number")
        if issue.created is None:
            raise client.malformed(number, f"item {position} (#{issue.number}) has no created_at")
        records.append(
            Record(
                key=issue.key,
                created=issue.created,
                project=issue.project,
                type=issue.type,
                status=issue.status,
                labels=issue.labels,
                resolved=issue.resolved,
                updated=issue.updated,
                summary=issue.summary,
                description=issue.description,
            )
        )
    return Page(number=number, records=records, left_out=left_out)


def probe(client: Client) -> str:
    """What the repository holds: "GitHub, repository acme/app (private): 1,204 open issues
    and pull requests" (GitHub counts both together)."""
    repo, path = _repo(client)
    body = client.json(client.get(path, page=1, missing=f"repository {repo}"), 1)
    if not isinstance(body, dict):
        raise client.malformed(1, f"the repository is {_json_kind(body)}, not a JSON object")
    count = body.get("open_issues_count")
    if isinstance(count, bool) or not isinstance(count, int):
        raise client.malformed(1, "the repository has no open_issues_count")
    visibility = body.get("visibility")
    if not isinstance(visibility, str) or not visibility:
        visibility = "private" if body.get("private") else "public"
    name = body.get("full_name") if isinstance(body.get("full_name"), str) else repo
    return f"GitHub, repository {name} ({visibility}): {count:,} open issues and pull requests"
