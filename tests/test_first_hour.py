"""The first hour: init writes a config that check passes as it is; --now takes offsets from now."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import EXAMPLE, RADICALE_PASSWORD, RADICALE_USER, AuthRadicaleServer
from servers import HttpReceiver, free_port
from test_cli import reconnectd

from reconnectd.cli.common import parse_moment
from reconnectd.daemon.runtime import read_config
from reconnectd.logs import Redactor
from reconnectd.policy.grammar import parse_duration


def in_dir(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconnectd", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        input=stdin,
        env={**os.environ, "TZ": "Europe/Berlin"},
        check=False,
    )


@pytest.mark.parametrize("relative", [True, False])
def test_init_with_a_password_on_stdin_then_check_connects(
    tmp_path: Path, radicale_auth: AuthRadicaleServer, relative: bool
) -> None:
    config = Path("conf/config.yaml") if relative else tmp_path / "conf" / "config.yaml"
    url = f"http://127.0.0.1:{radicale_auth.port}/"
    made = in_dir(
        tmp_path, "--config", str(config), "init", "--url", url, "--username", RADICALE_USER, "--password-stdin",
        stdin=RADICALE_PASSWORD + "\n",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().endswith(f"run: reconnectd --config {config} check --connect --send-test")
    assert RADICALE_PASSWORD not in (tmp_path / "conf" / "config.yaml").read_text()
    assert "timezone: Europe/Berlin" in (tmp_path / "conf" / "config.yaml").read_text()
    checked = in_dir(tmp_path, "--config", str(config), "--state-dir", "s", "check", "--connect")
    assert checked.returncode == 0, checked.stderr
    assert checked.stdout.startswith(f"{config}: OK (0 people, ")
    assert "calendar: logged in" in checked.stdout


def test_init_with_a_password_file(tmp_path: Path) -> None:
    secret = tmp_path / "pw.txt"
    secret.write_text("hunter2\n")
    made = in_dir(
        tmp_path, "--config", "c.yaml", "init", "--url", "https://dav.example.com/", "--password-file", "pw.txt"
    )
    assert made.returncode == 0, made.stderr
    assert (tmp_path / "caldav-password").read_text() == "hunter2\n"
    assert (tmp_path / "caldav-password").stat().st_mode & 0o777 == 0o600
    assert in_dir(tmp_path, "--config", "c.yaml", "check").returncode == 0


def test_init_without_flags_writes_a_starter_whose_placeholder_gets_no_check_ins(tmp_path: Path) -> None:
    made = in_dir(tmp_path, "--config", "starter.yaml", "init")
    assert made.returncode == 0, made.stderr
    assert "Next: add your people, then run: reconnectd --config starter.yaml check" in made.stdout
    checked = in_dir(tmp_path, "--config", "starter.yaml", "check")
    assert checked.returncode == 0, checked.stderr
    assert "OK (0 people, calendar: embedded" in checked.stdout
    assert "#  - name: Someone you miss" in (tmp_path / "starter.yaml").read_text()


def read_until(fd: int, wanted: str, seen: list[str]) -> None:
    """Read the terminal until `wanted` has appeared (30 s hang guard)."""
    deadline = time.monotonic() + 30
    while wanted not in "".join(seen):
        assert time.monotonic() < deadline, "".join(seen)
        ready, _, _ = select.select([fd], [], [], 1)
        if ready:
            seen.append(os.read(fd, 4096).decode(errors="replace"))


def test_init_on_a_terminal_asks_the_time_zone_first_and_writes_the_password_beside_a_relative_config(
    tmp_path: Path, radicale_auth: AuthRadicaleServer
) -> None:
    leader, follower = pty.openpty()
    command = [sys.executable, "-m", "reconnectd", "--config", "conf/config.yaml", "init"]
    env = {**os.environ, "TZ": "Europe/Berlin"}
    process = subprocess.Popen(command, stdin=follower, stdout=follower, stderr=follower, cwd=tmp_path, env=env)
    os.close(follower)
    seen: list[str] = []
    try:
        for prompt, answer in (
            ("Your time zone [Europe/Berlin]", ""),
            ("CalDAV URL", f"http://127.0.0.1:{radicale_auth.port}/"),
            ("CalDAV username", RADICALE_USER),
            ("CalDAV password", RADICALE_PASSWORD),
            ("Apprise URL", ""),
        ):
            read_until(leader, prompt, seen)
            os.write(leader, (answer + "\r").encode())
        read_until(leader, "Next:", seen)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(leader)
    text = (tmp_path / "conf" / "config.yaml").read_text()
    assert "timezone: Europe/Berlin" in text
    assert "password_file: caldav-password" in text
    assert not (tmp_path / "conf" / "conf").exists()
    checked = in_dir(tmp_path, "--config", "conf/config.yaml", "--state-dir", "s", "check", "--connect")
    assert checked.returncode == 0, checked.stderr
    assert "calendar: logged in" in checked.stdout


@pytest.mark.parametrize(
    ("text", "step"),
    [("+3d", timedelta(days=3)), ("+2h", timedelta(hours=2)), ("+1w", timedelta(weeks=1)), ("-1d", timedelta(days=-1))],
)
def test_an_offset_counts_from_the_given_now(text: str, step: timedelta) -> None:
    now = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)
    assert parse_moment(text, read_config(EXAMPLE, Redactor()), now) == now + step


def test_now_takes_an_offset_from_the_clock(tmp_path: Path) -> None:
    done = reconnectd("--config", str(EXAMPLE), "--state-dir", str(tmp_path), "plan", "--days", "1", "--now", "+3d")
    assert done.returncode == 0, done.stderr
    later = reconnectd("--config", str(EXAMPLE), "--state-dir", str(tmp_path), "status", "--now", "-1d")
    assert later.returncode == 0, later.stderr
    bad = reconnectd("--config", str(EXAMPLE), "--state-dir", str(tmp_path), "status", "--now", "+3x")
    assert bad.returncode == 2
    assert "or from now like +3d, +2h, +1w, -1d" in bad.stderr


def calendar_config(tmp_path: Path, url: str, *, notify: str | None = None) -> Path:
    path = tmp_path / "config.yaml"
    urls = f"  urls:\n    - {notify}\n" if notify else "  urls: []\n"
    path.write_text(
        f"timezone: Europe/London\ncalendar:\n  url: {url}\n  username: sam\n  password: pw\n"
        f"notify:\n{urls}people:\n  - name: Priya\n    every: weekly\n"
    )
    return path


class Refusing(BaseHTTPRequestHandler):
    """Answers every request, whatever its method, with the server's `status` (no login asked for)."""

    def answer(self) -> None:
        self.server.seen.append(self.command)  # type: ignore[attr-defined]
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(self.server.status)  # type: ignore[attr-defined]
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_PROPFIND = do_REPORT = do_OPTIONS = do_MKCALENDAR = do_DELETE = answer

    def log_message(self, *_: object) -> None:
        pass


