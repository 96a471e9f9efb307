"""The app's view of the database: where it is, how it starts, cached reads.

Every read is cached per database file and keyed on the file's modification stamp
(:func:`ddq.db.data_version`) plus the read's own arguments, so a new upload (from this app
or from the CLI) shows on the next rerun, stale numbers are never served, and a room full
of viewers costs about one query.
"""

from __future__ import annotations

import datetime as dt
import os
import shlex
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from ddq import db, ledger, metrics, org, ownership, roster, settings, trends
from ddq.sample import ensure_empty_database, ensure_sample_database

_CACHE = {"max_entries": 256, "show_spinner": False}
SAMPLE, EMPTY = "sample", "empty"  # what a first start created


def configured_path() -> str | None:
    """The database the app's configuration names, or None for the default file.

    ``$DDQ_DB`` (also when set at the top level of ``secrets.toml``, which Streamlit puts
    in the environment), else ``database`` in the ``[ddq]`` section of ``secrets.toml``.
    """
    named = os.environ.get(db.DB_ENV_VAR)
    if named:  # the common case of a deployment, asked on every read: no secrets to parse
        return named
    section: Any = {}
    try:
        if st.secrets.load_if_toml_exists():  # puts a top-level DDQ_DB in the environment
            section = st.secrets.get("ddq", {})
    except Exception:  # an unreadable secrets file is as good as none; Streamlit logs it
        pass
    named = os.environ.get(db.DB_ENV_VAR)
    if not named and isinstance(section, Mapping):
        named = section.get("database")
    return str(named) if named else None


def db_path() -> Path:
    return db.resolve_path(configured_path())


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


def version() -> tuple[int, int]:
    return db.data_version(db_path())


def connection():
    """A short-lived connection for one write from a page."""
    return db.connect(db_path())


def _key() -> tuple[str, tuple[int, int]]:
    path = db_path()
    return str(path), db.data_version(path)


@st.cache_data(**_CACHE)
def _simple(kind: str, path: str, stamp: tuple[int, int]) -> Any:
    with db.connect(path) as con:
        if kind == "catalog":
            return metrics.catalog(con)
        if kind == "counts":
            return metrics.counts(con)
        if kind == "imports":
            return pd.DataFrame(ledger.list_imports(con))
        if kind == "teams":
            return metrics.team_names(con)
        if kind == "own_teams":  # the teams that can have a champion, targets, stances
            return metrics.team_names(con, own_only=True)
        if kind == "unassigned":
            return ownership.unassigned(con)
        if kind == "areas":
            return [a["name"] for a in org.areas(con)]
        if kind == "area_details":
            return roster.areas_detail(con)
        if kind == "settings":
            return settings.current(con)
        if kind == "mapping_names":
            from ddq.ingest.bugs import mapping_names

            return mapping_names(con)
    raise ValueError(kind)


def read(kind: str) -> Any:
    """A cached read: catalog, counts, imports, teams, own_teams, unassigned, areas,
    area_details, settings or mapping_names."""
    return _simple(kind, *_key())


def metric(key: str) -> metrics.MetricDef:
    return next(m for m in read("catalog") if m.key == key)


@st.cache_data(**_CACHE)
def _headlines(area: str | None, today: dt.date, path: str, stamp: tuple[int, int]) -> list:
    with db.connect(path) as con:
        return trends.headlines(con, trends.Scope(area=area), metrics.catalog(con), today)


def headlines(area: str | None) -> list[dict[str, Any]]:
    return _headlines(area, metrics.today_utc(), *_key())


@st.cache_data(**_CACHE)
def _movers(area: str | None, key: str, today: dt.date, path: str,
            stamp: tuple[int, int]) -> tuple[list, int]:  # fmt: skip
    with db.connect(path) as con:
        scope = trends.Scope(area=area)
        return (trends.movers(con, scope, metric(key), today),
                trends.history_weeks(con, scope, key, today))  # fmt: skip


def movers(area: str | None, key: str) -> tuple[list[dict[str, Any]], int]:
    """The scope's movers on the metric, and its weeks of history of that metric."""
    return _movers(area, key, metrics.today_utc(), *_key())


@st.cache_data(**_CACHE)
def _freshness(area: str | None, today: dt.date, path: str, stamp: tuple[int, int]) -> dict:
    with db.connect(path) as con:
        return trends.freshness(con, trends.Scope(area=area), today)


def freshness(area: str | None) -> dict[str, Any]:
    return _freshness(area, metrics.today_utc(), *_key())


