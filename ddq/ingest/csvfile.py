"""Reading an uploaded CSV file into a staging table, with physical line numbers.

Every importer starts here. :func:`read_upload` checks any uploaded file, CSV or JSON,
before anything parses it: its size, and that it is text (compressed, archived, Office,
PDF and other binary files are refused by what they look like). Then the CSV file's bytes
are checked in Python (encoding, the delimiter of the header line) and its rows are parsed
by DuckDB's own CSV reader into a temporary table of text columns plus ``line``, the
physical line on which each record starts. DuckDB parses in an in-memory database of its
own that may read only the upload's temporary folder (and the caller's file, when it is
read from where it lies), never in the caller's database, whose file access other
sessions need. When a file has blank lines, quoted line breaks, ragged rows or an
unterminated quote, line numbers cannot be derived from row positions, so the file is
parsed again with Python's csv module, which tracks lines; such files are small in
practice, and the fast path stays close to a bare DuckDB load.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ddq.db import quote_ident, scalar, temp_table, temp_table_from
from ddq.export import FORMULA_START_PATTERN
from ddq.ingest.problems import ImportRejected, Problem

# A year of weekly metrics for 1,000 teams in long format is under 5 MB; the benchmark's
# five years for 500 teams is 44 MB. The app takes its limit from Streamlit's
# server.maxUploadSize (.streamlit/config.toml), which is set to this; the ddq command
# passes no limit (an administrator's file on disk).
MAX_UPLOAD_MB = 50
_MB = 1024 * 1024  # Streamlit counts maxUploadSize in these
# Columns a file may have: a Jira export of every field runs to a few hundred, a wide
# metrics file has one per metric. More is not a table of rows but something else, and
# parsing 20,000 columns takes seconds and hundreds of MB before saying so.
MAX_COLUMNS = 1_000
# The longest header line read: 1,000 columns of 100 characters. A longer first line has
# no line break where one belongs.
MAX_HEADER_CHARS = 100_000
# The longest cell Python's CSV reader takes (131,072 characters); Jira itself keeps a text
# field under 32,767. A longer one means a row that never ends.
MAX_CELL_CHARS = csv.field_size_limit()
DELIMITERS = (",", ";", "\t")
_FORMULA_START = re.compile(FORMULA_START_PATTERN)
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
    if len(value) > 1 and value[0] == "'" and _FORMULA_START.match(value[1:]):
        return value[1:]
    return value


# What a file that is not text looks like: its first bytes, what it is, and what to do.
_DECOMPRESS = "ddq does not decompress files: decompress it and upload the file inside"
_UNPACK = "ddq does not unpack archives: extract the file from it and upload that"
_MAGIC: tuple[tuple[bytes, str, str], ...] = (
    (b"\x1f\x8b", "a gzip-compressed file", _DECOMPRESS),
    (b"\xfd7zXZ\x00", "an xz-compressed file", _DECOMPRESS),
    (b"\x28\xb5\x2f\xfd", "a zstd-compressed file", _DECOMPRESS),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive", _UNPACK),
    (b"Rar!\x1a\x07", "a RAR archive", _UNPACK),
    (b"%PDF-", "a PDF document",
     "ddq reads CSV and JSON text files: export the data from where it comes from as CSV"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an Excel 97-2003 workbook (.xls) or another old "
     "Office file", "open it, save it as CSV UTF-8 (comma delimited), and upload that"),
)  # fmt: skip
# A bzip2 stream's first block, or the end of an empty stream, follows its 4-byte header.
_BZIP2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")
_ZIP = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# A zip file names its members in plain bytes, near the start and in the directory at the end.
_ZIPPED_DOCUMENTS: tuple[tuple[bytes, str, str], ...] = (
    (b"xl/workbook.", "an Excel workbook (.xlsx)",
     "open it in Excel, save it as CSV UTF-8 (comma delimited), and upload that"),
    (b"mimetypeapplication/vnd.oasis.opendocument.spreadsheet",
     "an OpenDocument spreadsheet (.ods)", "save it as CSV (UTF-8) and upload that"),
    (b"word/document.xml", "a Word document (.docx)",
     "ddq reads CSV and JSON text files: put the data in a spreadsheet and save it as CSV"),
)  # fmt: skip
_ZIP_LOOK = 65536  # bytes searched for a member's name at each end of a zip file


def check_upload(data: bytes, file_name: str, *, max_mb: float | None = MAX_UPLOAD_MB) -> None:
    """Refuse a file over ``max_mb`` (None: no limit) or one that is not text.

    Runs before anything parses the file. A NUL byte means binary, except in UTF-16 with a
    byte-order mark, where only a NUL character does.
    """
    if max_mb is not None and len(data) > max_mb * _MB:
        raise _too_large(file_name, len(data), max_mb)
    reason = _not_text(data)
    if reason is not None:
        line, what = reason
        raise ImportRejected(file_name, [Problem(line, "", None, what)])


def read_upload(
    source: Path | bytes, file_name: str, *, max_mb: float | None = MAX_UPLOAD_MB
) -> bytes:
    """The file's bytes, once :func:`check_upload` accepts them (a file on disk is measured
    before it is read)."""
    if isinstance(source, Path):
        size = source.stat().st_size
        if max_mb is not None and size > max_mb * _MB:
            raise _too_large(file_name, size, max_mb)
        source = source.read_bytes()
    check_upload(source, file_name, max_mb=max_mb)
    return source


def _too_large(file_name: str, size: int, max_mb: float) -> ImportRejected:
    return ImportRejected(
        file_name,
        [
            Problem(
                0,
                "",
                None,
                f"the file is {size / _MB:.1f} MB, over the {max_mb:g} MB upload limit; split "
                "it into smaller files, or ask an administrator to import it with the ddq "
                "command (which has no limit) or to raise server.maxUploadSize in "
                ".streamlit/config.toml",
            )
        ],
    )


def _not_text(data: bytes) -> tuple[int, str] | None:
    """(line, reason) when the bytes are not a text file, else None."""
    head = data[:16]
    if head.startswith(_ZIP):
        ends = data[:_ZIP_LOOK] + data[-_ZIP_LOOK:]
        for name, what, todo in _ZIPPED_DOCUMENTS:
            if name in ends:
                return 0, f"the file looks like {what}, not a text file; {todo}"
        return 0, f"the file looks like a ZIP archive, not a text file; {_UNPACK}"
    if head.startswith(b"BZh") and head[3:4].isdigit() and head[4:10] in _BZIP2_BLOCKS:
        return 0, f"the file looks like a bzip2-compressed file, not a text file; {_DECOMPRESS}"
    for magic, what, todo in _MAGIC:
        if head.startswith(magic):
            return 0, f"the file looks like {what}, not a text file; {todo}"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        nul = _utf16_nul(data)
        if nul == -1:
            return None
        line = data[:nul].decode("utf-16", errors="replace").count("\n") + 1
    else:
        nul = data.find(b"\0")
        if nul == -1:
            return None
        line = data.count(b"\n", 0, nul) + 1
    return line, (
        "the file contains a NUL byte, so it is not a text file (a spreadsheet, an archive "
        "or another binary file); export the data again as CSV (UTF-8)"
    )


def _utf16_nul(data: bytes) -> int:
    """Where UTF-16 ``data`` (after its byte-order mark) holds a NUL character, or -1."""
    at = data.find(b"\0\0", 2)
    while at != -1 and at % 2:  # a NUL high byte, then a NUL low byte: two characters
        at = data.find(b"\0\0", at + 1)
    return at


# The copies of an upload that a parse reads, in the upload's own temporary folder.
_UPLOAD_COPIES = ("upload.csv", "transcoded.csv")


@contextmanager
def parse_connection(folder: Path, file: Path | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB that can reach the upload's copies in ``folder`` (and ``file``,
    if given) and no other file.

    File access is a setting of a whole database instance, and once off it cannot be turned
    on again: every parse gets an instance of its own, closed afterwards. Other files,
    attaching databases, loading extensions and changing settings are refused; the only
    files it could write are those same temporary copies and its spill folder (for a parse
    bigger than memory), which nothing reads afterwards.
    ddq runs only its own queries here.
    """
    con = duckdb.connect(":memory:", config={"temp_directory": str(folder / "spill")})
    try:
        paths = [str(folder / name) for name in _UPLOAD_COPIES]
        con.execute("SET allowed_paths = ?", [paths + ([str(file)] if file is not None else [])])
        con.execute("SET allowed_directories = ?", [[str(folder / "spill")]])
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        yield con
    finally:
        con.close()


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


