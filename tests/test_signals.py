"""The real Daemon.run() in this very process: signals end its sleep or reload it, and the handlers
it installs are gone again when it returns, so the rest of the test run keeps its own."""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import FrameType

import pytest
from life import PEOPLE, Life
from servers import HttpReceiver, RadicaleServer
from waiting import HANG_GUARD, NotifySocket, on_a_thread

from reconnectd.daemon.loop import Daemon
from reconnectd.daemon.sdnotify import SystemdNotifier

SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
received: list[int] = []


def ours(signum: int, _frame: FrameType | None) -> None:
    """The test's own handler, standing for whatever the process had before the daemon ran."""
    received.append(signum)


def handlers() -> dict[signal.Signals, object]:
    return {signum: signal.getsignal(signum) for signum in SIGNALS}


@pytest.fixture
def own_handlers() -> Iterator[None]:
    saved = handlers()
    for signum in SIGNALS:
        signal.signal(signum, ours)
    received.clear()
    try:
        yield
    finally:
        for signum, handler in saved.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]


@pytest.fixture
def life(tmp_path: Path, radicale: RadicaleServer, http_receiver: HttpReceiver) -> Iterator[Life]:
    """A daemon whose clock stands still: once asleep, only a signal or a wake-up ends its sleep (poll: 1h)."""
    world = Life(tmp_path, radicale, http_receiver)
    try:
        yield world
    finally:
        world.runtime.close()


@pytest.fixture
def notify(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(tmp_path / "notify.sock")
    try:
        yield sock
    finally:
        sock.close()


def drive(daemon: Daemon, notify: NotifySocket, *signals: signal.Signals) -> dict[signal.Signals, object]:
    """Run the daemon here; from a thread, once it is ready, send it `signals`, each when it is ready
    again. Returns the handlers seen while it ran. Stops it itself, and fails, if it hangs."""
    returned = threading.Event()
    during: dict[signal.Signals, object] = {}

    def helper() -> None:
        try:
            notify.next_message("READY")
            during.update(handlers())
            for signum in signals:
                os.kill(os.getpid(), signum)
                if signum is signal.SIGHUP:
                    notify.next_message("RELOADING")
                    notify.next_message("READY")
        finally:
            if not returned.wait(HANG_GUARD):  # asleep for an hour (or not ready): end it, and say so
                daemon.stopping.set()
                daemon.wake.set()
                raise AssertionError(f"run() did not return {HANG_GUARD:.0f} s after {signals}")

    join = on_a_thread(helper)
    try:
        daemon.run()
    finally:
        returned.set()
        join()
    return during


@pytest.mark.usefixtures("own_handlers")
def test_sigterm_ends_an_hour_long_sleep_and_run_puts_the_handlers_back(life: Life, notify: NotifySocket) -> None:
    life.daemon.systemd = SystemdNotifier(str(notify.path))
    during = drive(life.daemon, notify, signal.SIGTERM)
    assert all(handler is not ours for handler in during.values())  # the daemon's own, while it ran
    assert notify.next_message("STOPPING") == {"STOPPING": "1"}
    assert handlers() == dict.fromkeys(SIGNALS, ours)  # and the process's own again once it returned
    assert received == []  # the daemon took the signal, not the handler it had replaced


@pytest.mark.usefixtures("own_handlers")
def test_sighup_reloads_and_sigint_stops_then_the_handlers_are_back(life: Life, notify: NotifySocket) -> None:
    life.daemon.systemd = SystemdNotifier(str(notify.path))
    life.write(people=PEOPLE + "- name: Ada\n  every: monthly\n")
    drive(life.daemon, notify, signal.SIGHUP, signal.SIGINT)
    assert [p.name for p in life.runtime.config.people] == ["Priya", "Sam", "Ada"]
    assert handlers() == dict.fromkeys(SIGNALS, ours)
    os.kill(os.getpid(), signal.SIGHUP)  # after run(): the process's handler has it, not a stale reload
    assert received == [signal.SIGHUP]


@pytest.mark.usefixtures("own_handlers")
def test_the_handlers_are_put_back_when_run_ends_by_an_exception(life: Life) -> None:
    class Interrupted(Daemon):
        def step(self) -> datetime:
            raise KeyboardInterrupt  # not an Exception: the loop does not catch it, run() ends with it

    daemon = Interrupted(life.runtime, life.clock, SystemdNotifier(None))
    with pytest.raises(KeyboardInterrupt):
        daemon.run()
    assert handlers() == dict.fromkeys(SIGNALS, ours)


def test_the_default_handlers_are_back_after_run(life: Life, notify: NotifySocket) -> None:
    """As `reconnectd run` leaves a process, or pytest's main thread: SIGINT raises KeyboardInterrupt again."""
    # A shell starts a background job with SIGINT ignored; give this test the handler a terminal's process has.
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        before = handlers()
        life.daemon.systemd = SystemdNotifier(str(notify.path))
        drive(life.daemon, notify, signal.SIGTERM)
        assert handlers() == before
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, inherited)
