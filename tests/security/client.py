"""A browser-less Streamlit client: what anyone on the network can send to the app's server.

It speaks the same protocol as the frontend (and as bench/load.py): ``/_stcore/health`` for
the XSRF cookie, the websocket ``/_stcore/stream`` with the token in its subprotocols, BackMsgs
such as ``rerun_script`` (a run of a page, with widget values) or ``clear_cache``, and the
upload route ``PUT /_stcore/upload_file/<session>/<file>``. Every wait is bounded: a reply that
does not come within the timeout fails the test.
"""

from __future__ import annotations

import http.client
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from websockets.sync.client import ClientConnection

XSRF_COOKIE = "_streamlit_xsrf"
TIMEOUT_S = 30.0  # one run of a page, one upload: bounds a failure, never waited out


@dataclass
class Run:
    """What one run of a page sent back: the elements it drew."""

    elements: list[Any] = field(default_factory=list)  # the new_element protos, in order
    problems: list[str] = field(default_factory=list)  # exceptions, an unknown page

    def of_type(self, kind: str) -> list[Any]:
        return [getattr(e, kind) for e in self.elements if e.WhichOneof("type") == kind]

    def headings(self) -> list[str]:
        return [h.body for h in self.of_type("heading")]


class Client:
    """One visitor of the app at ``url``: its cookies, its HTTP requests, its sessions."""

    def __init__(self, url: str, timeout: float = TIMEOUT_S) -> None:
        parts = urlsplit(url)
        self.url = url.rstrip("/")
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 80
        self.timeout = timeout
        status, headers, body = self.request("GET", "/_stcore/health")
        if status != 200 or body.strip() != b"ok":
            raise RuntimeError(f"health answered {status} {body[:80]!r}")
        cookie = next((v for k, v in headers if k.lower() == "set-cookie"
                       and v.startswith(XSRF_COOKIE + "=")), "")  # fmt: skip
        self.xsrf = cookie.split(";", 1)[0].partition("=")[2]

    @property
    def cookie(self) -> str:
        return f"{XSRF_COOKIE}={self.xsrf}" if self.xsrf else ""

    def request(self, method: str, target: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, list[tuple[str, str]], bytes]:  # fmt: skip
        """One HTTP request on a new connection: status, headers, body."""
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, target, body=body, headers=headers or {})
            answer = connection.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            connection.close()

    def metrics(self) -> str:
        """Streamlit's own metrics page (``/_stcore/metrics``), as text."""
        status, _, body = self.request("GET", "/_stcore/metrics")
        if status != 200:
            raise RuntimeError(f"metrics answered {status}")
        return body.decode("utf-8")

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A websocket session, closed (as a tab is) when the block ends."""
        from websockets.sync.client import connect

        with connect(
            f"ws://{self.host}:{self.port}/_stcore/stream",
            origin=f"http://{self.host}:{self.port}",  # type: ignore[arg-type]
            subprotocols=["streamlit", self.xsrf],  # type: ignore[list-item]
            additional_headers={"Cookie": self.cookie},
            proxy=None,  # loopback only, whatever the environment says
            max_size=None,
            open_timeout=self.timeout,
        ) as socket:
            yield Session(self, socket)


class Session:
    """One Streamlit session (a browser tab): runs of pages, BackMsgs, uploads."""

    def __init__(self, client: Client, socket: ClientConnection) -> None:
        self.client = client
        self.socket = socket
        self.id = ""  # the server's AppSession id, known after the first run

    def _receive(self) -> Any:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = ForwardMsg()
        msg.ParseFromString(self.socket.recv(timeout=self.client.timeout))
        return msg

    def send(self, msg: Any) -> None:
        self.socket.send(msg.SerializeToString())

    def run(self, page: str = "", *values: Any) -> Run:
        """Run ``page`` (its URL path) with these widget values, as the frontend asks.

        ``values`` are WidgetState protos (see :func:`text`, :func:`click`, :func:`files`);
        as with the frontend, a widget left out is back at its default. Waits until the run,
        and any run that ``st.rerun`` chains to it, has finished.
        """
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        state = msg.rerun_script
        state.page_name = page
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-GB"
        state.context_info.url = f"{self.client.url}/{page}"
        state.widget_states.widgets.extend(values)
        self.send(msg)
        run = Run()
        while True:
            received = self._receive()
            kind = received.WhichOneof("type")
            if kind == "new_session":
                self.id = received.new_session.initialize.session_id
                run = Run()  # a chained run (st.rerun) draws the page again
            elif kind == "delta" and received.delta.WhichOneof("type") == "new_element":
                element = received.delta.new_element
                run.elements.append(element)
                if element.WhichOneof("type") == "exception":
                    run.problems.append(f"exception: {element.exception.message}")
            elif kind == "page_not_found":
                run.problems.append(f"page not found: {received.page_not_found.page_name}")
            elif kind == "script_finished" and received.script_finished in (
                ForwardMsg.FINISHED_SUCCESSFULLY,
                ForwardMsg.FINISHED_WITH_COMPILE_ERROR,
            ):
                return run

    def sign_in(self, name: str, password: str) -> Run:
        """Fill the sidebar's sign-in form and submit it (password mode)."""
        form = self.run()
        inputs = {t.label: t.id for t in form.of_type("text_input")}
        name_id = next(i for label, i in inputs.items() if label.startswith("Your name"))
        return self.run(
            "", text(name_id, name), text(inputs["Password"], password), click(form, "Sign in")
        )

    def ping(self) -> None:
        """A heartbeat, answered once the server has handled every BackMsg sent before it."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.app_heartbeat = True
        self.send(msg)
        while self._receive().WhichOneof("type") != "heartbeat_ack":
            pass

    def clear_cache(self) -> None:
        """The BackMsg behind the frontend's "Clear cache" command."""
        from streamlit.proto.BackMsg_pb2 import BackMsg

        msg = BackMsg()
        msg.clear_cache = True
        self.send(msg)

    def upload_target(self, file_id: str | None = None) -> str:
        return f"/_stcore/upload_file/{self.id}/{file_id or uuid.uuid4()}"

    def put(self, data: bytes, name: str = "metrics.csv", file_id: str | None = None) -> int:
        """Upload ``data`` as the frontend's uploader does; the HTTP status."""
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                "Content-Type: text/csv\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "X-Xsrftoken": self.client.xsrf,
            "Cookie": self.client.cookie,
        }
        status, _, _ = self.client.request("PUT", self.upload_target(file_id), body, headers)
        return status

    def announce(self, length: int) -> int:
        """Start an upload of ``length`` bytes, send no body, and return the status the server
        answers with: a server that reads bodies first keeps waiting (and this times out)."""
        import socket

        request = (
            f"PUT {self.upload_target()} HTTP/1.1\r\n"
            f"Host: {self.client.host}:{self.client.port}\r\n"
            "Content-Type: multipart/form-data; boundary=x\r\n"
            f"Content-Length: {length}\r\nX-Xsrftoken: {self.client.xsrf}\r\n"
            f"Cookie: {self.client.cookie}\r\n\r\n"
        )
        with socket.create_connection((self.client.host, self.client.port),
                                      timeout=self.client.timeout) as raw:  # fmt: skip
            raw.sendall(request.encode("latin-1"))
            status_line = raw.makefile("rb").readline().decode("latin-1")
        parts = status_line.split()
        if len(parts) < 2 or not parts[1].isdigit():
            raise AssertionError(f"no HTTP status from the server: {status_line!r}")
        return int(parts[1])


