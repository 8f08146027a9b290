"""Real local servers for tests and scripts: CalDAV (Radicale, Xandikos), HTTP, SMTP.

Everything here binds to 127.0.0.1 on a free port and is plain Python (no pytest
dependency), so it can be used from fixtures and from standalone scripts alike::

    with RadicaleServer(Path("/tmp/cal")) as server:
        print(server.url)

Every class is a context manager and its ``stop()``/``close()`` is idempotent.
"""

from __future__ import annotations

import email
import email.policy
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlsplit

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

__all__ = [
    "CalDAVServerProcess",
    "HttpReceiver",
    "RadicaleServer",
    "ReceivedMail",
    "RecordedRequest",
    "ServerStartError",
    "SmtpReceiver",
    "XandikosServer",
    "free_port",
    "preload_apprise_plugins",
]

LOCALHOST = "127.0.0.1"
# Bounds that only a hang reaches: each wait ends as soon as its event comes (see waiting.py).
DEFAULT_START_TIMEOUT = 120.0
DEFAULT_STOP_TIMEOUT = 10.0  # then SIGKILL: decides nothing a test asserts
WAIT_GUARD = 120.0
LOG_TAIL_CHARS = 4000


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOCALHOST, 0))
        port: int = sock.getsockname()[1]
        return port


def preload_apprise_plugins() -> None:
    """Import all Apprise plugins now, silencing one known third-party DeprecationWarning.

    Apprise loads its plugins lazily on the first ``Apprise.add()``; its email plugin
    (``apprise/utils/pgp.py``) does ``import imghdr``, which on Python 3.11/3.12 emits
    "'imghdr' is deprecated" -- an error under ``filterwarnings = ["error"]``. Once
    imported here (with only that warning ignored) it is cached in ``sys.modules``.
    """
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="'imghdr' is deprecated", category=DeprecationWarning)
        from apprise.plugins import N_MGR

        manager: Any = N_MGR  # untyped
        manager.load_modules()


class ServerStartError(RuntimeError):
    """A server subprocess exited early or never answered HTTP in time."""


# ---------------------------------------------------------------------------
# CalDAV servers (subprocesses)
# ---------------------------------------------------------------------------