def _stage(
    con: duckdb.DuckDBPyConnection,
    data: bytes,
    file_name: str,
    path: Path | None,
    table: str,
    digest: list[str],
    hasher: threading.Thread,
) -> StagedCsv:
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
    if len(header_line) > MAX_HEADER_CHARS:
        raise ImportRejected(file_name, [Problem(1, "", None, (
            f"the first line is {len(header_line):,} characters long; a header line has at "
            f"most {MAX_HEADER_CHARS:,} (ddq.ingest.csvfile.MAX_HEADER_CHARS). Check that the "
            "file is a CSV with one row per line"
        ))])  # fmt: skip
    delimiter = detect_delimiter(header_line)
    try:
        header = [h.strip() for h in next(csv.reader([header_line], delimiter=delimiter))]
    except csv.Error as exc:
        raise ImportRejected(file_name, [Problem(1, "", None, (
            f"the header line cannot be read as CSV ({exc}); check its quotes"
        ))]) from None  # fmt: skip
    if len(header) > MAX_COLUMNS:
        raise ImportRejected(file_name, [Problem(1, "", None, (
            f"the header has {len(header):,} columns; ddq reads files of at most "
            f"{MAX_COLUMNS:,} (ddq.ingest.csvfile.MAX_COLUMNS). Export only the columns "
            "the import needs"
        ))])  # fmt: skip
    columns = [f"c{i}" for i in range(len(header))]

    rows = None
    with tempfile.TemporaryDirectory(prefix="ddq-upload-") as tmp:
        folder = Path(tmp)
        on_disk = path is not None and text is None  # DuckDB reads the caller's file itself
        source = path.resolve() if path is not None and on_disk else folder / "upload.csv"
        utf8 = data if text is None else text.encode("utf-8")
        if not on_disk:
            source.write_bytes(utf8)
        with parse_connection(folder, source if on_disk else None) as parser:
            if b"\n" in utf8:
                rows = _stage_with_duckdb(con, parser, source, delimiter, columns, table, utf8)
            if rows is None and text is None:
                text, encoding = decode(data, file_name)
                if encoding not in ("utf-8", "utf-8-sig"):
                    source = folder / "transcoded.csv"
                    utf8 = text.encode("utf-8")
                    source.write_bytes(utf8)
                    rows = _stage_with_duckdb(con, parser, source, delimiter, columns, table, utf8)
    problems: list[Problem] = []
    if rows is None:
        if text is None:
            text, encoding = decode(data, file_name)
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
    parser: duckdb.DuckDBPyConnection,
    source: Path,
    delimiter: str,
    columns: list[str],
    table: str,
    data: bytes,
) -> int | None:
    """Parse in ``parser``, keep the rows in ``con``; None when line numbers cannot be
    derived from row positions."""
    column_types = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in columns) + "}"
    raw = quote_ident(table + "_raw")
    drop_staged(con, table)
    try:
        parsed = _ArrowStream(
            parser.sql(
                f"""
            SELECT * FROM read_csv(
                $source, delim = $delimiter, quote = '"', escape = '"', header = false,
                skip = 1, auto_detect = false, columns = {column_types}, strict_mode = true,
                store_rejects = true, rejects_table = 'ddq_rejects',
                rejects_scan = 'ddq_reject_scans'
            )
            """,
                params={"source": str(source), "delimiter": delimiter},
            )
        )
        # The rows stream across in file order, and the table keeps its insertion order.
        temp_table_from(con, table + "_raw", parsed)
    except duckdb.InvalidInputException:
        # DuckDB's strict parser refuses some files outright (mixed line endings, for one);
        # the Python reader then parses them and says what is wrong, line by line.
        parser.execute("DROP TABLE IF EXISTS ddq_rejects; DROP TABLE IF EXISTS ddq_reject_scans")
        drop_staged(con, table)
        return None
    # Fetched to the end: an unfinished result would block the next parse on this connection.
    [(rejected,)] = parser.execute("SELECT count(*) FROM ddq_rejects").fetchall()
    parser.execute("DROP TABLE IF EXISTS ddq_rejects; DROP TABLE IF EXISTS ddq_reject_scans")
    count: int = scalar(con, f"SELECT count(*) FROM {raw}")
    if rejected or count != _physical_records(data):
        drop_staged(con, table)
        return None
    # Rows keep file order (insertion order is preserved), so rowid 0 is line 2.
    con.execute(f"CREATE TEMP VIEW {quote_ident(table)} AS SELECT rowid + 2 AS line, * FROM {raw}")
    return count


