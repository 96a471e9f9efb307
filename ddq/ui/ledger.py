"""The imports ledger on screen: every import, and undoing one (shared by the upload pages)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from ddq import db, ledger
from ddq.ingest.undo import undo
from ddq.ui import database, state, write
from ddq.ui.feedback import FLASH_KEY as FLASH_KEY  # re-exported: pages confirm through these
from ddq.ui.feedback import flash, show_flash

LEDGER_COLUMNS = ["id", "imported_at", "kind", "file_name", "who", "added", "updated",
                  "unchanged", "skipped", "status"]  # fmt: skip


# Here, not in ddq.ui.state: pandas is imported only by the pages that show a table (about
# half a second of the app's first start, which opens the Overview).
@database.cached
def _ledger(path: str, stamp: tuple[int, int]) -> pd.DataFrame:
    with db.connect(path) as con:
        return pd.DataFrame(ledger.list_imports(con))


def ledger_table() -> pd.DataFrame:
    """The imports ledger, newest first."""
    return _ledger(*database.key())


def skipped_rows(imports: Any) -> None:
    """The rows imports skipped (import the good rows, skip broken ones), with line and reason."""
    with_skipped = imports.loc[imports["skipped"] > 0, "id"].tolist()
    if not with_skipped:
        return
    with st.expander("Skipped rows", icon=":material/playlist_remove:"):
        chosen = st.selectbox("Import", with_skipped, format_func=lambda i: f"import {i}",
                              key="skipped_of")  # fmt: skip
        found = state.skipped_rows(int(chosen))
        st.dataframe(found, hide_index=True, column_config={"line": "Line", "reason": "Reason"})


def imports_with_undo() -> None:
    """The ledger, newest first, with a confirmed undo of any applied import."""
    st.subheader("Imports")
    imports = ledger_table()
    if imports.empty:
        st.caption("No imports yet.")
        return
    st.dataframe(
        imports[LEDGER_COLUMNS],
        hide_index=True,
        column_config={"imported_at": st.column_config.DatetimeColumn("when (UTC)")},
    )
    skipped_rows(imports)
    # Computed bug metrics follow their inputs: they are undone by undoing what caused them.
    undoable = (imports["status"] == "applied") & (imports["kind"] != ledger.BUG_METRICS)
    applied_ids = imports.loc[undoable, "id"].tolist()
    if applied_ids:
        _undo_form(applied_ids)
    show_flash("undo")  # what the last undo did, under its button


def _undo_form(applied_ids: list[int]) -> None:
    with st.form("undo"):
        chosen = st.selectbox("Undo an import", applied_ids, format_func=lambda i: f"import {i}")
        sure = st.checkbox(
            "Restore exactly the values this import replaced, and remove the ones it added"
        )
        if not st.form_submit_button("Undo import"):
            return
        if not sure:
            st.warning("Tick the box to confirm.")
            return
        done = write.run(undo, int(chosen))
        if done is write.FAILED:
            return
    message = done.summary()[:1].upper() + done.summary()[1:] + "."
    if done.metrics.changed:
        message += f" Weekly bug metrics: {done.metrics.summary()}."
    flash(message, "undo")
    st.rerun()
