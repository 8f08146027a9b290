"""`reconnectd run`, in a process of its own, on a simulated clock that the harness moves.

The real daemon loop runs unchanged: signals, the wake-up socket, reloads, backoff. Only its
sleep is replaced. Where the real loop would wait for the wall clock, this one reads
`advance <ISO time>` lines on stdin: it jumps its clock straight to each wake-up before that
time, and when it has nothing more to do before it, it says `idle <ISO time>` on stdout.

    python tests/simdaemon.py CONFIG STATE_DIR START
"""

from __future__ import annotations

import logging
import sys
from datetime import datetime
from pathlib import Path

from reconnectd.daemon.loop import Daemon
from reconnectd.daemon.runtime import open_runtime, read_config
from reconnectd.daemon.sdnotify import SystemdNotifier
from reconnectd.errors import ReconnectdError
from reconnectd.logs import setup_logging


class SimulatedClock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class LockstepDaemon(Daemon):
    """The real daemon, sleeping on simulated time."""

    clock: SimulatedClock
    target: datetime | None = None

    def _sleep_until(self, wake_at: datetime) -> None:
        while not self.stopping.is_set():
            if self.wake.is_set():  # SIGHUP, or `reconnectd done` poking the socket
                self.wake.clear()
                return
            if self.target is None:
                line = sys.stdin.readline()
                if not line:
                    self.stop()
                    return
                self.target = datetime.fromisoformat(line.split()[1])
                continue
            if wake_at <= self.target:
                self.clock.now = max(self.clock.now, wake_at)
                return
            self.clock.now, self.target = self.target, None
            print("idle", self.clock.now.isoformat(), flush=True)


def main(config_path: Path, state_dir: Path, start: datetime) -> int:
    redactor = setup_logging(logging.INFO)
    try:
        config = read_config(config_path, redactor)
    except ReconnectdError as failure:
        print(failure, file=sys.stderr)
        return failure.exit_code
    clock = SimulatedClock(start)
    with open_runtime(config, state_dir, service=True) as runtime:
        daemon = LockstepDaemon(
            runtime, clock, SystemdNotifier(None), reload_config=lambda: read_config(config_path, redactor)
        )
        daemon.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2]), datetime.fromisoformat(sys.argv[3])))
