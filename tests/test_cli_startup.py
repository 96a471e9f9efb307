"""The ``ddq`` command's start-up: each command loads only its own module, and a command
that opens the database pays for nothing it does not use (issue 20)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from ddq.cli import COMMANDS, main

# Every command `ddq` has: a command left out of COMMANDS would silently disappear.
EVERY_COMMAND = {
    "audit", "bugs", "check", "critical", "demo", "digest", "export", "import", "imports",
    "init", "mappings", "meeting", "progress", "questions", "remind", "requests", "role",
    "settings", "slack", "sources", "sync", "target", "teams", "undo",
}  # fmt: skip
# What `ddq imports` must not load: the data-frame stack, the app, the HTTP and Slack clients.
HEAVY = ("pandas", "pyarrow", "numpy", "streamlit", "plotly", "httpx", "slack_sdk")


def loaded_modules(*args: str) -> list[str]:
    """The modules loaded by running `ddq ARGS` in a fresh interpreter."""
    script = textwrap.dedent(f"""
        import json, sys
        from ddq.cli import main
        try:
            main({list(args)!r}, prog_name="ddq")
        except SystemExit as exit:
            assert not exit.code, exit.code
        print(json.dumps(sorted(sys.modules)))
    """)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(result.stdout.splitlines()[-1])


def test_every_command_is_listed() -> None:
    assert set(COMMANDS) == EVERY_COMMAND
    assert main.list_commands(click.Context(main)) == sorted(EVERY_COMMAND)


@pytest.mark.parametrize("name", sorted(EVERY_COMMAND))
def test_each_command_is_reachable_under_its_name(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert isinstance(command, click.Command)
    assert command.name == name
    result = CliRunner().invoke(main, [name, "--help"], prog_name="ddq")
    assert result.exit_code == 0, result.output
    assert f"Usage: ddq {name}" in result.output


@pytest.mark.parametrize("name", sorted(EVERY_COMMAND))
def test_the_listed_short_help_is_the_commands_own(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    for limit in (30, 45, 60, 80, 200):
        assert click.Command(name, help=COMMANDS[name][2]).get_short_help_str(
            limit
        ) == command.get_short_help_str(limit)


def test_an_unknown_command_is_refused() -> None:
    result = CliRunner().invoke(main, ["no-such-command"])
    assert result.exit_code == 2
    assert "No such command 'no-such-command'" in result.output


def test_help_lists_every_command_and_loads_none() -> None:
    result = CliRunner().invoke(main, ["--help"], terminal_width=80)
    assert result.exit_code == 0
    listed = result.output.split("Commands:\n", 1)[1].splitlines()
    assert [line.split()[0] for line in listed] == sorted(EVERY_COMMAND)
    assert "  imports    List the imports ledger, newest first; `ddq imports show ID`..." in listed
    loaded = loaded_modules("--help")
    assert [m for m in loaded if m.startswith("ddq.cli.")] == ["ddq.cli.output"]
    assert "duckdb" not in loaded


def test_opening_the_database_loads_only_what_the_command_needs(tmp_path: Path) -> None:
    path = tmp_path / "empty.duckdb"
    CliRunner().invoke(main, ["--db", str(path), "init"], catch_exceptions=False)
    loaded = loaded_modules("--db", str(path), "imports")
    assert "duckdb" in loaded and "ddq.cli.ledger" in loaded
    assert [m for m in HEAVY if m in loaded] == []
    assert [m for m in loaded if m.startswith("ddq.cli.")] == [
        "ddq.cli.ledger",
        "ddq.cli.output",
        "ddq.cli.session",
    ]
