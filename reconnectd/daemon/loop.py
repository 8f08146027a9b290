"""The long-running loop: sync, then sleep until the next thing is due, for months on end.

`step()` is one iteration and returns when it next wants to run, so tests can drive a daemon
through a simulated year with a fake clock. `run()` adds the real world: signals, systemd
notifications and the watchdog, and a wake-up socket so `reconnectd done` is seen at once.
"""

from __future__ import annotations

import logging
import random
import signal
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType
from typing import Any

from reconnectd.daemon.cycle import CycleReport, run_cycle
from reconnectd.daemon.flags import Flag, Wake
from reconnectd.daemon.runtime import Runtime
from reconnectd.daemon.sdnotify import SystemdNotifier
from reconnectd.daemon.wake import WakeListener, wake_address
from reconnectd.errors import ConfigError, PortTaken
from reconnectd.notify import outbox
from reconnectd.policy.english import plural
from reconnectd.policy.model import CheckIn
from reconnectd.policy.plan import next_moment
from reconnectd.policy.settings import Config

log = logging.getLogger(__name__)

SignalHandler = Callable[[int, FrameType | None], Any] | int | signal.Handlers

FIRST_CALENDAR_RETRY = timedelta(seconds=30)
LONGEST_CALENDAR_RETRY = timedelta(minutes=30)
RETRY_AFTER_FAILURE = timedelta(minutes=1)


class Requests:
    """What signals ask of the daemon: stop, reload, wake. Installed first thing in `run`, before
    the config is read or the calendar reached, so a SIGHUP during start-up is a reload done
    once start-up is over (not the default action, which ends the process)."""

    def __init__(self) -> None:
        self.wake = Wake()
        self.stopping = Flag()
        self.reload_requested = Flag()
        self.received: list[str] = []  # signal names, logged by the loop: a handler writes no log line
        self._previous: dict[signal.Signals, SignalHandler] | None = None

    def install(self) -> None:
        """SIGTERM and SIGINT stop, SIGHUP reloads; `restore` puts back the handlers they replaced."""
        if self._previous is not None:  # installed already
            return

        def stop(signum: int, _frame: FrameType | None) -> None:  # no lock, no log line: see flags.py
            self.received.append(signal.Signals(signum).name)
            self.stopping.set()
            self.wake.set()

        def reload(_signum: int, _frame: FrameType | None) -> None:
            self.received.append("SIGHUP")
            self.reload_requested.set()
            self.wake.set()

        mine = {signal.SIGTERM: stop, signal.SIGINT: stop, signal.SIGHUP: reload}
        previous = {signum: signal.getsignal(signum) for signum in mine}
        for signum, handler in mine.items():
            signal.signal(signum, handler)
        # None is a handler set outside Python, which cannot be put back from here.
        self._previous = {signum: handler for signum, handler in previous.items() if handler is not None}

    def say(self) -> None:
        """Log the signals received since the last time, in the loop's own time."""
        while self.received:
            name = self.received.pop(0)
            log.info("received %s; %s", name, "reloading the config" if name == "SIGHUP" else "stopping")

    def restore(self) -> None:
        for signum, handler in (self._previous or {}).items():
            signal.signal(signum, handler)
        self._previous = None


