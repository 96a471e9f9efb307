"""Which function imports a file of each kind: the Upload page and the CLI call the same one.

Each importer follows :mod:`ddq.ingest.pipeline` and returns a result that satisfies
:class:`ddq.ingest.pipeline.ImportResult`; each kind's undo is in :mod:`ddq.ingest.reversal`.
"""

from __future__ import annotations

from collections.abc import Callable

from ddq.ingest.bugs import import_bugs
from ddq.ingest.kinds import BUGS, METRICS, ROSTER
from ddq.ingest.metrics import import_metrics
from ddq.ingest.pipeline import ImportResult
from ddq.ingest.roster import import_roster

Importer = Callable[..., ImportResult]

IMPORTERS: dict[str, Importer] = {
    METRICS: import_metrics,
    ROSTER: import_roster,
    BUGS: import_bugs,
}


def importer_of(kind: str) -> Importer:
    """The function that imports a file of this kind; ValueError for a kind with none."""
    try:
        return IMPORTERS[kind]
    except KeyError:
        raise ValueError(kind) from None
