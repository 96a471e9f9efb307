"""A fake Jira site: Cloud (REST v3, ``search/jql`` with page tokens) or Server (REST v2,
``search`` with ``startAt`` and ``total``), answering as the real APIs document.

It holds issues as the API writes them (build them with :func:`issue`), checks the
credentials (Basic ``user:token``, or Bearer ``token`` without a user), returns only the
fields asked for, and understands the little JQL the tests write: ``project = KEY``,
``updated >= "YYYY-MM-DD HH:MM"`` (in the user's time zone, UTC here) and an ``ORDER BY``
on key, created or updated. Any other field is refused as Jira refuses it (400).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from typing import Any

from tests.fakes.server import FakeApi, Reply, Request

SITE = "https://example.atlassian.net"
SEVERITY_ID = "customfield_10010"
DEFAULT_PAGE = 50  # both APIs' default maxResults
JIRA_TIME = "%Y-%m-%dT%H:%M:%S.%f%z"

_SYSTEM_FIELDS = [
    ("summary", "Summary"),
    ("description", "Description"),
    ("issuetype", "Issue Type"),
    ("status", "Status"),
    ("priority", "Priority"),
    ("labels", "Labels"),
    ("components", "Component/s"),
    ("created", "Created"),
    ("updated", "Updated"),
    ("resolutiondate", "Resolved"),
    ("project", "Project"),
]


def adf(*paragraphs: str) -> dict[str, Any]:
    """An Atlassian Document Format description, one paragraph each (empty: no content)."""
    return {
        "type": "doc",
        "version": 1,
        "content": [
            {"type": "paragraph", "content": [{"type": "text", "text": p}]} for p in paragraphs
        ],
    }


def jira_time(moment: dt.datetime) -> str:
    """A timestamp as Jira's REST API writes it: ``2024-05-11T15:26:00.000+0000``."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return (
        moment.strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{moment.microsecond // 1000:03d}"
        + (moment.strftime("%z"))
    )


def issue(
    number: int,
    project: str = "PAY",
    *,
    created: dt.datetime | None = None,
    updated: dt.datetime | None = None,
    resolved: dt.datetime | None = None,
    summary: str | None = None,
    description: Any = None,
    type: str = "Bug",
    status: str = "Open",
    priority: str | None = "Major",
    labels: list[str] | None = None,
    components: list[str] | None = None,
    severity: Any = None,
) -> dict[str, Any]:
    """An issue as Jira's search API writes it, with every field ddq asks for.

    ``severity`` is the custom field's value as stored: an option object for a text
    (``{"value": "Critical", ...}``), a raw value otherwise.
    """
    created = created or dt.datetime(2024, 1, 1, 9, 0) + dt.timedelta(hours=number)
    updated = updated or created + dt.timedelta(days=1)
    issue_id = str(10000 + number)
    severity_value = (
        {"self": f"{SITE}/rest/api/2/customFieldOption/1", "value": severity, "id": "1"}
        if isinstance(severity, str)
        else severity
    )
    fields: dict[str, Any] = {
        "summary": summary if summary is not None else f"Issue {number} of {project}",
        "description": description,
        "issuetype": {
            "self": f"{SITE}/rest/api/2/issuetype/1",
            "id": "1",
            "name": type,
            "subtask": False,
        },
        "status": {
            "self": f"{SITE}/rest/api/2/status/1",
            "id": "1",
            "name": status,
            "statusCategory": {"id": 2, "key": "new", "name": "To Do"},
        },
        "priority": (
            {"self": f"{SITE}/rest/api/2/priority/3", "id": "3", "name": priority}
            if priority
            else None
        ),
        "labels": list(labels or []),
        "components": [
            {"self": f"{SITE}/rest/api/2/component/{i}", "id": str(i), "name": name}
            for i, name in enumerate(components or [], start=10000)
        ],
        "created": jira_time(created),
        "updated": jira_time(updated),
        "resolutiondate": jira_time(resolved) if resolved else None,
        "project": {
            "self": f"{SITE}/rest/api/2/project/{project}",
            "id": "10000",
            "key": project,
            "name": project.title(),
            "projectTypeKey": "software",
        },
        SEVERITY_ID: severity_value,
    }
    return {
        "expand": "operations,versionedRepresentations,editmeta,changelog,renderedFields",
        "id": issue_id,
        "self": f"{SITE}/rest/api/2/issue/{issue_id}",
        "key": f"{project}-{number}",
        "fields": fields,
    }