class CalDAVServerProcess:
    """Common lifecycle for a CalDAV server run as a subprocess on a fixed port.

    The port is chosen once at construction, so ``stop()`` followed by ``start()``
    brings the server back on the same URL with the same storage.
    """

    kind = "base"
    own_session = False  # True: in a session (and process group) of its own, untouched by others' signals

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.port = port if port is not None else free_port()
        self.log_path = self.root / f"{self.kind}.log"
        self.start_timeout = DEFAULT_START_TIMEOUT
        self._proc: subprocess.Popen[bytes] | None = None

    # -- to be provided by subclasses --------------------------------------
    def command(self) -> list[str]:
        raise NotImplementedError

    def prepare(self) -> None:
        """Create whatever files the server needs before (each) start."""

    def environment(self) -> dict[str, str]:
        """Variables the server needs besides ours."""
        return {}

    # -- public API ----------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{LOCALHOST}:{self.port}/"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def log_tail(self, chars: int = LOG_TAIL_CHARS) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return "(no log file)"
        return text[-chars:]

    def start(self) -> None:
        if self.running:
            return
        self._reap()
        self.prepare()
        env = dict(os.environ)
        env.pop("RADICALE_CONFIG", None)
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.environment())
        with self.log_path.open("ab") as log:
            log.write(f"--- starting {self.kind} on port {self.port}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                self.command(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                env=env,
                start_new_session=self.own_session,
            )
        try:
            self._wait_until_up()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Terminate gracefully (SIGTERM), escalating to SIGKILL if needed."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=DEFAULT_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self._proc = None

    def kill(self) -> None:
        """Hard-kill the server (SIGKILL), as in a crash or power loss."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        self._proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.url} root={self.root}>"

    # -- internals -----------------------------------------------------------
    def _reap(self) -> None:
        if self._proc is not None:
            self._proc.wait()
            self._proc = None

    def _probe(self) -> bool:
        """True once the server answers any HTTP response."""
        conn = http.client.HTTPConnection(LOCALHOST, self.port, timeout=2)
        try:
            conn.request("OPTIONS", "/")
            conn.getresponse().read()
        except OSError:
            return False
        finally:
            conn.close()
        return True

    def _wait_until_up(self) -> None:
        assert self._proc is not None
        deadline = time.monotonic() + self.start_timeout
        while True:
            code = self._proc.poll()
            if code is not None:
                self._proc = None
                raise ServerStartError(
                    f"{self.kind} exited with code {code} before answering on "
                    f"{self.url}\n--- log tail ({self.log_path}) ---\n{self.log_tail()}"
                )
            if self._probe():
                return
            if time.monotonic() > deadline:
                raise ServerStartError(
                    f"{self.kind} did not answer on {self.url} within "
                    f"{self.start_timeout:.0f}s\n--- log tail ({self.log_path}) ---\n"
                    f"{self.log_tail()}"
                )
            time.sleep(0.05)


class RadicaleServer(CalDAVServerProcess):
    """Radicale on 127.0.0.1, storage in ``root/collections``.

    With ``users`` given, HTTP Basic auth is required (htpasswd, plain passwords);
    otherwise ``--auth-type none`` (any username/password is accepted).
    """

    kind = "radicale"

    def __init__(
        self,
        root: Path,
        port: int | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        super().__init__(root, port)
        self.users = dict(users) if users else None
        self.storage_dir = self.root / "collections"
        self.htpasswd_path = self.root / "htpasswd"

    def prepare(self) -> None:
        self.storage_dir.mkdir(parents=True, exist_ok=True)
        if self.users is not None:
            for name in self.users:
                if ":" in name:
                    raise ValueError(f"htpasswd user names cannot contain ':': {name!r}")
            lines = [f"{name}:{password}\n" for name, password in self.users.items()]
            self.htpasswd_path.write_text("".join(lines))

    def command(self) -> list[str]:
        cmd = [
            sys.executable,
            "-m",
            "radicale",
            "--config",  # no values: ignore /etc/radicale/config and ~/.config/radicale/config
            "--server-hosts",
            f"{LOCALHOST}:{self.port}",
            "--storage-filesystem-folder",
            str(self.storage_dir),
            "--logging-level",
            "warning",
            "--auth-delay",
            "0",
        ]
        if self.users is not None:
            cmd += [
                "--auth-type",
                "htpasswd",
                "--auth-htpasswd-filename",
                str(self.htpasswd_path),
                "--auth-htpasswd-encryption",
                "plain",
            ]
        else:
            cmd += ["--auth-type", "none"]
        return cmd


class XandikosServer(CalDAVServerProcess):
    """Xandikos on 127.0.0.1, no auth, data in ``root/data``.

    ``--defaults`` creates the principal ``/user/`` with a calendar at
    ``/user/calendars/calendar/`` and an address book.
    """

    kind = "xandikos"

    def __init__(self, root: Path, port: int | None = None) -> None:
        super().__init__(root, port)
        self.data_dir = self.root / "data"
        self.state_dir = self.root / "state"

    @property
    def principal_url(self) -> str:
        return f"{self.url}user/"

    @property
    def default_calendar_url(self) -> str:
        return f"{self.url}user/calendars/calendar/"

    def prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.state_dir.mkdir(parents=True, exist_ok=True)

    def command(self) -> list[str]:
        return [
            *_xandikos_entry_point(),
            "serve",
            "--defaults",
            "-d",
            str(self.data_dir),
            "--state-dir",
            str(self.state_dir),
            "-l",
            LOCALHOST,
            "-p",
            str(self.port),
            "--no-detect-systemd",
        ]


def _xandikos_entry_point() -> list[str]:
    """``python -m xandikos`` if importable here, else the ``xandikos`` script."""
    try:
        import xandikos.__main__  # noqa: F401
    except ImportError:
        script = Path(sys.executable).with_name("xandikos")
        if script.exists():
            return [str(script)]
        found = shutil.which("xandikos")
        if found:
            return [found]
        raise
    return [sys.executable, "-m", "xandikos"]


# ---------------------------------------------------------------------------
# HTTP receiver (Apprise json://, ntfy://, gotify:// targets)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # without the query string
    query: str  # raw query string ("" if none)
    headers: dict[str, str]
    body: bytes
    json: Any = None  # parsed body if it was JSON, else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: _ReceiverHTTPServer
    # HTTP/1.0: one request per connection, no idle keep-alive sockets to clean up.
    protocol_version = "HTTP/1.0"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size_line = self.rfile.readline()
                size = int(size_line.split(b";", 1)[0].strip() or b"0", 16)
                if size == 0:
                    # consume trailers up to the blank line
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _handle(self) -> None:
        body = self._read_body()
        parsed = None
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
        split = urlsplit(self.path)
        request = RecordedRequest(
            method=self.command,
            path=split.path,
            query=split.query,
            headers=dict(self.headers.items()),
            body=body,
            json=parsed,
        )
        self.server.receiver._record(request)
        status = self.server.receiver.next_status()
        hook = self.server.receiver.on_request
        if hook is not None:
            hook(request, status)
        if status is None:
            status, payload = 200, b"{}"
        else:
            payload = json.dumps({"error": "simulated failure", "code": status}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = _handle
    do_POST = _handle
    do_PUT = _handle
    do_PATCH = _handle
    do_DELETE = _handle
    do_HEAD = _handle
    do_OPTIONS = _handle


class _ReceiverHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, receiver: HttpReceiver) -> None:
        self.receiver = receiver
        super().__init__((LOCALHOST, 0), _ReceiverHandler)

    def handle_error(self, request: object, client_address: object) -> None:
        return  # the sender hung up (or was killed) before the answer: nothing to report


class HttpReceiver:
    """Records every HTTP request; answers ``200 {}`` (or ``fail_with`` if set).

    Starts listening on construction. ``requests`` is a snapshot copy of what has
    been received so far (a list of :class:`RecordedRequest`).
    """

    def __init__(self) -> None:
        self.fail_with: int | None = None
        self.fail_next: tuple[int, int] = (0, 500)  # (how many of the next requests, with what status)
        self.on_request: Callable[[RecordedRequest, int | None], None] | None = None  # before it answers
        self._requests: list[RecordedRequest] = []
        self._cond = threading.Condition()
        self._server = _ReceiverHTTPServer(self)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"HttpReceiver:{self.port}",
            daemon=True,
        )
        self._thread.start()
        self._closed = False

    def next_status(self) -> int | None:
        """The status to answer with: a queued failure first, then ``fail_with``, else None (200)."""
        with self._cond:
            count, status = self.fail_next
            if count > 0:
                self.fail_next = (count - 1, status)
                return status
        return self.fail_with

    @property
    def url(self) -> str:
        """``host:port``, to be put after an Apprise scheme."""
        return f"{LOCALHOST}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"http://{self.url}/"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._cond:
            return list(self._requests)

    def _record(self, request: RecordedRequest) -> None:
        with self._cond:
            self._requests.append(request)
            self._cond.notify_all()

    def wait_for(self, count: int = 1, timeout: float = WAIT_GUARD) -> list[RecordedRequest]:
        """Wait until at least ``count`` requests arrived; raise TimeoutError if not."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._requests) >= count, timeout):
                raise TimeoutError(
                    f"expected {count} request(s) on {self.base_url} within {timeout}s, got {len(self._requests)}"
                )
            return list(self._requests)

    def clear(self) -> None:
        with self._cond:
            self._requests.clear()

    # -- Apprise URLs pointing at this receiver (plain http) ------------------
    def json_url(self, path: str = "/notify") -> str:
        """Apprise ``json://`` URL: POSTs ``{"version","title","message","type",...}``."""
        return f"json://{self.url}/{path.lstrip('/')}"

    def ntfy_url(self, topic: str = "reconnect") -> str:
        """Apprise ``ntfy://`` URL (self-hosted mode): POSTs JSON to ``/`` with ``topic``."""
        return f"ntfy://{self.url}/{quote(topic, safe='')}?mode=private"

    def gotify_url(self, token: str = "AbCdEf0123456789") -> str:
        """Apprise ``gotify://`` URL: POSTs JSON to ``/message`` with ``X-Gotify-Key``."""
        return f"gotify://{self.url}/{quote(token, safe='')}"

    # -- lifecycle -------------------------------------------------------------
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<HttpReceiver {self.base_url} requests={len(self._requests)}>"


