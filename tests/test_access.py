"""Roles: every writing function checks the acting user's role, in the core."""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
import pickle
import pkgutil

import pytest

import ddq
from ddq import access, audit, critical, db, meeting, progress, roster, settings
from ddq.access import ADMIN, EDITOR, VIEWER, Actor, NotAllowed
from ddq.ingest.metrics import import_metrics
from ddq.ingest.undo import undo as undo_import

# Functions that take ``who`` but write only inside a checked caller's transaction.
BUILDING_BLOCKS = {"ddq.audit.record", "ddq.ledger.start", "ddq.access.check"}


def _modules():
    for info in pkgutil.walk_packages(ddq.__path__, "ddq."):
        if not info.name.startswith("ddq.ui"):
            yield importlib.import_module(info.name)


def test_every_public_function_taking_who_is_a_checked_writer():
    unchecked = []
    for module in _modules():
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ != module.__name__ or name.startswith("_"):
                continue
            qualified = f"{module.__name__}.{name}"
            takes_who = "who" in inspect.signature(function).parameters
            if (
                takes_who
                and qualified not in BUILDING_BLOCKS
                and not hasattr(function, "required_role")
            ):
                unchecked.append(qualified)
    assert unchecked == []
    assert len(access.WRITERS) >= 36


class Untouchable:
    """A connection stand-in: any use of it means the role check let the call through."""

    def __getattr__(self, name):
        raise Reached(name)


class Reached(Exception):
    pass


def _call(function, who):
    """Call a writer with nothing but the acting user; NotAllowed, or how far it got."""
    try:
        function(Untouchable(), who=who)
    except NotAllowed as refused:
        return refused
    except (Reached, TypeError, AttributeError, KeyError, ValueError):
        return None  # past the role check: it failed later for want of real arguments
    except ddq.errors.DdqError:
        return None
    return None


WRITERS = sorted(access.WRITERS.items())


@pytest.mark.parametrize(("name", "function"), WRITERS, ids=[n for n, _ in WRITERS])
@pytest.mark.parametrize("role", [VIEWER, EDITOR, ADMIN])
def test_each_role_on_each_writer(name, function, role):
    refused = _call(function, Actor("pat", role))
    allowed = Actor("pat", role).may(function.required_role)
    if allowed:
        assert refused is None, f"{name} refused {role}: {refused}"
    else:
        assert isinstance(refused, NotAllowed), f"{name} let {role} through"
        assert "pat is " in str(refused) and f"the {function.required_role} role" in str(refused)


@pytest.mark.parametrize(("name", "function"), WRITERS, ids=[n for n, _ in WRITERS])
def test_a_plain_name_is_not_an_acting_user(name, function):
    refused = _call(function, "pat")
    assert isinstance(refused, NotAllowed)
    assert "no signed-in user" in str(refused)


def test_editor_and_admin_functions_are_the_documented_ones():
    list(_modules())  # every writer registers itself when its module is imported
    admin_only = sorted(n for n, f in access.WRITERS.items() if f.required_role == ADMIN)
    assert admin_only == ["ddq.access.set_role", "ddq.help_requests.change_status",
                          "ddq.roster.update_area", "ddq.sample.fill_demo", "ddq.settings.update",
                          "ddq.slack.requests.set_status", "ddq.slack.store.connect",
                          "ddq.slack.store.disconnect", "ddq.sources.store.add",
                          "ddq.sources.store.remove"]  # fmt: skip
    assert all(f.required_role in (EDITOR, ADMIN) for f in access.WRITERS.values())


# -------------------------------------------------------------- on a real database


@pytest.fixture
def con(tmp_path):
    with db.connect(tmp_path / "t.duckdb") as connection:
        yield connection


def _fingerprint(con):
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        for table in ("teams", "metric_values", "imports", "audit_log", "settings", "user_roles")
    }


def test_a_viewer_import_changes_nothing_and_says_why(con):
    before = _fingerprint(con)
    data = b"team,week,metric,value\nCheckout,2026-03-02,escaped_defects,3\n"
    with pytest.raises(NotAllowed) as refused:
        import_metrics(con, data, file_name="w.csv", who=Actor("vic", VIEWER), create_teams=True)
    assert str(refused.value) == (
        "vic is a viewer and cannot import metrics: that needs an editor. "
        "Ask an admin for the editor role."
    )
    assert _fingerprint(con) == before


def test_an_editor_cannot_change_settings_or_roles(con):
    ed = Actor("ed@example.com", EDITOR)
    with pytest.raises(NotAllowed, match="cannot change the settings"):
        settings.update(con, {"program_name": "X"}, who=ed)
    with pytest.raises(NotAllowed, match="cannot change people's roles"):
        access.set_role(con, "zed@example.com", ADMIN, who=ed)
    assert settings.current(con)["program_name"] == "Data-Driven Quality"


def test_roles_from_the_database_and_the_configuration(con):
    boss = Actor("boss@example.com", ADMIN)
    assert access.role_for(con, "ann@example.com") == VIEWER
    assert access.set_role(con, " Ann@Example.com ", EDITOR, who=boss) == (
        "ann@example.com is now an editor (was a viewer)."
    )
    assert access.role_for(con, "ANN@example.com") == EDITOR
    configured = access.configured_roles(["ann@example.com"], ["bo@example.com"])
    assert access.role_for(con, "ann@example.com", configured) == ADMIN  # the higher counts
    assert access.role_for(con, "bo@example.com", configured) == EDITOR
    assert access.set_role(con, "ann@example.com", VIEWER, who=boss).endswith("(was an editor).")
    assert access.stored_roles(con) == []
    with pytest.raises(ddq.errors.DdqError, match="your own role"):
        access.set_role(con, "BOSS@example.com", VIEWER, who=boss)
    with pytest.raises(ddq.errors.DdqError, match="not an email address"):
        access.set_role(con, "ann", EDITOR, who=boss)
    with pytest.raises(ddq.errors.DdqError, match="'owner' is not a role"):
        access.set_role(con, "ann@example.com", "owner", who=boss)
    changes = audit.entries(con, action="role")
    assert [(e["who"], e["role"], e["subject"]) for e in changes] == [
        ("boss@example.com", ADMIN, "ann@example.com")
    ] * 2


