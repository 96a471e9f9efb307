"""The sample's bug list: the last quarter of bugs behind its critical-bug numbers, enough to
discuss definitions.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]

from ddq import clock
from ddq.sample.organisation import Org
from ddq.sample.stories import METRIC_KEYS

if TYPE_CHECKING:
    import duckdb


BUG_WEEKS = 13  # the sample's bug list: the last quarter, enough to discuss definitions
_CRITICAL = METRIC_KEYS.index("new_critical_bugs")
_DAYS = METRIC_KEYS.index("median_days_to_resolve_critical")
_PHRASES = ("crash on save", "timeout under load", "wrong total shown", "login loop",
            "data not refreshed", "memory leak", "broken link", "slow search", "lost upload",
            "permission denied", "duplicate entries", "export fails")  # fmt: skip


def _project(area: str) -> str:
    letters = "".join(c for c in area.upper() if c.isalpha())
    return (letters[:3] or "BUG").ljust(3, "X")


def insert_bugs(
    con: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    org: Org,
    team_ids: list[int],
    values: np.ndarray,
    written: np.ndarray,
    week_dates: np.ndarray,
    import_id: int,
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
    reported = np.asarray(written.any(axis=2))
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
    return len(rows["key"])
