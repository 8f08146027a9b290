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
from servers import HttpReceiver, RadicaleServer, RecordedRequest
from waiting import HANG_GUARD

from reconnectd.cli import main
from reconnectd.notify.outbox import catch_up_line
from reconnectd.policy.model import Nudge

ZONE = ZoneInfo("Europe/London")
TRIALS = 20
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


def test_parallel_syncs_deliver_each_nudge_exactly_once(
    tmp_path: Path, radicale: RadicaleServer, phone: HttpReceiver
) -> None:
    phones = {"/a": phone.json_url("/a"), "/b": phone.json_url("/b")}
    for trial in range(TRIALS):
        config, state = tmp_path / f"config-{trial}.yaml", tmp_path / f"state-{trial}"
        config.write_text(
            f"timezone: Europe/London\ncalendar:\n  url: {radicale.url}\n  username: me\n  password: x\n"
            f"  name: Trial {trial}\nnotify:\n  urls:\n" + "".join(f"    - {u}\n" for u in phones.values()) + PEOPLE
        )
        config.chmod(0o600)
        base = ["--config", str(config), "--state-dir", str(state)]
        with pytest.raises(SystemExit) as planned:
            main([*base, "sync", "--now", PLANNED])
        assert planned.value.code in (0, None)
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
        assert first.stderr is not None
        for line in first.stderr:  # wait for it to be running
            if "ready: " in line:
                break
        second = reconnectd(*base, "run")
        _, err = second.communicate(timeout=HANG_GUARD)
        assert second.returncode == 2, err
        assert f"pid {first.pid}" in err
        assert str(state) in err
        assert "Traceback" not in err
        sync = reconnectd(*base, "sync")  # a one-off sync beside it is fine
        _, err = sync.communicate(timeout=HANG_GUARD)
        assert sync.returncode == 0, err
    finally:
        first.send_signal(signal.SIGTERM)
        first.communicate(timeout=HANG_GUARD)
    assert first.returncode == 0
    again = reconnectd(*base, "run")  # once it stopped, the state directory is free again
    try:
        assert again.stderr is not None
        for line in again.stderr:
            if "ready: " in line:
                break
        assert again.poll() is None
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=HANG_GUARD)
    assert again.returncode == 0
