"""Weekly bug metrics computed from the imported bugs, under the critical-bug definitions.

For every team and ISO week (Monday to Sunday, UTC) from the team's first bug to the
latest complete week, in one set of DuckDB queries (events: +1 when a bug is created, -1
when it is resolved, summed week by week):

- ``open_bugs``, ``open_critical_bugs``: created by the week's end and not resolved by then;
- ``new_critical_bugs``, ``resolved_critical_bugs``: created, resolved in the week;
- ``median_days_to_resolve_critical``: of the critical bugs resolved in the week (no value
  when none were);
- ``critical_bugs_past_sla``: open at the week's end and older than the definition's SLA.

Each week is computed under the newest of: the definition in force that week, and any
definition applied to history on purpose from an earlier week (:func:`ddq.critical.apply_to_history`,
kept in ``critical_history`` while its import stands). So adopting a new definition changes
the weeks from its effective date on, and history is never silently rewritten.

The metrics are derived data: a function of the stored bugs, the team mappings, the issue
types that count as bugs and the definitions (and of the clock, which decides the latest
complete week). Every change to one of those calls :func:`refresh` in its own transaction,
which writes the difference to a fresh computation, so the stored values always equal one;
``ddq check`` recomputes and compares (:func:`differences`).

- Bugs that no mapping gives to a team belong to the team "Unassigned" (``teams.kind``
  ``unassigned``, in no area): they count in the organisation's totals and show up to be
  mapped, never silently left out.
- A value uploaded from a metrics file wins over a computed one for the same team, week
  and metric: a person put it there. The computation leaves that cell alone and says so.
- Each refresh that changes something is a ledger row (kind ``bug_metrics``), named after
  the change that caused it. It is not undone on its own: undoing its cause recomputes.
"""

from ddq.bugmetrics.fresh import Computation
from ddq.bugmetrics.stored import Difference, differences, refresh, weeks_behind
from ddq.bugmetrics.weekly import BUG_TYPES_SETTING, SECONDS_PER_DAY, bug_type_filter_sql
from ddq.bugowners import (
    COMPUTED_KINDS,
    CRITICAL_METRICS,
    HISTORY_KIND,
    KIND,
    METRICS,
    OWNERS_SQL,
    UNASSIGNED,
    UNASSIGNED_KIND,
    unassigned_team_id,
)

__all__ = [
    "BUG_TYPES_SETTING",
    "COMPUTED_KINDS",
    "CRITICAL_METRICS",
    "HISTORY_KIND",
    "KIND",
    "METRICS",
    "OWNERS_SQL",
    "SECONDS_PER_DAY",
    "UNASSIGNED",
    "UNASSIGNED_KIND",
    "Computation",
    "Difference",
    "bug_type_filter_sql",
    "differences",
    "refresh",
    "unassigned_team_id",
    "weeks_behind",
]
