"""A loopback TCP proxy that makes a local server look distant.

Every byte is delivered `latency / 2` after it was sent, in each direction, so one HTTP
request and its response cost one extra `latency` round trip however they are split into
packets. A new connection costs one more round trip first (the TCP handshake). Bytes pass
through untouched, so keep-alive works as it would without the proxy. The client-to-server
stream is parsed just enough to count HTTP requests, as a cross-check of the clients' counts.
"""

from __future__ import annotations

import contextlib
import queue
import socket
import threading
import time
from types import TracebackType
from typing import Self

LOCALHOST = "127.0.0.1"
_CHUNK = 65536


class RequestCounter:
    """Counts HTTP/1.1 requests in a client's byte stream (Content-Length or chunked bodies)."""

    def __init__(self) -> None:
        self.count = 0
        self._buffer = b""
        self._body_left = 0  # bytes of a body (or chunk plus CRLF) still to skip
        self._state = "head"  # head, body, chunk-size, trailer
        self._chunked = False

    def feed(self, data: bytes) -> int:
        """Take more bytes; return how many requests started in them."""
        before = self.count
        self._buffer += data
        while self._step():
            pass
        return self.count - before

    def _step(self) -> bool:
        if self._state == "body":
            taken = min(self._body_left, len(self._buffer))
            self._buffer = self._buffer[taken:]
            self._body_left -= taken
            if self._body_left:
                return False
            self._state = "chunk-size" if self._chunked else "head"
            return True
        line_end = b"\r\n\r\n" if self._state == "head" else b"\r\n"
        end = self._buffer.find(line_end)
        if end < 0:
            return False
        text, self._buffer = self._buffer[:end], self._buffer[end + len(line_end) :]
        if self._state == "head":
            self._start_request(text)
        elif self._state == "chunk-size":
            size = int(text.split(b";", 1)[0].strip() or b"0", 16)
            self._state, self._body_left = ("trailer", 0) if size == 0 else ("body", size + 2)
        elif not text:  # the blank line that ends the trailers
            self._state = "head"
        return True

    def _start_request(self, head: bytes) -> None:
        if not head.strip():
            return
        self.count += 1
        headers = {}
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip().lower()
        self._chunked = b"chunked" in headers.get(b"transfer-encoding", b"")
        length = 0 if self._chunked else int(headers.get(b"content-length", b"0") or 0)
        if self._chunked:
            self._state = "chunk-size"
        elif length:
            self._state, self._body_left = "body", length
        else:
            self._state = "head"


class _DelayedPipe:
    """Copies src to dst, delivering each chunk `delay` seconds after it arrived."""

    def __init__(
        self, src: socket.socket, dst: socket.socket, *, delay: float, not_before: float, name: str, done: _Closer
    ) -> None:
        self.src, self.dst, self.delay, self.not_before, self.done = src, dst, delay, not_before, done
        self.counter: RequestCounter | None = None
        self._queue: queue.Queue[tuple[float, bytes | None]] = queue.Queue()
        self.threads = [
            threading.Thread(target=self._read, name=f"{name}-read", daemon=True),
            threading.Thread(target=self._write, name=f"{name}-write", daemon=True),
        ]
        if delay == 0:  # a local run: no queue, one thread
            self.threads = [threading.Thread(target=self._copy, name=f"{name}-copy", daemon=True)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def _copy(self) -> None:
        """With no delay, one thread passes each chunk straight on (a local run costs the proxy little)."""
        try:
            while True:
                data = self.src.recv(_CHUNK)
                if not data:
                    self.dst.shutdown(socket.SHUT_WR)
                    return
                if self.counter is not None:
                    self.counter.feed(data)
                self.dst.sendall(data)
        except OSError:
            return
        finally:
            self.done.one_done()

    def _read(self) -> None:
        while True:
            try:
                data = self.src.recv(_CHUNK)
            except OSError:
                data = b""
            due = max(time.monotonic(), self.not_before) + self.delay
            if not data:
                self._queue.put((due, None))
                return
            if self.counter is not None:
                self.counter.feed(data)
            self._queue.put((due, data))

    def _write(self) -> None:
        try:
            while True:
                due, data = self._queue.get()
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                if data is None:
                    self.dst.shutdown(socket.SHUT_WR)
                    return
                self.dst.sendall(data)
        except OSError:
            return
        finally:
            self.done.one_done()


class _Closer:
    """Closes a connection's two sockets once both directions have finished."""

    def __init__(self, *sockets: socket.socket) -> None:
        self.sockets = sockets
        self._left = 2
        self._lock = threading.Lock()

    def one_done(self) -> None:
        with self._lock:
            self._left -= 1
            if self._left:
                return
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)  # wakes a reader still blocked in recv
            sock.close()


class LatencyProxy:
    """Forwards 127.0.0.1:<port> to 127.0.0.1:<upstream_port>, adding `latency` seconds per round trip."""

    def __init__(self, upstream_port: int, latency: float) -> None:
        self.upstream_port = upstream_port
        self.latency = latency
        self._listener = socket.create_server((LOCALHOST, 0))
        self._listener.settimeout(0.2)
        self.port: int = self._listener.getsockname()[1]
        self._lock = threading.Lock()
        self._counters: list[RequestCounter] = []
        self._sockets: list[socket.socket] = []
        self._threads: list[threading.Thread] = []
        self._closed = threading.Event()
        self._acceptor = threading.Thread(target=self._accept, name=f"proxy-{self.port}", daemon=True)
        self._acceptor.start()

    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}/"

    @property
    def requests(self) -> int:
        with self._lock:
            return sum(c.count for c in self._counters)

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._counters)

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                client, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._link(client)

    def _link(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection((LOCALHOST, self.upstream_port), timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        client.settimeout(None)
        for sock in (client, upstream):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        half = self.latency / 2
        opened = time.monotonic() + self.latency  # the handshake's round trip comes first
        counter = RequestCounter()
        closer = _Closer(client, upstream)
        name = f"proxy-{self.port}"
        outbound = _DelayedPipe(client, upstream, delay=half, not_before=opened, name=f"{name}-out", done=closer)
        outbound.counter = counter
        inbound = _DelayedPipe(upstream, client, delay=half, not_before=opened, name=f"{name}-in", done=closer)
        with self._lock:
            self._counters.append(counter)
            self._sockets += [client, upstream]
            self._threads += [*outbound.threads, *inbound.threads]
        outbound.start()
        inbound.start()

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._listener.close()
        self._acceptor.join(timeout=2)
        with self._lock:
            sockets, threads = list(self._sockets), list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        deadline = time.monotonic() + 2 + self.latency
        for thread in threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
