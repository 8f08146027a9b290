"""The wake-up socket: a recording command pokes a running daemon so it looks at the store now.

Light on purpose: `done`, `pause` and the like import it, and must not pull in the calendar or Apprise."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import socket
import threading

from reconnectd.daemon.flags import Flag

log = logging.getLogger("reconnectd.daemon.loop")


def wake_address(state_dir: object) -> str:
    """An abstract unix socket name, unique to the state directory (no file, no length limit)."""
    digest = hashlib.sha256(str(state_dir).encode()).hexdigest()[:16]
    return f"\0reconnectd-{digest}"


def poke(state_dir: object) -> None:
    """Tell a running daemon on this state directory to look at the store now. Harmless if none runs."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock, contextlib.suppress(OSError):
        sock.sendto(b"wake", wake_address(state_dir))


class WakeListener:
    """Sets `event` whenever a datagram arrives on the daemon's wake-up socket."""

    def __init__(self, address: str, event: Flag) -> None:
        self.address = address
        self.event = event
        self.stopped = False
        self.sock: socket.socket | None = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            self.sock.bind(address)
        except OSError as error:
            log.warning("another daemon seems to use this state directory (%s); `done` is seen at the next poll", error)
            self.sock.close()
            self.sock = None
        self.thread = threading.Thread(target=self._listen, name="wake", daemon=True)

    def start(self) -> None:
        if self.sock is not None:
            self.thread.start()

    def _listen(self) -> None:
        assert self.sock is not None
        while not self.stopped:
            try:
                self.sock.recv(64)
            except OSError:
                return
            if not self.stopped:
                self.event.set()

    def stop(self) -> None:
        if self.sock is None:
            return
        self.stopped = True
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock, contextlib.suppress(OSError):
            sock.sendto(b"stop", self.address)
        self.thread.join(timeout=2)
        self.sock.close()
