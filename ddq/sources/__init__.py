"""Live sources: bugs read from the trackers' APIs, with the guarantees of a file import.

:mod:`ddq.sources.model` says what a source and an issue are; :mod:`ddq.sources.http`
asks an API for a page (credentials, retries, rate limits, errors in words); one module
per kind reads its tracker page by page (:mod:`ddq.sources.jira`, :mod:`ddq.sources.github`,
:mod:`ddq.sources.gitlab`, :mod:`ddq.sources.bugzilla`); :mod:`ddq.sources.store` keeps the
configured sources, and :mod:`ddq.sources.sync` turns what was read into one bug import.
"""