class _ArrowStream:
    """A parse, handed to the caller's database as an Arrow C stream.

    Through the Arrow PyCapsule interface rather than a pyarrow reader: the rows move the
    same way, and the command that imports a file does not load pyarrow (and numpy behind
    it, a fifth of a second) to do so. DuckDB asks for the stream more than once while it
    binds the scan; each request starts the parse again, and only the last is read to the
    end.
    """

    def __init__(self, relation: duckdb.DuckDBPyRelation) -> None:
        self._relation = relation

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self._relation.__arrow_c_stream__(requested_schema)


def _stage_with_python(
    con: duckdb.DuckDBPyConnection, text: str, delimiter: str, columns: list[str], table: str
) -> tuple[int, list[Problem]]:
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
        if "field larger than field limit" in str(exc):
            reason = (f"a cell here is longer than {MAX_CELL_CHARS:,} characters, the most ddq "
                      "reads in one cell: a row that never ends, or a quote that is never "
                      'closed with a "')  # fmt: skip
        else:
            reason = (f"cannot be read as CSV ({exc}); a quoted field that starts here is "
                      'probably never closed with a "')  # fmt: skip
        problems.append(Problem(next_line, "", None, reason))
    drop_staged(con, table)
    # As list parameters: as quick as building Arrow arrays, without loading pyarrow.
    temp_table(con, table, {"line": lines, **dict(zip(columns, cells, strict=True))},
               {"line": "BIGINT"})  # fmt: skip
    return len(lines), problems
