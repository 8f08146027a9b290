"""`reconnectd run` as a subprocess: time to READY=1, and what it costs while idle (from /proc)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

from bench.report import ROOT

_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Sample:
    at: float  # monotonic seconds
    cpu: float  # user + system CPU seconds, all threads
    voluntary: int  # voluntary context switches, summed over threads: the wakeups
    involuntary: int
    rss_mb: float
    peak_rss_mb: float
    threads: int


def sample(pid: int) -> Sample:
    """CPU, context switches and memory of a process, from /proc/PID."""
    at = time.monotonic()
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "; utime, stime are fields 14, 15
    cpu = (int(fields[11]) + int(fields[12])) / _TICK
    status = _status(Path(f"/proc/{pid}/status"))
    voluntary = involuntary = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            thread = _status(task / "status")
        except OSError:
            continue  # the thread ended meanwhile
        voluntary += int(thread["voluntary_ctxt_switches"])
        involuntary += int(thread["nonvoluntary_ctxt_switches"])
    return Sample(
        at,
        cpu,
        voluntary,
        involuntary,
        int(status["VmRSS"].split()[0]) / 1024,
        int(status["VmHWM"].split()[0]) / 1024,
        int(status["Threads"]),
    )


def _status(path: Path) -> dict[str, str]:
    return dict(line.split(":\t", 1) for line in path.read_text().splitlines() if ":\t" in line)


class DaemonProcess:
    """`python -m reconnectd run` with NOTIFY_SOCKET pointing at a datagram socket of ours."""

    def __init__(self, config: Path, state_dir: Path, workdir: Path) -> None:
        self.config, self.state_dir, self.workdir = config, state_dir, workdir
        self.socket_path = workdir / "notify.sock"
        self.log_path = workdir / "daemon.log"
        self.messages: list[str] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._started = 0.0

    @property
    def pid(self) -> int:
        assert self._proc is not None
        return self._proc.pid

    def start(self) -> None:
        self.socket_path.unlink(missing_ok=True)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self._sock.bind(str(self.socket_path))
        env = {**os.environ, "NOTIFY_SOCKET": str(self.socket_path), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
        command = [sys.executable, "-m", "reconnectd", "--config", str(self.config), "--state-dir", str(self.state_dir)]
        with self.log_path.open("ab") as log:
            self._started = time.monotonic()
            self._proc = subprocess.Popen(
                [*command, "run"], stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=env
            )

    def wait_ready(self, timeout: float) -> float:
        """Seconds from the process start to READY=1 on the notify socket."""
        assert self._sock is not None and self._proc is not None
        deadline = self._started + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no READY=1 within {timeout:.0f} s; log: {self.log_path}")
            self._sock.settimeout(min(left, 1.0))
            try:
                message = self._sock.recv(4096).decode(errors="replace")
            except TimeoutError:
                if self._proc.poll() is not None:
                    code = self._proc.returncode
                    raise RuntimeError(f"reconnectd exited with {code}; log: {self.log_path}") from None
                continue
            self.messages.append(message)
            if "READY=1" in message.split("\n"):
                return time.monotonic() - self._started

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 15) -> float | None:
        """SIGTERM, and seconds until it exited (None if it had to be killed)."""
        proc, self._proc = self._proc, None
        took: float | None = None
        if proc is not None and proc.poll() is None:
            sent = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
                took = time.monotonic() - sent
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self.socket_path.unlink(missing_ok=True)
        return took

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
