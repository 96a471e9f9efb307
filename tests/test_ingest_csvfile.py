"""ddq.ingest.csvfile: what every upload goes through before and while it is parsed.

The size limit, the refusal of compressed, archived and binary files (CSV and JSON alike,
before anything parses them), and the in-memory DuckDB that parses a CSV file with file
access limited to the upload's temporary folder.
"""

from __future__ import annotations

import bz2
import codecs
import gzip
import io
import json
import lzma
import zipfile
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest
from conftest import TODAY

from ddq import db
from ddq.access import ADMIN, Actor
from ddq.ingest import bugs, csvfile, github, metrics, roster
from ddq.ingest.bugs import import_bugs
from ddq.ingest.csvfile import MAX_UPLOAD_MB, check_upload, parse_connection
from ddq.ingest.metrics import import_metrics
from ddq.ingest.problems import ImportRejected, Problem
from ddq.ingest.roster import import_roster

WHO = Actor("t", ADMIN)

METRICS = b"team,week,metric,value\nAlpha,2025-03-03,open_bugs,1\nAlpha,2025-03-10,open_bugs,2\n"
ROSTER = b"area,team,champion,email,since\nCore,Alpha,Ann Lee,ann@example.com,2025-01-06\n"
JIRA = b"Issue key,Summary,Issue Type,Status,Priority,Created\nAB-1,a,Bug,Open,Major,2025-03-03\n"
ISSUES = json.dumps(
    [{"number": 1, "title": "a", "state": "open", "created_at": "2025-03-03T10:00:00Z",
      "repository_url": "https://api.github.com/repos/acme/shop"}]
).encode()  # fmt: skip


