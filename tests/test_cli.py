"""The CLI as users meet it: real processes, the embedded calendar, the daemon, and secrets."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from conftest import EXAMPLE, AuthRadicaleServer
from servers import HttpReceiver, SmtpReceiver
from waiting import HANG_GUARD

from reconnectd.cli import main


def reconnectd(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "reconnectd", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_check_accepts_the_example_and_exits_zero() -> None:
    done = reconnectd("--config", str(EXAMPLE), "check")
    assert done.returncode == 0
    assert "config.example.yaml: OK (4 people" in done.stdout


def test_check_rejects_a_bad_file_with_exit_two_and_no_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "config.yaml"
    bad.write_text("timezone: Europe/London\npeople:\n  - name: Priya\n    every: fortnightlyish\n")
    done = reconnectd("--config", str(bad), "check")
    assert done.returncode == 2
    assert (
        done.stderr.strip()
        == f'{bad}:4: people[0].every: "fortnightlyish" is not a cadence (try "2 weeks" or "fortnightly")'
    )
    assert "Traceback" not in done.stderr


def test_a_missing_config_says_how_to_get_one(tmp_path: Path) -> None:
    done = reconnectd("--config", str(tmp_path / "nope.yaml"), "check")
    assert done.returncode == 2
    assert "cannot read the config: No such file or directory (run `reconnectd init` or pass --config)" in done.stderr


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    assert reconnectd("--config", str(EXAMPLE), "--state-dir", str(tmp_path), "done", "Nobody").returncode == 2
    assert reconnectd("--config", str(EXAMPLE), "sync", "--now", "tomorrowish").returncode == 2
    assert reconnectd("no-such-command").returncode == 2


def test_version_and_module_entry_point() -> None:
    done = reconnectd("--version")
    assert done.returncode == 0
    assert done.stdout.startswith("reconnectd, version ")


def test_the_example_runs_on_the_embedded_calendar_and_nudges_to_the_log(embedded_config: Path, tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    first = reconnectd("--config", str(embedded_config), "--state-dir", state, "sync", "--now", "2026-11-28T09:00")
    assert first.returncode == 0, first.stderr
    assert "calendar: 6 created" in first.stderr  # 3 check-ins (Jonah is paused), yours, and 2 dates
    assert "added: Check in with Priya, Sat 28 Nov 2026 18:00" in first.stderr
    again = reconnectd("--config", str(embedded_config), "--state-dir", state, "sync", "--now", "2026-11-28T09:05")
    assert "calendar: 0 created, 0 updated, 0 removed" in again.stderr
    due = reconnectd("--config", str(embedded_config), "--state-dir", state, "sync", "--now", "2026-11-28T18:00")
    assert due.stderr.count("nudge: Check in with Priya") == 1
    assert "voice note" in due.stderr
    repeat = reconnectd("--config", str(embedded_config), "--state-dir", state, "sync", "--now", "2026-11-28T18:01")
    assert "nudge:" not in repeat.stderr
    assert (tmp_path / "state" / "calendar").is_dir()


def test_status_reports_last_contact_next_checkin_and_overdue(embedded_config: Path, tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    reconnectd("--config", str(embedded_config), "--state-dir", state, "sync", "--now", "2026-11-28T09:00")
    done = reconnectd("--config", str(embedded_config), "--state-dir", state, "status", "--now", "2026-11-28T09:00")
    lines = done.stdout.splitlines()
    assert lines[0].split() == ["NAME", "RHYTHM", "LAST", "CONTACT", "NEXT", "CHECK-IN"]
    priya = next(line for line in lines if line.startswith("Priya"))
    assert priya.split() == [
        "Priya",
        "fortnightly",
        "02",
        "Nov",
        "2026",
        "Sat",
        "28",
        "Nov",
        "18:00",
        "12",
        "days",
        "overdue",
    ]
    as_json = reconnectd(
        "--config", str(embedded_config), "--state-dir", state, "status", "--json", "--now", "2026-11-28T09:00"
    )
    assert '"overdue_days": 12' in as_json.stdout


class Notify:
    """A fake $NOTIFY_SOCKET: collects what the daemon tells systemd."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.sock.settimeout(HANG_GUARD)

    def receive(self) -> dict[str, str]:
        data = self.sock.recv(4096).decode()
        return dict(line.split("=", 1) for line in data.splitlines())

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[Notify]:
    notify = Notify(tmp_path / "notify.sock")
    yield notify
    notify.close()


