"""Each kind's undo: the tables it cleans, and when it is refused.

The ledger (:func:`ddq.ledger.reverse`) asks :func:`undo_of` for the entry's kind instead
of knowing every kind's side tables. A kind not listed is undone as a metrics import is
(its values, and whatever roster changes, bugs and created teams it recorded).
"""

from __future__ import annotations

from ddq.ledger import kinds
from ddq.ledger.kinds import KindUndo, counts_audit, decision_audit, status_audit
from ddq.ledger.reversal import bugs, computed, roster, sample, values
from ddq.ledger.reversal.bugs import bugs_undo_blockers
from ddq.ledger.reversal.roster import roster_undo_blockers
from ddq.ledger.reversal.values import undo_blockers

__all__ = [
    "UNDOS",
    "bugs_undo_blockers",
    "roster_undo_blockers",
    "undo_blockers",
    "undo_of",
]


_VALUES = KindUndo(reverse=values.reverse, refuse=values.refuse, audit=status_audit)
UNDOS: dict[str, KindUndo] = {
    kinds.METRICS: _VALUES,
    kinds.ROSTER: KindUndo(reverse=roster.reverse, refuse=roster.refuse, audit=counts_audit),
    kinds.BUGS: KindUndo(reverse=bugs.reverse, refuse=bugs.refuse, audit=counts_audit),
    kinds.SYNC: KindUndo(reverse=bugs.reverse_sync, refuse=bugs.refuse, audit=counts_audit),
    kinds.DEMO: KindUndo(
        reverse=sample.reverse, refuse=sample.refuse, event=False, audit=status_audit
    ),
    kinds.BUG_METRICS: KindUndo(
        reverse=computed.reverse_decision, refuse=computed.refuse_bug_metrics
    ),
    kinds.BUG_METRICS_HISTORY: KindUndo(reverse=computed.reverse_decision, audit=decision_audit),
}


def undo_of(kind: str) -> KindUndo:
    """How an import of this kind is undone."""
    return UNDOS.get(kind, _VALUES)
