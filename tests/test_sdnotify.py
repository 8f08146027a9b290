"""sd_notify never stalls the daemon: a notify socket nobody reads drops messages instead."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from waiting import HANG_GUARD

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


def fill(address: str) -> None:
    """Send to `address` until its queue is full: after this the next datagram would block."""
    filler = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_NONBLOCK)
    with filler, contextlib.suppress(BlockingIOError):
        while True:
            filler.sendto(b"STATUS=filler", address)


def test_a_dropped_ready_reaches_systemd_with_the_next_message(tmp_path: Path) -> None:
    """systemd waits for READY=1 (Type=notify): dropped on a full queue, it rides along with the next ping."""
    address = str(tmp_path / "notify")
    receiver = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    receiver.bind(address)
    notifier = SystemdNotifier(address, watchdog_usec=1_000_000)
    try:
        fill(address)
        notifier.ready("next check-in: soon")  # dropped
        receiver.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            while True:  # systemd catches up: only the fillers were queued
                assert receiver.recv(4096) == b"STATUS=filler"
        receiver.setblocking(True)
        receiver.settimeout(120)
        notifier.watchdog()
        late = dict(line.split("=", 1) for line in receiver.recv(4096).decode().splitlines())
        assert late == {"READY": "1", "STATUS": "next check-in: soon", "WATCHDOG": "1"}
        notifier.watchdog()  # delivered once: the next ping is only a ping
        assert receiver.recv(4096) == b"WATCHDOG=1"
    finally:
        receiver.close()


def test_the_daemon_reaches_its_loop_and_stops_with_a_notify_socket_nobody_reads(
    embedded_config: Path, tmp_path: Path
) -> None:
    address = str(tmp_path / "notify")
    unread = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    unread.bind(address)
    fill(address)  # full before the daemon starts: every datagram it sends would block
    env = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}
    env |= {"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "200000"}  # a ping every 0.1 s, each one dropped
    command = [sys.executable, "-m", "reconnectd", "--config", str(embedded_config), "--state-dir", str(tmp_path / "s")]
    daemon = subprocess.Popen([*command, "run"], stderr=subprocess.PIPE, text=True, env=env)
    assert daemon.stderr is not None
    log: list[str] = []
    try:
        for line in daemon.stderr:  # ends the moment the line comes; a hang is caught by the wait below
            log.append(line)
            if "ready: next check-in: " in line:
                break
        assert any("ready: next check-in: " in line for line in log), "".join(log)
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=HANG_GUARD) == 0, "".join(log)
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        daemon.stderr.close()
        unread.close()
