"""Reading a GitLab project's issues through the REST API (v4).

``GET {url}/api/v4/projects/:id/issues`` with ``scope=all``, oldest change first
(``order_by=updated_at&sort=asc``), 100 a page, numbered pages; the next page's number is
in the ``X-Next-Page`` header (empty on the last page). ``:id`` is the project's numeric
ID, or its path with every ``/`` encoded (``group%2Fsub%2Fapp``). An incremental read asks
for ``updated_after`` one minute before the last good sync started, so that an issue
changed while that sync ran is read again rather than missed.

How an issue becomes a :class:`~ddq.sources.model.Record` (text as GitLab writes it):

- key: ``references.full`` ("group/app#12"); without it, the configured project and
  the ``iid``;
- project: the project's path (``references.full`` before the ``#``), else the
  configured project;
- status: ``opened`` -> "Open", ``closed`` -> "Closed", any other state capitalised;
- type: ``type`` ("ISSUE", "INCIDENT"), else ``issue_type`` ("incident"), as given;
- labels: the label names (plain strings, or the ``name`` of each label object when
  labels come with details); severity: ``severity``; no priority, no components;
- created, updated, resolved: ``created_at``, ``updated_at``, ``closed_at``;
- summary: ``title``; description: ``description``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote

from ddq.sources.http import Client, LoopGuard
from ddq.sources.model import Page, Record, SourceError

API = "/api/v4"
PER_PAGE = 100  # the most GitLab gives in one page
MARGIN = dt.timedelta(minutes=1)  # clocks differ, and a sync takes time
# GitLab counts a list only up to 10,000 items; beyond, it leaves X-Total out.
COUNT_LIMIT = 10_000
_SEGMENT = r"[A-Za-z0-9_.][A-Za-z0-9_.-]*"
_PATH = re.compile(rf"^{_SEGMENT}(?:/{_SEGMENT})+$")
_STATUSES = {"opened": "Open", "closed": "Closed"}
OPTIONS = ("project",)


def check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``{"project": "42"}`` or ``{"project": "group/sub/app"}``; SourceError otherwise."""
    unknown = sorted(set(options) - set(OPTIONS))
    if unknown:
        raise SourceError(
            "A GitLab source takes only a project (--project ID or GROUP/PROJECT), "
            f"not {', '.join(unknown)}."
        )
    value = options.get("project")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return {"project": str(value)}
    if not isinstance(value, str) or not value.strip():
        raise SourceError(
            "A GitLab source needs its project: --project with its numeric ID or its path "
            "(like group/app)."
        )
    project = value.strip().strip("/").removesuffix(".git")
    if project.isdigit() and int(project) > 0:
        return {"project": str(int(project))}
    if _PATH.match(project) is None:
        raise SourceError(
            f"--project {value!r} is not a GitLab project: give its numeric ID, or its path "
            "as in its address after the site, like group/app or group/subgroup/app."
        )
    return {"project": project}


def _project(client: Client) -> tuple[str, str]:
    """The configured project, and its API path (the path encoded as one segment)."""
    project: str = check_options(client.source.options)["project"]
    return project, f"{API}/projects/{quote(project, safe='')}"


def since_param(since: dt.datetime) -> str:
    """``since`` less the margin, as GitLab reads it (ISO 8601 in UTC)."""
    if since.tzinfo is not None:
        since = since.astimezone(dt.UTC).replace(tzinfo=None)
    return (since - MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")


def pages(client: Client, since: dt.datetime | None) -> Iterator[Page]:
    """Every issue of the project (or those updated since ``since``), page by page."""
    project, path = _project(client)
    missing = f"project {project}"
    query: dict[str, str | int] = {
        "scope": "all",
        "per_page": PER_PAGE,
        "order_by": "updated_at",
        "sort": "asc",
    }
    if since is not None:
        query["updated_after"] = since_param(since)
    guard = LoopGuard(client)
    number, asked = 1, "1"
    guard.check(asked, number)
    while True:
        response = client.get(
            f"{path}/issues", {**query, "page": asked}, page=number, missing=missing
        )
        yield _page(client, client.json(response, number), number, project)
        following = response.headers.get("x-next-page", "").strip()
        if not following:
            return
        if not following.isdigit():
            raise client.malformed(number, f"X-Next-Page {following[:40]!r} is not a page number")
        guard.check(following, number)
        number, asked = number + 1, following


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


def _text(value: Any) -> str | None:
    """A field's text as GitLab wrote it; None for null or empty."""
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _labels(value: Any) -> list[str]:
    names = []
    for label in value if isinstance(value, list) else []:
        name = _text(label.get("name") if isinstance(label, dict) else label)
        if name:
            names.append(name)
    return names


def _page(client: Client, body: Any, number: int, project: str) -> Page:
    if not isinstance(body, list):
        raise client.malformed(number, f"the issue list is {_json_kind(body)}, not a JSON list")
    records = []
    for position, item in enumerate(body, 1):
        if not isinstance(item, dict):
            raise client.malformed(
                number, f"item {position} is {_json_kind(item)}, not an issue (a JSON object)"
            )
        records.append(_record(client, number, position, item, project))
    return Page(number=number, records=records)


def _record(
    client: Client, number: int, position: int, item: dict[str, Any], project: str
) -> Record:
    iid = item.get("iid")
    if isinstance(iid, bool) or not isinstance(iid, int | str) or not str(iid).strip():
        raise client.malformed(number, f"item {position} has no iid (its number in the project)")
    created = _text(item.get("created_at"))
    if created is None:
        raise client.malformed(number, f"item {position} (#{iid}) has no created_at")
    references = item.get("references")
    full = references.get("full") if isinstance(references, dict) else None
    if isinstance(full, str) and "#" in full.strip("#"):
        key, path = full, full.rsplit("#", 1)[0]
    else:
        key, path = f"{project}#{iid}", project
    state = _text(item.get("state"))
    return Record(
        key=key,
        created=created,
        project=path,
        type=_text(item.get("type")) or _text(item.get("issue_type")),
        status=_STATUSES.get(state, state.capitalize()) if state else None,
        severity=_text(item.get("severity")),
        labels=_labels(item.get("labels")),
        resolved=_text(item.get("closed_at")),
        updated=_text(item.get("updated_at")),
        summary=_text(item.get("title")),
        description=_text(item.get("description")),
    )


def _issue_count(headers: Mapping[str, str]) -> str:
    total = headers.get("x-total", "").strip()
    if total.isdigit():
        count = int(total)
        return f"{count:,} issue" + ("" if count == 1 else "s")
    if headers.get("x-next-page", "").strip():
        return f"more than {COUNT_LIMIT:,} issues"  # GitLab leaves the count out beyond it
    return "issue count unknown"


def probe(client: Client) -> str:
    """What the project holds: "GitLab, project group/app (private): 1,204 issues"."""
    project, path = _project(client)
    missing = f"project {project}"
    body = client.json(client.get(path, page=1, missing=missing), 1)
    if not isinstance(body, dict) or not isinstance(body.get("path_with_namespace"), str):
        raise client.malformed(1, "the project has no path_with_namespace")
    visibility = body.get("visibility")
    shown = f" ({visibility})" if isinstance(visibility, str) and visibility else ""
    response = client.get(
        f"{path}/issues", {"scope": "all", "per_page": 1}, page=1, missing=missing
    )
    count = _issue_count(response.headers)
    return f"GitLab, project {body['path_with_namespace']}{shown}: {count}"
