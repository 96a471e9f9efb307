"""Adopting a proposal from an effective date, and retiring a version.

Exactly one definition is in force on any day after the first adoption: the one adopted
before is retired on the new one's effective date, and effective dates only move forward.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ddq import audit, bugmetrics, clock, events
from ddq.access import EDITOR, Actor, requires
from ddq.critical.definitions import (
    ADOPTED,
    DRAFT,
    EVENT_KIND,
    MAX_DAYS_AHEAD,
    PROPOSED,
    RETIRED,
    SUBJECT,
    InvalidDefinition,
    cannot_change,
    get,
    midnight,
)
from ddq.critical.stances import stance_summary
from ddq.db import claim, retry_on_conflict, rows, scalar, transaction
from ddq.errors import Conflict
from ddq.metrics import EARLIEST_WEEK

if TYPE_CHECKING:
    import duckdb

# The record that adopting and retiring claim: which definition is in force.
_IN_FORCE = "definition in force"


def _date_problem(day: object) -> str | None:
    """Why ``day`` cannot be any definition's effective date, or None."""
    if isinstance(day, dt.datetime) or not isinstance(day, dt.date):
        return f"The effective date must be a date, not {day!r}."
    if day < EARLIEST_WEEK:
        return f"The effective date {day} is before 2000; check it."
    if day > clock.today() + dt.timedelta(days=MAX_DAYS_AHEAD):
        return f"The effective date {day} is more than a year ahead; check the year."
    return None


def _last_adopted(con: duckdb.DuckDBPyConnection) -> dict[str, Any] | None:
    """The version that took (or takes) effect last, with its date; None before any."""
    found = rows(
        con,
        "SELECT version, effective_from FROM critical_defs WHERE effective_from IS NOT NULL "
        "ORDER BY effective_from DESC, version DESC LIMIT 1",
    )
    return found[0] if found else None


def _order_problem(day: dt.date, last: dict[str, Any] | None, version: int) -> str | None:
    """Why ``version`` cannot take effect on ``day`` after the last adopted one, or None."""
    if last is None or day > last["effective_from"]:
        return None
    return (
        f"Version {version} cannot take effect on {day}: version {last['version']} took "
        f"effect on {last['effective_from']}, and a new definition takes effect after the "
        f"previous one. Choose {last['effective_from'] + dt.timedelta(days=1)} or later."
    )


@dataclass(frozen=True)
class AdoptionDates:
    """The effective dates an adoption accepts now, and the one to suggest (with why).

    The first definition is suggested from the week of the oldest imported bug: nothing
    was computed under another definition, so every week of the bugs' history gets its
    critical-bug numbers at once. A later one is suggested from the Monday of the latest
    complete week (or the day after the last one took effect, when that is later): it
    counts from the week the community last looked at, and earlier history stays as it
    was computed (``ddq bugs recompute`` applies it to history on purpose).
    """

    earliest: dt.date
    latest: dt.date
    suggested: dt.date
    why: str
    last_version: int | None = None
    last_effective: dt.date | None = None

    def problem(self, version: int, day: object) -> str | None:
        """What adopting ``version`` from ``day`` would be refused for, or None."""
        if problem := _date_problem(day):
            return problem
        last = None
        if self.last_version is not None:
            last = {"version": self.last_version, "effective_from": self.last_effective}
        return _order_problem(day, last, version)  # type: ignore[arg-type]


def adoption_dates(con: duckdb.DuckDBPyConnection) -> AdoptionDates:
    """The range of effective dates an adoption accepts today, and the suggested one."""
    today = clock.today()
    latest = today + dt.timedelta(days=MAX_DAYS_AHEAD)
    last = _last_adopted(con)
    earliest = EARLIEST_WEEK
    if last is not None:
        earliest = max(earliest, last["effective_from"] + dt.timedelta(days=1))
    complete = clock.latest_complete_week(today)
    first_bug = scalar(con, "SELECT min(created) FROM bugs") if last is None else None
    if first_bug is not None:
        suggested = clock.week_start(first_bug.date())
        why = (
            f"the week of the oldest imported bug ({first_bug:%Y-%m-%d}): no definition was "
            "in force before, so every week of the bugs' history gets critical-bug numbers"
        )
    else:
        suggested = complete
        why = "the Monday of the latest complete week: its numbers count critical bugs at once"
    if suggested < earliest:
        suggested = earliest
        if last is not None:
            why = f"the day after version {last['version']} took effect"
        else:
            why = "the earliest date ddq accepts"
    return AdoptionDates(
        earliest=earliest,
        latest=latest,
        suggested=min(suggested, latest),
        why=why,
        last_version=last["version"] if last else None,
        last_effective=last["effective_from"] if last else None,
    )