class JqlError(Exception):
    """A query the fake refuses, with Jira's words."""


def _parse_jql(jql: str) -> tuple[list[tuple[str, str]], tuple[str, bool] | None]:
    """(conditions as (field, value), the order (field, descending)) of a small JQL."""
    order: tuple[str, bool] | None = None
    match = re.search(r"\border\s+by\s+(\w+)(?:\s+(asc|desc))?\s*$", jql, re.IGNORECASE)
    if match:
        order = (match.group(1).lower(), (match.group(2) or "asc").lower() == "desc")
        jql = jql[: match.start()]
    elif re.search(r"\border\s+by\b", jql, re.IGNORECASE):
        raise JqlError("Error in the JQL Query: the ORDER BY clause is not at the end.")
    body = jql.replace("(", " ").replace(")", " ").strip()
    conditions: list[tuple[str, str]] = []
    for clause in re.split(r"\s+and\s+", body, flags=re.IGNORECASE) if body else []:
        clause = clause.strip()
        if found := re.fullmatch(r'project\s*=\s*"?([A-Za-z][A-Za-z0-9_]*)"?', clause, re.I):
            conditions.append(("project", found.group(1).upper()))
        elif found := re.fullmatch(r'updated\s*>=\s*"(\d{4}-\d\d-\d\d \d\d:\d\d)"', clause, re.I):
            conditions.append(("updated", found.group(1)))
        else:
            name = re.split(r"[\s=<>!~]", clause, maxsplit=1)[0]
            raise JqlError(
                f"Field '{name}' does not exist or you do not have permission to view it."
            )
    return conditions, order


def _key_number(item: dict[str, Any]) -> tuple[str, int]:
    project, _, number = str(item["key"]).partition("-")
    return project, int(number)