@st.cache_data(**_CACHE)
def _trend(key: str, area: str | None, teams: tuple[str, ...], weeks: int | None,
           rolling: int, baseline: tuple[dt.date, dt.date] | None, today: dt.date,
           path: str, stamp: tuple[int, int]) -> trends.TrendView | None:  # fmt: skip
    with db.connect(path) as con:
        return trends.build_trend(con, metric(key), trends.Scope(area, teams), weeks,
                                  rolling_weeks=rolling, baseline=baseline, today=today)  # fmt: skip


def trend(key: str, scope: trends.Scope, weeks: int | None, rolling: int,
          baseline: tuple[dt.date, dt.date] | None) -> trends.TrendView | None:  # fmt: skip
    """The cached trend view for the Trends page."""
    return _trend(key, scope.area, scope.teams, weeks, rolling, baseline, metrics.today_utc(),
                  *_key())  # fmt: skip


@st.cache_data(**_CACHE)
def _roster(today: dt.date, path: str, stamp: tuple[int, int]) -> list:
    with db.connect(path) as con:
        return roster.roster(con, today)


def roster_rows() -> list[dict[str, Any]]:
    """The current roster (cached): every active team with its champion."""
    return _roster(metrics.today_utc(), *_key())


@st.cache_data(**_CACHE)
def _history(team: str, path: str, stamp: tuple[int, int]) -> list:
    with db.connect(path) as con:
        return roster.history(con, team)


def history(team: str) -> list[dict[str, Any]]:
    return _history(team, *_key())


@st.cache_data(**_CACHE)
def _skipped(import_id: int, path: str, stamp: tuple[int, int]) -> list:
    with db.connect(path) as con:
        return ledger.skipped_rows(con, import_id)


def skipped_rows(import_id: int) -> list[dict[str, Any]]:
    """The rows an import skipped, with line and reason."""
    return _skipped(import_id, *_key())


@st.cache_data(**_CACHE)
def _critical(kind: str, args: tuple, path: str, stamp: tuple[int, int]) -> Any:
    from ddq import critical, ownership

    with db.connect(path) as con:
        if kind == "versions":
            return critical.versions(con)
        if kind == "current":
            return critical.current(con)
        if kind == "stances":
            return critical.stances(con, *args)
        if kind == "summary":
            return critical.stance_summary(con, *args)
        if kind == "impact":
            return critical.impact(con, *args)
        if kind == "compare":
            return critical.compare(con, *args)
        if kind == "adoption_dates":
            return critical.adoption_dates(con)
        if kind == "field_values":
            return critical.field_values(con)
        if kind == "mappings":
            return ownership.mappings(con)
        if kind == "unmapped":
            return ownership.unmapped_values(con)
    raise ValueError(kind)


def critical(kind: str, *args: Any) -> Any:
    """Cached reads for the Critical bugs page: versions, current, stances, summary,
    impact, compare, adoption_dates, field_values, mappings and unmapped."""
    return _critical(kind, args, *_key())


@st.cache_data(**_CACHE)
def _progress(team: str | None, area: str | None, today: dt.date, path: str,
              stamp: tuple[int, int]) -> list:  # fmt: skip
    from ddq import progress

    with db.connect(path) as con:
        return progress.progress_for(con, team=team, area=area, today=today)


def progress(team: str | None = None, area: str | None = None) -> list[Any]:
    """Cached progress of one team, an area, or (both None) every team."""
    return _progress(team, area, metrics.today_utc(), *_key())


@st.cache_data(**_CACHE)
def _meeting(kind: str, args: tuple, path: str, stamp: tuple[int, int]) -> Any:
    from ddq import meeting

    with db.connect(path) as con:
        if kind == "list":
            return meeting.meetings(con)
        if kind == "get":
            return meeting.get_meeting(con, *args)
        if kind == "team":
            return meeting.team_view(con, *args)
        if kind == "health":
            return meeting.community_health(con, areas=args[0])
        if kind == "summary":
            return meeting.summary_markdown(con, *args)
    raise ValueError(kind)


def meeting(kind: str, *args: Any) -> Any:
    """Cached meeting reads (list, get, team, health, summary): a room of viewers
    refreshing every 30 seconds costs one query per change, not one per viewer."""
    return _meeting(kind, args, *_key())


@st.cache_data(**_CACHE)
def _holds_only_sample(path: str, stamp: tuple[int, int]) -> bool:
    imports = _simple("imports", path, stamp)
    if imports.empty:
        return False
    applied = imports[imports["status"] == "applied"]
    return not applied.empty and bool((applied["kind"] == ledger.DEMO).all())


def holds_only_sample() -> bool:
    """True while every applied import is the generated sample organisation.

    Cached as the answer itself: every run of every page asks (for the banner), and
    filtering the imports table each time was about a tenth of a warm page view's work.
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
    counts = read("counts")
    return not counts["teams"] and not counts["values"]


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