def everything(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table: what "nothing stored changes" compares."""
    with db.connect(path) as con:
        tables = con.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY 1"
        ).fetchall()
        return {
            name: con.execute(f'SELECT * FROM "{name}" ORDER BY ALL').fetchall()
            for (name,) in tables
        }


def run_import(path: Path, kind: str, data: bytes | Path, **kwargs):
    with db.connect(path) as con:
        if kind == "metrics":
            return import_metrics(con, data, file_name="m.csv", who=WHO, today=TODAY, **kwargs)
        if kind == "roster":
            return import_roster(con, data, file_name="r.csv", who=WHO, today=TODAY, **kwargs)
        if kind == "jira":
            return import_bugs(con, data, file_name="b.csv", who=WHO, today=TODAY, **kwargs)
        return import_bugs(con, data, file_name="b.json", who=WHO, format="github",
                           today=TODAY, **kwargs)  # fmt: skip


def refused(path: Path, kind: str, data: bytes | Path, **kwargs) -> Problem:
    """The one problem an import reports, after checking that nothing stored changed."""
    before = everything(path)
    with pytest.raises(ImportRejected) as info:
        run_import(path, kind, data, **kwargs)
    assert everything(path) == before
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0]


@pytest.fixture
def no_parsing(monkeypatch):
    """Fail the test if any importer gets as far as parsing the file."""

    def parse(*args, **kwargs):
        raise AssertionError("the file was parsed")

    for module in (metrics, roster, bugs.staging):
        monkeypatch.setattr(module, "stage_csv", parse)
    monkeypatch.setattr(github, "parse_issues", parse)


KINDS = ["metrics", "roster", "jira", "github"]
GOOD = {"metrics": METRICS, "roster": ROSTER, "jira": JIRA, "github": ISSUES}


# --- the size limit ---------------------------------------------------------------------------


def test_the_default_limit_is_the_apps_configured_limit():
    import tomllib

    config = tomllib.loads((Path(__file__).parents[1] / ".streamlit/config.toml").read_text())
    assert config["server"]["maxUploadSize"] == MAX_UPLOAD_MB == 50


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_over_the_limit_is_refused_with_its_size_and_what_to_do(make_db, no_parsing, kind):
    path = make_db("Alpha")
    data = GOOD[kind] + b" " * (1024 * 1024)  # just over 1 MB
    problem = refused(path, kind, data, max_mb=1)
    assert problem.line == 0
    assert problem.reason.startswith("the file is 1.0 MB, over the 1 MB upload limit; ")
    assert "split it into smaller files" in problem.reason
    assert "ddq command" in problem.reason and "server.maxUploadSize" in problem.reason


def test_a_file_on_disk_is_measured_before_it_is_read(make_db, write_file, monkeypatch):
    path = make_db("Alpha")
    big = write_file("big.csv", METRICS + b"x" * 2000)

    def unread(self):
        raise AssertionError("read")

    monkeypatch.setattr(Path, "read_bytes", unread)
    problem = refused(path, "metrics", big, max_mb=0.001)
    assert "over the 0.001 MB upload limit" in problem.reason


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_under_the_limit_is_imported(make_db, kind):
    path = make_db("Alpha")
    assert run_import(path, kind, GOOD[kind], max_mb=1).changes_anything


def test_no_limit_takes_any_size(make_db):
    path = make_db("Alpha")
    data = METRICS + b"Alpha,2025-03-17,open_bugs,3\n" + b"\n" * 2000
    with pytest.raises(ImportRejected):
        run_import(path, "metrics", data, max_mb=0.001)
    assert run_import(path, "metrics", data, max_mb=None).added == 3


def test_the_ddq_command_has_no_limit(db_path, write_file, monkeypatch):
    from click.testing import CliRunner

    from ddq.cli import main

    seen = []

    def spy(*args, **kwargs):
        seen.append(kwargs["max_mb"])
        raise ImportRejected("m.csv", [Problem(0, "", None, "stop here")])

    monkeypatch.setattr(metrics, "import_metrics", spy)
    monkeypatch.setattr(roster, "import_roster", spy)
    monkeypatch.setattr(bugs, "import_bugs", spy)
    file = write_file("m.csv", METRICS)
    for kind in ("metrics", "roster", "bugs"):
        result = CliRunner().invoke(main, ["--db", str(db_path), "import", kind, str(file)])
        assert result.exit_code != 0 and "stop here" in result.output
    assert seen == [None, None, None]


# --- compressed, archived and binary files ----------------------------------------------------


def _zip(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            compress = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            archive.writestr(name, content, compress_type=compress)
    return buffer.getvalue()


BINARY = {
    "xlsx": (
        _zip(("[Content_Types].xml", b"<Types/>" * 50), ("_rels/.rels", b"<r/>"),
             ("xl/workbook.xml", b"<workbook/>"), ("xl/worksheets/sheet1.xml", b"<s/>")),
        "the file looks like an Excel workbook (.xlsx), not a text file; open it in Excel, "
        "save it as CSV UTF-8",
    ),
    "ods": (
        _zip(("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
             ("content.xml", b"<office/>")),
        "an OpenDocument spreadsheet (.ods), not a text file; save it as CSV",
    ),
    "docx": (
        _zip(("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w/>")),
        "a Word document (.docx), not a text file; ddq reads CSV and JSON text files",
    ),
    "zip": (
        _zip(("metrics.csv", METRICS)),
        "a ZIP archive, not a text file; ddq does not unpack archives: extract the file",
    ),
    "gzip": (
        gzip.compress(METRICS),
        "a gzip-compressed file, not a text file; ddq does not decompress files: decompress it",
    ),
    "bzip2": (bz2.compress(METRICS), "a bzip2-compressed file, not a text file; ddq does not "),
    "bzip2-empty": (bz2.compress(b""), "a bzip2-compressed file"),
    "xz": (lzma.compress(METRICS), "an xz-compressed file, not a text file; ddq does not "),
    # The frame header of a zstd file; the standard library cannot write one before 3.14.
    "zstd": (b"\x28\xb5\x2f\xfd\x24\x47\x39\x01\x00" + METRICS, "a zstd-compressed file"),
    "7z": (b"7z\xbc\xaf\x27\x1c\x00\x04" + b"\x11" * 24, "a 7-Zip archive, not a text file; "
           "ddq does not unpack archives"),
    "rar": (b"Rar!\x1a\x07\x01\x00" + b"\x33" * 24, "a RAR archive, not a text file; ddq does "
            "not unpack archives"),
    "pdf": (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
            "a PDF document, not a text file; ddq reads CSV and JSON text files: export the "
            "data from where it comes from as CSV"),
    "xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 24 + b"\x3e\x00\x03\x00",
            "an Excel 97-2003 workbook (.xls) or another old Office file, not a text file; "
            "open it, save it as CSV UTF-8"),
}  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sample", list(BINARY))
def test_compressed_and_binary_files_are_refused_before_parsing(make_db, no_parsing, kind, sample):
    path = make_db("Alpha")
    data, expected = BINARY[sample]
    problem = refused(path, kind, data)
    assert problem.line == 0 and problem.column == "" and problem.value is None
    assert expected in problem.reason


@pytest.mark.parametrize("kind", KINDS)
def test_a_nul_byte_means_binary_and_names_its_line(make_db, no_parsing, kind):
    path = make_db("Alpha")
    lines = GOOD[kind].rstrip(b"\n").split(b"\n")
    data = b"\n".join(lines) + b"\n\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"  # a PNG appended
    problem = refused(path, kind, data)
    assert problem.line == len(lines) + 3  # the PNG starts a line, its NUL two lines on
    assert problem.reason.startswith("the file contains a NUL byte, so it is not a text file")
    assert problem.reason.endswith("export the data again as CSV (UTF-8)")


def test_a_file_on_disk_is_refused_the_same_way(make_db, write_file, no_parsing):
    path = make_db("Alpha")
    problem = refused(path, "metrics", write_file("m.csv.gz", gzip.compress(METRICS)))
    assert "a gzip-compressed file" in problem.reason


@pytest.mark.parametrize(
    "data",
    [
        b"BZh91AY,week\n",  # text that starts like bzip2's header
        b"PK,team\n1,2\n",  # and like a zip file's
        codecs.BOM_UTF16_LE + "team,week\nAlpha,2025-03-03\n".encode("utf-16-le"),
        codecs.BOM_UTF16_BE + "a\u0100,b\n".encode("utf-16-be"),  # NUL bytes, no NUL character
        codecs.BOM_UTF16_LE + "a\u0100\u0100b\n".encode("utf-16-le"),
        b"",
    ],
)
def test_text_is_accepted(data):
    check_upload(data, "x.csv")


def test_a_utf16_file_with_a_bom_imports_despite_its_nul_bytes(make_db):
    path = make_db("Équipe Ā")
    text = "team\tweek\tmetric\tvalue\r\nÉquipe Ā\t2025-03-03\topen_bugs\t1\r\n"
    for encoded in (
        codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
    ):
        assert run_import(path, "metrics", encoded).values == 1


def test_a_nul_character_in_a_utf16_file_is_refused_with_its_line(make_db):
    path = make_db("Alpha")
    text = "team,week,metric,value\nAlpha,2025-03-03,open_bugs,1\nAlpha\0,2025-03-10,open_bugs,2\n"
    problem = refused(path, "metrics", codecs.BOM_UTF16_LE + text.encode("utf-16-le"))
    assert problem.line == 3 and "NUL" in problem.reason


# --- parsing with file access limited to the upload's folder ----------------------------------


def test_the_parse_connection_reads_its_folder_and_nothing_else(tmp_path):
    folder = tmp_path / "upload"
    folder.mkdir()
    (folder / "upload.csv").write_text("a,b\n1,2\n")
    outside = tmp_path / "secret.csv"
    outside.write_text("a,b\n3,4\n")
    with parse_connection(folder) as con:
        assert con.execute(
            "SELECT * FROM read_csv(?)", [str(folder / "upload.csv")]
        ).fetchall() == [(1, 2)]
        for sql in (
            f"SELECT * FROM read_csv('{outside}')",
            f"SELECT * FROM read_csv('{folder}/../secret.csv')",
            f"SELECT * FROM read_text('{outside}')",
            "SELECT * FROM read_text('/etc/hostname')",
            f"SELECT * FROM glob('{tmp_path}/*')",
            f"COPY (SELECT 1) TO '{tmp_path}/out.csv'",
            f"COPY (SELECT 1) TO '{folder}/out.csv'",  # not even beside the upload
            f"ATTACH '{tmp_path}/other.duckdb'",
            "SET enable_external_access = true",
            "SET allowed_directories = ['/']",
            "SET temp_directory = '/tmp'",
            "LOAD httpfs",
        ):
            with pytest.raises(duckdb.Error):
                con.execute(sql)
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "other.duckdb").exists()
    assert not (folder / "out.csv").exists()


def test_a_named_file_is_readable_but_not_its_neighbours(tmp_path):
    folder = tmp_path / "upload"
    folder.mkdir()
    mine, neighbour = tmp_path / "mine.csv", tmp_path / "neighbour.csv"
    mine.write_text("a\n1\n")
    neighbour.write_text("a\n2\n")
    with parse_connection(folder, mine) as con:
        assert con.execute("SELECT * FROM read_csv(?)", [str(mine)]).fetchall() == [(1,)]
        with pytest.raises(duckdb.PermissionException):
            con.execute("SELECT * FROM read_csv(?)", [str(neighbour)])


@pytest.mark.parametrize("on_disk", [False, True])
def test_imports_parse_in_the_limited_connection(make_db, write_file, monkeypatch, on_disk):
    path = make_db("Alpha")
    seen: list = []
    real = csvfile.parse_connection

    @contextmanager
    def spy(folder, file=None):
        with real(folder, file) as con:
            settings = con.execute(
                "SELECT current_setting('enable_external_access'), "
                "current_setting('allowed_directories'), current_setting('allowed_paths')"
            ).fetchall()[0]
            seen.append((folder, file, settings))
            yield con

    monkeypatch.setattr(csvfile, "parse_connection", spy)
    source = write_file("m.csv", METRICS) if on_disk else METRICS
    assert run_import(path, "metrics", source).added == 2
    [(folder, _, (external, directories, paths))] = seen
    assert folder.name.startswith("ddq-upload-") and not folder.exists()
    assert external is False
    assert [Path(d) for d in directories] == [folder / "spill"]
    copies = [str(folder / "upload.csv"), str(folder / "transcoded.csv")]
    assert set(paths) == {*copies, *([str(source.resolve())] if on_disk else [])}


def test_the_database_connection_reaches_no_file_before_or_after_an_import(make_db, tmp_path):
    """The parse has an instance of its own; the database's connection never reaches files."""
    path = make_db("Alpha")
    with db.connect(path) as con:
        setting = "SELECT current_setting('enable_external_access')"
        assert con.execute(setting).fetchone() == (False,)
        import_metrics(con, METRICS, file_name="m.csv", who=WHO, today=TODAY)
        assert con.execute(setting).fetchone() == (False,)
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"COPY (SELECT 1 AS one) TO '{tmp_path / 'export.csv'}'")


