"""Reading an uploaded CSV file into a staging table, with physical line numbers.

Every importer starts here. The file's bytes are checked in Python (size, NUL bytes,
encoding, the delimiter of the header line); the rows are parsed by DuckDB's own CSV reader
into a temporary table of text columns plus ``line``, the physical line on which each
record starts. When a file has blank lines, quoted line breaks, ragged rows or an
unterminated quote, line numbers cannot be derived from row positions, so the file is
parsed again with Python's csv module, which tracks lines; such files are small in
practice, and the fast path stays as fast as DuckDB.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ddq.db import quote_ident
from ddq.ingest.problems import ImportRejected, Problem

if TYPE_CHECKING:
    import duckdb

# A year of weekly metrics for 1,000 teams in long format is under 5 MB; the benchmark's
# five years for 500 teams is about 40 MB.
MAX_UPLOAD_MB = 200
DELIMITERS = (",", ";", "\t")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


@dataclass
class StagedCsv:
    """A CSV file parsed into the temporary table ``table`` (``line`` plus ``c0``, ``c1``...)."""

    table: str
    header: list[str]
    columns: list[str]
    rows: int
    sha256: str
    encoding: str
    delimiter: str
    problems: list[Problem] = field(default_factory=list)

    def column_for(self, index: int) -> str:
        return self.columns[index]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, file_name: str) -> tuple[str, str]:
    """Decode a file's bytes: UTF-8 (BOM or not), UTF-16 with BOM, else cp1252/Latin-1."""
    if data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    else:
        try:
            return data.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                return data.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                # cp1252 leaves five bytes undefined; Latin-1 maps every byte.
                return data.decode("latin-1"), "latin-1"
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportRejected(
            file_name,
            [
                Problem(
                    line,
                    "",
                    None,
                    f"the file starts with a {encoding} byte-order mark but "
                    "is not valid in that encoding; save it again as UTF-8",
                )
            ],
        ) from exc


def _header_line(text: str) -> str:
    end = len(text)
    for terminator in ("\r", "\n"):
        at = text.find(terminator)
        if at != -1:
            end = min(end, at)
    return text[:end]


def detect_delimiter(header_line: str) -> str:
    """The delimiter is whichever of comma, semicolon and tab the header uses most."""
    counts = {d: _count_outside_quotes(header_line, d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for c in line:
        if c == '"':
            quoted = not quoted
        elif c == char and not quoted:
            count += 1
    return count


def strip_export_quote(value: str) -> str:
    """Undo the ``'`` that a formula-safe export put before ``= + - @`` (see ddq.export)."""
    if (
        len(value) > 1
        and value[0] == "'"
        and value.lstrip("'")[:1] in ("=", "+", "-", "@", "\t", "\r")
    ):
        return value[1:]
    return value


def read_upload(source: Path | bytes, max_mb: float = MAX_UPLOAD_MB) -> bytes:
    data = source if isinstance(source, bytes) else source.read_bytes()
    if len(data) > max_mb * 1024 * 1024:
        raise ImportRejected(
            _name(source),
            [
                Problem(
                    0,
                    "",
                    None,
                    f"the file is {len(data) / 1024 / 1024:.0f} MB, over the "
                    f"{max_mb:g} MB limit; split it into smaller files",
                )
            ],
        )
    return data


def _name(source: Path | bytes) -> str:
    return source.name if isinstance(source, Path) else "upload"


def stage_csv(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    file_name: str,
    *,
    path: Path | None = None,
    table: str = "staged",
) -> StagedCsv:
    """Parse ``data`` (the file's bytes; ``path`` is the same bytes on disk, if they are)."""
    digest: list[str] = []
    hasher = threading.Thread(target=lambda: digest.append(sha256_of(data)))
    hasher.start()  # hashlib releases the GIL: hash while DuckDB parses
    try:
        return _stage(con, data, file_name, path, table, digest, hasher)
    finally:
        hasher.join()


def _stage(con, data, file_name, path, table, digest, hasher) -> StagedCsv:
    nul = data.find(b"\0")
    if nul != -1 and not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        line = data.count(b"\n", 0, nul) + 1
        raise ImportRejected(
            file_name,
            [
                Problem(
                    line,
                    "",
                    None,
                    "the file contains a NUL byte, so it is not a text CSV "
                    "file; export it again as CSV (UTF-8)",
                )
            ],
        )
    # A UTF-8 file is handed to DuckDB as it is, and DuckDB checks its encoding while it
    # parses; only other encodings, or a file DuckDB cannot parse, are decoded here in full.
    text: str | None = None
    encoding = "utf-8-sig" if data.startswith(codecs.BOM_UTF8) else "utf-8"
    ends = [at for at in (data.find(b"\n"), data.find(b"\r")) if at != -1]
    header_end = min(ends) if ends else -1
    try:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise UnicodeDecodeError("utf-16", data[:2], 0, 2, "byte-order mark")
        header_line = data[: None if header_end == -1 else header_end].decode(encoding)
    except UnicodeDecodeError:
        text, encoding = decode(data, file_name)
        header_line = _header_line(text)
    header_line = header_line.removeprefix("\ufeff").rstrip("\r")
    if not header_line.strip() and not (text if text is not None else data).strip():
        raise ImportRejected(file_name, [Problem(0, "", None, "the file is empty")])
    delimiter = detect_delimiter(header_line)
    header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter))]
    columns = [f"c{i}" for i in range(len(header))]

    rows = None
    with tempfile.TemporaryDirectory(prefix="ddq-upload-") as tmp:
        if text is None:
            utf8 = data
            source = path if path is not None else Path(tmp) / "upload.csv"
        else:
            utf8 = text.encode("utf-8")
            source = Path(tmp) / "upload.csv"
        if source != path:
            source.write_bytes(utf8)
        if b"\n" in utf8:
            rows = _stage_with_duckdb(con, source, delimiter, columns, table, utf8)
        if rows is None and text is None:
            text, encoding = decode(data, file_name)
            if encoding not in ("utf-8", "utf-8-sig"):
                source = Path(tmp) / "transcoded.csv"
                utf8 = text.encode("utf-8")
                source.write_bytes(utf8)
                rows = _stage_with_duckdb(con, source, delimiter, columns, table, utf8)
    problems: list[Problem] = []
    if rows is None:
        if text is None:
            text, encoding = decode(data, file_name)
        if "\0" in text:
            line = text.count("\n", 0, text.index("\0")) + 1
            raise ImportRejected(
                file_name,
                [
                    Problem(
                        line, "", None, "the file contains a NUL character; export it again as CSV"
                    )
                ],
            )
        rows, problems = _stage_with_python(con, text, delimiter, columns, table)
    hasher.join()
    return StagedCsv(
        table=table,
        header=header,
        columns=columns,
        rows=rows,
        sha256=digest[0],
        encoding=encoding,
        delimiter=delimiter,
        problems=problems,
    )


