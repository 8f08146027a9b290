"""The daemon with a NOTIFY_SOCKET nobody reads (issue 19): it must reach its loop and stop on SIGTERM.

The socket is filled before the daemon starts, so every datagram it sends would block a blocking
sender; with WATCHDOG_USEC set it pings ten times a second, each ping dropped.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bench.report import Results, Target
from bench.sync import BenchError
from bench.workload import ZONE, config_yaml, make_calendar, running

READY_LINE = "ready: next check-in: "
STOP_BOUND = 5.0  # seconds from SIGTERM to exit


def _fill(address: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sender:
        sender.setblocking(False)
        try:
            for _ in range(10_000):
                sender.sendto(b"STATUS=filler", address)
        except BlockingIOError:
            return


def one_run(n: int, work: Path) -> tuple[float, float]:
    """(seconds to the ready line, seconds from SIGTERM to exit) with a full, unread notify socket."""
    work.mkdir(parents=True)
    local = datetime.now(ZoneInfo(ZONE))
    at = (local + timedelta(hours=3)).strftime("%H:%M")
    with running("radicale", work / "radicale") as server:
        make_calendar(server.url, "Reconnect")
        config = work / "config.yaml"
        config.write_text(config_yaml(n, today=local.date(), url=server.url, poll="1h", at=at))
        address = str(work / "notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as unread:
            unread.bind(address)
            _fill(address)
            env = {**os.environ, "NOTIFY_SOCKET": address, "WATCHDOG_USEC": "200000", "NO_PROXY": "127.0.0.1"}
            command = [sys.executable, "-m", "reconnectd", "--config", str(config), "--state-dir", str(work / "s")]
            start = time.perf_counter()
            daemon = subprocess.Popen([*command, "run"], stderr=subprocess.PIPE, text=True, env=env)
            ready = threading.Event()
            log: list[str] = []

            def read() -> None:
                assert daemon.stderr is not None
                for line in daemon.stderr:
                    log.append(line)
                    if READY_LINE in line:
                        ready.set()

            reader = threading.Thread(target=read, daemon=True)
            reader.start()
            try:
                if not ready.wait(timeout=600):
                    raise BenchError("unread notify socket: the daemon never reached its loop:\n" + "".join(log[-20:]))
                to_ready = time.perf_counter() - start
                time.sleep(1)  # a few watchdog pings, each dropped
                stopping = time.perf_counter()
                daemon.send_signal(signal.SIGTERM)
                try:
                    daemon.wait(timeout=60)
                except subprocess.TimeoutExpired:
                    raise BenchError("unread notify socket: the daemon did not stop within 60 s of SIGTERM") from None
                return to_ready, time.perf_counter() - stopping
            finally:
                if daemon.poll() is None:
                    daemon.kill()
                    daemon.wait()
                reader.join(timeout=10)


def bench_unread(results: Results, runs: int, n: int, work: Path, say: Callable[[str], None]) -> None:
    section = f"6b. sd_notify never blocks: a full NOTIFY_SOCKET nobody reads ({n:,} people)"
    got = []
    for run in range(runs):
        got.append(one_run(n, work / f"unread-{run}"))
        say(f"unread notify socket run {run + 1}: loop after {got[-1][0]:.2f} s, SIGTERM to exit {got[-1][1]:.2f} s")
    results.add(section, "start to the loop (ready logged; READY=1 dropped)", "s", [g[0] for g in got])
    results.add(
        section,
        "SIGTERM to exit",
        "s",
        [g[1] for g in got],
        target=Target("<", STOP_BOUND, f"< {STOP_BOUND:g} s (never hangs)"),
    )