@requires(EDITOR, "adopt a critical-bug definition")
@retry_on_conflict
def adopt(
    con: duckdb.DuckDBPyConnection, version: int, *, effective_from: dt.date, who: Actor
) -> int | None:
    """Adopt a proposal from ``effective_from``; return the version it replaces, if any.

    The definition adopted before it is retired on ``effective_from`` (its ``retired_at``
    is that day's midnight, UTC), so the two never overlap. The effective date must be
    after the effective date of every version adopted before (history is never
    re-decided), not before 2000 and at most a year ahead. Only proposals can be adopted:
    a draft is proposed first, so that the champions can take a stance. Whether they
    agreed is shown, not enforced: the community decides in the meeting. Adds an event
    "Definition vN adopted: <title>" on the effective date.
    """
    if problem := _date_problem(effective_from):
        raise InvalidDefinition(problem)
    with transaction(con):
        # Two adoptions at once would each retire the one in force and both stay adopted.
        claim(con, _IN_FORCE)
        claim(con, "definition", version)
        row = get(con, version)
        if row["status"] == DRAFT:
            raise Conflict(
                f"Version {version} is a draft; propose it first so that the champions can "
                "take a stance."
            )
        if row["status"] != PROPOSED:
            raise cannot_change(row)
        if problem := _order_problem(effective_from, _last_adopted(con), version):
            raise Conflict(problem)
        replaced = rows(con, "SELECT version, title FROM critical_defs WHERE status = ?", [ADOPTED])
        starts = midnight(effective_from)
        for old in replaced:
            con.execute(
                "UPDATE critical_defs SET status = ?, retired_at = ? WHERE version = ?",
                [RETIRED, starts, old["version"]],
            )
            audit.record(con, who, "definition.retire", SUBJECT.format(old["version"]),
                         before={"status": ADOPTED},
                         after={"status": RETIRED, "retired_at": starts,
                                "replaced_by": version})  # fmt: skip
        con.execute(
            "UPDATE critical_defs SET status = ?, effective_from = ?, adopted_at = ?, "
            "adopted_by = ? WHERE version = ?",
            [ADOPTED, effective_from, clock.now(), who, version],
        )
        summary = stance_summary(con, version)
        audit.record(con, who, "definition.adopt", SUBJECT.format(version),
                     before={"status": PROPOSED},
                     after={"status": ADOPTED, "effective_from": effective_from,
                            "stances": summary,
                            "replaces": [old["version"] for old in replaced]})  # fmt: skip
        details = row["explanation"]
        if replaced:
            details += (
                " Replaces "
                + ", ".join(f"v{old['version']} ({old['title']})" for old in replaced)
                + "."
            )
        events.add(con, kind=EVENT_KIND, title=f"Definition v{version} adopted: {row['title']}",
                   happened_at=starts, details=details)  # fmt: skip
        bugmetrics.refresh(con, who=who, reason=f"after adopting definition v{version}")
    return replaced[-1]["version"] if replaced else None


@requires(EDITOR, "retire a critical-bug definition")
@retry_on_conflict
def retire(con: duckdb.DuckDBPyConnection, version: int, *, who: Actor) -> None:
    """Retire a version now: an adopted one stops being in force, a draft or proposal is
    abandoned. Nothing replaces a retired adopted definition until another is adopted.

    Retiring an adopted definition adds an event "Definition vN retired: <title>". One
    whose effective date has not come yet cannot be retired (it would erase a decision
    announced for the future): adopt a later version to replace it, or retire it once it
    is in force.
    """
    with transaction(con):
        claim(con, _IN_FORCE)
        claim(con, "definition", version)
        row = get(con, version)
        if row["status"] == RETIRED:
            raise Conflict(f"Version {version} is already retired.")
        now = clock.now()
        starts = row["effective_from"]
        if row["status"] == ADOPTED and starts is not None and starts > now.date():
            raise Conflict(
                f"Version {version} takes effect on {row['effective_from']}; it cannot be "
                "retired before then."
            )
        con.execute(
            "UPDATE critical_defs SET status = ?, retired_at = ? WHERE version = ?",
            [RETIRED, now, version],
        )
        audit.record(con, who, "definition.retire", SUBJECT.format(version),
                     before={"status": row["status"]},
                     after={"status": RETIRED, "retired_at": now})  # fmt: skip
        if row["status"] == ADOPTED:
            events.add(con, kind=EVENT_KIND,
                       title=f"Definition v{version} retired: {row['title']}",
                       happened_at=now,
                       details="No critical-bug definition is in force until another "
                               "is adopted.")  # fmt: skip
            bugmetrics.refresh(con, who=who, reason=f"after retiring definition v{version}")
