"""ddq.settings: what a setting accepts."""

from __future__ import annotations

import pytest

from ddq import db, settings
from ddq.access import ADMIN, Actor


@pytest.fixture
def con(make_db):
    with db.connect(make_db()) as connection:
        yield connection


@pytest.mark.parametrize("empty", ["", "   "])
def test_the_program_name_cannot_be_emptied(con, empty):
    with pytest.raises(settings.InvalidSetting, match="Program name cannot be empty"):
        settings.update(con, {"program_name": empty}, who=Actor("ada", ADMIN))
    assert settings.current(con)["program_name"] == "Data-Driven Quality"
    # Links and channels may be empty: they are then not shown.
    assert settings.validate("coaching_url", " ") == ""