def test_the_daemon_speaks_systemd_through_watchdog_reloads_and_stop(
    embedded_config: Path, tmp_path: Path, notify_socket: Notify
) -> None:
    env = {**os.environ, "NOTIFY_SOCKET": str(notify_socket.path), "WATCHDOG_USEC": "600000"}
    good = embedded_config.read_text()
    daemon = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reconnectd",
            "--config",
            str(embedded_config),
            "--state-dir",
            str(tmp_path / "s"),
            "run",
        ],
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )

    def next_message(*wanted: str) -> dict[str, str]:
        """The next message carrying one of `wanted`, skipping watchdog pings and status updates."""
        while True:
            message = notify_socket.receive()
            if any(key in message for key in wanted):
                return message

    try:
        ready = next_message("READY")
        assert ready["STATUS"].startswith("next check-in: ")
        assert next_message("WATCHDOG") == {"WATCHDOG": "1"}  # every 0.3 s while idle
        assert next_message("WATCHDOG") == {"WATCHDOG": "1"}

        embedded_config.write_text(good.replace("- name: Jonah", "- name: Ada\n    every: monthly\n  - name: Jonah"))
        daemon.send_signal(signal.SIGHUP)
        reloading = next_message("RELOADING")
        assert int(reloading["MONOTONIC_USEC"]) > 0
        assert "config not reloaded" not in next_message("READY")["STATUS"]

        embedded_config.write_text(good.replace("every: 2 weeks", "every: fortnightlyish"))
        daemon.send_signal(signal.SIGHUP)
        next_message("RELOADING")
        refused = next_message("READY")["STATUS"]
        assert "config not reloaded: " in refused
        assert "fortnightlyish" in refused
        assert next_message("WATCHDOG") == {"WATCHDOG": "1"}  # still alive and well

        daemon.send_signal(signal.SIGTERM)  # that it ends the sleep at once: tests/test_signals.py
        assert next_message("STOPPING") == {"STOPPING": "1"}
        assert daemon.wait(timeout=HANG_GUARD) == 0
        assert daemon.stderr is not None
        log = daemon.stderr.read()
        assert "calendar: 6 created" in log
        assert "config reloaded: 5 people" in log
        assert 'people[0].every: "fortnightlyish" is not a cadence' in log
        assert "stopped" in log
        assert "Traceback" not in log
    finally:
        if daemon.poll() is None:
            daemon.kill()
            daemon.wait()
        if daemon.stderr:
            daemon.stderr.close()


def test_logs_to_the_journal_carry_priorities_and_no_timestamps(embedded_config: Path, tmp_path: Path) -> None:
    log_path = tmp_path / "journal.log"
    with log_path.open("w") as log_file:
        stat = os.fstat(log_file.fileno())
        subprocess.run(
            [
                sys.executable,
                "-m",
                "reconnectd",
                "--config",
                str(embedded_config),
                "--state-dir",
                str(tmp_path),
                "sync",
            ],
            stderr=log_file,
            env={**os.environ, "JOURNAL_STREAM": f"{stat.st_dev}:{stat.st_ino}"},
            timeout=60,
            check=True,
        )
    lines = log_path.read_text().splitlines()
    assert lines
    assert all(line.startswith(("<6>", "<4>")) for line in lines), lines
    assert any(line.startswith("<6>added: Check in with Priya") for line in lines)


def test_gotify_and_email_receive_nudges(
    tmp_path: Path, radicale: object, http_receiver: HttpReceiver, smtp_receiver: SmtpReceiver
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "timezone: Europe/London\n"
        f"calendar:\n  url: {radicale.url}\n  username: me\n  password: any\n"  # type: ignore[attr-defined]
        f"notify:\n  urls:\n    - {http_receiver.gotify_url()}\n    - {smtp_receiver.apprise_url()}\n"
        "people:\n  - name: Priya\n    every: weekly\n    last_contact: 2026-11-20\n"
    )
    args = ["--config", str(config), "--state-dir", str(tmp_path / "s"), "sync", "--now"]
    for now in ("2026-11-26T09:00", "2026-11-27T18:00"):
        with pytest.raises(SystemExit):
            main([*args, now])
    (gotify,) = http_receiver.wait_for(1)
    assert gotify.path == "/message"
    assert gotify.json["title"] == "Check in with Priya"  # type: ignore[index]
    (mail,) = smtp_receiver.wait_for(1)
    assert mail.subject == "Check in with Priya"


