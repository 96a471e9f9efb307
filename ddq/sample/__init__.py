"""A deterministic sample organisation: areas, teams and their weekly quality metrics.

A new user, every test, benchmark and screenshot needs an organisation that looks real
before anyone has uploaded a file. The numbers therefore follow small stories that the
dashboard is built to tell: teams improving at different paces, one team regressing over
the last half year, one joining the program late, one missing a week. The same seed and the
same ``today`` always give the same data, so a screenshot or a failing test can be rebuilt.

The sample is written like any import: one ledger entry of kind ``demo`` that owns every
value, team, area and champion term it created, and it records the rest it creates (meetings,
definitions, stances, targets, mappings, events: :mod:`ddq.created`), so that ``ddq undo`` or
``ddq demo --remove`` removes all of it again.

Everything is generated with numpy, a whole week of all teams at a time, and loaded with
one set-based INSERT per table: 500 teams over five years (about a million values) take a
few seconds, not minutes.

The parts: :mod:`~ddq.sample.organisation` (areas and teams), :mod:`~ddq.sample.champions`
(the roster), :mod:`~ddq.sample.stories` (the weekly metrics), :mod:`~ddq.sample.bugs`,
:mod:`~ddq.sample.definitions` and :mod:`~ddq.sample.meetings`; this module fills, removes
and ensures a sample database.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from ddq import audit, clock, created, db, ledger
from ddq.access import ADMIN, EDITOR, SYSTEM, Actor, requires
from ddq.errors import Conflict, DdqError, NotFound
from ddq.ingest.undo import Undone, undo
from ddq.metrics import EARLIEST_WEEK
from ddq.progress import make_scale_targets
from ddq.sample.bugs import BUG_WEEKS, insert_bugs
from ddq.sample.champions import champion_name, insert_roster
from ddq.sample.definitions import _add_definitions
from ddq.sample.meetings import _add_meetings
from ddq.sample.organisation import (
    _AREAS,
    _HEADS,
    MAX_AREAS,
    area_count,
    insert_org,
    plan_organisation,
)
from ddq.sample.stories import (
    FAST,
    FLAT,
    GAP_WEEKS_AGO,
    REGRESSION_WEEKS,
    SLOW,
    choose_stories,
    insert_values,
    simulate,
)

if TYPE_CHECKING:
    import duckdb

__all__ = [
    "BUG_WEEKS",
    "FAST",
    "FLAT",
    "GAP_WEEKS_AGO",
    "MAX_AREAS",
    "REGRESSION_WEEKS",
    "SLOW",
    "_AREAS",
    "_HEADS",
    "BadSampleSize",
    "SampleStories",
    "SampleSummary",
    "applied_sample",
    "area_count",
    "champion_name",
    "ensure_empty_database",
    "ensure_sample_database",
    "fill_demo",
    "remove_demo",
]


_ensure_lock = threading.Lock()


class BadSampleSize(DdqError, ValueError):
    """The requested sample cannot be built (no teams, no weeks, or weeks before 2000)."""


def _check_empty(con: duckdb.DuckDBPyConnection) -> None:
    teams = db.scalar(con, "SELECT count(*) FROM teams")
    values = db.scalar(con, "SELECT count(*) FROM metric_values")
    if teams or values:
        raise Conflict(
            f"This database already holds data ({teams} teams, {values} metric values); "
            "use a new --db file for the sample."
        )


class SampleStories(TypedDict):
    """Which teams carry the sample's stories (None when the sample is too small for one)."""

    regressing: str | None
    late_joiner: str | None
    late_join_week: dt.date | None
    gap_team: str | None
    gap_week: dt.date | None  # the week the gap team did not report
    without_champion: str | None
    handover: str | None
    shared_champion: list[str | None] | None  # two teams with one champion
    fast: list[str]
    slow: list[str]
    flat: list[str]


class SampleSummary(TypedDict):
    """What :func:`fill_demo` made: its import, counts, weeks (Mondays), seed and stories."""

    import_id: int
    areas: int
    teams: int
    values: int
    bugs: int
    first_week: dt.date
    last_week: dt.date
    seed: int
    stories: SampleStories