def cache_bytes(metrics: str, name_part: str) -> int:
    """Bytes that Streamlit's metrics say the caches whose name contains ``name_part`` hold."""
    total = 0
    for line in metrics.splitlines():
        if line.startswith("cache_memory_bytes{") and name_part in line:
            total += int(float(line.rsplit(" ", 1)[1]))
    return total


def stored_upload_bytes(metrics: str) -> int:
    """Bytes of uploaded files the server holds, from its metrics (0 when none)."""
    pattern = re.compile(r'^cache_memory_bytes\{cache_type="UploadedFileManager".*\}\s+(\S+)$')
    return sum(int(float(m.group(1))) for line in metrics.splitlines()
               if (m := pattern.match(line)))  # fmt: skip


def text(widget_id: str, value: str) -> Any:
    """A text input's value."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, string_value=value)


def click(run: Run, label: str) -> Any:
    """A click on the button labelled ``label`` that ``run`` drew."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    found = [b.id for b in run.of_type("button") if b.label == label]
    if not found:
        raise AssertionError(
            f"no button {label!r}; buttons: {[b.label for b in run.of_type('button')]}"
        )
    return WidgetState(id=found[0], trigger_value=True)


def files(uploader: Any, *stored: tuple[str, str, int]) -> Any:
    """A file uploader holding files already PUT: (file id, name, size) each."""
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    state = WidgetState(id=uploader.id)
    for file_id, name, size in stored:
        info = state.file_uploader_state_value.uploaded_file_info.add()
        info.file_id, info.name, info.size = file_id, name, size
    return state
