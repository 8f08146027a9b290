"""sd_notify never stalls the daemon: a notify socket nobody reads drops messages instead."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

from reconnectd.daemon.sdnotify import SystemdNotifier


def test_a_notify_socket_nobody_reads_never_blocks_the_sender(tmp_path: Path) -> None:
    address = str(tmp_path / "notify")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(address)  # bound but never read: its queue fills after a few datagrams
    notifier = SystemdNotifier(address)
    finished = threading.Event()

    def chatter() -> None:
        for i in range(500):
            notifier.status(f"cycle {i}")
        notifier.stopping()
        finished.set()

    sender = threading.Thread(target=chatter, daemon=True)
    try:
        sender.start()
        assert finished.wait(timeout=120), "sending to a full notify socket blocked"
        first = receiver.recv(4096)  # what did fit arrived whole
        assert first == b"STATUS=cycle 0"
    finally:
        receiver.close()
