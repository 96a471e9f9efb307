"""Importing bugs from tracker exports, all or nothing (or without the broken rows).

Three kinds of file: a Jira "Export CSV" (display-name headers; repeated ``Labels`` and
``Component/s`` columns merged into lists, in order; the ``Generated at ...`` footer
dropped), GitHub issues JSON (:mod:`ddq.ingest.github`), and any other CSV through a
column mapping (field -> header; guessed by :func:`guess_mapping`, saved as a named preset
with :func:`save_mapping`).

The machinery is the metrics importer's: the file is staged with physical line numbers
(:mod:`ddq.ingest.csvfile`), every cell is typed and checked with set-based SQL (dates by
:mod:`ddq.ingest.dates`), and an accepted file is applied in one transaction that records
in the ledger what it added, and in ``bug_overwrites`` the rows it replaced, so that
:func:`ddq.ledger.reverse` restores them. A bug is known by (tracker, key): a re-import
updates it, and an identical row is left alone.

A file with broken rows is rejected with every problem named by its line. With
``skip_bad_rows`` the good rows are imported and each skipped row is kept, with its line
and reason, in ``import_skipped``.

An export without resolution dates still says which bugs are done: a bug whose status is
one of the ``done_statuses`` setting (compared case-insensitively) is taken as resolved at
its last update, and marked ``resolved_estimated``.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ddq import audit, bugmetrics, ledger, settings
from ddq.access import EDITOR, requires
from ddq.db import (
    claim,
    drop_temp,
    quote_ident,
    quote_literal,
    retry_on_conflict,
    rows,
    scalar,
    temp_table_from,
    transaction,
)
from ddq.errors import DdqError, NotFound
from ddq.ingest import dates, github
from ddq.ingest.csvfile import (
    MAX_UPLOAD_MB,
    decode,
    detect_delimiter,
    drop_staged,
    read_upload,
    sha256_of,
    stage_csv,
)
from ddq.ingest.problems import ImportRejected, Problem, shorten
from ddq.metrics import today_utc

if TYPE_CHECKING:
    import duckdb

Progress = Callable[[str, float], None]

KIND = "bugs"
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
# The bugs table's columns, in its order (bug_overwrites has overwritten_by first).
BUG_COLUMNS: tuple[str, ...] = (
    "tracker", "key", "project", "type", "status", "priority", "severity", "labels",
    "components", "created", "resolved", "resolved_estimated", "updated", "summary",
    "description", "team_name", "import_id",
)  # fmt: skip
# The columns whose difference makes a re-imported bug "changed".
_CONTENT = [c for c in BUG_COLUMNS if c not in ("tracker", "key", "import_id")]

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
_FOOTER = re.compile(rb'"?Generated at ')  # matched at a line's start
_WHITESPACE = "' \t\r\n'"
_PROBLEM_FETCH_LIMIT = 1000
PREVIEW_ROWS = 20
_SKIPPED_SHOWN = 10
_STAGED = "bugs_staged"
_TEMP_TABLES = ("bugs_checked", "bugs_matched", "bugs_dups", "bugs_skipped")


class InvalidMapping(DdqError):
    """A column mapping that names unknown fields or cannot be read."""


# --- column mappings -----------------------------------------------------------------------


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
            header = by_fold.get(synonym)
            if header is not None and header not in taken:
                guessed[field_name] = header
                taken.add(header)
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
        where = f" (line {exc.lineno}, column {exc.colno})" if hasattr(exc, "lineno") else ""
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
    con: duckdb.DuckDBPyConnection, name: str, mapping: Mapping[str, Any], *, who: str
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
    return json.loads(stored)


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
    import csv

    text, _ = decode(data[:65536], "upload")
    line = text.removeprefix("\ufeff").splitlines()[0] if text.strip() else ""
    if not line:
        return []
    return [h.strip() for h in next(csv.reader([line], delimiter=detect_delimiter(line)))]


# --- the result ----------------------------------------------------------------------------


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


# --- reading the file ----------------------------------------------------------------------


@dataclass
class _Source:
    """A staged file, whatever its format: SQL for each field over the table ``table``."""

    table: str
    exprs: dict[str, str]  # field -> SQL (text; VARCHAR[] for list fields)
    headers: dict[str, str]  # field -> the name problems give it
    rows_read: int
    sha256: str
    fatal: list[Problem] = field(default_factory=list)  # never skippable
    bad_rows: list[Problem] = field(default_factory=list)  # rows not staged (ragged)
    json_items: bool = False
    footer_dropped: bool = False
    pull_requests: int = 0
    no_repository: int = 0
    mapping: dict[str, str] = field(default_factory=dict)


def _drop_footer(data: bytes) -> tuple[bytes, bool]:
    """The file without Jira's last line ``Generated at ... by ... using JIRA ...``."""
    end = len(data)
    while end and data[end - 1] in b"\r\n \t":
        end -= 1
    start = max(data.rfind(b"\n", 0, end), data.rfind(b"\r", 0, end)) + 1
    if start == 0 or not _FOOTER.match(data, start):
        return data, False
    # An even number of quotes before it: the line is a record, not inside a quoted field.
    if data.count(b'"', 0, start) % 2:
        return data, False
    return data[:start], True


