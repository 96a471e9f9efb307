"""Only a session shown an uploader may upload, within caps (DESIGN.md section 8; issue 15,
point 2).

Streamlit stores a PUT to ``/_stcore/upload_file/<session>/<file>`` for any session that is
connected; ddq lets it store files only for a session that a page showed an uploader (the
Upload and Champions pages, which only editors see), at most two files of the largest size
a session and eight for the whole server, and removes a session's files when it leaves or
when it has applied them. What the server holds is read from Streamlit's metrics.
"""

from __future__ import annotations

import datetime as dt
import uuid
from contextlib import ExitStack

from ddq import clock
from tests.security.client import click, files
from tests.security.conftest import EDITOR_PASSWORD, FILE_BYTES

FILE = b"x" * FILE_BYTES


def test_a_viewer_cannot_upload(client):
    with client.session() as viewer:
        page = viewer.run()
        assert page.headings()[0] == "Overview" and not page.of_type("file_uploader")
        assert viewer.put(b"team,week,metric,value\n") == 403
        # Refused on the request's headers: the server does not wait for a body first.
        assert viewer.announce(FILE_BYTES) == 403


def test_only_a_session_shown_an_uploader_may_upload(client):
    with client.session() as session:
        session.sign_in("Ann Lee", EDITOR_PASSWORD)  # an editor, on the Overview page
        assert session.put(FILE) == 403
        upload_page = session.run("upload")
        assert len(upload_page.of_type("file_uploader")) == 2
        assert session.put(FILE) == 204


def test_signing_out_ends_the_right_to_upload(client, editor, stored):
    with editor() as session:
        assert session.put(FILE) == 204
        stored(lambda held: held >= FILE_BYTES, "the upload stored")
        session.run("upload", click(session.run("upload"), "Sign out"))
        assert session.put(FILE) == 403
        stored(lambda held: held == 0, "the signed-out session's upload removed")


def test_a_session_holds_at_most_two_files(editor):
    with editor() as session:
        assert [session.put(FILE), session.put(FILE)] == [204, 204]
        assert session.put(FILE) == 413
        same = str(uuid.uuid4())  # a file sent again under its id replaces itself
        with editor("Bo Chen") as other:
            assert [other.put(FILE, file_id=same), other.put(FILE, file_id=same)] == [204, 204]


def test_the_server_holds_at_most_eight_files(client, editor, stored):
    stored(lambda held: held == 0, "uploads of earlier tests removed")
    with ExitStack() as sessions:
        full = [sessions.enter_context(editor(f"Editor {i}")) for i in range(4)]
        assert [s.put(FILE) for s in full for _ in range(2)] == [204] * 8
        with editor("Late Comer") as late:
            assert late.put(FILE) == 413
            sessions.close()  # the four leave, and their files go with them
            stored(lambda held: held == 0, "the files of the sessions that left removed")
            assert late.put(FILE) == 204


def test_a_sessions_uploads_go_when_it_leaves(editor, stored):
    with editor() as session:
        assert [session.put(FILE), session.put(FILE)] == [204, 204]
        stored(lambda held: held >= 2 * FILE_BYTES, "both uploads stored")
    stored(lambda held: held == 0, "the uploads of the session that left removed")


def test_an_applied_upload_is_not_kept(client, editor, stored):
    week = clock.today() - dt.timedelta(weeks=4)  # inside the sample's 30 weeks
    data = f"team,week,metric,value\nCheckout,{week},open_bugs,1234\n".encode()
    with editor() as session:
        file_id = str(uuid.uuid4())
        assert session.put(data, "week.csv", file_id) == 204
        stored(lambda held: held == len(data), "the upload stored")
        uploader = session.run("upload").of_type("file_uploader")[0]
        holding = files(uploader, (file_id, "week.csv", len(data)))
        preview = session.run("upload", holding)
        assert "Preview" in [h.body for h in preview.of_type("heading")], preview.problems
        applied = session.run("upload", holding, click(preview, "Apply import"))
        shown = [a.body.replace("\\", "") for a in applied.of_type("alert")]  # markdown escapes
        assert any(s.startswith("Applied: import") for s in shown), (shown, applied.problems)
        stored(lambda held: held == 0, "the applied upload removed while the session stays")