def test_rows_keep_their_physical_lines_across_batches(make_db):
    """5,000 rows cross to the caller's database in several chunks of DuckDB's 2,048."""
    path = make_db()
    rows = [f"Team {i},2025-03-03,open_bugs,{i % 7}" for i in range(5000)]
    rows[4319] = "Team 4319,2025-03-03,open_bugs,1.5"  # line 4321
    rows[4998] = "Team 4998,2025-03-03,test_pass_rate,101"  # line 5000
    data = ("team,week,metric,value\n" + "\n".join(rows) + "\n").encode()
    with pytest.raises(ImportRejected) as info:
        run_import(path, "metrics", data, create_teams=True)
    assert [(p.line, p.value) for p in info.value.problems] == [(4321, "1.5"), (5000, "101")]


def test_a_rejection_comes_back_whole_from_a_pickle():
    """The app's preview cache pickles what a check returns, rejections included."""
    import pickle

    rejected = ImportRejected("f.csv", [Problem(3, "value", "x", "not a number"),
                                        Problem(2, "team", "Paymnts", "unknown team")], hidden=5)  # fmt: skip
    again = pickle.loads(pickle.dumps(rejected))
    assert (again.file_name, again.problems, again.count) == ("f.csv", rejected.problems, 7)
    assert str(again) == str(rejected)