def _unquote(expr: str) -> str:
    """SQL: remove the ``'`` that a formula-safe export put before ``= + - @`` (csvfile)."""
    return (
        f"CASE WHEN starts_with({expr}, '''') AND regexp_matches({expr}, '^''+[=+\\-@\\t\\r]') "
        f"THEN {expr}[2:] ELSE {expr} END"
    )


def _ref(column: str) -> str:
    """A staged column as the queries below name it (the staged table is aliased ``s``)."""
    return "s." + quote_ident(column)


def _clean(column: str) -> str:
    """SQL for a cell's text: trimmed, unquoted, NULL when empty.

    Most cells need none of it; a cheap look at the first and last character sends only
    the others (space or control character at either end, a leading quote) the long way.
    """
    col = _ref(column)
    trimmed = f"trim({col}, {_WHITESPACE})"
    return (
        f"CASE WHEN ascii({col}) <= 39 OR ascii(right({col}, 1)) <= 32 "
        f"THEN nullif({_unquote(trimmed)}, '') ELSE {col} END"
    )


def _split_cell(column: str) -> str:
    """SQL for a list cell of a mapped CSV: values separated by ';' or ','."""
    cell = _unquote(f"trim({_ref(column)}, {_WHITESPACE})")
    parts = f"string_split(replace({cell}, ',', ';'), ';')"
    values = f"list_transform({parts}, lambda v: nullif(trim(v, {_WHITESPACE}), ''))"
    return f"coalesce(list_filter({values}, lambda v: v IS NOT NULL), [])"


def _resolve_columns(
    header: list[str], columns: list[str], mapping: dict[str, str], file_name: str
) -> dict[str, list[str]]:
    """field -> the staged columns of its header (every column spelt so, in order)."""
    by_exact: dict[str, list[str]] = {}
    by_fold: dict[str, list[str]] = {}
    for column, name in zip(columns, header, strict=True):
        by_exact.setdefault(name, []).append(column)
        by_fold.setdefault(fold_header(name), []).append(column)
    found: dict[str, list[str]] = {}
    problems = []
    for field_name, wanted in mapping.items():
        matched = by_exact.get(wanted) or by_fold.get(fold_header(wanted))
        if not matched:
            problems.append(
                Problem(
                    1,
                    wanted,
                    None,
                    f"the column mapping takes {field_name} from this column, which the "
                    f"file does not have; its columns are: {', '.join(header)}",
                )
            )
        else:
            found[field_name] = matched
    if problems:
        raise ImportRejected(file_name, problems)
    return found