class FakeJira(FakeApi):
    """A Jira site holding ``issues``; ``cloud`` chooses the deployment and its API."""

    def __init__(
        self,
        issues: list[dict[str, Any]] | None = None,
        *,
        cloud: bool = True,
        user: str | None = "me@example.com",
        token: str = "s3cret",
        severity: bool = True,
        version: str | None = None,
        max_page: int = 100,
        count_endpoint: bool = True,
    ) -> None:
        super().__init__()
        self.issues = list(issues or [])
        self.cloud = cloud
        self.user = user
        self.token = token
        self.severity = severity
        self.version = version or ("1001.0.0-SNAPSHOT" if cloud else "9.12.4")
        self.max_page = max_page
        self.count_endpoint = count_endpoint
        self.searches: list[str] = []  # the JQL of every search, in order

    # --- answering --------------------------------------------------------------------

    def answer(self, request: Request) -> Reply:
        if not self._authorised(request):
            return Reply(401, {"errorMessages": [
                "You are not authenticated. Authentication required to perform this operation."
            ], "errors": {}})  # fmt: skip
        api = "/rest/api/3" if self.cloud else "/rest/api/2"
        path = request.path
        if not path.startswith(api + "/"):
            return self._not_found()
        path = path[len(api) :]
        if path == "/serverInfo" and request.method == "GET":
            return Reply(200, self._server_info())
        if path == "/field" and request.method == "GET":
            return Reply(200, self._fields())
        if self.cloud and path == "/search/jql" and request.method == "GET":
            return self._cloud_search(request)
        if self.cloud and path == "/search/approximate-count" and request.method == "POST":
            if not self.count_endpoint:
                return self._not_found()
            return self._count(request)
        if not self.cloud and path == "/search" and request.method == "GET":
            return self._server_search(request)
        return self._not_found()

    def _not_found(self) -> Reply:
        return Reply(404, {"errorMessages": ["null for uri: the resource does not exist"]})

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if self.user:
            pair = base64.b64encode(f"{self.user}:{self.token}".encode()).decode()
            return header == f"Basic {pair}"
        return header == f"Bearer {self.token}"

    def _server_info(self) -> dict[str, Any]:
        numbers = [int(n) for n in re.findall(r"\d+", self.version)[:3]]
        return {
            "baseUrl": self.url,
            "version": self.version,
            "versionNumbers": numbers,
            "deploymentType": "Cloud" if self.cloud else "Server",
            "buildNumber": 100254,
            "serverTitle": "Jira",
        }

    def _fields(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = [
            {
                "id": fid,
                "key": fid,
                "name": name,
                "custom": False,
                "orderable": True,
                "navigable": True,
                "searchable": True,
                "clauseNames": [fid],
            }
            for fid, name in _SYSTEM_FIELDS
        ]
        listed.append({"id": "customfield_10020", "key": "customfield_10020", "name": "Sprint",
                       "custom": True, "schema": {"type": "array", "items": "json"}})  # fmt: skip
        if self.severity:
            listed.append({
                "id": SEVERITY_ID, "key": SEVERITY_ID, "name": "Severity", "custom": True,
                "clauseNames": ["cf[10010]", "Severity"],
                "schema": {"type": "option", "custom": "com.atlassian.jira.plugin.system."
                           "customfieldtypes:select", "customId": 10010},
            })  # fmt: skip
        return listed

    def _found(self, jql: str) -> list[dict[str, Any]]:
        """The issues ``jql`` finds, in its order (raises JqlError)."""
        conditions, order = _parse_jql(jql)
        found = []
        for item in self.issues:
            fields = item["fields"]
            keep = True
            for name, value in conditions:
                if name == "project":
                    keep = keep and fields["project"]["key"] == value
                else:
                    since = dt.datetime.strptime(value, "%Y-%m-%d %H:%M").replace(tzinfo=dt.UTC)
                    changed = dt.datetime.strptime(fields["updated"], JIRA_TIME)
                    keep = keep and changed >= since
            if keep:
                found.append(item)
        if order is not None:
            name, descending = order
            if name == "key":
                found.sort(key=_key_number, reverse=descending)
            elif name in ("created", "updated"):
                found.sort(
                    key=lambda i: dt.datetime.strptime(i["fields"][name], JIRA_TIME),
                    reverse=descending,
                )
            else:
                raise JqlError(f"Field '{name}' does not exist or you cannot sort by it.")
        return found

    def _shaped(self, item: dict[str, Any], fields_arg: str | None) -> dict[str, Any]:
        """The issue with only the fields asked for (Cloud gives none unasked; Server all)."""
        if fields_arg is None:
            if self.cloud:
                return {"id": item["id"]}
            wanted = set(item["fields"])
        else:
            wanted = {f.strip() for f in fields_arg.split(",") if f.strip()}
            if "*all" in wanted or "*navigable" in wanted:
                wanted = set(item["fields"])
        shaped = {k: v for k, v in item.items() if k != "fields"}
        shaped["fields"] = {k: v for k, v in item["fields"].items() if k in wanted}
        return shaped

    def _refused_query(self, error: JqlError) -> Reply:
        return Reply(400, {"errorMessages": [str(error)], "warningMessages": []})

    def _page_size(self, request: Request) -> int:
        raw = request.arg("maxResults")
        size = int(raw) if raw is not None else DEFAULT_PAGE
        return max(0, min(size, self.max_page))

    def _cloud_search(self, request: Request) -> Reply:
        jql = request.arg("jql") or ""
        self.searches.append(jql)
        try:
            found = self._found(jql)
        except JqlError as error:
            return self._refused_query(error)
        start = 0
        token = request.arg("nextPageToken")
        if token:
            try:
                start = int(json.loads(base64.urlsafe_b64decode(token))["start"])
            except (ValueError, KeyError, TypeError):
                return Reply(400, {"errorMessages": ["Invalid nextPageToken."]})
        size = self._page_size(request) or 1
        chunk = found[start : start + size]
        body: dict[str, Any] = {
            "issues": [self._shaped(i, request.arg("fields")) for i in chunk],
            "isLast": start + size >= len(found),
        }
        if not body["isLast"]:
            # Opaque to the client; real tokens are longer, and absent on the last page.
            mark = json.dumps({"start": start + size}).encode()
            body["nextPageToken"] = base64.urlsafe_b64encode(mark).decode()
        return Reply(200, body)

    def _count(self, request: Request) -> Reply:
        try:
            asked = json.loads(request.body or b"{}")
            found = self._found(str(asked.get("jql") or ""))
        except JqlError as error:
            return self._refused_query(error)
        except ValueError:
            return Reply(400, {"errorMessages": ["Unexpected character in the request."]})
        return Reply(200, {"count": len(found)})

    def _server_search(self, request: Request) -> Reply:
        jql = request.arg("jql") or ""
        self.searches.append(jql)
        try:
            found = self._found(jql)
        except JqlError as error:
            return self._refused_query(error)
        start = int(request.arg("startAt") or 0)
        size = self._page_size(request)
        chunk = found[start : start + size]
        return Reply(200, {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": size,
            "total": len(found),
            "issues": [self._shaped(i, request.arg("fields")) for i in chunk],
        })  # fmt: skip
