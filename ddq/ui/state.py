"""The app's view of the database: how it starts, what it holds, and its cached reads.

Each read is one typed function (:func:`counts`, :func:`meeting_team`, ...), cached and keyed
on the data version (see :mod:`ddq.ui.database`). The reads of the critical-bug definitions
and of the meeting live in :mod:`ddq.ui.reads_definitions` and :mod:`ddq.ui.reads_meetings`
and are importable from here.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import streamlit as st

from ddq import clock, db, ledger, metrics, org, ownership, roster, settings, trends
from ddq import progress as progress_core
from ddq.catalog import MetricDef
from ddq.ingest.bugs import mapping_names as _mapping_names
from ddq.ledger.kinds import SkippedRow
from ddq.sample import ensure_empty_database, ensure_sample_database
from ddq.sources import store as sources
from ddq.ui import database, reads_definitions, reads_meetings

_cached = database.cached
_key = database.key
configured_path = database.configured_path
db_path = database.db_path
version = database.version
connection = database.connection
kept_open = database.kept_open

# The reads of the critical-bug definitions and of the meeting, importable from here too.
adoption_dates = reads_definitions.adoption_dates
compare_definitions = reads_definitions.compare_definitions
definition_impact = reads_definitions.definition_impact
definition_in_force = reads_definitions.definition_in_force
definition_versions = reads_definitions.definition_versions
field_values = reads_definitions.field_values
stance_summary = reads_definitions.stance_summary
stances = reads_definitions.stances
team_mappings = reads_definitions.team_mappings
unmapped_values = reads_definitions.unmapped_values
community_health = reads_meetings.community_health
meeting_by_id = reads_meetings.meeting_by_id
meeting_list = reads_meetings.meeting_list
meeting_summary = reads_meetings.meeting_summary
meeting_team = reads_meetings.meeting_team

SAMPLE, EMPTY = "sample", "empty"  # what a first start created


@dataclass
class _Start:
    """What the app's first use of a database file did, and whether a session said so."""

    created: str | None  # SAMPLE, EMPTY, or None when the file was already there
    unannounced: bool
    lock: threading.Lock = field(default_factory=threading.Lock)

    def announce(self) -> str | None:
        """What was created, to the first caller only."""
        with self.lock:
            if not self.unannounced:
                return None
            self.unannounced = False
            return self.created


@st.cache_resource(show_spinner="Preparing the database…")
def _ensure_database(path: str, with_sample: bool) -> _Start:
    """Create the database if no file is there (once per process and file)."""
    create = ensure_sample_database if with_sample else ensure_empty_database
    made = create(Path(path))
    created = (SAMPLE if with_sample else EMPTY) if made else None
    return _Start(created, unannounced=made)


def ensure_database() -> str | None:
    """Create a missing database: at the default path, with the sample organisation, so
    that a first start shows a populated dashboard; at a path the configuration names, empty
    and ready for an organisation's own data.

    Returns what was created (SAMPLE or EMPTY) on the run that created it, so that
    session says so once; None on every other run, in every session.
    """
    named = configured_path()
    # Keyed on the absolute path: the default one is relative to the working directory.
    return _ensure_database(str(db.resolve_path(named).absolute()), named is None).announce()


@_cached
def _catalog(path: str, stamp: tuple[int, int]) -> list[MetricDef]:
    with db.connect(path) as con:
        return metrics.catalog(con)


def catalog() -> list[MetricDef]:
    """Every metric the database knows, in display order."""
    return _catalog(*_key())


@_cached
def _counts(path: str, stamp: tuple[int, int]) -> metrics.Counts:
    with db.connect(path) as con:
        return metrics.counts(con)


def counts() -> metrics.Counts:
    """Sizes of the database: areas, teams, values and the weeks they span."""
    return _counts(*_key())


@_cached
def _teams(own_only: bool, path: str, stamp: tuple[int, int]) -> list[str]:
    with db.connect(path) as con:
        return metrics.team_names(con, own_only=own_only)


def teams() -> list[str]:
    """Every team's name, Unassigned included while it holds values."""
    return _teams(False, *_key())


def own_teams() -> list[str]:
    """The teams that can have a champion, targets and stances."""
    return _teams(True, *_key())


@_cached
def _unassigned(path: str, stamp: tuple[int, int]) -> ownership.UnassignedBugs | None:
    with db.connect(path) as con:
        return ownership.unassigned(con)