def _stage_csv_file(
    con: duckdb.DuckDBPyConnection,
    source: Path | bytes,
    data: bytes,
    file_name: str,
    fmt: str,
    mapping: dict[str, str] | None,
) -> _Source:
    if github.looks_like_json(data):
        raise ImportRejected(file_name, [Problem(0, "", None,
            "this is a JSON file, not CSV; import it as GitHub issues (--format github)")])  # fmt: skip
    trimmed, footer = _drop_footer(data)
    on_disk = source if isinstance(source, Path) and not footer else None
    staged = stage_csv(con, trimmed, file_name, path=on_disk, table=_STAGED)
    sha = sha256_of(data) if footer else staged.sha256
    if fmt == JIRA:
        chosen = guess_mapping(staged.header)
        if mapping:
            chosen = {k: v for k, v in chosen.items() if k not in mapping} | mapping
    else:
        chosen = dict(mapping) if mapping else guess_mapping(staged.header)
    missing = [f for f in REQUIRED if f not in chosen]
    if missing:
        what = " and ".join({"key": "issue key", "created": "creation date"}[f] for f in missing)
        hint = (
            "a Jira export has Issue key (or Key) and Created columns; for another tracker's "
            "CSV use the CSV format with a column mapping"
            if fmt == JIRA
            else "give a column mapping that names them (--mapping)"
        )
        raise ImportRejected(file_name, [Problem(1, "", ",".join(staged.header),
            f"no column for the {what}; {hint}")])  # fmt: skip
    by_field = _resolve_columns(staged.header, staged.columns, chosen, file_name)
    names = dict(zip(staged.columns, staged.header, strict=True))
    exprs: dict[str, str] = {}
    for field_name, cols in by_field.items():
        if field_name in LIST_FIELDS:
            if fmt == JIRA:  # one value per repeated column
                cells = ", ".join(_clean(c) for c in cols)
                exprs[field_name] = f"list_filter([{cells}], lambda v: v IS NOT NULL)"
            else:
                parts = [_split_cell(c) for c in cols]
                exprs[field_name] = (
                    parts[0] if len(parts) == 1 else f"flatten([{', '.join(parts)}])"
                )
        elif field_name == "description":  # kept exactly, line breaks and spaces included
            cells = [f"nullif({_unquote(_ref(c))}, '')" for c in cols]
            exprs[field_name] = cells[0] if len(cells) == 1 else f"coalesce({', '.join(cells)})"
        elif field_name in DATE_FIELDS:
            cells = [f"nullif({_ref(c)}, '')" for c in cols]  # parsing trims
            exprs[field_name] = cells[0] if len(cells) == 1 else f"coalesce({', '.join(cells)})"
        else:
            cells = [_clean(c) for c in cols]
            exprs[field_name] = cells[0] if len(cells) == 1 else f"coalesce({', '.join(cells)})"
    fatal = [p for p in staged.problems if p.reason.startswith("cannot be read as CSV")]
    bad = [p for p in staged.problems if p not in fatal]
    return _Source(
        table=_STAGED,
        exprs=exprs,
        headers={f: names[cols[0]] for f, cols in by_field.items()},
        rows_read=staged.rows + len(bad),
        sha256=sha,
        fatal=fatal,
        bad_rows=bad,
        footer_dropped=footer,
        mapping={f: names[cols[0]] for f, cols in by_field.items()},
    )


def _stage_json_file(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str) -> _Source:
    import pyarrow as pa

    issues = github.parse_issues(data, file_name)
    arrays = {
        "line": pa.array(issues.lines, pa.int64()),
        "item": pa.array(issues.items, pa.int64()),
        "labels": pa.array(issues.labels, pa.list_(pa.string())),
    }
    arrays |= {c: pa.array(v, pa.string()) for c, v in issues.columns.items()}
    drop_staged(con, _STAGED)
    temp_table_from(con, _STAGED, pa.table(arrays))
    exprs = {c: _ref(c) for c in github.COLUMNS} | {"labels": _ref("labels")}
    headers = {
        "key": issues.headers.get("number", "number"),
        "created": issues.headers.get("created", "created_at"),
        "resolved": issues.headers.get("resolved", "closed_at"),
        "updated": issues.headers.get("updated", "updated_at"),
    }
    return _Source(
        table=_STAGED,
        exprs=exprs,
        headers=headers,
        rows_read=issues.count + len(issues.problems),
        sha256=sha256_of(data),
        bad_rows=issues.problems,
        json_items=True,
        pull_requests=issues.pull_requests,
        no_repository=issues.no_repository,
    )


# --- typing and checking -------------------------------------------------------------------

_EMPTY_KEY = "the key is empty; every issue needs one"
_EMPTY_CREATED = "the creation date is empty; every issue needs one"
_FUTURE = "the creation date is in the future; check the date format (day and month swapped?)"
_CHECKS = (  # (field, problem column, bad value column)
    ("key", "key_problem", "NULL::VARCHAR"),
    ("created", "created_problem", "created_bad"),
    ("resolved", "resolved_problem", "resolved_bad"),
    ("updated", "updated_problem", "updated_bad"),
)
_ANY_PROBLEM = "(" + " OR ".join(f"{p} IS NOT NULL" for _, p, _ in _CHECKS) + ")"


