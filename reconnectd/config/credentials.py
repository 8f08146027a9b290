"""Secrets the config points at, resolved at load time so a problem is reported at its line.

The CalDAV password comes from one of: `password` (inline), `password_file` (a relative name is
looked up in systemd's $CREDENTIALS_DIRECTORY first, then beside the config), `password_command`
(run without a shell; its first line of output), or `password_env`. With none of them, a
`caldav-password` credential from systemd is used when present. Apprise URLs may also come from
`notify.urls_file` (one per line).
"""

from __future__ import annotations

import logging
import subprocess
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from reconnectd.config.values import APPRISE_URL, NOT_APPRISE
from reconnectd.errors import ConfigError, Problem
from reconnectd.policy.settings import CalendarSettings, Config, ContactsSettings, PasswordSource, Secret

log = logging.getLogger(__name__)

CREDENTIAL_FILE = "caldav-password"  # the systemd credential looked for, and the file `reconnectd init` writes
COMMAND_TIMEOUT = 30
HINT = "put the CalDAV password on one line in that file"
FIRST_LINE = "it should print the password on its first line"


def resolve(config: Config, config_path: Path, environ: Mapping[str, str]) -> Config:
    """The config with its password and URL files read, or a ConfigError saying which and where."""
    credentials = Path(environ["CREDENTIALS_DIRECTORY"]) if environ.get("CREDENTIALS_DIRECTORY") else None
    problems: list[Problem] = []
    calendar = config.calendar
    source = calendar.password_source
    if source is None and calendar.password is None and credentials and _present(credentials / CREDENTIAL_FILE):
        source = PasswordSource("password_file", CREDENTIAL_FILE)
    if source is not None:
        try:
            calendar = replace(calendar, password=Secret(_password(source, config_path.parent, credentials, environ)))
        except _Unusable as why:
            problems.append(Problem(config.file, source.line, f"calendar.{source.key}", str(why)))
    contacts = config.contacts
    given = contacts.password_source if contacts is not None else None
    if contacts is not None and given is not None:
        try:
            contacts = replace(contacts, password=Secret(_password(given, config_path.parent, credentials, environ)))
        except _Unusable as why:
            said = str(why).replace("CalDAV password", "address book's password")
            problems.append(Problem(config.file, given.line, f"contacts.{given.key}", said))
    if contacts is not None and _borrows_login(contacts, calendar):
        contacts = replace(contacts, username=calendar.username, password=calendar.password)
    notify = config.notify
    if notify.urls_file is not None:
        try:
            notify = replace(notify, urls=notify.urls + _urls_file(_beside(notify.urls_file, config_path.parent)))
        except _Unusable as why:
            problems.append(Problem(config.file, notify.source_lines.get("urls_file"), "notify.urls_file", str(why)))
    if notify.apprise_config is not None:
        path = _beside(notify.apprise_config, config_path.parent)
        unreadable = _not_a_file(path)
        if unreadable:
            line = notify.source_lines.get("apprise_config")
            problems.append(Problem(config.file, line, "notify.apprise_config", unreadable))
        notify = replace(notify, apprise_config=path)
    if problems:
        raise ConfigError(problems)
    _warn_if_readable(config, config_path)
    return replace(config, calendar=calendar, notify=notify, contacts=contacts)


def _borrows_login(contacts: ContactsSettings, calendar: CalendarSettings) -> bool:
    """An address book on the calendar's host, with no login of its own, uses the calendar's."""
    if contacts.url is None or calendar.url is None or contacts.username or contacts.password:
        return False
    return urlsplit(contacts.url).netloc.lower() == urlsplit(calendar.url).netloc.lower()


class _Unusable(Exception):
    """A secret source that cannot give a value; the message says what to do."""


def _password(source: PasswordSource, base: Path, credentials: Path | None, environ: Mapping[str, str]) -> str:
    if source.key == "password_env":
        value = environ.get(str(source.value), "").strip()
        if not value:
            raise _Unusable(f"the environment variable {source.value} is not set (set it, or use password_file)")
        return value
    if source.key == "password_command":
        return _run(tuple(source.value))
    path = Path(str(source.value))
    candidates = [path] if path.is_absolute() else [d / path for d in (credentials, base) if d is not None]
    found = next((c for c in candidates if _present(c)), candidates[-1])
    try:
        value = found.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not readable text"
        raise _Unusable(f"cannot read {found}: {reason} ({HINT})") from None
    if not value:
        raise _Unusable(f"{found} is empty ({HINT})")
    return value


def _run(command: tuple[str, ...]) -> str:
    shown = " ".join(command)
    try:
        done = subprocess.run(command, capture_output=True, timeout=COMMAND_TIMEOUT, check=False)
    except FileNotFoundError:
        raise _Unusable(f'"{command[0]}" was not found (check the command, or use password_file)') from None
    except subprocess.TimeoutExpired:
        raise _Unusable(f'"{shown}" did not finish within {COMMAND_TIMEOUT} s (check the command)') from None
    except OSError as error:
        raise _Unusable(f'"{shown}" could not run: {error.strerror} (check the command)') from None
    if done.returncode != 0:
        raise _Unusable(f'"{shown}" failed with exit code {done.returncode} (check the command, or use password_file)')
    try:
        output = done.stdout.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise _Unusable(f'"{shown}" printed something that is not UTF-8 text ({FIRST_LINE})') from None
    first = output.splitlines()[0].strip() if output else ""
    if not first:
        raise _Unusable(f'"{shown}" printed nothing ({FIRST_LINE})')
    return first


def _urls_file(path: Path) -> tuple[Secret, ...]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or "not readable text"
        raise _Unusable(f"cannot read {path}: {reason} (one Apprise URL a line)") from None
    urls = []
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        if not APPRISE_URL.match(text):
            raise _Unusable(f"{path}:{number} {NOT_APPRISE}")
        urls.append(Secret(text))
    return tuple(urls)


def _present(path: Path) -> bool:
    """Whether something is at `path`, or might be: when it cannot be told (a name too long, a directory
    that may not be searched), reading it is left to say why."""
    try:
        return path.exists()
    except OSError:
        return True


def _not_a_file(path: Path) -> str | None:
    """Why `path` cannot be read as a file, or None if it can be tried."""
    try:
        if path.is_file():
            return None
        return f"{path} is a directory, not a file" if path.is_dir() else f"{path} does not exist"
    except OSError as error:
        return f"cannot read {path}: {error.strerror or error}"


def _beside(path: Path, base: Path) -> Path:
    return path if path.is_absolute() else base / path


def _warn_if_readable(config: Config, config_path: Path) -> None:
    holds_secret = config.calendar.password is not None and config.calendar.password_source is None
    if not holds_secret:
        return
    try:
        mode = config_path.stat().st_mode
    except OSError:
        return
    if mode & 0o077:
        log.warning(
            "%s holds a password and can be read by other users; run: chmod 600 %s (or move the password "
            "to password_file)",
            config.file,
            config.file,
        )
