"""Where things stand on a page run by AppTest: in page order, as a person reads it."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1.element_tree import Block


def in_page_order(block: Any) -> list[Any]:
    """Every element under ``block`` (not the containers), top to bottom."""
    if not isinstance(block, Block):
        return [block]
    return [n for i in sorted(block.children) for n in in_page_order(block.children[i])]


def right_after(block: Any, label: str) -> Any:
    """The element right under the first one labelled ``label`` (a button, an uploader):
    where the confirmation of what it did belongs."""
    shown = in_page_order(block)
    at = next(i for i, n in enumerate(shown) if getattr(n, "label", None) == label)
    return shown[at + 1] if at + 1 < len(shown) else None
