"""Weekly open critical bugs from the real Derby export, against an independent count."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest

from ddq import bugmetrics, clock, critical, db, ownership, roster
from ddq.access import ADMIN, Actor

REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
DERBY = REALDATA / "ohira_highimpact_derby.csv"
TODAY = dt.date(2014, 12, 31)
TEAMS = {"SQL": "SQL Team", "JDBC": "JDBC Team", "Store": "Store Team", "Test": "Test Team"}
MAPPING = {"key": "IssueId", "created": "created", "resolved": "resolved", "status": "status",
           "type": "type", "priority": "priority", "components": "component",
           "summary": "summary"}  # fmt: skip

pytestmark = pytest.mark.skipif(not DERBY.exists(), reason=f"{DERBY} is not here")


def _utc(text: str) -> dt.datetime | None:
    if not text.strip():
        return None
    stamp = dt.datetime.strptime(text.strip(), "%Y/%m/%d %H:%M:%S %z")
    return stamp.astimezone(dt.UTC).replace(tzinfo=None)


def independent_open_critical() -> dict[str, dict[dt.date, int]]:
    """Read the file with Python's csv module and count by hand, week by week."""
    with DERBY.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    at = {name: i for i, name in enumerate(header)}
    bugs: dict[str, list[tuple[dt.datetime, dt.datetime | None, bool]]] = {}
    for row in body:
        if len(row) != len(header) or "bug" not in row[at["type"]].lower():
            continue  # the broken rows are skipped; only bugs count
        # A bug of no mapped component still counts, for the organisation, as Unassigned.
        owner = next((TEAMS[c] for c in row[at["component"]].split("; ") if c in TEAMS),
                     "Unassigned")  # fmt: skip
        created, resolved = _utc(row[at["created"]]), _utc(row[at["resolved"]])
        is_critical = row[at["priority"]] in ("Blocker", "Critical")
        bugs.setdefault(owner, []).append((created, resolved, is_critical))
    last = TODAY - dt.timedelta(days=TODAY.weekday()) - dt.timedelta(weeks=1)
    counts: dict[str, dict[dt.date, int]] = {}
    for team, found in bugs.items():
        first = min(c for c, _, _ in found).date()
        week = first - dt.timedelta(days=first.weekday())
        counts[team] = {}
        while week <= last:
            end = dt.datetime.combine(week + dt.timedelta(weeks=1), dt.time())
            counts[team][week] = sum(
                1 for c, r, crit in found if crit and c < end and (r is None or r >= end)
            )
            week += dt.timedelta(weeks=1)
    return counts


def test_weekly_open_critical_bugs_match_an_independent_count(tmp_path):
    from ddq.ingest.bugs import import_bugs

    with clock.frozen(TODAY), db.connect(tmp_path / "derby.duckdb") as con:
        with db.transaction(con):
            for team in TEAMS.values():
                roster.ensure_team(con, team, None)
        result = import_bugs(con, DERBY, who=Actor("t", ADMIN), format="csv", mapping=MAPPING,
                             skip_bad_rows=True)  # fmt: skip
        assert result.import_id is not None
        for component, team in TEAMS.items():
            ownership.set_mapping(con, "component", component, team, who=Actor("t", ADMIN))
        version = critical.create_draft(
            con, title="Blocker or critical", who=Actor("t", ADMIN),
            rule={"field": "priority", "in": ["Blocker", "Critical"]},
        )  # fmt: skip
        critical.propose(con, version, who=Actor("t", ADMIN))
        critical.adopt(con, version, effective_from=dt.date(2004, 1, 5), who=Actor("t", ADMIN))
        assert bugmetrics.differences(con) == (0, [])  # each change above recomputed them
        stored: dict[str, dict[dt.date, int]] = {}
        for team, week, value in con.execute(
            "SELECT t.name, mv.week, mv.value FROM metric_values mv JOIN teams t ON t.id = mv.team_id "
            "WHERE mv.metric = 'open_critical_bugs'"
        ).fetchall():
            stored.setdefault(team, {})[week] = int(value)
    expected = independent_open_critical()
    assert set(stored) == set(expected)
    for team in expected:
        assert stored[team] == expected[team], team
    assert sum(max(v.values()) for v in expected.values()) > 0  # the comparison is not trivial