def _samples(con: duckdb.DuckDBPyConnection, source: _Source, field_name: str) -> list[str]:
    expr = source.exprs[field_name]
    return [
        v
        for (v,) in con.execute(
            f"SELECT v FROM (SELECT {expr} AS v FROM {source.table} s LIMIT 5000) "
            f"WHERE v IS NOT NULL LIMIT {dates.SAMPLE_SIZE}"
        ).fetchall()
    ]


def _rows_sql(
    con: duckdb.DuckDBPyConnection,
    source: _Source,
    tracker: str,
    done: list[str],
    latest: dt.datetime,
) -> str:
    """SQL for every staged row as a bug, with its problems (one SELECT, no parameters).

    ``pos`` says which row it is: its line in a CSV file, its item in a JSON list.
    """
    e = source.exprs

    def text(name: str) -> str:
        return e.get(name, "NULL::VARCHAR")

    def listed(name: str) -> str:
        return e.get(name, "[]::VARCHAR[]")

    item = "s.item" if source.json_items else "NULL::BIGINT"
    usual = {
        name: dates.choose_format(con, _samples(con, source, name)) if name in e else None
        for name in DATE_FIELDS
    }
    parsed = {name: dates.timestamp_sql(f"{name}_raw", usual[name]) for name in DATE_FIELDS}
    not_a_date = {name: quote_literal(dates.hint(tracker, usual[name])) for name in DATE_FIELDS}
    done_list = "[" + ", ".join(quote_literal(s) for s in done) + "]::VARCHAR[]"
    prefix = "CASE WHEN contains(key, '-') THEN split_part(key, '-', 1) END"
    return f"""
        WITH r AS (
            SELECT {item if source.json_items else "s.line"} AS pos, s.line, {item} AS item,
                   {text("key")} AS key, {text("project")} AS project, {text("type")} AS type,
                   {text("status")} AS status, {text("priority")} AS priority,
                   {text("severity")} AS severity, {listed("labels")} AS labels,
                   {listed("components")} AS components, {text("summary")} AS summary,
                   {text("description")} AS description, {text("team")} AS team_name,
                   {text("created")} AS created_raw, {text("resolved")} AS resolved_raw,
                   {text("updated")} AS updated_raw
            FROM {source.table} s
        ),
        p AS (
            SELECT *, {parsed["created"]} AS created, {parsed["resolved"]} AS resolved_given,
                   {parsed["updated"]} AS updated,
                   coalesce(list_contains({done_list}, lower(status)), false) AS done
            FROM r
        )
        SELECT pos, line, item, {quote_literal(tracker)} AS tracker, key,
               coalesce(project, {prefix}) AS project, type, status, priority, severity,
               labels, components, created,
               coalesce(resolved_given, CASE WHEN done THEN updated END) AS resolved,
               resolved_given IS NULL AND done AND updated IS NOT NULL AS resolved_estimated,
               updated, summary, description, team_name,
               resolved_given IS NULL AND done AND updated IS NULL AS done_without_time,
               CASE WHEN key IS NULL THEN {quote_literal(_EMPTY_KEY)} END AS key_problem,
               CASE WHEN created IS NOT NULL THEN
                        CASE WHEN created > {quote_literal(latest.isoformat(sep=" "))}::TIMESTAMP
                             THEN {quote_literal(_FUTURE)} END
                    WHEN created_raw IS NULL OR trim(created_raw, {_WHITESPACE}) = ''
                        THEN {quote_literal(_EMPTY_CREATED)}
                    ELSE {not_a_date["created"]} END AS created_problem,
               CASE WHEN created_problem IS NOT NULL THEN created_raw END AS created_bad,
               CASE WHEN resolved_given IS NULL AND trim(resolved_raw, {_WHITESPACE}) <> ''
                    THEN {not_a_date["resolved"]} END AS resolved_problem,
               CASE WHEN resolved_problem IS NOT NULL THEN resolved_raw END AS resolved_bad,
               CASE WHEN updated IS NULL AND trim(updated_raw, {_WHITESPACE}) <> ''
                    THEN {not_a_date["updated"]} END AS updated_problem,
               CASE WHEN updated_problem IS NOT NULL THEN updated_raw END AS updated_bad
        FROM p
    """


