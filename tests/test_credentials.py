"""Where secrets come from, and what the user is told when one cannot be had."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import pytest

from reconnectd.config import credentials
from reconnectd.config.load import load_config
from reconnectd.errors import ConfigError


def resolve(tmp_path: Path, calendar: str, env: dict[str, str] | None = None, notify: str = ""):  # type: ignore[no-untyped-def]
    path = tmp_path / "config.yaml"
    path.write_text(f"timezone: UTC\ncalendar:\n  url: https://dav.example.com/\n  username: sam\n{calendar}{notify}")
    path.chmod(0o600)
    return credentials.resolve(load_config(path), path, env or {})


def problem(tmp_path: Path, calendar: str, env: dict[str, str] | None = None, notify: str = "") -> str:
    with pytest.raises(ConfigError) as caught:
        resolve(tmp_path, calendar, env, notify)
    (found,) = caught.value.problems
    return str(found).replace(str(tmp_path), "TMP")


def test_a_password_command_as_a_list_gives_its_first_line(tmp_path: Path) -> None:
    calendar = f'  password_command: [{sys.executable}, -c, \'print("s3cret"); print("more")\']\n'
    assert resolve(tmp_path, calendar).calendar.password.reveal() == "s3cret"


def test_a_password_command_as_a_string_is_split_but_never_run_by_a_shell(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    calendar = f"  password_command: echo s3cret; touch {marker}\n"
    assert resolve(tmp_path, calendar).calendar.password.reveal() == f"s3cret; touch {marker}"
    assert not marker.exists()


def test_a_failing_password_command_is_explained(tmp_path: Path) -> None:
    assert problem(tmp_path, "  password_command: 'false'\n") == (
        'TMP/config.yaml:5: calendar.password_command: "false" failed with exit code 1 '
        "(check the command, or use password_file)"
    )
    assert problem(tmp_path, "  password_command: no-such-tool --get caldav\n") == (
        'TMP/config.yaml:5: calendar.password_command: "no-such-tool" was not found '
        "(check the command, or use password_file)"
    )


def test_a_password_from_the_environment(tmp_path: Path) -> None:
    calendar = "  password_env: CALDAV_PASSWORD\n"
    assert resolve(tmp_path, calendar, {"CALDAV_PASSWORD": "s3cret"}).calendar.password.reveal() == "s3cret"
    assert problem(tmp_path, calendar) == (
        "TMP/config.yaml:5: calendar.password_env: the environment variable CALDAV_PASSWORD is not set "
        "(set it, or use password_file)"
    )


def test_systemd_credentials_are_found_by_name_or_by_default(tmp_path: Path) -> None:
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "caldav-password").write_text("from-systemd\n")
    env = {"CREDENTIALS_DIRECTORY": str(creds)}
    assert resolve(tmp_path, "  password_file: caldav-password\n", env).calendar.password.reveal() == "from-systemd"
    assert resolve(tmp_path, "", env).calendar.password.reveal() == "from-systemd"


def test_only_one_password_source_at_a_time(tmp_path: Path) -> None:
    assert problem(tmp_path, "  password: a\n  password_env: B\n") == (
        "TMP/config.yaml:6: calendar.password_env: is given together with password; keep only one"
    )


def test_apprise_urls_can_come_from_a_file(tmp_path: Path) -> None:
    (tmp_path / "urls").write_text("# my phone\nntfy://ntfy.sh/topic-with-token\n\njson://localhost/hook\n")
    config = resolve(tmp_path, "  password: x\n", notify="notify:\n  urls_file: urls\n")
    assert [u.reveal() for u in config.notify.urls] == ["ntfy://ntfy.sh/topic-with-token", "json://localhost/hook"]
    (tmp_path / "urls").write_text("ntfy://ok/topic\nnot a url\n")
    assert problem(tmp_path, "  password: x\n", notify="notify:\n  urls_file: urls\n") == (
        'TMP/config.yaml:7: notify.urls_file: TMP/urls:2 is not an Apprise URL (write it like "ntfy://ntfy.sh/my-topic")'
    )


def test_a_missing_apprise_config_file_is_reported(tmp_path: Path) -> None:
    assert problem(tmp_path, "  password: x\n", notify="notify:\n  apprise_config: apprise.yml\n") == (
        "TMP/config.yaml:7: notify.apprise_config: TMP/apprise.yml does not exist"
    )


def test_an_apprise_config_that_is_a_directory_is_reported(tmp_path: Path) -> None:
    (tmp_path / "apprise").mkdir()
    assert problem(tmp_path, "  password: x\n", notify="notify:\n  apprise_config: apprise\n") == (
        "TMP/config.yaml:7: notify.apprise_config: TMP/apprise is a directory, not a file"
    )


def test_a_systemd_credential_that_cannot_be_looked_at_is_reported_not_raised(tmp_path: Path) -> None:
    unusable = tmp_path / ("x" * 300)  # a name no file system takes: looking at it fails
    assert problem(tmp_path, "", {"CREDENTIALS_DIRECTORY": str(unusable)}) == (
        f"TMP/config.yaml: calendar.password_file: cannot read TMP/{'x' * 300}/caldav-password: File name too long "
        "(put the CalDAV password on one line in that file)"
    )


def test_a_readable_config_holding_a_password_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "config.yaml"
    path.write_text("timezone: UTC\ncalendar:\n  url: https://dav.example.com/\n  password: hunter2\n")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING):
        credentials.resolve(load_config(path), path, {})
    assert "can be read by other users; run: chmod 600" in caplog.text
    assert "hunter2" not in caplog.text


def test_an_apprise_config_file_gives_tagged_targets_whose_tokens_are_secret(tmp_path: Path) -> None:
    from reconnectd.notify.notifier import Notifier

    path = tmp_path / "apprise.yml"
    path.write_text(
        "urls:\n  - json://127.0.0.1:9/hook:\n      tag: family\n  - ntfy://me:tok123secret@127.0.0.1:9/topic\n"
    )
    notifier = Notifier((), path)
    assert [t.tags for t in notifier.targets] == [frozenset({"family"}), frozenset()]
    assert "tok123secret" in notifier.secrets()
    assert all("tok123secret" not in t.label for t in notifier.targets)


def test_log_lines_name_a_target_by_service_host_and_place_never_by_token_or_topic(tmp_path: Path) -> None:
    from reconnectd.logs import Redactor
    from reconnectd.notify.notifier import Notifier
    from reconnectd.policy.settings import Secret

    urls = ("ntfy://ntfy.sh/reconnect-7f3a9c", "gotify://push.example.com/AbCdEf0123456789", "json://127.0.0.1:9/phone")
    notifier = Notifier(tuple(Secret(u) for u in urls))
    redactor = Redactor()
    redactor.learn(notifier.secrets())
    lines = [redactor.redact(f"could not deliver to {t.label}") for t in notifier.targets]
    assert lines == [
        "could not deliver to ntfy://ntfy.sh (notify.urls[0])",
        "could not deliver to gotify://push.example.com (notify.urls[1])",
        "could not deliver to json://127.0.0.1:9 (notify.urls[2])",
    ]
    said = redactor.redact(f"a library says: POST {urls[0]} failed, then {urls[1]}/message")
    assert "reconnect-7f3a9c" not in said and "AbCdEf0123456789" not in said
