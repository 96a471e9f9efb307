"""What is wrong with an uploaded file, said so that a person can find it and fix it."""

from __future__ import annotations

from dataclasses import dataclass

from ddq.errors import DdqError

# Enough to fix a file in one sitting; a file with more errors is usually the wrong file.
MAX_PROBLEMS_SHOWN = 50
_MAX_VALUE_CHARS = 60


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a file: where it is (physical line, column), the value, and why.

    ``line`` is the physical line on which the record starts (line 1 is the header); 0 means
    the file as a whole. ``column`` is the header's name for the column, or "" for a whole
    line. In a JSON file, whose records are items rather than lines, ``where`` names the
    item ("item 3 (#12 “Crash on start”)") in place of the line, and ``item`` orders them.
    """

    line: int
    column: str
    value: str | None
    reason: str
    where: str = ""
    item: int = 0

    def __str__(self) -> str:
        where = self.where or (f"line {self.line}" if self.line else "file")
        joined = self.column or self.value is not None  # "line 3, column C, value V: reason"
        return f"{where}{', ' if joined else ': '}{self.detail()}"

    def detail(self) -> str:
        """The problem without where it is: ``column C, value V: reason``."""
        parts = []
        if self.column:
            parts.append(f"column {self.column}")
        if self.value is not None:
            parts.append(f"value {shorten(self.value)!r}")
        return (
            ", ".join([*parts, self.reason]) if not parts else f"{', '.join(parts)}: {self.reason}"
        )


def shorten(value: str, limit: int = _MAX_VALUE_CHARS) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


class ImportRejected(DdqError):
    """The file has problems; nothing was changed."""

    def __init__(self, file_name: str, problems: list[Problem], hidden: int = 0) -> None:
        self.file_name = file_name
        self.problems = sorted(problems, key=lambda p: (p.line, p.item, p.column))
        self.count = len(problems) + hidden  # hidden: found but not fetched, on huge files
        super().__init__(self.report())

    def __reduce__(self) -> tuple[type, tuple[str, list[Problem], int]]:
        """Rebuilt from its parts: the app caches a file's check, and the cache pickles it
        (an exception otherwise comes back from its message alone, which is not enough)."""
        hidden = self.count - len(self.problems)
        return type(self), (self.file_name, self.problems, hidden)

    def problem_lines(self, limit: int = MAX_PROBLEMS_SHOWN) -> list[str]:
        """``line N, column C, value V: reason`` for the first ``limit``, then a count."""
        lines = [str(p) for p in self.problems[:limit]]
        if self.count > limit:
            lines.append(f"... and {self.count - limit} more")
        return lines

    def report(self, limit: int = MAX_PROBLEMS_SHOWN) -> str:
        count = self.count
        noun = "problem" if count == 1 else "problems"
        head = (
            f"{self.file_name}: {count} {noun}; nothing was imported. Fix the file and try again."
        )
        return "\n".join([head, *(f"  {line}" for line in self.problem_lines(limit))])
