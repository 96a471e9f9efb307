"""Which database the app uses, its connections, and how its reads are cached.

Every read is cached per database file and keyed on the file's modification stamp
(:func:`ddq.db.data_version`) plus the read's own arguments, so a new upload (from this app
or from the CLI) shows on the next rerun, stale numbers are never served, and a room full
of viewers costs about one query.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import duckdb
import streamlit as st

from ddq import db

P = ParamSpec("P")
R = TypeVar("R")


def cached(read: Callable[P, R]) -> Callable[P, R]:
    """Cache a read per process: a room full of viewers costs about one query per change.

    Every cached read takes the database file and its stamp (:func:`key`) as its last two
    arguments, so a changed file is a new key.
    """
    return st.cache_data(max_entries=256, show_spinner=False)(read)


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


def version() -> tuple[int, int]:
    return db.data_version(db_path())


def connection() -> AbstractContextManager[duckdb.DuckDBPyConnection]:
    """A short-lived connection for one write from a page."""
    return db.connect(db_path())


def kept_open() -> AbstractContextManager[None]:
    """One connection for every read and write of this page run (see :func:`ddq.db.kept_open`)."""
    return db.kept_open(db_path())


def key() -> tuple[str, tuple[int, int]]:
    """The database file and its stamp: the last two arguments of every cached read."""
    path = db_path()
    return str(path), db.data_version(path)
