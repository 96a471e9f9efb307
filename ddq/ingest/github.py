"""Reading GitHub issues from JSON: the REST ``/issues`` list and ``gh issue list --json``.

The REST API lists pull requests among issues (they carry a ``pull_request`` key); they
are skipped. ``gh`` writes the same data with camelCase names (``createdAt``) and upper
case states (``OPEN``). Pages of ``gh api --paginate`` (arrays one after another) and a
search result (``{"items": [...]}``) are read too.

Each issue is found with the physical line it starts on, so that problems name a line as
they do for CSV files, plus its position in the list ("item 5") for one-line JSON.
"""

from __future__ import annotations

import codecs
import functools
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ddq.errors import json_error_words
from ddq.ingest.problems import ImportRejected, Problem, shorten

# field -> the names REST and gh give it, in order of preference.
_NAMES: dict[str, tuple[str, ...]] = {
    "number": ("number",),
    "title": ("title",),
    "state": ("state",),
    "labels": ("labels",),
    "created": ("created_at", "createdAt"),
    "resolved": ("closed_at", "closedAt"),
    "updated": ("updated_at", "updatedAt"),
    "body": ("body",),
    "type": ("type", "issueType"),
}
# github.com's web and API addresses, and GitHub Enterprise's API (https://HOST/api/v3/repos/...).
_REPO_IN_URL = re.compile(
    r"^https?://(?:[^/]+/api/v3|(?:api\.)?github\.[^/]+)/(?:repos/)?([^/]+/[^/#?]+?)(?:\.git)?(?:/|$)"
)
COLUMNS = (
    "key", "project", "type", "status", "summary", "description", "created", "resolved",
    "updated",
)  # fmt: skip


