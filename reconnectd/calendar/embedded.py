"""The embedded calendar: a Radicale server on loopback, storing its data in the state directory.

Used when `calendar.url` is left out, so reconnectd works before any account is set up.
Calendar apps on the same machine can subscribe to it (see the README).
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path

import radicale.config
import radicale.server

log = logging.getLogger(__name__)

USERNAME = "reconnectd"
# The embedded server checks no password (it listens on loopback only), but a login
# is still needed to own a calendar there; any password is accepted.
PASSWORD = "reconnectd"  # noqa: S105 - not a secret, see above


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
        """Serve, unless something (normally our own daemon) already listens on the port."""
        if _listening(self.host, self.port):
            log.info("the embedded calendar is already served at %s; using it", self.url)
            return
        logging.getLogger("radicale").setLevel(logging.ERROR)
        self.storage.mkdir(parents=True, exist_ok=True)
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


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False