@requires(ADMIN, "load the sample data")
def fill_demo(
    con: duckdb.DuckDBPyConnection,
    *,
    teams: int = 16,
    weeks: int = 104,
    seed: int = 7,
    today: dt.date | None = None,
    who: Actor,
) -> SampleSummary:
    """Fill an empty database with a sample organisation, as one undoable import.

    ``weeks`` ISO weeks end with the current one (``today``'s). Refused with
    :class:`~ddq.errors.Conflict` when the database already has teams or values, so that
    made-up numbers never mix with real ones. Areas of the same name are reused (undoing
    the sample keeps an area it created when a team of someone's own is in it).

    Returns what it made, with the stories it encodes (which team regresses, joins late,
    misses a week, and the teams by pace).
    """
    if teams < 1:
        raise BadSampleSize(f"A sample needs at least one team, not {teams}.")
    if weeks < 1:
        raise BadSampleSize(f"A sample needs at least one week, not {weeks}.")
    last_week = clock.week_start(today or clock.today())
    first_week = last_week - dt.timedelta(weeks=weeks - 1)
    if first_week < EARLIEST_WEEK:
        raise BadSampleSize(
            f"{weeks} weeks back from {last_week} starts on {first_week}, before "
            f"{EARLIEST_WEEK}, the earliest week ddq accepts; ask for fewer weeks."
        )

    rng = np.random.default_rng(seed)
    org = plan_organisation(teams)
    stories = choose_stories(rng, teams, weeks)
    week_dates = np.datetime64(first_week, "D") + 7 * np.arange(weeks)
    values, written = simulate(rng, stories, week_dates)

    with db.transaction(con):
        _check_empty(con)
        created.snapshot(con)
        import_id = ledger.start(
            con,
            kind=ledger.DEMO,
            file_name=f"sample organisation (seed {seed})",
            sha256=None,
            who=who,
        )
        team_ids, n_areas = insert_org(con, org, import_id)
        n_values = insert_values(con, team_ids, week_dates, values, written, import_id)
        roster_story = insert_roster(con, team_ids, stories, first_week, last_week, import_id)
        n_bugs = insert_bugs(con, rng, org, team_ids, values, written, week_dates, import_id)
        _add_definitions(con, org, week_dates, who)

        make_scale_targets(con, today=today, who=who)  # targets set a quarter ago, 3 metrics
        if teams >= 2 and weeks >= 2:
            _add_meetings(con, last_week, who)
        ledger.finish(
            con,
            import_id,
            rows_read=n_values,
            added=n_values,
            updated=0,
            unchanged=0,
            teams_created=teams,
        )
        created.record(con, import_id)  # its meetings, definitions, targets...: undo removes them
        audit.record(con, who, "demo.load", f"sample organisation (seed {seed})",
                     after={"import_id": import_id, "teams": teams, "weeks": weeks,
                            "values": n_values})  # fmt: skip

    def name(index: int | None) -> str | None:
        return None if index is None else org.team_names[index]

    def week(index: int | None) -> dt.date | None:
        return None if index is None else first_week + dt.timedelta(weeks=index)

    by_pace = {
        pace: [n for n, p in zip(org.team_names, stories.paces, strict=True) if p == pace]
        for pace in (FAST, SLOW, FLAT)
    }
    return {
        "import_id": import_id,
        "areas": n_areas,
        "teams": teams,
        "values": n_values,
        "bugs": n_bugs,
        "first_week": first_week,
        "last_week": last_week,
        "seed": seed,
        "stories": {
            "regressing": name(stories.regressing),
            "late_joiner": name(stories.late_joiner),
            "late_join_week": week(stories.join_week),
            "gap_team": name(stories.gap_team),
            "gap_week": week(stories.gap_week),
            "without_champion": name(roster_story["without_champion"]),
            "handover": name(roster_story["handover"]),
            "shared_champion": None
            if roster_story["shared_champion"] is None
            else [name(i) for i in roster_story["shared_champion"]],
            "fast": by_pace[FAST],
            "slow": by_pace[SLOW],
            "flat": by_pace[FLAT],
        },
    }


def applied_sample(con: duckdb.DuckDBPyConnection) -> int | None:
    """The id of the sample organisation's import while it stands, else None."""
    import_id: int | None = db.scalar(
        con,
        "SELECT max(id) FROM imports WHERE kind = ? AND status = 'applied'",
        [ledger.DEMO],
    )
    return import_id


@requires(EDITOR, "remove the sample data")
def remove_demo(con: duckdb.DuckDBPyConnection, *, who: Actor) -> Undone:
    """Remove the sample organisation completely: undo its import.

    The same as ``ddq undo ID`` or undo on the Upload page for the sample's import: its
    values, teams, areas, roster, bugs, meetings, definitions, stances, targets, mappings
    and events go, and the bug metrics are recomputed. Refused (nothing changes) while
    something a person added since refers to them; :class:`~ddq.errors.NotFound` when the
    database holds no sample.
    """
    import_id = applied_sample(con)
    if import_id is None:
        raise NotFound("This database holds no sample organisation (or it was removed already).")
    return undo(con, import_id, who=who)


def ensure_empty_database(path: str | os.PathLike[str]) -> bool:
    """Create an empty database (migrated, no data) at ``path`` if no file is there yet.

    Returns True when it created one, False when a file already existed (left untouched).
    """
    target = Path(path)
    with _ensure_lock:
        if target.exists():
            return False
        with db.connect(target):
            pass
        return True


def ensure_sample_database(path: str | os.PathLike[str]) -> bool:
    """Create the database at ``path`` with the default sample if no file is there yet.

    Returns True when it created one, False when a file already existed (left untouched),
    so that a first start of the app shows a populated dashboard and a later start never
    touches real data. A half-made file is removed again if filling it fails.
    """
    target = Path(path)
    with _ensure_lock:
        if target.exists():
            return False
        opened = False
        try:
            with db.connect(target) as con:
                opened = True
                fill_demo(con, who=SYSTEM)
        except Conflict:
            return False  # another process created and filled it first
        except BaseException:
            if opened:  # never remove a file that someone else may be holding
                db.forget_migrated(target)
                for leftover in (target, target.with_name(target.name + ".wal")):
                    leftover.unlink(missing_ok=True)
            raise
        return True
