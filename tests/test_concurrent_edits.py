"""Two people save the same record at the same moment, as two sessions of the app do: two
threads, each with its own connection to one database file.

Each trial lets both editors read the same starting value, then releases both saves at
once (a barrier, no sleeps). For a compare-and-set record exactly one save wins, the other
is told (StaleEdit, quoting the winner's value), the stored value is the winner's and the
audit log's "before" is the value both started from. For a record whose last writer wins,
both saves succeed and every audit row's "before" is what the previous one left.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ddq import access, critical, db, meeting, roster, settings
from ddq.access import ADMIN, EDITOR, Actor
from ddq.errors import Conflict, StaleEdit

ANN, BO = Actor("ann@example.com", ADMIN), Actor("bo@example.com", ADMIN)
HELD = dt.date(2026, 3, 9)
TRIALS = 30
LAST_WRITER_TRIALS = 15


@pytest.fixture
def path(tmp_path: Path) -> Path:
    path = tmp_path / "race.duckdb"
    with db.connect(path) as con:
        roster.add_team(con, "Ledger", "Payments", who=ANN)
        roster.add_team(con, "Checkout", "Payments", who=ANN)
        for team, person in (("Ledger", "Cy Diaz"), ("Checkout", "Di Ng")):
            roster.assign_champion(con, team, person, f"{person.split()[0].lower()}@example.com",
                                   dt.date(2026, 1, 5), who=ANN)  # fmt: skip
    return path


@pytest.fixture
def editors(path: Path) -> Iterator[tuple[Any, Any]]:
    """Two connections to the same file, one per editor (as two sessions of the app)."""
    with db.connect(path) as first, db.connect(path) as second:
        yield first, second


Outcome = tuple[str, Any]  # ("saved", result) or ("refused", the exception)


def race(editors: tuple[Any, Any], *saves: Callable[[Any], Any]) -> list[Outcome]:
    """Run the two saves at the same moment, each in its own thread on its own connection."""
    start = threading.Barrier(len(saves))
    outcomes: list[Outcome | None] = [None] * len(saves)

    def run(i: int) -> None:
        start.wait()
        try:
            outcomes[i] = ("saved", saves[i](editors[i]))
        except Exception as exc:
            outcomes[i] = ("refused", exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(saves))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
        assert not thread.is_alive(), "a save did not finish"
    return outcomes  # type: ignore[return-value]


def every_trial(count: int, trial: Callable[[int], None]) -> None:
    """Run ``trial(0..count-1)``; fail with how many trials went wrong, and the first way."""
    failed = []
    for number in range(count):
        try:
            trial(number)
        except AssertionError as exc:
            failed.append(f"trial {number}: {exc}")
    assert not failed, f"{len(failed)} of {count} trials went wrong; {failed[0]}"


def one_wins(outcomes: list[Outcome]) -> tuple[int, StaleEdit]:
    """The index of the one save that won, and the StaleEdit the other got."""
    kinds = sorted(kind for kind, _ in outcomes)
    errors = [value for kind, value in outcomes if kind == "refused"]
    assert kinds == ["refused", "saved"], f"expected one save and one refusal, got {outcomes}"
    assert isinstance(errors[0], StaleEdit), f"the loser got {errors[0]!r}, not StaleEdit"
    assert str(errors[0]).startswith("Nothing was saved: ")
    return next(i for i, (kind, _) in enumerate(outcomes) if kind == "saved"), errors[0]


def audit_rows(con: Any, action: str, since_id: int) -> list[dict[str, Any]]:
    found = db.rows(
        con,
        "SELECT id, before, after FROM audit_log WHERE action = ? AND id > ? ORDER BY id",
        [action, since_id],
    )
    for r in found:
        r["before"] = json.loads(r["before"]) if r["before"] else None
        r["after"] = json.loads(r["after"]) if r["after"] else None
    return found


def last_audit_id(con: Any) -> int:
    return db.scalar(con, "SELECT coalesce(max(id), 0) FROM audit_log")


# --------------------------------------------------------------------------- meeting notes


def _note(con: Any, held: int, team: str = "Ledger", kind: str = "doing") -> str:
    return meeting.team_view(con, held, team)["notes"][kind]


@pytest.mark.parametrize("start", ["Triage daily", ""], ids=["edited", "first text"])
def test_two_editors_saving_one_note_at_once_never_lose_a_text(editors, start):
    first, _ = editors
    held = meeting.create_meeting(first, held_on=HELD, who=ANN)

    def trial(number: int) -> None:
        if start:  # each trial starts from a text, or from none
            meeting.set_note(first, held, "Ledger", "doing", f"{start} {number}", ANN)
        else:
            meeting.set_note(first, held, "Ledger", "doing", "", ANN)
        seen = _note(first, held)
        mark = last_audit_id(first)
        texts = [f"Ann's text {number}", f"Bo's text {number}"]
        outcomes = race(
            editors,
            lambda con: meeting.set_note(con, held, "Ledger", "doing", texts[0], ANN,
                                         expected=seen),
            lambda con: meeting.set_note(con, held, "Ledger", "doing", texts[1], BO,
                                         expected=seen),
        )  # fmt: skip
        winner, refused = one_wins(outcomes)
        assert f"it now reads {texts[winner]!r}" in str(refused), str(refused)
        assert _note(first, held) == texts[winner]
        [row] = audit_rows(first, "meeting.note", mark)
        assert (row["before"] or {}).get("text", "") == seen, row  # the true previous text
        assert row["after"]["text"] == texts[winner]

    every_trial(TRIALS, trial)


def test_clearing_a_note_while_another_editor_rewrites_it_loses_neither(editors):
    first, _ = editors
    held = meeting.create_meeting(first, held_on=HELD, who=ANN)

    def trial(number: int) -> None:
        seen = f"Draft {number}"
        meeting.set_note(first, held, "Ledger", "doing", seen, ANN)
        mark = last_audit_id(first)
        texts = ["", f"Rewritten {number}"]
        outcomes = race(
            editors,
            lambda con: meeting.set_note(con, held, "Ledger", "doing", texts[0], ANN,
                                         expected=seen),
            lambda con: meeting.set_note(con, held, "Ledger", "doing", texts[1], BO,
                                         expected=seen),
        )  # fmt: skip
        winner, refused = one_wins(outcomes)
        assert f"it now reads {texts[winner] or '(empty)'!r}" in str(refused), str(refused)
        assert _note(first, held) == texts[winner]
        [row] = audit_rows(first, "meeting.note", mark)
        assert row["before"]["text"] == seen and row["after"]["text"] == texts[winner], row

    every_trial(TRIALS, trial)


# --------------------------------------------------------------------------- area details


def test_two_admins_saving_an_area_head_at_once_never_lose_one(editors):
    first, _ = editors

    def trial(number: int) -> None:
        seen = next(a for a in roster.areas_detail(first) if a["area"] == "Payments")
        mark = last_audit_id(first)
        heads = [f"Eve {number}", f"Fay {number}"]
        outcomes = race(
            editors,
            lambda con: roster.update_area(con, "Payments", who=ANN, head=heads[0],
                                           expected=seen),
            lambda con: roster.update_area(con, "Payments", who=BO, head=heads[1],
                                           expected=seen),
        )  # fmt: skip
        winner, refused = one_wins(outcomes)
        assert f"head: now {heads[winner]}" in str(refused), str(refused)
        now = next(a for a in roster.areas_detail(first) if a["area"] == "Payments")
        assert now["head"] == heads[winner]
        [row] = audit_rows(first, "area.update", mark)
        assert row["before"] == {"head": seen["head"] or ""}, row
        assert row["after"] == {"head": heads[winner]}

    every_trial(TRIALS, trial)


# --------------------------------------------------------------------------- roster rows


def test_two_editors_handing_one_team_over_at_once_leave_one_champion(editors):
    first, _ = editors

    def trial(number: int) -> None:
        seen = {r["team"]: r for r in roster.roster(first)}
        mark = last_audit_id(first)
        people = [f"Ann Lee {number}", f"Bo Chen {number}"]
        since = seen["Ledger"]["since"]

        def hand_over(person: str, who: Actor) -> Callable[[Any], Any]:
            edit = {"team": "Ledger", "area": "Payments", "champion": person,
                    "contact": "x@example.com", "since": since}  # fmt: skip
            return lambda con: roster.apply_edits(con, [edit], who=who, expected=seen)

        outcomes = race(editors, hand_over(people[0], ANN), hand_over(people[1], BO))
        winner, refused = one_wins(outcomes)
        assert f"champion: now {people[winner]}" in str(refused), str(refused)
        open_terms = db.rows(
            first,
            "SELECT person FROM champions c JOIN teams t ON t.id = c.team_id "
            "WHERE t.name = 'Ledger' AND c.until IS NULL",
        )
        assert open_terms == [{"person": people[winner]}]
        [row] = audit_rows(first, "champion.handover", mark)
        assert row["before"]["person"] == seen["Ledger"]["champion"], row
        assert row["after"]["person"] == people[winner]

    every_trial(TRIALS, trial)


# --------------------------------------------------------------------------- settings


def test_two_admins_saving_the_program_name_at_once_never_lose_one(editors):
    first, _ = editors

    def trial(number: int) -> None:
        seen = settings.current(first)
        mark = last_audit_id(first)
        names = [f"Quality Guild {number}", f"Bugs Club {number}"]
        outcomes = race(
            editors,
            lambda con: settings.update(con, {**seen, "program_name": names[0]}, who=ANN,
                                        expected=seen),
            lambda con: settings.update(con, {**seen, "program_name": names[1]}, who=BO,
                                        expected=seen),
        )  # fmt: skip
        winner, refused = one_wins(outcomes)
        assert f"program name: now {names[winner]}" in str(refused), str(refused)
        assert settings.current(first)["program_name"] == names[winner]
        [row] = audit_rows(first, "settings.update", mark)
        assert row["before"] == {"program_name": seen["program_name"]}, row
        assert row["after"] == {"program_name": names[winner]}

    every_trial(TRIALS, trial)


# --------------------------------------------------------------------------- action items


def test_closing_one_action_two_ways_at_once_keeps_one_close(editors):
    first, _ = editors
    held = meeting.create_meeting(first, held_on=HELD, who=ANN)
    action = meeting.add_action(first, team="Ledger", text="Triage old criticals", owner="Cy",
                                due=HELD + dt.timedelta(days=14), meeting_id=held, who=ANN)  # fmt: skip

    def trial(number: int) -> None:
        meeting.set_action_status(first, action, meeting.OPEN, ANN)
        mark = last_audit_id(first)
        ends = [meeting.DONE, meeting.DROPPED]
        outcomes = race(
            editors,
            lambda con: meeting.set_action_status(con, action, ends[0], ANN, held,
                                                  expected=meeting.OPEN),
            lambda con: meeting.set_action_status(con, action, ends[1], BO, held,
                                                  expected=meeting.OPEN),
        )  # fmt: skip
        winner, refused = one_wins(outcomes)
        assert f"status: now {ends[winner]} (was open)" in str(refused), str(refused)
        status = db.scalar(first, "SELECT status FROM action_items WHERE id = ?", [action])
        assert status == ends[winner]
        [row] = audit_rows(first, "action.status", mark)
        assert row["before"]["status"] == meeting.OPEN and row["after"]["status"] == ends[winner]

    every_trial(TRIALS, trial)


# --------------------------------------------------------------------------- definitions

RULE = {"field": "priority", "in": ["Blocker"]}


def test_two_editors_rewording_one_draft_at_once_never_lose_a_text(editors):
    first, _ = editors
    version = critical.create_draft(first, title="Blockers", rule=RULE, who=ANN)

    def trial(number: int) -> None:
        seen = critical.get(first, version)
        mark = last_audit_id(first)
        texts = [f"Ann's reasons {number}", f"Bo's reasons {number}"]
        outcomes = race(
            editors,
            lambda con: critical.update_draft(con, version, who=ANN, expected=seen,
                                              rationale=texts[0], title=seen["title"]),
            lambda con: critical.update_draft(con, version, who=BO, expected=seen,
                                              rationale=texts[1], title=seen["title"]),
        )  # fmt: skip
        winner, refused = one_wins(outcomes)
        assert f"rationale: now {texts[winner]}" in str(refused), str(refused)
        assert critical.get(first, version)["rationale"] == texts[winner]
        [row] = audit_rows(first, "definition.update", mark)
        assert row["before"] == {"rationale": seen["rationale"]}, row
        assert row["after"] == {"rationale": texts[winner]}

    every_trial(TRIALS, trial)


def test_two_adoptions_at_once_leave_one_definition_in_force(editors):
    first, _ = editors

    def trial(number: int) -> None:
        versions = [critical.create_draft(first, title=f"v{number}{side}", rule=RULE, who=ANN)
                    for side in "ab"]  # fmt: skip
        for version in versions:
            critical.propose(first, version, who=ANN)
        effective = dt.date(2020, 1, 6) + dt.timedelta(weeks=number)
        outcomes = race(
            editors,
            lambda con: critical.adopt(con, versions[0], effective_from=effective, who=ANN),
            lambda con: critical.adopt(con, versions[1], effective_from=effective, who=BO),
        )
        kinds = sorted(kind for kind, _ in outcomes)
        assert kinds == ["refused", "saved"], outcomes
        refused = next(value for kind, value in outcomes if kind == "refused")
        assert isinstance(refused, Conflict) and "cannot take effect" in str(refused), refused
        adopted = db.scalar(first, "SELECT count(*) FROM critical_defs WHERE status = 'adopted'")
        assert adopted == 1

    every_trial(LAST_WRITER_TRIALS, trial)


# --------------------------------------------------------------------------- last writer wins
# Records whose form sets a value afresh (a mark, a move, a role, a target): both saves
# succeed, the stored value is one of the two, and the audit log tells the true story:
# each row's "before" is what the row before it left.


def last_writer_wins(
    outcomes: list[Outcome], rows: list[dict[str, Any]], start: Any, field: str
) -> Any:
    """Check both saves succeeded and the audit rows chain from ``start``; the final value."""
    assert [kind for kind, _ in outcomes] == ["saved", "saved"], outcomes
    previous = start
    for row in rows:
        assert (row["before"] or {}).get(field) == previous, (rows, start)
        previous = row["after"][field]
    return previous


def test_two_marks_of_one_champion_at_once_are_both_recorded_truly(editors):
    first, _ = editors
    held = meeting.create_meeting(first, held_on=HELD, who=ANN)

    def trial(number: int) -> None:
        start = meeting.team_view(first, held, "Ledger")["present"]
        mark = last_audit_id(first)
        outcomes = race(
            editors,
            lambda con: meeting.set_attendance(con, held, "Ledger", True, ANN),
            lambda con: meeting.set_attendance(con, held, "Ledger", number % 2 == 0, BO),
        )
        rows = audit_rows(first, "meeting.attendance", mark)
        final = last_writer_wins(outcomes, rows, start, "present")
        assert meeting.team_view(first, held, "Ledger")["present"] is final
        if number % 2 == 0:  # the same mark twice is one change
            assert len(rows) == (0 if start is True else 1)

    every_trial(LAST_WRITER_TRIALS, trial)


def test_two_moves_through_the_agenda_at_once_are_both_recorded_truly(editors):
    first, _ = editors
    held = meeting.create_meeting(first, held_on=HELD, who=ANN)

    def trial(number: int) -> None:
        start = meeting.get_meeting(first, held)["current_position"]
        mark = last_audit_id(first)
        outcomes = race(
            editors,
            lambda con: meeting.set_position(con, held, 0, ANN),
            lambda con: meeting.set_position(con, held, 1, BO),
        )
        final = last_writer_wins(outcomes, audit_rows(first, "meeting.position", mark), start,
                                 "position")  # fmt: skip
        assert meeting.get_meeting(first, held)["current_position"] == final

    every_trial(LAST_WRITER_TRIALS, trial)


def test_two_roles_given_at_once_are_both_recorded_truly(editors):
    first, _ = editors

    def trial(number: int) -> None:
        start = access.role_for(first, "cy@example.com")
        mark = last_audit_id(first)
        roles = [EDITOR, ADMIN] if number % 2 else [ADMIN, access.VIEWER]
        outcomes = race(
            editors,
            lambda con: access.set_role(con, "cy@example.com", roles[0], who=ANN),
            lambda con: access.set_role(con, "cy@example.com", roles[1], who=BO),
        )
        final = last_writer_wins(outcomes, audit_rows(first, "role.set", mark), start, "role")
        assert access.role_for(first, "cy@example.com") == final

    every_trial(LAST_WRITER_TRIALS, trial)


def test_two_first_champions_named_at_once_leave_one_current_term(editors):
    first, _ = editors

    def trial(number: int) -> None:
        team = f"New team {number}"
        roster.add_team(first, team, "Payments", who=ANN)
        mark = last_audit_id(first)
        since = dt.date(2026, 1, 5)
        outcomes = race(
            editors,
            lambda con: roster.assign_champion(con, team, "Ann Lee", "ann@example.com", since,
                                               who=ANN),
            lambda con: roster.assign_champion(con, team, "Bo Chen", "bo@example.com", since,
                                               who=BO),
        )  # fmt: skip
        rows = db.rows(
            first,
            "SELECT action, before, after FROM audit_log WHERE subject = ? AND id > ? "
            "AND action LIKE 'champion.%' ORDER BY id",
            [team, mark],
        )
        rows = [{"before": json.loads(r["before"]) if r["before"] else None,
                 "after": json.loads(r["after"])} for r in rows]  # fmt: skip
        final = last_writer_wins(outcomes, rows, None, "person")
        terms = db.rows(first, "SELECT person FROM champions c JOIN teams t ON t.id = c.team_id "
                               "WHERE t.name = ? AND c.until IS NULL", [team])  # fmt: skip
        assert terms == [{"person": final}]

    every_trial(LAST_WRITER_TRIALS, trial)


def test_two_starts_of_one_meeting_at_once_make_one_meeting(editors):
    def trial(number: int) -> None:
        day = HELD + dt.timedelta(days=number + 1)
        outcomes = race(
            editors,
            lambda con: meeting.create_meeting(con, held_on=day, who=ANN),
            lambda con: meeting.create_meeting(con, held_on=day, who=BO),
        )
        assert sorted(kind for kind, _ in outcomes) == ["refused", "saved"], outcomes
        refused = next(value for kind, value in outcomes if kind == "refused")
        assert isinstance(refused, Conflict) and "already a meeting" in str(refused), refused

    every_trial(LAST_WRITER_TRIALS, trial)


def test_two_mappings_of_one_component_at_once_both_land_and_the_last_wins(editors):
    """Team mappings claim their component and run again on a conflict: both saves succeed,
    the mapping is the one saved last, and the second audit row's "before" is the first."""
    from ddq import audit, ownership

    def trial(number: int) -> None:
        component = f"payments-api-{number}"
        outcomes = race(
            editors,
            lambda con: ownership.set_mapping(con, "component", component, "Ledger", who=ANN),
            lambda con: ownership.set_mapping(con, "component", component, "Checkout", who=BO),
        )
        assert [kind for kind, _ in outcomes] == ["saved", "saved"], outcomes
        rows = audit.entries(editors[0], subject=f"component {component}", limit=None)
        befores = [json.loads(r["before"])["team"] for r in sorted(rows, key=lambda r: r["id"])]
        afters = [json.loads(r["after"])["team"] for r in sorted(rows, key=lambda r: r["id"])]
        assert befores == [None, afters[0]], rows
        mapped = {m["value"]: m["team"] for m in ownership.mappings(editors[0])}
        assert mapped[component] == afters[1]
