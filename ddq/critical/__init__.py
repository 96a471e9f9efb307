"""Critical-bug definitions: versions with a life cycle, champions' stances, a draft's impact.

Every number the community discusses depends on what a critical bug is, so the definition
is versioned and agreed on in the open:

- **draft**: anyone with the right to edit definitions writes one (a title, a rule in the
  form :mod:`ddq.rules` reads, a rationale, examples and an optional SLA in days). Versions
  are numbered 1, 2, 3, ... in the order they were drafted.
- **proposed**: put to the champions. Each team's current champion records a stance
  (agree, disagree with a comment, or abstain); the page shows where every team stands.
- **adopted**: in force from its effective date. The definition adopted before it is
  retired on that same day, so exactly one definition is in force on any day after the
  first adoption (see :func:`current`). An adopted definition never changes again: a
  change is a new version, usually drafted ``based_on`` it.
- **retired**: no longer in force (replaced or withdrawn), or a draft or proposal that
  was abandoned. Final.

Every change runs in one transaction with its audit row; adoptions and retirements of
definitions that were in force also add an event (kind ``definition``) so that the trend
charts mark the day the meaning of "critical" changed.

:func:`impact` shows, before anyone adopts a version, which open bugs would change class
and how each team's count of critical bugs would move, computed in DuckDB from the rule's
compiled SQL (:func:`ddq.rules.to_sql`).

The parts, by what a person does: :mod:`~ddq.critical.definitions` (the life cycle and
reading versions), :mod:`~ddq.critical.drafts`, :mod:`~ddq.critical.stances`,
:mod:`~ddq.critical.adoption`, :mod:`~ddq.critical.history` (applying a definition to
earlier weeks) and :mod:`~ddq.critical.impact`.
"""

from __future__ import annotations

from ddq.critical.adoption import AdoptionDates, adopt, adoption_dates, retire
from ddq.critical.definitions import (
    ADOPTED,
    DEFAULT_IMPACT_LIMIT,
    DRAFT,
    EDITABLE_FIELDS,
    EVENT_KIND,
    MAX_COMMENT,
    MAX_DAYS_AHEAD,
    MAX_SLA_DAYS,
    MAX_TEXT,
    MAX_TITLE,
    PROPOSED,
    RETIRED,
    STANCES,
    STATUSES,
    Comparison,
    Definition,
    InvalidDefinition,
    Side,
    compare,
    current,
    get,
    rule_json,
    versions,
)
from ddq.critical.drafts import create_draft, update_draft
from ddq.critical.history import apply_to_history
from ddq.critical.impact import ChangedBug, Impact, TeamImpact, field_values, impact
from ddq.critical.stances import Stance, TeamStance, propose, record_stance, stance_summary, stances

__all__ = [
    "ADOPTED",
    "DEFAULT_IMPACT_LIMIT",
    "DRAFT",
    "EDITABLE_FIELDS",
    "EVENT_KIND",
    "MAX_COMMENT",
    "MAX_DAYS_AHEAD",
    "MAX_SLA_DAYS",
    "MAX_TEXT",
    "MAX_TITLE",
    "PROPOSED",
    "RETIRED",
    "STANCES",
    "STATUSES",
    "AdoptionDates",
    "ChangedBug",
    "Comparison",
    "Definition",
    "Impact",
    "InvalidDefinition",
    "Side",
    "Stance",
    "TeamImpact",
    "TeamStance",
    "adopt",
    "adoption_dates",
    "apply_to_history",
    "compare",
    "create_draft",
    "current",
    "field_values",
    "get",
    "impact",
    "propose",
    "record_stance",
    "retire",
    "rule_json",
    "stance_summary",
    "stances",
    "update_draft",
    "versions",
]
