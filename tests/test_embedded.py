"""The embedded calendar is reconnectd's own or an error: strangers on its port are named, never written to."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLE
from servers import HttpReceiver, RadicaleServer, free_port
from test_cli import Notify, notify_socket, reconnectd

__all__ = ["notify_socket"]  # the fixture, imported to be used here

TAKEN = re.compile(
    r"^reconnectd: 127\.0\.0\.1:(\d+) is taken by another server, not reconnectd's embedded calendar: "
    r"set calendar\.listen to a free port, e\.g\. 127\.0\.0\.1:(\d+)$"
)


def config_on(tmp_path: Path, port: int) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(EXAMPLE.read_text().replace("listen: 127.0.0.1:5239", f"listen: 127.0.0.1:{port}"))
    return path


def assert_taken(done: subprocess.CompletedProcess[str], port: int) -> None:
    assert done.returncode == 2, done.stderr
    errors = [line for line in done.stderr.strip().splitlines() if " INFO " not in line]  # run logs its start
    assert len(errors) == 1, done.stderr
    match = TAKEN.match(errors[0])
    assert match, errors[0]
    assert int(match.group(1)) == port
    assert int(match.group(2)) != port
    assert "refused the login" not in done.stderr


def test_a_foreign_http_server_on_the_port_is_named_and_not_written_to(tmp_path: Path) -> None:
    with HttpReceiver() as stranger:
        stranger.fail_with = 401
        config = config_on(tmp_path, stranger.port)
        for command in (["sync"], ["check", "--connect"], ["run"]):
            done = reconnectd("--config", str(config), "--state-dir", str(tmp_path / "s"), *command)
            assert_taken(done, stranger.port)
        assert {r.method for r in stranger.requests} <= {"PROPFIND"}  # only the question, never a write


def test_a_foreign_radicale_on_the_port_is_named_and_gets_no_calendar(tmp_path: Path) -> None:
    with RadicaleServer(tmp_path / "theirs") as theirs:
        config = config_on(tmp_path, theirs.port)
        done = reconnectd("--config", str(config), "--state-dir", str(tmp_path / "s"), "sync")
        assert_taken(done, theirs.port)
        written = [p for p in theirs.storage_dir.rglob("*") if p.is_file()]
        assert not [p for p in written if p.suffix == ".ics"]
        assert not any("Reconnect" in p.read_text(errors="replace") for p in written)


def test_our_running_daemon_is_recognised_and_said_once(tmp_path: Path, notify_socket: Notify) -> None:
    config = config_on(tmp_path, free_port())
    state = str(tmp_path / "s")
    env = {**os.environ, "NOTIFY_SOCKET": str(notify_socket.path)}
    daemon = subprocess.Popen(
        [sys.executable, "-m", "reconnectd", "--config", str(config), "--state-dir", state, "run"],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        while "READY" not in notify_socket.receive():  # 30 s hang guard in Notify
            pass
        done = reconnectd("--config", str(config), "--state-dir", state, "sync")
        assert done.returncode == 0, done.stderr
        assert done.stderr.count("already served") == 1
        checked = reconnectd("--config", str(config), "--state-dir", state, "check", "--connect")
        assert checked.returncode == 0, checked.stderr
        assert 'calendar: logged in; will write to "Reconnect"' in checked.stdout
        status = reconnectd("--config", str(config), "--state-dir", state, "status")
        assert status.returncode == 0, status.stderr
        assert "already served" not in status.stderr  # status reads the store only
        daemon.send_signal(signal.SIGTERM)
        assert daemon.wait(timeout=30) == 0
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        if daemon.stderr:
            daemon.stderr.close()


def test_moving_the_port_keeps_the_calendar(tmp_path: Path) -> None:
    """A state made on one port (say the old default) keeps its check-ins on another: the data is on disk."""
    state = tmp_path / "s"
    first = reconnectd("--config", str(config_on(tmp_path, free_port())), "--state-dir", str(state), "sync")
    assert first.returncode == 0, first.stderr
    assert "calendar: 6 created" in first.stderr
    objects = sorted(p.name for p in (state / "calendar").rglob("*.ics"))
    again = reconnectd("--config", str(config_on(tmp_path, free_port())), "--state-dir", str(state), "sync")
    assert again.returncode == 0, again.stderr
    assert "calendar: 0 created, 0 updated, 0 removed" in again.stderr
    assert sorted(p.name for p in (state / "calendar").rglob("*.ics")) == objects
