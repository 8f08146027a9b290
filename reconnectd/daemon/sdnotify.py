"""A small sd_notify of our own: datagrams to $NOTIFY_SOCKET, silently absent outside systemd."""

from __future__ import annotations

import os
import socket

STATES = frozenset({"READY", "RELOADING", "STOPPING"})  # what systemd waits for, unlike STATUS and WATCHDOG


class SystemdNotifier:
    def __init__(self, address: str | None, watchdog_usec: int | None = None) -> None:
        self.address = address
        if address and address.startswith("@"):
            self.address = "\0" + address[1:]
        # systemd wants a ping at least every WATCHDOG_USEC; we ping at half of it.
        self.watchdog_interval = watchdog_usec / 2_000_000 if watchdog_usec else None
        self._owed: dict[str, str] = {}  # a state change that was dropped, sent again with the next message

    @classmethod
    def from_environment(cls) -> SystemdNotifier:
        usec = os.environ.get("WATCHDOG_USEC", "")
        pid = os.environ.get("WATCHDOG_PID", "")
        mine = usec.isdigit() and (not pid or pid == str(os.getpid()))
        return cls(os.environ.get("NOTIFY_SOCKET"), int(usec) if mine else None)

    def send(self, **fields: str) -> None:
        """Send fields such as READY="1" or STATUS="..."; a no-op when not under systemd."""
        if not self.address:
            return
        if not STATES.isdisjoint(fields):
            self._owed = {}  # a newer state change: the dropped one no longer matters
        fields = {**self._owed, **fields}
        message = "\n".join(f"{key}={value}" for key, value in fields.items()).encode()
        # Never wait for the receiver: when its queue is full (EAGAIN) or systemd went away,
        # the message is dropped and the loop goes on; the next status says the same, newer.
        # A dropped state change (READY, RELOADING, STOPPING) rides along with the next message, at
        # the latest the next watchdog ping, since systemd would otherwise wait for it until its timeout.
        datagram = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC | socket.SOCK_NONBLOCK)
        with datagram:
            try:
                datagram.sendto(message, self.address)
            except OSError:
                if not STATES.isdisjoint(fields):
                    self._owed = {key: value for key, value in fields.items() if key != "WATCHDOG"}
                return
        self._owed = {}

    def ready(self, status: str) -> None:
        self.send(READY="1", STATUS=status)

    def status(self, status: str) -> None:
        self.send(STATUS=status)

    def stopping(self) -> None:
        self.send(STOPPING="1")

    def reloading(self, monotonic_usec: int) -> None:
        self.send(RELOADING="1", MONOTONIC_USEC=str(monotonic_usec))

    def watchdog(self) -> None:
        if self.watchdog_interval:
            self.send(WATCHDOG="1")
