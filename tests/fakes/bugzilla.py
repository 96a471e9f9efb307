"""A fake Bugzilla 5 REST API: ``/rest/version``, ``/rest/product`` and the ``/rest/bug``
search, answering as the real one documents.

It holds bugs as the API writes them (build them with :func:`bug`) and products with their
components, checks the ``X-BUGZILLA-API-KEY`` header (a wrong key is Bugzilla's error 306,
a missing one error 410 when the site is not public), and searches by product, component
(repeated: any of them), ``last_change_time`` (changed then or later), with ``limit``,
``offset``, ``order=bug_id``, ``include_fields`` and ``count_only``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.fakes.server import FakeApi, Reply, Request

BUGZILLA_TIME = "%Y-%m-%dT%H:%M:%SZ"


def bugzilla_time(moment: dt.datetime) -> str:
    """A time as Bugzilla's REST API writes it: ``2014-03-22T07:59:00Z`` (UTC)."""
    return moment.strftime(BUGZILLA_TIME)


def bug(
    bug_id: int,
    product: str = "Derby",
    component: str = "Net",
    *,
    created: dt.datetime | None = None,
    updated: dt.datetime | None = None,
    resolved: dt.datetime | None = None,
    summary: str | None = None,
    status: str = "NEW",
    resolution: str = "",
    keywords: list[str] | None = None,
    priority: str = "P3",
    severity: str = "normal",
    type: str | None = "defect",
) -> dict[str, Any]:
    """A bug as ``/rest/bug`` writes it. ``type`` None leaves the field out (Bugzilla before
    5.2 has none); ``resolved`` fills ``cf_last_resolved`` (empty text otherwise)."""
    created = created or dt.datetime(2024, 1, 1, 9, 0) + dt.timedelta(hours=bug_id)
    updated = updated or created + dt.timedelta(days=1)
    is_open = status in ("UNCONFIRMED", "CONFIRMED", "NEW", "ASSIGNED", "REOPENED", "IN_PROGRESS")
    found: dict[str, Any] = {
        "id": bug_id,
        "summary": summary if summary is not None else f"Bug {bug_id} in {component}",
        "status": status,
        "resolution": resolution,
        "product": product,
        "component": component,
        "keywords": list(keywords or []),
        "priority": priority,
        "severity": severity,
        "creation_time": bugzilla_time(created),
        "last_change_time": bugzilla_time(updated),
        "cf_last_resolved": bugzilla_time(resolved) if resolved else "",
        "is_open": is_open,
        "assigned_to": "nobody@example.org",
        "creator": "reporter@example.org",
        "version": "10.1.1.0",
        "op_sys": "All",
        "platform": "All",
        "whiteboard": "",
    }
    if type is not None:
        found["type"] = type
    return found


def _error(status: int, code: int, message: str) -> Reply:
    return Reply(status, {
        "error": True, "code": code, "message": message,
        "documentation": "https://bugzilla.readthedocs.org/en/5.0/api/",
    })  # fmt: skip


class FakeBugzilla(FakeApi):
    """A Bugzilla holding ``bugs``; ``products`` maps each product to its components."""

    def __init__(
        self,
        bugs: list[dict[str, Any]] | None = None,
        *,
        products: dict[str, list[str]] | None = None,
        api_key: str = "s3cret",
        public: bool = True,
        version: str = "5.0.4",
        max_search_results: int = 10000,
    ) -> None:
        super().__init__()
        self.bugs = list(bugs or [])
        if products is None:
            products = {}
            for item in self.bugs:
                listed = products.setdefault(item["product"], [])
                if item["component"] not in listed:
                    listed.append(item["component"])
        self.products = products
        self.api_key = api_key
        self.public = public
        self.version = version
        self.max_search_results = max_search_results

    def answer(self, request: Request) -> Reply:
        key = request.headers.get("x-bugzilla-api-key") or request.arg("api_key")
        if key is not None and key != self.api_key:
            return _error(400, 306, "The API key you specified is invalid. Please check that "
                          "you typed it correctly.")  # fmt: skip
        if key is None and not self.public:
            return _error(401, 410, "You must log in before using this part of Bugzilla.")
        if request.method == "GET" and request.path == "/rest/version":
            return Reply(200, {"version": self.version})
        if request.method == "GET" and request.path == "/rest/product":
            return self._products(request)
        if request.method == "GET" and request.path == "/rest/bug":
            return self._search(request)
        return _error(404, 32614, f"A REST API resource was not found for "
                      f"'{request.method} {request.path}'.")  # fmt: skip

    def _products(self, request: Request) -> Reply:
        names = request.query.get("names", [])
        if not names and not request.query.get("ids") and not request.arg("type"):
            return _error(400, 50, "The function Product.get requires that you set one of the "
                          "following parameters: ids, names")  # fmt: skip
        found = []
        for number, (name, components) in enumerate(self.products.items(), start=1):
            if name in names:
                found.append({
                    "id": number, "name": name, "description": f"The {name} product",
                    "is_active": True, "default_milestone": "---", "has_unconfirmed": True,
                    "classification": "Unclassified",
                    "components": [
                        {"id": number * 100 + i, "name": c, "description": f"{c} code",
                         "default_assigned_to": "nobody@example.org", "is_active": True,
                         "sort_key": 0}
                        for i, c in enumerate(components)
                    ],
                    "versions": [{"id": 1, "name": "unspecified", "sort_key": 0,
                                  "is_active": True}],
                    "milestones": [{"id": 1, "name": "---", "sort_key": 0, "is_active": True}],
                })  # fmt: skip
        return Reply(200, {"products": found})

    def _search(self, request: Request) -> Reply:
        products = request.query.get("product", [])
        components = request.query.get("component", [])
        since_raw = request.arg("last_change_time")
        since = dt.datetime.strptime(since_raw, BUGZILLA_TIME) if since_raw else None
        found = [
            item
            for item in self.bugs
            if (not products or item["product"] in products)
            and (not components or item["component"] in components)
            and (since is None
                 or dt.datetime.strptime(item["last_change_time"], BUGZILLA_TIME) >= since)
        ]  # fmt: skip
        if request.arg("count_only"):
            return Reply(200, {"bug_count": len(found)})
        if request.arg("order") == "bug_id":
            found.sort(key=lambda item: item["id"])
        limit = int(request.arg("limit") or self.max_search_results)
        if limit <= 0 or limit > self.max_search_results:
            limit = self.max_search_results
        offset = int(request.arg("offset") or 0)
        chunk = found[offset : offset + limit]
        wanted = {
            name.strip()
            for value in request.query.get("include_fields", [])
            for name in value.split(",")
            if name.strip()
        }
        if wanted and not wanted & {"_all", "_default"}:
            chunk = [{k: v for k, v in item.items() if k in wanted} for item in chunk]
        return Reply(200, {"bugs": chunk})
