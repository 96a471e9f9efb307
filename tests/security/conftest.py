"""Security tests: the app's pages through AppTest, and its server on loopback.

The server is the real app (`streamlit run app.py`), one for the whole test session, on a free
loopback port, in password mode (visitors are viewers until they sign in) with an upload limit
of 1 MB, so that the caps, multiples of it, fill with small files. Tests reach it as anyone on
the network would: over HTTP and the websocket protocol (tests/security/client.py), and in
Chromium for what a person sees.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest

from tests.e2e.server import StreamlitServer, make_sample_db
from tests.security.client import Client, Session, stored_upload_bytes

ROOT = Path(__file__).resolve().parents[2]
EDITOR_PASSWORD = "correct horse"
MAX_UPLOAD_MB = 1
FILE_BYTES = 1_000_000  # just under the 1 MB (2**20 bytes) limit of one file
# Streamlit's metrics recompute cache sizes at most every 5 s: waits on them take that long.
STATE_TIMEOUT_S = 30.0


@pytest.fixture
def page():
    """Build an AppTest for a page file or for the whole app."""
    from streamlit.testing.v1 import AppTest

    def build(relative: str) -> AppTest:
        return AppTest.from_file(str(ROOT / relative), default_timeout=30)

    return build


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StreamlitServer]:
    folder = tmp_path_factory.mktemp("security")
    make_sample_db(folder / "ddq.duckdb", teams=8, weeks=30)
    app = StreamlitServer(folder / "ddq.duckdb", folder / "streamlit.log", {
        "DDQ_EDITOR_PASSWORD": EDITOR_PASSWORD, "DDQ_ADMIN_PASSWORD": os.urandom(8).hex(),
        "STREAMLIT_SERVER_MAX_UPLOAD_SIZE": str(MAX_UPLOAD_MB)})  # fmt: skip
    app.start()  # raises with the server's output if it is not healthy within 60 s
    try:
        yield app
    finally:
        app.stop()


@pytest.fixture
def client(server: StreamlitServer) -> Client:
    """A new visitor (its own XSRF cookie)."""
    return Client(server.url)


@pytest.fixture
def editor(client: Client) -> Callable[..., AbstractContextManager[Session]]:
    """``with editor() as session``: a session of this visitor signed in as an editor, on the
    Upload page; ``editor(name)`` for another name."""
    return functools.partial(_editor_on_upload_page, client)


@pytest.fixture
def wait(server: StreamlitServer) -> Callable[..., None]:
    """``wait(condition, what)``: poll until the condition holds, bounded."""
    return functools.partial(_wait_until, server=server)


@pytest.fixture
def stored(client: Client, server: StreamlitServer) -> Callable[[Callable[[int], bool], str], int]:
    """``stored(check, what)``: the bytes of uploads the server holds, once ``check`` accepts
    them (Streamlit's metrics, recomputed every 5 s)."""
    return functools.partial(_wait_for_stored, client, server)


@contextmanager
def _editor_on_upload_page(client: Client, name: str = "Ann Lee") -> Iterator[Session]:
    """A session signed in as an editor that has opened the Upload page (two uploaders)."""
    with client.session() as session:
        session.sign_in(name, EDITOR_PASSWORD)
        page = session.run("upload")
        assert page.headings()[0] == "Upload metrics", page.problems
        assert len(page.of_type("file_uploader")) == 2
        yield session


def _wait_until(condition: Callable[[], bool], what: str, server: StreamlitServer,
               timeout: float = STATE_TIMEOUT_S) -> None:  # fmt: skip
    """Poll until ``condition()`` holds; fail saying ``what`` did not happen, with the log."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout:g} s. Server "
                                 f"{server.status()}; its log:\n{server.log()[-3000:]}")  # fmt: skip
        time.sleep(0.2)


def _wait_for_stored(client: Client, server: StreamlitServer,
                    check: Callable[[int], bool], what: str) -> int:  # fmt: skip
    """Bytes of uploads the server holds, once ``check`` accepts them."""
    seen: list[int] = []

    def holds() -> bool:
        seen.append(stored_upload_bytes(client.metrics()))
        return check(seen[-1])

    _wait_until(holds, f"{what} (server holds {seen[-1:] or '?'} bytes of uploads)", server)
    return seen[-1]
