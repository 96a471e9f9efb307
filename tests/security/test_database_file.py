"""A database file is data, not code: what it brings with it is neither run nor trusted."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ddq import db
from ddq.errors import ForeignCatalog
from ddq.schema import foreign_objects, up_to_date

SECRET = "the hostname of this machine"


def tampered(tmp_path: Path, *statements: str) -> Path:
    """A ddq database, then changed by hand (in a connection that may do anything)."""
    path = tmp_path / "tampered.duckdb"
    with db.connect(path):
        pass
    db.forget_migrated(path)
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    raw = duckdb.connect(str(path))
    try:
        for statement in statements:
            raw.execute(statement.replace("SECRET_FILE", str(secret)))
    finally:
        raw.close()
    return path


SETTINGS_VIEW = (
    "DROP TABLE settings",
    "CREATE VIEW settings AS SELECT 'program_name' AS key, content AS value, "
    "now()::TIMESTAMP AS updated_at, 'x' AS updated_by FROM read_text('SECRET_FILE')",
)


@pytest.mark.parametrize(("statements", "named"), [
    (SETTINGS_VIEW, "a view 'settings'"),
    (("CREATE MACRO lower(x) AS 'hacked'",), "a macro 'lower'"),
    (("CREATE TABLE extra (a INTEGER)",), "a table 'extra'"),
    (("ALTER TABLE teams ADD COLUMN note VARCHAR",), "a changed table 'teams'"),
    (("CREATE SEQUENCE mine",), "a sequence 'mine'"),
    (("ALTER TABLE teams ALTER COLUMN name SET DEFAULT 'x'",), "a changed table 'teams'"),
    (("CREATE TRIGGER mine AFTER INSERT ON audit_log FOR EACH STATEMENT "
      "DELETE FROM teams",), "a trigger 'mine'"),
    # Macros named like the built-ins the check itself uses: they shadow a built-in in this
    # file's queries, so the check names every built-in in full and would still see them.
    (("CREATE MACRO duckdb_functions() AS TABLE SELECT * FROM system.main.duckdb_functions() "
      "WHERE internal", "CREATE MACRO lower(x) AS 'hacked'"), "a macro 'duckdb_functions'"),
    (("CREATE MACRO duckdb_tables() AS TABLE SELECT * FROM system.main.duckdb_tables() "
      "WHERE false", "CREATE TABLE extra (a INTEGER)"), "(and 1 more)"),
    (("CREATE MACRO current_database() AS 'elsewhere'",), "a macro 'current_database'"),
    (("CREATE MACRO \"||\"(a, b) AS 'x'",), "a macro '||'"),
])  # fmt: skip
def test_objects_ddq_did_not_create_are_refused_by_name(tmp_path, statements, named):
    path = tampered(tmp_path, *statements)
    with pytest.raises(ForeignCatalog) as refused, db.connect(path):
        pass
    assert named in str(refused.value)
    assert "ddq check" in str(refused.value)


def test_a_macro_hiding_tables_from_the_check_hides_nothing(tmp_path):
    path = tampered(
        tmp_path,
        "CREATE MACRO duckdb_tables() AS TABLE SELECT * FROM system.main.duckdb_tables() "
        "WHERE false",
        "CREATE TABLE extra (a INTEGER)",
    )
    with db.connect(path, trust_catalog=True) as con:
        assert not up_to_date(con)
        assert foreign_objects(con) == [
            "a macro 'duckdb_tables' of its own",
            "a table 'extra' of its own",
        ]


def test_ddq_check_lists_them_without_running_them(tmp_path):
    path = tampered(tmp_path, *SETTINGS_VIEW, "CREATE MACRO lower(x) AS 'hacked'")
    result = subprocess.run([sys.executable, "-m", "ddq.cli", "--db", str(path), "check"],
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 1
    assert "FAIL the database holds only what ddq created: a macro 'lower' of its own; " \
           "a view 'settings' of its own" in result.stdout  # fmt: skip
    assert SECRET not in result.stdout + result.stderr
    assert "Traceback" not in result.stderr


def test_the_connection_reaches_no_file_and_loads_no_extension(tmp_path):
    with db.connect(tmp_path / "fine.duckdb") as con:
        settings = dict(con.execute(
            "SELECT name, value FROM duckdb_settings() WHERE name IN ('enable_external_access', "
            "'autoload_known_extensions', 'autoinstall_known_extensions', "
            "'allow_community_extensions', 'lock_configuration')"
        ).fetchall())  # fmt: skip
        assert set(settings.values()) <= {"false", "true"}
        assert settings["enable_external_access"] == "false"
        assert settings["autoload_known_extensions"] == "false"
        assert settings["autoinstall_known_extensions"] == "false"
        assert settings["lock_configuration"] == "true"
        with pytest.raises(duckdb.Error):
            con.execute("SELECT * FROM read_text('/etc/hostname')").fetchall()
        with pytest.raises(duckdb.Error):
            con.execute(f"ATTACH '{tmp_path / 'other.duckdb'}'")
        with pytest.raises(duckdb.Error):
            con.execute("SET enable_external_access = true")


def test_the_app_shows_a_refusal_not_the_files_content(tmp_path, monkeypatch, page):
    path = tampered(tmp_path, *SETTINGS_VIEW)
    monkeypatch.setenv("DDQ_DB", str(path))
    at = page("app.py").run()
    assert not at.exception
    shown = " ".join(e.value for e in at.error) + " ".join(m.value for m in at.sidebar.markdown)
    assert SECRET not in shown
    assert "a view 'settings'" in shown


def test_exports_still_write_their_file(tmp_path):
    path = tmp_path / "fine.duckdb"
    out = tmp_path / "roster.csv"
    result = subprocess.run([sys.executable, "-m", "ddq.cli", "--db", str(path), "export",
                             "roster", "--out", str(out)], capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert out.read_text(encoding="utf-8").startswith("area,team,champion,email,since")
