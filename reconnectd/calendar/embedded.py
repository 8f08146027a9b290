"""The embedded calendar: a Radicale server on loopback, storing its data in the state directory.

Used when `calendar.url` is left out, so reconnectd works before any account is set up.
Calendar apps on the same machine can subscribe to it (see the README).

Only a server that reconnectd started on this storage counts as the embedded calendar. The proof
is a random token written into the storage (a property of the principal's collection) before the
server starts: a server already listening on `calendar.listen` must answer a PROPFIND with that
token, which a stranger (another Radicale, serving its own folder, or any other program) cannot.
"""

from __future__ import annotations

import base64
import http.client
import json
import logging
import secrets
import socket
import threading
import time
from pathlib import Path

from reconnectd.errors import PortTaken

log = logging.getLogger(__name__)

USERNAME = "reconnectd"
# The embedded server checks no password (it listens on loopback only), but a login
# is still needed to own a calendar there; any password is accepted.
PASSWORD = "reconnectd"  # noqa: S105 - not a secret, see above

_PROOF = "{urn:reconnectd:embedded}token"  # the proof's property, in Clark notation (Radicale keeps it as is)
_PROPFIND_PROOF = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<d:propfind xmlns:d="DAV:" xmlns:r="urn:reconnectd:embedded"><d:prop><r:token/></d:prop></d:propfind>'
)
_LOGIN = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
_announced: set[str] = set()  # "already served" is said once per process and URL


def embedded_url(host: str, port: int) -> str:
    """Where the embedded calendar is served: plain HTTP on `calendar.listen`, an IPv6 host in brackets."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/"


class EmbeddedCalendar:
    def __init__(self, storage: Path, host: str, port: int) -> None:
        self.storage = storage
        self.host = host
        self.port = port
        self._shutdown: socket.socket | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return embedded_url(self.host, self.port)

    def start(self) -> None:
        """Serve, unless our own server (normally the daemon's) already listens on the port.

        Anything else listening there is a `PortTaken` error: nothing is sent to a stranger.
        """
        if _listening(self.host, self.port):
            token = read_token(self.storage)
            if token is None or not _answers_with(self.host, self.port, token):
                raise PortTaken(self.host, self.port, _free_port_near(self.host, self.port))
            if self.url not in _announced:
                _announced.add(self.url)
                log.info("the embedded calendar is already served at %s; using it", self.url)
            return
        import radicale.config  # noqa: PLC0415  (only to serve: a sync with a calendar URL never loads Radicale)
        import radicale.server  # noqa: PLC0415

        logging.getLogger("radicale").setLevel(logging.ERROR)
        self.storage.mkdir(parents=True, exist_ok=True)
        write_token(self.storage)
        configuration = radicale.config.load()
        configuration.update(
            {
                "server": {"hosts": f"{self.host}:{self.port}"},
                "storage": {"filesystem_folder": str(self.storage)},
                "auth": {"type": "none"},
                "rights": {"type": "owner_only"},
            },
            "reconnectd",
        )
        inner, self._shutdown = socket.socketpair()
        self._thread = threading.Thread(
            target=radicale.server.serve, args=(configuration, inner), name="embedded-calendar", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not _listening(self.host, self.port):
            if time.monotonic() > deadline or not self._thread.is_alive():
                self.stop()
                where = f"{self.host}:{self.port}"
                raise OSError(f"the embedded calendar could not listen on {where} (set calendar.listen to a free port)")
            time.sleep(0.02)
        log.info("embedded calendar serving at %s (storage: %s)", self.url, self.storage)

    def stop(self) -> None:
        if self._shutdown is not None:
            self._shutdown.close()
            self._shutdown = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None


def _principal_props(storage: Path) -> Path:
    return storage / "collection-root" / USERNAME / ".Radicale.props"


def read_token(storage: Path) -> str | None:
    """The proof written into this storage, if any."""
    try:
        props = json.loads(_principal_props(storage).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    token = props.get(_PROOF) if isinstance(props, dict) else None
    return token if isinstance(token, str) else None


def write_token(storage: Path) -> str:
    """The proof, made once per storage and kept; the principal's other properties are left as they are."""
    token = read_token(storage)
    if token is not None:
        return token
    path = _principal_props(storage)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        props = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        props = {}
    token = secrets.token_hex(16)
    props[_PROOF] = token
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(props), encoding="utf-8")
    temporary.replace(path)
    return token


def _answers_with(host: str, port: int, token: str) -> bool:
    """Whether the server on host:port answers the PROPFIND with this storage's token.

    The question does not carry the token, so only a server reading this storage can answer
    with it: finding it in the multistatus is proof enough, and nothing of a stranger's is parsed.
    """
    connection = http.client.HTTPConnection(host, port, timeout=5)
    try:
        connection.request(
            "PROPFIND",
            f"/{USERNAME}/",
            body=_PROPFIND_PROOF,
            headers={"Depth": "0", "Content-Type": "application/xml; charset=utf-8", "Authorization": _LOGIN},
        )
        response = connection.getresponse()
        body = response.read(1_000_000)
        return response.status == 207 and f">{token}<".encode() in body
    except (OSError, http.client.HTTPException):
        return False
    finally:
        connection.close()


def _free_port_near(host: str, port: int) -> int | None:
    """A port close above `port` on which nothing listens just now, to suggest."""
    for candidate in range(port + 1, min(port + 50, 65536)):
        if not _listening(host, candidate):
            return candidate
    return None


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
