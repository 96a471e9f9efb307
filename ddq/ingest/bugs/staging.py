"""Reading a bug export into a staged table, whatever its format.

A CSV file (Jira's or mapped) is staged by :mod:`ddq.ingest.csvfile` with physical line
numbers; GitHub issues JSON is parsed by :mod:`ddq.ingest.github`. Either way the result
is a :class:`Source`: SQL for each field over the staged table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from ddq.db import quote_ident, temp_table_from
from ddq.ingest import github
from ddq.ingest.bugs.mappings import (
    DATE_FIELDS,
    JIRA,
    LIST_FIELDS,
    REQUIRED,
    fold_header,
    guess_mapping,
)
from ddq.ingest.csvfile import drop_staged, sha256_of, stage_csv
from ddq.ingest.problems import ImportRejected, Problem

if TYPE_CHECKING:
    import duckdb

_FOOTER = re.compile(rb'"?Generated at ')  # matched at a line's start
WHITESPACE = "' \t\r\n'"
STAGED = "bugs_staged"


@dataclass
class Source:
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
    trimmed = f"trim({col}, {WHITESPACE})"
    return (
        f"CASE WHEN ascii({col}) <= 39 OR ascii(right({col}, 1)) <= 32 "
        f"THEN nullif({_unquote(trimmed)}, '') ELSE {col} END"
    )


def _split_cell(column: str) -> str:
    """SQL for a list cell of a mapped CSV: values separated by ';' or ','."""
    cell = _unquote(f"trim({_ref(column)}, {WHITESPACE})")
    parts = f"string_split(replace({cell}, ',', ';'), ';')"
    values = f"list_transform({parts}, lambda v: nullif(trim(v, {WHITESPACE}), ''))"
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


def stage_csv_file(
    con: duckdb.DuckDBPyConnection,
    source: Path | bytes,
    data: bytes,
    file_name: str,
    fmt: str,
    mapping: dict[str, str] | None,
) -> Source:
    if github.looks_like_json(data):
        raise ImportRejected(file_name, [Problem(0, "", None,
            "this is a JSON file, not CSV; import it as GitHub issues (--format github)")])  # fmt: skip
    trimmed, footer = _drop_footer(data)
    on_disk = source if isinstance(source, Path) and not footer else None
    staged = stage_csv(con, trimmed, file_name, path=on_disk, table=STAGED)
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
            texts = [f"nullif({_unquote(_ref(c))}, '')" for c in cols]
            exprs[field_name] = texts[0] if len(texts) == 1 else f"coalesce({', '.join(texts)})"
        elif field_name in DATE_FIELDS:
            texts = [f"nullif({_ref(c)}, '')" for c in cols]  # parsing trims
            exprs[field_name] = texts[0] if len(texts) == 1 else f"coalesce({', '.join(texts)})"
        else:
            texts = [_clean(c) for c in cols]
            exprs[field_name] = texts[0] if len(texts) == 1 else f"coalesce({', '.join(texts)})"
    fatal = [p for p in staged.problems if p.reason.startswith("cannot be read as CSV")]
    bad = [p for p in staged.problems if p not in fatal]
    return Source(
        table=STAGED,
        exprs=exprs,
        headers={f: names[cols[0]] for f, cols in by_field.items()},
        rows_read=staged.rows + len(bad),
        sha256=sha,
        fatal=fatal,
        bad_rows=bad,
        footer_dropped=footer,
        mapping={f: names[cols[0]] for f, cols in by_field.items()},
    )


def stage_json_file(con: duckdb.DuckDBPyConnection, data: bytes, file_name: str) -> Source:
    issues = github.parse_issues(data, file_name)
    arrays = {
        "line": pa.array(issues.lines, pa.int64()),
        "item": pa.array(issues.items, pa.int64()),
        "labels": pa.array(issues.labels, pa.list_(pa.string())),
    }
    arrays |= {c: pa.array(v, pa.string()) for c, v in issues.columns.items()}
    drop_staged(con, STAGED)
    temp_table_from(con, STAGED, pa.table(arrays))
    exprs = {c: _ref(c) for c in github.COLUMNS} | {"labels": _ref("labels")}
    headers = {
        "key": issues.headers.get("number", "number"),
        "created": issues.headers.get("created", "created_at"),
        "resolved": issues.headers.get("resolved", "closed_at"),
        "updated": issues.headers.get("updated", "updated_at"),
    }
    return Source(
        table=STAGED,
        exprs=exprs,
        headers=headers,
        rows_read=issues.count + len(issues.problems),
        sha256=sha256_of(data),
        bad_rows=issues.problems,
        json_items=True,
        pull_requests=issues.pull_requests,
        no_repository=issues.no_repository,
    )


# What a live source's issue holds: text fields, and the two list fields.
RECORD_TEXT = (
    "key", "project", "type", "status", "priority", "severity", "summary", "description",
    "created", "resolved", "updated",
)  # fmt: skip
RECORD_LISTS = ("labels", "components")


def stage_records(
    con: duckdb.DuckDBPyConnection,
    texts: dict[str, list[str | None]],
    lists: dict[str, list[list[str]]],
    *,
    sha256: str,
) -> Source:
    """Stage issues read from a tracker's API: each a column of text (dates as the API
    writes them) or of lists, one entry per issue, in the order read.

    An issue is named by its place in the read ("item 3"), as a JSON file's are.
    """
    count = len(texts["key"])
    arrays = {
        "line": pa.array(range(1, count + 1), pa.int64()),
        "item": pa.array(range(1, count + 1), pa.int64()),
    }
    arrays |= {c: pa.array(texts[c], pa.string()) for c in RECORD_TEXT}
    arrays |= {c: pa.array(lists[c], pa.list_(pa.string())) for c in RECORD_LISTS}
    drop_staged(con, STAGED)
    temp_table_from(con, STAGED, pa.table(arrays))
    return Source(
        table=STAGED,
        exprs={c: _ref(c) for c in (*RECORD_TEXT, *RECORD_LISTS)},
        headers={c: c for c in RECORD_TEXT},
        rows_read=count,
        sha256=sha256,
        json_items=True,
    )