# ---------------------------------------------------------------------------
# SMTP receiver (Apprise mailto:// target)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    message: EmailMessage = field(repr=False)

    @property
    def subject(self) -> str:
        return str(self.message.get("Subject", ""))

    @property
    def text(self) -> str:
        """The text/plain body (falls back to the html part, then to '')."""
        part = self.message.get_body(preferencelist=("plain", "html"))
        if part is None or not isinstance(part, EmailMessage):
            return ""
        return str(part.get_content())


class _MailHandler:
    def __init__(self, receiver: SmtpReceiver) -> None:
        self.receiver = receiver

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        content = envelope.original_content or b""
        if isinstance(envelope.content, bytes):
            content = envelope.content
        message = email.message_from_bytes(content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.receiver._record(
            ReceivedMail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                content=content,
                message=message,
            )
        )
        return "250 Message accepted for delivery"


class SmtpReceiver:
    """aiosmtpd server on 127.0.0.1 collecting every message (no TLS, no AUTH)."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port if port is not None else free_port()
        self._messages: list[ReceivedMail] = []
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"{LOCALHOST}:{self.port}"

    @property
    def messages(self) -> list[ReceivedMail]:
        with self._cond:
            return list(self._messages)

    def _record(self, mail: ReceivedMail) -> None:
        with self._cond:
            self._messages.append(mail)
            self._cond.notify_all()

    def wait_for(self, count: int = 1, timeout: float = WAIT_GUARD) -> list[ReceivedMail]:
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(
                    f"expected {count} mail(s) on {self.url} within {timeout}s, got {len(self._messages)}"
                )
            return list(self._messages)

    def clear(self) -> None:
        with self._cond:
            self._messages.clear()

    def apprise_url(self, to: str = "me@example.com", sender: str = "reconnectd@example.com") -> str:
        """Apprise ``mailto://`` URL delivering here in plain SMTP (no STARTTLS, no AUTH).

        ``mailto://`` (not ``mailtos://``) means insecure mode; without user/password
        Apprise does not attempt to log in.
        """
        return f"mailto://{self.url}?from={quote(sender, safe='@')}&to={quote(to, safe='@')}"

    def start(self) -> None:
        if self._controller is not None:
            return
        controller = Controller(
            _MailHandler(self),
            hostname=LOCALHOST,
            port=self.port,
            ready_timeout=WAIT_GUARD,
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def close(self) -> None:
        self.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<SmtpReceiver {self.url} messages={len(self._messages)}>"
