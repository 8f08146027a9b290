"""The daemon's flags: raised by a signal handler at any moment, and never waiting on a lock to do it."""

from __future__ import annotations

import os
import signal
import threading

from waiting import HANG_GUARD

from reconnectd.daemon.loop import Requests


def test_a_wake_set_by_a_signal_or_a_thread_ends_the_wait_and_clear_takes_it_back() -> None:
    requests = Requests()
    requests.install()
    try:
        threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGHUP)).start()
        assert requests.wake.wait(HANG_GUARD)
        assert requests.reload_requested.is_set() and not requests.stopping.is_set()
        assert requests.received == ["SIGHUP"]  # logged by the loop, not by the handler
    finally:
        requests.restore()
    requests.wake.clear()
    assert not requests.wake.wait(0)
    threading.Timer(0.01, requests.wake.set).start()
    assert requests.wake.wait(HANG_GUARD)
