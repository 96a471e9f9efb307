"""Bugzilla: the bugs of one product (optionally some of its components), by REST.

``/rest/bug`` is a search: it pages by ``limit`` and ``offset`` in ``bug_id`` order, and it
answers a product it does not know with no bugs rather than an error, so the product (and
each component asked for) is looked up first in ``/rest/product``. Bugzilla writes its
times in UTC as ``2014-03-22T07:59:00Z``; they are kept as written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from ddq.sources.http import Client, Scalar
from ddq.sources.model import Page, Record, SourceError, SourceMissing

PAGE_SIZE = 500  # well under Bugzilla's default cap per search (max_search_results: 10,000)
FIELDS = (
    "id",
    "summary",
    "status",
    "resolution",
    "product",
    "component",
    "keywords",
    "priority",
    "severity",
    "type",
    "creation_time",
    "last_change_time",
    "cf_last_resolved",
    "is_open",
)
# last_change_time is compared to the second; a minute covers a clock a little behind ours.
SINCE_MARGIN = dt.timedelta(minutes=1)


def check_options(options: Mapping[str, Any]) -> dict[str, Any]:
    """``product`` (required) and ``components`` (names; none means every component)."""
    product = options.get("product")
    if not isinstance(product, str) or not product.strip():
        raise SourceError(
            "A Bugzilla source needs a product: write it with --product, as Bugzilla names "
            'it (for example --product "Derby").'
        )
    components = options.get("components") or []
    if isinstance(components, str) or not isinstance(components, list | tuple):
        raise SourceError(
            "Bugzilla components must be a list of names (repeat --component for each)."
        )
    names: list[str] = []
    for name in components:
        if not isinstance(name, str) or not name.strip():
            raise SourceError(
                f"Bugzilla component {name!r} is not a name: write each with --component NAME."
            )
        if name.strip() not in names:
            names.append(name.strip())
    return {"product": product.strip(), "components": names}


def _filters(settings: Mapping[str, Any]) -> list[tuple[str, Scalar]]:
    found: list[tuple[str, Scalar]] = [("product", settings["product"])]
    found += [("component", name) for name in settings["components"]]
    return found


def check_product(client: Client, settings: Mapping[str, Any]) -> dict[str, Any]:
    """The product as ``/rest/product`` describes it; SourceMissing when Bugzilla has no
    such product, or the product no such component (a search would quietly find nothing)."""
    product = settings["product"]
    response = client.get("/rest/product", [("names", product)], missing="Bugzilla's REST API")
    body = client.json(response, 0)
    products = body.get("products") if isinstance(body, dict) else None
    if not isinstance(products, list):
        raise client.malformed(0, "the product list (/rest/product) has no products list")
    found = next((p for p in products if isinstance(p, dict) and p.get("name") == product), None)
    if found is None:
        raise SourceMissing(
            f"Source {client.source.name}: product {product!r} was not found at {client.base}: "
            "check --product (written exactly as Bugzilla shows it) and that the API key "
            "may see it."
        )
    listed = found.get("components")
    if isinstance(listed, list):
        known = {c.get("name") for c in listed if isinstance(c, dict)}
        unknown = [name for name in settings["components"] if name not in known]
        if unknown:
            raise SourceMissing(
                f"Source {client.source.name}: product {product!r} has no component "
                + ", ".join(repr(n) for n in unknown)
                + f" at {client.base}: check --component (names are as Bugzilla shows them)."
            )
    return found


def since_parameter(since: dt.datetime) -> str:
    """``last_change_time`` for a sync since ``since``: a minute earlier, ISO 8601 UTC."""
    return (since - SINCE_MARGIN).strftime("%Y-%m-%dT%H:%M:%SZ")


def pages(client: Client, since: dt.datetime | None) -> Iterator[Page]:
    """Every bug of the product (or those changed since ``since``), 500 to a page."""
    settings = check_options(client.source.options)
    check_product(client, settings)
    base = [
        *_filters(settings),
        ("include_fields", ",".join(FIELDS)),
        ("order", "bug_id"),
        ("limit", PAGE_SIZE),
    ]
    if since is not None:
        base.append(("last_change_time", since_parameter(since)))
    offset = 0
    number = 0
    while True:
        number += 1
        response = client.get(
            "/rest/bug", [*base, ("offset", offset)], page=number, missing="Bugzilla's REST API"
        )
        bugs = _bugs(client, response, number)
        records = [_record(client, bug, number, i) for i, bug in enumerate(bugs, start=1)]
        yield Page(number, records)
        if len(bugs) < PAGE_SIZE:
            return
        offset += len(bugs)


def _bugs(client: Client, response: httpx.Response, number: int) -> list[Any]:
    body = client.json(response, number)
    if not isinstance(body, dict):
        raise client.malformed(number, "the body is not a JSON object")
    bugs = body.get("bugs")
    if not isinstance(bugs, list):
        raise client.malformed(number, "bugs is missing or not a list")
    return bugs


def _record(client: Client, bug: Any, number: int, position: int) -> Record:
    if not isinstance(bug, dict):
        raise client.malformed(number, f"bug {position} is not an object")
    bug_id = bug.get("id")
    if not isinstance(bug_id, int) or isinstance(bug_id, bool):
        raise client.malformed(number, f"bug {position} has no id")
    where = f"bug {position} ({bug_id})"

    def text(name: str) -> str | None:
        value = bug.get(name)
        if value is None or isinstance(value, str):
            return value
        raise client.malformed(number, f"{where} has {name} that is not text")

    def texts(name: str) -> list[str]:
        value = bug.get(name)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return list(value)
        raise client.malformed(number, f"{where} has {name} that is not a list of names")

    created = text("creation_time")
    if not created:
        raise client.malformed(number, f"{where} has no creation_time")
    # A reopened bug keeps its last resolution time; it is not resolved any more.
    resolved = text("cf_last_resolved") or None
    if bug.get("is_open") is True:
        resolved = None
    return Record(
        key=str(bug_id),
        created=created,
        project=text("product"),
        type=text("type"),
        status=text("status"),
        priority=text("priority"),
        severity=text("severity"),
        labels=texts("keywords"),
        components=texts("component"),
        resolved=resolved,
        updated=text("last_change_time"),
        summary=text("summary"),
        description=None,  # /rest/bug has none: it is the first comment
    )


def probe(client: Client) -> str:
    """The site's version and how many bugs are read:
    "Bugzilla 5.0.4, product Derby (components: Net, SQL): 1,204 bugs"."""
    settings = check_options(client.source.options)
    info = client.json(client.get("/rest/version", missing="Bugzilla's REST API"), 0)
    version = info.get("version") if isinstance(info, dict) else None
    if not isinstance(version, str):
        raise client.malformed(0, "the version (/rest/version) has no version")
    check_product(client, settings)
    params = [*_filters(settings), ("count_only", 1), ("include_fields", "id")]
    body = client.json(client.get("/rest/bug", params, missing="Bugzilla's REST API"), 0)
    count = body.get("bug_count") if isinstance(body, dict) else None
    if isinstance(count, str) and count.isdigit():
        count = int(count)  # some versions write the count as text
    if not isinstance(count, int) or isinstance(count, bool):
        bugs = body.get("bugs") if isinstance(body, dict) else None
        if not isinstance(bugs, list):
            raise client.malformed(0, "the bug count (count_only) is missing")
        count = len(bugs)  # a version without count_only lists the ids instead
    scope = f"product {settings['product']}"
    if settings["components"]:
        scope += f" (components: {', '.join(settings['components'])})"
    return f"Bugzilla {version}, {scope}: {count:,} bug{'' if count == 1 else 's'}"
