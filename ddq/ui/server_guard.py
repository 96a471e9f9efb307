"""What a session may make Streamlit's server do, whether or not anyone signed it in.

Streamlit serves every session alike: whoever can open the page can send each message the
frontend knows and PUT files to their session's upload address. Two of those let one visitor
act on everyone, so they are refused here (DESIGN.md section 8):

- **Clearing the caches.** The frontend's "Clear cache" command (the BackMsg ``clear_cache``)
  empties every ``st.cache_data`` and ``st.cache_resource`` of the process, for all sessions,
  and every viewer then waits while each read is computed again (on 500 teams the meeting page
  takes seconds instead of a tenth of one), as often as a script sends it. Nobody may do that from the
  frontend: ddq's cached reads are keyed on the database file's stamp, so they never serve
  stale numbers and need no clearing; restarting the app empties them all the same.
- **Storing uploads.** Only a session that was shown an uploader may upload
  (:func:`allow_uploads`, which ``ddq.ui.imports`` calls before it draws one, on pages that
  only editors see), until it signs out or leaves. A session holds at most ``SESSION_FILES``
  files of the largest allowed size (``server.maxUploadSize``), the whole process
  ``SERVER_FILES``. A session's files are removed when it leaves: Streamlit would keep them
  for a reconnection, and never remove them once it has forgotten the session.

Streamlit has no extension point for either, so :func:`install` hooks four of its functions
(``HOOKS``), written against Streamlit ``STREAMLIT_VERSION``; tests/security/test_streamlit_pin.py
fails when an upgrade changes any of them or the code around them that the hooks rely on.

``install`` runs when the app's script first runs, which is after the server has started: until
a first page has been opened, Streamlit's own handling is in place, and the first run removes
whatever was uploaded before it.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from starlette.exceptions import HTTPException
from starlette.responses import PlainTextResponse
from streamlit import config
from streamlit.logger import get_logger
from streamlit.runtime import Runtime
from streamlit.runtime.app_session import AppSession
from streamlit.runtime.memory_uploaded_file_manager import MemoryUploadedFileManager
from streamlit.runtime.scriptrunner import get_script_run_ctx
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec
from streamlit.url_util import make_url_path
from streamlit.web.server.starlette.starlette_path_security_middleware import (
    PathSecurityMiddleware,
)
from streamlit.web.server.starlette.starlette_routes import BASE_ROUTE_UPLOAD_FILE

_LOGGER = get_logger(__name__)

# The Streamlit release the hooks were written against (the one in uv.lock).
STREAMLIT_VERSION = "1.67.0"
# What install() changes in Streamlit, by qualified name.
HOOKS = (
    "streamlit.runtime.app_session.AppSession._handle_clear_cache_request",
    "streamlit.web.server.starlette.starlette_path_security_middleware.PathSecurityMiddleware.__call__",
    "streamlit.runtime.memory_uploaded_file_manager.MemoryUploadedFileManager.add_file",
    "streamlit.runtime.runtime.Runtime.disconnect_session",
)

# The Upload page shows two uploaders (metrics and a bug export), each holding one file.
SESSION_FILES = 2
# Four editors filling both uploaders at once with the largest files: 400 MB at the default
# 50 MB cap, about twice what the app holds once a first viewer has loaded it
# (docs/scaling.md). Editors upload between meetings, one or two at a time.
SERVER_FILES = 8

_MARK = "_ddq_server_guard"  # set on each hooked function, so install() runs once
_installing = threading.Lock()  # the first runs of several sessions may start together


@dataclass
class _Uploads:
    """Which sessions may upload, and how many requests were refused.

    Script threads grant and revoke, the server's event loop checks: one lock for all.
    """

    lock: threading.Lock = field(default_factory=threading.Lock)
    allowed: set[str] = field(default_factory=set)
    refused: dict[str, int] = field(default_factory=dict)


def _uploads() -> _Uploads:
    """The one registry of the process, kept on Streamlit's class rather than in this module,
    so that a reload of this module while developing finds the same one."""
    found = getattr(MemoryUploadedFileManager, _MARK, None)
    if found is None:
        found = _Uploads()
        setattr(MemoryUploadedFileManager, _MARK, found)
    return found


def file_cap() -> int:
    """Bytes: Streamlit's own per-file limit (``server.maxUploadSize`` is in MB of 2**20)."""
    return int(config.get_option("server.maxUploadSize")) * 1024 * 1024