def drop_staged(con: duckdb.DuckDBPyConnection, table: str) -> None:
    """Remove a staging table (and the raw table behind it) once an import is done."""
    for name in (table, table + "_raw"):
        kind = con.execute(
            "SELECT table_type FROM information_schema.tables "
            "WHERE table_name = ? AND table_schema = 'main' AND table_catalog = 'temp'",
            [name],
        ).fetchall()
        if kind:
            what = "VIEW" if kind[0][0] == "VIEW" else "TABLE"
            con.execute(f"DROP {what} temp.main.{quote_ident(name)}")


def _physical_records(data: bytes) -> int:
    """Lines after the header, not counting trailing blank lines."""
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    return data.count(b"\n", 0, end)


def _stage_with_duckdb(
    con: duckdb.DuckDBPyConnection,
    source: Path,
    delimiter: str,
    columns: list[str],
    table: str,
    data: bytes,
) -> int | None:
    """Parse with DuckDB; None when line numbers cannot be derived from row positions."""
    column_types = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
    raw = quote_ident(table + "_raw")
    drop_staged(con, table)
    import duckdb

    try:
        con.execute(
            f"""
            CREATE TEMP TABLE {raw} AS
            SELECT * FROM read_csv(
                ?, delim = ?, quote = '"', escape = '"', header = false, skip = 1,
                auto_detect = false, columns = {column_types}, strict_mode = true,
                store_rejects = true, rejects_table = 'ddq_rejects',
                rejects_scan = 'ddq_reject_scans'
            )
            """,
            [str(source), delimiter],
        )
    except duckdb.InvalidInputException:
        # DuckDB's strict parser refuses some files outright (mixed line endings, for one);
        # the Python reader then parses them and says what is wrong, line by line.
        con.execute("DROP TABLE IF EXISTS ddq_rejects; DROP TABLE IF EXISTS ddq_reject_scans")
        drop_staged(con, table)
        return None
    rejected = con.execute("SELECT count(*) FROM ddq_rejects").fetchone()[0]
    con.execute("DROP TABLE IF EXISTS ddq_rejects; DROP TABLE IF EXISTS ddq_reject_scans")
    count = con.execute(f"SELECT count(*) FROM {raw}").fetchone()[0]
    if rejected or count != _physical_records(data):
        drop_staged(con, table)
        return None
    # Rows keep file order (insertion order is preserved), so rowid 0 is line 2.
    con.execute(f"CREATE TEMP VIEW {quote_ident(table)} AS SELECT rowid + 2 AS line, * FROM {raw}")
    return count


def _stage_with_python(
    con: duckdb.DuckDBPyConnection, text: str, delimiter: str, columns: list[str], table: str
) -> tuple[int, list[Problem]]:
    import pyarrow as pa

    problems: list[Problem] = []
    reader = csv.reader(
        io.StringIO(text.removeprefix("\ufeff"), newline=""), delimiter=delimiter, strict=True
    )
    lines: list[int] = []
    cells: list[list[str]] = [[] for _ in columns]
    next_line = 1
    width = len(columns)
    try:
        for record in reader:
            start, next_line = next_line, reader.line_num + 1
            if start == 1:
                continue  # the header
            if not record or (len(record) == 1 and not record[0].strip() and width > 1):
                continue  # a blank line
            if len(record) != width:
                problems.append(
                    Problem(
                        start,
                        "",
                        None,
                        f"has {len(record)} fields where the header has "
                        f"{width}; check for a missing or extra {_DELIMITER_NAMES[delimiter]}",
                    )
                )
                continue
            lines.append(start)
            for i, value in enumerate(record):
                cells[i].append(value)
    except csv.Error as exc:
        problems.append(
            Problem(
                next_line,
                "",
                None,
                f"cannot be read as CSV ({exc}); a quoted field "
                'that starts here is probably never closed with a "',
            )
        )
    arrays = {"line": pa.array(lines, pa.int64())}
    arrays |= {c: pa.array(values, pa.string()) for c, values in zip(columns, cells, strict=True)}
    staged = pa.table(arrays)  # noqa: F841 - read by the query below
    drop_staged(con, table)
    con.execute(f"CREATE TEMP TABLE {quote_ident(table)} AS SELECT * FROM staged")
    return len(lines), problems
