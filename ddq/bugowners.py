"""Which team owns each bug, and which stored values were computed from bugs.

What the bug metrics (:mod:`ddq.bugmetrics`) share with the modules that read bugs and
their metrics without computing them (trends, exports, critical-bug definitions): kept
below all of them, so none has to import the computation to know these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ddq.db import scalar

if TYPE_CHECKING:
    import duckdb

KIND = "bug_metrics"
# A decision to compute history under a definition; its values (before this was a table)
# were computed ones too.
HISTORY_KIND = "bug_metrics_history"
COMPUTED_KINDS = (KIND, HISTORY_KIND)
UNASSIGNED_KIND = "unassigned"
CRITICAL_METRICS = (
    "open_critical_bugs", "new_critical_bugs", "resolved_critical_bugs",
    "median_days_to_resolve_critical", "critical_bugs_past_sla",
)  # fmt: skip
METRICS = ("open_bugs", *CRITICAL_METRICS)
UNASSIGNED = "Unassigned"

# Which team owns each bug (see ddq.ownership for the rule): one row per bug with its
# tracker, key and the owning team's id, NULL when unassigned. A mapping to a team that is
# gone, or to Unassigned itself, maps nothing. A bug marked vanished has no row: every
# reader joins this, so it counts nowhere.
OWNERS_SQL = """
    owner_named AS (
        SELECT b.tracker, b.key, t.id AS team_id
        FROM bugs b JOIN teams t ON t.name_key = lower(trim(b.team_name)) AND t.kind = 'team'
    ),
    owner_component AS (
        SELECT c.tracker, c.key, arg_min(m.team_id, c.position) AS team_id
        FROM (
            SELECT tracker, key, unnest(components) AS component,
                   unnest(range(1, len(components) + 1)) AS position
            FROM bugs
        ) c
        JOIN team_mappings m ON m.kind = 'component' AND m.value_key = lower(trim(c.component))
        JOIN teams mt ON mt.id = m.team_id AND mt.kind = 'team'
        GROUP BY c.tracker, c.key
    ),
    owner_project AS (
        SELECT b.tracker, b.key, m.team_id
        FROM bugs b
        JOIN team_mappings m ON m.kind = 'project' AND m.value_key = lower(trim(b.project))
        JOIN teams mt ON mt.id = m.team_id AND mt.kind = 'team'
    ),
    owner_label AS (
        SELECT l.tracker, l.key, arg_min(m.team_id, l.position) AS team_id
        FROM (
            SELECT tracker, key, unnest(labels) AS label,
                   unnest(range(1, len(labels) + 1)) AS position
            FROM bugs
        ) l
        JOIN team_mappings m ON m.kind = 'label' AND m.value_key = lower(trim(l.label))
        JOIN teams mt ON mt.id = m.team_id AND mt.kind = 'team'
        GROUP BY l.tracker, l.key
    ),
    bug_owners AS (
        SELECT b.tracker, b.key,
               coalesce(n.team_id, c.team_id, p.team_id, l.team_id) AS team_id
        FROM bugs b
        LEFT JOIN owner_named n USING (tracker, key)
        LEFT JOIN owner_component c USING (tracker, key)
        LEFT JOIN owner_project p USING (tracker, key)
        LEFT JOIN owner_label l USING (tracker, key)
        -- A bug its live source no longer finds (deleted, or moved away) counts nowhere.
        ANTI JOIN (SELECT tracker, key FROM bugs_vanished WHERE cleared_by IS NULL) v
            USING (tracker, key)
    )
"""


def unassigned_team_id(con: duckdb.DuckDBPyConnection) -> int | None:
    """The id of the team that holds unassigned bugs, if it was ever needed."""
    found = scalar(con, "SELECT id FROM teams WHERE kind = ? ORDER BY id LIMIT 1",
                   [UNASSIGNED_KIND])  # fmt: skip
    return None if found is None else int(found)


def computed_cells_sql(alias: str = "mv") -> str:
    """The condition that a stored value was computed from bugs (not uploaded)."""
    kinds = ", ".join(f"'{k}'" for k in COMPUTED_KINDS)
    return f"{alias}.import_id IN (SELECT id FROM imports WHERE kind IN ({kinds}))"