def _check_rows(con: duckdb.DuckDBPyConnection, rows_sql: str) -> None:
    """The table ``bugs_checked``: what the checks need of each row (``skip``: left out).

    Only the key, status and timestamps are computed here: DuckDB leaves out the text
    columns that this table does not keep.
    """
    problem_columns = ", ".join(f"{p}, {bad}" if "::" not in bad else p for _, p, bad in _CHECKS)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE bugs_checked AS
        SELECT pos, line, item, key, created, resolved_estimated, done_without_time,
               {problem_columns}, false AS skip
        FROM ({rows_sql})
    """)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE bugs_skipped (pos BIGINT, line BIGINT, reason VARCHAR)"
    )


def _define_bugs(con: duckdb.DuckDBPyConnection, rows_sql: str) -> None:
    """The view ``bugs_typed``: the bugs to store, computed from the staged rows as read.

    Computing them afresh (rather than keeping them in a table since the checks) lets
    DuckDB stream a million bugs straight into the bugs table, on every core.
    """
    skipped = scalar(con, "SELECT count(*) FROM bugs_skipped")
    where = "WHERE pos NOT IN (SELECT pos FROM bugs_skipped)" if skipped else ""
    con.execute(f"""
        CREATE OR REPLACE TEMP VIEW bugs_typed AS
        SELECT line, item, {", ".join(c for c in BUG_COLUMNS if c != "import_id")}
        FROM ({rows_sql}) {where}
    """)


def _item_names(con: duckdb.DuckDBPyConnection, items: list[int]) -> dict[int, str]:
    """How problems name these items of a JSON file: index, number and title (see
    :func:`ddq.ingest.github.item_words`), and their line when items are on several lines."""
    multiline = scalar(con, f"SELECT count(DISTINCT line) > 1 FROM {_STAGED}")
    return {
        item: github.item_words(item, line if multiline else None,
                                number=key.rsplit("#", 1)[-1] if key else None, title=title)
        for item, line, key, title in con.execute(
            f"SELECT item, line, key, summary FROM {_STAGED} "
            "WHERE item IN (SELECT unnest(?::BIGINT[]))",
            [sorted(set(items))],
        ).fetchall()
    }  # fmt: skip


def _row_problems(con: duckdb.DuckDBPyConnection, source: _Source) -> tuple[list[Problem], int]:
    """The cell problems (up to a limit) and how many more there are."""
    total = scalar(
        con, "SELECT " + " + ".join(f"count({p})" for _, p, _ in _CHECKS) + " FROM bugs_checked"
    )
    if not total:
        return [], 0
    union = " UNION ALL ".join(
        f"SELECT line, item, {quote_literal(f)} AS field, {bad} AS raw, {p} AS reason "
        f"FROM bugs_checked WHERE {p} IS NOT NULL"
        for f, p, bad in _CHECKS
    )
    fetched = con.execute(
        f"SELECT * FROM ({union}) ORDER BY line, item, field LIMIT {_PROBLEM_FETCH_LIMIT}"
    ).fetchall()
    names = _item_names(con, [r[1] for r in fetched]) if source.json_items else {}
    found = [
        Problem(line, source.headers.get(f, f), raw, reason, names.get(item, ""), item or 0)
        for line, item, f, raw, reason in fetched
    ]
    return found, max(0, total - _PROBLEM_FETCH_LIMIT)


def _find_duplicates(con: duckdb.DuckDBPyConnection) -> int:
    """The table ``bugs_dups``: keys on more than one kept row, with those rows in order."""
    con.execute("""
        CREATE OR REPLACE TEMP TABLE bugs_dups AS
        SELECT key FROM bugs_checked WHERE key IS NOT NULL AND NOT skip
        GROUP BY key HAVING count(*) > 1
    """)
    count = scalar(con, "SELECT count(*) FROM bugs_dups")
    if count:  # rare: only then gather where each one is
        con.execute("""
            CREATE OR REPLACE TEMP TABLE bugs_dups AS
            SELECT key, list(line ORDER BY item, line) AS lines,
                   list(item ORDER BY item, line) AS items
            FROM bugs_checked SEMI JOIN bugs_dups USING (key)
            WHERE NOT skip
            GROUP BY key
        """)
    return count


def _duplicate_reason(key: str, lines: list[int], items: list[int | None]) -> str:
    if items[0] is not None:
        where = ", ".join(str(i) for i in items)
        return f"issue {key} appears more than once: items {where}; keep one per issue"
    return (
        f"issue {key} is also on line {lines[0]} (lines {', '.join(map(str, lines))}); "
        "keep one row per issue"
    )


def _duplicate_problems(con: duckdb.DuckDBPyConnection, key_header: str) -> list[Problem]:
    found = []
    fetched = con.execute(
        f"SELECT key, lines, items FROM bugs_dups ORDER BY lines[2] LIMIT {_PROBLEM_FETCH_LIMIT}"
    ).fetchall()
    json_items = [i for _, _, items in fetched for i in items if i is not None]
    names = _item_names(con, json_items) if json_items else {}
    for key, lines, items in fetched:
        reason = _duplicate_reason(key, lines, items)
        found += [
            Problem(line, key_header, key, reason, names.get(item, ""), item or 0)
            for line, item in zip(lines[1:], items[1:], strict=True)
        ]
    return found


def _skip_reason_sql(source: _Source) -> str:
    """SQL: why a row with problems is skipped, as Problem's text without the line."""
    parts = []
    for f, p, bad in _CHECKS:
        header = quote_literal(f"column {source.headers.get(f, f)}")
        shown = f"CASE WHEN length({bad}) > 60 THEN left({bad}, 59) || '…' ELSE {bad} END"
        value = f"coalesce(', value ' || chr(39) || {shown} || chr(39), '')"
        parts.append(f"CASE WHEN {p} IS NOT NULL THEN {header} || {value} || ': ' || {p} END")
    where = "coalesce('item ' || item || ': ', '')"  # a JSON file's item, not its line
    return f"{where} || concat_ws('; ', {', '.join(parts)})"


