"""Cached reads of the critical-bug definitions and of which team owns which bugs."""

from __future__ import annotations

from typing import Any

from ddq import critical as definitions
from ddq import db, ownership
from ddq.critical import Comparison, Definition, Impact, TeamStance
from ddq.ui.database import cached as _cached
from ddq.ui.database import key as _key


@_cached
def _definition_versions(path: str, stamp: tuple[int, int]) -> list[Definition]:
    with db.connect(path) as con:
        return definitions.versions(con)


def definition_versions() -> list[Definition]:
    """Every critical-bug definition, newest first."""
    return _definition_versions(*_key())


@_cached
def _definition_in_force(path: str, stamp: tuple[int, int]) -> Definition | None:
    with db.connect(path) as con:
        return definitions.current(con)


def definition_in_force() -> Definition | None:
    """The critical-bug definition in force today, or None."""
    return _definition_in_force(*_key())


@_cached
def _stances(version: int, path: str, stamp: tuple[int, int]) -> list[TeamStance]:
    with db.connect(path) as con:
        return definitions.stances(con, version)


def stances(version: int) -> list[TeamStance]:
    """Every team's stance on a definition version."""
    return _stances(version, *_key())


@_cached
def _stance_summary(version: int, path: str, stamp: tuple[int, int]) -> dict[str, int]:
    with db.connect(path) as con:
        return definitions.stance_summary(con, version)


def stance_summary(version: int) -> dict[str, int]:
    """How many teams took each stance on a definition version."""
    return _stance_summary(version, *_key())


@_cached
def _impact(version: int, path: str, stamp: tuple[int, int]) -> Impact:
    with db.connect(path) as con:
        return definitions.impact(con, version)


def definition_impact(version: int) -> Impact:
    """What adopting a definition version would change."""
    return _impact(version, *_key())


@_cached
def _compare(a: int, b: int, path: str, stamp: tuple[int, int]) -> Comparison:
    with db.connect(path) as con:
        return definitions.compare(con, a, b)


def compare_definitions(a: int, b: int) -> Comparison:
    """How two definition versions differ."""
    return _compare(a, b, *_key())


@_cached
def _adoption_dates(path: str, stamp: tuple[int, int]) -> definitions.AdoptionDates:
    with db.connect(path) as con:
        return definitions.adoption_dates(con)


def adoption_dates() -> definitions.AdoptionDates:
    """The dates a new definition may take effect from."""
    return _adoption_dates(*_key())


@_cached
def _field_values(path: str, stamp: tuple[int, int]) -> dict[str, list[str]]:
    with db.connect(path) as con:
        return definitions.field_values(con)


def field_values() -> dict[str, list[str]]:
    """The values each bug field takes, for writing a definition's rule."""
    return _field_values(*_key())


@_cached
def _team_mappings(path: str, stamp: tuple[int, int]) -> list[dict[str, Any]]:
    with db.connect(path) as con:
        return ownership.mappings(con)


def team_mappings() -> list[dict[str, Any]]:
    """Which tracker values (components, labels) belong to which team."""
    return _team_mappings(*_key())


@_cached
def _unmapped(path: str, stamp: tuple[int, int]) -> list[dict[str, Any]]:
    with db.connect(path) as con:
        return ownership.unmapped_values(con)


def unmapped_values() -> list[dict[str, Any]]:
    """Tracker values no team owns yet."""
    return _unmapped(*_key())
