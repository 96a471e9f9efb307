"""Jira: the issues a JQL query finds, from Jira Cloud or from Jira Server / Data Center.

The two deployments have different search APIs. Cloud's ``/rest/api/3/search/jql`` pages by
an opaque ``nextPageToken`` until ``isLast``, and writes descriptions in the Atlassian
Document Format (a JSON tree), which is turned into plain text here. Server's
``/rest/api/2/search`` pages by ``startAt`` against a ``total``, and writes descriptions as
the wiki text people typed, kept as it is.

Fields are asked for by name (Cloud returns only ids otherwise), including the site's
"Severity" custom field when it has one: its id differs from site to site, so it is looked
up once per sync in the field list.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from ddq.sources.http import Client, Explain, LoopGuard
from ddq.sources.model import (
    JIRA_CLOUD,
    JIRA_SERVER,
    Page,
    Record,
    SourceError,
    SourceMissing,
)

PAGE_SIZE = 100  # Cloud's ceiling per page when fields are asked for; Server's default cap
FIELDS = (
    "summary",
    "description",
    "issuetype",
    "status",
    "priority",
    "labels",
    "components",
    "created",
    "updated",
    "resolutiondate",
    "project",
)
SEVERITY_NAME = "severity"  # the custom field's name, compared without case
# Jira reads a JQL date in the user's time zone (up to 14 hours from UTC) and to the minute;
# a day before the last sync covers both, and issues read twice are updated by key.
SINCE_MARGIN = dt.timedelta(days=1)
KINDS = (JIRA_CLOUD, JIRA_SERVER)

_MISSING = "the Jira site or its search API (check --url and --kind)"
_ORDER_BY = re.compile(r"order\s+by\b", re.IGNORECASE)


def check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``jql`` (required) and ``jira_kind`` (``cloud``, the default, or ``server``)."""
    jql = options.get("jql")
    if not isinstance(jql, str) or not jql.strip():
        raise SourceError(
            "A Jira source needs a query: write it with --jql, as in Jira's issue search "
            '(for example --jql "project = PAY AND issuetype = Bug").'
        )
    kind = options.get("jira_kind") or JIRA_CLOUD
    if not isinstance(kind, str) or kind.strip().lower() not in KINDS:
        raise SourceError(
            f"Jira kind {kind!r} is not one ddq knows: write --kind cloud (a site on "
            "atlassian.net) or --kind server (Jira Server or Data Center)."
        )
    return {"jql": jql.strip(), "jira_kind": kind.strip().lower()}


def _api(kind: str) -> str:
    return "/rest/api/3" if kind == JIRA_CLOUD else "/rest/api/2"


# --- the query ----------------------------------------------------------------------------


def split_order_by(jql: str) -> tuple[str, str]:
    """(the query's condition, its ``ORDER BY`` clause or ""), the clause found outside
    quotes and parentheses, so that a condition can be added before it."""
    quote: str | None = None
    depth = 0
    escaped = False
    found = -1
    for i, char in enumerate(jql):
        if quote is not None:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
            continue
        if char in "\"'":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif (
            depth == 0
            and (i == 0 or not (jql[i - 1].isalnum() or jql[i - 1] == "_"))
            and _ORDER_BY.match(jql, i)
        ):
            found = i
    if found < 0:
        return jql.strip(), ""
    return jql[:found].strip(), jql[found:].strip()


def since_jql(jql: str, since: dt.datetime) -> str:
    """The query narrowed to issues updated since ``since`` (less the margin), its
    ``ORDER BY`` kept at the end: ``(project = PAY) AND updated >= "2024-05-10 15:26"``."""
    moment = (since - SINCE_MARGIN).strftime("%Y-%m-%d %H:%M")
    condition, order = split_order_by(jql)
    narrowed = f'updated >= "{moment}"'
    query = f"({condition}) AND {narrowed}" if condition else narrowed
    return f"{query} {order}" if order else query


