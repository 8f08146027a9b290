"""Any number of reconnectd processes on one state directory deliver each nudge once.

Real processes (`reconnectd sync` and `reconnectd run`), a real Radicale and a real phone behind
Apprise's json://. The phone answers slowly, so that without exclusive delivery the processes'
sends overlap every time.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from life import Life, london
from servers import HttpReceiver, RadicaleServer, RecordedRequest
from waiting import HANG_GUARD

from reconnectd.cli import main
from reconnectd.notify.outbox import catch_up_line
from reconnectd.policy.model import Nudge
from reconnectd.state import Store

ZONE = ZoneInfo("Europe/London")
TRIALS = 12
PROCESSES = 3
PEOPLE = (
    "schedule:\n  max_per_day: 3\n"
    "people:\n"
    "  - name: Priya\n    every: weekly\n    last_contact: 2026-11-20\n"
    "  - name: Sam\n    every: weekly\n    last_contact: 2026-11-20\n"
    "  - name: Ada\n    every: weekly\n    last_contact: 2026-11-20\n"
)
PLANNED, DUE = "2026-11-26T09:00", "2026-11-27T21:30"  # the check-ins are planned, then all due


def reconnectd(*args: str) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "CREDENTIALS_DIRECTORY"}
    return subprocess.Popen(
        [sys.executable, "-m", "reconnectd", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def slow_answer(_request: RecordedRequest, _failure: int | None) -> None:
    time.sleep(0.2)  # widens the window between a send and its record; decides nothing


@pytest.fixture
def phone() -> Iterator[HttpReceiver]:
    with HttpReceiver() as receiver:
        receiver.on_request = slow_answer
        yield receiver


def carried(requests: list[RecordedRequest], nudges: list[tuple[str, str, str, str, str]]) -> Counter[str]:
    """How many times each nudge reached the phone: alone, or as a line of a catch-up message."""
    alone = {(title, body): key for key, _person, _due, title, body in nudges}
    lines = {
        catch_up_line(Nudge(key, person, datetime.fromisoformat(due), title, body), ZONE): key
        for key, person, due, title, body in nudges
    }
    seen: Counter[str] = Counter()
    for request in requests:
        title, body = request.json["title"], request.json["message"]
        if title.startswith("Catching up: "):
            seen.update(lines.get(line, f"unknown line {line!r}") for line in body.splitlines())
        else:
            seen[alone.get((title, body), f"unknown message {title!r}")] += 1
    return seen


def queued(state: Path) -> list[tuple[str, str, str, str, str]]:
    with sqlite3.connect(f"file:{state / 'state.db'}?mode=ro", uri=True) as db:
        rows = db.execute("SELECT key, person, due, title, body FROM nudges WHERE done_at IS NOT NULL").fetchall()
    db.close()
    return rows


def planned(tmp_path: Path, radicale: RadicaleServer, trial: int, phones: list[str]) -> tuple[list[str], Path]:
    """A config and a state directory of their own, with three check-ins planned; the arguments for them."""
    config, state = tmp_path / f"config-{trial}.yaml", tmp_path / f"state-{trial}"
    config.write_text(
        f"timezone: Europe/London\ncalendar:\n  url: {radicale.url}\n  username: me\n  password: x\n"
        f"  name: Trial {trial}\nnotify:\n  urls:\n" + "".join(f"    - {u}\n" for u in phones) + PEOPLE
    )
    config.chmod(0o600)
    base = ["--config", str(config), "--state-dir", str(state)]
    with pytest.raises(SystemExit) as done:
        main([*base, "sync", "--now", PLANNED])
    assert done.value.code in (0, None)
    return base, state


def test_parallel_syncs_deliver_each_nudge_exactly_once(
    tmp_path: Path, radicale: RadicaleServer, phone: HttpReceiver
) -> None:
    phones = {"/a": phone.json_url("/a"), "/b": phone.json_url("/b")}
    for trial in range(TRIALS):
        base, state = planned(tmp_path, radicale, trial, list(phones.values()))
        phone.clear()
        syncs = [reconnectd(*base, "sync", "--now", DUE) for _ in range(PROCESSES)]
        for sync in syncs:
            _, err = sync.communicate(timeout=HANG_GUARD)
            assert sync.returncode == 0, err
            assert "Traceback" not in err
        nudges = queued(state)
        assert len(nudges) == 3, f"trial {trial}: {nudges}"
        for path in phones:
            got = carried([r for r in phone.requests if r.path == path], nudges)
            assert got == Counter({key: 1 for key, *_ in nudges}), f"trial {trial}, phone {path}: {got}"


def test_a_sync_killed_while_it_delivers_holds_nothing_up(
    tmp_path: Path, radicale: RadicaleServer, phone: HttpReceiver
) -> None:
    base, state = planned(tmp_path, radicale, 0, [phone.json_url("/a"), phone.json_url("/b")])
    phone.clear()
    victim = reconnectd(*base, "sync", "--now", DUE)

    def kill_the_sender(request: RecordedRequest, failure: int | None) -> None:
        if victim.poll() is None:
            victim.kill()  # SIGKILL, while it holds the delivery lock and before it records the send
            victim.wait()

    phone.on_request = kill_the_sender
    victim.communicate(timeout=HANG_GUARD)
    assert victim.returncode == -signal.SIGKILL
    phone.on_request = None
    after = reconnectd(*base, "sync", "--now", DUE)
    _, err = after.communicate(timeout=HANG_GUARD)
    assert after.returncode == 0, err
    nudges = queued(state)
    assert len(nudges) == 3  # all of them finished
    for path in ("/a", "/b"):
        got = carried([r for r in phone.requests if r.path == path], nudges)
        assert set(got) == {key for key, *_ in nudges}
        assert max(got.values()) <= 2  # the send the crash cut off may come again, nothing else


def ready(daemon: subprocess.Popen[str]) -> None:
    """Wait until `reconnectd run` says it is ready (it logs to stderr)."""
    assert daemon.stderr is not None
    for line in daemon.stderr:
        if "ready: " in line:
            return
    raise AssertionError(f"the daemon ended before it was ready (exit code {daemon.wait()})")


def stop(daemon: subprocess.Popen[str]) -> int:
    if daemon.poll() is None:
        daemon.send_signal(signal.SIGTERM)
    try:
        daemon.communicate(timeout=HANG_GUARD)
    except subprocess.TimeoutExpired:
        daemon.kill()
        daemon.communicate()
    return daemon.returncode


def test_a_second_run_on_the_same_state_directory_refuses_and_names_the_first(
    tmp_path: Path, radicale: RadicaleServer, phone: HttpReceiver
) -> None:
    config, state = tmp_path / "config.yaml", tmp_path / "state"
    config.write_text(
        f"timezone: Europe/London\ncalendar:\n  url: {radicale.url}\n  username: me\n  password: x\n"
        f"notify:\n  urls:\n    - {phone.json_url()}\n" + PEOPLE
    )
    config.chmod(0o600)
    base = ["--config", str(config), "--state-dir", str(state)]
    first = reconnectd(*base, "run")
    try:
        ready(first)
        second = reconnectd(*base, "run")
        try:
            _, err = second.communicate(timeout=HANG_GUARD)
        finally:
            stop(second)
        assert second.returncode == 2, err
        assert err.splitlines() == [  # only why: no start line for a run that never starts
            f"reconnectd: another `reconnectd run` (pid {first.pid}) is already running on the state directory"
            f" {state}; stop it first, or give this one its own --state-dir (`reconnectd sync` beside it is fine)"
        ]
        assert "Traceback" not in err
        sync = reconnectd(*base, "sync")
        _, err = sync.communicate(timeout=HANG_GUARD)
        assert sync.returncode == 0, err
    finally:
        assert stop(first) == 0
    again = reconnectd(*base, "run")  # once the first has stopped, the state directory is free again
    try:
        ready(again)
    finally:
        assert stop(again) == 0


def test_while_another_process_sends_a_stopping_daemon_leaves_the_nudges_to_it(
    tmp_path: Path, radicale: RadicaleServer, phone: HttpReceiver
) -> None:
    phone.on_request = None
    life = Life(tmp_path, radicale, phone)
    other = Store(tmp_path / "state" / "state.db")  # another process, as far as the lock can tell
    try:
        life.run_until(london(2026, 11, 12, 9, 0))
        assert other.delivery.try_acquire()  # it is sending
        life.clock.now = london(2026, 11, 12, 18, 0)  # Priya's check-in is due
        life.daemon.stopping.set()  # and the daemon is asked to stop meanwhile: it does not wait
        life.daemon.step()
        assert phone.requests == []
        assert f"the rest left to another reconnectd process (pid {os.getpid()})" in life.daemon.last_report.summary()
        other.delivery.release()
        life.daemon.stopping.clear()
        life.daemon.step()
        assert life.titles() == ["Check in with Priya"]
    finally:
        other.close()
        life.runtime.close()
