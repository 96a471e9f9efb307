"""Which module reads each kind of tracker, and what its bugs are called once stored.

A source's bugs are stored under the tracker name that the file import of the same
tracker's export uses, so that syncing a tracker whose export was uploaded before updates
those bugs instead of counting them twice: Jira issues as ``jira``, GitHub issues as
``github``, and GitLab and Bugzilla issues (whose exports are imported as CSV) as ``csv``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping
from typing import Any, Protocol, cast

from ddq.ingest.bugs import CSV
from ddq.ingest.bugs import GITHUB as GITHUB_FORMAT
from ddq.ingest.bugs import JIRA as JIRA_FORMAT
from ddq.sources import bugzilla, github, gitlab, jira
from ddq.sources.http import Client
from ddq.sources.model import BUGZILLA, GITHUB, GITLAB, JIRA, Page


class Adapter(Protocol):
    """What a tracker's module offers (see :mod:`ddq.sources.jira` for one)."""

    def pages(self, client: Client, since: dt.datetime | None) -> Iterator[Page]: ...

    def probe(self, client: Client) -> str: ...

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]: ...


_MODULES = {JIRA: jira, GITHUB: github, GITLAB: gitlab, BUGZILLA: bugzilla}
# The file format, and so the tracker name, a kind's bugs are stored under.
FORMAT = {JIRA: JIRA_FORMAT, GITHUB: GITHUB_FORMAT, GITLAB: CSV, BUGZILLA: CSV}


def adapter(kind: str) -> Adapter:
    """The module that reads this kind of tracker."""
    return cast(Adapter, _MODULES[kind])
