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
from ddq.ingest import bugs
from ddq.ingest.csvfile import check_upload
from ddq.ingest.importers import importer_of
from ddq.ingest.problems import ImportRejected
from ddq.ui import auth, feedback, server_guard, state, write
from ddq.ui.format import plain


def importer(kind: str) -> Callable[..., Any]:
    """The ddq function that imports a file of this kind (the same one the CLI calls)."""
    return importer_of(kind)


@st.cache_data(max_entries=8, show_spinner=False)
def _dry_run(kind: str, _data: bytes, sha256: str, file_name: str,
             options: tuple[tuple[str, bool], ...], stamp: tuple[int, int], _who: Any) -> Any:  # fmt: skip
    with state.connection() as con:
        try:
            return importer(kind)(con, _data, file_name=file_name, who=_who,
                                  dry_run=True, **_plain(options))  # fmt: skip
        except ImportRejected as rejected:
            return rejected


def upload_limit_mb() -> float:
    """The app's upload limit: Streamlit's server.maxUploadSize, which ddq checks as well."""
    return float(st.get_option("server.maxUploadSize"))


def _show_rejected(file_name: str, rejected: ImportRejected) -> None:
    st.error(f"**{plain(file_name)}**: {rejected.count} problem(s). Nothing was imported: fix the "
             "file and upload it again.", icon=":material/error:")  # fmt: skip
    st.code("\n".join(rejected.problem_lines()), language=None, wrap_lines=True)


def _hashable(value: Any) -> Any:
    """Options as cache keys: a mapping becomes a sorted tuple of pairs."""
    return tuple(sorted(value.items())) if isinstance(value, dict) else value


def _plain(options: tuple[tuple[str, Any], ...]) -> dict[str, Any]:
    """Back from cache keys: the mapping option is a dict again."""
    return {k: dict(v) if k == "mapping" and v is not None else v for k, v in options}


def upload_and_apply(
    kind: str,
    label: str,
    options: dict[str, Any] | None = None,
    configure: Callable[[bytes], dict[str, Any] | None] | None = None,
) -> Any:
    """File uploader, preview (or every problem by line), and an Apply button.

    ``configure`` sees the uploaded bytes before the dry run and returns more options
    (say, a column mapping it lets the person edit), or None when it needs more input.
    Returns the applied result's summary on the run after applying, else None.
    """
    options = dict(options or {})
    # A new key after each apply empties the uploader, so the applied file's preview goes.
    generation = st.session_state.get(f"{kind}_generation", 0)
    server_guard.allow_uploads()  # the server stores files only for sessions shown an uploader
    upload = st.file_uploader(label, type=["csv", "tsv", "txt", "json"],
                              key=f"{kind}_file_{generation}")  # fmt: skip
    feedback.show_flash(kind)  # what the last Apply did, where its button was
    if upload is None:
        return
    data = upload.getvalue()
    limit = upload_limit_mb()
    try:  # too large, compressed or binary: refused before anything reads it
        check_upload(data, upload.name, max_mb=limit)
    except ImportRejected as rejected:
        _show_rejected(upload.name, rejected)
        return None
    options["max_mb"] = limit
    if configure is not None:
        more = configure(data)
        if more is None:
            return None
        options |= more
    chosen = tuple(sorted((k, _hashable(v)) for k, v in options.items()))
    sha = hashlib.sha256(data).hexdigest()
    outcome = _dry_run(kind, data, sha, upload.name, chosen, state.version(), auth.current())
    if isinstance(outcome, ImportRejected):
        _show_rejected(upload.name, outcome)
        return
    st.subheader("Preview")
    counts = outcome.headline()
    for column, (name, number) in zip(st.columns(len(counts)), counts.items(), strict=True):
        column.metric(name, f"{number:,}")
    for note in outcome.notes():  # what else to know before applying
        st.caption(plain(note))
    st.dataframe(pd.DataFrame(outcome.preview), hide_index=True)
    idle = not outcome.changes_anything
    if not st.button("Apply import", type="primary", disabled=idle, key=f"{kind}_apply",
                     help="Nothing would change" if idle else None):  # fmt: skip
        return
    bar = st.progress(0.0, "Importing…")
    try:
        with state.connection() as con:
            result = importer(kind)(
                con, data, file_name=upload.name, who=auth.current(), **_plain(chosen),
                progress=lambda stage, done: bar.progress(done, stage.capitalize() + "…"),
            )  # fmt: skip
            message = f"Applied: {result.summary()}."
            if getattr(result, "metrics", None) is not None and result.metrics.changed:
                message += f" Weekly bug metrics: {result.metrics.summary()}."
    except DdqError as exc:
        bar.empty()
        st.error(plain(str(exc)))
        return None
    feedback.flash(message, kind)
    server_guard.discard(upload)  # applied: the server need not hold it for this session
    st.session_state[f"{kind}_generation"] = generation + 1
    st.rerun()


def mapping_editor(data: bytes) -> dict[str, Any] | None:
    """Which column holds which field of a bug: guessed from the headers, editable, savable.

    The boxes belong to the file on screen: their keys carry the file's digest, so a new
    file starts from its own guess (or the chosen preset), never from the boxes of the file
    before, and the preview uses exactly the columns the boxes show.
    """
    headers = bugs.csv_headers(data)
    file_key = hashlib.sha256(data).hexdigest()[:16]
    presets = state.mapping_names()
    preset = st.selectbox("Column mapping", ["guessed from the file's headers", *presets],
                          key="mapping_preset")  # fmt: skip
    if preset in presets:
        with state.connection() as con:
            start = bugs.load_mapping(con, preset)
    else:
        start = bugs.guess_mapping(headers)
    choices = ["", *headers]
    mapping = {}
    columns = st.columns(4)
    for i, field_name in enumerate(bugs.FIELDS):
        default = start.get(field_name, "")
        mapping[field_name] = columns[i % 4].selectbox(
            field_name, choices, index=choices.index(default) if default in choices else 0,
            key=f"mapping_{file_key}_{preset}_{field_name}", help=bugs.FIELD_HELP[field_name],
        )  # fmt: skip
    mapping = {k: v for k, v in mapping.items() if v}
    name, save = st.columns([3, 1])
    label = name.text_input("Save this mapping as", key="mapping_name")
    saving = save.button("Save mapping", disabled=not label.strip())
    if saving and write.run(bugs.save_mapping, label, mapping) is not write.FAILED:
        st.success(plain(f"Mapping {label!r} saved."))
    if warning := bugs.mapping_warning(mapping):
        st.warning(warning, icon=":material/warning:")
    missing = [f for f in bugs.REQUIRED if f not in mapping]
    if missing:
        st.warning("Choose the column for " + " and ".join(missing) + " to preview the import.")
        return None
    return {"mapping": mapping}
