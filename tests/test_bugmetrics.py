"""Weekly bug metrics on a tiny bug list checked by hand."""

from __future__ import annotations

import datetime as dt

import pytest

from ddq import bugmetrics, clock, critical, db, ownership, roster
from ddq.access import ADMIN, Actor
from ddq.errors import Conflict
from ddq.ingest.undo import undo

TODAY = dt.date(2026, 3, 4)  # last complete week: Monday 2026-02-23
WEEKS = [dt.date(2026, 1, 5) + dt.timedelta(weeks=i) for i in range(8)]
BUGS = [
    # key, created, resolved, priority, type
    ("A-1", "2026-01-06 10:00", "2026-01-20 10:00", "Critical", "Bug"),
    ("A-2", "2026-01-07 10:00", None, "Major", "Bug"),
    ("A-3", "2026-01-13 10:00", "2026-01-14 10:00", "Critical", "Bug"),
    ("A-4", "2026-02-02 10:00", None, "critical ", "bug"),
    ("A-5", "2026-02-03 10:00", None, "Critical", "Task"),  # not a bug: never counted
]
EXPECTED = {
    "open_bugs": [2, 2, 1, 1, 2, 2, 2, 2],
    "open_critical_bugs": [1, 1, 0, 0, 1, 1, 1, 1],
    "new_critical_bugs": [1, 1, 0, 0, 1, 0, 0, 0],
    "resolved_critical_bugs": [0, 1, 1, 0, 0, 0, 0, 0],
    "median_days_to_resolve_critical": [None, 1.0, 14.0, None, None, None, None, None],
    # SLA 7 days: A-1 passes it in week 2 and is resolved in week 3; A-4 passes it in week 6.
    "critical_bugs_past_sla": [0, 1, 0, 0, 0, 1, 1, 1],
}


@pytest.fixture(autouse=True)
def frozen_clock():
    with clock.frozen(TODAY):
        yield


@pytest.fixture
def con(tmp_path):
    with db.connect(tmp_path / "b.duckdb") as connection:
        with db.transaction(connection):
            roster.ensure_team(connection, "Alpha", None)
            connection.execute("INSERT INTO imports (kind, file_name, who, imported_at) "
                               "VALUES ('bugs', 'seed', 't', now())")  # fmt: skip
            for key, created, resolved, priority, kind in BUGS:
                connection.execute(
                    "INSERT INTO bugs (tracker, key, project, type, priority, components, "
                    "created, resolved, import_id) VALUES ('jira', ?, 'A', ?, ?, ['alpha'], ?, ?, 1)",
                    [key, kind, priority, created, resolved],
                )
        ownership.set_mapping(connection, "component", "alpha", "Alpha", who=Actor("t", ADMIN))
        version = critical.create_draft(
            connection, title="Critical priority", rule={"field": "priority", "in": ["Critical"]},
            sla_days=7, who=Actor("t", ADMIN),
        )  # fmt: skip
        critical.propose(connection, version, who=Actor("t", ADMIN))
        critical.adopt(
            connection, version, effective_from=dt.date(2026, 1, 5), who=Actor("t", ADMIN)
        )
        yield connection


def stored(con) -> dict[str, list[float | None]]:
    found = {m: [None] * len(WEEKS) for m in EXPECTED}
    for week, metric, value in con.execute(
        "SELECT week, metric, value FROM metric_values mv JOIN teams t ON t.id = mv.team_id "
        "WHERE t.name = 'Alpha'"
    ).fetchall():
        found[metric][WEEKS.index(week)] = value
    return found


def test_every_metric_matches_the_hand_count(con):
    assert stored(con) == EXPECTED  # the mapping and the adoption computed them already
    con.execute("DELETE FROM metric_values")
    result = bugmetrics.refresh(con, who=Actor("t", ADMIN))
    assert (result.first_week, result.last_week, result.teams) == (WEEKS[0], WEEKS[-1], 1)
    assert stored(con) == EXPECTED
    assert {v for (v,) in con.execute(
        "SELECT DISTINCT definition_version FROM metric_values WHERE metric <> 'open_bugs'"
    ).fetchall()} == {1}  # fmt: skip
    assert result.import_id is not None


def test_computing_again_changes_nothing_and_undoing_the_bugs_removes_the_values(con):
    again = bugmetrics.refresh(con, who=Actor("t", ADMIN))
    assert again.import_id is None and again.added == again.updated == again.removed == 0
    assert "up to date" in again.summary()
    undone = undo(con, 1, who=Actor("t", ADMIN))
    assert undone.metrics.removed > 0
    assert con.execute("SELECT count(*) FROM metric_values").fetchone() == (0,)
    assert bugmetrics.differences(con) == (0, [])


def test_a_resolution_later_removes_the_stale_median_and_updates_counts(con):
    con.execute("UPDATE bugs SET resolved = NULL WHERE key = 'A-3'")
    second = bugmetrics.refresh(con, who=Actor("t", ADMIN))
    values = stored(con)
    assert values["median_days_to_resolve_critical"][1] is None  # no critical resolved that week
    assert values["open_critical_bugs"][:3] == [1, 2, 1]
    assert second.removed == 1
    con.execute("UPDATE bugs SET resolved = '2026-01-14 10:00' WHERE key = 'A-3'")
    assert bugmetrics.differences(con)[0] > 0  # the stored values are now stale: check says so
    bugmetrics.refresh(con, who=Actor("t", ADMIN))
    assert stored(con) == EXPECTED


def test_a_computation_is_not_undone_on_its_own(con):
    computed = con.execute("SELECT max(id) FROM imports WHERE kind = 'bug_metrics'").fetchone()[0]
    with pytest.raises(Conflict, match="undo that change instead"):
        undo(con, computed, who=Actor("t", ADMIN))


def test_a_new_definition_computes_forward_and_history_only_on_purpose(con):
    broader = critical.create_draft(
        con, title="Critical or major", rule={"field": "priority", "in": ["Critical", "Major"]},
        sla_days=7, who=Actor("t", ADMIN),
    )  # fmt: skip
    critical.propose(con, broader, who=Actor("t", ADMIN))
    critical.adopt(con, broader, effective_from=dt.date(2026, 2, 16), who=Actor("t", ADMIN))
    values = stored(con)
    # Weeks before 16 Feb keep v1 (A-2 is Major: not critical then); from 16 Feb A-2 counts.
    assert values["open_critical_bugs"] == [1, 1, 0, 0, 1, 1, 2, 2]
    versions = dict(con.execute(
        "SELECT week, max(definition_version) FROM metric_values "
        "WHERE metric = 'open_critical_bugs' GROUP BY week"
    ).fetchall())  # fmt: skip
    assert [versions[w] for w in WEEKS] == [1] * 6 + [2] * 2
    result = critical.apply_to_history(con, broader, since=dt.date(2026, 1, 5),
                                       who=Actor("t", ADMIN))  # fmt: skip
    assert stored(con)["open_critical_bugs"] == [2, 2, 1, 1, 2, 2, 2, 2]
    titles = [t for (t,) in con.execute("SELECT title FROM events WHERE kind = 'definition'")
              .fetchall()]  # fmt: skip
    assert "History from 2026-01-05 recomputed under definition v2" in titles
    assert result.import_id is not None
    decision = con.execute("SELECT id FROM imports WHERE kind = 'bug_metrics_history'").fetchone()[
        0
    ]
    undo(con, decision, who=Actor("t", ADMIN))  # the weeks go back under v1
    assert stored(con)["open_critical_bugs"] == [1, 1, 0, 0, 1, 1, 2, 2]
    assert bugmetrics.differences(con) == (0, [])
