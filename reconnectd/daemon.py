"""The foreground loop: sync, then sleep until the next check-in or calendar poll.

It sleeps on an Event, so a signal wakes it at once and an idle daemon does nothing.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from datetime import datetime
from types import FrameType

from reconnectd.cycle import run_cycle
from reconnectd.model import CheckIn, CheckInStatus
from reconnectd.runtime import Runtime
from reconnectd.sdnotify import SystemdNotifier

log = logging.getLogger(__name__)


class Daemon:
    def __init__(self, runtime: Runtime, clock: Callable[[], datetime], systemd: SystemdNotifier) -> None:
        self.runtime = runtime
        self.clock = clock
        self.systemd = systemd
        self.stopping = threading.Event()

    def stop(self, *_: object) -> None:
        self.stopping.set()

    def install_signals(self) -> None:
        def handler(signum: int, _frame: FrameType | None) -> None:
            log.info("received %s; stopping", signal.Signals(signum).name)
            self.stop()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def run(self) -> None:
        last_error: str | None = None
        ready = False
        try:
            while not self.stopping.is_set():
                now = self.clock()
                calendar = self.runtime.connect()
                report = run_cycle(self.runtime.config, self.runtime.store, calendar, self.runtime.notifier, now)
                error = report.calendar_error or (self.runtime.calendar_error if calendar is None else None)
                if report.wrote or report.nudges_sent or report.delivery_failures or report.skipped_by_user:
                    log.info(report.summary())
                if error != last_error:
                    if error:
                        log.warning("calendar unavailable: %s (nudges still go out; retrying)", error)
                    else:
                        log.info("calendar reachable again" if last_error else "calendar in sync")
                    last_error = error
                status = self.status_line(now, error)
                if ready:
                    self.systemd.status(status)
                else:
                    self.systemd.ready(status)
                    log.info("ready: %s", status)
                    ready = True
                wake = self.next_wake(now)
                log.debug("sleeping until %s", wake.isoformat())
                self.stopping.wait(max(0.0, (wake - self.clock()).total_seconds()))
        finally:
            self.systemd.stopping()
        log.info("stopped")

    def status_line(self, now: datetime, error: str | None) -> str:
        upcoming = self.upcoming(now)
        tz = self.runtime.config.timezone
        line = (
            f"next check-in: {upcoming[0].person}, {upcoming[0].start.astimezone(tz):%a %d %b %H:%M}"
            if upcoming
            else "no check-ins planned"
        )
        return f"{line}; calendar unavailable: {error}" if error else line

    def upcoming(self, now: datetime) -> list[CheckIn]:
        checkins = self.runtime.store.ledger().checkins
        return sorted(
            (c for c in checkins if c.status is CheckInStatus.SCHEDULED and c.start > now), key=lambda c: c.start
        )

    def next_wake(self, now: datetime) -> datetime:
        """The next check-in's start, or the next calendar poll, whichever comes first."""
        poll = now + self.runtime.config.calendar.poll
        starts = [
            c.start
            for c in self.runtime.store.ledger().checkins
            if c.status is CheckInStatus.SCHEDULED and c.start > now
        ]
        return min([poll, *starts]) if starts else poll