def _explain_query(jql: str) -> Explain:
    """What a 400 on a search means: Jira could not run the query, in Jira's words."""

    def explain(response: httpx.Response) -> str | None:
        try:
            body = response.json()
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(body, dict):
            return None
        said = [str(m) for m in body.get("errorMessages") or [] if m]
        errors = body.get("errors")
        if isinstance(errors, dict):
            said += [f"{name}: {message}" for name, message in errors.items()]
        if not said:
            return None
        return (
            f"Jira could not run the query `{jql}` (HTTP 400: {'; '.join(said)[:300]}). "
            "Fix it with --jql (try it first in Jira's issue search)."
        )

    return explain


# --- reading ------------------------------------------------------------------------------


def pages(client: Client, since: dt.datetime | None) -> Iterator[Page]:
    """Every issue the query finds (or those updated since ``since``), page by page."""
    settings = check_options(client.source.options)
    kind = settings["jira_kind"]
    jql = settings["jql"] if since is None else since_jql(settings["jql"], since)
    severity = severity_field(client, kind)
    fields = ",".join(FIELDS + ((severity,) if severity else ()))
    reader = _Reader(client, kind, severity)
    if kind == JIRA_CLOUD:
        yield from _cloud_pages(client, reader, jql, fields)
    else:
        yield from _server_pages(client, reader, jql, fields)


def severity_field(client: Client, kind: str) -> str | None:
    """The id of the site's "Severity" field (``customfield_10010``), or None without one."""
    response = client.get(f"{_api(kind)}/field", missing=_MISSING)
    body = client.json(response, 0)
    if not isinstance(body, list):
        raise client.malformed(0, "the field list (/field) is not a list")
    found: list[tuple[bool, str]] = []
    for item in body:
        if not isinstance(item, dict):
            continue
        name, field_id = item.get("name"), item.get("id")
        named = isinstance(name, str) and name.strip().lower() == SEVERITY_NAME
        if named and isinstance(field_id, str) and field_id:
            found.append((not item.get("custom", True), field_id))
    return min(found)[1] if found else None  # a custom field first, then by id


def _cloud_pages(client: Client, reader: _Reader, jql: str, fields: str) -> Iterator[Page]:
    guard = LoopGuard(client)
    token: str | None = None
    number = 0
    while True:
        number += 1
        params: dict[str, str | int] = {"jql": jql, "fields": fields, "maxResults": PAGE_SIZE}
        if token is not None:
            params["nextPageToken"] = token
        response = client.get(
            "/rest/api/3/search/jql", params, page=number, missing=_MISSING,
            explain_400=_explain_query(jql),
        )  # fmt: skip
        body = _body(client, response, number)
        is_last = body.get("isLast")
        if not isinstance(is_last, bool):
            raise client.malformed(number, "isLast is missing or not true/false")
        records = reader.records(body, number)
        yield Page(number, records)
        if is_last:
            return
        token = body.get("nextPageToken")
        if not isinstance(token, str) or not token:
            raise client.malformed(number, "isLast is false but there is no nextPageToken")
        guard.check(token, number + 1)


def _server_pages(client: Client, reader: _Reader, jql: str, fields: str) -> Iterator[Page]:
    start = 0
    number = 0
    while True:
        number += 1
        params: dict[str, str | int] = {
            "jql": jql, "fields": fields, "startAt": start, "maxResults": PAGE_SIZE,
        }  # fmt: skip
        response = client.get(
            "/rest/api/2/search", params, page=number, missing=_MISSING,
            explain_400=_explain_query(jql),
        )  # fmt: skip
        body = _body(client, response, number)
        total = body.get("total")
        if not isinstance(total, int) or isinstance(total, bool) or total < 0:
            raise client.malformed(number, "total is missing or not a count")
        records = reader.records(body, number)
        yield Page(number, records)
        start += len(records)
        if not records or start >= total:
            return


def _body(client: Client, response: httpx.Response, number: int) -> dict[str, Any]:
    body = client.json(response, number)
    if not isinstance(body, dict):
        raise client.malformed(number, "the body is not a JSON object")
    return body