def _skip_bad_rows(con: duckdb.DuckDBPyConnection, source: _Source) -> None:
    """Mark every row with a problem (then every repeat of a key) skipped, saying why."""
    if source.bad_rows:  # never staged, so at no position (line or item) of a staged row
        con.executemany(
            "INSERT INTO bugs_skipped VALUES (?, ?, ?)",
            [(p.item, p.line, (f"item {p.item}: " if p.item else "") + p.detail())
             for p in source.bad_rows],
        )  # fmt: skip
    con.execute(
        f"INSERT INTO bugs_skipped SELECT pos, line, {_skip_reason_sql(source)} "
        f"FROM bugs_checked WHERE {_ANY_PROBLEM}"
    )
    con.execute(f"UPDATE bugs_checked SET skip = true WHERE {_ANY_PROBLEM}")
    if _find_duplicates(con):
        later = []
        for key, lines, items in con.execute("SELECT key, lines, items FROM bugs_dups").fetchall():
            reason = f"column {source.headers['key']}, value {shorten(key)!r}: " + (
                _duplicate_reason(key, lines, items)
            )
            later += [
                (item, line, f"item {item}: {reason}") if item is not None else (line, line, reason)
                for line, item in zip(lines[1:], items[1:], strict=True)
            ]
        con.executemany("INSERT INTO bugs_skipped VALUES (?, ?, ?)", later)
        con.execute("""
            UPDATE bugs_checked SET skip = true
            WHERE pos IN (SELECT pos FROM bugs_skipped)
        """)


def _skipped_problems(con: duckdb.DuckDBPyConnection, source: _Source) -> tuple[list[Problem], int]:
    """The first skipped rows (a JSON file's named by their item) and how many there are."""
    count = scalar(con, "SELECT count(*) FROM bugs_skipped")
    order = "pos, line" if source.json_items else "line"
    shown = []
    for pos, line, reason in con.execute(
        f"SELECT pos, line, reason FROM bugs_skipped ORDER BY {order} LIMIT {_SKIPPED_SHOWN}"
    ).fetchall():
        if source.json_items and reason.startswith("item "):
            where, reason = reason.split(": ", 1)  # "item 3: why"
            shown.append(Problem(line, "", None, reason, where, pos))
        else:
            shown.append(Problem(line, "", None, reason))
    return shown, count


