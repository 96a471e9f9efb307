"""What an import of a roster file did, or (dry run) would do, in words for people."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class RosterImport:
    """What an import of a roster file did, or (dry run) would do."""

    file_name: str
    sha256: str
    rows_read: int
    areas_created: list[str]
    teams_created: list[str]
    teams_moved: int
    champions_assigned: int
    handovers: int
    champions_removed: int
    starts_changed: int
    updated: int  # existing teams whose area or champion changes
    unchanged: int
    preview: list[dict[str, Any]] = field(default_factory=list)  # every line and its action
    import_id: int | None = None
    dry_run: bool = False

    @property
    def added(self) -> int:
        """Teams created (the ledger's "added")."""
        return len(self.teams_created)

    def counts(self) -> dict[str, int]:
        return {
            "rows_read": self.rows_read,
            "areas_created": len(self.areas_created),
            "teams_created": len(self.teams_created),
            "teams_moved": self.teams_moved,
            "champions_assigned": self.champions_assigned,
            "handovers": self.handovers,
            "champions_removed": self.champions_removed,
            "starts_changed": self.starts_changed,
            "updated": self.updated,
            "unchanged": self.unchanged,
        }

    def headline(self) -> dict[str, int]:
        """The numbers a person checks before applying, labelled for people."""
        return {"Rows": self.rows_read, "New teams": len(self.teams_created),
                "Handovers": self.handovers, "Changed": self.updated,
                "Unchanged": self.unchanged}  # fmt: skip

    def notes(self) -> list[str]:
        found = []
        if self.areas_created:
            found.append("These areas will be created: " + ", ".join(self.areas_created) + ".")
        if self.teams_created:
            found.append("These teams will be created: " + ", ".join(self.teams_created) + ".")
        return found

    @property
    def changes_anything(self) -> bool:
        return bool(self.added or self.updated)

    def summary(self) -> str:
        parts = []
        created = [
            _count(len(self.areas_created), "area"),
            _count(len(self.teams_created), "team"),
        ]
        created = [c for c in created if c]
        if created:
            parts.append(" and ".join(created) + " created")
        for count, one, many in (
            (self.champions_assigned, "champion assigned", "champions assigned"),
            (self.handovers, "handover", "handovers"),
            (self.champions_removed, "champion removed", "champions removed"),
            (self.starts_changed, "start date changed", "start dates changed"),
            (self.teams_moved, "team moved", "teams moved"),
        ):
            if count:
                parts.append(f"{count} {one if count == 1 else many}")
        parts.append(f"{self.unchanged} unchanged")
        counts = ", ".join(parts)
        if self.dry_run:
            return f"dry run of {self.file_name}: would be {counts}; nothing was changed"
        return f"import {self.import_id}: {counts}"


def _count(n: int, noun: str) -> str:
    return "" if not n else f"{n} {noun}" + ("" if n == 1 else "s")
