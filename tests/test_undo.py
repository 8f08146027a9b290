"""Mistakes can be taken back: a contact dated in the future is refused, `undo` withdraws the last one
(kept in the log, marked withdrawn), and pause and resume agree with the YAML."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from command import run_command
from peer import Peer
from servers import RadicaleServer

LONDON = ZoneInfo("Europe/London")
PEOPLE = """\
- name: Priya
  every: 2 weeks
  last_contact: 2026-11-02
- name: Jonah
  every: monthly
  status: paused
"""


def reconnectd(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconnectd", *args], capture_output=True, text=True, timeout=60, check=False
    )


class World:
    def __init__(self, tmp_path: Path, server: RadicaleServer | None) -> None:
        self.config = tmp_path / "config.yaml"
        self.state = tmp_path / "state"
        calendar = (
            f"calendar:\n  url: {server.url}\n  name: Reconnect\n  username: me\n  password: x\n  poll: 1h\n"
            if server
            else ""
        )
        self.config.write_text("timezone: Europe/London\n" + calendar + "people:\n" + textwrap.indent(PEOPLE, "  "))
        self.peer = Peer(server.url, "me", "x") if server else None

    def cli(self, *args: str) -> int:
        return run_command(self.config, self.state, *args)

    def priyas_next(self, after: datetime) -> datetime:
        assert self.peer is not None
        starts = [
            s.event["dtstart"].dt
            for s in self.peer.objects(self.peer.calendar_url("Reconnect")).values()
            if str(s.event.get("X-RECONNECTD-PERSON")) == "Priya"
        ]
        (upcoming,) = [s for s in starts if s > after]
        return upcoming  # type: ignore[no-any-return]


@pytest.fixture
def world(tmp_path: Path, radicale: RadicaleServer) -> Iterator[World]:
    w = World(tmp_path, radicale)
    yield w
    assert w.peer is not None
    w.peer.close()


def test_a_contact_dated_in_the_future_is_refused_and_nothing_is_recorded(tmp_path: Path) -> None:
    w = World(tmp_path, None)
    common = ("--config", str(w.config), "--state-dir", str(w.state))
    before = reconnectd(*common, "status", "--json")
    typo = (datetime.now(LONDON).date() + timedelta(days=150)).isoformat()  # 2027 for 2026
    refused = reconnectd(*common, "done", "Priya", "--at", typo)
    assert refused.returncode == 2
    assert f"--at {typo} is in the future" in refused.stderr
    assert "write the day you were in touch, like --at " in refused.stderr
    assert "Traceback" not in refused.stderr
    assert reconnectd(*common, "status", "--json").stdout == before.stdout
    assert reconnectd(*common, "history", "Priya").stdout == "No contact with Priya recorded yet.\n"
    today = reconnectd(
        *common, "done", "Priya", "--at", datetime.now(LONDON).date().isoformat()
    )  # today is not the future
    assert today.returncode == 0


def test_undo_withdraws_the_last_contact_and_the_calendar_follows(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.cli("sync", "--now", "2026-11-10T09:00") == 0
    assert world.priyas_next(datetime(2026, 11, 10, tzinfo=LONDON)) == datetime(2026, 11, 16, 18, tzinfo=LONDON)
    assert world.cli("done", "Priya", "--at", "2026-11-12T20:00", "--note", "coffee") == 0
    assert world.cli("sync", "--now", "2026-11-12T20:05") == 0
    assert world.priyas_next(datetime(2026, 11, 12, tzinfo=LONDON)) == datetime(2026, 11, 26, 18, tzinfo=LONDON)
    capsys.readouterr()

    assert world.cli("undo", "pri", "--now", "2026-11-12T20:10") == 0
    assert capsys.readouterr().out == (
        "Withdrew Priya's contact of Thu 12 Nov 2026 (done); their next check-in is back on Mon 16 Nov 2026 18:00."
        " The calendar follows on the next sync.\n"
    )
    assert world.cli("history", "Priya") == 0
    assert capsys.readouterr().out == "Thu 12 Nov 2026  cli      — coffee  (withdrawn on Thu 12 Nov 2026)\n"
    assert world.cli("plan", "--days", "7", "--now", "2026-11-12T20:10") == 0
    assert "Mon 16 Nov" in capsys.readouterr().out
    assert world.cli("sync", "--now", "2026-11-12T20:15") == 0
    assert world.priyas_next(datetime(2026, 11, 12, tzinfo=LONDON)) == datetime(2026, 11, 16, 18, tzinfo=LONDON)

    capsys.readouterr()
    assert world.cli("undo", "Priya", "--now", "2026-11-12T20:20") == 2  # nothing left to take back
    assert "nothing to undo for Priya: every contact with them is withdrawn already" in capsys.readouterr().err
    assert world.cli("undo", "Jonah") == 2
    assert "nothing to undo for Jonah: no contact with them is recorded" in capsys.readouterr().err


def test_a_running_daemon_sees_done_and_undo_at_once(world: World) -> None:
    """The real `run`, polling hourly: each change reaches the calendar within seconds, by the poke."""
    today = datetime.now(LONDON).date()
    text = world.config.read_text().replace("2026-11-02", (today - timedelta(days=3)).isoformat())
    world.config.write_text(text)
    daemon = subprocess.Popen(
        [sys.executable, "-m", "reconnectd", "--config", str(world.config), "--state-dir", str(world.state), "run"],
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NOTIFY_SOCKET": ""},
    )
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert daemon.stderr is not None
        for line in daemon.stderr:
            lines.put(line)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()

    def wait_for(text: str) -> str:
        while True:
            line = lines.get(timeout=120)  # a hang guard only: the poll is an hour away
            if text in line:
                return line

    try:
        first = wait_for("added: Check in with Priya")
        assert (today + timedelta(days=11)).strftime("%d %b") in first
        assert world.cli("done", "Priya") == 0
        moved = wait_for("updated: Check in with Priya")
        assert (today + timedelta(days=14)).strftime("%d %b") in moved
        assert world.cli("undo", "Priya") == 0
        back = wait_for("updated: Check in with Priya")
        assert (today + timedelta(days=11)).strftime("%d %b") in back
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)
        reader.join(timeout=30)  # it ends at the end of the daemon's output
        if daemon.stderr is not None:
            daemon.stderr.close()


def test_pause_and_resume_agree_with_the_yaml(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert world.cli("pause", "Jonah") == 0
    out = capsys.readouterr().out
    assert f"Jonah is already paused in {world.config}, line 14 (status: paused); nothing changed." in out
    assert "`reconnectd resume Jonah` would not end that" in out
    assert world.cli("resume", "Jonah") == 2
    err = capsys.readouterr().err
    assert f"Jonah is paused in {world.config}, line 14 (status: paused)" in err
    assert "to resume Jonah, change that line to `status: active`" in err
    assert world.cli("pause", "Priya") == 0
    assert capsys.readouterr().out == "Paused Priya. Resume with: reconnectd resume Priya\n"
    assert world.cli("resume", "Priya") == 0
    assert capsys.readouterr().out.startswith("Resumed Priya.")
    assert world.cli("resume", "Priya") == 0
    assert capsys.readouterr().out == "Priya is not paused; nothing to resume. (Pause with: reconnectd pause Priya)\n"
    status = world.cli("status", "--json")
    assert status == 0
    rows = {r["name"]: r["status"] for r in json.loads(capsys.readouterr().out)["people"]}
    assert rows == {"Priya": "active", "Jonah": "paused"}
