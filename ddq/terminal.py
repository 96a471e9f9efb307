"""What ddq prints on a terminal: text from data with its control characters made visible.

A team name, a signed-in name or an imported summary can hold escape sequences that a
terminal would obey: move the cursor, erase lines, set the window title, or write the
clipboard (OSC 52). Every character that controls a terminal is printed as an escape a
person can read (``\\x1b``, ``\\r``, ``\\u202e``); line breaks and tabs stay as they are.
"""

from __future__ import annotations

import re
from typing import TextIO

# C0 controls but tab and line feed, DEL and the C1 controls (a lone 0x9b starts a control
# sequence on some terminals), and the bidirectional overrides that reorder what is shown.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMES = {"\r": "\\r", "\x1b": "\\x1b", "\x00": "\\x00"}


def _shown(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMES:
        return _NAMES[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every terminal control character written out as an escape."""
    return _CONTROL.sub(_shown, text)


class VisibleWriter:
    """A text stream that writes to ``stream`` what :func:`visible` makes of each piece:
    for data a command prints straight onto a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(visible(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()
