"""Security tests: the app's pages through AppTest, and its server on loopback."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def page():
    """Build an AppTest for a page file or for the whole app."""
    from streamlit.testing.v1 import AppTest

    def build(relative: str) -> AppTest:
        return AppTest.from_file(str(ROOT / relative), default_timeout=30)

    return build