class _Reader:
    """Turns a search page's issues into records, naming the issue a fault is found in."""

    def __init__(self, client: Client, kind: str, severity: str | None) -> None:
        self.client = client
        self.cloud = kind == JIRA_CLOUD
        self.severity = severity

    def records(self, body: dict[str, Any], number: int) -> list[Record]:
        issues = body.get("issues")
        if not isinstance(issues, list):
            raise self.client.malformed(number, "issues is missing or not a list")
        return [self.record(issue, number, i) for i, issue in enumerate(issues, start=1)]

    def record(self, issue: Any, number: int, position: int) -> Record:
        if not isinstance(issue, dict):
            raise self.client.malformed(number, f"issue {position} is not an object")
        key = issue.get("key")
        if not isinstance(key, str) or not key:
            raise self.client.malformed(number, f"issue {position} has no key")
        fields = issue.get("fields")
        if not isinstance(fields, dict):
            raise self.client.malformed(number, f"issue {position} ({key}) has no fields")
        read = _Fields(self.client, number, f"issue {position} ({key})", fields)
        created = read.text("created")
        if not created:
            raise read.fault("has no fields.created")
        return Record(
            key=key,
            created=created,
            project=read.named("project", "key"),
            type=read.named("issuetype", "name"),
            status=read.named("status", "name"),
            priority=read.named("priority", "name"),
            severity=read.option(self.severity) if self.severity else None,
            labels=read.texts("labels"),
            components=read.names("components"),
            resolved=read.text("resolutiondate"),
            updated=read.text("updated"),
            summary=read.text("summary"),
            description=read.description(self.cloud),
        )


class _Fields:
    """An issue's ``fields``, read with the type the API documents for each."""

    def __init__(self, client: Client, number: int, where: str, fields: dict[str, Any]) -> None:
        self.client = client
        self.number = number
        self.where = where
        self.fields = fields

    def fault(self, what: str) -> SourceError:
        return self.client.malformed(self.number, f"{self.where} {what}")

    def text(self, name: str) -> str | None:
        value = self.fields.get(name)
        if value is None or isinstance(value, str):
            return value
        raise self.fault(f"has fields.{name} that is not text")

    def named(self, name: str, attribute: str) -> str | None:
        value = self.fields.get(name)
        if value is None:
            return None
        if isinstance(value, dict):
            inner = value.get(attribute)
            if inner is None or isinstance(inner, str):
                return inner
        raise self.fault(f"has fields.{name} without a {attribute}")

    def texts(self, name: str) -> list[str]:
        value = self.fields.get(name)
        if value is None:
            return []
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        raise self.fault(f"has fields.{name} that is not a list of text")

    def names(self, name: str) -> list[str]:
        value = self.fields.get(name)
        if value is None:
            return []
        if isinstance(value, list):
            found = [v.get("name") for v in value if isinstance(v, dict)]
            if len(found) == len(value) and all(isinstance(n, str) for n in found):
                return [n for n in found if isinstance(n, str)]
        raise self.fault(f"has fields.{name} that is not a list of named items")

    def option(self, name: str) -> str | None:
        """A select field's choice: an option object ``{"value": ...}``, or text."""
        value = self.fields.get(name)
        if value is None or isinstance(value, str):
            return value
        chosen = value if isinstance(value, list) else [value]
        said: list[str] = []
        for item in chosen:
            text = item.get("value", item.get("name")) if isinstance(item, dict) else item
            if not isinstance(text, str):
                raise self.fault(f"has fields.{name} (Severity) that is not an option")
            said.append(text)
        return ", ".join(said) or None

    def description(self, cloud: bool) -> str | None:
        value = self.fields.get("description")
        if value is None or isinstance(value, str):
            return value
        if cloud and isinstance(value, dict):
            return adf_text(value)
        raise self.fault("has a fields.description that is neither text nor a document")


# --- Atlassian Document Format --------------------------------------------------------------


def adf_text(document: Mapping[str, Any]) -> str | None:
    """The plain text of an Atlassian Document Format tree: one line per paragraph,
    heading, list item or code block, ``hardBreak`` as a new line; None when empty."""
    lines: list[str] = []
    _blocks(document, lines)
    text = "\n".join(lines).strip("\n")
    return text if text.strip() else None


