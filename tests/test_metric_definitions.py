"""The README's words on what each bug metric means, held to what ddq computes.

The README's worked example (section "What each metric means exactly") lists a team's bugs
and the weekly values they give. This test reads both tables from the README, computes the
values again from the README's rules written out in plain Python (:func:`by_the_words`),
and checks that the README's table, those rules and ddq all agree.
"""

from __future__ import annotations

import datetime as dt
import statistics
from pathlib import Path

import pytest

from ddq import clock, critical, db, ownership, roster
from ddq.access import ADMIN, Actor
from ddq.ingest.bugs import import_bugs

ROOT = Path(__file__).resolve().parents[1]
TODAY = dt.date(2026, 1, 28)  # "computed on Wednesday 2026-01-28"
WHO = Actor("coach", ADMIN)
SLA_DAYS = 7
CRITICAL_PRIORITY = "Critical"
DONE_STATUSES = {"closed", "resolved", "done", "verified"}
METRICS = ("open_bugs", "open_critical_bugs", "new_critical_bugs", "resolved_critical_bugs",
           "critical_bugs_past_sla", "median_days_to_resolve_critical")  # fmt: skip


def _tables(section: str) -> list[list[dict[str, str]]]:
    """Every Markdown table in ``section``, as rows of {header: cell}."""
    tables, current = [], None
    for line in section.splitlines():
        if not line.startswith("|"):
            current = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if current is None:
            current = {"headers": cells, "rows": []}
            tables.append(current)
        elif set(line) <= set("|- "):
            continue
        else:
            current["rows"].append(dict(zip(current["headers"], cells, strict=True)))
    return [t["rows"] for t in tables]


def readme_example() -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    """The worked example's bugs and weekly values, as the README gives them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index("### A worked example")
    section = text[start : text.index("\n## ", start)]
    bugs, weeks = _tables(section)
    return bugs, weeks


def _time(text: str) -> dt.datetime | None:
    return dt.datetime.fromisoformat(text) if text else None


def by_the_words(bugs: list[dict[str, str]], mondays: list[dt.date]) -> list[dict[str, str]]:
    """The weekly values, following the README's rules sentence by sentence."""
    counted = []
    for bug in bugs:
        kind = bug["type"].strip().lower()
        if kind and "bug" not in kind:  # "Issue types that contain 'bug'... without a type"
            continue
        created = _time(bug["created"])
        resolved = _time(bug["resolved"])
        if resolved is None and bug["status"].lower() in DONE_STATUSES:
            resolved = _time(bug["updated"])  # "resolved at its last update, estimated"
        if resolved is not None and resolved < created:
            resolved = created  # "counts as a resolution at the moment of creation"
        counted.append({"created": created, "resolved": resolved,
                        "critical": bug["priority"] == CRITICAL_PRIORITY})  # fmt: skip

    def open_at(bug: dict, moment: dt.datetime) -> bool:
        # "created before that moment and not resolved before it"
        return bug["created"] < moment and not (bug["resolved"] and bug["resolved"] < moment)

    def within(when: dt.datetime | None, start: dt.datetime, end: dt.datetime) -> bool:
        return when is not None and start <= when < end

    found = []
    for monday in mondays:
        start = dt.datetime.combine(monday, dt.time())
        end = start + dt.timedelta(weeks=1)  # "the next Monday 00:00 UTC"
        critical_bugs = [b for b in counted if b["critical"]]
        resolved = [b for b in critical_bugs if within(b["resolved"], start, end)]
        days = [(b["resolved"] - b["created"]).total_seconds() / 86400 for b in resolved]
        values = {
            "open_bugs": sum(open_at(b, end) for b in counted),
            "open_critical_bugs": sum(open_at(b, end) for b in critical_bugs),
            "new_critical_bugs": sum(within(b["created"], start, end) for b in critical_bugs),
            "resolved_critical_bugs": len(resolved),
            "critical_bugs_past_sla": sum(
                open_at(b, end) and b["created"] + dt.timedelta(days=SLA_DAYS) < end
                for b in critical_bugs
            ),
            "median_days_to_resolve_critical": round(statistics.median(days), 2) if days else None,
        }
        found.append({"week": monday.isoformat(), **{m: _shown(values[m]) for m in METRICS}})
    return found


def _shown(value: float | None) -> str:
    """A value as the README's table writes it."""
    return "" if value is None else f"{value:g}"


def test_the_readme_table_follows_from_its_own_words():
    bugs, weeks = readme_example()
    assert [b["key"] for b in bugs] == [f"A-{i}" for i in range(1, 10)]
    mondays = [dt.date.fromisoformat(w["week"]) for w in weeks]
    assert by_the_words(bugs, mondays) == weeks


@pytest.fixture
def computed(tmp_path) -> dict[str, dict[str, str]]:
    """What ddq stores for team Alpha after importing the README's bugs as a Jira export."""
    bugs, _ = readme_example()
    header = "Issue key,Summary,Issue Type,Status,Priority,Created,Resolved,Updated,Component/s\n"
    export = header + "".join(
        f"{b['key']},example,{b['type']},{b['status']},{b['priority']},{b['created']},"
        f"{b['resolved']},{b['updated']},alpha\n"
        for b in bugs
    )
    with clock.frozen(TODAY), db.connect(tmp_path / "example.duckdb") as con:
        roster.ensure_team(con, "Alpha", None)
        ownership.set_mapping(con, "component", "alpha", "Alpha", who=WHO)
        import_bugs(con, export.encode(), file_name="alpha.csv", who=WHO, today=TODAY)
        version = critical.create_draft(
            con, title="Critical priority", rule={"field": "priority", "in": [CRITICAL_PRIORITY]},
            sla_days=SLA_DAYS, who=WHO,
        )  # fmt: skip
        critical.propose(con, version, who=WHO)
        critical.adopt(con, version, effective_from=dt.date(2026, 1, 7), who=WHO)
        stored = con.execute(
            "SELECT week, metric, value FROM metric_values mv JOIN teams t ON t.id = mv.team_id "
            "WHERE t.name = 'Alpha'"
        ).fetchall()
    table: dict[str, dict[str, str]] = {}
    for week, metric, value in stored:
        table.setdefault(week.isoformat(), dict.fromkeys(METRICS, ""))[metric] = _shown(value)
    return table


def test_ddq_computes_the_readme_table(computed):
    _, weeks = readme_example()
    assert computed == {w["week"]: {m: w[m] for m in METRICS} for w in weeks}
