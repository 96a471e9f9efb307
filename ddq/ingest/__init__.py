"""Importing files into ddq, and undoing an import.

- :mod:`ddq.ingest.pipeline`: the steps every import follows, ``Progress``, ``ImportResult``
- :mod:`ddq.ledger.kinds`: the kinds of change the ledger records
- :mod:`ddq.ingest.importers`: which function imports a file of each kind
- :mod:`ddq.ledger.reversal`: what undoing each kind cleans; :mod:`ddq.ingest.undo` undoes one
- :mod:`ddq.ingest.metrics`, :mod:`ddq.ingest.roster`, :mod:`ddq.ingest.bugs`: the importers
- :mod:`ddq.ingest.csvfile`, :mod:`ddq.ingest.github`, :mod:`ddq.ingest.dates`,
  :mod:`ddq.ingest.problems`: reading files, and the problems found in them
"""
