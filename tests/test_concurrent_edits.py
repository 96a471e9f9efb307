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

from ddq import access, audit, critical, db, meeting, roster, settings
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
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test looks at
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
