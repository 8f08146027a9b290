"""The README's own journey: try reconnectd on the embedded calendar, then connect a real server,
then another server under another calendar name, all with the same state directory.

A change of calendar is a move: the upcoming check-ins and dates are written into the new
calendar as planned, and nothing reads as deleted or skipped.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from conftest import RADICALE_PASSWORD, RADICALE_USER, AuthRadicaleServer
from peer import Peer
from servers import XandikosServer

EXAMPLE_URL_LINES = "  # url: https://dav.example.com/remote.php/dav/\n  # username: sam\n"


def reconnectd(config: Path, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "reconnectd", "--config", str(config), "--state-dir", str(state), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done


def connect(config: Path, url: str, *, username: str | None = None, password_file: Path | None = None) -> None:
    """What the README says to do: give calendar.url (and an account) in the config."""
    text = config.read_text()
    lines = f"  url: {url}\n"
    if username is not None and password_file is not None:
        lines += f"  username: {username}\n  password_file: {password_file}\n"
    if EXAMPLE_URL_LINES in text:
        text = text.replace(EXAMPLE_URL_LINES, lines)
    else:
        start = text.index("  url: ")
        end = text.index("  name: ")
        text = text[:start] + lines + text[end:]
    config.write_text(text)


def ours(peer: Peer, name: str) -> dict[str, str]:
    """UID to summary of the objects reconnectd wrote into the calendar `name`."""
    found = {}
    for stored in peer.objects(peer.calendar_url(name)).values():
        if stored.uid.startswith("reconnectd-"):
            found[stored.uid] = str(stored.event["summary"])
    return found


def test_embedded_then_radicale_then_xandikos_under_another_name_is_a_move_each_time(
    embedded_config: Path, tmp_path: Path, radicale_auth: AuthRadicaleServer, xandikos: XandikosServer
) -> None:
    config, state = embedded_config, tmp_path / "state"
    now = "2026-11-28T09:00"
    first = reconnectd(config, state, "sync", "--now", now)
    assert "calendar: 6 created" in first.stderr
    before = reconnectd(config, state, "plan", "--days", "45", "--now", now).stdout
    assert "big presentation" in before and "Priya" in before

    secret = tmp_path / "caldav-password"
    secret.write_text(RADICALE_PASSWORD + "\n")
    connect(config, radicale_auth.url, username=RADICALE_USER, password_file=secret)
    moved = reconnectd(config, state, "sync", "--now", "2026-11-28T09:05")
    assert "calendar: 6 created, 0 updated, 0 removed" in moved.stderr
    assert "the calendar moved from 'Reconnect' on the embedded calendar to 'Reconnect' on" in moved.stderr
    assert "6 upcoming check-ins and dates are written there" in moved.stderr
    assert "deleted" not in moved.stderr and "skipped" not in moved.stderr
    assert reconnectd(config, state, "plan", "--days", "45", "--now", now).stdout == before
    radicale = Peer(radicale_auth.url, RADICALE_USER, RADICALE_PASSWORD)
    on_radicale = ours(radicale, "Reconnect")
    assert len(on_radicale) == 6
    assert any("big presentation" in summary for summary in on_radicale.values())

    again = reconnectd(config, state, "sync", "--now", "2026-11-28T09:10")
    assert "calendar: 0 created, 0 updated, 0 removed" in again.stderr
    assert "calendar moved" not in again.stderr

    connect(config, xandikos.url)
    config.write_text(config.read_text().replace("  name: Reconnect\n", "  name: Friends\n"))
    to_xandikos = reconnectd(config, state, "sync", "--now", "2026-11-28T09:15")
    assert "calendar: 6 created, 0 updated, 0 removed" in to_xandikos.stderr
    assert "to 'Friends' on " + xandikos.url.rstrip("/") in to_xandikos.stderr
    assert "deleted" not in to_xandikos.stderr and "skipped" not in to_xandikos.stderr
    assert reconnectd(config, state, "plan", "--days", "45", "--now", now).stdout == before
    peer = Peer(xandikos.url, None, None)
    try:
        on_xandikos = ours(peer, "Friends")
    finally:
        peer.close()
    assert on_xandikos == on_radicale  # the same UIDs, the same words
    try:
        assert ours(radicale, "Reconnect") == on_radicale  # the calendar moved away from is left as it was
    finally:
        radicale.close()
