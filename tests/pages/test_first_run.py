"""Each page's first run after a change to the data: the same values whether its reads share
one connection (as the app runs them) or open one each, the change shown, no exception; and
the meeting page asks nothing about Slack channels while Slack is not connected."""

from __future__ import annotations

import os
import subprocess
import sys
from contextlib import nullcontext

import pytest
import streamlit as st

from ddq import db, settings
from ddq.access import ADMIN, Actor
from ddq.meeting import create_meeting
from ddq.slack import questions
from ddq.ui import state
from tests.pages.conftest import ROOT

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


LAUNCH = """
import sys
from streamlit.testing.v1 import AppTest

at = AppTest.from_file({app!r}, default_timeout=60)
at.switch_page("app_pages/overview.py")
at.run()
assert not at.exception, at.exception[0].message
assert at.metric, "the Overview shows its headline metrics"
print(sorted(name for name in ("pandas", "kaleido", "ddq.slides") if name in sys.modules))
"""


def test_the_overview_a_launch_opens_imports_no_pandas_nor_slides(sample_db):
    """Importing pandas and the slide export is most of a first start's own work: the
    Overview a launch opens needs neither (the pages that do import them)."""
    script = LAUNCH.format(app=str(ROOT / "app.py"))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "DDQ_DB": str(sample_db)}, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "[]"
