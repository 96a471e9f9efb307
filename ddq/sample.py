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
"""

from __future__ import annotations

import datetime as dt
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from ddq import audit, clock, created, db, ledger
from ddq.access import ADMIN, EDITOR, SYSTEM, Actor, requires
from ddq.errors import Conflict, DdqError, NotFound
from ddq.ingest.undo import Undone, undo
from ddq.metrics import DEFAULT_CATALOG, EARLIEST_WEEK, current_week
from ddq.org import name_key

if TYPE_CHECKING:
    import duckdb

# A program with more areas than this is not one community any more; more teams go into
# bigger areas instead.
MAX_AREAS = 25
# "Over the last ~6 months": long enough for the trend to be a signal, not a bad week.
REGRESSION_WEEKS = 26
# Recent enough to be on the meeting's screen, old enough to sit between reported weeks.
GAP_WEEKS_AGO = 3

FAST, SLOW, FLAT = "fast", "slow", "flat"
# Per pace: how far the inflow of critical bugs falls at most (share), and in how many weeks
# a team gets about two thirds of the way there. Change is slow: a year, not a sprint.
_PACES: dict[str, tuple[float, float]] = {
    FAST: (0.65, 40.0),
    SLOW: (0.45, 70.0),
    FLAT: (0.04, 60.0),
}
# How the teams that carry no special story are spread over the paces.
_PACE_PATTERN = (FAST, SLOW, FLAT, SLOW)

# Areas in the order they are used, each with the teams it holds first. Team names are
# unique across all areas; with more teams than names an area numbers them ("Checkout 2").
_AREAS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Payments & Checkout", ("Checkout", "Fraud Detection", "Payment Gateway", "Billing",
                             "Refunds", "Invoicing", "Ledger", "Wallet")),
    ("Search & Discovery", ("Search Ranking", "Recommendations", "Catalog",
                            "Query Understanding", "Personalisation", "Browse")),
    ("Platform", ("Identity", "API Gateway", "Data Pipeline", "Observability",
                  "Build & Release", "Service Mesh")),
    ("Mobile", ("iOS App", "Android App", "Mobile Platform", "Push Notifications",
                "App Onboarding")),
    ("Growth", ("Onboarding", "Referrals", "Experimentation", "Lifecycle Messaging",
                "Pricing")),
    ("Logistics & Fulfilment", ("Warehouse", "Shipping", "Returns", "Inventory",
                                "Delivery Tracking")),
    ("Customer Care", ("Help Centre", "Support Tools", "Chatbot", "Case Routing")),
    ("Data & Insights", ("Data Warehouse", "Reporting", "Analytics Platform", "ML Ops")),
    ("Security & Trust", ("Access Management", "Trust & Safety", "Vulnerability Response",
                          "Compliance Automation")),
    ("Infrastructure", ("Compute", "Networking", "Storage", "Databases", "Cloud Cost")),
    ("Marketplace", ("Seller Tools", "Listings", "Reviews & Ratings", "Partner Integrations")),
    ("Accounts", ("Sign-in", "Profiles", "Permissions", "Account Recovery")),
    ("Content", ("Content Management", "Media Pipeline", "Localisation", "Editorial Tools")),
    ("Ads", ("Ad Serving", "Ad Auctions", "Campaign Manager", "Ad Measurement")),
    ("Messaging", ("Email Delivery", "Notifications", "In-App Messages", "SMS Gateway")),
    ("Web Experience", ("Web Storefront", "Design System", "Web Performance",
                        "Accessibility")),
    ("Enterprise", ("Admin Console", "SSO Integrations", "Audit Trail", "Enterprise Billing")),
    ("Finance Systems", ("Accounts Payable", "Tax Engine", "Revenue Recognition", "Payroll")),
    ("Subscriptions", ("Plans & Entitlements", "Renewals", "Trials", "Dunning")),
    ("Partner Ecosystem", ("Public API", "Webhooks", "App Marketplace", "Partner Portal")),
    ("Internal Tools", ("Back Office", "Feature Flags", "Config Service", "Admin Tools")),
    ("Maps & Location", ("Geocoding", "Routing Engine", "Map Tiles", "Places")),
    ("Video", ("Streaming", "Transcoding", "Player", "Live Events")),
    ("Quality Engineering", ("Test Infrastructure", "Device Lab", "Performance Testing",
                             "Release Quality")),
    ("Voice & Assistants", ("Speech Recognition", "Voice Commands", "Assistant Dialogue",
                            "Wake Word")),
)  # fmt: skip

# One head per area, in the same order; not ASCII only, as real rosters are not.
_HEADS: tuple[str, ...] = (
    "Priya Raman", "Jonas Becker", "Amara Okafor", "Mateo García", "Sofia Lindqvist",
    "Kenji Watanabe", "Leila Haddad", "Tom Gallagher", "Ana Ferreira", "Dmitri Volkov",
    "Grace Mensah", "Lukas Novák", "Mei Chen", "Omar Farouk", "Ingrid Solberg",
    "Rafael Costa", "Hannah Weiss", "Arjun Mehta", "Chloé Martin", "Samuel Adeyemi",
    "Yuki Tanaka", "Elena Petrova", "Daniel Cohen", "Fatima Zahra", "Nils Eriksson",
)  # fmt: skip

_METRIC_KEYS: tuple[str, ...] = tuple(m.key for m in DEFAULT_CATALOG)

# Champions are made from these names, first with last in turn, so every team's differs.
_FIRST = (
    "Alex",
    "Bea",
    "Chidi",
    "Dana",
    "Emil",
    "Farah",
    "Goran",
    "Hana",
    "Ivo",
    "Jade",
    "Kofi",
    "Lena",
    "Marco",
    "Nia",
    "Olle",
    "Pia",
    "Quinn",
    "Rosa",
    "Sven",
    "Tara",
)
_LAST = (
    "Andersen",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eze",
    "Fischer",
    "Gupta",
    "Holm",
    "Ito",
    "Jansen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "Ortiz",
    "Park",
    "Quist",
    "Rossi",
    "Silva",
    "Tanaka",
    "Umar",
    "Varga",
    "Wong",
)

_ensure_lock = threading.Lock()


class BadSampleSize(DdqError, ValueError):
    """The requested sample cannot be built (no teams, no weeks, or weeks before 2000)."""


@dataclass(frozen=True)
class _Org:
    """The areas and teams of a sample, in the order they are created."""

    area_names: list[str]
    area_heads: list[str]
    team_names: list[str]
    team_area: list[int]  # index into area_names


@dataclass(frozen=True)
class _Stories:
    """Which team (by index) carries which story; None when the sample is too small for it."""

    paces: list[str]
    regressing: int | None
    late_joiner: int | None
    join_week: int | None  # index of the late joiner's first week
    gap_team: int | None
    gap_week: int | None  # index of the week with no rows for the gap team


def area_count(teams: int) -> int:
    """About the square root of the team count: 16 teams make 4 areas of 4, 500 make 22."""
    return max(1, min(MAX_AREAS, round(math.sqrt(teams)), teams))


def _organisation(teams: int) -> _Org:
    n_areas = area_count(teams)
    area_names = [name for name, _ in _AREAS[:n_areas]]
    area_heads = list(_HEADS[:n_areas])
    team_names: list[str] = []
    team_area: list[int] = []
    for area in range(n_areas):
        pool = _AREAS[area][1]
        size = teams // n_areas + (1 if area < teams % n_areas else 0)
        for k in range(size):
            base = pool[k % len(pool)]
            team_names.append(base if k < len(pool) else f"{base} {k // len(pool) + 1}")
            team_area.append(area)
    return _Org(area_names, area_heads, team_names, team_area)


def _stories(rng: np.random.Generator, teams: int, weeks: int) -> _Stories:
    order = [int(i) for i in rng.permutation(teams)]
    regressing = order[0] if weeks >= 4 else None
    late_joiner = order[1 % teams] if weeks >= 4 else None
    join_week = None
    if late_joiner is not None:
        spread = weeks // 10
        offset = int(rng.integers(-spread, spread + 1))
        join_week = min(max(weeks // 2 + offset, 1), weeks - 2)
    gap_team: int | None = order[2 % teams]
    gap_week: int | None = weeks - 1 - GAP_WEEKS_AGO
    first_reported = join_week if gap_team == late_joiner and join_week is not None else 0
    if gap_week <= first_reported:
        gap_team = gap_week = None  # too few weeks for a gap between reported weeks

    others = [i for i in order if i not in (regressing, late_joiner)]
    paces = [SLOW] * teams
    for position, team in enumerate(others):
        paces[team] = _PACE_PATTERN[position % len(_PACE_PATTERN)]
    if regressing is not None:
        paces[regressing] = SLOW  # it was improving before it slipped
    if late_joiner is not None:
        paces[late_joiner] = FAST  # new teams find the quick wins first
    return _Stories(paces, regressing, late_joiner, join_week, gap_team, gap_week)


def _simulate(
    rng: np.random.Generator, stories: _Stories, week_dates: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every metric for every team and week: values (T, W, M) and which cells to write."""
    teams, weeks = len(stories.paces), len(week_dates)
    week_index = np.arange(weeks)

    # What each team is like: how big, how buggy, how fast it resolves.
    size = np.clip(rng.lognormal(0.0, 0.45, teams), 0.4, 3.0)
    new_base = size * rng.uniform(3.0, 7.0, teams)
    resolve_base = rng.uniform(0.22, 0.36, teams)
    sla_base = rng.uniform(0.2, 0.45, teams)
    days_base = rng.uniform(4.0, 12.0, teams)
    backlog_base = size * rng.uniform(20.0, 60.0, teams)
    escaped_base = size * rng.uniform(0.6, 2.0, teams)
    pass_base = rng.uniform(86.0, 96.0, teams)

    start = np.zeros(teams)
    if stories.late_joiner is not None:
        start[stories.late_joiner] = stories.join_week
    weeks_in = np.clip(week_index[None, :] - start[:, None], 0, None)
    pace_max = np.array([_PACES[p][0] for p in stories.paces])
    pace_weeks = np.array([_PACES[p][1] for p in stories.paces])
    improved = pace_max[:, None] * (1.0 - np.exp(-weeks_in / pace_weeks[:, None]))
    quality = 1.0 - improved  # 1 at the start, lower is better

    # The regression: within ~10 weeks the inflow grows 2.5-fold and stays there.
    worse = np.ones((teams, weeks))
    if stories.regressing is not None:
        span = min(REGRESSION_WEEKS, weeks // 2)
        ramp = max(1, round(span * 0.4))
        since = week_index - (weeks - span) + 1
        worse[stories.regressing] = 1.0 + 1.5 * np.clip(since / ramp, 0.0, 1.0)
    if stories.late_joiner is not None:
        # Before it joined, nobody worked on its quality: more bugs came in.
        worse[stories.late_joiner, : stories.join_week] = 1.5

    # A mild yearly rhythm (±8%): most new bugs in mid-January, after the holiday releases.
    day_of_year = (week_dates - week_dates.astype("datetime64[Y]")).astype(int)
    season = 1.0 + 0.08 * np.cos(2 * np.pi * (day_of_year - 15) / 365.25)

    new_rate = new_base[:, None] * quality * worse * season[None, :]
    new_critical = rng.poisson(new_rate * rng.gamma(8.0, 1 / 8, (teams, weeks)))
    resolve_share = np.clip(resolve_base[:, None] * (1 + 0.9 * improved) / worse**0.6, 0.05, 0.92)

    # Open critical bugs carry over: open = last week's open + new - resolved.
    steady = new_base * (1 - resolve_base) / resolve_base
    open_now = np.rint(steady * rng.uniform(0.8, 1.3, teams)).astype(np.int64)
    backlog_noise = rng.normal(0.0, 0.07, (teams, weeks))
    open_critical = np.empty((teams, weeks), dtype=np.int64)
    resolved = np.empty((teams, weeks), dtype=np.int64)
    wobble = np.empty((teams, weeks))
    drift = np.zeros(teams)
    for week in range(weeks):
        at_risk = open_now + new_critical[:, week]
        resolved[:, week] = rng.binomial(at_risk, resolve_share[:, week])
        open_now = at_risk - resolved[:, week]
        open_critical[:, week] = open_now
        drift = 0.85 * drift + backlog_noise[:, week]
        wobble[:, week] = drift

    past_sla = rng.binomial(
        open_critical, np.clip(sla_base[:, None] * quality**0.8 * worse**0.5, 0.0, 0.95)
    )
    days = days_base[:, None] * (0.45 + 0.55 * quality) * worse**0.7
    days = np.maximum(np.round(days * rng.lognormal(0.0, 0.25, (teams, weeks)), 1), 0.1)
    other_open = np.rint(
        backlog_base[:, None] * quality**0.6 * (0.7 + 0.3 * worse) * np.exp(wobble)
    )
    escaped = rng.poisson(
        escaped_base[:, None] * quality * worse * rng.gamma(6.0, 1 / 6, (teams, weeks))
    )
    failing = (100.0 - pass_base[:, None]) * quality**1.2 * worse
    failing = failing * np.exp(rng.normal(0.0, 0.12, (teams, weeks)))
    pass_rate = np.round(np.clip(100.0 - failing, 0.0, 100.0), 1)

    by_key = {
        "open_bugs": open_critical + other_open,
        "open_critical_bugs": open_critical,
        "new_critical_bugs": new_critical,
        "resolved_critical_bugs": resolved,
        "critical_bugs_past_sla": past_sla,
        "median_days_to_resolve_critical": days,
        "escaped_defects": escaped,
        "test_pass_rate": pass_rate,
    }
    values = np.stack([np.asarray(by_key[k], dtype=np.float64) for k in _METRIC_KEYS], axis=2)

    reported = np.ones((teams, weeks), dtype=bool)
    if stories.late_joiner is not None:
        reported[stories.late_joiner, : stories.join_week] = False
    if stories.gap_team is not None:
        reported[stories.gap_team, stories.gap_week] = False  # no rows at all, never zeros
    written = np.repeat(reported[:, :, None], len(_METRIC_KEYS), axis=2)
    # A median of nothing does not exist: no critical bug resolved, no median that week.
    written[:, :, _METRIC_KEYS.index("median_days_to_resolve_critical")] &= resolved > 0
    return values, written


def _check_empty(con: duckdb.DuckDBPyConnection) -> None:
    teams = db.scalar(con, "SELECT count(*) FROM teams")
    values = db.scalar(con, "SELECT count(*) FROM metric_values")
    if teams or values:
        raise Conflict(
            f"This database already holds data ({teams} teams, {values} metric values); "
            "use a new --db file for the sample."
        )


def _insert_org(con: duckdb.DuckDBPyConnection, org: _Org, import_id: int) -> tuple[list[int], int]:
    """Create the areas (reusing any of the same name) and teams; return the team ids."""
    areas = pa.table(
        {
            "name": org.area_names,
            "name_key": [name_key(n) for n in org.area_names],
            "head": org.area_heads,
            "position": list(range(len(org.area_names))),
        }
    )
    con.register("_ddq_sample_areas", areas)
    created_before = {k for (k,) in con.execute("SELECT name_key FROM areas").fetchall()}
    try:
        con.execute("""
            INSERT INTO areas (name, name_key, head)
            SELECT name, name_key, head FROM _ddq_sample_areas
            WHERE name_key NOT IN (SELECT name_key FROM areas)
            ORDER BY position
        """)
        found = con.execute("""
            SELECT s.position, a.id, a.name_key FROM _ddq_sample_areas s
            JOIN areas a USING (name_key)
        """).fetchall()
        area_ids = {position: area_id for position, area_id, _ in found}
        created = [(import_id, area_id) for _, area_id, key in found if key not in created_before]
        if created:  # a reloaded sample reuses the areas it left behind
            con.executemany(
                "INSERT INTO import_created_areas (import_id, area_id) VALUES (?, ?)", created
            )
        con.executemany(
            "UPDATE areas SET champions_channel = ?, community_channel = ? WHERE id = ?",
            [(_channel(org.area_names[p], "champions"), _channel(org.area_names[p], "quality"),
              area_id) for p, area_id, _ in found],
        )  # fmt: skip
    finally:
        con.unregister("_ddq_sample_areas")

    keys = [name_key(n) for n in org.team_names]
    teams = pa.table(
        {
            "name": org.team_names,
            "name_key": keys,
            "area_id": pa.array([area_ids[a] for a in org.team_area], type=pa.int32()),
            "position": list(range(len(org.team_names))),
        }
    )
    con.register("_ddq_sample_teams", teams)
    try:
        # Ids follow the order of the teams, so the same sample always gets the same ids.
        con.execute("""
            INSERT INTO teams (name, name_key, area_id)
            SELECT name, name_key, area_id FROM _ddq_sample_teams ORDER BY position
        """)
        con.execute(
            """
            INSERT INTO import_created_teams (import_id, team_id)
            SELECT ?, t.id FROM teams t JOIN _ddq_sample_teams s USING (name_key)
            """,
            [import_id],
        )
        found = con.execute("""
            SELECT t.name_key, t.id FROM teams t JOIN _ddq_sample_teams s USING (name_key)
        """).fetchall()
        by_key = dict(found)
    finally:
        con.unregister("_ddq_sample_teams")
    return [by_key[k] for k in keys], len(area_ids)


def _channel(area: str, suffix: str) -> str:
    words = "".join(c if c.isalnum() else " " for c in area.lower()).split()
    return "#" + "-".join([*words[:2], suffix])


def champion_name(index: int) -> str:
    """The sample's champion number ``index``: first and last names in turn, all distinct."""
    first = _FIRST[index % len(_FIRST)]
    last = _LAST[(index // len(_FIRST) + index) % len(_LAST)]
    return f"{first} {last}"


def _contact(person: str) -> str:
    ascii_name = person.lower().replace(" ", ".")
    return f"{ascii_name}@example.com"


def _insert_roster(
    con: duckdb.DuckDBPyConnection,
    team_ids: list[int],
    stories: _Stories,
    first_week: dt.date,
    last_week: dt.date,
    import_id: int,
) -> dict[str, Any]:
    """A champion for every team but one, one past handover, and one person on two teams.

    The roster stories: the last team has no champion yet; the first team handed over
    halfway through the sample; the second team's champion also champions the team after
    the middle one. Each term is recorded as opened by the sample's import, so undo
    removes the roster with the rest.
    """
    n = len(team_ids)
    span = (last_week - first_week).days // 7
    without = n - 1 if n >= 2 else None
    handover = 0 if n >= 2 and span >= 2 else None
    shared = (1, n // 2 + 1) if n >= 6 else None
    terms: list[tuple[int, str, dt.date, dt.date | None]] = []
    for i, team_id in enumerate(team_ids):
        if i == without:
            continue
        start = first_week
        if i == stories.late_joiner and stories.join_week is not None:
            start = first_week + dt.timedelta(weeks=stories.join_week)
        person = champion_name(i)
        if shared and i == shared[1]:
            person = champion_name(shared[0])
        if i == handover:
            middle = first_week + dt.timedelta(weeks=span // 2)
            terms.append((team_id, champion_name(n + i), start, middle))
            start = middle
        terms.append((team_id, person, start, None))
    created = dt.datetime.combine(first_week, dt.time(9))
    for team_id, person, since, until in terms:
        champion_id = db.scalar(
            con,
            "INSERT INTO champions (team_id, person, contact, since, until, created_at, "
            "closed_at, import_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [team_id, person, _contact(person), since, until, created,
             None if until is None else created, import_id],
        )  # fmt: skip
        con.execute(
            "INSERT INTO roster_changes (import_id, seq, kind, team_id, champion_id) "
            "VALUES (?, ?, 'champion_opened', ?, ?)",
            [import_id, champion_id, team_id, champion_id],
        )
    return {
        "without_champion": without,
        "handover": handover,
        "shared_champion": shared,
    }


BUG_WEEKS = 13  # the sample's bug list: the last quarter, enough to discuss definitions
_CRITICAL = _METRIC_KEYS.index("new_critical_bugs")
_DAYS = _METRIC_KEYS.index("median_days_to_resolve_critical")
_PHRASES = ("crash on save", "timeout under load", "wrong total shown", "login loop",
            "data not refreshed", "memory leak", "broken link", "slow search", "lost upload",
            "permission denied", "duplicate entries", "export fails")  # fmt: skip


def _project(area: str) -> str:
    letters = "".join(c for c in area.upper() if c.isalpha())
    return (letters[:3] or "BUG").ljust(3, "X")


def _insert_bugs(
    con: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    org: _Org,
    team_ids: list[int],
    values: np.ndarray,
    written: np.ndarray,
    week_dates: np.ndarray,
    import_id: int,
    who: str,
) -> int:
    """The last quarter's bugs, critical ones as many as the weekly figures say; mappings;
    an adopted critical-bug definition and a proposal on which the teams disagree.

    The weekly metrics of the sample stay the uploaded figures; the bug list is there to
    discuss what "critical" means (impact, stances), so the two are close but not equal.
    Uploaded bug metrics win over computed ones team-week by team-week, so the bugs are
    made only for weeks a team reported, and none for a team that missed a week: its gap
    stays a gap.
    """
    weeks = min(BUG_WEEKS, len(week_dates))
    first = len(week_dates) - weeks
    now = np.datetime64(clock.now(), "s")
    rows: dict[str, list[Any]] = {k: [] for k in (
        "key", "project", "type", "status", "priority", "labels", "components", "created",
        "resolved", "summary")}  # fmt: skip
    numbers: dict[str, int] = {}
    reported = written.any(axis=2)
    for t, team in enumerate(org.team_names):
        project = _project(org.area_names[org.team_area[t]])
        window = reported[t, first:]
        if window.any() and not window[window.argmax() :].all():
            continue  # a team that missed a week: its tracker is not connected
        for w in range(first, len(week_dates)):
            if not reported[t, w]:
                continue
            critical = int(values[t, w, _CRITICAL])
            other = int(rng.poisson(3))
            count = critical + other
            if not count:
                continue
            monday = week_dates[w].astype("datetime64[s]")
            created = monday + rng.integers(0, 5 * 86400, count).astype("timedelta64[s]")
            mean_days = max(float(values[t, w, _DAYS]), 0.5)
            delay = rng.exponential([mean_days] * critical + [20.0] * other) * 86400
            resolved = created + delay.astype("int64").astype("timedelta64[s]")
            blocker = rng.random(count) < 0.2
            minor = rng.random(count)
            tags = rng.random(count)
            for i in range(count):
                numbers[project] = numbers.get(project, 0) + 1
                is_critical = i < critical
                done = resolved[i] <= now
                rows["key"].append(f"{project}-{numbers[project]}")
                rows["project"].append(project)
                rows["type"].append("Bug" if is_critical or minor[i] < 0.85 else "Improvement")
                rows["status"].append("Resolved" if done else "Open")
                rows["priority"].append(
                    ("Blocker" if blocker[i] else "Critical") if is_critical
                    else "Major" if minor[i] < 0.5 else "Minor" if minor[i] < 0.9 else "Trivial"
                )  # fmt: skip
                rows["labels"].append(["security"] if tags[i] < 0.04 else
                                      ["data-loss"] if tags[i] < 0.06 else [])  # fmt: skip
                rows["components"].append([team])
                rows["created"].append(created[i].astype(dt.datetime))
                rows["resolved"].append(resolved[i].astype(dt.datetime) if done else None)
                rows["summary"].append(f"{team}: {_PHRASES[int(tags[i] * 997) % len(_PHRASES)]}")
    table = pa.table({**rows, "import_id": [import_id] * len(rows["key"])})
    con.register("_ddq_sample_bugs", table)
    try:
        con.execute("""
            INSERT INTO bugs (tracker, key, project, type, status, priority, labels, components,
                              created, resolved, summary, import_id)
            SELECT 'jira', key, project, type, status, priority, labels, components, created,
                   resolved, summary, import_id FROM _ddq_sample_bugs
        """)
    finally:
        con.unregister("_ddq_sample_bugs")
    con.executemany(
        "INSERT OR REPLACE INTO team_mappings (kind, value, value_key, team_id) "
        "VALUES ('component', ?, ?, ?)",
        [(name, name.lower(), team_id) for name, team_id in zip(org.team_names, team_ids,
                                                                 strict=True)],
    )  # fmt: skip
    _sample_definitions(con, org, week_dates, who)
    return len(rows["key"])


def _sample_definitions(
    con: duckdb.DuckDBPyConnection, org: _Org, week_dates: np.ndarray, who: str
) -> None:
    """Definition v1 in force from the first week; v2, which adds security and data-loss
    bugs, proposed, with teams agreeing, disagreeing, abstaining and not yet answering."""
    from ddq import critical

    if con.execute("SELECT count(*) FROM critical_defs").fetchone()[0]:
        return  # a reloaded sample keeps the definitions the community already has
    first = week_dates[0].astype(dt.date)
    v1 = critical.create_draft(
        con, title="Blocker and critical priority", who=who, sla_days=14,
        rule={"field": "priority", "in": ["Blocker", "Critical"]},
        rationale="What the trackers already call critical: a start everybody can agree on.",
        examples="Critical: checkout crashes for every user. Not critical: a typo in a label.",
    )  # fmt: skip
    critical.propose(con, v1, who=who)
    critical.adopt(con, v1, effective_from=first, who=who)
    v2 = critical.create_draft(
        con, title="Also security and data-loss bugs", who=who, sla_days=14, based_on=v1,
        rule={"any": [{"field": "priority", "in": ["Blocker", "Critical"]},
                      {"all": [{"field": "labels", "has_any": ["security", "data-loss"]},
                               {"field": "type", "in": ["Bug"]}]}]},
        rationale="A security hole or lost data hurts customers whatever priority it was filed "
        "with.",
        examples="Critical: a minor-priority bug labelled data-loss. Not critical: a security "
        "improvement request.",
    )  # fmt: skip
    critical.propose(con, v2, who=who)
    champions = [t for t in critical.stances(con, v2) if t["champion"]]
    answers = [("agree", ""), ("disagree", "Labels are applied inconsistently in our tracker."),
               ("agree", ""), ("abstain", ""), ("agree", ""), (None, "")]  # fmt: skip
    for i, team in enumerate(champions):
        stance, comment = answers[i % len(answers)]
        if stance:
            critical.record_stance(con, v2, team=team["team"], stance=stance, comment=comment,
                                   who=who)  # fmt: skip


def _sample_meetings(con: duckdb.DuckDBPyConnection, this_week: dt.date, who: str) -> None:
    """Last week's meeting, finished, with notes, feedback and an open action; this week's
    meeting open at its first team, so the meeting page has something to walk through."""
    from ddq import meeting

    if con.execute("SELECT count(*) FROM meetings").fetchone()[0]:
        return  # a reloaded sample keeps the meetings the community already held
    last = meeting.create_meeting(con, held_on=this_week - dt.timedelta(weeks=1), who=who)
    agenda = meeting.get_meeting(con, last)["teams"]
    stories = [
        ("Pairing with QA on the flakiest tests; a daily triage of new critical bugs.",
         "Is a weekly bug bash worth the time?", "Try it for a month and share the numbers."),
        ("Moved every alert to one channel with an owner per alert.",
         "How do other teams keep the SLA in holiday weeks?", "Rotate a named backup."),
        ("Added contract tests between checkout and payments.", "", ""),
    ]  # fmt: skip
    for position, team in enumerate(agenda):  # everybody came but one
        if team["champion"]:
            meeting.set_attendance(con, last, team["team"], position != 4, who)
    for position, (team, story) in enumerate(zip(agenda, stories, strict=False)):
        meeting.set_position(con, last, position, who)
        for kind, text in zip(meeting.NOTE_KINDS, story, strict=True):
            if text:
                meeting.set_note(con, last, team["team"], kind, text, who)
    first = agenda[0]
    meeting.add_action(con, team=first["team"], text="Share the bug-bash results next week",
                       owner=first["champion"] or "the team", meeting_id=last,
                       due=this_week + dt.timedelta(days=7), who=who)  # fmt: skip
    meeting.set_leader(con, last, True, None, who)
    meeting.finish(con, last, who)
    meeting.create_meeting(con, held_on=this_week, order="rotation", who=who)


def _insert_values(
    con: duckdb.DuckDBPyConnection,
    team_ids: list[int],
    week_dates: np.ndarray,
    values: np.ndarray,
    written: np.ndarray,
    import_id: int,
) -> int:
    """Load every written cell with one INSERT from an Arrow table; return how many."""
    team_at, week_at, metric_at = np.nonzero(written)  # ordered by team, week, metric
    table = pa.table(
        {
            "team_id": pa.array(np.asarray(team_ids, dtype=np.int32)[team_at]),
            "week": pa.array(week_dates[week_at]),
            "metric": pa.array(_METRIC_KEYS).take(pa.array(metric_at)),
            "value": pa.array(values[team_at, week_at, metric_at]),
        }
    )
    con.register("_ddq_sample_values", table)
    try:
        con.execute(
            """
            INSERT INTO metric_values (team_id, week, metric, value, import_id)
            SELECT team_id, week, metric, value, ? FROM _ddq_sample_values
            """,
            [import_id],
        )
    finally:
        con.unregister("_ddq_sample_values")
    return table.num_rows


@requires(ADMIN, "load the sample data")
def fill_demo(
    con: duckdb.DuckDBPyConnection,
    *,
    teams: int = 16,
    weeks: int = 104,
    seed: int = 7,
    today: dt.date | None = None,
    who: Actor,
) -> dict[str, Any]:
    """Fill an empty database with a sample organisation, as one undoable import.

    ``weeks`` ISO weeks end with the current one (``today``'s). Refused with
    :class:`~ddq.errors.Conflict` when the database already has teams or values, so that
    made-up numbers never mix with real ones. Areas of the same name are reused (undoing
    the sample keeps an area it created when a team of someone's own is in it).

    Returns a summary: ``import_id``, counts of ``areas``, ``teams`` and ``values``,
    ``first_week`` and ``last_week`` (Mondays), ``seed`` and the ``stories`` it encodes
    (which team regresses, joins late, misses a week, and the teams by pace).
    """
    if teams < 1:
        raise BadSampleSize(f"A sample needs at least one team, not {teams}.")
    if weeks < 1:
        raise BadSampleSize(f"A sample needs at least one week, not {weeks}.")
    last_week = current_week(today)
    first_week = last_week - dt.timedelta(weeks=weeks - 1)
    if first_week < EARLIEST_WEEK:
        raise BadSampleSize(
            f"{weeks} weeks back from {last_week} starts on {first_week}, before "
            f"{EARLIEST_WEEK}, the earliest week ddq accepts; ask for fewer weeks."
        )

    rng = np.random.default_rng(seed)
    org = _organisation(teams)
    stories = _stories(rng, teams, weeks)
    week_dates = np.datetime64(first_week, "D") + 7 * np.arange(weeks)
    values, written = _simulate(rng, stories, week_dates)

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
        team_ids, n_areas = _insert_org(con, org, import_id)
        n_values = _insert_values(con, team_ids, week_dates, values, written, import_id)
        roster_story = _insert_roster(con, team_ids, stories, first_week, last_week, import_id)
        n_bugs = _insert_bugs(con, rng, org, team_ids, values, written, week_dates, import_id,
                              who)  # fmt: skip
        from ddq.progress import make_scale_targets

        make_scale_targets(con, today=today, who=who)  # targets set a quarter ago, 3 metrics
        if teams >= 2 and weeks >= 2:
            _sample_meetings(con, last_week, who)
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
            **{
                pace: [n for n, p in zip(org.team_names, stories.paces, strict=True) if p == pace]
                for pace in (FAST, SLOW, FLAT)
            },
        },
    }


def applied_sample(con: duckdb.DuckDBPyConnection) -> int | None:
    """The id of the sample organisation's import while it stands, else None."""
    return db.scalar(
        con,
        "SELECT max(id) FROM imports WHERE kind = ? AND status = 'applied'",
        [ledger.DEMO],
    )


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
