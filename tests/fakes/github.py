"""A fake GitHub REST API: one repository's issues and pull requests, as GitHub lists them.

It answers ``GET /repos/OWNER/NAME`` and ``GET /repos/OWNER/NAME/issues`` (and the
``/repositories/ID/issues`` addresses its ``Link`` headers point to) as the REST API
documents: ``state`` (open by default), ``sort`` (created, updated) and ``direction`` (desc
by default), ``since`` (updated at or after), ``per_page`` (30 by default, at most 100) and
``page``, with ``Link`` headers holding absolute addresses. It checks the token (``Bearer``
or ``token``), hides a private repository from a request without one (404, as GitHub does),
and sends the rate-limit headers; :meth:`FakeGithub.exhaust_rate_limit` makes the next
request a 403 with ``x-ratelimit-remaining: 0`` and GitHub's message.

``prefix="/api/v3"`` serves it as GitHub Enterprise does (the API under ``/api/v3``).
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any
from urllib.parse import urlencode

from tests.fakes.server import FakeApi, Reply, Request

DOCS = "https://docs.github.com/rest"
RATE_LIMIT = 5000  # an authenticated user's requests an hour


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class FakeGithub(FakeApi):
    """One repository on a fake GitHub; ``items`` are issue and pull request objects."""

    def __init__(
        self,
        repo: str = "acme/app",
        *,
        token: str | None = "ghp_fake_token_0123456789",
        private: bool = True,
        prefix: str = "",
        item_root: str | None = None,
    ) -> None:
        super().__init__()
        self.repo = repo
        self.repo_id = 1296269
        self.token = token
        self.private = private
        self.prefix = prefix
        # The API root the items' own addresses use: GitHub's, unless set (Enterprise).
        self.item_root = item_root
        self.items: list[dict[str, Any]] = []
        self.remaining = RATE_LIMIT
        self.reset = int(time.time()) + 3600
        self._exhausted_for: int | None = None

    @property
    def root(self) -> str:
        """The API root to configure a source with."""
        return self.url + self.prefix

    # --- data -----------------------------------------------------------------------------

    def add(
        self,
        number: int,
        *,
        title: str = "",
        state: str = "open",
        labels: tuple[str, ...] = (),
        created: str = "2024-01-01T09:00:00Z",
        updated: str | None = None,
        closed: str | None = None,
        body: str | None = None,
        type: str | None = None,
        pull_request: bool = False,
    ) -> dict[str, Any]:
        """Add an issue (or a pull request) shaped as the REST API lists it; returns it."""
        api = (self.item_root or "https://api.github.com") + f"/repos/{self.repo}"
        web = "https://github.com" if self.item_root is None else self.item_root.split("/api/")[0]
        kind = "pull" if pull_request else "issues"
        item: dict[str, Any] = {
            "url": f"{api}/issues/{number}",
            "repository_url": api,
            "labels_url": f"{api}/issues/{number}/labels{{/name}}",
            "comments_url": f"{api}/issues/{number}/comments",
            "events_url": f"{api}/issues/{number}/events",
            "html_url": f"{web}/{self.repo}/{kind}/{number}",
            "id": 1_000_000 + number,
            "node_id": f"I_kwDO{number:08d}",
            "number": number,
            "title": title or f"Issue {number}",
            "user": {"login": "octocat", "id": 1, "type": "User"},
            "labels": [
                {
                    "id": 200 + i,
                    "node_id": f"LA_{i}",
                    "url": f"{api}/labels/{name}",
                    "name": name,
                    "color": "d73a4a",
                    "default": False,
                    "description": None,
                }
                for i, name in enumerate(labels)
            ],
            "state": state,
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": 0,
            "created_at": created,
            "updated_at": updated or created,
            "closed_at": closed,
            "author_association": "MEMBER",
            "active_lock_reason": None,
            "body": body,
            "state_reason": "completed" if state == "closed" else None,
            "type": None if type is None else {"id": 7, "name": type, "color": "red"},
        }
        if pull_request:
            item["pull_request"] = {
                "url": f"{api}/pulls/{number}",
                "html_url": f"{web}/{self.repo}/pull/{number}",
                "diff_url": f"{web}/{self.repo}/pull/{number}.diff",
                "patch_url": f"{web}/{self.repo}/pull/{number}.patch",
                "merged_at": None,
            }
        self.items.append(item)
        return item

    def exhaust_rate_limit(self, reset_in: int = 30) -> None:
        """Answer the next request as GitHub does when the hour's requests are used up."""
        self._exhausted_for = reset_in

    # --- answers --------------------------------------------------------------------------

    def _limits(self) -> dict[str, str]:
        self.remaining = max(0, self.remaining - 1)
        return {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(self.remaining),
            "x-ratelimit-used": str(RATE_LIMIT - self.remaining),
            "x-ratelimit-reset": str(self.reset),
            "x-ratelimit-resource": "core",
        }

    def _error(self, status: int, message: str) -> Reply:
        return Reply(status, {"message": message, "documentation_url": DOCS, "status": str(status)})

    def answer(self, request: Request) -> Reply:
        auth = request.headers.get("authorization")
        if auth is not None:
            scheme, _, given = auth.partition(" ")
            if scheme.lower() not in ("bearer", "token") or given != self.token:
                return self._error(401, "Bad credentials")
        if self._exhausted_for is not None:
            reset = int(time.time()) + self._exhausted_for
            self._exhausted_for = None
            headers = {
                **self._limits(),
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(reset),
            }
            return Reply(
                403,
                {
                    "message": "API rate limit exceeded for user ID 1.",
                    "documentation_url": "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api",
                },
                headers,
            )
        reply = self._route(request, visible=auth is not None or not self.private)
        reply.headers.update(self._limits())
        return reply

    def _route(self, request: Request, *, visible: bool) -> Reply:
        path = request.path
        if not path.startswith(self.prefix + "/"):
            return self._error(404, "Not Found")
        path = path[len(self.prefix) :]
        repo_path = f"/repos/{self.repo}"
        if visible and path == repo_path:
            return Reply(200, self._repository())
        if visible and path in (f"{repo_path}/issues", f"/repositories/{self.repo_id}/issues"):
            return self._issues(request)
        return self._error(404, "Not Found")

    def _repository(self) -> dict[str, Any]:
        owner, name = self.repo.split("/")
        open_count = sum(1 for item in self.items if item["state"] == "open")
        return {
            "id": self.repo_id,
            "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
            "name": name,
            "full_name": self.repo,
            "owner": {"login": owner, "id": 1, "type": "Organization"},
            "private": self.private,
            "visibility": "private" if self.private else "public",
            "html_url": f"https://github.com/{self.repo}",
            "url": f"https://api.github.com/repos/{self.repo}",
            "has_issues": True,
            "open_issues_count": open_count,
            "open_issues": open_count,
            "default_branch": "main",
        }

    def _issues(self, request: Request) -> Reply:
        state = request.arg("state", "open")
        sort = request.arg("sort", "created")
        direction = request.arg("direction", "desc")
        try:
            per_page = min(100, max(1, int(request.arg("per_page") or 30)))
            page = max(1, int(request.arg("page") or 1))
        except ValueError:
            return self._error(422, "Validation Failed")
        if state not in ("open", "closed", "all") or sort not in ("created", "updated", "comments"):
            return self._error(422, "Validation Failed")
        chosen = [item for item in self.items if state == "all" or item["state"] == state]
        since = request.arg("since")
        if since:
            try:
                after = _when(since)
            except ValueError:
                return self._error(422, "Validation Failed")
            chosen = [item for item in chosen if _when(item["updated_at"]) >= after]
        field = {"created": "created_at", "updated": "updated_at", "comments": "comments"}[sort]
        chosen.sort(key=lambda item: (item[field], item["number"]), reverse=direction == "desc")
        last = max(1, -(-len(chosen) // per_page))
        shown = chosen[(page - 1) * per_page : page * per_page]
        links = []
        query = {k: v[0] for k, v in request.query.items() if k != "page"}

        def link(number: int, rel: str) -> str:
            address = f"{self.url}{self.prefix}/repositories/{self.repo_id}/issues"
            return f'<{address}?{urlencode({**query, "page": number})}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return Reply(200, shown, {"Link": ", ".join(links)} if links else {})
