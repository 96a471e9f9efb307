"""Which function imports a file of each kind: the Upload page and the CLI call the same one.

Each importer follows :mod:`ddq.ingest.pipeline` and returns a result that satisfies
:class:`ddq.ingest.pipeline.ImportResult`; each kind's undo is in :mod:`ddq.ledger.reversal`.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import cast

from ddq.ingest import bugs, metrics, roster
from ddq.ingest.pipeline import ImportResult
from ddq.ledger.kinds import BUGS, METRICS, ROSTER

Importer = Callable[..., ImportResult]

# Each kind's module and the name of its importer there. The function is looked up when
# asked for, so a wrapper put in its place (a test's spy) is the one called.
IMPORTERS: dict[str, tuple[ModuleType, str]] = {
    METRICS: (metrics, "import_metrics"),
    ROSTER: (roster, "import_roster"),
    BUGS: (bugs, "import_bugs"),
}


def importer_of(kind: str) -> Importer:
    """The function that imports a file of this kind; ValueError for a kind with none."""
    try:
        module, name = IMPORTERS[kind]
    except KeyError:
        raise ValueError(kind) from None
    return cast(Importer, getattr(module, name))
