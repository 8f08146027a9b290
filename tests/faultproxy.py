"""A loopback HTTP proxy in front of a CalDAV server that misbehaves on request.

It forwards whole requests over one keep-alive upstream connection per client connection, and
can, for a while or for the next few requests:
- refuse connections (it stops listening, so the client sees "connection refused");
- answer 503 (with Retry-After) or 412 instead of the server;
- answer slowly, or not at all until the client gives up (a timeout);
- run a hook after the server has handled a write but before the client hears back, which is
  where a simulated crash hurts most;
- show each request, headers and all, to `on_request` (a wiretap, as a chatty library would be).
"""

from __future__ import annotations

import contextlib
import http.client
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

LOCALHOST = "127.0.0.1"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
WRITES = {"PUT", "DELETE"}


@dataclass
class Fault:
    """What to do to the next `count` requests whose method is in `methods` (all when empty) and
    whose body holds `body` (say b"sync-collection", to tell one REPORT from another)."""

    kind: str  # "status", "slow", "hang", "after-write" (runs `hook`), "lost-answer" (the write lands, no reply)
    count: int
    status: int = 503
    delay: float = 0.0
    methods: frozenset[str] = frozenset()
    hook: Callable[[], None] | None = None
    body: bytes = b""
    answer: bytes = b"simulated fault"  # the body of a "status" fault's answer (a DAV:error, say)

    def applies(self, method: str, body: bytes = b"") -> bool:
        return self.count > 0 and (not self.methods or method in self.methods) and self.body in body


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    upstream: http.client.HTTPConnection | None = None

    def log_message(self, format: str, *args: object) -> None:
        return

    def _relay(self) -> None:
        proxy = self.server.proxy
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if proxy.on_request is not None:
            proxy.on_request(self.command, self.path, dict(self.headers.items()))
        fault = proxy.take_fault(self.command, body)
        if fault is not None and fault.kind == "status":
            headers = {"Retry-After": "1"} if fault.status == 503 else {}
            if fault.answer.startswith(b"<?xml"):
                headers["Content-Type"] = "application/xml; charset=utf-8"
            self._answer(fault.status, headers, fault.answer)
            return
        if fault is not None and fault.kind in ("slow", "hang"):
            time.sleep(fault.delay)
            if fault.kind == "hang":
                self.close_connection = True
                return
        status, headers, payload = self._forward(body)
        proxy.count(self.command)
        if fault is not None and fault.kind == "after-write" and fault.hook is not None:
            fault.hook()
        if fault is not None and fault.kind == "lost-answer":
            self.close_connection = True
            return
        self._answer(status, headers, payload)

    def _forward(self, body: bytes) -> tuple[int, dict[str, str], bytes]:
        if self.upstream is None:
            self.upstream = http.client.HTTPConnection(LOCALHOST, self.server.proxy.upstream_port, timeout=30)
            self.upstream.connect()
            assert self.upstream.sock is not None
            self.upstream.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        try:
            self.upstream.request(self.command, self.path, body=body or None, headers=headers)
            response = self.upstream.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException):
            self.upstream.close()
            self.upstream = None
            return 502, {}, b"upstream unavailable"
        kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP | {"content-length"}}
        return response.status, kept, payload

    def _answer(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # no Nagle stalls on replies
        self.server.proxy.opened(self.connection)

    def finish(self) -> None:
        self.server.proxy.closed(self.connection)
        super().finish()
        if self.upstream is not None:
            self.upstream.close()

    do_GET = do_PUT = do_DELETE = do_POST = do_HEAD = do_OPTIONS = _relay
    do_PROPFIND = do_REPORT = do_MKCALENDAR = do_PROPPATCH = do_MKCOL = _relay


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, proxy: FaultProxy, port: int) -> None:
        self.proxy = proxy
        super().__init__((LOCALHOST, port), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        return  # a client that hangs up (or is killed) mid-request is part of the game


class FaultProxy:
    """Listens on a fixed loopback port (kept across `refuse()` and `accept()`)."""

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._connections: set[socket.socket] = set()
        self.requests: dict[str, int] = {}
        self.on_request: Callable[[str, str, dict[str, str]], None] | None = None  # method, path, headers
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.accept()

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}/"

    # -- faults ------------------------------------------------------------------

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def take_fault(self, method: str, body: bytes = b"") -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.applies(method, body):
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def count(self, method: str) -> None:
        with self._lock:
            self.requests[method] = self.requests.get(method, 0) + 1

    # -- listening -----------------------------------------------------------------

    def opened(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def closed(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)

    def refuse(self) -> None:
        """Stop listening: new connections are refused, open ones are cut."""
        server, self._server = self._server, None
        if server is not None:
            server.shutdown()
            server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
        with self._lock:
            for connection in self._connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def accept(self) -> None:
        if self._server is not None:
            return
        for _ in range(50):
            try:
                self._server = _Server(self, self.port)
                break
            except OSError:  # the old socket may linger for a moment
                time.sleep(0.1)
        else:
            raise OSError(f"cannot listen on {LOCALHOST}:{self.port} again")
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def refusing(self) -> bool:
        return self._server is None

    def close(self) -> None:
        self.refuse()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def connection_refused(port: int) -> bool:
    """True when nothing listens on the port (for tests of the proxy itself)."""
    with socket.socket() as probe:
        return probe.connect_ex((LOCALHOST, port)) != 0