def test_an_actor_is_its_name_with_a_role():
    actor = Actor("  Ann   Lee ", EDITOR)
    assert actor == "Ann Lee" and actor.name == "Ann Lee" and actor.role == EDITOR
    assert actor.may(VIEWER) and actor.may(EDITOR) and not actor.may(ADMIN)
    assert repr(actor) == "Actor('Ann Lee', 'editor')"
    copied = pickle.loads(pickle.dumps(actor))  # as a session or cache may keep it
    assert (copied, copied.role, type(copied)) == ("Ann Lee", EDITOR, Actor)
    with pytest.raises(ValueError):
        Actor("ann", "owner")
    with pytest.raises(ValueError):
        Actor("  ", EDITOR)


# -------------------------------------------------------------- the audit log


def test_the_audit_log_records_each_kind_of_write_with_its_user(con):
    """One of each kind of change, each by a different person; the log names them all."""
    admin, ed, cy = Actor("ada", ADMIN), Actor("ed", EDITOR), Actor("cy", EDITOR)
    data = b"team,week,metric,value\nCheckout,2026-03-02,escaped_defects,3\n"
    done = import_metrics(con, data, file_name="w.csv", who=ed, create_teams=True)
    roster.add_team(con, "Ledger", "Payments", who=cy)
    roster.assign_champion(con, "Ledger", "Ann Lee", "ann@example.com", dt.date(2026, 1, 5),
                           who=ed)  # fmt: skip
    roster.apply_edits(con, [{"team": "Ledger", "area": "Payments", "champion": "Bo Chen",
                              "contact": "bo@example.com", "since": dt.date(2026, 2, 2)}],
                       who=cy)  # fmt: skip
    version = critical.create_draft(con, title="Blockers", who=ed, rule={
        "field": "priority", "in": ["Blocker"]})  # fmt: skip
    critical.propose(con, version, who=ed)
    critical.record_stance(con, version, team="Ledger", stance="agree", who=cy)
    critical.adopt(con, version, effective_from=dt.date(2026, 3, 2), who=ed)
    progress.set_target(con, "Checkout", "escaped_defects", target=1, due=dt.date(2026, 12, 28),
                        who=cy, today=dt.date(2026, 3, 9))  # fmt: skip
    held = meeting.create_meeting(con, held_on=dt.date(2026, 3, 9), who=ed)
    meeting.set_note(con, held, "Ledger", "doing", "Triage daily", cy)
    meeting.add_action(con, team="Ledger", text="Fix flaky tests", owner="Bo Chen",
                       due=dt.date(2026, 3, 16), meeting_id=held, who=cy)  # fmt: skip
    settings.update(con, {"program_name": "Quality Guild"}, who=admin)
    access.set_role(con, "ed@example.com", EDITOR, who=admin)
    undo_import(con, done.import_id, who=admin)

    log = {(e["action"], e["who"], e["role"]) for e in audit.entries(con, limit=None)}
    for expected in [
        ("metrics.import", "ed", EDITOR),
        ("team.add", "cy", EDITOR),
        ("champion.assign", "ed", EDITOR),
        ("champion.handover", "cy", EDITOR),
        ("definition.draft", "ed", EDITOR),
        ("definition.propose", "ed", EDITOR),
        ("definition.stance", "cy", EDITOR),
        ("definition.adopt", "ed", EDITOR),
        ("target.set", "cy", EDITOR),
        ("meeting.create", "ed", EDITOR),
        ("meeting.note", "cy", EDITOR),
        ("action.add", "cy", EDITOR),
        ("settings.update", "ada", ADMIN),
        ("role.set", "ada", ADMIN),
        ("metrics.undo", "ada", ADMIN),
    ]:
        assert expected in log
    handover = audit.entries(con, action="champion.handover")[0]
    assert "person: Ann Lee → Bo Chen" in audit.describe(handover)


def test_audit_filters(con):
    admin = Actor("ada", ADMIN)
    settings.update(con, {"program_name": "Quality 100%_guild"}, who=admin)
    roster.add_team(con, "Ledger", None, who=Actor("Cy", EDITOR))
    assert [e["action"] for e in audit.entries(con, by="cy")] == ["team.add"]
    assert [e["action"] for e in audit.entries(con, action="settings")] == ["settings.update"]
    assert [e["action"] for e in audit.entries(con, text="100%_g")] == ["settings.update"]
    assert audit.entries(con, text="100%x") == []
    today = dt.datetime.now(dt.UTC).date()
    assert len(audit.entries(con, since=today, until=today)) == 2
    assert audit.entries(con, until=today - dt.timedelta(days=1)) == []
    assert audit.actions(con) == ["settings.update", "team.add"]


def test_nothing_in_ddq_edits_or_deletes_audit_rows():
    import re
    from pathlib import Path

    root = Path(ddq.__file__).parent
    for path in root.rglob("*.py"):
        text = path.read_text()
        assert not re.search(r"(UPDATE|DELETE\s+FROM|TRUNCATE)\s+audit_log", text, re.I), path
