"""Text that fits a slide: widths estimated from the fonts, lines shortened or wrapped.

Every text on a slide is shortened to the room it has (with an ellipsis), so that a long
team name, note or action never runs off the slide or over another. User text is only
ever text: escaped for Plotly, which reads a little HTML in every label.
"""

from __future__ import annotations

import html
import unicodedata

ELLIPSIS = "…"


def _em(char: str) -> float:
    """A character's width in ems, on the generous side of Arial and Helvetica (the slide's
    fonts; Liberation Sans where neither is installed), so that an estimate never falls short."""
    if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.05
    if char in "mwMW@%":
        return 0.95
    if char in " ilj.,;:'|!":
        return 0.32
    if char.isupper() or char.isdigit():
        return 0.68
    return 0.56


def text_width(words: str, size: float, bold: bool = False) -> float:
    return sum(_em(c) for c in words) * size * (1.08 if bold else 1.0)


def _flat(value: str) -> str:
    """One line of user text: line breaks, tabs and other control characters as spaces."""
    return " ".join("".join(" " if unicodedata.category(c) == "Cc" else c for c in value).split())


def fit(value: str, width: float, size: float, *, bold: bool = False, more: bool = False) -> str:
    """``value`` on one line of ``width`` pixels, shortened with an ellipsis when too long
    (``more``: always, as the last line of a text that goes on)."""
    value = _flat(value)
    scale = size * (1.08 if bold else 1.0)
    if not more and text_width(value, size, bold) <= width:
        return value
    room = width - _em(ELLIPSIS) * scale
    kept = []
    for char in value:
        room -= _em(char) * scale
        if room < 0:
            break
        kept.append(char)
    return "".join(kept).rstrip() + ELLIPSIS


def _longest(word: str, width: float, size: float) -> int:
    """How many of the word's first characters fit in ``width`` (one at least)."""
    room, n = width, 0
    for char in word:
        room -= _em(char) * size
        if room < 0:
            break
        n += 1
    return max(n, 1)


def wrap(value: str, width: float, size: float, lines: int, *, first: float = 0) -> list[str]:
    """``value`` in at most ``lines`` lines of ``width`` pixels, broken between words (inside
    a word longer than a line), the last line ending in an ellipsis when the text goes on.
    ``first``: pixels already taken on the first line."""
    out = [""]

    def room() -> float:
        return width - (first if len(out) == 1 else 0)

    for word in _flat(value).split(" "):
        candidate = f"{out[-1]} {word}" if out[-1] else word
        if text_width(candidate, size) <= room():
            out[-1] = candidate
            continue
        if out[-1]:
            out.append("")
        while text_width(word, size) > room() and len(out) <= lines:
            cut = _longest(word, room(), size)
            out[-1], word = word[:cut], word[cut:]
            out.append("")
        out[-1] = word
        if len(out) > lines:
            break
    if len(out) <= lines:
        return out
    kept = out[:lines]
    kept[-1] = fit(kept[-1], width - (first if lines == 1 else 0), size, more=True)
    return kept


def plotly_text(value: str) -> str:
    """User text for Plotly, shown as typed: Plotly reads ``<b>``, ``<a href>``, entities and
    ``$...$`` (MathJax) in every text it draws; escaped, a name or a note is only text."""
    return html.escape(value, quote=False).replace("$", "&#36;")
