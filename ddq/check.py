"""The integrity report behind ``ddq check``: does the database hold what ddq promises?"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ddq import bugmetrics
from ddq.db import scalar
from ddq.metrics import COUNT, DAYS, EARLIEST_WEEK, PERCENT
from ddq.org import name_key
from ddq.schema import applied_versions, foreign_objects, latest_version

if TYPE_CHECKING:
    import duckdb


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    detail: str
    note: str = ""  # worth saying even when the check passes


# (name, SQL counting the rows that break the rule, what to do when some do)
_COUNTING_CHECKS: list[tuple[str, str, str]] = [
    (
        "every value belongs to a known team",
        "SELECT count(*) FROM metric_values mv ANTI JOIN teams t ON t.id = mv.team_id",
        "values of a deleted team; export, then undo the import that added them",
    ),
    (
        "every value belongs to a known metric",
        "SELECT count(*) FROM metric_values mv ANTI JOIN metric_defs m ON m.key = mv.metric",
        "values of an unknown metric",
    ),
    (
        "every week is a Monday",
        "SELECT count(*) FROM metric_values WHERE isodow(week) <> 1",
        "weeks are stored as the Monday of the ISO week",
    ),
    (
        "no week before 2000-01-03 or in the future",
        "SELECT count(*) FROM metric_values WHERE week < ? OR week > current_date",
        "weeks outside the accepted range",
    ),
    (
        "one value per team, week and metric",
        "SELECT count(*) FROM (SELECT 1 FROM metric_values GROUP BY team_id, week, metric "
        "HAVING count(*) > 1)",
        "duplicate keys",
    ),
    (
        "values are finite and fit their unit",
        f"""SELECT count(*) FROM metric_values mv JOIN metric_defs m ON m.key = mv.metric
        WHERE isnan(mv.value) OR isinf(mv.value)
           OR (m.unit = '{COUNT}' AND (mv.value < 0 OR mv.value <> trunc(mv.value)))
           OR (m.unit = '{PERCENT}' AND (mv.value < 0 OR mv.value > 100))
           OR (m.unit = '{DAYS}' AND mv.value < 0)""",
        "values that no import would accept",
    ),
    (
        "every value comes from an applied import",
        "SELECT count(*) FROM metric_values mv LEFT JOIN imports i ON i.id = mv.import_id "
        "WHERE i.id IS NULL OR i.status <> 'applied'",
        "values whose import is missing or undone",
    ),
    (
        "overwritten values point at real imports",
        "SELECT count(*) FROM import_overwrites o ANTI JOIN imports i ON i.id = o.old_import_id",
        "ledger rows that undo could not restore",
    ),
    (
        "ledger counts are not negative",
        "SELECT count(*) FROM imports WHERE least(rows_read, added, updated, unchanged) < 0",
        "ledger rows with impossible counts",
    ),
    (
        "one current champion per team",
        "SELECT count(*) FROM (SELECT team_id FROM champions WHERE until IS NULL "
        "GROUP BY team_id HAVING count(*) > 1)",
        "teams with more than one current champion; end all but one of their open terms",
    ),
    (
        "champion terms are consistent",
        """SELECT count(*) FROM (
            SELECT since, until, lag(coalesce(until, DATE '9999-12-31'))
                OVER (PARTITION BY team_id ORDER BY since, id) AS previous_end
            FROM champions)
        WHERE until < since OR since < previous_end""",
        "champion terms that end before they start, or start before the team's previous term ended",
    ),
]


def run_checks(con: duckdb.DuckDBPyConnection) -> list[Finding]:
    """Every check, passed or not, in a fixed order."""
    findings = []
    foreign = foreign_objects(con)
    findings.append(
        Finding(
            "the database holds only what ddq created",
            not foreign,
            "; ".join(foreign) + ". ddq refuses to open it until they are gone: drop them "
            "with the duckdb command-line tool, or restore the file from a backup"
            if foreign
            else "",
        )
    )
    if foreign:  # the checks below would run the file's own macros and views
        return findings
    versions = applied_versions(con)
    newest = latest_version()
    findings.append(
        Finding(
            "schema is up to date",
            bool(versions) and max(versions) == newest,
            f"schema version {max(versions) if versions else 'none'}, this ddq knows {newest}",
        )
    )
    for name, sql, meaning in _COUNTING_CHECKS:
        params = [EARLIEST_WEEK] if "?" in sql else None
        bad = scalar(con, sql, params)
        findings.append(Finding(name, bad == 0, f"{bad} row(s): {meaning}" if bad else ""))
    names = con.execute("SELECT name, name_key FROM teams").fetchall()
    wrong = [n for n, k in names if name_key(n) != k]
    findings.append(
        Finding(
            "team names are indexed consistently",
            not wrong,
            f"{len(wrong)} team(s): {', '.join(wrong[:5])}" if wrong else "",
        )
    )
    findings.append(_bug_metrics_check(con))
    return findings


def _bug_metrics_check(con: duckdb.DuckDBPyConnection) -> Finding:
    """The stored bug metrics equal a fresh computation from the bugs, mappings and rules."""
    name = "bug metrics equal a fresh computation"
    total, first = bugmetrics.differences(con, limit=3)
    if total:
        shown = "; ".join(d.describe() for d in first)
        more = f" (and {total - len(first)} more)" if total > len(first) else ""
        return Finding(name, False, f"{total} value(s) differ: {shown}{more}. Run "
                       "`ddq bugs compute` to recompute them.")  # fmt: skip
    behind = bugmetrics.weeks_behind(con)
    note = (f"computed through {behind} week(s) ago; `ddq bugs compute` adds the weeks "
            "completed since" if behind else "")  # fmt: skip
    return Finding(name, True, "", note)
