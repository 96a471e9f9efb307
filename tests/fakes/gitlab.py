"""A fake GitLab REST API (v4): one project's issues, as GitLab lists them.

It answers ``GET /api/v4/projects/:id`` and ``GET /api/v4/projects/:id/issues``, where
``:id`` is the numeric ID or the URL-encoded path (``group%2Fapp``), as the API documents:
``scope`` (all by default for a project), ``state`` (opened, closed; all by default),
``order_by`` (created_at by default, updated_at) and ``sort`` (desc by default),
``updated_after`` (on or after), ``per_page`` (20 by default, at most 100), ``page``, and
``with_labels_details`` (label objects instead of names). Answers carry GitLab's paging
headers (``X-Page``, ``X-Per-Page``, ``X-Next-Page``, ``X-Prev-Page``, ``X-Total``,
``X-Total-Pages``, ``Link``), the totals left out beyond 10,000 issues (or when
``hide_totals`` is set), as GitLab does. A wrong ``PRIVATE-TOKEN`` (or ``Bearer`` token) is
a 401; a private project asked for without a token is a 404, as GitLab hides it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import unquote, urlencode

from tests.fakes.server import FakeApi, Reply, Request

COUNT_LIMIT = 10_000


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


class FakeGitlab(FakeApi):
    """One project on a fake GitLab; ``items`` are issue objects as the API lists them."""

    def __init__(
        self,
        project: str = "acme/app",
        *,
        project_id: int = 42,
        token: str | None = "glpat-fake-token-0123456789",
        visibility: str = "private",
        web: str = "https://gitlab.example.com",
    ) -> None:
        super().__init__()
        self.project = project
        self.project_id = project_id
        self.token = token
        self.visibility = visibility
        self.web = web
        self.items: list[dict[str, Any]] = []
        self.hide_totals = False  # as GitLab does for more than 10,000 issues

    # --- data -----------------------------------------------------------------------------

    def add(
        self,
        iid: int,
        *,
        title: str = "",
        state: str = "opened",
        labels: tuple[str, ...] = (),
        created: str = "2024-01-01T09:00:00.000Z",
        updated: str | None = None,
        closed: str | None = None,
        description: str | None = None,
        issue_type: str = "issue",
        severity: str = "UNKNOWN",
    ) -> dict[str, Any]:
        """Add an issue shaped as the project issues list gives it; returns it."""
        item: dict[str, Any] = {
            "id": 10_000 + iid,
            "iid": iid,
            "project_id": self.project_id,
            "title": title or f"Issue {iid}",
            "description": description,
            "state": state,
            "created_at": created,
            "updated_at": updated or created,
            "closed_at": closed,
            "closed_by": None if closed is None else {"id": 1, "username": "root"},
            "labels": list(labels),
            "milestone": None,
            "assignees": [],
            "author": {"id": 1, "username": "root", "name": "Administrator", "state": "active"},
            "type": issue_type.upper(),
            "assignee": None,
            "user_notes_count": 0,
            "merge_requests_count": 0,
            "upvotes": 0,
            "downvotes": 0,
            "due_date": None,
            "confidential": False,
            "discussion_locked": None,
            "issue_type": issue_type,
            "web_url": f"{self.web}/{self.project}/-/issues/{iid}",
            "time_stats": {"time_estimate": 0, "total_time_spent": 0},
            "task_completion_status": {"count": 0, "completed_count": 0},
            "has_tasks": False,
            "references": {
                "short": f"#{iid}",
                "relative": f"#{iid}",
                "full": f"{self.project}#{iid}",
            },
            "severity": severity,
            "moved_to_id": None,
            "service_desk_reply_to": None,
        }
        self.items.append(item)
        return item

    # --- answers --------------------------------------------------------------------------

    def answer(self, request: Request) -> Reply:
        given = request.headers.get("private-token")
        bearer = request.headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            given = bearer[7:]
        if given is not None and given != self.token:
            return Reply(401, {"message": "401 Unauthorized"})
        prefix = "/api/v4/projects/"
        if not request.path.startswith(prefix):
            return Reply(404, {"error": "404 Not Found"})
        ident, _, rest = request.path[len(prefix) :].partition("/")
        known = unquote(ident) in (self.project, str(self.project_id))
        if not known or (given is None and self.visibility != "public"):
            return Reply(404, {"message": "404 Project Not Found"})
        if rest == "":
            return Reply(200, self._project())
        if rest == "issues":
            return self._issues(request)
        return Reply(404, {"error": "404 Not Found"})

    def _project(self) -> dict[str, Any]:
        namespace, _, path = self.project.rpartition("/")
        return {
            "id": self.project_id,
            "description": None,
            "name": path,
            "name_with_namespace": f"{namespace} / {path}",
            "path": path,
            "path_with_namespace": self.project,
            "created_at": "2023-01-01T00:00:00.000Z",
            "default_branch": "main",
            "web_url": f"{self.web}/{self.project}",
            "visibility": self.visibility,
            "issues_enabled": True,
            "open_issues_count": sum(1 for i in self.items if i["state"] == "opened"),
        }

    def _issues(self, request: Request) -> Reply:
        state = request.arg("state", "all")
        order_by = request.arg("order_by", "created_at")
        sort = request.arg("sort", "desc")
        if state not in ("opened", "closed", "all") or sort not in ("asc", "desc"):
            return Reply(400, {"error": "state, sort does not have a valid value"})
        if order_by not in ("created_at", "updated_at"):
            return Reply(400, {"error": "order_by does not have a valid value"})
        try:
            per_page = min(100, max(1, int(request.arg("per_page") or 20)))
            page = max(1, int(request.arg("page") or 1))
        except ValueError:
            return Reply(400, {"error": "page is invalid"})
        chosen = [i for i in self.items if state == "all" or i["state"] == state]
        after = request.arg("updated_after")
        if after:
            try:
                moment = _when(after)
            except ValueError:
                return Reply(400, {"error": "updated_after is invalid"})
            chosen = [i for i in chosen if _when(i["updated_at"]) >= moment]
        chosen.sort(key=lambda i: (_when(i[order_by]), i["id"]), reverse=sort == "desc")
        shown = chosen[(page - 1) * per_page : page * per_page]
        if request.arg("with_labels_details") == "true":
            shown = [{**i, "labels": [self._label(n) for n in i["labels"]]} for i in shown]
        total = len(chosen)
        pages = max(1, -(-total // per_page))
        counted = not self.hide_totals and total <= COUNT_LIMIT
        query = {k: v[0] for k, v in request.query.items() if k != "page"}

        def link(number: int, rel: str) -> str:
            address = f"{self.url}{request.path}?{urlencode({**query, 'page': number})}"
            return f'<{address}>; rel="{rel}"'

        links = []
        if page > 1:
            links.append(link(page - 1, "prev"))
        if page < pages:
            links.append(link(page + 1, "next"))
        links.append(link(1, "first"))
        if counted:
            links.append(link(pages, "last"))
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Next-Page": str(page + 1) if page < pages else "",
            "X-Prev-Page": str(page - 1) if page > 1 else "",
            "Link": ", ".join(links),
        }
        if counted:
            headers |= {"X-Total": str(total), "X-Total-Pages": str(pages)}
        return Reply(200, shown, headers)

    def _label(self, name: str) -> dict[str, Any]:
        return {
            "id": sum(map(ord, name)),
            "name": name,
            "description": None,
            "description_html": "",
            "text_color": "#FFFFFF",
            "color": "#dc143c",
        }
