"""Each page's first run after a change to the data: the same values whether its reads share
one connection (as the app runs them) or open one each, the change shown, no exception; and
the meeting page asks nothing about Slack channels while Slack is not connected."""

from __future__ import annotations

from contextlib import nullcontext

import pytest
import streamlit as st

from ddq import db, settings
from ddq.access import ADMIN, Actor
from ddq.meeting import create_meeting
from ddq.slack import questions
from ddq.ui import state

PAGES = [
    ("app_pages/overview.py", {}),
    ("app_pages/trends.py", {}),
    ("app_pages/progress.py", {"team": "Billing"}),
    ("app_pages/meeting.py", {"meeting": "1"}),
    ("app_pages/meeting.py", {"meeting": "1", "present": "1"}),
    ("app_pages/champions.py", {}),
    ("app_pages/critical_bugs.py", {}),
    ("app_pages/upload.py", {}),
    ("app_pages/settings.py", {}),
    ("app_pages/audit.py", {}),
]
SHOWN = ("title", "subheader", "markdown", "caption", "info", "warning", "error", "metric")


def shown(at) -> list[tuple[str, str]]:
    """What a run shows, element by element, as text."""
    found = []
    for kind in SHOWN:
        for element in getattr(at, kind):
            value = element.value if kind != "metric" else (element.value, element.delta)
            found.append((kind, str(value)))
    return found


def first_run(page, target: str, query: dict[str, str]):
    st.cache_data.clear()  # as after a change to the data: every cached read is stale
    at = page("app.py")
    for key, value in query.items():
        at.query_params[key] = value
    at.switch_page(target)
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


@pytest.fixture
def with_meeting(sample_db):
    with db.connect(sample_db) as con:
        create_meeting(con, who=Actor("coach", ADMIN))
    return sample_db


@pytest.mark.parametrize(("target", "query"), PAGES, ids=[f"{p}{q}" for p, q in PAGES])
def test_first_run_after_a_change_shows_the_same_with_one_connection(
    with_meeting, page, monkeypatch, target, query
):
    with db.connect(with_meeting) as con:
        settings.update(con, {"program_name": "Quality Guild"}, who=Actor("coach", ADMIN))
    kept = shown(first_run(page, target, query))
    with monkeypatch.context() as patched:
        patched.setattr(state, "kept_open", nullcontext)  # a connection per read, as before
        each = shown(first_run(page, target, query))
    assert kept == each
    if query.get("present") != "1":  # presenter mode hides the sidebar's program name
        assert ("markdown", "**Quality Guild**") in kept


def test_the_meeting_page_asks_for_no_channels_without_slack(with_meeting, page, monkeypatch):
    def asked(con):
        raise AssertionError("champions channels read while Slack is not connected")

    monkeypatch.setattr(questions, "champions_channels", asked)
    first_run(page, "app_pages/meeting.py", {"meeting": "1"})
