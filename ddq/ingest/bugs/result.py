"""What an import of a bug export did, or (dry run) would do, in words for people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ddq import bugmetrics
from ddq.ingest.bugs.mappings import CSV, GITHUB, JIRA
from ddq.ingest.problems import Problem


@dataclass
class BugsImport:
    """What an import of a bug export did, or (dry run) would do."""

    file_name: str
    sha256: str
    format: str
    rows_read: int
    added: int
    updated: int
    unchanged: int
    skipped: list[Problem] = field(default_factory=list)  # the first few
    skipped_count: int = 0
    estimated: int = 0  # resolution times taken from the last update
    done_without_time: int = 0  # done by status, with no date to take
    created_range: tuple[dt.datetime, dt.datetime] | None = None
    mapping: dict[str, str] = field(default_factory=dict)
    footer_dropped: bool = False
    pull_requests: int = 0
    no_repository: int = 0
    preview: list[dict[str, Any]] = field(default_factory=list)
    import_id: int | None = None
    dry_run: bool = False
    metrics: bugmetrics.Computation | None = None  # the recomputation that followed

    @property
    def bugs(self) -> int:
        return self.added + self.updated + self.unchanged

    def headline(self) -> dict[str, int]:
        """The headline numbers of a preview, labelled for people."""
        return {"Rows": self.rows_read, "New": self.added, "Changed": self.updated,
                "Unchanged": self.unchanged, "Skipped": self.skipped_count}  # fmt: skip

    def notes(self) -> list[str]:
        """What else a person should know before applying."""
        found = []
        kind = {JIRA: "Jira export", GITHUB: "GitHub issues", CSV: "CSV file"}[self.format]
        span = ""
        if self.created_range:
            first, last = self.created_range
            span = f", created {first:%Y-%m-%d} to {last:%Y-%m-%d}"
        found.append(f"{kind}: {self.bugs} issue(s){span}.")
        if self.format == CSV and self.mapping:
            found.append(
                "Columns: " + ", ".join(f"{f} ← {h}" for f, h in self.mapping.items()) + "."
            )
        if self.estimated:
            found.append(
                f"{self.estimated} resolution time(s) are estimated from the last update: the "
                "file gives no resolution date for them, but their status means done."
            )
        if self.done_without_time:
            found.append(self.done_without_time_warning())
        if self.skipped_count:
            where = (
                f"`ddq imports show {self.import_id}`"
                if self.import_id is not None
                else "`ddq imports show ID`"
            )
            found.append(
                f"{self.skipped_count} row(s) skipped; the ledger keeps each with its line and "
                f"reason ({where}, or Skipped rows under Imports on the Upload page):"
            )
            found += [str(p) for p in self.skipped]
            more = self.skipped_count - len(self.skipped)
            if more > 0:
                found.append(f"... and {more} more skipped row(s): {where} lists them all.")
        if self.footer_dropped:
            found.append("The export's 'Generated at ...' footer line is not an issue; left out.")
        if self.pull_requests:
            found.append(f"{self.pull_requests} pull request(s) left out: they are not issues.")
        if self.no_repository:
            found.append(
                f"{self.no_repository} issue(s) do not name their repository, so their key is "
                "#number only; add url to `gh issue list --json` to key them by repository."
            )
        return found

    def done_without_time_warning(self) -> str:
        """Done bugs that will count as open, and what to do about it ("" when none)."""
        n = self.done_without_time
        if not n:
            return ""
        what = "bug has" if n == 1 else "bugs have"
        they = "it counts" if n == 1 else "they count"
        fix = {
            CSV: "map the `updated` column (or `resolved`)",
            JIRA: "export the Resolved or Updated column too",
            GITHUB: "add closedAt and updatedAt to `gh issue list --json`",
        }[self.format]
        return (
            f"{n:,} {what} a done status but no resolution or update date: {they} as open; {fix}."
        )

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.updated)

    def summary(self) -> str:
        counts = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        extra = ""
        if self.skipped_count:
            lines = ", ".join(str(p.line) for p in self.skipped)
            more = ", ..." if self.skipped_count > len(self.skipped) else ""
            word = "line" if self.skipped_count == 1 else "lines"
            extra += f"; {self.skipped_count} row(s) skipped ({word} {lines}{more})"
        if self.estimated:
            extra += f"; {self.estimated} resolution time(s) estimated from the last update"
        if self.dry_run:
            return f"dry run of {self.file_name}: would be {counts}{extra}; nothing was changed"
        return f"import {self.import_id}: {counts}{extra}"