def unassigned() -> ownership.UnassignedBugs | None:
    """The bugs no team owns, when there are any."""
    return _unassigned(*_key())


@_cached
def _areas(path: str, stamp: tuple[int, int]) -> list[str]:
    with db.connect(path) as con:
        return [str(a["name"]) for a in org.areas(con)]


def areas() -> list[str]:
    """The names of the areas."""
    return _areas(*_key())


@_cached
def _area_details(path: str, stamp: tuple[int, int]) -> list[roster.AreaDetail]:
    with db.connect(path) as con:
        return roster.areas_detail(con)


def area_details() -> list[roster.AreaDetail]:
    """Every area with its head, channels and teams."""
    return _area_details(*_key())


@_cached
def _settings(path: str, stamp: tuple[int, int]) -> dict[str, str]:
    with db.connect(path) as con:
        return settings.current(con)


def current_settings() -> dict[str, str]:
    """The organisation's settings as they are now."""
    return _settings(*_key())


@_cached
def _mapping_names_of(path: str, stamp: tuple[int, int]) -> list[str]:
    with db.connect(path) as con:
        return _mapping_names(con)


def mapping_names() -> list[str]:
    """The saved column mappings for bug-tracker exports."""
    return _mapping_names_of(*_key())


def metric(key: str) -> MetricDef:
    return next(m for m in catalog() if m.key == key)


@_cached
def _headlines(
    area: str | None, today: dt.date, path: str, stamp: tuple[int, int]
) -> list[dict[str, Any]]:
    with db.connect(path) as con:
        return trends.headlines(con, trends.Scope(area=area), metrics.catalog(con), today)


def headlines(area: str | None) -> list[dict[str, Any]]:
    return _headlines(area, clock.today(), *_key())


@_cached
def _movers(area: str | None, key: str, today: dt.date, path: str,
            stamp: tuple[int, int]) -> tuple[list[dict[str, Any]], int]:  # fmt: skip
    with db.connect(path) as con:
        scope = trends.Scope(area=area)
        return (trends.movers(con, scope, metric(key), today),
                trends.history_weeks(con, scope, key, today))  # fmt: skip


def movers(area: str | None, key: str) -> tuple[list[dict[str, Any]], int]:
    """The scope's movers on the metric, and its weeks of history of that metric."""
    return _movers(area, key, clock.today(), *_key())


@_cached
def _freshness(
    area: str | None, today: dt.date, path: str, stamp: tuple[int, int]
) -> dict[str, Any]:
    with db.connect(path) as con:
        return trends.freshness(con, trends.Scope(area=area), today)


def freshness(area: str | None) -> dict[str, Any]:
    return _freshness(area, clock.today(), *_key())


@_cached
def _source_statuses(path: str, stamp: tuple[int, int]) -> list[sources.SourceStatus]:
    with db.connect(path) as con:
        return sources.statuses(con)


def source_statuses() -> list[sources.SourceStatus]:
    """Every live source with its last sync and its last good one, by name."""
    return _source_statuses(*_key())


@dataclass(frozen=True)
class BugDataAge:
    """When bug data last arrived, and from which source (None: a file import)."""

    at: dt.datetime
    source: str | None


@_cached
def _bug_data_age(path: str, stamp: tuple[int, int]) -> BugDataAge | None:
    with db.connect(path) as con:
        if not db.scalar(con, "SELECT count(*) FROM bugs"):
            return None
        at = sources.bug_data_age(con)
        if at is None:
            return None
        synced = [s.last_good for s in sources.statuses(con) if s.last_good is not None]
        newest = max(synced, key=lambda run: run.finished_at, default=None)
    if newest is None or newest.finished_at != at:
        return BugDataAge(at, None)
    return BugDataAge(at, newest.source)


def bug_data_age() -> BugDataAge | None:
    """How old the bug data is (None when there are no bugs, or none arrived by an import)."""
    return _bug_data_age(*_key())


@_cached
def _trend(key: str, area: str | None, teams: tuple[str, ...], weeks: int | None,
           rolling: int, baseline: tuple[dt.date, dt.date] | None, today: dt.date,
           path: str, stamp: tuple[int, int]) -> trends.TrendView | None:  # fmt: skip
    with db.connect(path) as con:
        return trends.build_trend(con, metric(key), trends.Scope(area, teams), weeks,
                                  rolling_weeks=rolling, baseline=baseline, today=today)  # fmt: skip