def test_no_secret_reaches_the_output_even_at_debug(
    tmp_path: Path, radicale_auth: AuthRadicaleServer, http_receiver: HttpReceiver, capfd: pytest.CaptureFixture[str]
) -> None:
    caldav_server = radicale_auth
    token = "tk_SuperSecretToken123"
    (tmp_path / "pw").write_text(caldav_server.password)
    config = tmp_path / "config.yaml"
    config.write_text(
        "timezone: Europe/London\n"
        f"calendar:\n  url: {caldav_server.url}\n  username: {caldav_server.username}\n  password_file: {tmp_path / 'pw'}\n"
        f"notify:\n  urls:\n    - ntfy://reconnect:{token}@{http_receiver.url}/topic?mode=private\n"
        "people:\n  - name: Priya\n    every: weekly\n    last_contact: 2026-11-20\n"
    )
    for now in ("2026-11-26T09:00", "2026-11-27T18:00"):
        with pytest.raises(SystemExit):
            main(["--verbose", "--config", str(config), "--state-dir", str(tmp_path / "s"), "sync", "--now", now])
    assert len(http_receiver.wait_for(1)) == 1
    out, err = capfd.readouterr()
    assert "DEBUG" in err
    for secret in (caldav_server.password, token, "Y29ycmVjdCBob3JzZQ"):  # the last is base64 of the password
        assert secret not in out + err


def test_report_writes_a_self_contained_page(embedded_config: Path, tmp_path: Path) -> None:
    state = str(tmp_path / "state")
    reconnectd("--config", str(embedded_config), "--state-dir", state, "done", "Sam", "--at", "2026-11-01")
    out = tmp_path / "year.html"
    done = reconnectd(
        "--config", str(embedded_config), "--state-dir", state, "report", "--out", str(out), "--now", "2026-11-28"
    )
    assert done.returncode == 0, done.stderr
    page = out.read_text()
    assert page.count('<section class="row person') == 4
    assert 'data-date="2026-11-01"' in page
    assert "http://" not in page
    assert "https://" not in page
    unwritable = reconnectd(
        "--config", str(embedded_config), "--state-dir", state, "report", "--out", "/proc/nope/x.html"
    )
    assert unwritable.returncode == 2
    assert "cannot write /proc/nope/x.html" in unwritable.stderr


def test_a_persons_nudges_follow_their_notify_tag(
    tmp_path: Path, radicale: object, http_receiver: HttpReceiver
) -> None:
    with HttpReceiver() as family:
        config = tmp_path / "config.yaml"
        config.write_text(
            "timezone: Europe/London\n"
            f"calendar:\n  url: {radicale.url}\n  username: me\n  password: x\n"  # type: ignore[attr-defined]
            f"notify:\n  urls:\n    - {http_receiver.json_url()}\n    - url: {family.json_url('/family')}\n      tag: family\n"
            "people:\n  - name: Mum\n    every: weekly\n    last_contact: 2026-11-20\n    notify: family\n"
            "  - name: Sam\n    every: weekly\n    last_contact: 2026-11-20\n"
        )
        for now in ("2026-11-26T09:00", "2026-11-27T18:20"):
            with pytest.raises(SystemExit):
                main(["--config", str(config), "--state-dir", str(tmp_path / "s"), "sync", "--now", now])
        assert [r.json["title"] for r in family.requests] == ["Check in with Mum"]  # type: ignore[index]
        assert [r.json["title"] for r in http_receiver.requests] == ["Check in with Sam"]  # type: ignore[index]


