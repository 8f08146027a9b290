"""Waiting in tests: on the event itself, never on the clock.

A test waits for what it expects (a log line, a datagram, a request, a process's exit) and the
wait ends the moment it comes. The bound is only there so that a hang fails the test instead of
stalling the suite: it is long, because a loaded machine is slow, and it never decides a result.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable
from pathlib import Path

HANG_GUARD = 120.0  # seconds: only a hang takes this long, however loaded the machine


class NotifySocket:
    """A fake $NOTIFY_SOCKET: what a daemon tells systemd, one datagram at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(HANG_GUARD)

    def receive(self) -> dict[str, str]:
        data = self.sock.recv(4096).decode()
        return dict(line.split("=", 1) for line in data.splitlines())

    def next_message(self, *wanted: str) -> dict[str, str]:
        """The next message carrying one of `wanted`, skipping watchdog pings and status updates."""
        while True:
            message = self.receive()
            if any(key in message for key in wanted):
                return message

    def close(self) -> None:
        self.sock.close()


def on_a_thread(work: Callable[[], None]) -> Callable[[], None]:
    """Start `work` on a thread; the function returned joins it and raises what it raised."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as error:
            failure.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join() -> None:
        thread.join(HANG_GUARD)
        assert not thread.is_alive(), f"the helper thread still runs after {HANG_GUARD:.0f} s"
        if failure:
            raise failure[0]

    return join
