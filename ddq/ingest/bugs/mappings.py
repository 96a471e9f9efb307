"""Column mappings: which column of a bug export holds which field.

A Jira export's display-name headers are recognised as they are; any other CSV names its
columns through a mapping (field -> header), guessed by :func:`guess_mapping` and saved as
a named preset with :func:`save_mapping`.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddq import audit, ledger
from ddq.access import EDITOR, Actor, requires
from ddq.db import claim, retry_on_conflict, rows, scalar, transaction
from ddq.errors import DdqError, NotFound
from ddq.ingest.csvfile import decode, detect_delimiter

if TYPE_CHECKING:
    import duckdb

JIRA = "jira"
GITHUB = "github"
CSV = "csv"
FORMATS = (JIRA, GITHUB, CSV)

# The fields a column mapping can fill, in the order people read them.
FIELDS: tuple[str, ...] = (
    "key", "created", "resolved", "updated", "status", "type", "priority", "severity",
    "labels", "components", "team", "project", "summary", "description",
)  # fmt: skip
LIST_FIELDS = ("labels", "components")
# What each field is for, and what happens without it: the mapping editor's help and the
# README say the same.
FIELD_HELP: dict[str, str] = {
    "key": "The issue's key or number (required): a re-import updates bugs by it.",
    "created": "When the issue was created (required).",
    "resolved": "When it was resolved. Without it, a bug in a done status is resolved at its "
    "last update (updated), marked estimated; with neither, it counts as open.",
    "updated": "When it last changed: the estimated resolution time of a done bug that has "
    "no resolved date.",
    "status": "Its status. A done status (the done_statuses setting) makes a bug without a "
    "resolved date resolved at its last update. Without it, only resolved says a bug is done.",
    "type": "The issue type: only the types that count as bugs (the bug_types setting) are "
    "counted. Without it, every issue counts.",
    "priority": "For the critical-bug rule. Without it, no bug has a priority: conditions "
    "on it never match with in, and always with not_in.",
    "severity": "For the critical-bug rule, like priority.",
    "labels": "Labels, separated by ; or , (for the rule and for ownership by label).",
    "components": "Components, separated by ; or ,: the first mapped one decides the team.",
    "team": "A team's name: a bug naming a known team belongs to it.",
    "project": "The project key. Without it, the part of the key before '-' (DERBY-12: DERBY).",
    "summary": "The title, shown in previews and in a definition's impact.",
    "description": "Kept as it is, line breaks included.",
}
DATE_FIELDS = ("created", "resolved", "updated")
REQUIRED = ("key", "created")

# Folded header names (see fold_header) for each field, best first. Jira's display names
# are among them, so a Jira export needs no mapping.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "key": ("issuekey", "key", "issueid", "id", "number", "issuenumber", "issue", "bugid",
            "bug", "ticket", "ticketid", "ticketnumber", "no", "nr"),
    "created": ("created", "createdat", "createddate", "creationdate", "datecreated",
                "createdon", "opened", "openedat", "opendate", "dateopened", "reported",
                "reportedat", "reporteddate", "submitted", "submittedat"),
    "resolved": ("resolved", "resolvedat", "resolveddate", "resolutiondate", "dateresolved",
                 "resolvedon", "closed", "closedat", "closeddate", "dateclosed", "closedon",
                 "fixedat", "fixeddate", "done", "doneat", "completed", "completedat"),
    "updated": ("updated", "updatedat", "lastupdated", "updateddate", "dateupdated",
                "modified", "lastmodified", "modifiedat", "changed", "changedat",
                "lastchanged"),
    "status": ("status", "state", "issuestatus", "bugstatus"),
    "type": ("issuetype", "type", "bugtype", "kind", "category", "workitemtype"),
    "priority": ("priority", "prio", "bugpriority"),
    "severity": ("severity", "bugseverity", "sev", "impact"),
    "labels": ("labels", "label", "tags", "tag", "keywords"),
    "components": ("components", "component", "modules", "module", "subsystem"),
    "team": ("team", "teamname", "owningteam", "squad"),
    "project": ("projectkey", "project", "product", "repository", "repo"),
    "summary": ("summary", "title", "subject", "shortdescription", "shortdesc", "headline"),
    "description": ("description", "body", "details", "longdescription"),
}  # fmt: skip
_CUSTOM_FIELD = re.compile(r"^\s*custom\s*field\s*\((.*)\)\s*$", re.IGNORECASE)


class InvalidMapping(DdqError):
    """A column mapping that names unknown fields or cannot be read."""


def fold_header(name: str) -> str:
    """A header as mappings compare it: ``Custom field (X)`` is X; case and punctuation go."""
    text = name.strip()
    if match := _CUSTOM_FIELD.match(text):
        text = match[1]
    return re.sub(r"[^0-9a-z#]+", "", text.lower())


def guess_mapping(headers: Iterable[str]) -> dict[str, str]:
    """The column mapping that the headers suggest: field -> header (first one spelt so)."""
    by_fold: dict[str, str] = {}
    for header in headers:
        by_fold.setdefault(fold_header(header), header)
    guessed: dict[str, str] = {}
    taken: set[str] = set()
    for field_name in FIELDS:
        for synonym in SYNONYMS[field_name]:
            found = by_fold.get(synonym)
            if found is not None and found not in taken:
                guessed[field_name] = found
                taken.add(found)
                break
    return guessed


def check_mapping(mapping: Mapping[str, Any] | Iterable[tuple[str, Any]]) -> dict[str, str]:
    """A mapping as stored: known fields only, each to a header; empty entries dropped."""
    try:
        pairs = dict(mapping)
    except (TypeError, ValueError) as exc:
        raise InvalidMapping(
            "A column mapping is a JSON object of field: header, like "
            '{"key": "Issue key", "created": "Created"}.'
        ) from exc
    clean: dict[str, str] = {}
    for field_name, header in pairs.items():
        name = str(field_name).strip().lower()
        if name not in FIELDS:
            raise InvalidMapping(
                f"Unknown field {field_name!r} in the column mapping; the fields are: "
                + ", ".join(FIELDS)
                + "."
            )
        if header is None or (isinstance(header, str) and not header.strip()):
            continue
        if not isinstance(header, str):
            raise InvalidMapping(
                f"The column mapping gives {field_name!r} a {type(header).__name__}; "
                "give the column's header as text."
            )
        clean[name] = header.strip()
    return clean


def read_mapping_file(path: Path) -> dict[str, str]:
    """A column mapping from a JSON file: ``{"key": "IssueId", "created": "created", ...}``."""
    try:
        loaded = json.loads(path.read_text(encoding="utf-8-sig"))
    except OSError as exc:
        raise InvalidMapping(f"Cannot read the mapping file {path}: {exc.strerror}.") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        where = (
            f" (line {exc.lineno}, column {exc.colno})"
            if isinstance(exc, json.JSONDecodeError)
            else ""
        )
        raise InvalidMapping(
            f"The mapping file {path} is not valid JSON{where}; write it like "
            '{"key": "IssueId", "created": "created"}.'
        ) from exc
    if not isinstance(loaded, dict):
        raise InvalidMapping(f"The mapping file {path} must hold one JSON object (field: header).")
    return check_mapping(loaded)


@requires(EDITOR, "save a column mapping")
@retry_on_conflict
def save_mapping(
    con: duckdb.DuckDBPyConnection, name: str, mapping: Mapping[str, Any], *, who: Actor
) -> dict[str, str]:
    """Store a named column mapping (replacing one of the same name); return it as stored.

    Saving under a name is meant to replace what that name held, so the last save stands;
    the audit log keeps each with the mapping it replaced.
    """
    label = name.strip()
    if not label or len(label) > 80:
        raise InvalidMapping("Name the mapping with 1 to 80 characters.")
    clean = check_mapping(mapping)
    missing = [f for f in REQUIRED if f not in clean]
    if missing:
        raise InvalidMapping(
            f"The mapping must name the column for {' and '.join(missing)}: every bug "
            "needs a key and a creation date."
        )
    with transaction(con):
        claim(con, "column mapping", label)
        before = scalar(con, "SELECT mapping FROM csv_mappings WHERE name = ?", [label])
        con.execute(
            "INSERT OR REPLACE INTO csv_mappings (name, mapping, updated_at, updated_by) "
            "VALUES (?, ?, ?, ?)",
            [label, json.dumps(clean, ensure_ascii=False), ledger.utc_now(), who],
        )
        audit.record(con, who, "bug_mapping.save", label,
                     before=json.loads(before) if before else None, after=clean)  # fmt: skip
    return clean


def load_mapping(con: duckdb.DuckDBPyConnection, name: str) -> dict[str, str]:
    """A saved column mapping, by name."""
    stored = scalar(con, "SELECT mapping FROM csv_mappings WHERE name = ?", [name.strip()])
    if stored is None:
        known = mapping_names(con)
        hint = f"; saved mappings: {', '.join(known)}" if known else "; none is saved yet"
        raise NotFound(f"There is no saved column mapping {name!r}{hint}.")
    loaded: dict[str, str] = json.loads(stored)
    return loaded


def mapping_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    return [r["name"] for r in rows(con, "SELECT name FROM csv_mappings ORDER BY lower(name)")]


def resolve_mapping(con: duckdb.DuckDBPyConnection, text: str) -> dict[str, str]:
    """``--mapping``: a JSON file if one exists at that path, else a saved preset's name."""
    path = Path(text)
    if path.is_file():
        return read_mapping_file(path)
    if text.strip().lower().endswith(".json"):
        raise InvalidMapping(f"There is no mapping file {text}.")
    return load_mapping(con, text)


def mapping_warning(mapping: Mapping[str, str]) -> str | None:
    """What a column mapping will get wrong without saying so on every row, if anything."""
    if "status" in mapping and not {"resolved", "updated"} & set(mapping):
        return (
            "Status is mapped but neither resolved nor updated is: a bug in a done status has "
            "no date to be resolved at, so it counts as open. Map the column with the "
            "resolution date (resolved) or, failing that, the last update (updated)."
        )
    return None


def csv_headers(data: bytes) -> list[str]:
    """The header names of a CSV file's first line (for editing a mapping before import)."""
    text, _ = decode(data[:65536], "upload")
    line = text.removeprefix("\ufeff").splitlines()[0] if text.strip() else ""
    if not line:
        return []
    return [h.strip() for h in next(csv.reader([line], delimiter=detect_delimiter(line)))]