_INLINE = {"text", "hardBreak", "mention", "emoji", "inlineCard", "date", "status"}
_WORDLESS = {"mediaSingle", "mediaGroup", "media", "rule"}  # pictures and lines: no text


def _blocks(node: Any, lines: list[str]) -> None:
    if not isinstance(node, Mapping):
        return
    content = node.get("content")
    children = [c for c in content if isinstance(c, Mapping)] if isinstance(content, list) else []
    kind = node.get("type")
    if kind in _WORDLESS:
        return
    if kind in ("blockCard", "embedCard"):
        url = (node.get("attrs") or {}).get("url")
        if isinstance(url, str) and url:
            lines.append(url)
        return
    if kind in ("paragraph", "heading", "codeBlock") or (
        children and all(c.get("type") in _INLINE for c in children)
    ):
        lines.append("".join(_inline(c) for c in children))
        return
    for child in children:
        _blocks(child, lines)


def _inline(node: Mapping[str, Any]) -> str:
    kind = node.get("type")
    if kind == "text":
        text = node.get("text")
        return text if isinstance(text, str) else ""
    if kind == "hardBreak":
        return "\n"
    attrs = node.get("attrs")
    attrs = attrs if isinstance(attrs, Mapping) else {}
    said: Any = None
    if kind in ("mention", "status"):
        said = attrs.get("text")
    elif kind == "emoji":
        said = attrs.get("text") or attrs.get("shortName")
    elif kind == "inlineCard":
        said = attrs.get("url")
    elif kind == "date":
        said = _date(attrs.get("timestamp"))
    return said if isinstance(said, str) else ""


def _date(timestamp: Any) -> str | None:
    """An ADF date node's day (its timestamp is milliseconds since 1970, UTC)."""
    try:
        moment = dt.datetime.fromtimestamp(int(timestamp) / 1000, dt.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None
    return moment.strftime("%Y-%m-%d")


# --- the connection test ------------------------------------------------------------------


def probe(client: Client) -> str:
    """The site's version and how many issues the query finds:
    "Jira Cloud 1001.0.0 (REST API 3), query `project = PAY`: 1,204 issues"."""
    settings = check_options(client.source.options)
    kind, jql = settings["jira_kind"], settings["jql"]
    api = _api(kind)
    info = client.json(client.get(f"{api}/serverInfo", missing=_MISSING), 0)
    if not isinstance(info, dict):
        raise client.malformed(0, "the server information (/serverInfo) is not a JSON object")
    version = info.get("version")
    deployment = str(info.get("deploymentType") or "")
    product = {"cloud": "Jira Cloud", "server": "Jira Server", "datacenter": "Jira Data Center"}
    name = product.get(deployment.lower(), "Jira Cloud" if kind == JIRA_CLOUD else "Jira")
    said = f"{name} {version} (REST API {api[-1]})" if version else f"{name} (REST API {api[-1]})"
    if kind == JIRA_SERVER and deployment.lower() == "cloud":
        said += " (a Cloud site: set --kind cloud)"
    count = _count(client, kind, jql)
    found = "count unknown" if count is None else f"{count:,} issue{'' if count == 1 else 's'}"
    return f"{said}, query `{jql}`: {found}"


def _count(client: Client, kind: str, jql: str) -> int | None:
    if kind == JIRA_CLOUD:
        try:
            response = client.post_json(
                "/rest/api/3/search/approximate-count", {"jql": jql}, missing=_MISSING,
                explain_400=_explain_query(jql),
            )  # fmt: skip
        except SourceMissing:
            return None  # a site without the count endpoint still answers searches
        body = client.json(response, 0)
        value = body.get("count") if isinstance(body, dict) else None
    else:
        params: dict[str, str | int] = {"jql": jql, "maxResults": 0, "fields": "key"}
        response = client.get(
            "/rest/api/2/search", params, missing=_MISSING, explain_400=_explain_query(jql)
        )
        body = client.json(response, 0)
        value = body.get("total") if isinstance(body, dict) else None
    if not isinstance(value, int) or isinstance(value, bool):
        raise client.malformed(0, "the issue count is missing or not a number")
    return value