class Daemon:
    def __init__(
        self,
        runtime: Runtime,
        clock: Callable[[], datetime],
        systemd: SystemdNotifier,
        *,
        reload_config: Callable[[], Config] | None = None,
        rng: random.Random | None = None,
        progress: Callable[[int, int], None] | None = None,
        requests: Requests | None = None,
    ) -> None:
        self.runtime = runtime
        self.clock = clock
        self.systemd = systemd
        self.reload_config = reload_config
        self.rng = rng or random.Random()
        self.progress = progress
        self.requests = requests or Requests()
        self.wake = self.requests.wake
        self.stopping = self.requests.stopping
        self.reload_requested = self.requests.reload_requested
        self.ready = False
        self.calendar_failures = 0
        self.calendar_retry_at: datetime | None = None
        self.calendar_error: str | None = None
        self.calendar_down_since: datetime | None = None
        self.config_problem: str | None = None
        self.last_report = CycleReport()

    # -- one iteration -------------------------------------------------------

    def step(self) -> datetime:
        """Run one cycle now; return when the next one is wanted."""
        now = self.clock()
        self.requests.say()
        if self.reload_requested.is_set():
            self.reload_requested.clear()
            self.reload()
        runtime = self.runtime
        attempt = self.calendar_retry_at is None or now >= self.calendar_retry_at
        calendar = runtime.connect() if attempt else None  # while backing off, nudges still go out
        report = run_cycle(
            runtime.config,
            runtime.store,
            calendar,
            runtime.notifier,
            now,
            interrupted=self.stopping.is_set,
            progress=self.progress,
            address_book=runtime.address_book(),
        )
        self.last_report = report
        if attempt:
            self._track_calendar(now, report.calendar_error or (runtime.calendar_error if calendar is None else None))
        if report.wrote or report.noticed or report.refused or report.nudges_sent or report.delivery_failures:
            log.info(report.summary())
        status = self.status_line(now)
        if self.ready:
            self.systemd.status(status)
        else:
            self.ready = True
            self.systemd.ready(status)
            log.info("ready: %s", status)
        return self.next_wake(now)

    def _track_calendar(self, now: datetime, error: str | None) -> None:
        if error is None:
            if self.calendar_error is not None:
                log.info("the calendar is reachable again; catching up")
            self.calendar_failures, self.calendar_retry_at, self.calendar_error = 0, None, None
            self.calendar_down_since = None
            return
        self.calendar_failures += 1
        wait = min(FIRST_CALENDAR_RETRY * 2 ** min(self.calendar_failures - 1, 16), LONGEST_CALENDAR_RETRY)
        self.calendar_retry_at = now + wait * self.rng.uniform(0.8, 1.2)
        if self.calendar_error is None:
            self.calendar_down_since = now
            log.warning("calendar unavailable: %s (nudges still go out; retrying with backoff)", error)
        self.calendar_error = error

    def next_wake(self, now: datetime) -> datetime:
        """The earliest of: the next check-in, the next calendar poll (or retry), an outbox retry."""
        config = self.runtime.config
        times = [self.calendar_retry_at or now + config.calendar.poll]
        due = next_moment(config, self.runtime.store.ledger(), now)
        if due is not None:
            times.append(due)
        retry = outbox.next_attempt(self.runtime.store, self.runtime.notifier, now, config.notify, config.timezone)
        if retry is not None:
            times.append(retry)
        return max(min(times), now)

    def upcoming(self, now: datetime) -> list[CheckIn]:
        return self.runtime.store.ledger().upcoming(now)

    def status_line(self, now: datetime) -> str:
        zone = self.runtime.config.timezone
        upcoming = self.upcoming(now)
        parts = [
            f"next check-in: {upcoming[0].person}, {upcoming[0].start.astimezone(zone):%a %d %b %H:%M}"
            if upcoming
            else "no check-ins planned"
        ]
        if self.calendar_error and self.calendar_down_since:
            parts.append(f"calendar unreachable since {self.calendar_down_since.astimezone(zone):%a %d %b %H:%M}")
        if self.last_report.refused:
            parts.append(f"{plural(self.last_report.refused, 'check-in')} refused by the calendar server, retrying")
        if self.last_report.delivery_failures:
            failing = plural(len(self.last_report.delivery_failures), "nudge delivery", "nudge deliveries")
            parts.append(f"{failing} failing, retrying")
        if self.config_problem:
            parts.append(f"config not reloaded: {self.config_problem}")
        return "; ".join(parts)

    # -- reload ----------------------------------------------------------------

    def reload(self) -> None:
        """Read the config again. An invalid one is refused and the last good one kept."""
        if self.reload_config is None:
            return
        self.systemd.reloading(time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)
        try:
            config = self.reload_config()
        except ConfigError as error:
            for problem in error.problems:
                log.error("config not reloaded: %s", problem)
            first = str(error.problems[0]) if error.problems else "invalid"
            self.config_problem = first + (f" (and {len(error.problems) - 1} more)" if len(error.problems) > 1 else "")
        else:
            self.runtime.use(config)
            self.config_problem = None
            self.calendar_retry_at = None
            log.info("config reloaded: %s", plural(len(config.people), "person", "people"))
        self.systemd.ready(self.status_line(self.clock()))

    # -- the real loop -----------------------------------------------------------

    def run(self) -> None:
        """Loop until stopped. The signal handlers it installs are put back as they were when it returns."""
        self.requests.install()  # a no-op when `run` (the command) installed them first
        try:
            self._loop()
        finally:
            self.requests.restore()

    def _loop(self) -> None:
        listener = WakeListener(wake_address(self.runtime.state_dir), self.wake)
        listener.start()
        try:
            while not self.stopping.is_set():
                try:
                    wake_at = self.step()
                except PortTaken:  # not ours to wait out: the user must pick another calendar.listen
                    raise
                except Exception:  # a bug or a full disk must not end a daemon that runs for months
                    log.exception("a cycle failed; trying again shortly")
                    wake_at = self.clock() + min(RETRY_AFTER_FAILURE, self.runtime.config.calendar.poll)
                self.systemd.watchdog()
                self._sleep_until(wake_at)
        finally:
            self.requests.say()
            self.systemd.stopping()
            listener.stop()
            log.info("stopped")

    def _sleep_until(self, wake_at: datetime) -> None:
        """Sleep on an event, so a signal or a wake-up ends it at once; ping the watchdog meanwhile."""
        while not self.stopping.is_set():
            remaining = (wake_at - self.clock()).total_seconds()
            if remaining <= 0:
                return
            # Bounded by the poll interval: the monotonic clock stops while a laptop sleeps.
            chunk = min(remaining, self.runtime.config.calendar.poll.total_seconds())
            if self.systemd.watchdog_interval:
                chunk = min(chunk, self.systemd.watchdog_interval)
            if self.wake.wait(chunk):
                self.wake.clear()
                return
            self.systemd.watchdog()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
