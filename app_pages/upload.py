"""Upload: templates, a checked preview of a metrics file, applying it, the ledger and undo."""

import hashlib

import pandas as pd
import streamlit as st

from ddq.errors import DdqError
from ddq.export import export_metrics
from ddq.ingest.metrics import import_metrics
from ddq.ingest.problems import ImportRejected
from ddq.templates import metrics_long_template, metrics_wide_template
from ddq.ui import ledger as ui_ledger
from ddq.ui import state

st.title("Upload metrics")
st.caption("A file is checked in full before anything changes: it lands whole, or not at all.")

with st.expander("CSV templates and format", icon=":material/description:"):
    st.markdown(
        "**Long**: `team,week,metric,value`, one row per value. **Wide**: `team,week,` then one "
        "column per metric; an empty cell means *not reported*. Headers match by name in any "
        "order. `week` is an ISO date (any day of the week) or an ISO week such as `2026-W10`. "
        "Comma, semicolon or tab; UTF-8, UTF-16 or Windows-1252."
    )
    left, right = st.columns(2)
    catalog = state.read("catalog")
    left.download_button(
        "Long template",
        metrics_long_template(catalog),
        "metrics_long.csv",
        "text/csv",
        icon=":material/download:",
    )
    right.download_button(
        "Wide template",
        metrics_wide_template(catalog),
        "metrics_wide.csv",
        "text/csv",
        icon=":material/download:",
    )

upload = st.file_uploader("Metrics CSV file", type=["csv", "tsv", "txt"], key="metrics_file")
create_teams = st.checkbox(
    "Create teams the file names that do not exist yet",
    help="Otherwise an unknown team is an error that names the closest known team.",
)

ui_ledger.show_flash()

if upload is not None:
    data = upload.getvalue()
    sha = hashlib.sha256(data).hexdigest()
    outcome = state.dry_run(data, sha, upload.name, create_teams, state.version())
    if isinstance(outcome, ImportRejected):
        st.error(
            f"**{upload.name}**: {outcome.count} problem(s). Nothing was imported: fix "
            "the file and upload it again.",
            icon=":material/error:",
        )
        st.code("\n".join(outcome.problem_lines()), language=None, wrap_lines=True)
    else:
        st.subheader("Preview")
        cols = st.columns(5)
        cols[0].metric("Rows", f"{outcome.rows_read:,}")
        cols[1].metric("Values", f"{outcome.values:,}")
        cols[2].metric("New", f"{outcome.added:,}")
        cols[3].metric("Changed", f"{outcome.updated:,}")
        cols[4].metric("Unchanged", f"{outcome.unchanged:,}")
        if outcome.weeks:
            st.caption(
                f"{outcome.format.capitalize()} format · weeks {outcome.weeks[0]:%Y-%m-%d} "
                f"to {outcome.weeks[1]:%Y-%m-%d}"
            )
        if outcome.teams_created:
            st.warning("These teams will be created: " + ", ".join(outcome.teams_created))
        st.dataframe(pd.DataFrame(outcome.preview), hide_index=True)
        nothing_to_do = not (outcome.added or outcome.updated or outcome.teams_created)
        if st.button(
            "Apply import",
            type="primary",
            disabled=nothing_to_do,
            help="Nothing would change" if nothing_to_do else None,
        ):
            bar = st.progress(0.0, "Importing…")
            try:
                with state.connection() as con:
                    result = import_metrics(
                        con,
                        data,
                        file_name=upload.name,
                        who=state.LOCAL_USER,
                        create_teams=create_teams,
                        progress=lambda stage, done: bar.progress(done, stage.capitalize() + "…"),
                    )
            except DdqError as exc:
                bar.empty()
                st.error(str(exc))
            else:
                ui_ledger.flash(f"Applied: {result.summary()}.")
                st.rerun()

st.divider()
ui_ledger.imports_with_undo()


def _export() -> bytes:
    import io

    buffer = io.StringIO()
    with state.connection() as con:
        export_metrics(con, buffer)
    return buffer.getvalue().encode("utf-8")


st.download_button(
    "Download all metrics (CSV)",
    _export,
    "metrics.csv",
    "text/csv",
    icon=":material/download:",
    on_click="ignore",
)