@dataclass
class GithubIssues:
    """The issues of a GitHub JSON file, as columns, and what was left out."""

    lines: list[int] = field(default_factory=list)
    items: list[int] = field(default_factory=list)
    columns: dict[str, list[str | None]] = field(default_factory=lambda: {c: [] for c in COLUMNS})
    labels: list[list[str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # items that are not issues
    pull_requests: int = 0
    headers: dict[str, str] = field(default_factory=dict)  # field -> JSON name seen
    no_repository: int = 0

    @property
    def count(self) -> int:
        return len(self.lines)


def item_words(
    item: int, line: int | None, *, number: str | None = None, title: str | None = None
) -> str:
    """An issue as problems name it: ``item 3 (#12 “Crash on start”)``, with its line when
    the file has its items on several lines."""
    label = " ".join(
        part
        for part in (
            f"#{number}" if number else "",
            f"“{shorten(title, 40)}”" if title else "",
        )
        if part
    )
    words = f"item {item}" + (f" ({label})" if label else "")
    return words + (f", line {line}" if line is not None else "")


def looks_like_json(data: bytes) -> bool:
    return data.removeprefix(codecs.BOM_UTF8).lstrip()[:1] in (b"[", b"{")


def _fail(file_name: str, text: str, exc: json.JSONDecodeError) -> ImportRejected:
    reason = json_error_words(exc, text, with_line=False)
    return ImportRejected(file_name, [Problem(exc.lineno, "", None, reason)])


def _values(text: str, file_name: str) -> list[tuple[int, int, Any]]:
    """Every issue-like value in the document: (offset, item number, value)."""
    decoder = json.JSONDecoder()
    found: list[tuple[int, int, Any]] = []
    at, end = 0, len(text)

    def skip_space(i: int) -> int:
        while i < end and text[i] in " \t\r\n":
            i += 1
        return i

    def decode(i: int) -> tuple[Any, int]:
        try:
            return decoder.raw_decode(text, i)
        except json.JSONDecodeError as exc:
            raise _fail(file_name, text, exc) from exc

    at = skip_space(at)
    if at == end:
        raise ImportRejected(file_name, [Problem(0, "", None, "the file is empty")])
    while at < end:
        if text[at] == "[":  # a list of issues (possibly one page of several)
            at = skip_space(at + 1)
            if at < end and text[at] == "]":
                at = skip_space(at + 1)
                continue
            while True:
                value, after = decode(at)
                found.append((at, len(found) + 1, value))
                at = skip_space(after)
                if at < end and text[at] == ",":
                    at = skip_space(at + 1)
                    continue
                if at < end and text[at] == "]":
                    at = skip_space(at + 1)
                    break
                raise _fail(file_name, text, json.JSONDecodeError("Expecting ',' delimiter",
                                                                  text, at))  # fmt: skip
        else:
            start = at
            value, after = decode(at)
            at = skip_space(after)
            if isinstance(value, dict) and isinstance(value.get("items"), list):
                # A search result: its items have no offsets of their own.
                found += [(start, len(found) + 1, item) for item in value["items"]]
            else:
                found.append((start, len(found) + 1, value))
    return found


def _first(item: Mapping[str, Any], name: str, headers: dict[str, str]) -> Any:
    for candidate in _NAMES[name]:
        if candidate in item:
            if name not in headers:
                headers[name] = candidate
            return item[candidate]
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):  # an issue type, {"name": "Bug", ...}
        value = value.get("name")
        if value is None:
            return None
    text = str(value).strip()
    return text or None


def _repository(item: Mapping[str, Any]) -> str | None:
    repo = item.get("repository")
    if isinstance(repo, dict):
        name = repo.get("nameWithOwner") or repo.get("full_name")
        if name:
            return str(name)
    for name in ("repository_url", "html_url", "url"):
        url = item.get(name)
        if isinstance(url, str) and (found := _repository_in(url)):
            return found
    return None


@functools.lru_cache(maxsize=256)
def _repository_in(url: str) -> str | None:
    """The OWNER/NAME an issue's address names (the same few addresses come again and again)."""
    match = _REPO_IN_URL.match(url)
    return match[1] if match else None


def is_pull_request(item: Mapping[str, Any]) -> bool:
    """Whether a listed item is a pull request (the REST API lists them among issues)."""
    return "pull_request" in item or bool(item.get("isPullRequest"))


@dataclass
class GithubIssue:
    """One issue object as the bug import reads it: its columns' text and its labels."""

    number: str
    key: str
    project: str | None
    type: str | None
    status: str | None
    summary: str | None
    description: str | None
    created: str | None
    resolved: str | None
    updated: str | None
    labels: list[str]


def read_issue(
    item: Mapping[str, Any],
    headers: dict[str, str] | None = None,
    *,
    default_repo: str | None = None,
) -> GithubIssue | None:
    """The values of one issue object (REST or ``gh`` names); None when it has no number.

    The repository comes from the item (``repository``, or its API or web address), else
    ``default_repo``. ``headers`` collects which JSON name each field was read from.
    """
    seen = {} if headers is None else headers
    raw_number = _first(item, "number", seen)
    if isinstance(raw_number, bool) or not isinstance(raw_number, int | str):
        return None
    number = str(raw_number).strip().lstrip("#")
    repo = _repository(item) or default_repo
    state = _text(_first(item, "state", seen))
    labels = []
    for label in _first(item, "labels", seen) or []:
        name = _text(label.get("name") if isinstance(label, dict) else label)
        if name:
            labels.append(name)
    body = _first(item, "body", seen) or None
    return GithubIssue(
        number=number,
        key=f"{repo or ''}#{number}",
        project=repo,
        type=_text(_first(item, "type", seen)),
        status=state.capitalize() if state else None,
        summary=_text(_first(item, "title", seen)),
        description=None if body is None else str(body),
        created=_text(_first(item, "created", seen)),
        resolved=_text(_first(item, "resolved", seen)),
        updated=_text(_first(item, "updated", seen)),
        labels=labels,
    )


def parse_issues(data: bytes, file_name: str) -> GithubIssues:
    """Read the issues in a GitHub JSON file; a file that is not JSON is rejected."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            file_name, [Problem(line, "", None, "the file is not UTF-8 text, so it is not JSON")]
        ) from exc
    issues = GithubIssues()
    found = _values(text, file_name)
    # Items on one line are told apart by their position, not by a line number.
    multiline = "\n" in text[found[0][0] : found[-1][0]] if found else False
    line, counted = 1, 0
    for offset, number, item in found:
        line += text.count("\n", counted, offset)
        counted = offset
        if not isinstance(item, dict):
            where = item_words(number, line if multiline else None)
            issues.problems.append(
                Problem(line, "", None, "not an issue (a JSON object)", where, number)
            )
            continue
        if is_pull_request(item):
            issues.pull_requests += 1
            continue
        issue = read_issue(item, issues.headers)
        if issue is None:
            title = _text(_first(item, "title", issues.headers))
            where = item_words(number, line if multiline else None, title=title)
            issues.problems.append(
                Problem(line, "number", None, "the issue has no number", where, number)
            )
            continue
        if issue.project is None:
            issues.no_repository += 1
        for column in COLUMNS:
            issues.columns[column].append(getattr(issue, column))
        issues.labels.append(issue.labels)
        issues.lines.append(line)
        issues.items.append(number)
    return issues
