"""Text from data never controls the terminal a command prints on."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from ddq import db, roster
from ddq.access import ADMIN, Actor
from ddq.terminal import visible

# Cursor movement, erasing the line, a window title, and OSC 52 (writes the clipboard).
ESCAPES = ["\x1b[2A", "\x1b[2K", "\r", "\x1b]0;owned\x07", "\x1b]52;c;ZXZpbA==\x07", "\x9b2J"]
TEAM = "Ops" + "".join(ESCAPES)


def test_visible_writes_out_every_control_character_and_keeps_lines():
    assert visible("a\tb\nc") == "a\tb\nc"
    shown = visible(TEAM)
    assert "\x1b" not in shown and "\r" not in shown and "\x9b" not in shown
    assert shown.startswith("Ops\\x1b[2A\\x1b[2K\\r\\x1b]0;owned\\x07")
    assert visible("\u202eevil") == "\\u202eevil"


@pytest.fixture
def hostile_db(tmp_path) -> Path:
    path = tmp_path / "hostile.duckdb"
    with db.connect(path) as con:
        roster.add_team(con, TEAM, "Core", who=Actor("Eve" + ESCAPES[4], ADMIN))
    return path


def on_a_terminal(*args: str) -> bytes:
    """Run ``ddq ARGS`` with its output on a pseudo-terminal; return what it printed."""
    main, secondary = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "ddq.cli", *args], stdout=secondary,
                               stderr=secondary, stdin=subprocess.DEVNULL)  # fmt: skip
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the command ended and closed its side
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert process.wait(timeout=120) == 0
    return b"".join(chunks)


@pytest.mark.parametrize("command", [["audit"], ["export", "roster"], ["imports"]])
def test_commands_print_no_control_character_from_data(hostile_db, command):
    printed = on_a_terminal("--db", str(hostile_db), *command)
    assert b"\x1b]52" not in printed and b"\x1b[2K" not in printed and b"\x9b" not in printed
    assert b"\x1b" not in printed.replace(b"\x1b[0m", b"")  # click may reset a style


def test_the_audit_log_shows_the_escapes_as_text(hostile_db):
    printed = on_a_terminal("--db", str(hostile_db), "audit").decode("utf-8")
    assert "Ops\\x1b[2A" in printed and "Eve\\x1b]52;c;ZXZpbA==\\x07" in printed


def test_an_export_into_a_file_or_pipe_keeps_the_data_byte_for_byte(hostile_db, tmp_path):
    piped = subprocess.run([sys.executable, "-m", "ddq.cli", "--db", str(hostile_db), "export",
                            "roster"], capture_output=True, timeout=120)  # fmt: skip
    assert piped.returncode == 0
    with db.connect(hostile_db) as con:  # as stored: spaces in a team name are folded
        stored = con.execute("SELECT name FROM teams").fetchone()[0]
    assert "\x1b]52" in stored
    assert stored.encode() in piped.stdout.replace(b'"', b"")
