"""Upload: templates, a checked preview of a metrics file, applying it, the ledger and undo;
bug exports, and syncing the live sources."""

import io

import streamlit as st

from ddq.export import export_metrics
from ddq.ingest.bugs import CSV, GITHUB, JIRA
from ddq.ledger.kinds import BUGS, METRICS
from ddq.templates import metrics_long_template, metrics_wide_template
from ddq.ui import auth, imports, sources, state
from ddq.ui import ledger as ui_ledger

st.title("Upload metrics")
if not auth.may_edit("upload files"):  # only in an editor's navigation anyway
    st.stop()
st.caption("A file is checked in full before anything changes: it lands whole, or not at all.")

with st.expander("CSV templates and format", icon=":material/description:"):
    st.markdown(
        "**Long**: `team,week,metric,value`, one row per value. **Wide**: `team,week,` then one "
        "column per metric; an empty cell means *not reported*. Headers match by name in any "
        "order. `week` is an ISO date (any day of the week) or an ISO week such as `2026-W10`. "
        "Comma, semicolon or tab; UTF-8, UTF-16 or Windows-1252. Up to "
        f"{st.get_option('server.maxUploadSize')} MB; compressed, spreadsheet and other binary "
        "files are refused (save as CSV). Larger files: `ddq import metrics FILE`."
    )
    left, right = st.columns(2)
    catalog = state.catalog()
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

CREATE_TEAMS = "Create teams the file names that do not exist yet"
create_teams = st.checkbox(
    CREATE_TEAMS, help="Otherwise an unknown team is an error that names the closest known team."
)
imports.upload_and_apply(METRICS, "Metrics CSV file", {
    "create_teams": create_teams, "create_teams_how": f"tick “{CREATE_TEAMS}” above",
})  # fmt: skip

st.divider()
ui_ledger.imports_with_undo()


def _export() -> bytes:
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

st.divider()
st.subheader("Bug-tracker export")
st.caption("Bugs are updated by key; the weekly bug metrics are computed from them under the "
           "critical-bug definition in force.")  # fmt: skip
formats = {
    JIRA: "Jira CSV export",
    GITHUB: "GitHub issues JSON",
    CSV: "Other CSV (map columns)",
}
bug_format = st.radio("Format", list(formats), format_func=formats.get, horizontal=True)
skip = st.checkbox("Import the good rows and skip broken ones (each skipped row is kept in the "
                   "ledger with its line and reason)")  # fmt: skip
imports.upload_and_apply(BUGS, "Bug export file", {"format": bug_format, "skip_bad_rows": skip},
                         configure=imports.mapping_editor if bug_format == CSV else None)  # fmt: skip

st.divider()
sources.sync_section()