def session_cap() -> int:
    return SESSION_FILES * file_cap()


def server_cap() -> int:
    return SERVER_FILES * file_cap()


def _session_id() -> str | None:
    ctx = get_script_run_ctx()
    return ctx.session_id if ctx is not None else None


def _manager() -> MemoryUploadedFileManager | None:
    """The server's store of uploads, when the hooks are in place in a running server."""
    if not getattr(MemoryUploadedFileManager.add_file, _MARK, False) or not Runtime.exists():
        return None
    manager = Runtime.instance().uploaded_file_mgr
    return manager if isinstance(manager, MemoryUploadedFileManager) else None


def allow_uploads() -> None:
    """This session is being shown an uploader: it may store files (up to its cap)."""
    session_id = _session_id()
    if session_id:
        registry = _uploads()
        with registry.lock:
            registry.allowed.add(session_id)


def forbid_uploads() -> None:
    """This session may not upload (any more), and what it stored is removed."""
    session_id = _session_id()
    if session_id:
        _forget(session_id)


def discard(upload: UploadedFile) -> None:
    """Remove an upload that has been used up (say, applied) from the server's memory."""
    session_id, manager = _session_id(), _manager()
    if session_id and manager is not None:
        manager.remove_file(session_id, upload.file_id)


def _forget(session_id: str, manager: MemoryUploadedFileManager | None = None) -> None:
    registry = _uploads()
    with registry.lock:
        registry.allowed.discard(session_id)
    manager = manager or _manager()
    if manager is not None:
        manager.remove_session_files(session_id)


def _refused(kind: str, message: str, *args: Any) -> None:
    """Log a refusal: the first of each kind, then the 10th, 100th, ...: a script sending
    them in a loop cannot fill the log."""
    registry = _uploads()
    with registry.lock:
        count = registry.refused[kind] = registry.refused.get(kind, 0) + 1
    if count == 1 or str(count).strip("0") == "1":
        _LOGGER.warning(message + " (%d refused since start)", *args, count)


def _stored(manager: MemoryUploadedFileManager, session_id: str,
            replacing: str) -> tuple[int, int]:  # fmt: skip
    """Bytes the session and the whole process hold, leaving out the file being replaced."""
    with manager._lock:  # the manager's own lock: its dictionaries change on other threads
        held = {(owner, file_id): len(record.data)
                for owner, records in manager.file_storage.items()
                for file_id, record in records.items()}  # fmt: skip
    held.pop((session_id, replacing), None)
    return sum(size for (owner, _), size in held.items() if owner == session_id), sum(held.values())


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.0f} MB"


def _refuse_clear_cache(self: AppSession) -> None:
    """Replaces AppSession._handle_clear_cache_request: the frontend may not clear the caches."""
    _refused("clear_cache", "Refused a request from the frontend to clear every cache")