def test_check_connect_finds_the_calendar_and_send_test_reaches_every_service(
    tmp_path: Path, radicale_auth: AuthRadicaleServer, http_receiver: HttpReceiver, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pw").write_text(radicale_auth.password)
    config = tmp_path / "config.yaml"
    body = (
        f"timezone: UTC\ncalendar:\n  url: {radicale_auth.url}\n  username: {radicale_auth.username}\n"
        f"  password_file: {tmp_path / 'pw'}\nnotify:\n  urls:\n    - {http_receiver.json_url()}\npeople: []\n"
    )
    config.write_text(body)
    args = ["--config", str(config), "--state-dir", str(tmp_path / "s")]
    with pytest.raises(SystemExit) as exited:
        main([*args, "check", "--connect", "--send-test"])
    out = capsys.readouterr().out
    assert exited.value.code == 0
    assert 'no calendar named "Reconnect" yet (it is created on the first sync' in out
    assert "notify: json://127.0.0.1" in out
    assert out.rstrip().endswith(": delivered")
    assert http_receiver.wait_for(1)[0].json["title"] == "reconnectd test"  # type: ignore[index]
    with pytest.raises(SystemExit):
        main([*args, "sync"])
    with pytest.raises(SystemExit):
        main([*args, "calendars"])
    assert capsys.readouterr().out.splitlines()[-1].startswith("* Reconnect ")

    (tmp_path / "pw").write_text("wrong")
    with pytest.raises(SystemExit) as refused:
        main([*args, "check", "--connect"])
    assert refused.value.code == 1
    assert "refused the login (check calendar.username and the password)" in capsys.readouterr().err


def test_init_writes_a_valid_private_starter_config_and_never_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "conf" / "config.yaml"
    done = reconnectd(
        "--config",
        str(path),
        "init",
        "--url",
        "https://dav.example.com/",
        "--username",
        "sam",
        "--notify",
        "ntfy://ntfy.sh/abc",
        "--timezone",
        "Europe/London",
    )
    assert done.returncode == 0, done.stderr
    assert path.stat().st_mode & 0o777 == 0o600
    assert reconnectd("--config", str(path), "check").returncode == 0
    before = path.read_text()
    again = reconnectd("--config", str(path), "init")
    assert again.returncode == 2
    assert "already exists" in again.stderr
    assert path.read_text() == before


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_shell_completion_scripts_are_generated(shell: str) -> None:
    done = reconnectd(env={"_RECONNECTD_COMPLETE": f"{shell}_source"})
    assert done.returncode == 0
    assert "_RECONNECTD_COMPLETE" in done.stdout


def test_the_help_lists_every_command() -> None:
    """The commands live in several modules of reconnectd.cli; importing the package registers them all."""
    done = reconnectd("--help")
    assert done.returncode == 0
    listed = {line.split()[0] for line in done.stdout.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == {
        *("check", "init", "calendars", "sync", "run", "status", "plan"),
        *("history", "pause", "resume", "snooze", "report", "done", "undo", "contacts"),
    }


def test_every_command_has_help_with_an_example() -> None:
    from reconnectd.cli import cli

    with click.Context(cli) as ctx:
        for name in cli.list_commands(ctx):
            command = cli.get_command(ctx, name)
            assert command is not None, name
            assert "Example:" in (command.help or ""), name


def test_a_url_without_caldav_is_explained_without_any_library_traceback(
    tmp_path: Path, http_receiver: HttpReceiver
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        f"timezone: UTC\ncalendar:\n  url: {http_receiver.base_url}nothing-here/\n  username: a\n  password: b\npeople: []\n"
    )
    config.chmod(0o600)
    done = reconnectd("--config", str(config), "--state-dir", str(tmp_path / "s"), "check", "--connect")
    assert done.returncode == 1
    assert "has no CalDAV service at that URL (check calendar.url)" in done.stderr
    assert "Traceback" not in done.stderr
    assert "Expected some valid XML" not in done.stderr


def test_a_sync_ahead_of_the_clock_says_it_is_recorded_and_how_to_look_ahead_without(
    embedded_config: Path, tmp_path: Path
) -> None:
    state = str(tmp_path / "state")
    ahead = reconnectd("--config", str(embedded_config), "--state-dir", state, "sync", "--now", "+3d")
    assert ahead.returncode == 0, ahead.stderr
    (line,) = [line for line in ahead.stderr.splitlines() if "ahead of the clock" in line]
    assert "WARNING --now +3d (" in line
    assert "recorded as if that time had come" in line
    assert line.endswith("use `reconnectd plan` or `reconnectd status --now +3d`")
    past = reconnectd("--config", str(embedded_config), "--state-dir", state, "sync", "--now", "-1d")
    assert past.returncode == 0, past.stderr
    assert "ahead of the clock" not in past.stderr
