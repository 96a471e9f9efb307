"""What an import of a metrics file did, or (dry run) would do, in words for people."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ddq import bugmetrics
from ddq.org import some_names


@dataclass
class MetricsImport:
    """What an import of a metrics file did, or (dry run) would do."""

    file_name: str
    sha256: str
    format: str
    rows_read: int
    values: int
    added: int
    updated: int
    unchanged: int
    teams_created: list[str]
    weeks: tuple[dt.date, dt.date] | None
    preview: list[dict[str, Any]] = field(default_factory=list)
    import_id: int | None = None
    metrics: bugmetrics.Computation | None = None  # bug metrics the upload took weeks from
    dry_run: bool = False

    def headline(self) -> dict[str, int]:
        """The numbers a person checks before applying, labelled for people."""
        return {"Rows": self.rows_read, "Values": self.values, "New": self.added,
                "Changed": self.updated, "Unchanged": self.unchanged}  # fmt: skip

    def notes(self) -> list[str]:
        """What else a person should know before applying."""
        found = []
        if self.weeks:
            found.append(f"{self.format.capitalize()} format, weeks {self.weeks[0]:%Y-%m-%d} "
                         f"to {self.weeks[1]:%Y-%m-%d}.")  # fmt: skip
        if self.teams_created:
            found.append(
                f"These {len(self.teams_created)} team(s) will be created: "
                f"{some_names(self.teams_created)}."
            )
        return found

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.updated or self.teams_created)

    def summary(self) -> str:
        counts = f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged"
        teams = ""
        if self.teams_created:
            verb = "would create" if self.dry_run else "created"
            teams = f"; {verb} {len(self.teams_created)} team(s): {some_names(self.teams_created)}"
        if self.dry_run:
            return f"dry run of {self.file_name}: would be {counts}{teams}; nothing was changed"
        return f"import {self.import_id}: {counts}{teams}"