@contextmanager
def refusing(status: int) -> Iterator[ThreadingHTTPServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Refusing)
    server.status, server.seen = status, []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_a_403_is_no_access_to_the_url_not_a_failed_login(tmp_path: Path) -> None:
    with refusing(403) as server:
        port = server.server_address[1]
        config = calendar_config(tmp_path, f"http://127.0.0.1:{port}/dav/")
        done = reconnectd("--config", str(config), "--state-dir", str(tmp_path / "s"), "check", "--connect")
    assert done.returncode == 1
    assert f"calendar: the calendar server http://127.0.0.1:{port} gives no access to that URL" in done.stderr
    assert "(check calendar.url)" in done.stderr
    # The guest was refused, so the login was sent once (a Cyrus server never asks); the error does not blame it.
    assert "refused a request without credentials; sending them" in done.stderr
    assert "refused the login" not in done.stderr
    assert "check calendar.username" not in done.stderr
    assert "OK (1 person, " in done.stdout


def test_a_401_is_a_failed_login(tmp_path: Path) -> None:
    with refusing(401) as server:
        config = calendar_config(tmp_path, f"http://127.0.0.1:{server.server_address[1]}/dav/")
        done = reconnectd("--config", str(config), "--state-dir", str(tmp_path / "s"), "check", "--connect")
    assert done.returncode == 1
    assert "refused the login (check calendar.username and the password)" in done.stderr


