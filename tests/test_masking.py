"""Secrets never reach the log, even when something in the process logs them on purpose.

reconnectd's own lines never hold a secret, and the libraries that might are kept above DEBUG,
so a test that only reads the log proves nothing about the masking. Here a wiretap (standing for
any library that logs what it sends, headers and all) logs every request the calendar and the
phone receive, at DEBUG, while the real command runs with its real logging setup.
"""

from __future__ import annotations

import base64
import logging
import os
import signal
from pathlib import Path

import pytest
from conftest import AuthRadicaleServer
from faultproxy import FaultProxy
from servers import HttpReceiver, RadicaleServer, RecordedRequest
from waiting import NotifySocket, on_a_thread

from reconnectd.cli import main

WIRETAP = logging.getLogger("wiretap")
TOKEN = "tk_SuperSecretToken123"  # in the ntfy URL, sent as the password of a Basic header
GOTIFY_TOKEN = "GoTiFy0123456789abc"  # in the gotify URL's path, sent as X-Gotify-Key


def basic(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def run(*args: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main(list(args))
    return int(exited.value.code or 0)


def test_secrets_forced_into_debug_records_come_out_masked(
    tmp_path: Path, radicale_auth: AuthRadicaleServer, http_receiver: HttpReceiver, capfd: pytest.CaptureFixture[str]
) -> None:
    ntfy = f"ntfy://reconnect:{TOKEN}@{http_receiver.url}/topic?mode=private"
    gotify = http_receiver.gotify_url(GOTIFY_TOKEN)
    secrets = {
        "the calendar password": radicale_auth.password,
        "its Basic header": basic(radicale_auth.username, radicale_auth.password),
        "the ntfy token": TOKEN,
        "the ntfy Basic header": basic("reconnect", TOKEN),
        "the gotify token": GOTIFY_TOKEN,
    }

    def phone(request: RecordedRequest, _status: int | None) -> None:
        WIRETAP.debug("phone: %s %s %s", request.method, request.path, request.headers)
        WIRETAP.debug("phone: the services were %s and %s", ntfy, gotify)  # URLs with their tokens

    http_receiver.on_request = phone
    (tmp_path / "pw").write_text(radicale_auth.password)
    config = tmp_path / "config.yaml"
    with FaultProxy(radicale_auth.port) as proxy:
        proxy.on_request = lambda method, path, headers: WIRETAP.debug("calendar: %s %s %s", method, path, headers)
        config.write_text(
            "timezone: Europe/London\n"
            f"calendar:\n  url: {proxy.url}\n  username: {radicale_auth.username}\n  password_file: {tmp_path / 'pw'}\n"
            f"notify:\n  urls:\n    - {ntfy}\n    - {gotify}\n"
            "people:\n  - name: Priya\n    every: weekly\n    last_contact: 2026-11-20\n"
        )
        args = ["--verbose", "--config", str(config), "--state-dir", str(tmp_path / "s"), "sync", "--now"]
        assert run(*args, "2026-11-26T09:00") == 0
        assert run(*args, "2026-11-27T18:00") == 0
    assert len(http_receiver.requests) == 2  # the nudge, on each service
    out, err = capfd.readouterr()
    tapped = [line for line in err.splitlines() if "calendar: " in line or "phone: " in line]
    # The records did come out, with each secret where it was, masked:
    assert any("calendar: PUT" in line and "'Authorization': 'Basic ****'" in line for line in tapped), err
    assert any("phone: POST / " in line and "'Authorization': 'Basic ****'" in line for line in tapped), err
    assert any("phone: POST /message " in line and "'X-Gotify-Key': '****'" in line for line in tapped), err
    assert any(line.endswith("phone: the services were **** and ****") for line in tapped), err
    leaked = [what for what, secret in secrets.items() if secret in out + err]
    assert leaked == [], err


def test_a_run_masks_its_own_secrets_and_no_other_runs(
    tmp_path: Path, http_receiver: HttpReceiver, capfd: pytest.CaptureFixture[str]
) -> None:
    """Two commands in one process: each masks what its config holds, and nothing the other taught."""
    first, second = "firstpassword1", "secondpassword2"
    http_receiver.on_request = lambda _request, _status: WIRETAP.warning("heard %s and %s", first, second)
    handlers = logging.getLogger().handlers[:]
    said = []
    for password in (first, second):
        config = tmp_path / f"{password}.yaml"
        config.write_text(
            f"timezone: UTC\nnotify:\n  urls:\n    - json://me:{password}@{http_receiver.url}/notify\npeople: []\n"
        )
        assert run("--config", str(config), "--state-dir", str(tmp_path / "s"), "check", "--send-test") == 0
        said.append([line.split("WARNING ")[-1] for line in capfd.readouterr().err.splitlines() if "heard" in line])
        assert logging.getLogger().handlers == handlers  # the run's handler, and its redactor, went with it
    assert said == [[f"heard **** and {second}"], [f"heard {first} and ****"]]


def test_a_running_daemon_masks_the_secrets_of_a_config_reloaded_on_sighup(
    tmp_path: Path,
    radicale: RadicaleServer,
    http_receiver: HttpReceiver,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    later = "addedlatertoken42"
    notify = NotifySocket(tmp_path / "notify.sock")
    monkeypatch.setenv("NOTIFY_SOCKET", str(notify.path))
    monkeypatch.delenv("WATCHDOG_USEC", raising=False)
    config = tmp_path / "config.yaml"
    head = f"timezone: Europe/London\ncalendar:\n  url: {radicale.url}\n  username: me\n  password: x\n  poll: 1h\n"
    people = "people:\n  - name: Priya\n    every: weekly\n"
    config.write_text(f"{head}notify:\n  urls:\n    - {http_receiver.json_url()}\n{people}")
    ready = []

    def operator() -> None:
        try:
            notify.next_message("READY")
            ready.append(True)
            config.write_text(f"{head}notify:\n  urls:\n    - json://me:{later}@{http_receiver.url}/notify\n{people}")
            os.kill(os.getpid(), signal.SIGHUP)
            notify.next_message("RELOADING")
            notify.next_message("READY")
            WIRETAP.debug("a library, after the reload: %s", later)
        finally:
            # SIGTERM stops the daemon; were it not running yet, SIGINT at least ends the test loudly.
            os.kill(os.getpid(), signal.SIGTERM if ready else signal.SIGINT)

    join = on_a_thread(operator)
    try:
        assert run("--verbose", "--config", str(config), "--state-dir", str(tmp_path / "s"), "run") == 0
    finally:
        join()
        notify.close()
    err = capfd.readouterr().err
    assert "config reloaded: 1 person" in err
    assert "a library, after the reload: ****" in err
    assert later not in err
