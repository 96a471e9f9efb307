"""What a live source is, and what reading one gives: the words every tracker shares.

A source is a tracker's API and the part of it to read (a Jira query, a GitHub repository,
a GitLab project, a Bugzilla product). It is stored without its secret: only the names of
the environment variables that hold the token (and Jira's user) are kept, and the token is
read from there each time it is used.

Reading a source gives :class:`Page` after :class:`Page` of :class:`Record`: one issue each,
with the fields a file import reads, as text exactly as the API writes them (dates
included), so that the bug import parses a synced issue and an exported one the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ddq import web
from ddq.errors import DdqError

JIRA = "jira"
GITHUB = "github"
GITLAB = "gitlab"
BUGZILLA = "bugzilla"
KINDS = (JIRA, GITHUB, GITLAB, BUGZILLA)

# Jira's two APIs: Cloud (/rest/api/3/search/jql) and Server or Data Center (/rest/api/2/search).
JIRA_CLOUD = "cloud"
JIRA_SERVER = "server"

# The default API roots where a kind has one.
GITHUB_API = "https://api.github.com"
GITLAB_URL = "https://gitlab.com"


class SourceError(DdqError):
    """Reading a source failed: what failed, and what to check. Never holds a token."""


class SourceRefused(SourceError):
    """The tracker refused the credentials (401, 403, Bugzilla's bad API key)."""


class SourceMissing(SourceError):
    """The tracker has no such project, repository, product or site (404)."""


class SourceUnavailable(SourceError):
    """The tracker did not answer, or kept failing, after every retry."""


class MalformedPage(SourceError):
    """A page that is not what the API documents: which page, and what was wrong."""


@dataclass(frozen=True)
class SourceConfig:
    """A configured source: everything needed to read it, except the secret itself.

    ``url`` is the API root for GitHub (``https://api.github.com``, ``https://HOST/api/v3``)
    and the site root for Jira, GitLab and Bugzilla. ``options`` holds what the kind needs:
    ``jql`` and ``jira_kind`` (Jira), ``repo`` (GitHub), ``project`` (GitLab), ``product``
    and ``components`` (Bugzilla).
    """

    name: str
    kind: str
    url: str
    options: Mapping[str, Any] = field(default_factory=dict)
    token_env: str | None = None
    user_env: str | None = None  # Jira Cloud: the account's e-mail address

    def option(self, name: str, default: Any = None) -> Any:
        return self.options.get(name, default)


@dataclass
class Record:
    """One issue as a file import reads it: text as the API writes it, lists of names."""

    key: str
    created: str | None
    project: str | None = None
    type: str | None = None
    status: str | None = None
    priority: str | None = None
    severity: str | None = None
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    resolved: str | None = None
    updated: str | None = None
    summary: str | None = None
    description: str | None = None


@dataclass
class Page:
    """One page of a source's answer: its number (from 1), its issues, and what was left out."""

    number: int
    records: list[Record]
    left_out: int = 0  # items that are not issues (GitHub's pull requests)


def check_url(url: str, what: str = "--url") -> str:
    """The URL without a trailing slash; SourceError when it is not one a token may go to."""
    try:
        return web.check_url(url, what)
    except DdqError as exc:
        raise SourceError(str(exc)) from None
