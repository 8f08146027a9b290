"""A loopback front server that puts a real CalDAV server where providers put theirs, with their quirks.

The server is mounted under `/dav/` (paths and hrefs rewritten both ways); `/` answers 404 with a web
page, and `/.well-known/caldav` (and `carddav`) a 301 to the DAV root (or wherever `well_known` says), as Nextcloud
does. On request it also behaves as other servers do:
- `guest`: an unauthenticated PROPFIND gets a 207 with an `<unauthenticated/>` principal, and any
  other unauthenticated request a 403, never a 401 (Cyrus);
- `strict_type`: a body without Content-Type gets 415 (Cyrus);
- `no_calendar_here`: MKCALENDAR gets a 403 with `calendar-collection-location-ok` (Cyrus);
- `unique_uid`: the next N PUTs get a 403 with `unique-scheduling-object-resource` (Cyrus);
- `no_etag`: PUT answers carry no ETag (servers that rewrite the object);
- `close`: `Connection: close` on every answer.
Every request is recorded: method, path, and whether it carried credentials.
"""

from __future__ import annotations

import http.client
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Self

LOCALHOST = "127.0.0.1"
PREFIX = "/dav"
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "content-length"}
PLAIN = {"accept-encoding"}  # the bodies are rewritten, so they come back uncompressed
_HREF_OUT = re.compile(rb"(<(?:[\w-]+:)?href>)(?:https?://[^/<]+)?/")  # upstream hrefs, absolute or not
_HREF_IN = re.compile(rb"(<(?:[\w-]+:)?href>)" + re.escape(PREFIX.encode()) + rb"/")


@dataclass
class Seen:
    method: str
    path: str
    authorized: bool
    content_type: str | None


@dataclass
class Quirks:
    guest: bool = False
    strict_type: bool = False
    no_calendar_here: bool = False
    unique_uid: int = 0
    no_etag: bool = False
    close: bool = False
    well_known: str = PREFIX + "/"  # where /.well-known/caldav points
    seen: list[Seen] = field(default_factory=list)


def _error(*conditions: str) -> bytes:
    inner = "".join(f"<c:{name}/>" for name in conditions)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<d:error xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">{inner}</d:error>'
    ).encode()


def _guest(path: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?><d:multistatus xmlns:d="DAV:"><d:response>'
        f"<d:href>{path}</d:href><d:propstat><d:prop><d:current-user-principal><d:unauthenticated/>"
        "</d:current-user-principal><d:resourcetype><d:collection/></d:resourcetype></d:prop>"
        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>"
    ).encode()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:
        return

    def _serve(self) -> None:
        front = self.server.front
        quirks = front.quirks
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        authorized = "Authorization" in self.headers
        with front.lock:
            quirks.seen.append(Seen(self.command, self.path, authorized, self.headers.get("Content-Type")))
        path = self.path.split("?", 1)[0]
        if path.rstrip("/") in ("/.well-known/caldav", "/.well-known/carddav"):
            return self._answer(301, {"Location": quirks.well_known}, b"")
        if not (path == PREFIX or path.startswith(PREFIX + "/")):
            return self._answer(404, {"Content-Type": "text/html"}, b"<html><body>Welcome</body></html>")
        if body and quirks.strict_type and not self.headers.get("Content-Type"):
            return self._answer(415, {}, b"no Content-Type")
        if quirks.guest and not authorized:
            if self.command == "PROPFIND":
                return self._answer(207, {"Content-Type": "application/xml; charset=utf-8"}, _guest(path))
            return self._answer(403, {}, b"forbidden")
        if self.command == "MKCALENDAR" and quirks.no_calendar_here:
            return self._answer(403, {"Content-Type": "application/xml"}, _error("calendar-collection-location-ok"))
        if self.command == "PUT" and quirks.unique_uid > 0:
            with front.lock:
                quirks.unique_uid -= 1
            return self._answer(403, {"Content-Type": "application/xml"}, _error("unique-scheduling-object-resource"))
        status, headers, payload = self._forward(self.path[len(PREFIX) :] or "/", _HREF_IN.sub(rb"\1/", body))
        if self.command == "PUT" and quirks.no_etag:
            headers = {k: v for k, v in headers.items() if k.lower() != "etag"}
        if "Location" in headers:
            headers["Location"] = PREFIX + headers["Location"]
        self._answer(status, headers, _HREF_OUT.sub(rb"\1" + PREFIX.encode() + rb"/", payload))

    def _forward(self, path: str, body: bytes) -> tuple[int, dict[str, str], bytes]:
        upstream = http.client.HTTPConnection(LOCALHOST, self.server.front.upstream_port, timeout=30)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP | PLAIN}
            upstream.request(self.command, path, body=body or None, headers=headers)
            response = upstream.getresponse()
            payload = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
            return response.status, kept, payload
        finally:
            upstream.close()

    def _answer(self, status: int, headers: dict[str, str], payload: bytes) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        if self.server.front.quirks.close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_PUT = do_DELETE = do_POST = do_HEAD = do_OPTIONS = _serve
    do_PROPFIND = do_REPORT = do_MKCALENDAR = do_PROPPATCH = do_MKCOL = _serve


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, front: FrontServer) -> None:
        self.front = front
        super().__init__((LOCALHOST, 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        return


class FrontServer:
    def __init__(self, upstream_port: int, quirks: Quirks | None = None) -> None:
        self.upstream_port = upstream_port
        self.quirks = quirks or Quirks()
        self.lock = threading.Lock()
        self._server = _Server(self)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}/"

    def seen(self) -> list[Seen]:
        with self.lock:
            return list(self.quirks.seen)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