# --- comparing and applying ----------------------------------------------------------------


def _classify(con: duckdb.DuckDBPyConnection, tracker: str) -> tuple[int, int, int]:
    """(rows, changed, unchanged): how the file's bugs compare with the stored ones."""
    total = scalar(con, "SELECT count(*) FROM bugs_checked WHERE NOT skip")
    stored = scalar(con, "SELECT count(*) FROM bugs WHERE tracker = ?", [tracker])
    differs = " OR ".join(f"t.{c} IS DISTINCT FROM b.{c}" for c in _CONTENT)
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE bugs_matched AS
        SELECT t.key, ({differs}) AS differs
        FROM {"bugs_typed" if stored else "(SELECT * FROM bugs_typed WHERE false)"} t
        JOIN bugs b ON b.tracker = ? AND b.key = t.key
        """,
        [tracker],
    )
    changed, unchanged = con.execute(
        "SELECT count(*) FILTER (differs), count(*) FILTER (NOT differs) FROM bugs_matched"
    ).fetchone()
    return total, changed, unchanged


def _preview(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    return rows(
        con,
        f"""
        SELECT t.line, t.key, t.type, t.status, t.priority,
               array_to_string(t.components, '; ') AS components,
               strftime(t.created, '%Y-%m-%d %H:%M') AS created,
               strftime(t.resolved, '%Y-%m-%d %H:%M')
                   || CASE WHEN t.resolved_estimated THEN ' (estimated)' ELSE '' END AS resolved,
               t.summary,
               CASE WHEN m.key IS NULL THEN 'new' WHEN m.differs THEN 'changed'
                    ELSE 'unchanged' END AS change
        FROM (SELECT * FROM bugs_typed LIMIT {PREVIEW_ROWS}) t
        LEFT JOIN bugs_matched m USING (key)
        ORDER BY t.item, t.line
        """,
    )


def _apply(con: duckdb.DuckDBPyConnection, result: BugsImport, tracker: str, who: str) -> None:
    columns = ", ".join(BUG_COLUMNS)
    with transaction(con):
        import_id = ledger.start(
            con, kind=KIND, file_name=result.file_name, sha256=result.sha256, who=who
        )
        if result.updated:
            con.execute(
                f"""
                INSERT INTO bug_overwrites (overwritten_by, {columns})
                SELECT ?, {", ".join(f"b.{c}" for c in BUG_COLUMNS)}
                FROM bugs b JOIN bugs_matched m ON b.tracker = ? AND b.key = m.key
                WHERE m.differs
                """,
                [import_id, tracker],
            )
            con.execute(
                """
                DELETE FROM bugs WHERE tracker = ? AND key IN (
                    SELECT key FROM bugs_matched WHERE differs)
                """,
                [tracker],
            )
        values = ", ".join(f"t.{c}" for c in BUG_COLUMNS if c != "import_id")
        if result.added or result.updated:
            unchanged = "ANTI JOIN (SELECT key FROM bugs_matched WHERE NOT differs) u USING (key)"
            con.execute(
                f"""
                INSERT INTO bugs ({columns})
                SELECT {values}, ? FROM bugs_typed t {unchanged if result.unchanged else ""}
                """,
                [import_id],
            )
        if result.skipped_count:
            con.execute(
                "INSERT INTO import_skipped (import_id, line, reason) "
                "SELECT ?, line, reason FROM bugs_skipped ORDER BY line",
                [import_id],
            )
        ledger.finish(
            con,
            import_id,
            rows_read=result.rows_read,
            added=result.added,
            updated=result.updated,
            unchanged=result.unchanged,
        )
        audit.record(con, who, "bugs.import", result.file_name, after={
            "import_id": import_id, "format": result.format, "added": result.added,
            "updated": result.updated, "unchanged": result.unchanged,
            "skipped": result.skipped_count, "estimated": result.estimated,
        })  # fmt: skip
    result.import_id = import_id


# --- the import ----------------------------------------------------------------------------


@requires(EDITOR, "import bugs")
@retry_on_conflict  # another change at the same moment: the import runs again on top of it
def import_bugs(
    con: duckdb.DuckDBPyConnection,
    source: Path | bytes,
    *,
    file_name: str | None = None,
    who: str,
    format: str = JIRA,
    mapping: Mapping[str, Any] | Iterable[tuple[str, Any]] | str | None = None,
    skip_bad_rows: bool = False,
    dry_run: bool = False,
    max_mb: float | None = MAX_UPLOAD_MB,
    progress: Progress | None = None,
    today: dt.date | None = None,
) -> BugsImport:
    """Check a bug export and, unless ``dry_run``, apply it in one transaction.

    ``format`` is ``jira``, ``github`` or ``csv``; ``mapping`` (field -> header, or a saved
    mapping's name) says which column holds what in a CSV file (guessed when not given;
    for a Jira export it overrides the guess). Raises :class:`ImportRejected` listing every
    problem when anything is wrong (with ``skip_bad_rows``, only when nothing can be read);
    the database is then left exactly as it was. A file over ``max_mb`` (None: no limit) or
    not a text file, CSV or JSON, is refused before it is parsed.
    """
    report = progress or (lambda stage, fraction: None)
    fmt = (format or JIRA).strip().lower()
    if fmt not in FORMATS:
        raise DdqError(f"Unknown bug export format {format!r}; use jira, github or csv.")
    name = file_name or (source.name if isinstance(source, Path) else "upload")
    if isinstance(mapping, str):
        chosen = load_mapping(con, mapping)
    else:
        chosen = check_mapping(mapping) if mapping is not None else None
    tracker = fmt
    report("reading", 0.0)
    data = read_upload(source, name, max_mb=max_mb)
    try:
        if fmt == GITHUB:
            staged = _stage_json_file(con, data, name)
        else:
            staged = _stage_csv_file(con, source, data, name, fmt, chosen)
        if staged.fatal:
            raise ImportRejected(name, staged.fatal + staged.bad_rows)
        report("checking", 0.3)
        done = [s.lower() for s in settings.as_list(settings.current(con)["done_statuses"])]
        latest = dt.datetime.combine((today or today_utc()) + dt.timedelta(days=2), dt.time())
        rows_sql = _rows_sql(con, staged, tracker, done, latest)
        _check_rows(con, rows_sql)
        key_header = staged.headers.get("key", "key")
        if skip_bad_rows:
            _skip_bad_rows(con, staged)
        else:
            problems, hidden = _row_problems(con, staged)
            if _find_duplicates(con):
                problems += _duplicate_problems(con, key_header)
            problems += staged.bad_rows
            if problems:
                raise ImportRejected(name, problems, hidden=hidden)
        _define_bugs(con, rows_sql)
        report("comparing", 0.6)
        total, changed, unchanged = _classify(con, tracker)
        if total == 0:
            reason = (
                "the file has no issues"
                if staged.rows_read == 0
                else "every row has a problem; there is nothing to import"
            )
            raise ImportRejected(name, [Problem(0, "", None, reason)])
        skipped, skipped_count = _skipped_problems(con, staged)
        estimated, without, first, last = con.execute(
            "SELECT count(*) FILTER (resolved_estimated), count(*) FILTER (done_without_time), "
            "min(created), max(created) FROM bugs_checked WHERE NOT skip"
        ).fetchone()
        result = BugsImport(
            file_name=name,
            sha256=staged.sha256,
            format=fmt,
            rows_read=staged.rows_read,
            added=total - changed - unchanged,
            updated=changed,
            unchanged=unchanged,
            skipped=skipped,
            skipped_count=skipped_count,
            estimated=estimated,
            done_without_time=without,
            created_range=(first, last) if first else None,
            mapping=staged.mapping,
            footer_dropped=staged.footer_dropped,
            pull_requests=staged.pull_requests,
            no_repository=staged.no_repository,
            preview=_preview(con),
            dry_run=dry_run,
        )
        if not dry_run:
            report("applying", 0.75)
            with transaction(con):  # the bugs and the metrics computed from them, or neither
                _apply(con, result, tracker, who)
                report("computing the bug metrics", 0.85)
                result.metrics = bugmetrics.refresh(
                    con, who=who, reason=f"after import {result.import_id} ({name})"
                )
        report("done", 1.0)
        return result
    finally:
        drop_temp(con, views=["bugs_typed"])
        drop_staged(con, _STAGED)
        drop_temp(con, *_TEMP_TABLES)
