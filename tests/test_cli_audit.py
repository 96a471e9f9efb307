"""`ddq audit` and `ddq role`: the real command, acting as a local admin in the OS user's name."""

from __future__ import annotations

import getpass

from conftest import query


def ok(result) -> str:
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_roles_and_the_audit_log_from_the_command_line(run_ddq, db_path, tmp_path):
    me = getpass.getuser()
    assert "nobody has a role" in ok(run_ddq("role", "list"))
    assert ok(run_ddq("role", "set", "Ann@Example.com", "editor")) == (
        "ann@example.com is now an editor (was a viewer).\n"
    )
    listed = ok(run_ddq("role", "list"))
    assert "ann@example.com" in listed and "editor" in listed and me in listed
    refused = run_ddq("role", "set", "ann", "admin")
    assert refused.returncode == 1
    assert refused.stderr == "'ann' is not an email address; write it like ann@example.com.\n"

    csv = tmp_path / "w.csv"
    csv.write_text("team,week,metric,value\nCheckout,2026-03-02,escaped_defects,3\n")
    ok(run_ddq("import", "metrics", csv, "--create-teams"))
    log = ok(run_ddq("audit")).splitlines()
    assert f"{me} (admin)  metrics.import  w.csv" in log[0]
    assert f"{me} (admin)  role.set  ann@example.com" in log[2]
    assert "role: viewer → editor" in log[3]
    assert ok(run_ddq("audit", "--action", "role")).count("role.set") == 1
    assert ok(run_ddq("audit", "--who", "nobody")) == "no audit entries match\n"
    assert ok(run_ddq("audit", "--since", "2999-01-01")) == "no audit entries match\n"
    bad = run_ddq("audit", "--since", "yesterday")
    assert bad.returncode == 2 and "'yesterday' does not match the format '%Y-%m-%d'" in bad.stderr
    assert query(db_path, "SELECT DISTINCT who FROM audit_log") == [(me,)]