def trend(key: str, scope: trends.Scope, weeks: int | None, rolling: int,
          baseline: tuple[dt.date, dt.date] | None) -> trends.TrendView | None:  # fmt: skip
    """The cached trend view for the Trends page."""
    return _trend(key, scope.area, scope.teams, weeks, rolling, baseline, clock.today(),
                  *_key())  # fmt: skip


@_cached
def _roster(today: dt.date, path: str, stamp: tuple[int, int]) -> list[roster.RosterRow]:
    with db.connect(path) as con:
        return roster.roster(con, today)


def roster_rows() -> list[roster.RosterRow]:
    """The current roster (cached): every active team with its champion."""
    return _roster(clock.today(), *_key())


@_cached
def _history(team: str, path: str, stamp: tuple[int, int]) -> list[roster.ChampionTerm]:
    with db.connect(path) as con:
        return roster.history(con, team)


def history(team: str) -> list[roster.ChampionTerm]:
    return _history(team, *_key())


@_cached
def _skipped(import_id: int, path: str, stamp: tuple[int, int]) -> list[SkippedRow]:
    with db.connect(path) as con:
        return ledger.skipped_rows(con, import_id)


def skipped_rows(import_id: int) -> list[SkippedRow]:
    """The rows an import skipped, with line and reason."""
    return _skipped(import_id, *_key())


@_cached
def _progress(team: str | None, area: str | None, today: dt.date, path: str,
              stamp: tuple[int, int]) -> list[progress_core.TeamMetricProgress]:  # fmt: skip
    with db.connect(path) as con:
        return progress_core.progress_for(con, team=team, area=area, today=today)


def progress(
    team: str | None = None, area: str | None = None
) -> list[progress_core.TeamMetricProgress]:
    """Cached progress of one team, an area, or (both None) every team."""
    return _progress(team, area, clock.today(), *_key())


@_cached
def _holds_only_sample(path: str, stamp: tuple[int, int]) -> bool:
    with db.connect(path) as con:
        return ledger.applied_kinds(con) == {ledger.DEMO}


def holds_only_sample() -> bool:
    """True while every applied import is the generated sample organisation.

    Cached as the answer itself: every run of every page asks (for the banner). One small
    query, not the whole ledger: after a change to the data, every page's first run asks.
    """
    return _holds_only_sample(*_key())


FIRST_STEPS = (
    "First import the roster of areas, teams and champions (on the **Champions** page, or "
    "`ddq import roster FILE`); then weekly metrics, or a bug-tracker export with the mapping "
    "of its components to teams (**Upload** page); then agree on a critical-bug definition "
    "(**Critical bugs** page) and start the first meeting (**Meeting** page). To look around "
    "with made-up data first, load the sample organisation: `uv run ddq --db {path} demo`."
)


OWN_ORGANISATION = (
    "For your own organisation, point `DDQ_DB` at a new file (it starts empty), or remove the "
    "sample completely with `ddq demo --remove` (or by undoing its import on the Upload page); "
    "the README's *Starting your own organisation* says more."
)


def _is_empty() -> bool:
    sizes = counts()
    return not sizes["teams"] and not sizes["values"]


def database_banner(created: str | None) -> None:
    """Say plainly when the numbers on screen are made up, and what to do in an empty database."""
    path = _code(db_path())
    if created == SAMPLE:
        st.info(
            f"No database existed, so ddq created {path} with a sample organisation "
            f"(made-up teams and numbers) to look around in. {OWN_ORGANISATION}",
            icon=":material/science:",
        )
    elif created == EMPTY:
        st.info(
            f"No database existed at {path}, so ddq created it, **empty**, for your own "
            f"organisation. {_first_steps()}",
            icon=":material/database:",
        )
    elif holds_only_sample():
        st.info(
            "You are looking at the **sample organisation**: made-up teams and numbers. "
            f"{OWN_ORGANISATION}",
            icon=":material/science:",
        )
    elif _is_empty():
        st.info(
            f"This database holds no teams yet. {_first_steps()}",
            icon=":material/database:",
        )


def _first_steps() -> str:
    return FIRST_STEPS.format(path=_shell(db_path()))


def _code(path: Path) -> str:
    """A path as a Markdown code span (any backticks in it cannot end the span)."""
    return f"`` {os.fspath(path).replace('`', chr(0x2018))} ``"


def _shell(path: Path) -> str:
    """A path as a shell word inside a code span."""
    return shlex.quote(os.fspath(path)).replace("`", chr(0x2018))
