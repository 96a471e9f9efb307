"""ddq's entry point: page set-up and navigation only."""

import streamlit as st

from ddq.access import ADMIN, EDITOR
from ddq.errors import DdqError
from ddq.ui import auth, presenting, server_guard, sidebar, state

# What a visitor may make Streamlit's server do (no cache clearing, uploads only where an
# uploader is shown): hooked into the server once, at the first run of any page.
server_guard.install()

st.set_page_config(
    page_title="ddq · quality community", page_icon=":material/monitoring:", layout="wide"
)

try:
    created = state.ensure_database()  # before kept_open: creating may replace the file
except DdqError as problem:  # an unreadable or busy database: say what to do, no traceback
    st.error(str(problem), icon=":material/error:")
    st.stop()

# One connection for the whole run (its reads and writes alike), closed when the run ends:
# opening the database file costs more than most reads.
with state.kept_open():
    try:
        actor = auth.current()
    except DdqError as problem:  # an unreadable or busy database: say what to do, no traceback
        st.error(str(problem), icon=":material/error:")
        st.stop()

    # A page that would only offer changes is left out for a role that cannot make them.
    navigation = st.navigation(
        [
            st.Page(
                "app_pages/overview.py", title="Overview", icon=":material/dashboard:", default=True
            ),
            st.Page("app_pages/trends.py", title="Trends", icon=":material/show_chart:"),
            st.Page("app_pages/progress.py", title="Progress", icon=":material/flag:"),
            st.Page("app_pages/meeting.py", title="Meeting", icon=":material/co_present:"),
            st.Page("app_pages/champions.py", title="Champions", icon=":material/groups:"),
            st.Page("app_pages/critical_bugs.py", title="Critical bugs", icon=":material/bug_report:"),
            *([st.Page("app_pages/upload.py", title="Upload", icon=":material/upload_file:")]
              if actor.may(EDITOR) else []),
            *([st.Page("app_pages/settings.py", title="Settings", icon=":material/settings:"),
               st.Page("app_pages/audit.py", title="Audit log", icon=":material/history:")]
              if actor.may(ADMIN) else []),
        ]
    )  # fmt: skip
    # Presenter mode shows the meeting's team alone, for the projector: no banners.
    quiet = navigation.url_path == "meeting" and presenting.presenting()
    try:
        if not quiet:
            state.database_banner(created)
        sidebar.community()
        auth.panel(banner=not quiet)
        # Shown no uploader, so it may not upload (say, after signing out).
        if not actor.may(EDITOR):
            server_guard.forbid_uploads()
    except DdqError as problem:
        st.error(str(problem), icon=":material/error:")
        st.stop()
    try:
        navigation.run()
    # A damaged file or a full disk met mid-page: say so, no traceback.
    except Exception as problem:
        from ddq.db import storage_problem

        explained = storage_problem(problem, state.db_path())
        if explained is None:
            raise
        st.error(str(explained), icon=":material/error:")
