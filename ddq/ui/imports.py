"""Uploading a file: a checked preview, then apply; the same flow for every kind of import.

The importer runs twice: once as a dry run (cached per file content, options and database
state) to show what would happen, and once for real when the person applies it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from ddq.errors import DdqError
from ddq.ingest.problems import ImportRejected
from ddq.ui import ledger as ui_ledger
from ddq.ui import state


def importer(kind: str) -> Callable[..., Any]:
    """The ddq function that imports a file of this kind (the same one the CLI calls)."""
    if kind == "metrics":
        from ddq.ingest.metrics import import_metrics

        return import_metrics
    if kind == "roster":
        from ddq.ingest.roster import import_roster

        return import_roster
    raise ValueError(kind)


@st.cache_data(max_entries=8, show_spinner=False)
def _dry_run(kind: str, _data: bytes, sha256: str, file_name: str,
             options: tuple[tuple[str, bool], ...], stamp: tuple[int, int]) -> Any:  # fmt: skip
    with state.connection() as con:
        try:
            return importer(kind)(con, _data, file_name=file_name, who=state.LOCAL_USER,
                                  dry_run=True, **dict(options))  # fmt: skip
        except ImportRejected as rejected:
            return rejected


def upload_and_apply(kind: str, label: str, options: dict[str, bool] | None = None) -> None:
    """File uploader, preview (or every problem by line), and an Apply button."""
    chosen = tuple(sorted((options or {}).items()))
    # A new key after each apply empties the uploader, so the applied file's preview goes.
    generation = st.session_state.get(f"{kind}_generation", 0)
    upload = st.file_uploader(label, type=["csv", "tsv", "txt", "json"],
                              key=f"{kind}_file_{generation}")  # fmt: skip
    ui_ledger.show_flash()
    if upload is None:
        return
    data = upload.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    outcome = _dry_run(kind, data, sha, upload.name, chosen, state.version())
    if isinstance(outcome, ImportRejected):
        st.error(f"**{upload.name}**: {outcome.count} problem(s). Nothing was imported: fix the "
                 "file and upload it again.", icon=":material/error:")  # fmt: skip
        st.code("\n".join(outcome.problem_lines()), language=None, wrap_lines=True)
        return
    st.subheader("Preview")
    counts = outcome.headline()
    for column, (name, number) in zip(st.columns(len(counts)), counts.items(), strict=True):
        column.metric(name, f"{number:,}")
    for note in outcome.notes():
        st.caption(note)
    st.dataframe(pd.DataFrame(outcome.preview), hide_index=True)
    idle = not outcome.changes_anything
    if not st.button("Apply import", type="primary", disabled=idle, key=f"{kind}_apply",
                     help="Nothing would change" if idle else None):  # fmt: skip
        return
    bar = st.progress(0.0, "Importing…")
    try:
        with state.connection() as con:
            result = importer(kind)(
                con, data, file_name=upload.name, who=state.LOCAL_USER, **dict(chosen),
                progress=lambda stage, done: bar.progress(done, stage.capitalize() + "…"),
            )  # fmt: skip
    except DdqError as exc:
        bar.empty()
        st.error(str(exc))
        return
    ui_ledger.flash(f"Applied: {result.summary()}.")
    st.session_state[f"{kind}_generation"] = generation + 1
    st.rerun()
