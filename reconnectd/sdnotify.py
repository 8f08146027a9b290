"""A small sd_notify of our own: datagrams to $NOTIFY_SOCKET, silently absent outside systemd."""

from __future__ import annotations

import contextlib
import os
import socket


class SystemdNotifier:
    def __init__(self, address: str | None) -> None:
        self.address = address
        if address and address.startswith("@"):
            self.address = "\0" + address[1:]

    @classmethod
    def from_environment(cls) -> SystemdNotifier:
        return cls(os.environ.get("NOTIFY_SOCKET"))

    def send(self, **fields: str) -> None:
        """Send fields such as READY="1" or STATUS="..."; a no-op when not under systemd."""
        if not self.address:
            return
        message = "\n".join(f"{key}={value}" for key, value in fields.items()).encode()
        # If systemd went away there is nothing useful to do about it.
        datagram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        with datagram, contextlib.suppress(OSError):
            datagram.sendto(message, self.address)

    def ready(self, status: str) -> None:
        self.send(READY="1", STATUS=status)

    def status(self, status: str) -> None:
        self.send(STATUS=status)

    def stopping(self) -> None:
        self.send(STOPPING="1")
