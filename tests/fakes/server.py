"""A loopback HTTP server that answers like a web API, with failures on demand.

Each fake API is a :class:`FakeApi` subclass whose :meth:`FakeApi.answer` turns a
:class:`Request` into a :class:`Reply`. A test starts one with :func:`serving`, gets its
root URL, and may queue failures: ``api.fail_next(Reply(503))`` answers the next request
so; ``api.fail_when(lambda request: ..., Reply(...))`` answers every matching request so
until it is cleared. Every request is logged in ``api.requests`` (method, path, query,
headers), so a test can check what was asked, and that no secret went where it should not.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: bytes = b""

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default


@dataclass
class Reply:
    status: int = 200
    body: Any = None  # JSON-able, or bytes sent as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (to provoke a client's timeout)

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if self.body is None:
            return b""
        return json.dumps(self.body).encode()


class FakeApi:
    """An API on loopback: subclasses answer requests; tests inject failures."""

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self._queued: list[Reply] = []
        self._rules: list[tuple[Callable[[Request], bool], Reply]] = []
        self._lock = threading.Lock()
        self.url = ""  # set by serving()

    def answer(self, request: Request) -> Reply:
        raise NotImplementedError

    def fail_next(self, *replies: Reply) -> None:
        """Answer the next requests with these replies, one each, before answering normally."""
        with self._lock:
            self._queued.extend(replies)

    def fail_when(self, matches: Callable[[Request], bool], reply: Reply) -> None:
        """Answer every request that ``matches`` with ``reply`` until :meth:`clear`."""
        with self._lock:
            self._rules.append((matches, reply))

    def clear(self) -> None:
        with self._lock:
            self._queued.clear()
            self._rules.clear()

    def handle(self, request: Request) -> Reply:
        with self._lock:
            self.requests.append(request)
            if self._queued:
                return self._queued.pop(0)
            for matches, reply in self._rules:
                if matches(request):
                    return reply
        return self.answer(request)


def _handler(api: FakeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            request = Request(
                method=method,
                path=parts.path,
                query=parse_qs(parts.query, keep_blank_values=True),
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
            )
            reply = api.handle(request)
            if reply.delay:
                threading.Event().wait(reply.delay)
            payload = reply.payload()
            try:
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json; charset=utf-8", **reply.headers}
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout under test)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: tests read ``api.requests`` instead."""

    return Handler


@contextmanager
def serving(api: FakeApi) -> Iterator[FakeApi]:
    """Run ``api`` on a free loopback port until the block ends; ``api.url`` is its root."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(api))
    server.daemon_threads = True
    host, port = server.server_address[:2]
    api.url = f"http://{host}:{port}"
    # A short poll keeps shutdown() quick: it waits for the loop to notice.
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield api
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