def test_https_against_plain_http_suggests_http(tmp_path: Path) -> None:
    with HttpReceiver() as server:
        config = calendar_config(tmp_path, f"https://127.0.0.1:{server.port}/")
        done = reconnectd("--config", str(config), "--state-dir", str(tmp_path / "s"), "check", "--connect")
    assert done.returncode == 1
    assert "it speaks plain HTTP, not HTTPS (write http:// in calendar.url)" in done.stderr


def test_send_test_to_a_closed_port_says_connection_refused(tmp_path: Path) -> None:
    port = free_port()
    config = calendar_config(tmp_path, "https://dav.example.com/", notify=f"json://127.0.0.1:{port}/hook")
    done = reconnectd("--config", str(config), "--state-dir", str(tmp_path / "s"), "check", "--send-test")
    assert done.returncode == 1
    assert f"FAILED (connection refused by 127.0.0.1:{port})" in done.stdout


def test_an_unknown_name_lists_the_close_ones(tmp_path: Path) -> None:
    close = reconnectd("--config", str(EXAMPLE), "--state-dir", str(tmp_path), "done", "Pria")
    assert close.returncode == 2
    assert close.stderr.strip() == f'reconnectd: nobody called "Pria" in {EXAMPLE} (did you mean "Priya"?)'
    far = reconnectd("--config", str(EXAMPLE), "--state-dir", str(tmp_path), "done", "Zed")
    assert "(the people there: Priya, Sam, Grandma Rose, Jonah)" in far.stderr


@pytest.mark.parametrize(
    ("duration", "said"),
    [
        ("tomorrow", '"tomorrow" is not a duration (try "2d", "1w" or "3 days")'),
        ("0d", '"0d" would not move the check-in (try "2d", "1w" or "3 days")'),
    ],
)
def test_the_snooze_error_suggests_what_snooze_takes(tmp_path: Path, duration: str, said: str) -> None:
    done = reconnectd("--config", str(EXAMPLE), "--state-dir", str(tmp_path), "snooze", "Priya", duration)
    assert done.returncode == 2
    assert done.stderr.strip() == f"reconnectd: {said}"
    accepted = said.split("(try ")[1].rstrip(")").replace(" or ", ", ").split(", ")
    for example in accepted:  # every suggestion is one snooze accepts
        assert parse_duration(example.strip('"')) > timedelta(0)


def test_one_person_is_one_person(tmp_path: Path) -> None:
    config = calendar_config(tmp_path, "https://dav.example.com/")
    assert "OK (1 person, " in reconnectd("--config", str(config), "check").stdout


def test_the_report_counts_each_persons_contacts_and_names_a_pause(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    state = str(tmp_path / "s")
    reconnectd("--config", str(EXAMPLE), "--state-dir", state, "done", "Sam", "--at", "2026-11-01")
    done = reconnectd(
        "--config", str(EXAMPLE), "--state-dir", state, "report", "--out", str(out), "--now", "2026-12-02"
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    counts = re.findall(r'data-name="([^"]+)".*?<p class="count" data-contacts="\d+">([^<]+)</p>', page, re.S)
    assert dict(counts) == {
        "Priya": "1 contact",
        "Sam": "1 contact",
        "Grandma Rose": "1 contact",
        "Jonah": "0 contacts",
    }
    assert ">paused until 10 Jan<" in page
