"""The server guard's hooks still fit the Streamlit they hook (ddq/ui/server_guard.py).

The guard changes four Streamlit functions and relies on the code around them. Each is pinned
by a hash of its source as released in the Streamlit of ``uv.lock``. After an upgrade, a
failure here names what changed and what to re-check; once re-checked (and the guard adapted),
record the new hashes and set ``server_guard.STREAMLIT_VERSION``.
"""

from __future__ import annotations

import hashlib
import importlib
import inspect
import re
import tomllib
from pathlib import Path

import streamlit

from ddq.ui import server_guard

ROOT = Path(__file__).resolve().parents[2]
STREAMLIT_DIR = Path(streamlit.__file__).parent

# module:qualified name -> (sha256 of its source, first 16 hex digits; what to re-check)
PINNED = {
    "streamlit.runtime.app_session:AppSession.handle_backmsg": (
        "54694407b0ff13a5",
        "that the BackMsg clear_cache still reaches only _handle_clear_cache_request, and "
        "that no new BackMsg clears caches or stores files for any session",
    ),
    "streamlit.runtime.app_session:AppSession._handle_clear_cache_request": (
        "9265c872c2b92818",
        "what clearing does now; the guard replaces the whole method with a refusal",
    ),
    "streamlit.web.server.starlette.starlette_path_security_middleware:"
    "PathSecurityMiddleware.__call__": (
        "90d3be088069678c",
        "that it is still called with every HTTP request's scope before any body is read "
        "(the guard refuses upload PUTs there)",
    ),
    "streamlit.web.server.starlette.starlette_app:create_streamlit_middleware": (
        "429103624411d3cf",
        "that PathSecurityMiddleware is still the outermost middleware",
    ),
    "streamlit.web.server.starlette.starlette_routes:create_upload_routes": (
        "4155ed4458edce19",
        "the upload route's path (the guard matches PUT <base>/_stcore/upload_file/<session>/), "
        "that it still stores a file only through upload_mgr.add_file after reading it, and "
        "lets an HTTPException raised there become the response",
    ),
    "streamlit.runtime.memory_uploaded_file_manager:MemoryUploadedFileManager": (
        "60e295e708f95b3e",
        "add_file's signature, and file_storage (session id -> file id -> record) and _lock, "
        "which the guard reads to count what a session and the server hold",
    ),
    "streamlit.web.server.server:Server.__init__": (
        "887c8f30d28416d3",
        "that the server still keeps uploads in a MemoryUploadedFileManager",
    ),
    "streamlit.runtime.runtime:Runtime.disconnect_session": (
        "a43d963df98eb4f0",
        "that the websocket's end still calls it, and that is_active_session is false after it "
        "for a session that has no connection left",
    ),
    "streamlit.runtime.websocket_session_manager:WebsocketSessionManager.disconnect_session": (
        "89280f8176239b3c",
        "whether Streamlit now removes a disconnected session's uploads itself",
    ),
}


def _source_hash(name: str) -> str:
    module, _, attribute = name.partition(":")
    found = importlib.import_module(module)
    for part in attribute.split("."):
        found = getattr(found, part)
    return hashlib.sha256(inspect.getsource(found).encode()).hexdigest()[:16]


def _locked_streamlit() -> str:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    return next(p["version"] for p in lock["package"] if p["name"] == "streamlit")


def test_the_guard_is_written_for_the_locked_streamlit():
    locked = _locked_streamlit()
    assert streamlit.__version__ == locked, (
        f"Streamlit {streamlit.__version__} is installed but uv.lock has {locked}: run `uv sync`"
    )
    assert locked == server_guard.STREAMLIT_VERSION, (
        f"uv.lock moved to Streamlit {locked}; ddq/ui/server_guard.py was written for "
        f"{server_guard.STREAMLIT_VERSION}. Re-check every hook (this file says what), run "
        "tests/security, then set STREAMLIT_VERSION."
    )


def test_the_hooked_code_is_unchanged():
    changed = [
        f"- {name}: re-check {what}"
        for name, (expected, what) in PINNED.items()
        if _source_hash(name) != expected
    ]
    assert not changed, (
        f"Streamlit {streamlit.__version__} changed code that ddq/ui/server_guard.py hooks or "
        "relies on:\n" + "\n".join(changed) + "\nThen run tests/security and record the new "
        "hashes here."
    )


def test_every_hook_is_pinned():
    pinned = [name.replace(":", ".") for name in PINNED]
    loose = [hook for hook in server_guard.HOOKS  # pinned by itself or by its class
             if not any(hook == p or hook.startswith(p + ".") for p in pinned)]  # fmt: skip
    assert not loose


def _calling_files(pattern: str) -> set[str]:
    """Streamlit's own modules (not its test harness) whose code matches ``pattern``."""
    found = set()
    for path in STREAMLIT_DIR.rglob("*.py"):
        relative = path.relative_to(STREAMLIT_DIR).as_posix()
        if relative.startswith("testing/"):
            continue
        if re.search(pattern, path.read_text(encoding="utf-8")):
            found.add(relative)
    return found


def test_no_other_way_stores_uploads_or_clears_caches_for_everyone():
    assert _calling_files(r"\.add_file\(") == {"web/server/starlette/starlette_routes.py"}, (
        "Streamlit stores uploads from another place now: check it is guarded too"
    )
    clearing = _calling_files(r"cache_(data|resource)\.clear\(\)")
    # The `streamlit cache clear` command, the caches' own definitions, and the BackMsg.
    assert clearing == {
        "web/cli.py",
        "runtime/caching/cache_data_api.py",
        "runtime/caching/cache_resource_api.py",
        "runtime/app_session.py",
    }, "Streamlit clears the caches from another place now: check a session cannot reach it"