def _guard_upload_requests(
    call: Callable[[Any, Any, Any, Any], Awaitable[None]],
) -> Callable[[Any, Any, Any, Any], Awaitable[None]]:
    """Wraps PathSecurityMiddleware.__call__, Streamlit's outermost middleware: a PUT to the
    upload route is refused before its body is read when its session may not upload. (A body
    larger than a file may be, Streamlit refuses itself; the caps are checked on storing.)"""

    @functools.wraps(call)
    async def guarded(self: Any, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope.get("method") == "PUT":
            prefix = make_url_path(config.get_option("server.baseUrlPath") or "",
                                   BASE_ROUTE_UPLOAD_FILE) + "/"  # fmt: skip
            path = scope.get("path", "")
            if path.startswith(prefix):
                refusal = _check_request(path[len(prefix) :].split("/", 1)[0])
                if refusal is not None:
                    status, reason = refusal
                    await PlainTextResponse(reason, status_code=status)(scope, receive, send)
                    return
        await call(self, scope, receive, send)

    return guarded


def _check_request(session_id: str) -> tuple[int, str] | None:
    registry = _uploads()
    with registry.lock:
        allowed = session_id in registry.allowed
    if allowed:
        return None
    _refused("upload_forbidden", "Refused an upload from a session shown no uploader")
    return 403, "This session may not upload files: open the Upload page as an editor."


def _guard_storing(
    add_file: Callable[[MemoryUploadedFileManager, str, UploadedFileRec], None],
) -> Callable[[MemoryUploadedFileManager, str, UploadedFileRec], None]:
    """Wraps MemoryUploadedFileManager.add_file, which the upload route calls once it has read
    the file: the file is stored only for a session that may upload, within both caps."""

    @functools.wraps(add_file)
    def guarded(self: MemoryUploadedFileManager, session_id: str, file: UploadedFileRec) -> None:
        registry = _uploads()
        with registry.lock:  # checks and stores one at a time, so two uploads cannot both fit
            if session_id not in registry.allowed:
                status, reason = 403, "This session may not upload files."
            else:
                session, everyone = _stored(self, session_id, file.file_id)
                size = len(file.data)
                if session + size > session_cap():
                    status, reason = 413, (
                        f"This session already holds {_megabytes(session)} of uploads and may "
                        f"hold {_megabytes(session_cap())}: remove a file from an uploader, or "
                        "reload the page to start again.")  # fmt: skip
                elif everyone + size > server_cap():
                    status, reason = 413, (
                        "The server holds as many uploads as it may: try again in a few "
                        "minutes.")  # fmt: skip
                else:
                    add_file(self, session_id, file)
                    return
        _refused(f"upload_{status}", "Refused to store an upload: %s", reason)
        raise HTTPException(status_code=status, detail=reason)

    return guarded


def _guard_leaving(disconnect: Callable[..., None]) -> Callable[..., None]:
    """Wraps Runtime.disconnect_session (a websocket closed): once the session has no
    connection left, its permission and its uploads go."""

    @functools.wraps(disconnect)
    def guarded(self: Runtime, session_id: str, *args: Any, **kwargs: Any) -> None:
        disconnect(self, session_id, *args, **kwargs)
        if not self.is_active_session(session_id):
            manager = self.uploaded_file_mgr
            _forget(session_id, manager if isinstance(manager, MemoryUploadedFileManager) else None)

    return guarded


def _mark(function: Any) -> Any:
    setattr(function, _MARK, True)
    return function


def install() -> None:
    """Apply the hooks, once per process; later calls do nothing.

    Only in a running server: AppTest runs pages without one.
    """
    if config.get_option("global.appTest") or not Runtime.exists():
        return
    with _installing:
        if not getattr(MemoryUploadedFileManager.add_file, _MARK, False):
            _hook()


def _hook() -> None:
    if st.__version__ != STREAMLIT_VERSION:
        _LOGGER.warning("ddq's server guard was written for Streamlit %s, this is %s: run "
                        "tests/security to check it still holds", STREAMLIT_VERSION,
                        st.__version__)  # fmt: skip
    AppSession._handle_clear_cache_request = _mark(_refuse_clear_cache)  # type: ignore[method-assign]
    PathSecurityMiddleware.__call__ = _mark(  # type: ignore[method-assign]
        _guard_upload_requests(PathSecurityMiddleware.__call__)
    )
    Runtime.disconnect_session = _mark(_guard_leaving(Runtime.disconnect_session))  # type: ignore[method-assign]
    # Last: it is the mark that says the hooks are in place.
    MemoryUploadedFileManager.add_file = _mark(_guard_storing(MemoryUploadedFileManager.add_file))  # type: ignore[method-assign]
    # Nobody could be allowed before now, so whatever was stored before goes.
    manager = _manager()
    if manager is not None:
        with manager._lock:
            early = list(manager.file_storage)
        for session_id in early:
            manager.remove_session_files(session_id)
    _LOGGER.info(
        "ddq server guard active: no cache clearing from the frontend; uploads only from "
        "sessions shown an uploader, up to %s a session and %s in all",
        _megabytes(session_cap()), _megabytes(server_cap()),
    )  # fmt: skip
